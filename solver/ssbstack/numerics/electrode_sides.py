"""The electrolyte's two electrode interfaces: book-keeping per side, the thin interlayer sheets
on them (lateral Li transport, normal resistance, Li inventory; physics.md §3.3) and the
electronic leakage between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ssbstack.compat import load_dolfinx
from ssbstack.config.schema import Case, Kinetics
from ssbstack.errors import CaseError
from ssbstack.meshing.stack import default_sizes, interface_patches
from ssbstack.meshing.tags import Interface
from ssbstack.numerics.electrolyte_domain import ElectrolyteDomain
from ssbstack.numerics.solver_options import petsc_solver_options
from ssbstack.physics.electrochemistry import FARADAY, GAS_CONSTANT, ContactKinetics

# Coupled films touch the Li where χ says, through R_n; an ideal contact (R_n = 0) gets this
# fraction of the kinetic resistance RT/(F i₀ (α_a + α_c)) instead (numerical, Ω m² per Ω m²).
IDEAL_FEED = 1e-3


@dataclass
class FilmProperties:
    """Lateral Li transport and normal resistance of the thin interlayers on one interface."""

    conductance: float  # fixed lateral Li conductance G, S
    film_conductance: float  # G_film = Σ D c₀ t F²/(RT) at θ = 1, S
    inventory: float  # Q = Σ F c₀ t, C/m²: the films' Li at θ = 1
    normal: float  # R_n, Ω m² (series, + electrochemistry.sheet_contact_resistance)


def sheet_properties(case: Case, interface: Interface) -> FilmProperties:
    """Lateral Li transport and normal resistance of an interface's sheets (physics.md §3.3).

    Sheets conduct laterally in parallel and normally in series. A sheet whose material has a
    ``diffusivity`` D and an ``initial_concentration`` c₀ (Li content in equilibrium with Li
    metal) moves Li with G_film = D c₀ t F²/(RT) and holds Q = F c₀ t; ``sheet_li_conductance``
    adds a fixed conductance with no inventory. Electronic conductivity moves no Li and does
    not count. R_n = Σ R_il with R_il = area_resistance, else t/σ_i when σ_i is given, else 0
    (a metal film); plus ``electrochemistry.sheet_contact_resistance``.
    """
    temperature = case.conditions.temperature
    film = FilmProperties(0.0, 0.0, 0.0, case.electrochemistry.sheet_contact_resistance)
    for name in interface.sheets:
        material, thickness = case.material(name), case.layer(name).thickness
        film.conductance += material.sheet_li_conductance or 0.0
        if (material.diffusivity is None) != (material.initial_concentration is None):
            missing = "initial_concentration" if material.diffusivity else "diffusivity"
            raise CaseError("a thin film moving Li needs both diffusivity and "
                            "initial_concentration", key=f"materials.{case.layer(name).material}"
                            f".{missing}")
        if material.diffusivity is not None:
            content = material.initial_concentration * thickness  # mol/m²
            film.film_conductance += (material.diffusivity * content * FARADAY**2
                                      / (GAS_CONSTANT * temperature))
            film.inventory += FARADAY * content
        if material.area_resistance is not None:
            film.normal += material.area_resistance
        elif material.ionic_conductivity is not None:
            film.normal += thickness / material.ionic_conductivity_at(temperature)
    return film


@dataclass(frozen=True)
class RimFeed:
    """How a film draws its Li from the rim of the Li's contact (physics.md §3.3, §7)."""

    length: float  # λ_c = √(G / (1/R_kin + 1/R_n)), m: the feed's peak width at the rim
    normal: float  # R_n, Ω m², the film's own or the coupled ideal feed
    numerical: bool  # R_n is the coupled ideal feed (IDEAL_FEED × R_kin), not a case value


def rim_feed(case: Case, interface: Interface) -> RimFeed | None:
    """The rim feed of the films on ``interface`` (None without a film moving Li laterally).

    Where the Li touches a film it feeds it through R_n, and the film passes Li sideways to
    where the Li does not touch: the feed −δ/R_n peaks at the contact's rim over λ_c
    (closed form: ``verification.film.rim_feed``). The Li strips at the feed, so a mesh must
    resolve λ_c for the vacancy margin at a film-covered rim to converge; as R_n → 0 the feed
    becomes a line source at the rim, whose margin has no mesh limit."""
    kinetics = case.kinetics(interface.name)
    if not interface.sheets or kinetics is None:  # no film, or no electrochemistry
        return None
    film = sheet_properties(case, interface)
    conductance = film.conductance + film.film_conductance
    if conductance == 0.0:
        return None
    temperature = case.conditions.temperature
    kinetic = ContactKinetics.at(kinetics, temperature).resistance(
        FARADAY / (GAS_CONSTANT * temperature))
    normal = feed_resistance(film.normal, kinetic, case.coupling.enabled)
    numerical = normal != film.normal
    if normal == 0.0:  # uncoupled ideal contact: δ = 0 on the contact, a line source
        return RimFeed(0.0, 0.0, False)
    return RimFeed((conductance / (1.0 / kinetic + 1.0 / normal)) ** 0.5, normal, numerical)


def feed_resistance(normal: float, kinetic: float, coupled: bool) -> float:
    """R_n the electrode feeds a film through (Ω m²): the films' own, or with the coupling on
    and none given, the numerical ideal feed IDEAL_FEED × the kinetic resistance (the contact
    moves, so δ cannot be held at 0 by a boundary condition)."""
    return IDEAL_FEED * kinetic if coupled and normal == 0.0 else normal


def film_rim_warning(case: Case) -> str | None:
    """Why the vacancy margins at film-covered contact rims would not converge with the mesh,
    or None: a coupled run with vacancy nucleation whose film feeds from a partial contact
    through the numerical ideal feed (line-source limit) or with an edge mesh coarser than
    λ_c/2 (fewer than two elements over the feed's peak)."""
    coupling = case.coupling
    if not (coupling.enabled and coupling.nucleation == "vacancy"):
        return None
    edge = default_sizes(case)[2]
    for item in case.tags.interfaces:
        feed = rim_feed(case, item) if interface_patches(case, item)[0] else None
        if feed is None:
            continue
        if feed.numerical:
            return (f"the films on '{item.name}' touch the Li through the numerical ideal "
                    f"feed (electrochemistry.sheet_contact_resistance = 0): they draw their Li "
                    f"from each contact rim over λ_c = {feed.length * 1e9:.3g} nm, far below "
                    f"the edge mesh ({edge * 1e9:.3g} nm), so the vacancy margins at the rims "
                    f"grow as the mesh is refined; give the Li | film contact a resistance")
        if edge > 0.5 * feed.length:
            return (f"geometry.mesh.edge = {edge * 1e9:.3g} nm does not resolve the films' "
                    f"rim feed on '{item.name}' (λ_c = {feed.length * 1e9:.3g} nm): the "
                    f"vacancy margins at the contact rims are not mesh-converged")
    return None


@dataclass
class ElectrodeSide:
    """Book-keeping of one electrode side."""

    interface: Interface
    kinetics: Kinetics
    reaction_tags: tuple[int, ...]  # facets passing current into the electrolyte
    area: float  # their measure (m², planar 2D: m)
    phi_dofs: np.ndarray  # local φ dofs on those facets
    sheet: Any = None  # (δ Function, its owned interface dofs) when a sheet is present
    volumetric: bool = False  # a homogenised cathode: the reaction is spread over its volume
    contact_tag: int = 0  # the interface's contact facets as the electrolyte's cells see them
    void_tag: int = 0  # its void facets (split interfaces: the electrolyte's own side)
    indicator: Any = None  # contact indicator χ (P1 on the electrolyte mesh) when coupled
    averaged: Any = None  # (form ∫χ j v ds, lumped ∫ v ds, form ∫χ v ds): averaged current
    feed: Any = None  # coupled film: (form ∫ j_n v ds, form ∫χ v ds), j_n the metal → film current


def sheet_space(domain: ElectrolyteDomain, interface: Interface, tags: tuple[int, ...],
                degree: int, normal: float, contact_tag: int) -> tuple[Any, np.ndarray, Any]:
    """δ as a P_k function of the electrolyte mesh held at 0 off the interface (and on the
    contact facets when R_n = 0), its owned interface dofs (the same indices as φ_e's) and the
    boundary condition that holds it.

    Not a facet submesh: DOLFINx 0.11 (FFCx 0.11) evaluates the gradient of a codim-1
    submesh coefficient in a parent ``ds`` integral with the wrong Jacobian (fixed upstream
    in 2026-09, FFCx PR 879), which made the lateral term wrong on unstructured meshes. On
    the parent mesh the surface gradient ∇δ − (∇δ·n)n of a facet is exact."""
    dolfinx = load_dolfinx()

    space = dolfinx.fem.functionspace(domain.mesh, ("Lagrange", degree))  # its own BCs
    if not np.array_equal(space.tabulate_dof_coordinates(),
                          domain.space.tabulate_dof_coordinates()):
        raise RuntimeError("sheet space does not share the electrolyte's dof layout")
    delta = dolfinx.fem.Function(space, name=f"delta_{interface.name.replace('|', '_')}")
    local = len(delta.x.array)
    on_interface = domain.dofs_on(tags)
    pinned = np.setdiff1d(np.arange(local, dtype=np.int32), on_interface)
    if normal == 0.0:
        pinned = np.union1d(pinned, domain.dofs_on((contact_tag,))).astype(np.int32)
    bc = dolfinx.fem.dirichletbc(dolfinx.default_scalar_type(0.0), pinned, space)
    owned = space.dofmap.index_map.size_local
    return delta, on_interface[on_interface < owned], bc


def pinned_sparsity(delta: Any, zero: Any) -> Any:
    """0 × ∫ δ w dx: puts every dof of a sheet's space in the Jacobian's sparsity, so that the
    rows of the dofs held at 0 off the interface get their unit diagonal (``zero`` a Constant 0;
    a literal 0 would be simplified away)."""
    import ufl

    w = ufl.TestFunction(delta.function_space)
    return zero * delta * w * ufl.dx(domain=delta.function_space.mesh)


def leakage_conductance(domain: ElectrolyteDomain, case: Case, below: Interface,
                        above: Interface, has_cathode: bool) -> float:
    """Electronic conductance G_e (S; S/m in planar 2D) of the electrolyte between the
    electrode contacts: the energy of the unit-voltage solution of ∇·(σ_e∇u) = 0 with u = 1
    on the bottom contacts, 0 on the top ones, no flux elsewhere (so the electron path
    constricts at voids like the ionic one). Zero unless electrochemistry.electronic_leakage,
    and zero when either electrode has an electron-blocking sheet (collective)."""
    if not case.electrochemistry.electronic_leakage:
        return 0.0
    material = case.material(case.electrolyte.name)
    if material.electronic_conductivity is None:
        raise CaseError("required by electrochemistry.electronic_leakage",
                        key=f"materials.{case.electrolyte.material}.electronic_conductivity")
    if has_cathode:
        raise CaseError("not available with a homogenised cathode yet",
                        key="electrochemistry.electronic_leakage")
    if any(case.material(name).electron_blocking
           for item in (below, above) for name in item.sheets):
        return 0.0
    import dolfinx.fem.petsc
    import ufl

    dolfinx = load_dolfinx()
    sigma = material.electronic_conductivity
    space = domain.space
    u, v = ufl.TrialFunction(space), ufl.TestFunction(space)
    split = set(domain.split)
    electrolyte = case.electrolyte.name
    bcs = [dolfinx.fem.dirichletbc(
        dolfinx.default_scalar_type(value),
        domain.dofs_on((item.side_tags(electrolyte, item.name in split)[0],)), space)
        for item, value in ((below, 1.0), (above, 0.0))]
    zero = dolfinx.fem.Constant(domain.mesh, dolfinx.default_scalar_type(0.0))
    problem = dolfinx.fem.petsc.LinearProblem(
        sigma * ufl.inner(ufl.grad(u), ufl.grad(v)) * domain.weight * ufl.dx,
        zero * v * ufl.dx, bcs=bcs, petsc_options_prefix=f"ssbstack_leak_{id(domain)}_",
        petsc_options={k: v for k, v in petsc_solver_options(case).items()
                       if not k.startswith("snes")})
    unit = problem.solve()
    return domain.integral(sigma * ufl.inner(ufl.grad(unit), ufl.grad(unit)) * domain.weight
                           * ufl.dx(domain=domain.mesh))
