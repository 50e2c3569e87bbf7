"""MechanicsModel paths no other test reaches, against closed forms: the rigid fixed gap (κ = ∞),
roller sides, the large-deformation (updated Lagrangian) mesh update, the consistent tangent in 3D
and axisymmetry, and frictionless plates with free sides.

Cases are the verification cases (``cases/verification/creep_*``) with ``--set`` overrides; "elastic"
means the Li creep law is removed from the raw case (Li is then linear elastic). Elastic states are
uniform or piecewise uniform and the element (P2, linear fields exact) reproduces them to round-off,
so those checks use 1e-10; creep histories carry the backward-Euler error of the sub-stepping and
are checked for first-order convergence to the closed form instead.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from mpi4py import MPI

from ssbstack.config.loader import apply_overrides, build_case, load_raw
from ssbstack.config.mechanics import CreepLaw
from ssbstack.config.schema import FARADAY
from ssbstack.numerics.model import Control
from ssbstack.physics.mechanics import CreepRate, PointMaterial, return_map
from ssbstack.verification import mechanics as checks

COMM = MPI.COMM_WORLD
EXACT = 1e-10  # uniform (or layer-wise uniform) elastic states: round-off of the LU solve and sums
GEOMETRY = {
    "planar2d": ['geometry.kind="planar2d"'],
    "axisymmetric": checks.AXISYMMETRIC_DISC,
    "box3d": ['geometry.kind="box3d"', 'geometry.depth="100 um"'],
}
RIGID = 'mechanics.fixture="fixed_gap"'  # no stiffness: κ = ∞


def _case(name: str, overrides: list[str] = (), *, elastic: bool = False,
          top_material: str | None = None):
    """A verification case with ``--set`` overrides; ``elastic`` drops the Li creep law and
    ``top_material`` replaces the material of the last layer."""
    data = apply_overrides(load_raw(checks.case_file(name)), list(overrides))
    if elastic:
        del data["materials"]["Li"]["creep"]
    if top_material is not None:
        data["stack"][-1]["material"] = top_material
    return build_case(data)


def _elastic(case, layer):
    """(E, ν) of a layer."""
    material = case.material(layer.name)
    return material.youngs_modulus, material.poisson_ratio


def _confined_modulus(young: float, poisson: float) -> float:
    """M = E (1 − ν) / ((1 + ν)(1 − 2ν)): σ_v / ε_v with no lateral strain (any kinematics)."""
    return young * (1.0 - poisson) / ((1.0 + poisson) * (1.0 - 2.0 * poisson))


def _max(values: np.ndarray) -> float:
    return COMM.allreduce(float(np.max(values, initial=0.0)), op=MPI.MAX)


# --- 1. rigid fixed gap -------------------------------------------------------------------------


def test_rigid_gap_holds_an_elastic_stack_at_exactly_p0():
    """κ = ∞ and nothing changes (elastic Li, no current): P stays P0, the plate stays put."""
    case = _case("creep_uniaxial", [RIGID, *GEOMETRY["planar2d"]], elastic=True)
    assert math.isinf(case.mechanics.stiffness_per_area())
    model, rows = checks.run_history(case, COMM, [10.0, 100.0, 1000.0])
    assert math.isinf(model.kappa)
    young, poisson = _elastic(case, case.stack[0])
    p0, height = case.conditions.stack_pressure, sum(layer.thickness for layer in case.stack)
    # load step (constant pressure): plane-strain uniaxial stress, ε_v = −(1 − ν²) P / E
    assert rows[0]["plate_displacement_m"] == pytest.approx(
        -(1.0 - poisson**2) * p0 * height / young, rel=EXACT)
    for row in rows:
        assert row["stack_pressure_Pa"] == pytest.approx(p0, rel=EXACT)
        assert row["plate_displacement_m"] == rows[0]["plate_displacement_m"]  # dδ = 0 exactly
        assert row["max_von_mises_Pa"] == pytest.approx(rows[0]["max_von_mises_Pa"], rel=EXACT)


@pytest.mark.parametrize("kind", ["planar2d", "axisymmetric"])
def test_rigid_gap_pressure_falls_by_the_stripped_thickness_over_the_stack_compliance(kind):
    """Elastic Li | LPSCl | LPSCl with rollers (each layer confined), plate held: stripping v t
    off the bottom Li (nothing plated: the top layer is not a metal) lowers the pressure by
    ΔP = v t / Σ hᵢ/Mᵢ and the Li thickness becomes h (1 − P/M_Li) − v t, exactly.

    Elastic and linear in the eigenstrain, so backward Euler is exact for any sub-steps; a 5 %
    pressure tolerance forces a dozen of them (the rigid path across sub-steps).
    """
    overrides = [RIGID, 'mechanics.sides="roller"', "mechanics.large_deformation=false",
                 'conditions.stack_pressure="1 MPa"', "mechanics.pressure_change_tolerance=0.05",
                 *GEOMETRY[kind]]
    case = _case("creep_stripping", overrides, elastic=True, top_material="LPSCl")
    model, rows = checks.run_history(case, COMM, [])
    current, duration = 10.0, 1.0  # 1 mA/cm², 1 s
    result = model.solve(duration, duration, Control(current))
    assert result.converged, result.message
    model.accept()
    velocity = current * case.material(case.stack[0].name).molar_volume / FARADAY
    compliance = sum(layer.thickness / _confined_modulus(*_elastic(case, layer))
                     for layer in case.stack)
    p0 = case.conditions.stack_pressure
    pressure = p0 - velocity * duration / compliance
    assert 0.3 * p0 < pressure < 0.7 * p0  # a large change: the check is not trivial
    assert result.values["substeps"] > 5
    assert result.values["stack_pressure_Pa"] == pytest.approx(pressure, rel=EXACT)
    assert result.values["plate_displacement_m"] == rows[0]["plate_displacement_m"]
    li = case.stack[0]
    modulus = _confined_modulus(*_elastic(case, li))
    assert rows[0]["li_thickness_m"] == pytest.approx(li.thickness * (1 - p0 / modulus), rel=EXACT)
    assert result.values["li_thickness_m"] == pytest.approx(
        li.thickness * (1.0 - pressure / modulus) - velocity * duration, rel=EXACT)


def _relaxation_errors(sides: str, tolerance: float) -> tuple[list[float], list[dict]]:
    """Relative errors of P(t) against the closed form for a rigid gap and Norton Li."""
    overrides = [RIGID, f'mechanics.sides="{sides}"',
                 f"mechanics.pressure_change_tolerance={tolerance}",
                 f"mechanics.strain_increment_tolerance={tolerance}"]
    if sides == "free":
        # uniaxial stress (axisymmetric disc, free sides, frictionless plates); κ → ∞ in
        # dP/dt = −E_eff A Pⁿ, 1/E_eff = 1/E + 1/(κH): E_eff = E
        case = _case("creep_uniaxial", [*overrides, *GEOMETRY["axisymmetric"]])
        times = [0.3, 3.0, 30.0]  # P: 0.5 → 0.39, 0.28, 0.19 MPa
        references = [checks.relaxation_reference(case, time) for time in times]
    else:
        # confined (plane strain, rollers): ε fixed, creep isochoric, so σ_m = −(P + 2L)/3 is
        # constant and q = P − L obeys dq/dt = −3G A qⁿ; P = P∞ + 2q/3, P∞ = P0 (1+ν)/(3(1−ν))
        case = _case("creep_uniaxial", [*overrides, *GEOMETRY["planar2d"]])
        times = [30.0, 300.0, 3000.0]  # q: 0.19 → 0.15, 0.11, 0.09 MPa
        young, poisson = _elastic(case, case.stack[0])
        shear = young / (2.0 * (1.0 + poisson))
        p0, n = case.conditions.stack_pressure, case.material("lower").creep.exponent
        q0, p_inf = p0 * (1 - 2 * poisson) / (1 - poisson), p0 * (1 + poisson) / (3 * (1 - poisson))
        rate = checks.norton_rate(case, 1e6)  # A θ at 1 MPa, 1/s
        references = [p_inf + 2e6 / 3.0 * ((q0 / 1e6) ** (1 - n) + (n - 1) * 3 * shear / 1e6 * rate
                                           * time) ** (1 / (1 - n)) for time in times]
    _, rows = checks.run_history(case, COMM, times)
    errors = [row["stack_pressure_Pa"] / reference - 1.0
              for row, reference in zip(rows[1:], references, strict=True)]
    return errors, rows


@pytest.mark.parametrize("sides", ["free", "roller"])
def test_rigid_gap_relaxation_converges_at_first_order_to_the_closed_form(sides):
    """Norton Li in a rigid gap: P(t) → the closed form as backward Euler's per-sub-step change
    shrinks. The error is positive (BE uses the end-of-step, lower stress: it lags), below half the
    tolerance (measured 0.20–0.41 × tol) and falls ~4× for a 4× tighter tolerance (first order;
    measured 3.2–3.9). A wrong modulus, law or fixture gives an error that does not shrink."""
    coarse, _ = _relaxation_errors(sides, 1e-2)
    fine, rows = _relaxation_errors(sides, 2.5e-3)
    for error_coarse, error_fine in zip(coarse, fine, strict=True):
        assert 0.0 < error_fine <= 0.5 * 2.5e-3
        assert 0.0 < error_coarse <= 0.5 * 1e-2
        assert 2.5 <= error_coarse / error_fine <= 5.0
    case = _case("creep_uniaxial")
    _, poisson = _elastic(case, case.stack[0])
    p0 = case.conditions.stack_pressure
    for row in rows:
        assert row["plate_displacement_m"] == rows[0]["plate_displacement_m"]  # held exactly
        # uniform stress, constant mean stress: q = P (uniaxial) or q = 3/2 (P − P∞) (confined)
        q = (row["stack_pressure_Pa"] if sides == "free" else
             1.5 * (row["stack_pressure_Pa"] - p0 * (1 + poisson) / (3 * (1 - poisson))))
        assert row["max_von_mises_Pa"] == pytest.approx(q, rel=1e-8)


# --- 2. roller sides ----------------------------------------------------------------------------


@pytest.mark.parametrize("contact", ["bonded", "frictionless"])
@pytest.mark.parametrize("kind", ["planar2d", "axisymmetric", "box3d"])
def test_roller_sides_give_confined_compression_in_every_layer(kind, contact):
    """Elastic Li | LPSCl | Li with rollers under P: no lateral strain in any layer, so
    σ_lat = −ν/(1−ν) P (both in-plane and out-of-plane/hoop: plane strain and axisymmetry are
    confined the same way as 3D), σ_v = −P, no shear, and the plate moves −P Σ hᵢ/Mᵢ."""
    overrides = ['mechanics.sides="roller"', f'mechanics.plate_contact="{contact}"',
                 'conditions.stack_pressure="2 MPa"', *GEOMETRY[kind]]
    if kind == "box3d":
        overrides += ['geometry.mesh.interface="25 um"', 'geometry.mesh.bulk="25 um"']
    case = _case("creep_stripping", overrides, elastic=True)
    model, rows = checks.run_history(case, COMM, [])
    p = case.conditions.stack_pressure
    owned = model.nowned * model.nqp
    stress, layer_of = model.current.stress[:owned], model.point_material[:owned]
    for index, layer in enumerate(case.stack):
        _, poisson = _elastic(case, layer)
        expected = np.zeros(model.ncomp)
        expected[:3] = -poisson / (1.0 - poisson) * p
        expected[model.vert] = -p
        assert _max(np.abs(stress[layer_of == index] - expected)) <= EXACT * p, layer.name
    compliance = sum(layer.thickness / _confined_modulus(*_elastic(case, layer))
                     for layer in case.stack)
    assert rows[0]["plate_displacement_m"] == pytest.approx(-p * compliance, rel=EXACT)
    li = case.stack[0]
    assert rows[0]["li_thickness_m"] == pytest.approx(
        li.thickness * (1.0 - p / _confined_modulus(*_elastic(case, li))), rel=EXACT)
    assert rows[0]["stack_pressure_Pa"] == pytest.approx(p, rel=EXACT)


# --- 3. large deformation -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["axisymmetric", "box3d"])
def test_large_deformation_moves_the_mesh_by_u_and_creep_keeps_li_volume(kind):
    """Uniaxial Norton creep at constant P, updated Lagrangian, N equal steps of one sub-step each.

    The true stress stays −P (the balance is on the current top area), so each step is a
    homogeneous increment Δε = δ (½, ½, −1) with δ = Δt A Pⁿ exactly, applied to the current
    geometry: h → h (1 − δ), V → V (1 − δ)(1 + δ/2)². Isochoric to first order; the finite
    increments lose (3/4) δ² per step, so |ΔV/V| ≤ (3/4) N δ² (1 + 2δ) ≈ 1.8e-4 here, and the
    discrete products hold to round-off. The mesh must be the initial one plus u_total, and the
    reported Li thickness (volume / area) the height of the mesh's lower|upper interface.
    """
    from ssbstack.compat import load_dolfinx
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.numerics.mechanics import MechanicsModel

    load_dolfinx()
    import dolfinx

    case = _case("creep_uniaxial", ["mechanics.large_deformation=true",
                                    "mechanics.strain_increment_tolerance=1e-2", *GEOMETRY[kind]])
    model = MechanicsModel(case, build_mesh(case, COMM), COMM)
    gdim, vert = model.mesh.geometry.dim, model.vert
    vertices = dolfinx.fem.functionspace(model.mesh, ("Lagrange", 1, (gdim,)))
    initial = vertices.tabulate_dof_coordinates()[:, :gdim].copy()
    layer = case.stack[0]
    on_interface = np.abs(initial[:, vert] - layer.thickness) < 1e-9 * layer.thickness
    assert COMM.allreduce(int(on_interface.sum())) > 0

    loaded = model.solve(0.0, 0.0, Control(0.0))
    assert loaded.converged
    model.accept()
    young, _ = _elastic(case, layer)
    p = case.conditions.stack_pressure
    h_load = loaded.values["li_thickness_m"]
    assert h_load == pytest.approx(layer.thickness * (1.0 - p / young), rel=EXACT)
    volume_load = model.layer_volume(0) + model.layer_volume(-1)

    delta, steps = 4e-3, 15
    dt = delta / checks.norton_rate(case, p)
    for k in range(1, steps + 1):
        result = model.solve(k * dt, dt, Control(0.0))
        assert result.converged, result.message
        assert result.values["substeps"] == 1
        model.accept()
    values = result.values
    assert values["stack_pressure_Pa"] == pytest.approx(p, rel=EXACT)

    # the mesh is the initial geometry plus the total displacement (at every vertex)
    u_vertices = dolfinx.fem.Function(vertices)
    u_vertices.interpolate(model.u_total)
    moved = vertices.tabulate_dof_coordinates()[:, :gdim]
    u = u_vertices.x.array.reshape(-1, gdim)
    assert _max(np.abs(u[:, vert])) > 0.05 * layer.thickness  # it really moved (~6 % strain)
    assert _max(np.abs(moved - initial - u)) <= 1e-12 * _max(np.abs(u))

    # reported thickness = the mesh; = h_load (1 − δ)^N
    heights = moved[on_interface, vert]
    assert _max(np.abs(heights - values["li_thickness_m"])) <= EXACT * layer.thickness
    assert values["li_thickness_m"] == pytest.approx(h_load * (1.0 - delta) ** steps, rel=EXACT)

    # Li volume: isochoric creep up to the second order of finite increments
    volume = model.layer_volume(0) + model.layer_volume(-1)
    change = volume / volume_load - 1.0
    assert abs(change) <= 0.75 * steps * delta**2 * (1.0 + 2.0 * delta)
    assert volume / volume_load == pytest.approx(
        ((1.0 - delta) * (1.0 + 0.5 * delta) ** 2) ** steps, rel=EXACT)


# --- 4. consistent tangent in 3D and axisymmetry -------------------------------------------------

NORTON = CreepLaw(coefficient_per_s_per_MPa_n=7.7e-3, exponent=6.56, reference_temperature=299.0)
GAROFALO = CreepLaw(model="garofalo", coefficient_per_s=10.4, stress_scale=3e6, exponent=6.56,
                    reference_temperature=299.0)
R2 = math.sqrt(2.0)
STATES = {  # (old stress, strain increment) as Mandel rows, every component non-zero
    "3d": (np.array([[-1e6, -2e6, -0.5e6, 0.3e6 * R2, -0.2e6 * R2, 0.4e6 * R2]]),
           np.array([[1e-4, -3e-4, 0.5e-4, 2e-4, -1e-4, 1.5e-4]])),
    "axisymmetric": (np.array([[-1e6, -2e6, -0.5e6, 0.3e6 * R2]]),
                     np.array([[1e-4, -3e-4, 0.6e-4, 2e-4]])),
}


@pytest.mark.parametrize("dt", [1e-5, 1e-3])  # q/q_trial ≈ 0.7 and ≈ 0.4: real creep steps
@pytest.mark.parametrize("law", ["norton", "garofalo"])
@pytest.mark.parametrize("kinematics", ["3d", "axisymmetric"])
def test_consistent_tangent_matches_finite_differences_3d_and_axisymmetric(kinematics, law, dt):
    """C_t of the return map vs central differences of σ(Δε), all 6 (3D) or 4 (rr, zz, θθ, rz)
    Mandel columns. Step 1e-9: round-off ≈ 1e-16·|σ|/1e-9 ≈ 1e-1 Pa and truncation ≈ 1e-18·σ''' are
    ~1e-11 of |C| (measured ≤ 7e-11), checked at 1e-8 of |C|."""
    bulk, shear = 10.9e9, 2.83e9
    rate = CreepRate(NORTON if law == "norton" else GAROFALO, 299.0)
    material = PointMaterial(np.array([bulk]), np.array([shear]), [(np.array([0]), rate)])
    stress0, strain = STATES[kinematics]
    eigen = np.zeros_like(strain)
    _, tangent, dp, _ = return_map(stress0, strain, eigen, dt, material, kinematics)
    ncomp = strain.shape[1]
    assert tangent.shape == (1, ncomp, ncomp)
    eye = np.zeros(ncomp)
    eye[:3] = 1.0
    elastic = bulk * np.outer(eye, eye) + 2 * shear * (np.eye(ncomp) - np.outer(eye, eye) / 3)
    # the step creeps: the tangent is far from elastic
    assert dp[0] > 1e-5
    assert np.abs(tangent[0] - elastic).max() > 0.1 * np.abs(elastic).max()
    step = 1e-9
    finite = np.zeros((ncomp, ncomp))
    for j in range(ncomp):
        plus, minus = strain.copy(), strain.copy()
        plus[0, j] += step
        minus[0, j] -= step
        finite[:, j] = (return_map(stress0, plus, eigen, dt, material, kinematics)[0][0]
                        - return_map(stress0, minus, eigen, dt, material, kinematics)[0][0]) / (
                            2 * step)
    scale = np.abs(tangent[0]).max()
    assert np.abs(tangent[0] - finite).max() <= 1e-8 * scale
    assert np.abs(tangent[0] - tangent[0].T).max() <= 1e-12 * scale  # J2 flow: symmetric


# --- 5. frictionless plates, free sides ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["planar2d", "axisymmetric", "box3d"])
def test_frictionless_plates_and_free_sides_give_uniform_uniaxial_stress(kind):
    """Elastic Li column under P: σ_v = −P, σ_lat = 0 and no shear everywhere. Plane strain adds
    σ_zz = −νP (ε_zz = 0), so q = P √(1 − ν + ν²), ε_lat = ν(1+ν)P/E, ε_v = −(1 − ν²)P/E;
    axisymmetric and 3D: q = P, ε_lat = νP/E, ε_v = −P/E. The displacement is the linear field
    (lateral relative to the pinned corner / the axis), exact in P2."""
    case = _case("creep_uniaxial", ['conditions.stack_pressure="2 MPa"', *GEOMETRY[kind]],
                 elastic=True)
    model, rows = checks.run_history(case, COMM, [])
    young, poisson = _elastic(case, case.stack[0])
    p = case.conditions.stack_pressure
    height = sum(layer.thickness for layer in case.stack)
    expected = np.zeros(model.ncomp)
    expected[model.vert] = -p
    if kind == "planar2d":
        expected[2] = -poisson * p
        q = p * math.sqrt(1.0 - poisson + poisson**2)
        lateral, vertical = poisson * (1 + poisson) * p / young, -(1 - poisson**2) * p / young
    else:
        q, lateral, vertical = p, poisson * p / young, -p / young
    owned = model.nowned * model.nqp
    assert _max(np.abs(model.current.stress[:owned] - expected)) <= EXACT * p
    assert rows[0]["max_von_mises_Pa"] == pytest.approx(q, rel=EXACT)
    assert rows[0]["plate_displacement_m"] == pytest.approx(vertical * height, rel=EXACT)

    gdim, vert = model.mesh.geometry.dim, model.vert
    points = model.V.tabulate_dof_coordinates()[:, :gdim]
    u = model.u_total.x.array.reshape(-1, gdim)[: points.shape[0]]
    assert _max(np.abs(u[:, vert] - vertical * points[:, vert])) <= EXACT * abs(vertical) * height
    for axis in range(gdim):
        if axis == vert:
            continue
        lo = COMM.allreduce(float(points[:, axis].min()), op=MPI.MIN)
        hi = COMM.allreduce(float(points[:, axis].max()), op=MPI.MAX)
        expansion = _max(u[:, axis]) + _max(-u[:, axis])  # max − min of u_lateral
        assert expansion == pytest.approx(lateral * (hi - lo), rel=EXACT)
        # linear in the lateral coordinate: u − ε_lat x is one rigid shift
        shift = u[:, axis] - lateral * points[:, axis]
        assert _max(shift) + _max(-shift) <= EXACT * lateral * (hi - lo)
