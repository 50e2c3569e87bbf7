"""Anand viscoplasticity for Li (Narayan & Anand 2018; Anand & Narayan, JES 166 (2019) A1092):
the law at a point, its consistent tangent, the FE checks against the law's ODEs and its steady
state (each shown to fail for a slightly different law), bad input, checkpoint of s."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mpi4py import MPI

from ssbstack.config.loader import apply_overrides, build_case, load_case, load_raw
from ssbstack.config.mechanics import CreepLaw
from ssbstack.errors import CaseError
from ssbstack.physics.mechanics import CreepRate, PointMaterial, return_map
from ssbstack.verification import mechanics as checks

COMM = MPI.COMM_WORLD
R, T = 8.314462618, 298.15
LI = CreepLaw(model="anand", coefficient_per_s=2.46e6, activation_energy=37.38e3,
              rate_sensitivity=0.15, initial_resistance=0.95e6, hardening_modulus=10e6,
              saturation_coefficient=2e6, saturation_exponent=0.00244, hardening_exponent=2.0)
PREFACTOR = 2.46e6 * math.exp(-37.38e3 / (R * T))  # A exp(−Q/RT), absolute (no T_ref)


def _worst(reference, computed):
    return max(abs(c - r) / abs(r) for r, c in zip(reference, computed, strict=True))


def test_anand_rate_and_its_inverse_at_frozen_resistance():
    s = np.array([0.95e6, 1.2e6, 2.0e6])
    rate = CreepRate(LI, T, resistance=s)
    stress = np.array([0.1e6, 0.3e6, 1.0e6])
    expected = PREFACTOR * (stress / s) ** (1.0 / 0.15)  # the papers' power-law flow function
    assert rate.rate(stress) == pytest.approx(expected, rel=1e-12)
    back, slope = rate.stress(expected)
    assert back == pytest.approx(stress, rel=1e-10)
    assert slope == pytest.approx(0.15 * stress, rel=1e-10)  # dσ/d ln ε̇ = m σ at frozen s
    assert rate.at(np.array([2])).rate(stress[2:]) == pytest.approx(expected[2:], rel=1e-12)
    with pytest.raises(ValueError, match="deformation resistance"):
        CreepRate(LI, T).rate(stress)


def test_resistance_update_is_backward_euler_between_s_and_saturation():
    s_old = np.array([0.95e6, 2.5e6, 1.5e6, 1.2e6])
    dp = np.array([1e-2, 1e-2, 0.5, 0.0])  # harden, soften, a huge step, no creep
    dt = 1.0
    s_new = CreepRate(LI, T, resistance=s_old).evolve(dp, dt)
    saturation = 2e6 * (dp / dt / PREFACTOR) ** LI.saturation_exponent
    u = 1.0 - s_new[:3] / saturation[:3]
    residual = s_new[:3] - s_old[:3] - 10e6 * np.abs(u) ** 2 * np.sign(u) * dp[:3]
    assert np.all(np.abs(residual) <= 1e-9 * s_old[:3])
    assert s_old[0] < s_new[0] < saturation[0]
    assert saturation[1] < s_new[1] < s_old[1]
    assert s_new[2] <= saturation[2]  # no overshoot of s* however large the step
    assert s_new[3] == s_old[3]
    steady = CreepRate(LI, T, resistance=saturation[:1]).evolve(dp[:1], dt)
    assert steady == pytest.approx(saturation[:1], rel=1e-14)  # s* is a fixed point


def test_consistent_tangent_matches_finite_differences_for_anand():
    law = CreepRate(LI, T)
    material = PointMaterial(np.array([10.9e9, 10.9e9]), np.array([2.83e9, 2.83e9]),
                             [(np.array([0, 1]), law)])
    resistance = np.array([1.1e6, 0.95e6])
    stress0 = np.array([[-0.3e6, -0.6e6, -0.2e6, 0.1e6 * math.sqrt(2)],
                        [-0.5e6, -0.1e6, -0.3e6, 0.05e6 * math.sqrt(2)]])
    strain = np.array([[1e-5, -3e-5, 0.0, 2e-5], [-2e-5, 1e-5, 0.0, -1e-5]])
    eigen = np.zeros_like(strain)

    def stress(e):
        return return_map(stress0, e, eigen, 0.5, material, "plane_strain", resistance)[0]

    _, tangent, dp, _ = return_map(stress0, strain, eigen, 0.5, material, "plane_strain",
                                   resistance)
    assert np.all(dp > 1e-6)  # both points really creep
    step = 1e-10
    for j in range(4):
        plus, minus = strain.copy(), strain.copy()
        plus[:, j] += step
        minus[:, j] -= step
        fd = (stress(plus) - stress(minus)) / (2 * step)
        np.testing.assert_allclose(tangent[:, :, j], fd, rtol=1e-5, atol=1e-6 * 1e10)


def test_point_update_converges_to_the_ode_at_a_constant_strain_rate():
    """A single point driven at 1e-3 1/s in uniaxial tension: the frozen-s return map + the
    backward-Euler s update converge at first order to the RK4 reference of the checks."""
    case = load_case(checks.case_file("creep_anand_strain_rate"),
                     ["conditions.stack_pressure=0", 'conditions.temperature="298.15 K"'])
    young, nu = 7.82e9, 0.38
    material = PointMaterial(np.array([young / (3 * (1 - 2 * nu))]),
                             np.array([young / (2 * (1 + nu))]), [(np.array([0]), CreepRate(LI, T))])
    rate, duration = 1e-3, 40.0
    reference = checks.anand_reference(case, [duration], rate)[0][0]
    errors = []
    for steps in (200, 400):
        stress, s, h = np.zeros((1, 4)), np.array([0.95e6]), duration / steps
        for _ in range(steps):
            # uniaxial stress along y: solve the lateral strain for σ_xx = σ_zz... = 0 by Newton
            de = np.array([[0.0, rate * h, 0.0, 0.0]])
            for _ in range(20):
                new, tangent, dp, _ = return_map(stress, de, np.zeros_like(de), h, material,
                                                 "plane_strain", s)
                free = [0, 2]
                residual = new[0, free]
                if np.abs(residual).max() < 1e-6:
                    break
                de[0, free] -= np.linalg.solve(tangent[0][np.ix_(free, free)], residual)
            stress = new
            s = material.evolve_resistance(s, dp, h)
        errors.append(abs(stress[0, 1] - reference) / reference)
    assert errors[1] < 0.005
    assert errors[0] / errors[1] == pytest.approx(2.0, rel=0.2)  # first order in the step


def test_anand_creep_at_constant_stress_follows_the_law_and_detects_a_different_one():
    case, computed = checks.anand_creep_history(COMM, [], checks.ANAND_CREEP_TIMES)
    reference = [state[2] for state in checks.anand_reference(case, checks.ANAND_CREEP_TIMES)]
    assert _worst(reference, computed) < 0.01
    other = load_case(checks.case_file("creep_anand"),
                      ['materials.Li_anand.creep.hardening_modulus="11 MPa"'])  # h0 + 10 %
    wrong = [state[2] for state in checks.anand_reference(other, checks.ANAND_CREEP_TIMES)]
    assert _worst(wrong, computed) > 0.02


def test_anand_constant_strain_rate_follows_the_law_and_detects_a_different_one():
    case, rate, rows = checks.anand_strain_rate_history(COMM, [], checks.ANAND_RATE_TIMES)
    computed = [row["stack_pressure_Pa"] for row in rows[1:]]
    reference = [s[0] for s in checks.anand_reference(case, checks.ANAND_RATE_TIMES, rate)]
    assert _worst(reference, computed) < 0.01
    other = load_case(checks.case_file("creep_anand_strain_rate"),
                      ['materials.Li_anand.creep.hardening_modulus="12 MPa"'])  # h0 + 20 %
    wrong = [s[0] for s in checks.anand_reference(other, checks.ANAND_RATE_TIMES, rate)]
    assert _worst(wrong, computed) > 0.02


def test_anand_steady_state_is_the_closed_form_and_detects_a_different_one():
    _, computed, error, tolerance = checks.verify_anand_steady_state(COMM)
    assert error < 1e-4 < tolerance
    law = load_case(checks.case_file("creep_anand_strain_rate")).materials["Li_anand"].creep
    shifted = law.model_copy(update={"rate_sensitivity": 0.18})  # m + 20 %
    rate = 100.0 * 10.0 * 1.3e-5 / checks.FARADAY / 1e-4  # 100 mA/cm² into a 100 µm stack
    wrong = checks.anand_steady_stress(shifted, T, rate)
    assert abs(computed - wrong) / wrong > 0.02


@pytest.mark.parametrize("key", ["hardening_exponent", "activation_energy", "saturation_exponent"])
def test_missing_anand_parameter_is_one_line_naming_it(key):
    data = load_raw(checks.case_file("creep_anand"))
    del data["materials"]["Li_anand"]["creep"][key]
    with pytest.raises(CaseError, match=rf"materials\.Li_anand\.creep.*{key} is required for the "
                                        r"anand law") as error:
        build_case(data)
    assert "\n" not in str(error.value)
    data = apply_overrides(load_raw(checks.case_file("creep_uniaxial")),
                           ["materials.Li.creep.model=anand"])
    with pytest.raises(CaseError, match=r"materials\.Li\.creep.*required for the anand law"):
        build_case(data)


def test_checkpoint_restores_the_resistance():
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.numerics.mechanics import MechanicsModel

    case = load_case(checks.case_file("creep_anand"))
    model, _ = checks.run_history(case, COMM, [2.0])
    hardened = model.accepted.resistance
    assert np.all(hardened > 0.95e6 * 1.02)  # s has evolved from s0
    saved = {name: (keys[np.argsort(keys)], rows[np.argsort(keys)])  # as checkpoint.load gives
             for name, (keys, rows) in model.state().items()}
    straight = model.solve(4.0, 2.0, checks.Control(0.0))
    fresh = MechanicsModel(case, build_mesh(case, COMM), COMM)
    fresh.restore(saved)
    np.testing.assert_array_equal(fresh.accepted.resistance, hardened)
    resumed = fresh.solve(4.0, 2.0, checks.Control(0.0))
    assert straight.converged and resumed.converged
    for key in ("stack_pressure_Pa", "plate_displacement_m", "max_von_mises_Pa"):
        assert resumed.values[key] == pytest.approx(straight.values[key], rel=1e-10)
    np.testing.assert_allclose(fresh.current.resistance, model.current.resistance, rtol=1e-12)
