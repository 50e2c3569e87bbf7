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
contact, ∫χ dA). The maximum is the largest nodal value; the facet-averaged peak
(``peak_current_avg_*``) converges with the mesh (:mod:`ssbstack.numerics.interface_currents`).

The model composes: :class:`~ssbstack.numerics.electrolyte_domain.ElectrolyteDomain` (submesh,
spaces, integrals), :mod:`ssbstack.numerics.electrode_sides` (per-side book-keeping, sheets,
leakage), :class:`~ssbstack.numerics.interface_currents.InterfaceCurrents` (the currents at the
interfaces) and :mod:`ssbstack.numerics.electrode_layers` (alloy layer, cathode).

Files (when ``outdir`` is given): ``fields/electrolyte.bp`` (φ_e), ``fields/current.bp`` (i =
−κ∇φ_e, A/m², cell-wise), and at close ``interface_current.csv`` / ``interface_current.png``: the
current density profile (2D) or map (3D) on both interfaces at the last written step with the
largest stripping current (bottom electrode stripping).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ssbstack.compat import load_dolfinx
from ssbstack.config.schema import Case
from ssbstack.errors import CaseError, SolverError
from ssbstack.io.checkpoint import Cellwise, function_rows, restore_function, scalar_rows
from ssbstack.meshing.stack import StackMesh, build_mesh
from ssbstack.meshing.tags import Interface
from ssbstack.numerics.electrode_layers import AlloyLayer, Cathode
from ssbstack.numerics.electrode_sides import (
    ElectrodeSide,
    feed_resistance,
    leakage_conductance,
    pinned_sparsity,
    sheet_properties,
    sheet_space,
)
from ssbstack.numerics.electrolyte_domain import ElectrolyteDomain
from ssbstack.numerics.interface_currents import InterfaceCurrents
from ssbstack.numerics.model import Control, StepResult
from ssbstack.numerics.solver_options import petsc_solver_options
from ssbstack.physics.electrochemistry import (
    FARADAY,
    GAS_CONSTANT,
    ContactKinetics,
    Electrode,
    Sheet,
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


class ElectrochemistryModel:
    """Electrolyte potential + cell voltage (+ sheet potentials) under current or voltage control."""

    time_dependent = False

    def __init__(self, case: Case, stack_mesh: StackMesh, comm: Any, outdir: Path | None = None):
        dolfinx = load_dolfinx()
        import basix.ufl

        self.case, self.comm = case, comm
        self.outdir = Path(outdir) if outdir is not None else None
        tags = stack_mesh.tags
        electrolyte = case.electrolyte.name
        below = next(i for i in tags.interfaces if i.upper == electrolyte)
        above = next(i for i in tags.interfaces if i.lower == electrolyte)
        # A homogenised cathode on top shares φ_e with the electrolyte (its catholyte).
        cathode_layer = above.upper if case.material(above.upper).kind == "cathode" else None
        degree = case.numerics.element_degree
        self.domain = ElectrolyteDomain(
            stack_mesh, (electrolyte,) + ((cathode_layer,) if cathode_layer else ()), degree, comm)
        domain = self.domain
        self.mesh, self.space, self.vertex_space = domain.mesh, domain.space, domain.vertex_space
        self.cell_keys, self.ds, self.weight = domain.cell_keys, domain.ds, domain.weight
        self.axisymmetric, self.nominal_area = domain.axisymmetric, domain.nominal_area

        temperature = case.conditions.temperature
        self.conductivity = case.material(electrolyte).ionic_conductivity_at(temperature)
        self.thickness = case.layer(electrolyte).thickness
        self.f = FARADAY / (GAS_CONSTANT * temperature)
        real = dolfinx.fem.functionspace(
            self.mesh, basix.ufl.real_element(self.mesh.basix_cell(), ())
        )
        self.phi = dolfinx.fem.Function(self.space, name="phi_e")
        self.voltage = dolfinx.fem.Function(real, name="cell_voltage")
        self.applied_current = self._constant(0.0)
        self.set_voltage = self._constant(0.0)
        self.galvanostatic = self._constant(1.0)
        self.cathode: Cathode | None = None
        self.kappa: Any = self._constant(self.conductivity)  # S/m (cell-wise with a cathode)
        if cathode_layer is not None:
            self.cathode = Cathode(self, stack_mesh, cathode_layer, domain.cell_map)
            self.kappa = self.cathode.conductivity_field(self.conductivity)
        # the cell voltage sits on the bottom electrode, or on the cathode (V = φ_cathode − φ_Li)
        self.voltage_side = 1 if self.cathode is not None else 0
        self.bcs: list[Any] = []
        # Normal stress at each contact (Pa, tension positive; cell-wise on the electrolyte mesh),
        # set by mechanics when electrochemistry.stress_coupling is on; Ω/F per side, m³/C.
        self.contact_stress: list[Any] = []
        self._stress_space = (dolfinx.fem.functionspace(self.mesh, ("Discontinuous Lagrange", 0))
                              if case.electrochemistry.stress_coupling else None)
        self.stress_factor: list[float] = []
        self.ocp: list[float] = []  # open-circuit potential U per side, V
        self.alloys: dict[int, AlloyLayer] = {}  # side index → volume interlayer with Li diffusion
        self.films: dict[int, Sheet] = {}  # side index → sheet holding a Li inventory
        self.inverse_dt = self._constant(0.0)  # 1/Δt of the film inventories, 1/s (0: steady)
        self.sides: list[ElectrodeSide] = []
        self.currents = InterfaceCurrents(self)
        potentials = ((below, self.voltage), (above, self._constant(0.0)))
        if self.cathode is not None:
            potentials = ((below, self._constant(0.0)), (above, self.voltage))
        electrodes = [self._add_side(stack_mesh, interface, potential)
                      for interface, potential in potentials]

        self.leakage_conductance = leakage_conductance(domain, case, below, above,
                                                       self.cathode is not None)
        self.forms = electrolyte_forms(
            self.phi, self.voltage, self.kappa, electrodes[0], electrodes[1],
            self._constant(self.f), self.applied_current, self._constant(self.nominal_area),
            self._constant(self.sides[0].area), self.set_voltage, self.galvanostatic,
            self._constant(self.conductivity / self.thickness), self.weight,
            self._constant(self.leakage_conductance),
        )
        self._initial_guess()
        for k in range(2, len(self.forms.residual)):  # each sheet's δ row
            self.forms.residual[k] += pinned_sparsity(self.forms.unknowns[k], self._constant(0.0))
        if self.cathode is not None:
            self.forms.residual.append(self.cathode.residual(self.forms.currents[1], self.weight))
            self.forms.unknowns.append(self.cathode.concentration)
        self.unknowns = self.forms.unknowns
        self._problems = 0  # Newton problems built so far (each gets its own options prefix)
        self.problem = self._new_problem()
        self._post = self._compile_integrals(electrodes)
        self._accepted = [u.x.array.copy() for u in self.unknowns]
        self._accepted_films = [film.previous.x.array.copy() for film in self.films.values()]
        self.time_dependent = bool(self.alloys or self.films) or self.cathode is not None
        self._profile: dict[str, Any] | None = None
        self._last_values: dict[str, float] = {}
        self._writers = self._open_writers()

    # -- set-up helpers ------------------------------------------------------------------------
    def _constant(self, value: float) -> Any:
        dolfinx = load_dolfinx()
        return dolfinx.fem.Constant(self.mesh, dolfinx.default_scalar_type(value))

    def _add_side(self, stack_mesh: StackMesh, interface: Interface, potential: Any) -> Electrode:
        """Book-keep one electrode interface (its sheet, alloy layer, stress shift) and return
        its electrode for the forms."""
        dolfinx = load_dolfinx()
        case, domain = self.case, self.domain
        temperature = case.conditions.temperature
        electrolyte = case.electrolyte.name
        kinetics = case.kinetics(interface.name)
        assert kinetics is not None  # the schema guarantees kinetics on every interface
        index = len(self.sides)
        self.ocp.append(kinetics.open_circuit_potential)
        if self.cathode is not None and index == 1:
            self.sides.append(ElectrodeSide(interface, kinetics, (), self.nominal_area,
                                            np.zeros(0, dtype=np.int32), volumetric=True))
            return self.cathode.electrode(potential, kinetics, temperature)
        coupled = case.coupling.enabled
        has_sheet = bool(interface.sheets)
        contact_tag, void_tag = interface.side_tags(electrolyte, interface.name in domain.split)
        # a sheet covers the voids; a coupled contact may open or close anywhere
        reaction = (contact_tag, void_tag) if has_sheet or coupled else (contact_tag,)
        ds_reaction = self.ds(reaction)
        area = domain.integral(self.weight * ds_reaction)
        if area <= 0.0:
            raise CaseError("no contact facets: the electrode does not touch the electrolyte",
                            key=f"geometry.interfaces.'{interface.name}'")
        side = ElectrodeSide(interface, kinetics, reaction, area, domain.dofs_on(reaction),
                             contact_tag=contact_tag, void_tag=void_tag)
        contact = ContactKinetics.at(kinetics, temperature)
        indicator: Any = 1.0
        if coupled:  # set by the coupling from the contact state; closed until then
            side.indicator = dolfinx.fem.Function(self.vertex_space,
                                                  name=f"contact_{SIDES[index]}")
            side.indicator.x.array[:] = 1.0
            indicator = side.indicator
        sheet = None
        if has_sheet:
            sheet = self._sheet(interface, side, contact, ds_reaction, indicator)
            indicator = 1.0  # the film covers the electrolyte wherever the Li is
        shift: Any = kinetics.open_circuit_potential
        neighbour = interface.lower if interface.upper == electrolyte else interface.upper
        if case.material(neighbour).kind == "interlayer" \
                and case.material(neighbour).diffusivity is not None:
            alloy = AlloyLayer(self, stack_mesh, neighbour, interface, side)
            self.alloys[index] = alloy
            shift = shift + alloy.ocp
        if case.electrochemistry.stress_coupling:
            omega = case.material(neighbour).molar_volume
            if omega is None:
                raise CaseError("required by electrochemistry.stress_coupling",
                                key=f"materials.{case.layer(neighbour).material}.molar_volume")
            stress = dolfinx.fem.Function(self._stress_space, name=f"contact_stress_{neighbour}")
            self.contact_stress.append(stress)
            self.stress_factor.append(omega / FARADAY)
            shift = shift + omega / FARADAY * stress
        self.sides.append(side)
        return Electrode(potential, contact, ds_reaction, sheet, shift, indicator)

    def _sheet(self, interface: Interface, side: ElectrodeSide, contact: ContactKinetics,
               ds_reaction: Any, indicator: Any) -> Sheet:
        """The thin interlayers of one interface as one sheet (its δ unknown and constants)."""
        film = sheet_properties(self.case, interface)
        kinetic = contact.resistance(self.f)
        coupled = self.case.coupling.enabled
        normal = feed_resistance(film.normal, kinetic, coupled)  # coupled: through χ, not a BC
        delta, dofs, bc = sheet_space(self.domain, interface, side.reaction_tags,
                                      self.case.numerics.element_degree, normal, side.contact_tag)
        self.bcs.append(bc)
        side.sheet = (delta, dofs)
        scale = (normal + kinetic) * self.conductivity / self.thickness
        sheet = Sheet(delta, self._constant(film.conductance), normal,
                      ds_reaction if coupled else self.ds(side.contact_tag),
                      self._constant(scale), self._constant(film.film_conductance),
                      self._constant(film.inventory),
                      load_dolfinx().fem.Function(delta.function_space), self.inverse_dt,
                      indicator)
        if film.inventory > 0.0 and (normal > 0.0 or self.domain.has_facets(side.void_tag)):
            self.films[len(self.sides)] = sheet  # its Li content can change
        return sheet

    def _compile_integrals(self, electrodes: list[Electrode]) -> dict[str, Any]:
        """The post-processing integrals (compiled forms) and each side's averaging forms."""
        dolfinx = load_dolfinx()
        import ufl

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
                    self.domain.assembled(dolfinx.fem.form(vertex_test * w * electrode.ds)),
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
        return {name: dolfinx.fem.form(expr) for name, expr in posts.items()}

    def _open_writers(self) -> list[Any]:
        """φ_e and i = −κ∇φ_e writers in ``outdir/fields`` (when fields are written)."""
        dolfinx = load_dolfinx()
        import ufl

        if self.outdir is None or not self.case.outputs.fields or not dolfinx.has_adios2:
            return []
        flux_space = dolfinx.fem.functionspace(
            self.mesh, ("Discontinuous Lagrange", 0, (self.mesh.geometry.dim,)))
        self.current_field = dolfinx.fem.Function(flux_space, name="current_density")
        self._flux = dolfinx.fem.Expression(
            -self.kappa * ufl.grad(self.phi), flux_space.element.interpolation_points)
        fields = self.outdir / "fields"
        return [
            dolfinx.io.VTXWriter(self.comm, fields / "electrolyte.bp", [self.phi], engine="BP4"),
            dolfinx.io.VTXWriter(self.comm, fields / "current.bp", [self.current_field],
                                 engine="BP4"),
        ]

    def _initial_guess(self) -> None:
        """Start Newton at open circuit: V = U(voltage side) − U(ground side), φ_e = −U(ground).

        Without it a cathode (U ≈ 4 V) starts Butler–Volmer at exp(α f 4 V) ≈ 1e33."""
        ocv = list(self.ocp)
        for index, alloy in self.alloys.items():  # uniform initial content: same on every rank
            initial = self.case.material(alloy.layer).initial_concentration
            ocv[index] += float(alloy.open_circuit_potential(np.array([initial]))[0])
        if self.cathode is not None:
            x = self.cathode.material.initial_concentration / self.cathode.material.max_concentration
            ocv[1] += float(np.interp(x, self.cathode.table[:, 0], self.cathode.table[:, 1]))
        ground = 1 - self.voltage_side
        self.voltage.x.array[:] = ocv[self.voltage_side] - ocv[ground]
        self.phi.x.array[:] = -ocv[ground]

    def _new_problem(self) -> Any:
        """The Newton problem of the forms (collective); a new one after a PETSc error."""
        from dolfinx.fem.petsc import NonlinearProblem

        self._problems += 1
        return NonlinearProblem(
            self.forms.residual,
            self.unknowns,
            kind="mpi",
            petsc_options_prefix=f"ssbstack_echem_{id(self)}_{self._problems}_",
            petsc_options=petsc_solver_options(self.case),
            bcs=self.bcs,
        )

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
            # PETSc leaves the vectors of the aborted solve read-locked (the residual, as the
            # linear solve's right-hand side): every later solve on this problem would fail
            # ("object in wrong state") however short the sub-step. A new problem starts clean.
            self.problem = self._new_problem()
            cause = exc.__cause__ or exc.__context__  # a Python callback's own exception
            return StepResult(False, 0, message=f"electrochemistry solve failed in PETSc "
                              f"(error {exc.ierr}{f': {cause!r}' if cause else ''}): "
                              "no current path left?")
        solver = self.problem.solver
        reason, iterations = solver.getConvergedReason(), solver.getIterationNumber()
        if reason <= 0:
            if reason == PETSc.SNES.ConvergedReason.DIVERGED_LINEAR_SOLVE:
                # a failed factorisation (a singular system) stays in the solver: its next
                # solve, even of a regular system, would raise in PETSc (MUMPS: "invalid JOB")
                self.problem = self._new_problem()
            return StepResult(
                False, iterations,
                message=f"electrochemistry Newton solve diverged (SNES reason {reason}) after "
                f"{iterations} iterations; try a smaller current step or numerics.linear_solver",
            )
        for u in self.unknowns:
            u.x.scatter_forward()
        for index, alloy in self.alloys.items():
            if dt > 0.0 and not alloy.step(dt, self.currents.nodal_current(index, alloy.se_dofs)):
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

    def total(self, name: str) -> float:
        """One post-processing integral of the last solve (collective)."""
        from mpi4py import MPI

        dolfinx = load_dolfinx()
        return self.comm.allreduce(dolfinx.fem.assemble_scalar(self._post[name]), op=MPI.SUM)

    def _outputs(self, iterations: int) -> dict[str, float]:
        voltage = float(self.voltage.x.array[0])
        current = self.total("current_bottom")  # A (per unit depth in planar 2D)
        current_top = self.total("current_top")
        sheets = sum(self.total(f"sheet_{k}") for k in range(len(self.forms.sheet_dissipation)))
        mean_density = current / self.nominal_area
        bottom_minus_top = -voltage if self.cathode is not None else voltage
        leakage_density = self.leakage_conductance * bottom_minus_top / self.nominal_area
        values = {"voltage_V": voltage, "newton_iterations": float(iterations),
                  "leakage_current_A_m2": leakage_density}
        parts = ["ohmic_V", "kinetic_bottom_V", "kinetic_top_V", "interlayer_V", "constriction_V",
                 "asr_ohm_m2"]
        # collectives first, on every rank; branch on their (reduced) values only afterwards
        joule, power_bottom, power_top = (self.total(n) for n in ("joule", "power_bottom",
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
            values |= self.currents.side_values(name, side, integral)
        values["charge_balance_A"] = current + current_top
        return values

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
        return self.total(f"stored_{SIDES[index]}")

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
            gathered = [self.comm.gather(self.currents.nodal(side), root=0)
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
