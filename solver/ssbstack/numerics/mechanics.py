"""Quasi-static creep mechanics of the stack as a runner model (physics.md §3.4–3.5, §4).

:class:`MechanicsModel` owns the displacement increment, the quadrature-point history (stress,
equivalent creep strain, Anand deformation resistance), the plate position and the geometry of an
updated-Lagrangian mesh.

Stack-pressure fixture. The bottom collector is fixed in the stack direction; the top plate is
rigid and moves by δ. Its force balance, ∫_top σ_nn dA + P(δ) A = 0 with
P(δ) = P₀ + κ (δ − δ₀) (κ = k/A, δ₀ the plate position once P₀ is applied), is one global unknown
solved monolithically with the displacement by static condensation: each Newton iteration factors
the tangent once (MUMPS LDLᵀ: the tangent is symmetric; LU with ``numerics.symmetric_tangent =
false``) and solves twice, for the correction with the plate held (Δu₀) and for the response to a
unit plate motion (Δu₁); the plate correction dδ then makes the linearised force
balance exact and Δu = Δu₀ + dδ Δu₁. This is Newton on the coupled system (quadratic convergence),
with no penalty parameter. κ = 0 is a constant pressure, κ = ∞ a rigid gap (dδ = 0).

Time stepping. ``solve(time, dt)`` advances from the last accepted state by sub-steps it chooses
itself: a sub-step is redone smaller when Newton fails, when the equivalent creep strain increment
exceeds ``strain_increment_tolerance``, the Anand resistance changes by more than
``resistance_change_tolerance`` or the stack pressure by more than ``pressure_change_tolerance``
(each × 2), and grows when all are small. This keeps backward Euler accurate across the ~11
decades of Li creep rate between 0.1 and 5 MPa whatever ``dt`` the runner asks for.

Kinematics. Plane strain (planar2d), axisymmetric (x = r) or 3D from the mesh; with
``large_deformation`` the mesh follows each converged increment (updated Lagrangian) and a sub-step
is smoothed when a cell's shape quality drops below ``smoothing_quality`` × its initial value
(:mod:`ssbstack.numerics.mesh_smoothing`: interior nodes move, the history is carried over); it
fails when the quality still drops below ``min_mesh_quality`` × the initial value.

Interfaces. One continuous displacement field bonds every layer | layer interface. With
``interface_contact = "frictionless"`` the interfaces of the metal electrodes are split (their two
sides have separate nodes, :mod:`ssbstack.meshing.split`) and held by frictionless node-to-node
penalty contact that opens where the normal traction would turn tensile
(:mod:`ssbstack.numerics.contact`); the plating/stripping velocity then moves the Li surface at the
interface (a per-pair offset of the gap) instead of the through-thickness eigenstrain used for a
bonded electrode (which gets the volume and mean thickness exact but not the place). No remeshing.

Roll. With ``mechanics.roller`` a moving Hertz line-contact pressure on the top surface replaces
the plate (:mod:`ssbstack.numerics.roller`): its load is assembled at each sub-step's end time and
the sub-step is capped by the roll's travel.

Sides. Traction free, rollers (:mod:`ssbstack.numerics.fixture`) or, with ``sides = "die"``, a rigid
frictionless die wall at the outermost lateral extent + ``die_clearance`` held by the same penalty
contact law (:mod:`ssbstack.numerics.wall`, 2D only); with ``die_extrusion_gap`` the outer Li
layers creep into the plunger/die gap past it (:mod:`ssbstack.numerics.extrusion`).

Layout. The sub-step Newton is :mod:`ssbstack.numerics.mechanics_newton`, the stack measures
(thicknesses, volumes, mesh quality) :mod:`ssbstack.numerics.mechanics_measures`, the state and its
checkpoint rows :mod:`ssbstack.numerics.mechanics_state`, the output row and field files
:mod:`ssbstack.numerics.mechanics_outputs`, the contact and die-wall set-up with the pairs' bonds
and Li offsets :mod:`ssbstack.numerics.mechanics_contact` (mixins of :class:`MechanicsModel`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ssbstack.config.schema import Case
from ssbstack.errors import CaseError
from ssbstack.io.checkpoint import original_cell_keys
from ssbstack.meshing.stack import StackMesh, build_mesh
from ssbstack.meshing.tags import BOTTOM, TOP
from ssbstack.numerics.contact import contact_sides, split_interfaces
from ssbstack.numerics.mechanics_contact import MechanicsContact
from ssbstack.numerics.mechanics_measures import StackMeasures
from ssbstack.numerics.mechanics_newton import SubstepNewton, mpi, tangent_matrix
from ssbstack.numerics.mechanics_outputs import MechanicsOutputs
from ssbstack.numerics.mechanics_state import Checkpointing, MechanicsState
from ssbstack.numerics.mesh_smoothing import MeshSmoother
from ssbstack.numerics.model import Control, StepResult
from ssbstack.numerics.roller import COLUMNS as ROLLER_COLUMNS
from ssbstack.numerics.roller import RollerLoad
from ssbstack.numerics.solver_options import tangent_ksp
from ssbstack.physics import mechanics as phys

__all__ = ["COLUMNS", "MechanicsModel", "contact_sides", "kinematics_of", "split_interfaces"]

COLUMNS = [
    "stack_pressure_Pa",
    "li_thickness_m",
    "plate_displacement_m",
    "max_von_mises_Pa",
    "creep_strain_rate_interface_1_s",
    "newton_iterations",
    "substeps",
    "min_mesh_quality",
]
CONTACT_COLUMNS = ["contact_fraction", "max_gap_m", "max_overlap_m"]
DIE_COLUMNS = ["die_contact_fraction", "die_pressure_Pa", "min_die_gap_m"]
EXTRUSION_COLUMNS = ["extrusion_length_m", "extruded_volume_m3"]


def kinematics_of(case: Case, gdim: int) -> phys.Kinematics:
    """Plane strain for planar 2D, axisymmetric for an axisymmetric 2D mesh (or mesh file), else 3D."""
    if gdim == 3:
        return "3d"
    geometry = case.geometry
    kind = getattr(geometry, "file_kind", None) if geometry.kind == "file" else geometry.kind
    return "axisymmetric" if kind == "axisymmetric" else "plane_strain"


class MechanicsModel(SubstepNewton, StackMeasures, MechanicsContact, MechanicsOutputs,
                     Checkpointing):
    """Creep + elasticity of the whole stack under a pressure fixture (collective methods)."""

    time_dependent = True

    def __init__(self, case: Case, stack_mesh: StackMesh, comm: Any, outdir: Path | None = None):
        from ssbstack.compat import load_dolfinx

        load_dolfinx()
        import basix
        import basix.ufl
        import dolfinx
        import dolfinx.fem.petsc
        import ufl
        from petsc4py import PETSc

        self.dolfinx = dolfinx
        self.case, self.comm, self.outdir = case, comm, outdir
        self.config = config = case.mechanics
        sides = contact_sides(case)
        names = tuple(side.interface.name for side in sides)
        if stack_mesh.split != names:  # mechanics needs its own (split) mesh
            stack_mesh = build_mesh(case, comm, split=names)
        self.split = set(names)
        self.mesh = mesh = stack_mesh.mesh
        self.tags = stack_mesh.tags
        gdim = mesh.geometry.dim
        self.kin = kin = kinematics_of(case, gdim)
        self.vert = phys.vertical_axis(kin)
        self.ncomp = ncomp = phys.components(kin)
        tdim = mesh.topology.dim
        mesh.topology.create_connectivity(tdim - 1, tdim)

        degree = config.displacement_degree
        qdeg = max(1, 2 * (degree - 1))
        self.V = V = dolfinx.fem.functionspace(mesh, ("Lagrange", degree, (gdim,)))
        cell = mesh.topology.cell_name()
        Qs = dolfinx.fem.functionspace(
            mesh, basix.ufl.quadrature_element(cell, value_shape=(ncomp,), degree=qdeg))
        Qt = dolfinx.fem.functionspace(
            mesh, basix.ufl.quadrature_element(cell, value_shape=(ncomp, ncomp), degree=qdeg))
        Q1 = dolfinx.fem.functionspace(
            mesh, basix.ufl.quadrature_element(cell, value_shape=(), degree=qdeg))
        self.stress_q = dolfinx.fem.Function(Qs, name="stress")
        self.tangent_q = dolfinx.fem.Function(Qt, name="tangent")
        self.rate_q = dolfinx.fem.Function(Q1, name="creep_rate")
        self.qdofs = Qs.dofmap.list.ravel()  # (cell, point) → block of every quadrature function
        points, weights = basix.make_quadrature(mesh.basix_cell(), qdeg)
        self.nqp = len(weights)
        self.qweights = weights / weights.sum()
        cmap = mesh.topology.index_map(tdim)
        self.ncells = cmap.size_local + cmap.num_ghosts
        self.nowned = cmap.size_local
        self.cell_keys = original_cell_keys(mesh)

        self.du = dolfinx.fem.Function(V, name="displacement_increment")
        self.u_total = dolfinx.fem.Function(V, name="displacement")
        self.plate_field = dolfinx.fem.Function(V)
        self.direction = dolfinx.fem.Function(V)
        x = ufl.SpatialCoordinate(mesh)
        self.strain_expr = dolfinx.fem.Expression(phys.strain_vector(self.du, kin, x), points)
        dxq = ufl.Measure("dx", domain=mesh, subdomain_data=stack_mesh.cell_tags,
                          metadata={"quadrature_degree": qdeg, "quadrature_scheme": "default"})
        forms = phys.build_forms(self.du, self.stress_q, self.tangent_q, self.plate_field,
                                 self.direction, kin, dxq)
        self.residual = dolfinx.fem.form(forms.residual)
        self.jacobian = dolfinx.fem.form(forms.tangent)
        self.reaction = dolfinx.fem.form(forms.reaction)
        self.reaction_change = dolfinx.fem.form(forms.reaction_change)
        weight = phys.measure_weight(kin, x)
        ds = ufl.Measure("ds", domain=mesh, subdomain_data=stack_mesh.facet_tags)
        dxc = ufl.Measure("dx", domain=mesh, subdomain_data=stack_mesh.cell_tags)
        self.top_area = dolfinx.fem.form(weight * ds(TOP))
        self.bottom_area = dolfinx.fem.form(weight * ds(BOTTOM))

        self._set_materials(case, stack_mesh)
        first, last = case.stack[0].name, case.stack[-1].name
        self.volume_first = dolfinx.fem.form(weight * dxc(self.tags.cell(first)))
        self.volume_last = dolfinx.fem.form(weight * dxc(self.tags.cell(last)))
        self.interface_cells = self._interface_cells(stack_mesh)
        marker = dolfinx.mesh.meshtags(mesh, tdim, self.interface_cells,
                                       np.ones(self.interface_cells.size, dtype=np.int32))
        dxi = ufl.Measure("dx", domain=mesh, subdomain_data=marker,
                          metadata={"quadrature_degree": qdeg, "quadrature_scheme": "default"})
        self.interface_volume = dolfinx.fem.form(weight * dxi(1))
        self.interface_area, self.interface_lift = self._interface_forms(stack_mesh, weight)
        self.interface_rate = dolfinx.fem.form(self.rate_q * weight * dxi(1))

        self.PETSc = PETSc
        self._set_boundary_conditions(stack_mesh)
        self.contact = self._contact(stack_mesh, sides, weight) if sides else None
        self.wall = self._die_wall(stack_mesh, weight) if config.sides == "die" else None
        self.extrusion = self._die_extrusion() if config.die_extrusion_gap > 0.0 else None
        self.A = tangent_matrix(self.jacobian, self.contact, comm)
        self.roller = (RollerLoad(V, stack_mesh.facet_tags, config.roller, self.vert, comm)
                       if config.roller is not None else None)
        self.step_end = 0.0  # s, end time of the runner step being solved (the roll's clock)
        self.b = dolfinx.fem.petsc.create_vector(V)
        self.b1 = dolfinx.fem.petsc.create_vector(V)
        self.x0 = dolfinx.fem.petsc.create_vector(V)
        self.x1 = dolfinx.fem.petsc.create_vector(V)
        self.ksp = tangent_ksp(comm, self.A, case.numerics.symmetric_tangent,
                               case.numerics.linear_solver == "iterative", V)
        self.PETSc = PETSc

        npoints = self.ncells * self.nqp
        self.current = MechanicsState(np.zeros((npoints, ncomp)), np.zeros(npoints), 0.0,
                            mesh.geometry.x.copy(), self.u_total.x.array.copy(), 0.0,
                            resistance=self.material.initial_resistance(),
                            offset=np.zeros(self.contact.count if self.contact else 0),
                            bonded=self._initial_bonds(),
                            extrusion=self.extrusion.initial() if self.extrusion else np.zeros(0))
        self.accepted = self.current.copy()
        self.initial_quality = self._quality()
        self.smoother = (MeshSmoother(mesh, stack_mesh.facet_tags, comm, points)
                         if config.large_deformation and config.smoothing_quality > 0.0 else None)
        self.loaded = False  # P0 applied yet?
        self.plate_reference = 0.0  # δ₀
        self.kappa = config.stiffness_per_area()
        self.next_substep = math.inf  # the runner step's first sub-step, s
        self.proposed_substep = math.inf  # what the controller would take after the last one, s
        # Li surface speed at each contact pair (m/s, positive strips), set by the coupling;
        # None: the applied current's uniform v = jΩ/F
        self.pair_velocity: np.ndarray | None = None
        self.last_rate = np.zeros(npoints)
        self.last_increment: tuple[np.ndarray, float, float] | None = None  # Δu, plate, h
        self.last_contact_set: np.ndarray | None = None  # pairs in contact at the last answer
        self.writers: list[Any] = []
        if outdir is not None and dolfinx.has_adios2:
            self._open_writers(Path(outdir))

    # --- set-up -------------------------------------------------------------------------------

    def _set_materials(self, case: Case, stack_mesh: StackMesh) -> None:
        materials, names = [], []
        for layer in case.stack:
            if layer.name not in self.tags.layers:
                continue
            material = case.material(layer.name)
            for key in ("youngs_modulus", "poisson_ratio"):
                if getattr(material, key) is None:
                    raise CaseError(f"required for mechanics (layer '{layer.name}')",
                                    key=f"materials.{layer.material}.{key}")
            names.append(layer.name)
            materials.append(material)
        per_cell = np.full(self.ncells, -1, dtype=np.int64)
        ct = stack_mesh.cell_tags
        for index, name in enumerate(names):
            per_cell[ct.indices[ct.values == self.tags.cell(name)]] = index
        if np.any(per_cell < 0):
            raise CaseError("mesh has cells without a layer tag", key="geometry")
        self.cell_layer = per_cell
        point_material = np.repeat(per_cell, self.nqp)
        self.point_material = point_material
        self.material = phys.PointMaterial.from_materials(
            materials, point_material, case.conditions.temperature)
        first, last = case.stack[0], case.stack[-1]
        self.strip_points = np.flatnonzero(np.repeat(per_cell == 0, self.nqp))
        self.plate_points = np.flatnonzero(np.repeat(per_cell == len(names) - 1, self.nqp))
        self.molar_volume = {name: case.material(name).molar_volume
                             for name in (first.name, last.name)}
        self.electrodes = (first.name, last.name)

    def _set_boundary_conditions(self, stack_mesh: StackMesh) -> None:
        """Collector and plate constraints, lateral rollers, rigid-mode pins."""
        from ssbstack.numerics.fixture import fixture_constraints

        found = fixture_constraints(self.V, stack_mesh.facet_tags, self.config, self.vert,
                                    self.kin, self.comm)
        self.fixed_dofs, self.top_vertical = found.fixed_dofs, found.top_vertical
        self.bcs_hom, self.bcs_unit = found.homogeneous, found.unit_plate
        self.plate_field.x.array[:] = 0.0
        self.plate_field.x.array[found.top_vertical] = 1.0

    # --- small helpers ------------------------------------------------------------------------

    def _sum(self, form: Any) -> float:
        local = self.dolfinx.fem.assemble_scalar(form)
        return self.comm.allreduce(local, op=mpi().SUM)

    def _set_q(self, function: Any, values: np.ndarray) -> None:
        bs = function.function_space.dofmap.bs
        function.x.array.reshape(-1, bs)[self.qdofs] = values.reshape(self.qdofs.size, bs)

    def _restore(self, state: MechanicsState) -> None:
        self.current = state.copy()
        self.mesh.geometry.x[:] = state.geometry
        self.u_total.x.array[:] = state.displacement
        self._set_allowance(state)

    def _set_allowance(self, state: MechanicsState) -> None:
        """Let the die wall pass the Li extruded in ``state`` (nothing without extrusion)."""
        if self.extrusion is not None:
            self.wall.allowance = self.extrusion.allowance(state.extrusion)

    # --- one sub-step -------------------------------------------------------------------------

    def _commit(self, d: float, stress: np.ndarray, dp: np.ndarray, resistance: np.ndarray,
                stripped: float, offset: np.ndarray, h: float) -> float:
        """Make a converged sub-step the current state; returns the minimum mesh quality."""
        state = self.current
        state.stress, state.creep, state.offset = stress, state.creep + dp, offset
        state.resistance = resistance
        state.plate += d
        state.stripped += stripped
        state.pressure = self._pressure()  # on the geometry the balance was solved on
        self.last_rate = dp / h if h > 0 else np.zeros_like(dp)
        self.u_total.x.array[:] += self.du.x.array
        if self.config.large_deformation:
            geo = self.mesh.geometry
            gdim = geo.dim
            vertices = geo.dofmaps[0].shape[1]  # Lagrange dofs list the cell's vertices first
            cell_dofs = self.V.dofmap.list[:, :vertices].ravel()
            moved = self.du.x.array.reshape(-1, gdim)[cell_dofs]
            nodes = geo.dofmaps[0].ravel()
            geo.x[nodes, :gdim] = geo.x[nodes, :gdim] + moved
        worst = self._worst_quality()
        if self.smoother is not None and worst < self.config.smoothing_quality:
            worst = self._smooth()
        state.geometry = self.mesh.geometry.x.copy()
        state.displacement = self.u_total.x.array.copy()
        return worst

    def _smooth(self) -> float:
        """Move the untagged nodes to the harmonic extension of the tagged nodes' motion and
        carry the quadrature history over (:mod:`ssbstack.numerics.mesh_smoothing`); returns the
        new worst quality (collective)."""
        old = self.mesh.geometry.x.copy()
        new = self.smoother.relocated()
        source = self.smoother.sources(old, new)
        self.mesh.geometry.x[:] = new
        state = self.current
        state.stress, state.creep = state.stress[source], state.creep[source]
        state.resistance = state.resistance[source]
        self.last_rate = self.last_rate[source]
        self.u_total.x.array[:] += self.smoother.shift(old, new, self.V)
        self.smoother.count += 1
        return self._worst_quality()

    # --- the runner interface -----------------------------------------------------------------

    def columns(self) -> list[str]:
        """CSV columns of this model."""
        return (COLUMNS + (["mesh_smoothings"] if self.smoother else [])
                + (CONTACT_COLUMNS if self.contact else [])
                + (DIE_COLUMNS if self.wall else [])
                + (EXTRUSION_COLUMNS if self.extrusion else [])
                + (ROLLER_COLUMNS if self.roller else []))

    def solve(self, time: float, dt: float, control: Control) -> StepResult:
        """Advance from the last accepted state by ``dt`` (s) under ``control`` (collective)."""
        self._restore(self.accepted)
        self.step_end = time
        return self.advance(dt, control)

    def snapshot(self) -> MechanicsState:
        """The current (not yet accepted) state, for :meth:`rollback` (coupled sub-steps)."""
        return self.current.copy()

    def rollback(self, state: MechanicsState) -> None:
        """Return to a :meth:`snapshot` (collective)."""
        self._restore(state)

    def advance(self, dt: float, control: Control,
                start_from: tuple[np.ndarray, float] | None = None,
                converged_guess: bool = False, whole: bool = False) -> StepResult:
        """Advance the current state by ``dt`` (s) under ``control`` (collective).

        ``start_from``: a Newton guess (Δu dofs, plate increment) for a first sub-step of the
        whole ``dt`` (a coupled sub-step passes :meth:`increment_guess`); ``converged_guess``:
        it is the answer of this sub-step under slightly different Li surface speeds (its
        contact set is then the first Newton iteration's); ``whole``: ``dt`` in one sub-step
        or not at all (unconverged at once where it would be cut: the caller cuts instead)."""
        current = control.current_density or 0.0
        config = self.config
        total_iterations = substeps = hardest = 0
        elapsed = 0.0
        h = dt if dt == 0.0 else min(self.next_substep, dt)
        guess = np.zeros_like(self.du.x.array)
        plate_guess, h_previous = 0.0, 0.0
        if start_from is not None and dt > 0.0:
            h = h_previous = dt
            guess, plate_guess = start_from
        elif whole:
            h = dt
        quality = 1.0
        while True:
            remaining = dt - elapsed
            if self.roller is not None and dt > 0.0:
                h = min(h, self.roller.max_substep)
            h = remaining if remaining < 1.25 * h else h
            if self.roller is not None:  # the load at the sub-step's end
                self.roller.set_time(self.step_end - dt + elapsed + h)
            columns, sink = self._extruded(h)
            eigen = self._stripping_strain(h, current) + sink
            offset = self.current.offset + self._offset_increment(h, current)
            ok, its, d, (stress, dp), message = self._newton(
                h, eigen, offset, guess * (h / h_previous if h_previous else 0.0),
                plate_guess * (h / h_previous if h_previous else 0.0),
                self.last_contact_set if converged_guess and substeps == 0 and h == dt else None)
            total_iterations += its
            hardest = max(hardest, its)
            indicator = 0.0
            resistance = self.current.resistance
            if ok and h > 0.0:
                resistance = self.material.evolve_resistance(resistance, dp, h)
                owned = dp[: self.nowned * self.nqp]
                largest = float(owned.max()) if owned.size else 0.0
                strain_ratio = max(largest / config.strain_increment_tolerance,
                                   self._resistance_change(resistance)
                                   / config.resistance_change_tolerance)
                strain_ratio = self.comm.allreduce(strain_ratio, op=mpi().MAX)
                pressure_ratio = self._pressure_change() / config.pressure_change_tolerance
                indicator = max(strain_ratio, pressure_ratio)
            if ok and self.current.bonded.any():
                released = self._released(offset)
                if released.any():  # those pairs let go: solve this sub-step again without them
                    self.current.bonded = self.current.bonded & ~released
                    guess, plate_guess, h_previous = self.du.x.array.copy(), d, h
                    continue
            if not ok or (indicator > 2.0 and h > config.min_substep):
                if h <= config.min_substep or dt == 0.0 or whole:
                    if not message:
                        message = (f"sub-step {h:.3g} s: creep or pressure change "
                                   f"{indicator:.3g} × its tolerance" if ok else
                                   f"sub-step {h:.3g} s at its minimum")
                    return StepResult(False, total_iterations, message=message)
                h = max(config.min_substep, h * (0.25 if not ok else max(0.1, 0.7 / indicator)))
                self.du.x.array[:] = 0.0
                continue
            guess, plate_guess, h_previous = self.du.x.array.copy(), d, h
            self.last_increment = (guess, d, h)
            quality = self._commit(d, stress, dp, resistance, self._stripped_volume(h, current),
                                   offset, h)
            self.current.extrusion = columns
            if config.adhesion_strength > 0.0:  # a closed pair bonds (again)
                closed = self.contact.gaps(self.contact.relative_displacement(
                    self.u_total.x.array), offset) <= 0.0
                self.current.bonded = self.current.bonded | closed
            substeps += 1
            elapsed += h
            if quality < config.min_mesh_quality:
                return StepResult(False, total_iterations, message=(
                    f"mesh quality fell to {quality:.3g} of its initial value (limit "
                    f"{config.min_mesh_quality}) after mesh smoothing, which moves no boundary or "
                    "interface node; remeshing is not implemented"))
            growth = 3.0 if indicator <= 0.0 else min(3.0, 0.7 / indicator)
            if its > 8:
                growth = min(growth, 0.5)
            if dt > 0.0:
                self.proposed_substep = max(config.min_substep, h * growth)
            if dt == 0.0 or elapsed >= dt * (1.0 - 1e-12):
                break
            h = self.proposed_substep
        if dt > 0.0:
            self.next_substep = h
        if not self.loaded:
            self.plate_reference = self.current.plate
        values = self._values()
        values["newton_iterations"] = float(total_iterations)
        values["substeps"] = float(substeps)
        values["min_mesh_quality"] = quality
        if self.smoother is not None:
            values["mesh_smoothings"] = float(self.smoother.count)
        return StepResult(True, hardest, values)  # the runner judges ease by one solve's count

    def increment_guess(self, h: float) -> tuple[np.ndarray, float]:
        """The last sub-step's increment (Δu dofs, plate) scaled to a sub-step of ``h`` s, as a
        Newton guess; zero before the first one (or after a restart)."""
        if self.last_increment is None or self.last_increment[2] == 0.0:
            return np.zeros_like(self.du.x.array), 0.0
        du, plate, last = self.last_increment
        return du * (h / last), plate * (h / last)

    def _pressure(self) -> float:
        """Stack pressure (Pa) of the stress now in the quadrature functions."""
        return -self._sum(self.reaction) / self._sum(self.top_area)

    def _resistance_change(self, evolved: np.ndarray) -> float:
        """Largest relative change of the Anand resistance s in the sub-step just solved (owned
        points; 0 without that law): s is frozen within a sub-step, so this bounds its lag."""
        owned = self.nowned * self.nqp
        old = self.current.resistance[:owned]
        new = evolved[:owned]
        hard = old > 0.0
        return float(np.max(np.abs(new[hard] - old[hard]) / old[hard], initial=0.0))

    def _pressure_change(self) -> float:
        """Relative stack-pressure change of the sub-step just solved; with a die wall, also its
        mean wall-pressure change relative to the stack pressure (the lateral stress of a confined
        creeping layer evolves at a constant stack pressure)."""
        pressure, previous = self._pressure(), self.current.pressure
        change = abs(pressure - previous) / max(abs(previous), abs(pressure), 1e3)
        if self.wall is None:
            return change
        before = self.wall.mean_pressure(  # with the Li extruded before this sub-step
            self.u_total.x.array, self.extrusion.allowance(self.current.extrusion)
            if self.extrusion else None)
        after = self.wall.mean_pressure(self.u_total.x.array + self.du.x.array)
        return max(change, abs(after - before) / max(abs(previous), abs(pressure), 1e3))

    def accept(self) -> None:
        """Make the last solved state the history (collective)."""
        if not self.loaded:
            self.loaded = True
        self.accepted = self.current.copy()

    def reject(self) -> None:
        """Return to the last accepted state (collective)."""
        self._restore(self.accepted)

    def __del__(self) -> None:
        """Destroy the Newton matrix (see ``tangent_matrix``: nothing else frees it). Runs when
        the last reference goes, at the same statement on every rank, as models hold no
        reference cycles (tests/coupled/test_model_lifetimes.py). A model still alive at
        interpreter exit, after PETSc is finalized, has nothing left to destroy."""
        matrix = getattr(self, "A", None)
        if matrix is not None and not self.PETSc.Sys.isFinalized():
            matrix.destroy()
