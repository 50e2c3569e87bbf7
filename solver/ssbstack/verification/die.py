"""Verification of the rigid die wall (``mechanics.sides = "die"``) on ``cases/verification/die_confined``.

A homogeneous Li disc (axisymmetric) or strip (plane strain, two walls) between frictionless plates
under a constant axial stress P, its side against a rigid frictionless wall:

- zero clearance, elastic: uniaxial strain, lateral stress ν/(1−ν) P, axial strain
  P (1+ν)(1−2ν) / (E (1−ν));
- clearance c, elastic: uniaxial stress (lateral stress 0) until the side has moved out by c, at
  P* = E c / (ν R) (axisymmetric, radius R) or E c / (ν (1+ν) W/2) (plane strain, half-width W/2),
  then confined: lateral stress ν/(1−ν) (P − P*);
- zero clearance, Norton creep: with σ_z = −P and σ_r = σ_θ = −p, ε_r = 0 gives
  ṗ (1−ν)/E = ε̇_eq/2 with ε̇_eq = A (P − p)ⁿ, so q = P − p obeys q̇ = −E/(2(1−ν)) A qⁿ:
  q^(1−n) = q₀^(1−n) + (n−1) E/(2(1−ν)) A t from q₀ = P (1−2ν)/(1−ν). The deviator decays and
  p/P → 1 (slowly: as t^(−1/(n−1))).

The penalty contact overlaps the wall by p/k_n: the lateral stress error is ∝ 1/k_n (4.0e-4 at the
default ``contact_penalty`` = 1e3 on this mesh); the elastic checks use ``contact_penalty`` = 1e6
(case file), where it is 4.0e-7. Each ``verify_<name>(comm)`` returns
``(reference, computed, rel_error, tolerance)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ssbstack.config.loader import load_case
from ssbstack.config.schema import Case
from ssbstack.verification.mechanics import _relative, case_file, norton_rate, run_history

PLANE_STRAIN = ['geometry.kind="planar2d"']
CREEP = ["materials.Li.creep.coefficient_per_s_per_MPa_n=7.7e-3", 'conditions.stack_pressure="1 MPa"']
CREEP_TIMES = [1.0, 10.0, 100.0]


def confined_run(comm: Any, overrides: list[str], times: list[float] | None = None
                 ) -> tuple[Case, Any, list[dict[str, float]]]:
    """(case, model, rows) of the die case with ``overrides``, loaded and held to ``times`` (s)."""
    case = load_case(case_file("die_confined"), overrides)
    model, rows = run_history(case, comm, times or [])
    return case, model, rows


def _elastic(case: Case) -> tuple[float, float, float]:
    """(E, ν, P) of the homogeneous block."""
    material = case.material(case.stack[0].name)
    return material.youngs_modulus, material.poisson_ratio, case.conditions.stack_pressure


def _lateral_stress(model: Any, comm: Any) -> tuple[float, float]:
    """(most and least compressive lateral stress σ_xx over the owned quadrature points, Pa)."""
    from mpi4py import MPI

    lateral = model.current.stress[: model.nowned * model.nqp, 0]
    return (comm.allreduce(float(lateral.min(initial=np.inf)), op=MPI.MIN),
            comm.allreduce(float(lateral.max(initial=-np.inf)), op=MPI.MAX))


def confined_errors(comm: Any, overrides: list[str]) -> tuple[float, float, float]:
    """(reference lateral stress ν/(1−ν) P, computed die pressure, worst relative error of the die
    pressure, the lateral stress at every point and the axial strain) at zero clearance."""
    case, model, rows = confined_run(comm, overrides)
    young, nu, pressure = _elastic(case)
    lateral = nu / (1.0 - nu) * pressure
    strain = pressure * (1.0 + nu) * (1.0 - 2.0 * nu) / (young * (1.0 - nu))
    height = sum(layer.thickness for layer in case.stack)
    row = rows[-1]
    low, high = _lateral_stress(model, comm)
    errors = [_relative(lateral, row["die_pressure_Pa"]), _relative(lateral, -low),
              _relative(lateral, -high), _relative(strain, -row["plate_displacement_m"] / height)]
    return lateral, row["die_pressure_Pa"], max(errors)


def verify_confined_elastic(comm: Any) -> tuple[float, float, float, float]:
    """Zero clearance, axisymmetric: lateral stress ν/(1−ν) P (die pressure and every point) and
    axial strain P(1+ν)(1−2ν)/(E(1−ν)) (worst relative error, 1e-6 at contact_penalty 1e6)."""
    reference, computed, error = confined_errors(comm, [])
    return reference, computed, error, 1e-6


def verify_confined_elastic_plane_strain(comm: Any) -> tuple[float, float, float, float]:
    """The same in plane strain between two walls (worst relative error, 1e-6)."""
    reference, computed, error = confined_errors(comm, PLANE_STRAIN)
    return reference, computed, error, 1e-6


def verify_penalty_order(comm: Any) -> tuple[float, float, float, float]:
    """Order of the lateral-stress error in the penalty k_n (contact_penalty 1e3 → 1e4): the
    overlap p/k_n is the only error, so it falls as k_n^(−1) (observed order vs 1, 5 %)."""
    coarse, fine = (confined_errors(comm, [f"mechanics.contact_penalty={penalty}"])[2]
                    for penalty in (1e3, 1e4))
    order = math.log10(coarse / fine)
    return 1.0, order, abs(order - 1.0), 0.05


def onset_errors(comm: Any, overrides: list[str]) -> tuple[float, float, float]:
    """(P* closed form, P* from the die pressure at P, worst error) for a clearance with
    P* ≈ 0.4 P; the error is 1 if a load below P* (P*/2) already touches the wall."""
    case = load_case(case_file("die_confined"), overrides)
    young, nu, pressure = _elastic(case)
    planar = case.geometry.kind == "planar2d"
    half = case.geometry.width / 2.0 if planar else case.geometry.electrode_radius
    free_strain = nu * (1.0 + nu) / young if planar else nu / young  # lateral strain per Pa
    clearance = 0.4 * pressure * free_strain * half
    onset = clearance / (free_strain * half)
    extra = [*overrides, f"mechanics.die_clearance={clearance}"]
    _, _, rows = confined_run(comm, extra)
    computed = pressure - rows[-1]["die_pressure_Pa"] * (1.0 - nu) / nu
    _, _, below = confined_run(comm, [*extra, f"conditions.stack_pressure={0.5 * onset}"])
    error = _relative(onset, computed)
    if below[-1]["die_contact_fraction"] != 0.0 or below[-1]["die_pressure_Pa"] != 0.0:
        error = max(error, 1.0)  # free below the onset
    return onset, computed, error


def verify_clearance_onset(comm: Any) -> tuple[float, float, float, float]:
    """Clearance c, axisymmetric: free (no wall force) at P*/2; at P the die pressure is
    ν/(1−ν)(P − P*) with P* = E c/(ν R) (P* from it vs the closed form, 1e-6)."""
    reference, computed, error = onset_errors(comm, [])
    return reference, computed, error, 1e-6


def verify_clearance_onset_plane_strain(comm: Any) -> tuple[float, float, float, float]:
    """The same in plane strain, P* = E c/(ν(1+ν) W/2) (1e-6)."""
    reference, computed, error = onset_errors(comm, PLANE_STRAIN)
    return reference, computed, error, 1e-6


def creep_reference(case: Case, time: float) -> float:
    """Lateral stress p(t) (Pa) of the confined Norton block: P − q(t), q from the closed form."""
    young, nu, pressure = _elastic(case)
    law = case.material(case.stack[0].name).creep
    n = law.exponent
    modulus = young / (2.0 * (1.0 - nu)) / 1e6  # MPa
    rate = norton_rate(case, 1e6)  # A θ at 1 MPa, 1/s
    q0 = pressure / 1e6 * (1.0 - 2.0 * nu) / (1.0 - nu)
    q = (q0 ** (1.0 - n) + (n - 1.0) * modulus * rate * time) ** (1.0 / (1.0 - n))
    return pressure - 1e6 * q


def verify_confined_creep(comm: Any) -> tuple[float, float, float, float]:
    """Zero clearance, Norton Li at 1 MPa: lateral (die) pressure at 1, 10, 100 s vs the closed
    form of the deviator's decay (worst relative error of P − p, the deviator, 1 %)."""
    case, _, rows = confined_run(comm, CREEP, CREEP_TIMES)
    pressure = case.conditions.stack_pressure
    errors = []
    for time, row in zip(CREEP_TIMES, rows[1:], strict=True):
        reference = pressure - creep_reference(case, time)
        computed = pressure - row["die_pressure_Pa"]
        errors.append((_relative(reference, computed), reference, computed))
    error, reference, computed = max(errors)
    return reference, computed, error, 0.01


# --- extrusion into the plunger/die gap (cases/verification/die_extrusion.toml) ---------------

EXTRUSION_TIMES = [1.0, 10.0, 100.0]


def _block(case: Case) -> tuple[float, float, float, float, float, float, float]:
    """(E, ν, P (Pa), Norton rate A θ at 1 MPa (1/s), n, gap w (m), block height H (m)) of an
    extrusion block."""
    young, nu, pressure = _elastic(case)
    exponent = case.material(case.stack[0].name).creep.exponent
    return (young, nu, pressure, norton_rate(case, 1e6), exponent,
            case.mechanics.die_extrusion_gap, sum(layer.thickness for layer in case.stack))


def _column_growth(rate: float, n: float, width: float, mean_pressure: float, length: float
                   ) -> float:
    """dL/dt (m/s) of a Norton column (``rate`` A θ at 1 MPa, 1/s; exponent ``n``) of length
    ``length`` in a gap ``width`` (m) at entrance pressure ``mean_pressure`` (Pa, the Li's
    −tr σ/3): the slit's closed form √3 A (w/2) (√3 τ_w)ⁿ / (n + 2), τ_w = p̄ w / (2 L)."""
    shear = mean_pressure * width / (2.0 * length)
    return math.sqrt(3.0) * rate * width / 2 * (math.sqrt(3.0) * shear / 1e6) ** n / (n + 2)


def extrusion_reference(case: Case, times: list[float], steps: int = 20_000
                        ) -> list[tuple[float, float]]:
    """(wall pressure p (Pa), column length L (m)) at ``times`` (s) of the uniform confined block
    extruding into two columns (case comment), by RK4 on log-spaced steps from 1e-9 s. The slit
    flow is the Norton closed form here, not the solver's quadrature."""
    young, nu, pressure, rate, n, width, height = _block(case)
    radius = case.geometry.electrode_radius
    stiffness = young / (1.0 - nu)

    def slope(p: float, length: float) -> tuple[float, float]:
        growth = _column_growth(rate, n, width, (pressure + 2.0 * p) / 3.0, length)
        creep = rate * (max(pressure - p, 0.0) / 1e6) ** n
        return stiffness * (creep / 2.0 - 2.0 * width / height * growth / radius), growth

    return _integrate(lambda state: slope(*state), (nu / (1.0 - nu) * pressure, width), times,
                      steps)


def _integrate(slope: Any, state: tuple[float, ...], times: list[float], steps: int
               ) -> list[tuple[float, ...]]:
    """``state`` at ``times`` (s) under d state/dt = ``slope(state)``, by RK4 on log-spaced steps
    from 1e-9 s."""
    found, now = [], 0.0
    for end in times:
        for t in np.geomspace(max(now, 1e-9), end, steps)[1:] if now else np.geomspace(1e-9, end,
                                                                                        steps):
            h = t - now
            k1 = slope(state)
            k2 = slope(tuple(s + h / 2 * k for s, k in zip(state, k1, strict=True)))
            k3 = slope(tuple(s + h / 2 * k for s, k in zip(state, k2, strict=True)))
            k4 = slope(tuple(s + h * k for s, k in zip(state, k3, strict=True)))
            state = tuple(s + h / 6 * (a + 2 * b + 2 * c + d)
                          for s, a, b, c, d in zip(state, k1, k2, k3, k4, strict=True))
            now = t
        found.append(state)
    return found


def extrusion_rim_reference(case: Case, times: list[float], steps: int = 20_000
                            ) -> list[tuple[float, float]]:
    """(wall pressure p (Pa), column length L (m)) at ``times`` (s) of the plane-strain block whose
    four columns' Li leaves at the rim (``die_extrusion_exit = "rim"``, every point of a layer in
    both its rims: the block is no wider than a layer is thick). Uniform state with σ_y = −P,
    ε_x = ε_z = 0 and the sink ė_x = −4 L̇ w / (W H) (two columns per layer of thickness H/2 and
    width W): ε̇ᵉ = −ε̇ᶜʳ − ė, Norton ε̇ᶜʳ = (3/2) A σ_eqⁿ⁻¹ s, plane-strain elasticity with σ̇_y = 0,
    and L̇ of the slit at p̄ = −tr σ / 3 (RK4 as :func:`extrusion_reference`)."""
    young, nu, pressure, rate, n, width, height = _block(case)
    block = case.geometry.width

    def slope(state: tuple[float, ...]) -> tuple[float, float, float]:
        sx, sz, length = state
        sy = -pressure
        mean = (sx + sy + sz) / 3.0
        dev = np.array([sx - mean, sy - mean, sz - mean])
        equivalent = math.sqrt(1.5 * float(dev @ dev))
        creep = (1.5 * rate * (equivalent / 1e6) ** n / equivalent * dev if equivalent > 0.0
                 else np.zeros(3))
        growth = _column_growth(rate, n, width, -mean, length)
        sink = -4.0 * growth * width / (block * height)
        elastic_x, elastic_z = -creep[0] - sink, -creep[2]
        factor = young / (1.0 - nu * nu)
        return (factor * (elastic_x + nu * elastic_z), factor * (elastic_z + nu * elastic_x),
                growth)

    lateral = -nu / (1.0 - nu) * pressure
    return [(-sx, length) for sx, _, length in _integrate(slope, (lateral, lateral, width), times,
                                                          steps)]


def extrusion_errors(comm: Any, tolerance: float, at_rim: bool = False
                     ) -> tuple[float, float, float]:
    """(reference, computed, worst relative error) of the wall pressure and the extruded length
    L − w of the die_extrusion block (``at_rim``: the die_extrusion_rim one) at 1, 10 and 100 s,
    with the sub-step tolerances (strain and pressure change) at ``tolerance``."""
    case = load_case(case_file("die_extrusion_rim" if at_rim else "die_extrusion"),
                     [f"mechanics.pressure_change_tolerance={tolerance}",
                      f"mechanics.strain_increment_tolerance={tolerance}"])
    width = case.mechanics.die_extrusion_gap
    _, rows = run_history(case, comm, EXTRUSION_TIMES)
    reference = (extrusion_rim_reference if at_rim else extrusion_reference)(case, EXTRUSION_TIMES)
    errors = []
    for (pressure, length), row in zip(reference, rows[1:], strict=True):
        errors.append((_relative(pressure, row["die_pressure_Pa"]), pressure,
                       row["die_pressure_Pa"]))
        errors.append((_relative(length - width, row["extrusion_length_m"]), length - width,
                       row["extrusion_length_m"]))
    error, reference, computed = max(errors)
    return reference, computed, error


def verify_extrusion_uniform(comm: Any) -> tuple[float, float, float, float]:
    """Norton block in a die extruding into the plunger/die gap: wall pressure and extruded column
    length at 1, 10, 100 s vs the uniform-state ODEs (worst relative error, 1 % at sub-step
    tolerances 5e-4, 0.41 % measured; the error is the sub-steps' and falls linearly with them:
    1.5 % at the default 2e-3)."""
    reference, computed, error = extrusion_errors(comm, 5e-4)
    return reference, computed, error, 0.01


def verify_extrusion_rim_sink(comm: Any) -> tuple[float, float, float, float]:
    """Plane-strain block whose columns' Li leaves at its rims as a sink eigenstrain: wall
    pressure and extruded length at 1, 10, 100 s vs the uniform-state ODEs (worst relative error,
    1 % at sub-step tolerances 5e-4)."""
    reference, computed, error = extrusion_errors(comm, 5e-4, at_rim=True)
    return reference, computed, error, 0.01
