"""The electrochemistry model: electrolyte submesh, interlayer sheets, spaces and solver; outputs.

Implements :class:`ssbstack.numerics.model.Model`. Without volume interlayers the state has no
history (no capacitance, no concentration), so the model is static: the runner solves it once at
the end of each step. A meshed interlayer next to the electrolyte whose material has a
``diffusivity`` is a volume interlayer (:class:`AlloyLayer`: Li diffusion with U(c)), which makes
the model time dependent.

Blocks of the SNES system: φ_e (P_k on the electrolyte submesh), the cell voltage (a real space)
and, for each electrode whose interface carries thin interlayers (``Interface.sheets``), the sheet
potential's deviation δ = ψ − φ_s from the electrode (P_k on the electrolyte mesh, held at 0 off
the interface: its free dofs are those of the whole interface, contact and void facets; δ = 0 on
the contact facets too when the sheet's normal resistance is 0). A thin film that holds Li
(``FilmProperties.inventory`` > 0) makes the model time dependent.

Outputs per solve (``COLUMNS``): the ohmic, kinetic, interlayer and constriction parts of the cell
voltage from the power balance V I = ∫κ|∇φ|² + Σ∫ j η + Σ P_sheet + Σ∫ j U (so they add up to V,
less the open-circuit potentials U), the area-specific resistance, the mean and maximum current
density into the electrolyte on each side and their ratio (hot-spot factor), and the charge
balance I_bottom + I_top. The mean is over the facets that pass current into the electrolyte: the
contact facets of a bare interface, the whole interface under a sheet (coupled: over the area in
contact, ∫χ dA). The maximum is the largest nodal value. With finite kinetics the current density
at a contact edge is bounded (only R_ct → 0 makes it singular, ∝ d^-1/2), but it varies over the
length κR_ct (≈ 9 µm for 2 Ω cm² on LLZO): the nodal maximum depends on the edge mesh until the
mesh resolves that length. The facet-averaged peak (``peak_current_avg_*``, the current averaged
over the facets round each vertex, per area in contact) converges with the mesh (checked in
``ssbstack verify``); compare hot spots with it.

Files (when ``outdir`` is given): ``fields/electrolyte.bp`` (φ_e), ``fields/current.bp`` (i =
−κ∇φ_e, A/m², cell-wise), and at close ``interface_current.csv`` / ``interface_current.png``: the
current density profile (2D) or map (3D) on both interfaces at the last written step with the
largest stripping current (bottom electrode stripping).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ssbstack.compat import load_dolfinx
from ssbstack.config.schema import Case, Kinetics
from ssbstack.errors import CaseError, SolverError
from ssbstack.io.checkpoint import (
    Cellwise,
    function_rows,
    original_cell_keys,
    restore_function,
    scalar_rows,
)
from ssbstack.meshing.stack import StackMesh, build_mesh
from ssbstack.meshing.tags import BOTTOM, Interface
from ssbstack.numerics.electrode_layers import AlloyLayer, Cathode
from ssbstack.numerics.model import Control, StepResult
from ssbstack.numerics.solver_options import petsc_solver_options
from ssbstack.physics.electrochemistry import (
    FARADAY,
    GAS_CONSTANT,
    ContactKinetics,
    Electrode,
    Sheet,
    butler_volmer,
    electrolyte_forms,
)
from ssbstack.post.interface_profile import write_interface_profile

COLUMNS = [
    "ohmic_V",
    "kinetic_bottom_V",
    "kinetic_top_V",
    "interlayer_V",
    "constriction_V",
    "asr_ohm_m2",
    "mean_current_bottom_A_m2",
    "max_current_bottom_A_m2",
    "hot_spot_factor_bottom",
    "mean_current_top_A_m2",
    "max_current_top_A_m2",
    "hot_spot_factor_top",
    "peak_current_avg_bottom_A_m2",
    "hot_spot_factor_avg_bottom",
    "peak_current_avg_top_A_m2",
    "hot_spot_factor_avg_top",
    "charge_balance_A",
    "leakage_current_A_m2",
    "newton_iterations",
]
SIDES = ("bottom", "top")
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


@dataclass
class _Side:
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


class ElectrochemistryModel:
    """Electrolyte potential + cell voltage (+ sheet potentials) under current or voltage control."""

    time_dependent = False

    def __init__(self, case: Case, stack_mesh: StackMesh, comm: Any, outdir: Path | None = None):
        dolfinx = load_dolfinx()
        import basix.ufl
        import ufl
        from dolfinx.fem.petsc import NonlinearProblem

        self.case, self.comm = case, comm
        self.outdir = Path(outdir) if outdir is not None else None
        mesh, tags = stack_mesh.mesh, stack_mesh.tags
        tdim = mesh.topology.dim
        split = set(stack_mesh.split)
        coupled = case.coupling.enabled
        electrolyte = case.electrolyte.name
        below = next(i for i in tags.interfaces if i.upper == electrolyte)
        above = next(i for i in tags.interfaces if i.lower == electrolyte)
        # A homogenised cathode on top shares φ_e with the electrolyte (its catholyte).
        cathode_layer = above.upper if case.material(above.upper).kind == "cathode" else None
        cells = stack_mesh.cell_tags.find(tags.cell(electrolyte))
        if cathode_layer is not None:
            cells = np.sort(np.concatenate(
                [cells, stack_mesh.cell_tags.find(tags.cell(cathode_layer))])).astype(np.int32)
        self.mesh, cell_map, vertex_map, _ = dolfinx.mesh.create_submesh(mesh, tdim, cells)
        self.split = tuple(stack_mesh.split)
        self.cell_keys = original_cell_keys(self.mesh, mesh, cell_map)
        mesh.topology.create_connectivity(tdim - 1, tdim)
        self.mesh.topology.create_connectivity(tdim - 1, tdim)
        self.facet_tags = dolfinx.mesh.transfer_meshtags_to_submesh(
            stack_mesh.facet_tags, self.mesh, vertex_map, cell_map
        )
        self.axisymmetric = bool(getattr(stack_mesh, "axisymmetric", False))
        # One fixed quadrature rule on the interfaces: the residual and the post-processing
        # integrals of the same current then agree to round-off (charge balance).
        degree = case.numerics.element_degree
        self.ds = ufl.Measure("ds", domain=self.mesh, subdomain_data=self.facet_tags,
                              metadata={"quadrature_degree": 2 * degree + 2})
        self.weight = self._weight(self.mesh)

        temperature = case.conditions.temperature
        material = case.material(electrolyte)
        self.conductivity = material.ionic_conductivity_at(temperature)
        self.thickness = case.layer(electrolyte).thickness
        self.f = FARADAY / (GAS_CONSTANT * temperature)
        self.space = dolfinx.fem.functionspace(self.mesh, ("Lagrange", degree))
        # vertex values of interface fields: contact indicator, facet-averaged current
        self.vertex_space = dolfinx.fem.functionspace(self.mesh, ("Lagrange", 1))
        real = dolfinx.fem.functionspace(
            self.mesh, basix.ufl.real_element(self.mesh.basix_cell(), ())
        )
        self.phi = dolfinx.fem.Function(self.space, name="phi_e")
        self.voltage = dolfinx.fem.Function(real, name="cell_voltage")

        def constant(value: float) -> Any:
            return dolfinx.fem.Constant(self.mesh, dolfinx.default_scalar_type(value))

        self.applied_current = constant(0.0)
        self.set_voltage = constant(0.0)
        self.galvanostatic = constant(1.0)
        self.cathode: Cathode | None = None
        self.kappa: Any = constant(self.conductivity)  # S/m (cell-wise with a cathode)
        if cathode_layer is not None:
            self.cathode = Cathode(self, stack_mesh, cathode_layer, cell_map)
            self.kappa = self.cathode.conductivity_field(self.conductivity)
        self.nominal_area = self._nominal_area(stack_mesh)
        # the cell voltage sits on the bottom electrode, or on the cathode (V = φ_cathode − φ_Li)
        self.voltage_side = 1 if self.cathode is not None else 0
        self.bcs: list[Any] = []
        # Normal stress at each contact (Pa, tension positive; cell-wise on the electrolyte mesh),
        # set by mechanics when electrochemistry.stress_coupling is on; Ω/F per side, m³/C.
        self.contact_stress: list[Any] = []
        self._stress_factor: list[float] = []
        self._ocp: list[float] = []  # open-circuit potential U per side, V
        self.alloys: dict[int, AlloyLayer] = {}  # side index → volume interlayer with Li diffusion
        self.films: dict[int, Sheet] = {}  # side index → sheet holding a Li inventory
        self.inverse_dt = constant(0.0)  # 1/Δt of the film inventories, 1/s (0: steady)
        stress_space = dolfinx.fem.functionspace(self.mesh, ("Discontinuous Lagrange", 0))
        self.sides: list[_Side] = []
        electrodes = []
        potentials = ((below, self.voltage), (above, constant(0.0)))
        if self.cathode is not None:
            potentials = ((below, constant(0.0)), (above, self.voltage))
        for interface, potential in potentials:
            kinetics = case.kinetics(interface.name)
            assert kinetics is not None  # the schema guarantees kinetics on every interface
            if self.cathode is not None and interface is above:
                electrodes.append(self.cathode.electrode(potential, kinetics, temperature))
                self._ocp.append(kinetics.open_circuit_potential)
                self.sides.append(_Side(interface, kinetics, (), self.nominal_area,
                                        np.zeros(0, dtype=np.int32), volumetric=True))
                continue
            film = sheet_properties(case, interface)
            has_sheet = bool(interface.sheets)
            contact_tag, void_tag = interface.side_tags(electrolyte, interface.name in split)
            # a sheet covers the voids; a coupled contact may open or close anywhere
            reaction = (contact_tag, void_tag) if has_sheet or coupled else (contact_tag,)
            ds_reaction = self.ds(reaction)
            area = self._integral(self.weight * ds_reaction)
            if area <= 0.0:
                raise CaseError("no contact facets: the electrode does not touch the electrolyte",
                                key=f"geometry.interfaces.'{interface.name}'")
            side = _Side(interface, kinetics, reaction, area, self._dofs_on(reaction),
                         contact_tag=contact_tag, void_tag=void_tag)
            sheet = None
            contact = ContactKinetics.at(kinetics, temperature)
            indicator: Any = 1.0
            if coupled:  # set by the coupling from the contact state; closed until then
                side.indicator = dolfinx.fem.Function(self.vertex_space,
                                                      name=f"contact_{SIDES[len(self.sides)]}")
                side.indicator.x.array[:] = 1.0
                indicator = side.indicator
            if has_sheet:
                kinetic = 1.0 / (self.f * contact.exchange_current * (
                    1.0 if contact.linear else contact.alpha_anodic + contact.alpha_cathodic))
                normal = film.normal
                if coupled and normal == 0.0:  # the contact moves: feed through χ, not a BC
                    normal = IDEAL_FEED * kinetic
                delta, dofs = self._sheet_space(interface, reaction, degree, normal, contact_tag)
                side.sheet = (delta, dofs)
                scale = (normal + kinetic) * self.conductivity / self.thickness
                sheet = Sheet(delta, constant(film.conductance), normal,
                              ds_reaction if coupled else self.ds(contact_tag), constant(scale),
                              constant(film.film_conductance), constant(film.inventory),
                              dolfinx.fem.Function(delta.function_space), self.inverse_dt,
                              indicator)
                indicator = 1.0  # the film covers the electrolyte wherever the Li is
                if film.inventory > 0.0 and (normal > 0.0 or self._has_facets(void_tag)):
                    self.films[len(self.sides)] = sheet  # its Li content can change
            shift: Any = kinetics.open_circuit_potential
            self._ocp.append(kinetics.open_circuit_potential)
            neighbour = interface.lower if interface.upper == electrolyte else interface.upper
            if case.material(neighbour).kind == "interlayer" \
                    and case.material(neighbour).diffusivity is not None:
                alloy = AlloyLayer(self, stack_mesh, neighbour, interface, side)
                self.alloys[len(self.sides)] = alloy
                shift = shift + alloy.ocp
            if case.electrochemistry.stress_coupling:
                layer = interface.lower if interface.upper == electrolyte else interface.upper
                omega = case.material(layer).molar_volume
                if omega is None:
                    raise CaseError("required by electrochemistry.stress_coupling",
                                    key=f"materials.{case.layer(layer).material}.molar_volume")
                stress = dolfinx.fem.Function(stress_space, name=f"contact_stress_{layer}")
                self.contact_stress.append(stress)
                self._stress_factor.append(omega / FARADAY)
                shift = shift + omega / FARADAY * stress
            electrodes.append(Electrode(potential, contact, ds_reaction, sheet, shift, indicator))
            self.sides.append(side)

        self.leakage_conductance = self._leakage_conductance(case, below, above)
        self.forms = electrolyte_forms(
            self.phi, self.voltage, self.kappa, electrodes[0], electrodes[1],
            constant(self.f), self.applied_current, constant(self.nominal_area),
            constant(self.sides[0].area), self.set_voltage, self.galvanostatic,
            constant(self.conductivity / self.thickness), self.weight,
            constant(self.leakage_conductance),
        )
        self._initial_guess()
        for k in range(2, len(self.forms.residual)):  # each sheet's δ row
            self.forms.residual[k] += pinned_sparsity(self.forms.unknowns[k], constant(0.0))
        if self.cathode is not None:
            self.forms.residual.append(self.cathode.residual(self.forms.currents[1], self.weight))
            self.forms.unknowns.append(self.cathode.concentration)
        self.unknowns = self.forms.unknowns
        prefix = f"ssbstack_echem_{id(self)}_"
        self.problem = NonlinearProblem(
            self.forms.residual,
            self.unknowns,
            kind="mpi",
            petsc_options_prefix=prefix,
            petsc_options=petsc_solver_options(case),
            bcs=self.bcs,
        )
        w = self.weight
        posts = {"joule": self.forms.joule_heating * w * ufl.dx(domain=self.mesh)}
        vertex_test = ufl.TestFunction(self.vertex_space)
        for name, electrode, current, eta, side in zip(SIDES, electrodes, self.forms.currents,
                                                       self.forms.etas, self.sides, strict=True):
            posts[f"current_{name}"] = current * w * electrode.ds
            posts[f"power_{name}"] = current * eta * w * electrode.ds
            if not side.volumetric:
                side.averaged = (
                    dolfinx.fem.form(current * vertex_test * w * electrode.ds),
                    self._assembled(vertex_test * w * electrode.ds),
                    dolfinx.fem.form(electrode.indicator * vertex_test * w * electrode.ds))
                if electrode.sheet is not None and side.indicator is not None:
                    # coupled film: the Li leaves the metal where it touches the film
                    feed = electrode.sheet.feed_current()
                    side.feed = (dolfinx.fem.form(feed * vertex_test * w * electrode.ds),
                                 dolfinx.fem.form(side.indicator * vertex_test * w
                                                  * electrode.ds))
                    posts[f"feed_{name}"] = feed * w * electrode.ds
            if electrode.sheet is not None:  # the Li the film gained since θ = 1 (C; C/m 2D)
                sheet = electrode.sheet
                posts[f"stored_{name}"] = (sheet.inventory * (sheet.lithiation(self.f) - 1.0)
                                           * w * electrode.ds)
        for k, dissipation in enumerate(self.forms.sheet_dissipation):
            posts[f"sheet_{k}"] = dissipation
        self._post = {name: dolfinx.fem.form(expr)
                      for name, expr in posts.items()}
        self._accepted = [u.x.array.copy() for u in self.unknowns]
        self._accepted_films = [film.previous.x.array.copy() for film in self.films.values()]
        self.time_dependent = bool(self.alloys or self.films) or self.cathode is not None
        self._profile: dict[str, Any] | None = None
        self._last_values: dict[str, float] = {}
        self._writers: list[Any] = []
        if self.outdir is not None and case.outputs.fields and dolfinx.has_adios2:
            flux_space = dolfinx.fem.functionspace(
                self.mesh, ("Discontinuous Lagrange", 0, (self.mesh.geometry.dim,)))
            self.current_field = dolfinx.fem.Function(flux_space, name="current_density")
            self._flux = dolfinx.fem.Expression(
                -self.kappa * ufl.grad(self.phi), flux_space.element.interpolation_points)
            fields = self.outdir / "fields"
            self._writers = [
                dolfinx.io.VTXWriter(comm, fields / "electrolyte.bp", [self.phi], engine="BP4"),
                dolfinx.io.VTXWriter(comm, fields / "current.bp", [self.current_field],
                                     engine="BP4"),
            ]

    # -- set-up helpers ------------------------------------------------------------------------
    def _initial_guess(self) -> None:
        """Start Newton at open circuit: V = U(voltage side) − U(ground side), φ_e = −U(ground).

        Without it a cathode (U ≈ 4 V) starts Butler–Volmer at exp(α f 4 V) ≈ 1e33."""
        ocv = list(self._ocp)
        for index, alloy in self.alloys.items():  # uniform initial content: same on every rank
            initial = self.case.material(alloy.layer).initial_concentration
            ocv[index] += float(alloy.open_circuit_potential(np.array([initial]))[0])
        if self.cathode is not None:
            x = self.cathode.material.initial_concentration / self.cathode.material.max_concentration
            ocv[1] += float(np.interp(x, self.cathode.table[:, 0], self.cathode.table[:, 1]))
        ground = 1 - self.voltage_side
        self.voltage.x.array[:] = ocv[self.voltage_side] - ocv[ground]
        self.phi.x.array[:] = -ocv[ground]

    def _assembled(self, linear_form: Any) -> np.ndarray:
        """Local (owned + ghost) values of an assembled vertex-space vector (a UFL form)."""
        dolfinx = load_dolfinx()
        return self._assembled_form(
            dolfinx.fem.form(linear_form))

    def averaged_current(self, side: _Side, in_contact: bool = False) -> np.ndarray:
        """Facet-averaged anodic current density (A/m²) at the vertices of one interface:
        w_i = ∫ χ j v_i dA / ∫ v_i dA (v_i the vertex's hat function; 0 off the interface), the
        Li flux per nominal area; ``in_contact``: ∫ χ j v_i dA / ∫ χ v_i dA, per area in contact
        (the local current density where the Li touches, for hot spots).

        The same current law as the residual (one UFL expression), averaged over the facets
        round each vertex: Σ w_i ∫v_i = ∫χ j exactly, and unlike the nodal value it does not
        depend on where a contact edge falls inside a facet (local owned + ghost, collective)."""
        numerator, lumped, contact = side.averaged
        return _per_area(self._assembled_form(numerator),
                         self._assembled_form(contact) if in_contact else lumped)

    def contact_area(self, side: _Side) -> float:
        """Measure of the facets where the electrode touches the electrolyte (or its film) in
        the mesh (m²; m in planar 2D; collective)."""
        return self._integral(self.weight * self.ds(side.contact_tag))

    def metal_current(self, side: _Side, in_contact: bool = False) -> np.ndarray:
        """Facet-averaged current (A/m²) with which the Li metal strips at the vertices of one
        interface: the current into the electrolyte (``averaged_current``), or under a coupled
        film the feed from the metal into the film, which differs by what the film stores or
        spreads (local owned + ghost, collective)."""
        if side.feed is None:
            return self.averaged_current(side, in_contact)
        numerator, contact = side.feed
        return _per_area(self._assembled_form(numerator),
                         self._assembled_form(contact) if in_contact else side.averaged[1])

    def metal_current_density(self) -> float:
        """Li current out of the bottom metal per nominal area (A/m²): the net current, or
        the feed into a coupled film (collective)."""
        if self.sides[0].feed is None:
            return self.net_current_density()
        return self._total("feed_bottom") / self.nominal_area

    def averaged_contact(self, side: _Side) -> np.ndarray:
        """Facet-averaged contact indicator c_i = ∫ χ v_i dA / ∫ v_i dA at the vertices of one
        interface (the χ the current used; Σ c_i ∫v_i = ∫χ dA; local owned + ghost,
        collective)."""
        _, lumped, contact = side.averaged
        if side.feed is not None:  # a coupled film: χ is where the Li touches the film
            contact = side.feed[1]
        return _per_area(self._assembled_form(contact), lumped)

    def _assembled_form(self, compiled: Any) -> np.ndarray:
        """Local (owned + ghost) values of an assembled vertex-space vector (a compiled form)."""
        dolfinx = load_dolfinx()
        vector = dolfinx.fem.assemble_vector(compiled)
        vector.scatter_reverse(dolfinx.la.InsertMode.add)
        vector.scatter_forward()
        return vector.array.copy()

    def _weight(self, mesh: Any) -> Any:
        """Integrand weight: 2πr on an axisymmetric r–z mesh (x = r), else 1."""
        import ufl

        if self.axisymmetric:
            return 2.0 * math.pi * ufl.SpatialCoordinate(mesh)[0]
        return 1.0

    def _integral(self, expression: Any) -> float:
        dolfinx = load_dolfinx()
        from mpi4py import MPI

        form = dolfinx.fem.form(expression)
        return self.comm.allreduce(dolfinx.fem.assemble_scalar(form), op=MPI.SUM)

    def _leakage_conductance(self, case: Case, below: Interface, above: Interface) -> float:
        """Electronic conductance G_e (S; S/m in planar 2D) of the electrolyte between the
        electrode contacts: the energy of the unit-voltage solution of ∇·(σ_e∇u) = 0 with u = 1
        on the bottom contacts, 0 on the top ones, no flux elsewhere (so the electron path
        constricts at voids like the ionic one). Zero unless electrochemistry.electronic_leakage,
        and zero when either electrode has an electron-blocking sheet."""
        if not case.electrochemistry.electronic_leakage:
            return 0.0
        material = case.material(case.electrolyte.name)
        if material.electronic_conductivity is None:
            raise CaseError("required by electrochemistry.electronic_leakage",
                            key=f"materials.{case.electrolyte.material}.electronic_conductivity")
        if self.cathode is not None:
            raise CaseError("not available with a homogenised cathode yet",
                            key="electrochemistry.electronic_leakage")
        if any(case.material(name).electron_blocking
               for item in (below, above) for name in item.sheets):
            return 0.0
        import dolfinx.fem.petsc
        import ufl

        dolfinx = load_dolfinx()
        sigma = material.electronic_conductivity
        u, v = ufl.TrialFunction(self.space), ufl.TestFunction(self.space)
        split = set(self.split)
        electrolyte = case.electrolyte.name
        bcs = [dolfinx.fem.dirichletbc(
            dolfinx.default_scalar_type(value),
            self._dofs_on((item.side_tags(electrolyte, item.name in split)[0],)), self.space)
            for item, value in ((below, 1.0), (above, 0.0))]
        zero = dolfinx.fem.Constant(self.mesh, dolfinx.default_scalar_type(0.0))
        problem = dolfinx.fem.petsc.LinearProblem(
            sigma * ufl.inner(ufl.grad(u), ufl.grad(v)) * self.weight * ufl.dx,
            zero * v * ufl.dx, bcs=bcs, petsc_options_prefix=f"ssbstack_leak_{id(self)}_",
            petsc_options={k: v for k, v in petsc_solver_options(case).items()
                           if not k.startswith("snes")})
        unit = problem.solve()
        return self._integral(sigma * ufl.inner(ufl.grad(unit), ufl.grad(unit)) * self.weight
                              * ufl.dx(domain=self.mesh))

    def _nominal_area(self, stack_mesh: StackMesh) -> float:
        """Projected electrode area: the measure of the bottom collector boundary (m² or m)."""
        import ufl

        dolfinx = load_dolfinx()
        ds = ufl.Measure("ds", domain=stack_mesh.mesh, subdomain_data=stack_mesh.facet_tags)
        one = dolfinx.fem.Constant(stack_mesh.mesh, dolfinx.default_scalar_type(1.0))
        return self._integral(one * self._weight(stack_mesh.mesh) * ds(BOTTOM))

    def _facets(self, tags: tuple[int, ...]) -> np.ndarray:
        return np.unique(np.concatenate([self.facet_tags.find(t) for t in tags])).astype(np.int32)

    def _has_facets(self, tag: int) -> bool:
        """Does any rank hold a facet with ``tag`` (collective)?"""
        from mpi4py import MPI

        return self.comm.allreduce(len(self.facet_tags.find(tag)), op=MPI.SUM) > 0

    def _dofs_on(self, tags: tuple[int, ...]) -> np.ndarray:
        """Local (owned and ghost) φ dofs on the facets with ``tags``."""
        dolfinx = load_dolfinx()
        fdim = self.mesh.topology.dim - 1
        return dolfinx.fem.locate_dofs_topological(self.space, fdim, self._facets(tags))

    def _sheet_space(self, interface: Interface, tags: tuple[int, ...], degree: int,
                     normal: float, contact_tag: int) -> tuple[Any, np.ndarray]:
        """δ as a P_k function of the electrolyte mesh held at 0 off the interface (and on the
        contact facets when R_n = 0), and its owned interface dofs (the same indices as φ_e's).

        Not a facet submesh: DOLFINx 0.11 (FFCx 0.11) evaluates the gradient of a codim-1
        submesh coefficient in a parent ``ds`` integral with the wrong Jacobian (fixed upstream
        in 2026-09, FFCx PR 879), which made the lateral term wrong on unstructured meshes. On
        the parent mesh the surface gradient ∇δ − (∇δ·n)n of a facet is exact."""
        dolfinx = load_dolfinx()

        space = dolfinx.fem.functionspace(self.mesh, ("Lagrange", degree))  # its own BCs
        if not np.array_equal(space.tabulate_dof_coordinates(),
                              self.space.tabulate_dof_coordinates()):
            raise RuntimeError("sheet space does not share the electrolyte's dof layout")
        delta = dolfinx.fem.Function(space, name=f"delta_{interface.name.replace('|', '_')}")
        local = len(delta.x.array)
        on_interface = self._dofs_on(tags)
        pinned = np.setdiff1d(np.arange(local, dtype=np.int32), on_interface)
        if normal == 0.0:
            pinned = np.union1d(pinned, self._dofs_on((contact_tag,))).astype(np.int32)
        self.bcs.append(dolfinx.fem.dirichletbc(dolfinx.default_scalar_type(0.0), pinned, space))
        owned = space.dofmap.index_map.size_local
        return delta, on_interface[on_interface < owned]

    # -- runner interface ----------------------------------------------------------------------
    def columns(self) -> list[str]:
        """Columns this model adds to timeseries.csv (+ the surface Li fraction of alloys)."""
        extra = [f"alloy_surface_fraction_{SIDES[k]}" for k in self.alloys]
        extra += [f"film_min_lithiation_{SIDES[k]}" for k in self.films]
        return list(COLUMNS) + extra + (["cathode_lithiation"] if self.cathode else [])

    def solve(self, time: float, dt: float, control: Control) -> StepResult:
        """Solve the electrolyte problem for ``control`` (collective)."""
        if control.voltage is None:
            self.galvanostatic.value = 1.0
            self.applied_current.value = control.current_density or 0.0
        else:
            self.galvanostatic.value = 0.0
            self.set_voltage.value = control.voltage
        for alloy in self.alloys.values():
            alloy.update_ocp()  # U(c) of the last accepted state (staggered, explicit)
        if self.cathode is not None:
            self.cathode.dt.value = dt
        self.inverse_dt.value = 1.0 / dt if dt > 0.0 else 0.0
        from petsc4py import PETSc

        try:
            self.problem.solve()
        except PETSc.Error as exc:  # e.g. a singular system (no contact left): collective
            return StepResult(False, 0, message=f"electrochemistry solve failed in PETSc "
                              f"(error {exc.ierr}): no current path left?")
        solver = self.problem.solver
        reason, iterations = solver.getConvergedReason(), solver.getIterationNumber()
        if reason <= 0:
            return StepResult(
                False, iterations,
                message=f"electrochemistry Newton solve diverged (SNES reason {reason}) after "
                f"{iterations} iterations; try a smaller current step or numerics.linear_solver",
            )
        for u in self.unknowns:
            u.x.scatter_forward()
        for index, alloy in self.alloys.items():
            if dt > 0.0 and not alloy.step(dt, self._nodal_current(index, alloy.se_dofs)):
                return StepResult(False, iterations, message="alloy Li diffusion solve failed")
        self._last_values = self._outputs(iterations)
        if self.cathode is not None:
            self._last_values["cathode_lithiation"] = self.cathode.lithiation()
        for index, alloy in self.alloys.items():
            self._last_values[f"alloy_surface_fraction_{SIDES[index]}"] = alloy.surface_fraction()
        for index in self.films:
            self._last_values[f"film_min_lithiation_{SIDES[index]}"] = self.film_min_lithiation(
                index)
        return StepResult(True, iterations, dict(self._last_values))

    def net_current_density(self) -> float:
        """Anodic current leaving the bottom electrode per nominal area (A/m²) of the last solve
        (collective): the applied one under galvanostatic control, to the Newton tolerance."""
        return self._total("current_bottom") / self.nominal_area

    def _total(self, name: str) -> float:
        from mpi4py import MPI

        dolfinx = load_dolfinx()
        return self.comm.allreduce(dolfinx.fem.assemble_scalar(self._post[name]), op=MPI.SUM)

    def _outputs(self, iterations: int) -> dict[str, float]:
        from mpi4py import MPI

        voltage = float(self.voltage.x.array[0])
        current = self._total("current_bottom")  # A (per unit depth in planar 2D)
        current_top = self._total("current_top")
        sheets = sum(self._total(f"sheet_{k}") for k in range(len(self.forms.sheet_dissipation)))
        mean_density = current / self.nominal_area
        bottom_minus_top = -voltage if self.cathode is not None else voltage
        leakage_density = self.leakage_conductance * bottom_minus_top / self.nominal_area
        values = {"voltage_V": voltage, "newton_iterations": float(iterations),
                  "leakage_current_A_m2": leakage_density}
        parts = ["ohmic_V", "kinetic_bottom_V", "kinetic_top_V", "interlayer_V", "constriction_V",
                 "asr_ohm_m2"]
        # collectives first, on every rank; branch on their (reduced) values only afterwards
        joule, power_bottom, power_top = (self._total(n) for n in ("joule", "power_bottom",
                                                                    "power_top"))
        if abs(current) > 0.0:
            ohmic = joule / current
            values |= {
                "ohmic_V": ohmic,
                "kinetic_bottom_V": power_bottom / current,
                "kinetic_top_V": power_top / current,
                "interlayer_V": sheets / current,
                "constriction_V": ohmic - mean_density * self.thickness / self.conductivity,
                "asr_ohm_m2": voltage / (mean_density + leakage_density),
            }
        else:
            values |= dict.fromkeys(parts, math.nan)
        for name, side, integral in zip(SIDES, self.sides, (current, current_top), strict=True):
            _, local = self.interface_current(side)
            peak = self.comm.allreduce(float(np.max(np.abs(local), initial=0.0)), op=MPI.MAX)
            averaged = (np.zeros(0) if side.volumetric else
                        self.averaged_current(side, in_contact=True)[
                            :self.vertex_space.dofmap.index_map.size_local])
            peak_averaged = self.comm.allreduce(float(np.max(np.abs(averaged), initial=0.0)),
                                                op=MPI.MAX)
            area = side.area if side.indicator is None else self._active_area(side)
            mean = abs(integral) / area if area > 0.0 else math.nan  # (no contact left)
            values[f"mean_current_{name}_A_m2"] = mean
            values[f"max_current_{name}_A_m2"] = peak
            values[f"peak_current_avg_{name}_A_m2"] = (math.nan if side.volumetric
                                                       else peak_averaged)
            ratio = mean > 0 and not side.volumetric
            values[f"hot_spot_factor_{name}"] = peak / mean if ratio else math.nan
            values[f"hot_spot_factor_avg_{name}"] = peak_averaged / mean if ratio else math.nan
        values["charge_balance_A"] = current + current_top
        return values

    def _active_area(self, side: _Side) -> float:
        """∫ χ dA (m²; m in planar 2D): the area in contact now (collective)."""
        _, lumped, _ = side.averaged
        owned = self.vertex_space.dofmap.index_map.size_local
        local = float(lumped[:owned] @ side.indicator.x.array[:owned])
        from mpi4py import MPI

        return self.comm.allreduce(local, op=MPI.SUM)

    def interface_current(self, side: _Side) -> tuple[np.ndarray, np.ndarray]:
        """Owned nodes (coordinates, m) and anodic current density into the electrolyte there
        (A/m²) on one interface; bare interfaces also list their void nodes (j = 0)."""
        index = self.sides.index(side)
        kinetics = ContactKinetics.at(side.kinetics, self.case.conditions.temperature)
        owned = self.space.dofmap.index_map.size_local
        coordinates = self.space.tabulate_dof_coordinates()
        if side.volumetric:
            return coordinates[:0], np.zeros(0)
        electrode = self._electrode_nodal(index)
        if side.sheet is not None:
            delta, dofs = side.sheet
            eta = electrode[dofs] + delta.x.array[dofs] - self.phi.x.array[dofs]
            return coordinates[dofs], butler_volmer(eta, kinetics, self.f, np.exp)
        contact = side.phi_dofs[side.phi_dofs < owned]
        current = self._nodal_current(index, contact, electrode)
        if side.indicator is not None:
            nodal = load_dolfinx().fem.Function(self.space)
            nodal.interpolate(side.indicator)
            current = current * nodal.x.array[contact]
        void = self._dofs_on((side.void_tag,))
        void = np.setdiff1d(void[void < owned], contact)
        points = np.concatenate([coordinates[contact], coordinates[void]])
        return points, np.concatenate([current, np.zeros(len(void))])

    def _electrode_nodal(self, index: int) -> np.ndarray:
        """φ_s − U − Ω σ_n/F (V) of one side at every local φ dof."""
        electrode = np.full(len(self.phi.x.array),
                            (float(self.voltage.x.array[0]) if index == self.voltage_side else 0.0)
                            - self._ocp[index])
        if self.contact_stress:
            electrode -= self._nodal_shift(index)
        if index in self.alloys:
            electrode -= self.alloys[index].ocp.x.array
        return electrode

    def _nodal_current(self, index: int, dofs: np.ndarray,
                       electrode: np.ndarray | None = None) -> np.ndarray:
        """Anodic current density (A/m²) of a bare side at local φ ``dofs``."""
        electrode = self._electrode_nodal(index) if electrode is None else electrode
        kinetics = ContactKinetics.at(self.sides[index].kinetics, self.case.conditions.temperature)
        return butler_volmer(electrode[dofs] - self.phi.x.array[dofs], kinetics, self.f, np.exp)

    def _nodal_shift(self, index: int) -> np.ndarray:
        """Ω σ_n/F (V) of one side at the φ dofs (P1 interpolation of the cell-wise stress)."""
        dolfinx = load_dolfinx()
        nodal = dolfinx.fem.Function(self.space)
        nodal.interpolate(self.contact_stress[index])
        return self._stress_factor[index] * nodal.x.array

    def accept(self) -> None:
        """Keep the solved state as the initial guess for the next solve (alloys: as history)."""
        self._accepted = [u.x.array.copy() for u in self.unknowns]
        for layer in [*self.alloys.values(), *([self.cathode] if self.cathode else [])]:
            layer.accept()
        self.advance_substep()
        self._accepted_films = [film.previous.x.array.copy() for film in self.films.values()]

    def advance_substep(self) -> None:
        """The films' and the cathode's Li content of the last solve becomes the start of the
        next time step (a coupled sub-step; ``reject`` still returns to the last ``accept``)."""
        for film in self.films.values():
            film.previous.x.array[:] = film.deviation.x.array
        if self.cathode is not None:
            self.cathode.advance()

    def reject(self) -> None:
        """Return to the last accepted state."""
        for u, saved in zip(self.unknowns, self._accepted, strict=True):
            u.x.array[:] = saved
        for film, saved in zip(self.films.values(), self._accepted_films, strict=True):
            film.previous.x.array[:] = saved
        for layer in [*self.alloys.values(), *([self.cathode] if self.cathode else [])]:
            layer.reject()

    def state(self) -> dict[str, Cellwise]:
        """φ_e and the cell voltage of the accepted state (the next solve's initial guess)."""
        self.reject()  # the accepted state is in the functions
        state = {"phi_e": function_rows(self.phi, self.cell_keys),
                 "cell_voltage": scalar_rows(self.voltage.x.array[0])}
        for index, alloy in self.alloys.items():
            state[f"alloy_c_{SIDES[index]}"] = function_rows(alloy.previous, alloy.cell_keys)
        if self.cathode is not None:
            state["cathode_c"] = function_rows(self.cathode.previous, self.cell_keys)
        for index in self.films:
            state[f"film_delta_{SIDES[index]}"] = function_rows(self.sides[index].sheet[0],
                                                                self.cell_keys)
        return state

    def film_stored_charge(self, index: int) -> float:
        """Li the film of side ``index`` holds above its equilibrium content, as charge
        ∫ F c₀ t (θ − 1) dA (C; C/m in planar 2D), with the residual's quadrature (collective)."""
        return self._total(f"stored_{SIDES[index]}")

    def film_min_lithiation(self, index: int) -> float:
        """Smallest θ = c/c₀ of a film (1: as much Li as in equilibrium with Li metal;
        → 0: its inventory is used up there) (collective)."""
        from mpi4py import MPI

        delta, dofs = self.sides[index].sheet
        local = float(np.min(delta.x.array[dofs], initial=np.inf))
        return math.exp(self.f * self.comm.allreduce(local, op=MPI.MIN))

    def restore(self, arrays: dict[str, Cellwise]) -> None:
        """Set the accepted state from a checkpoint."""
        restore_function(self.phi, self.cell_keys, arrays["phi_e"])
        self.voltage.x.array[:] = arrays["cell_voltage"][1][0, 0]
        for index, alloy in self.alloys.items():
            restore_function(alloy.concentration, alloy.cell_keys,
                             arrays[f"alloy_c_{SIDES[index]}"])
            alloy.concentration.x.scatter_forward()
        if self.cathode is not None:
            restore_function(self.cathode.concentration, self.cell_keys, arrays["cathode_c"])
            self.cathode.concentration.x.scatter_forward()
        for index in self.films:
            restore_function(self.sides[index].sheet[0], self.cell_keys,
                             arrays[f"film_delta_{SIDES[index]}"])
        self.accept()

    def write_fields(self, time: float) -> None:
        """Write φ_e and i to fields/*.bp; keep the interface profile of the largest current
        (collective)."""
        if self._writers:
            self.current_field.interpolate(self._flux)
        for writer in self._writers:
            writer.write(time)
        current = self._last_values.get("mean_current_bottom_A_m2", 0.0)
        key = (self._last_values.get("voltage_V", 0.0) > 0.0, current)  # strips first, then |i|
        better = self._profile is None or key >= self._profile["key"]
        if self.outdir is not None and self.case.outputs.plots and self.comm.bcast(better, root=0):
            gathered = [self.comm.gather(self.interface_current(side), root=0)
                        for side in self.sides]
            self._profile = {"key": key, "mean": current, "time": time, "sides": gathered}

    def close(self) -> None:
        """Close the field writers and write the interface current profile (collective)."""
        for writer in self._writers:
            writer.close()
        self._writers = []
        if self._profile is not None and self.comm.rank == 0 and self.case.outputs.plots:
            write_interface_profile(self._profile, self.sides, SIDES, self.outdir,
                                    self.axisymmetric,
                                    self.mesh.geometry.dim)
        self._profile = None


def solve_static(case: Case, comm: Any, current: float, stack_mesh: StackMesh | None = None
                 ) -> tuple[dict[str, float], ElectrochemistryModel]:
    """One galvanostatic solve of ``case`` at ``current`` (A/m² of nominal area) from open
    circuit, on ``stack_mesh`` or a new mesh of the case (collective): the output values
    (``COLUMNS`` + ``voltage_V``) and the closed model. SolverError when Newton fails."""
    model = ElectrochemistryModel(case, stack_mesh or build_mesh(case, comm), comm)
    result = model.solve(0.0, 0.0, Control(current))
    model.close()
    if not result.converged:
        raise SolverError(f"{case.name}: {result.message}")
    return result.values, model


def _per_area(values: np.ndarray, areas: np.ndarray) -> np.ndarray:
    """values / areas at each vertex, 0 where the area is nil (an open or off-interface one)."""
    average = np.zeros_like(values)
    on = areas > 1e-12 * np.max(areas, initial=0.0)
    average[on] = values[on] / areas[on]
    return average


def pinned_sparsity(delta: Any, zero: Any) -> Any:
    """0 × ∫ δ w dx: puts every dof of a sheet's space in the Jacobian's sparsity, so that the
    rows of the dofs held at 0 off the interface get their unit diagonal (``zero`` a Constant 0;
    a literal 0 would be simplified away)."""
    import ufl

    w = ufl.TestFunction(delta.function_space)
    return zero * delta * w * ufl.dx(domain=delta.function_space.mesh)
