"""Verification of the electrochemistry model (physics.md §6.1–6.3, §6.5–6.6 for charge).

Each ``verify_<name>(comm)`` returns ``(reference, computed, rel_error, tolerance)``. The cases are
``cases/verification/echem_*.toml``; the MMS builds its own unit-square problem from the physics
forms. Every check can fail: the references are independent closed forms, not model output.

Exact references used here
- flat stack, linear kinetics: V / i = L/κ + R_ct,b + R_ct,t + R_n (R_n: the sheet's normal
  resistance); Butler–Volmer (α_a = α_c = 1/2): each electrode adds η = (2RT/F) asinh(i / 2i₀).
- Holm (3D, axisymmetric r–z mesh): equipotential disc of radius a on a flux tube of radius b:
  R_c = ρ/(4a) ψ(a/b), ψ(ε) = 1 − 1.40925 ε + 0.29591 ε³ (Roess; Yovanovich). ψ → 1 gives Holm's
  half-space value ρ/(4a); the tube correction is applied, not neglected (ε = 0.1: ψ = 0.8594).
- 2D strip: periodic strips of half-width a, period 2b, on a half-space (the SE is 3b thick):
  ζ = sin(π z / 2b) maps the half-channel |x| < b, y > 0 onto the upper half-plane with the strip
  on |ξ| < s = sin(π a / 2b); there the potential of current I (per unit depth) is
  φ = (ρ I/π) Re arccosh(ζ/s) ≈ (ρ I/π) ln(2|ζ|/s), and |ζ| ≈ e^{π y/2b}/2 far away, so
  φ ≈ ρ I y/(2b) + (ρ I/π) ln(1/s): R_c = (ρ/π) ln(1/sin(π a / 2b)) in Ω m, for the current I (A/m)
  of one period of width 2b.
- volume interlayer (Li–alloy slab, constant flux q = i/F out of its SE face, closed collector face):
  c(l, t) = c0 − q t/l − (q l/D)[1/3 − (2/π²) Σ exp(−D n²π² t/l²)/n²] (Crank 1975).
- homogenised cathode, linear kinetics, flat U, equipotential solid (Newman & Tobias 1962):
  V = U − i [R_ct,Li + L_se/κ_se + (L_c/κ_c) coth ν / ν], ν² = a L_c²/(κ_c R_ct,particle); the Li
  gained by the cathode equals the charge passed / F.
- constriction values are the model's ``constriction_V`` (ohmic voltage minus i L/κ) divided by
  the cell current; both converge from below (P1 energy), and the check also demands that the
  error falls from a coarse mesh (sizes × 2) to the case's mesh.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np

from ssbstack.physics.electrochemistry import FARADAY, GAS_CONSTANT
from ssbstack.verification.convergence import cached_halving_rates, rate_check
from ssbstack.verification.convergence import relative as _relative

CASES = Path(__file__).resolve().parents[3] / "cases" / "verification"
STRIP_CURRENT = 10.0  # A/m² (1 mA/cm²) for linear checks; the answers do not depend on it
SHEET_CONDUCTANCES = (0.0, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-1)  # S, hot-spot sweep
_MMS_CACHE: dict[int, dict[str, float]] = {}
_ALLOY_CACHE: dict[tuple[int, bool], tuple[tuple[float, float], tuple[float, float]]] = {}
_CATHODE_CACHE: dict[int, tuple[tuple[float, float], tuple[float, float]]] = {}


def _solve_case(comm: Any, name: str, current: float, overrides: list[str] | None = None
                ) -> tuple[dict[str, float], Any]:
    """Mesh and solve one verification case at ``current`` (A/m²); the values and the model."""
    from ssbstack.config.loader import load_case
    from ssbstack.numerics.electrochemistry import solve_static

    return solve_static(load_case(CASES / f"{name}.toml", overrides or []), comm, current)


# -- flat stack -----------------------------------------------------------------------------------
def _flat_reference(model: Any, current: float, butler_volmer: bool) -> float:
    """Exact cell voltage (V) of the flat stack at ``current`` (A/m²)."""
    from ssbstack.numerics.electrode_sides import sheet_properties

    case = model.case
    temperature = case.conditions.temperature
    resistance = model.thickness / model.conductivity
    for side in model.sides:
        if side.interface.sheets:
            resistance += sheet_properties(case, side.interface).normal
    voltage = current * resistance
    for side in model.sides:
        r_ct = side.kinetics.charge_transfer_resistance
        if butler_volmer:
            i0 = GAS_CONSTANT * temperature / (FARADAY * r_ct)
            voltage += 2.0 * GAS_CONSTANT * temperature / FARADAY * math.asinh(current / (2 * i0))
        else:
            voltage += current * r_ct
    return voltage


def verify_flat_asr_linear(comm: Any) -> tuple[float, float, float, float]:
    """Flat full-contact stack, linear kinetics: ASR = L/κ + ΣR_ct + R_sheet exactly (Ω m²)."""
    current = 20.0
    values, model = _solve_case(comm, "echem_flat", current)
    reference = _flat_reference(model, current, butler_volmer=False) / current
    computed = values["asr_ohm_m2"]
    return reference, computed, _relative(reference, computed), 1e-9


def verify_flat_butler_volmer(comm: Any) -> tuple[float, float, float, float]:
    """Flat stack, Butler–Volmer (α = 1/2) at 3 mA/cm²: V = i(L/κ + R_n) + Σ (2RT/F) asinh(i/2i₀)."""
    current = 30.0
    forms = ["electrochemistry.kinetics.form=butler-volmer",
             "electrochemistry.interfaces.se|top_li.form=butler-volmer"]
    values, model = _solve_case(comm, "echem_flat", current, forms)
    reference = _flat_reference(model, current, butler_volmer=True)
    computed = values["voltage_V"]
    return reference, computed, _relative(reference, computed), 1e-9


# -- constriction ---------------------------------------------------------------------------------
def _constriction(comm: Any, name: str, scale: float, times: int = 0) -> tuple[float, Any]:
    """R_c (Ω; Ω m per unit depth in planar 2D) with the case's mesh sizes × ``scale``, refined
    ``times`` times after distribution (``geometry.mesh.refine``)."""
    from ssbstack.config.loader import load_case

    mesh = load_case(CASES / f"{name}.toml").geometry.mesh
    overrides = [f"geometry.mesh.{key}={getattr(mesh, key) * scale!r}"
                 for key in ("interface", "edge", "bulk")] + [f"geometry.mesh.refine={times}"]
    values, model = _solve_case(comm, name, STRIP_CURRENT, overrides)
    return values["constriction_V"] / (STRIP_CURRENT * model.nominal_area), model


def _converged_constriction(comm: Any, name: str, reference_of: Any
                            ) -> tuple[float, float, float, float]:
    coarse, _ = _constriction(comm, name, 2.0)
    fine, model = _constriction(comm, name, 1.0)
    reference = reference_of(model)
    error = _relative(reference, fine)
    converging = error < _relative(reference, coarse)
    return reference, fine, error if converging else math.inf, 0.02


def refined_constriction_errors(comm: Any, name: str) -> tuple[float, list[float], list[float]]:
    """(reference, values, relative errors) of a constriction case meshed 8× coarser than its
    file says and refined 0, 1, 2 times in parallel after distribution (``geometry.mesh.refine``)."""
    reference_of = {"echem_holm": _holm_reference, "echem_strip": _strip_reference}[name]
    values = []
    for times in range(3):
        value, model = _constriction(comm, name, 8.0, times)
        values.append(value)
    reference = reference_of(model)
    return reference, values, [_relative(reference, value) for value in values]


def _refined_check(comm: Any, name: str) -> tuple[float, float, float, float]:
    """R_c at refine = 2 against the closed form: its error, or ∞ unless the error fell at each
    refinement; tolerance 1 %."""
    reference, values, errors = refined_constriction_errors(comm, name)
    falling = all(b < a for a, b in itertools.pairwise(errors))
    return reference, values[-1], errors[-1] if falling else math.inf, 0.01


def _holm_reference(model: Any) -> float:
    b = model.case.geometry.electrolyte_radius
    spec = model.case.geometry.interfaces["bottom_li|se"]
    a = spec.position[0] - spec.radius
    eps = a / b
    return 1.0 / (4.0 * a * model.conductivity) * (1.0 - 1.40925 * eps + 0.29591 * eps**3)


def _strip_reference(model: Any) -> float:
    b = model.case.geometry.width / 2.0
    a = b - model.case.geometry.interfaces["bottom_li|se"].radius
    return math.log(1.0 / math.sin(math.pi * a / (2.0 * b))) / (math.pi * model.conductivity)


def verify_holm_constriction_axisymmetric(comm: Any) -> tuple[float, float, float, float]:
    """One circular contact (a = 10 µm) on a thick SE (flux tube b = 100 µm): ρ/(4a) ψ(a/b)."""
    return _converged_constriction(comm, "echem_holm", _holm_reference)


def verify_strip_constriction_2d(comm: Any) -> tuple[float, float, float, float]:
    """Periodic strip contacts (a = 25 µm, period 200 µm): (ρ/π) ln(1/sin(πa/2b)) in Ω m."""
    return _converged_constriction(comm, "echem_strip", _strip_reference)


def verify_holm_constriction_refined(comm: Any) -> tuple[float, float, float, float]:
    """Holm on an 8× coarser gmsh mesh refined twice after distribution: error < 1 %, falling
    at each refinement (3.2 %, 1.1 %, 0.38 % measured)."""
    return _refined_check(comm, "echem_holm")


def verify_strip_constriction_refined(comm: Any) -> tuple[float, float, float, float]:
    """The 2D strip on an 8× coarser gmsh mesh refined twice after distribution: error < 1 %,
    falling at each refinement (3.1 %, 0.98 %, 0.32 % measured)."""
    return _refined_check(comm, "echem_strip")


# -- sheets and charge ----------------------------------------------------------------------------
def _sheet_void(comm: Any, conductance: float, current: float = 30.0) -> dict[str, float]:
    overrides = [f"materials.MIEC.sheet_li_conductance={conductance!r}"]
    return _solve_case(comm, "echem_sheet_void", current, overrides)[0]


def hot_spot_sweep(comm: Any) -> list[float]:
    """Hot-spot factor of the bottom interface for each of ``SHEET_CONDUCTANCES``."""
    return [_sheet_void(comm, g)["hot_spot_factor_bottom"] for g in SHEET_CONDUCTANCES]


def verify_sheet_hot_spot_monotone(comm: Any) -> tuple[float, float, float, float]:
    """A MIEC sheet over a void: the hot-spot factor falls strictly with G = 0 … 0.1 S and tends to 1.

    Reference: 1 (uniform current); computed: the factor at the largest G; the error is ∞ when
    any step of the sweep does not decrease the factor."""
    factors = hot_spot_sweep(comm)
    monotone = all(b < a for a, b in itertools.pairwise(factors))
    computed = factors[-1]
    return 1.0, computed, abs(computed - 1.0) if monotone else math.inf, 0.01


def verify_charge_conservation(comm: Any) -> tuple[float, float, float, float]:
    """Butler–Volmer, void and sheet at 3 mA/cm²: current out (top) = current in (applied)."""
    _, model = _solve_case(comm, "echem_sheet_void", 30.0,
                           ["materials.MIEC.sheet_li_conductance=1e-3"])
    reference = 30.0 * model.nominal_area
    current_in = model.total("current_bottom")
    current_out = -model.total("current_top")
    error = max(abs(current_in - reference), abs(current_out - reference)) / reference
    return reference, current_out, error, 1e-10


# -- method of manufactured solutions -------------------------------------------------------------
def _mms_errors(comm: Any, n: int) -> tuple[float, float, float]:
    """L2 and H1-seminorm errors of φ_e and L2 error of ψ on an n × n unit square (P1)."""
    import basix.ufl
    import dolfinx.fem.petsc
    import ufl

    from ssbstack.compat import load_dolfinx
    from ssbstack.numerics.electrode_sides import pinned_sparsity
    from ssbstack.physics.electrochemistry import (
        ContactKinetics,
        Electrode,
        Sheet,
        butler_volmer,
        electrolyte_forms,
    )

    dolfinx = load_dolfinx()
    mesh = dolfinx.mesh.create_unit_square(comm, n, n)
    # skew the cells and grade the bottom facets (x = 0, 1/2, 1 stay): a symmetric mesh can hide
    # errors in the sheet's surface gradient
    coordinates = mesh.geometry.x
    coordinates[:, 0] += 0.03 * np.sin(2 * np.pi * coordinates[:, 0]) * (1 + coordinates[:, 1])
    fdim = 1
    mesh.topology.create_connectivity(fdim, 2)
    bottom = dolfinx.mesh.locate_entities_boundary(mesh, fdim, lambda x: np.isclose(x[1], 0.0))
    top = dolfinx.mesh.locate_entities_boundary(mesh, fdim, lambda x: np.isclose(x[1], 1.0))
    contact = dolfinx.mesh.locate_entities_boundary(
        mesh, fdim, lambda x: np.isclose(x[1], 0.0) & (x[0] <= 0.5 + 1e-12))
    values = np.full(len(bottom), 2, dtype=np.int32)
    values[np.isin(bottom, contact)] = 1
    facets = np.concatenate([bottom, top])
    order = np.argsort(facets)
    tags = dolfinx.mesh.meshtags(mesh, fdim, facets[order], np.concatenate(
        [values, np.full(len(top), 3, dtype=np.int32)])[order])
    ds = ufl.Measure("ds", domain=mesh, subdomain_data=tags, metadata={"quadrature_degree": 6})
    dx = ufl.Measure("dx", domain=mesh, metadata={"quadrature_degree": 6})
    space = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    real = dolfinx.fem.functionspace(mesh, basix.ufl.real_element(mesh.basix_cell(), ()))
    sheet_space = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))  # δ: 0 off the bottom
    phi, voltage = dolfinx.fem.Function(space), dolfinx.fem.Function(real)
    delta = dolfinx.fem.Function(sheet_space)
    off = np.setdiff1d(np.arange(len(delta.x.array), dtype=np.int32),
                       dolfinx.fem.locate_dofs_topological(sheet_space, fdim, bottom))
    pinned = dolfinx.fem.dirichletbc(dolfinx.default_scalar_type(0.0), off, sheet_space)

    def constant(value: float) -> Any:
        return dolfinx.fem.Constant(mesh, dolfinx.default_scalar_type(value))

    kappa, f, lateral, normal, scale = 2.0, 20.0, 0.3, 1.0, 0.5
    x = ufl.SpatialCoordinate(mesh)
    phi_exact = 0.1 * ufl.cos(ufl.pi * x[0]) * (1 + x[1] ** 2) + 0.2 * x[1]
    psi_exact = 0.3 + 0.05 * ufl.cos(ufl.pi * x[0])
    v_exact = 0.5
    kinetics_b = ContactKinetics(constant(1.0), 0.4, 0.6, False)
    kinetics_t = ContactKinetics(constant(0.5), 0.5, 0.5, False)
    # the film terms: Li conductance G_film θ, inventory Q, one backward-Euler step from δ_old
    film, inventory, inverse_dt = 0.2, 0.4, 3.0
    delta_exact = psi_exact - v_exact
    delta_old = delta_exact - 0.01 * (1.0 + x[0])
    sheet = Sheet(delta, constant(lateral), normal, ds(1), constant(scale), constant(film),
                  constant(inventory), delta_old, constant(inverse_dt))
    electrodes = (Electrode(voltage, kinetics_b, ds((1, 2)), sheet),
                  Electrode(constant(0.0), kinetics_t, ds(3)))
    forms = electrolyte_forms(
        phi, voltage, constant(kappa), *electrodes, constant(f), constant(0.0), constant(1.0),
        constant(1.0), constant(v_exact), constant(0.0), constant(1.0))
    # Manufactured sources: bulk −∇·(κ∇φ), boundary κ∂φ/∂n − j, sheet −G δ'' + j − j_n χ_contact
    # (the sheet row carries the same row scale as the physics forms); δ = ψ − V.
    normal_vector = ufl.FacetNormal(mesh)
    flux = kappa * ufl.dot(ufl.grad(phi_exact), normal_vector)
    j_b = butler_volmer(psi_exact - phi_exact, kinetics_b, f)
    j_t = butler_volmer(0.0 - phi_exact, kinetics_t, f)
    v_phi, w = ufl.TestFunction(space), ufl.TestFunction(sheet_space)
    residual = list(forms.residual)
    residual[0] += (ufl.div(kappa * ufl.grad(phi_exact)) * v_phi * dx
                    - (flux - j_b) * v_phi * ds((1, 2)) - (flux - j_t) * v_phi * ds(3))
    j_n = (v_exact - psi_exact) / normal
    theta = ufl.exp(f * delta_exact)
    conductance = lateral + film * theta  # δ_exact varies along x only: the sheet's direction
    storage = inventory * inverse_dt * (theta - ufl.exp(f * delta_old))
    residual[2] -= scale * ((-(conductance * delta_exact.dx(0)).dx(0) + storage + j_b)
                            * w * ds((1, 2)) - j_n * w * ds(1))
    residual[2] += pinned_sparsity(delta, constant(0.0))
    problem = dolfinx.fem.petsc.NonlinearProblem(
        residual, forms.unknowns, kind="mpi", bcs=[pinned],
        petsc_options_prefix=f"ssbstack_mms_{n}_",
        petsc_options={"snes_type": "newtonls", "snes_rtol": 1e-12, "snes_atol": 1e-14,
                       "snes_max_it": 30, "ksp_type": "preonly", "pc_type": "lu",
                       "pc_factor_mat_solver_type": "mumps", "snes_error_if_not_converged": True})
    problem.solve()
    for u in forms.unknowns:
        u.x.scatter_forward()
    from mpi4py import MPI

    def norm(expression: Any) -> float:
        form = dolfinx.fem.form(expression)
        return math.sqrt(comm.allreduce(dolfinx.fem.assemble_scalar(form), op=MPI.SUM))

    error = phi - phi_exact
    return (norm(error**2 * dx), norm(ufl.inner(ufl.grad(error), ufl.grad(error)) * dx),
            norm((delta - delta_exact) ** 2 * ds((1, 2))))


def mms_rates(comm: Any) -> dict[str, float]:
    """Observed convergence rates of φ (L2, H1) and ψ (L2) between n = 16 and 32 (cached)."""
    return cached_halving_rates(_MMS_CACHE, comm, _mms_errors, ("phi_l2", "phi_h1", "psi_l2"))


def verify_mms_rate_l2(comm: Any) -> tuple[float, float, float, float]:
    """MMS, coupled BV + sheet problem, P1: L2 rate of φ_e → 2."""
    rate = mms_rates(comm)["phi_l2"]
    return rate_check(2.0, rate)


def verify_mms_rate_h1(comm: Any) -> tuple[float, float, float, float]:
    """MMS, coupled BV + sheet problem, P1: H1-seminorm rate of φ_e → 1."""
    rate = mms_rates(comm)["phi_h1"]
    return rate_check(1.0, rate)


def verify_mms_rate_sheet_l2(comm: Any) -> tuple[float, float, float, float]:
    """MMS, coupled BV + sheet (film: θ-dependent Li conductance, inventory) problem, P1: L2
    rate of the sheet potential ψ → 2."""
    rate = mms_rates(comm)["psi_l2"]
    return rate_check(2.0, rate)


def _run_first_step(comm: Any, file: str, overrides: list[str] | None = None
                    ) -> tuple[Any, Any, float, float, dict[str, float]]:
    """Run the first (galvanostatic) protocol step of a verification case with its fixed dt.

    Returns (case, model, current density A/m², duration s, the last step's output values).
    """
    from ssbstack.config.loader import load_case
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.numerics.electrochemistry import ElectrochemistryModel
    from ssbstack.numerics.model import Control

    case = load_case(CASES / file, overrides)
    model = ElectrochemistryModel(case, build_mesh(case, comm), comm)
    step = case.protocol.expanded()[0]
    current, duration, dt = step.current_density, step.duration, case.numerics.max_time_step
    model.solve(0.0, 0.0, Control(0.0))
    model.accept()
    for k in range(round(duration / dt)):
        result = model.solve((k + 1) * dt, dt, Control(current))
        if not result.converged:
            raise RuntimeError(result.message)
        model.accept()
    return case, model, current, duration, result.values


# -- volume interlayer: Li diffusion with U(c) -----------------------------------------------------
def alloy_results(comm: Any, tabulated: bool = False
                  ) -> tuple[tuple[float, float], tuple[float, float]]:
    """(reference, computed) surface depletion c0 − c(l, t) (mol/m³) and cell voltage (V) after
    stripping the alloy of ``echem_alloy.toml`` for its protocol step (cached); ``tabulated``:
    with its constant D given as a flat D(x) table (the solver's nonlinear path)."""
    key = (comm.py2f(), tabulated)
    if key in _ALLOY_CACHE:
        return _ALLOY_CACHE[key]
    from ssbstack.config.loader import load_case

    d = load_case(CASES / "echem_alloy.toml").material("alloy").diffusivity
    overrides = [f"materials.LiAl.diffusivity=[[0, {d!r}], [1, {d!r}]]"] if tabulated else []
    case, model, current, duration, values = _run_first_step(comm, "echem_alloy.toml", overrides)
    alloy = case.material("alloy")
    q, length = current / FARADAY, case.layer("alloy").thickness
    series = sum(math.exp(-d * (n * math.pi) ** 2 * duration / length**2) / n**2
                 for n in range(1, 2000))
    depletion = q * duration / length + q * length / d * (1 / 3 - 2 / math.pi**2 * series)
    surface = (alloy.initial_concentration - depletion) / alloy.max_concentration
    table = np.array(alloy.open_circuit_potential)
    kinetics = sum(side.kinetics.charge_transfer_resistance for side in model.sides)
    voltage = (current * (model.thickness / model.conductivity + kinetics)
               + float(np.interp(surface, table[:, 0], table[:, 1])))
    computed = alloy.initial_concentration - alloy.max_concentration * values[
        "alloy_surface_fraction_bottom"]
    _ALLOY_CACHE[key] = ((depletion, computed), (voltage, values["voltage_V"]))
    return _ALLOY_CACHE[key]


def verify_alloy_surface_depletion(comm: Any) -> tuple[float, float, float, float]:
    """Li–alloy slab stripped at constant current: surface depletion vs Crank's series (1 %)."""
    reference, computed = alloy_results(comm)[0]
    return reference, computed, _relative(reference, computed), 0.01


def verify_alloy_voltage(comm: Any) -> tuple[float, float, float, float]:
    """The same cell's voltage with U(c_surface): i L/κ + i ΣR_ct + U(exact c(l, t)) (1e-3; the
    staggered U lags one step, < 1e-4 here)."""
    reference, computed = alloy_results(comm)[1]
    return reference, computed, _relative(reference, computed), 1e-3


# -- homogenised cathode ----------------------------------------------------------------------------
def cathode_expected(case: Any, model: Any, current: float, duration: float,
                     values: dict[str, float]) -> tuple[tuple[float, float], tuple[float, float]]:
    """(reference, computed) cell voltage (V) and Li gained by the cathode (mol; per unit depth in
    planar 2D) of a flat Li | SE | cathode cell with linear kinetics and a flat U(x) after
    ``duration`` s at ``current`` A/m² (positive: discharge), from the electrochemistry ``model``
    and the run's last output ``values``: Newman's porous-electrode voltage with an equipotential
    solid phase, ν² = a L_c² / (κ_c R_ct,particle), and the charge passed / F."""
    cathode = case.material("cathode")
    length = case.layer("cathode").thickness
    kappa = cathode.ionic_conductivity_at(case.conditions.temperature)
    r_li, r_particle = (side.kinetics.charge_transfer_resistance for side in model.sides)
    nu = math.sqrt(cathode.specific_area * length**2 / (kappa * r_particle))
    table = np.array(cathode.open_circuit_potential)
    x0 = cathode.initial_concentration / cathode.max_concentration
    voltage = float(np.interp(x0, table[:, 0], table[:, 1])) - current * (
        r_li + model.thickness / model.conductivity + length / kappa / (math.tanh(nu) * nu))
    volume = model.nominal_area * length
    gained = (values["cathode_lithiation"] - x0) * cathode.max_concentration * volume
    passed = current * model.nominal_area * duration / FARADAY
    return (voltage, values["voltage_V"]), (passed, gained)


def cathode_results(comm: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    """:func:`cathode_expected` after the protocol step of ``echem_cathode.toml`` (cached)."""
    key = comm.py2f()
    if key not in _CATHODE_CACHE:
        _CATHODE_CACHE[key] = cathode_expected(*_run_first_step(comm, "echem_cathode.toml"))
    return _CATHODE_CACHE[key]


def verify_cathode_voltage(comm: Any) -> tuple[float, float, float, float]:
    """Homogenised cathode, linear kinetics, flat U: Newman's porous-electrode voltage (1e-5)."""
    reference, computed = cathode_results(comm)[0]
    return reference, computed, _relative(reference, computed), 1e-5


def verify_cathode_capacity(comm: Any) -> tuple[float, float, float, float]:
    """Li inserted into the cathode = charge passed / F (mol; 1e-10)."""
    reference, computed = cathode_results(comm)[1]
    return reference, computed, _relative(reference, computed), 1e-10

