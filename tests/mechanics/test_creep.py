"""Li creep mechanics: return map, verification checks (physics.md §6 items 4–5), 1 vs 2 ranks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mpi4py import MPI
from tests.conftest import resumed_from_checkpoint, two_rank_history

from ssbstack.config.loader import apply_overrides, build_case, load_case, load_raw
from ssbstack.config.mechanics import CreepLaw
from ssbstack.errors import CaseError
from ssbstack.physics.mechanics import CreepRate, PointMaterial, creep_increment, return_map
from ssbstack.verification import mechanics as checks

COMM = MPI.COMM_WORLD
NORTON = CreepLaw(coefficient_per_s_per_MPa_n=7.7e-3, exponent=6.56, reference_temperature=299.0)


@pytest.mark.parametrize("model", ["norton", "garofalo", "anand"])
def test_return_map_solves_backward_euler_over_eleven_decades(model):
    """Anand at its frozen per-point resistance s (0.9–2.5 MPa) is the same scalar problem."""
    from tests.mechanics.test_anand import LI as ANAND

    q_trial = np.geomspace(1e4, 5e8, 60)  # 0.01 MPa (explicit limit) .. 500 MPa (full relaxation)
    rate = {"norton": CreepRate(NORTON, 299.0),
            "garofalo": CreepRate(CreepLaw(model="garofalo", coefficient_per_s=10.4, stress_scale=3e6,
                                           exponent=6.56, reference_temperature=299.0), 299.0),
            "anand": CreepRate(ANAND, 298.15, resistance=np.linspace(0.9e6, 2.5e6, 60))}[model]
    shear = np.full_like(q_trial, 2.83e9)
    for dt in (1e-3, 1.0, 1e5):
        dp, _, _ = creep_increment(q_trial, dt, shear, rate)
        q = q_trial - 3.0 * shear * dp
        assert np.all(q > 0.0)
        np.testing.assert_allclose(dp, dt * rate.rate(q), rtol=1e-9, atol=1e-300)


def test_consistent_tangent_matches_finite_differences():
    material = PointMaterial(np.array([10.9e9]), np.array([2.83e9]),
                             [(np.array([0]), CreepRate(NORTON, 299.0))])
    stress0 = np.array([[-1e6, -2e6, -0.5e6, 0.3e6 * math.sqrt(2)]])
    strain = np.array([[1e-4, -3e-4, 0.0, 2e-4]])
    eigen = np.zeros_like(strain)
    _, tangent, dp, _ = return_map(stress0, strain, eigen, 2.0, material, "plane_strain")
    assert dp[0] > 1e-6  # the step really creeps
    step = 1e-9
    for j in range(4):
        plus, minus = strain.copy(), strain.copy()
        plus[0, j] += step
        minus[0, j] -= step
        fd = (return_map(stress0, plus, eigen, 2.0, material, "plane_strain")[0]
              - return_map(stress0, minus, eigen, 2.0, material, "plane_strain")[0]) / (2 * step)
        np.testing.assert_allclose(tangent[0, :, j], fd[0], rtol=1e-5, atol=1e-6 * 1e10)


def _check(name):
    reference, computed, error, tolerance = getattr(checks, f"verify_{name}")(COMM)
    assert error <= tolerance, f"{name}: reference {reference}, computed {computed}, error {error}"
    return reference, computed, error


@pytest.mark.parametrize("name", ["creep_uniaxial", "creep_uniaxial_axisymmetric",
                                  "creep_uniaxial_garofalo", "creep_uniaxial_threshold"])
def test_uniaxial_creep_rate_is_the_law(name):
    _, _, error = _check(name)
    assert error < 1e-6  # uniform stress: exact up to solver tolerance


def test_relaxation_in_fixed_gap_matches_closed_form_ode():
    _check("creep_relaxation")


def test_relaxation_with_a_threshold_stops_at_the_threshold_not_at_zero():
    _, computed, _ = _check("creep_relaxation_threshold")
    assert 0.5e6 < computed < 0.8e6  # relaxed by 0.26 MPa, held above σ_th = 0.5 MPa
    plain = checks.relaxation_reference(load_case(checks.case_file("creep_relaxation")), 100.0)
    assert plain < 0.3e6  # without the threshold the same block relaxes to 0.24 MPa


@pytest.mark.parametrize("threshold", [2e6, 10e6])
def test_threshold_return_map_is_backward_euler_and_never_crosses_the_threshold(threshold):
    """Stresses at or below σ_th do not creep; above it, over eleven decades of excess and three
    of dt, Δp = dt ε̇(q_end) with q_end ≥ σ_th, and a long step ends near σ_th. Near σ_th the
    residual once cancelled σ_th against q_trial (round-off ~1e-9 Pa against an excess of ~1e3 Pa)
    and the map failed to converge when such points shared a call with others."""
    law = CreepRate(CreepLaw(coefficient_per_s_per_MPa_n=7.7e-3, exponent=6.56,
                             threshold_stress=threshold), 313.15)
    rng = np.random.default_rng(0)
    above = threshold + 10.0 ** rng.uniform(-3.0, 8.5, 5000)
    q_trial = np.concatenate([[0.5 * threshold, threshold], above])
    shear = np.full(q_trial.size, 2.83e9)
    for dt in (1e-3, 1.0, 1e3):
        dp, _, _ = creep_increment(q_trial, dt, shear, law)
        assert dp[0] == 0.0 and dp[1] == 0.0
        q_end = q_trial - 3.0 * shear * dp
        assert np.all(q_end[2:] >= threshold)
        flowing = dp > 0.0
        np.testing.assert_allclose(dp[flowing], dt * law.rate(q_end[flowing]), rtol=1e-8)
    assert np.max(q_end[2:][above < threshold + 50e6]) < threshold + 2e6  # relaxed towards σ_th


def test_threshold_stress_is_refused_for_the_anand_law():
    data = apply_overrides(load_raw(checks.case_file("creep_anand")),
                           ['materials.Li_anand.creep.threshold_stress="1 MPa"'])
    with pytest.raises(CaseError, match=r"threshold_stress"):
        build_case(data)


def test_stripping_removes_exactly_charge_times_molar_volume():
    _check("creep_stripping_mass_balance")


def test_stripping_plates_the_top_electrode_and_the_plate_stays():
    case = load_case(checks.case_file("creep_stripping"))
    model, _ = checks.run_history(case, COMM, [])
    top0, bottom0 = model.layer_volume(-1), model.layer_volume(0)
    step = case.protocol.expanded()[0]
    result = model.solve(600.0, 600.0, checks.Control(step.current_density))
    assert result.converged
    assert model.layer_volume(-1) - top0 == pytest.approx(bottom0 - model.layer_volume(0),
                                                          rel=1e-9)
    assert abs(result.values["plate_displacement_m"]) < 1e-15


def test_time_step_convergence_of_pressure_history():
    _check("creep_time_step_convergence")


def test_mesh_convergence_of_pressure_history():
    _check("creep_mesh_convergence")


def test_constant_pressure_fixture_holds_its_pressure_while_li_creeps():
    data = apply_overrides(load_raw(checks.case_file("creep_convergence")),
                           ["mechanics.fixture=constant_pressure", "mechanics.stiffness=0"])
    case = build_case(data)
    _, rows = checks.run_history(case, COMM, [60.0, 600.0])
    for row in rows:
        assert row["stack_pressure_Pa"] == pytest.approx(1e6, rel=1e-8)
    assert rows[-1]["plate_displacement_m"] < rows[1]["plate_displacement_m"] < 0.0


def test_bad_mechanics_input_names_the_key():
    data = apply_overrides(load_raw(checks.case_file("creep_relaxation")),
                           ["mechanics.area=0"])
    with pytest.raises(CaseError, match=r"mechanics\.area"):
        build_case(data)
    data = apply_overrides(load_raw(checks.case_file("creep_uniaxial")),
                           ["materials.Li.creep.model=garofalo"])
    with pytest.raises(CaseError, match=r"materials\.Li\.creep"):
        build_case(data)


@pytest.mark.skipif(COMM.size > 1, reason="launches its own 2-rank run")
def test_two_ranks_give_the_serial_pressure_history():
    serial, parallel = two_rank_history("creep_convergence", [60.0, 600.0])
    for a, b in zip(serial, parallel, strict=True):
        for key in ("stack_pressure_Pa", "plate_displacement_m", "li_thickness_m"):
            assert b[key] == pytest.approx(a[key], rel=1e-7, abs=1e-15)


def test_seating_case_fits_nothing_and_the_fitted_foil_case_fits_one_value():
    folder = checks.CASES.parent / "ham2024"
    case = load_case(folder / "seating_hold_25MPa.toml")

    def calibrated(case):  # the Li creep law is calibrated elsewhere (Masias 2019)
        return sorted(key for key, note in case.provenance.items()
                      if note["status"] == "calibrated" and not key.startswith("materials."))

    assert calibrated(case) == []
    assert case.provenance["mechanics.stiffness"]["status"] == "derived"
    assert "holder_stiffness.py" in case.provenance["mechanics.stiffness"]["note"]
    assert case.mechanics.fixture == "fixed_gap" and case.conditions.stack_pressure == 25e6
    assert case.targets["drop_30min_RT"].value == 2.2
    assert case.targets["drop_30min_40C"].value == 5.6
    assert case.protocol.expanded()[0].duration == 24 * 3600.0
    for name in ("seating_hold_25MPa_fitted_foil.toml", "seating_hold_25MPa_fitted_foil_40C.toml"):
        fitted = load_case(folder / name)
        assert calibrated(fitted) == ["stack[0].thickness", "stack[2].thickness"]  # one value
        assert fitted.stack[0].thickness == fitted.stack[2].thickness
        assert fitted.stack[1].thickness == case.stack[1].thickness
        assert fitted.mechanics.stiffness == case.mechanics.stiffness


def test_checkpoint_restore_continues_identically():
    case = load_case(checks.case_file("creep_convergence"), ["mechanics.large_deformation=true"])
    straight, resumed = resumed_from_checkpoint(case, 60.0, 120.0, 10.0)
    for key in ("stack_pressure_Pa", "plate_displacement_m", "li_thickness_m", "max_von_mises_Pa"):
        assert resumed[key] == pytest.approx(straight[key], rel=1e-10)


def test_protocol_runner_drives_the_model_through_a_stripping_step():
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.numerics.mechanics import MechanicsModel
    from ssbstack.numerics.runner import ProtocolRunner

    case = load_case(checks.case_file("creep_stripping"))
    model = MechanicsModel(case, build_mesh(case, COMM), COMM)
    rows: list[dict] = []
    runner = ProtocolRunner(case, [model], rows.append, lambda line: None, model.write_fields)
    assert set(model.columns()) <= set(runner.columns())
    runner.run()
    step = case.protocol.expanded()[0]
    omega = case.materials["Li"].molar_volume
    thinning = step.current_density * step.duration * omega / checks.FARADAY
    assert rows[-1]["time_s"] == pytest.approx(step.duration)
    assert rows[0]["li_thickness_m"] - rows[-1]["li_thickness_m"] == pytest.approx(thinning,
                                                                                  rel=1e-9)
    assert all(row["stack_pressure_Pa"] == pytest.approx(0.0, abs=1e-3) for row in rows)
