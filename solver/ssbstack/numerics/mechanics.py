"""Quasi-static creep mechanics of the stack as a runner model (physics.md §3.4–3.5, §4).

:class:`MechanicsModel` owns the displacement increment, the quadrature-point history (stress,
equivalent creep strain, Anand deformation resistance), the plate position and the geometry of an
updated-Lagrangian mesh.

Stack-pressure fixture. The bottom collector is fixed in the stack direction; the top plate is
rigid and moves by δ. Its force balance, ∫_top σ_nn dA + P(δ) A = 0 with
P(δ) = P₀ + κ (δ − δ₀) (κ = k/A, δ₀ the plate position once P₀ is applied), is one global unknown
solved monolithically with the displacement by static condensation: each Newton iteration factors
the tangent once and solves twice, for the correction with the plate held (Δu₀) and for the
response to a unit plate motion (Δu₁); the plate correction dδ then makes the linearised force
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
fails when a cell's shape quality drops below ``min_mesh_quality`` × its initial value.

Interfaces. One continuous displacement field bonds every layer | layer interface. With
``interface_contact = "frictionless"`` the interfaces of the metal electrodes are split (their two
sides have separate nodes, :mod:`ssbstack.meshing.split`) and held by frictionless node-to-node
penalty contact that opens where the normal traction would turn tensile
(:mod:`ssbstack.numerics.contact`); the plating/stripping velocity then moves the Li surface at the
interface (a per-pair offset of the gap) instead of the through-thickness eigenstrain used for a
bonded electrode (which gets the volume and mean thickness exact but not the place). No remeshing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ssbstack.config.schema import FARADAY, Case
from ssbstack.errors import CaseError
from ssbstack.io.checkpoint import (
    function_rows,
    geometry_rows,
    original_cell_keys,
    restore_function,
    restore_geometry,
    saved_rows,
    scalar_rows,
)
from ssbstack.meshing.stack import StackMesh, build_mesh
from ssbstack.meshing.tags import BOTTOM, TOP
from ssbstack.numerics.contact import ContactSide, NodeContact
from ssbstack.numerics.model import Cellwise, Control, StepResult
from ssbstack.physics import mechanics as phys

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


@dataclass
class _State:
    """Everything a rejected step must restore."""

    stress: np.ndarray  # (points, ncomp) Mandel, Pa
    creep: np.ndarray  # (points,) equivalent creep strain
    plate: float  # δ, m (top plate displacement from the unloaded geometry)
    geometry: np.ndarray  # mesh coordinates, m
    displacement: np.ndarray  # total displacement dofs (output only), m
    stripped: float  # Li volume removed from the bottom electrode, m³ (m² per m in 2D)
    pressure: float = 0.0  # stack pressure, Pa
    resistance: np.ndarray | None = None  # (points,) Anand deformation resistance s, Pa (else 0)
    offset: np.ndarray = field(default_factory=lambda: np.zeros(0))  # Li removed per contact pair, m
    bonded: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # pairs holding tension

    def copy(self) -> _State:
        return _State(self.stress.copy(), self.creep.copy(), self.plate, self.geometry.copy(),
                      self.displacement.copy(), self.stripped, self.pressure,
                      self.resistance.copy(), self.offset.copy(), self.bonded.copy())


def kinematics_of(case: Case, gdim: int) -> phys.Kinematics:
    """Plane strain for planar 2D, axisymmetric for an axisymmetric 2D mesh (or mesh file), else 3D."""
    if gdim == 3:
        return "3d"
    geometry = case.geometry
    kind = getattr(geometry, "file_kind", None) if geometry.kind == "file" else geometry.kind
    return "axisymmetric" if kind == "axisymmetric" else "plane_strain"


def contact_sides(case: Case) -> list[ContactSide]:
    """The electrode interfaces held by frictionless contact (none for bonded interfaces)."""
    if case.mechanics.interface_contact == "bonded" or not case.tags.interfaces:
        return []
    layers, interfaces = case.tags.layers, case.tags.interfaces
    sides = [ContactSide(item, electrode) for item, electrode, layer in
             ((interfaces[0], 0, layers[0]), (interfaces[-1], -1, layers[-1]))
             if case.material(layer).kind == "metal"]
    if len(sides) == 2 and sides[0].interface == sides[1].interface:
        sides = sides[:1]
    return sides  # never empty for a validated case (Case refuses contact without a metal end)


def split_interfaces(case: Case) -> tuple[str, ...]:
    """Names of the interfaces the mechanics mesh must split (see :func:`contact_sides`)."""
    return tuple(side.interface.name for side in contact_sides(case))


class MechanicsModel:
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
        self.A = dolfinx.fem.petsc.create_matrix(self.jacobian)
        self.contact = self._contact(stack_mesh, sides, weight) if sides else None
        self.b = dolfinx.fem.petsc.create_vector(V)
        self.b1 = dolfinx.fem.petsc.create_vector(V)
        self.x0 = dolfinx.fem.petsc.create_vector(V)
        self.x1 = dolfinx.fem.petsc.create_vector(V)
        self.ksp = PETSc.KSP().create(comm)
        self.ksp.setType("preonly")
        pc = self.ksp.getPC()
        pc.setType("lu")
        pc.setFactorSolverType("mumps")
        self.PETSc = PETSc

        npoints = self.ncells * self.nqp
        self.current = _State(np.zeros((npoints, ncomp)), np.zeros(npoints), 0.0,
                            mesh.geometry.x.copy(), self.u_total.x.array.copy(), 0.0,
                            resistance=self.material.initial_resistance(),
                            offset=np.zeros(self.contact.count if self.contact else 0),
                            bonded=self._initial_bonds())
        self.accepted = self.current.copy()
        self.initial_quality = self._quality()
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

    def _interface_cells(self, stack_mesh: StackMesh) -> np.ndarray:
        """Cells of the first layer with a facet on the first interface (tag 100)."""
        tdim = self.mesh.topology.dim
        ft = stack_mesh.facet_tags
        if not self.tags.interfaces:
            return np.zeros(0, dtype=np.int32)
        first = self.tags.interfaces[0]
        tag = first.side_tags(first.lower, first.name in self.split)[0]
        facets = ft.indices[ft.values == tag]
        f2c = self.mesh.topology.connectivity(tdim - 1, tdim)
        cells = np.unique(np.concatenate([f2c.links(f) for f in facets] or [np.zeros(0, np.int32)]))
        cells = cells[self.cell_layer[cells] == 0]
        return cells[cells < self.nowned].astype(np.int32)

    def _interface_forms(self, stack_mesh: StackMesh, weight: Any) -> tuple[Any, Any]:
        """Area and ∫ u_vertical of the first electrode's interface (its own side when split)."""
        import ufl

        form = self.dolfinx.fem.form
        mesh = self.mesh
        if not self.tags.interfaces:
            return form(0.0 * ufl.dx(domain=mesh)), form(0.0 * ufl.dx(domain=mesh))
        first = self.tags.interfaces[0]
        lift = self.u_total[self.vert]
        if first.name in self.split:
            tag = first.side_tags(first.lower, True)[0]
            ds = ufl.Measure("ds", domain=mesh, subdomain_data=stack_mesh.facet_tags)
            return form(weight * ds(tag)), form(lift * weight * ds(tag))
        dS = ufl.Measure("dS", domain=mesh, subdomain_data=stack_mesh.facet_tags)
        return (form(ufl.avg(weight) * dS(first.contact_tag)),
                form(ufl.avg(lift) * ufl.avg(weight) * dS(first.contact_tag)))

    def _contact(self, stack_mesh: StackMesh, sides: list[ContactSide], weight: Any) -> NodeContact:
        """Node-to-node contact of the split interfaces; k_n = penalty × E_max / h_min."""
        dolfinx = self.dolfinx
        fdim = self.mesh.topology.dim - 1
        facets = np.concatenate([stack_mesh.facet_tags.find(s.interface.contact_tag) for s in sides])
        sizes = dolfinx.cpp.mesh.h(self.mesh._cpp_object, fdim, facets.astype(np.int32))
        size = self.comm.allreduce(float(sizes.min()) if sizes.size else math.inf, op=_mpi().MIN)
        self.contact_size = size  # smallest interface facet, m
        young = max(self.case.material(layer).youngs_modulus for layer in self.tags.layers)
        config = self.config
        self.A.setOption(self.PETSc.Mat.Option.NEW_NONZERO_ALLOCATION_ERR, False)
        return NodeContact(self.V, stack_mesh.facet_tags, sides, self.comm, weight,
                           self.fixed_dofs, config.contact_penalty * young / size,
                           config.tangential_stiffness, config.void_gap)

    def _initial_bonds(self) -> np.ndarray:
        """With an adhesion strength: every pair that starts closed (not a seeded void)."""
        if self.contact is None or self.config.adhesion_strength == 0.0:
            return np.zeros(self.contact.count if self.contact else 0, dtype=bool)
        return ~self.contact.pairs["void"].astype(bool)

    def _released(self, offset: np.ndarray) -> np.ndarray:
        """Bonded pairs whose tension at the Newton answer now in Δu exceeds σ_ad (collective)."""
        relative = self.contact.relative_displacement(self.u_total.x.array + self.du.x.array)
        return phys.adhesion_release(self.contact.gaps(relative, offset), self.current.bonded,
                                     self.contact.normal_stiffness, self.config.adhesion_strength)

    def _offset_increment(self, h: float, current_density: float) -> np.ndarray:
        """Li thickness removed at each contact pair in ``h`` s: v h on the stripped electrode's
        pairs, −v h (plating) on the other's (v = jΩ/F, positive j strips the bottom)."""
        contact = self.contact
        if self.pair_velocity is not None:
            return self.pair_velocity * h
        if contact is None or current_density == 0.0 or h == 0.0:
            return np.zeros(contact.count if contact else 0)
        speed = {which: self.plating_velocity(which, current_density) for which in (0, -1)}
        return np.where(contact.electrode == 0, speed[0] * h, -speed[-1] * h)

    def _set_boundary_conditions(self, stack_mesh: StackMesh) -> None:
        """Collector and plate constraints, lateral rollers, rigid-mode pins."""
        from ssbstack.numerics.fixture import fixture_constraints

        found = fixture_constraints(self.V, stack_mesh.facet_tags, self.config, self.vert,
                                    self.kin, self.comm)
        self.fixed_dofs, self.top_vertical = found.fixed_dofs, found.top_vertical
        self.bcs_hom, self.bcs_unit = found.homogeneous, found.unit_plate
        self.plate_field.x.array[:] = 0.0
        self.plate_field.x.array[found.top_vertical] = 1.0

    def _open_writers(self, outdir: Path) -> None:
        dolfinx = self.dolfinx
        W0 = dolfinx.fem.functionspace(self.mesh, ("Discontinuous Lagrange", 0))
        self.von_mises_field = dolfinx.fem.Function(W0, name="von_mises")
        self.creep_field = dolfinx.fem.Function(W0, name="equivalent_creep_strain")
        folder = outdir / "fields"
        folder.mkdir(parents=True, exist_ok=True)
        self.writers = [
            dolfinx.io.VTXWriter(self.comm, str(folder / "displacement.bp"), [self.u_total]),
            dolfinx.io.VTXWriter(self.comm, str(folder / "creep.bp"),
                                 [self.von_mises_field, self.creep_field]),
        ]

    # --- small helpers ------------------------------------------------------------------------

    def _sum(self, form: Any) -> float:
        local = self.dolfinx.fem.assemble_scalar(form)
        return self.comm.allreduce(local, op=_mpi().SUM)

    def _set_q(self, function: Any, values: np.ndarray) -> None:
        bs = function.function_space.dofmap.bs
        function.x.array.reshape(-1, bs)[self.qdofs] = values.reshape(self.qdofs.size, bs)

    def _quality(self) -> np.ndarray:
        """Shape quality of owned cells (1 = equilateral; negative = inverted)."""
        geo = self.mesh.geometry
        x = geo.x[geo.dofmaps[0][: self.nowned], : geo.dim]
        edges = x[:, 1:] - x[:, :1]
        tdim = self.mesh.topology.dim
        if tdim == 2:
            size = 0.5 * (edges[:, 0, 0] * edges[:, 1, 1] - edges[:, 0, 1] * edges[:, 1, 0])
            lengths = sum(np.sum((x[:, i] - x[:, j]) ** 2, axis=1)
                          for i, j in ((0, 1), (1, 2), (0, 2)))
            return 4.0 * math.sqrt(3.0) * size / lengths
        if x.shape[1] != 4:
            return np.ones(self.nowned)
        size = np.linalg.det(edges) / 6.0
        pairs = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
        lrms = np.sqrt(sum(np.sum((x[:, i] - x[:, j]) ** 2, axis=1) for i, j in pairs) / 6.0)
        return 6.0 * math.sqrt(2.0) * size / lrms**3

    def _restore(self, state: _State) -> None:
        self.current = state.copy()
        self.mesh.geometry.x[:] = state.geometry
        self.u_total.x.array[:] = state.displacement

    def electrode_thickness(self, which: int) -> float:
        """Mean thickness (m) of the first (0) or last (−1) layer: volume / collector area."""
        volume = self._sum(self.volume_first if which == 0 else self.volume_last)
        return volume / self._sum(self.top_area if which else self.bottom_area)

    def li_thickness(self) -> float:
        """Mean thickness (m) of the first layer; on a fixed (small-strain) mesh the initial one
        plus the mean displacement of its top (the first interface; its bottom is fixed); less
        the Li stripped at a contact interface."""
        thickness = self.electrode_thickness(0) - self._removed(0) / self.collector_area()
        if self.config.large_deformation or not self.tags.interfaces:
            return thickness
        return thickness + self._sum(self.interface_lift) / self._sum(self.interface_area)

    def _removed(self, which: int) -> float:
        """Li volume (m³; m² per m in 2D) taken off electrode ``which`` at its contact interface."""
        contact = self.contact
        if contact is None:
            return 0.0
        mine = contact.electrode == which
        return float(np.dot(contact.pairs["area"][mine], self.current.offset[mine]))

    def collector_area(self) -> float:
        """Area of the bottom collector face (m²; m per metre of depth in 2D)."""
        return self._sum(self.bottom_area)

    def layer_volume(self, which: int) -> float:
        """Volume of the first (0) or last (−1) layer (m³; m² per metre of depth in 2D): the
        meshed volume less what stripping took off (plus what plating added) at its contact."""
        return self._sum(self.volume_first if which == 0 else self.volume_last) - self._removed(which)

    # --- one sub-step -------------------------------------------------------------------------

    def _stripping_strain(self, h: float, current_density: float) -> np.ndarray:
        """Eigenstrain increments for a sub-step ``h`` under ``current_density`` (A/m²).

        v = j Ω/F strips the first layer and plates the last one (positive j), each only if it is
        a metal; the thickness-direction eigenstrain −v h / H is spread over the layer (H its mean
        thickness), so the layer's volume changes by exactly v h A.
        """
        eigen = np.zeros((self.current.stress.shape[0], self.ncomp))
        if current_density == 0.0 or h == 0.0:
            return eigen
        moving_surface = {int(e) for e in self.contact.electrode} if self.contact else set()
        for which, points, sign in ((0, self.strip_points, -1.0), (-1, self.plate_points, 1.0)):
            if which in moving_surface:
                continue  # stripped or plated at its contact interface instead
            velocity = self.plating_velocity(which, current_density)
            if velocity != 0.0:
                eigen[points, self.vert] = sign * velocity * h / self.electrode_thickness(which)
        return eigen

    def plating_velocity(self, which: int, current_density: float) -> float:
        """Li surface speed v = j Ω/F (m/s) of electrode ``which`` (0 bottom, −1 top); 0 for a
        layer that is not a metal (a cathode's volume change is not Li plating)."""
        layer = self.electrodes[which]
        if current_density == 0.0 or self.case.material(layer).kind != "metal":
            return 0.0
        omega = self.molar_volume[layer]
        if omega is None:
            key = f"materials.{self.case.layer(layer).material}.molar_volume"
            raise CaseError("required to strip or plate this layer", key=key)
        return current_density * omega / FARADAY

    def _newton(self, h: float, eigen: np.ndarray, offset: np.ndarray, guess: np.ndarray,
                plate_guess: float, first_set: np.ndarray | None = None
                ) -> tuple[bool, int, float, tuple[np.ndarray, np.ndarray], str]:
        """Solve one sub-step (``offset``: contact-pair offsets at its end); returns
        (ok, iterations, plate increment, (σ, Δp), message). The first iteration keeps the
        contact set ``first_set`` (default: that of the sub-step's start)."""
        fem_petsc = self.dolfinx.fem.petsc
        PETSc = self.PETSc
        numerics = self.case.numerics
        rtol = max(numerics.newton_rtol, 1e-11)
        kappa = self.kappa if self.loaded else 0.0
        rigid = math.isinf(kappa)
        area = self._sum(self.top_area)
        d = 0.0 if rigid else plate_guess
        self.du.x.array[:] = guess
        self.du.x.array[self.fixed_dofs] = 0.0
        self.du.x.array[self.top_vertical] = d
        p0 = self.case.conditions.stack_pressure
        bonded = self.current.bonded
        stress = dp = None
        round_off = False  # last correction at round-off level
        first = last_norm = 0.0
        for iteration in range(numerics.newton_max_iterations + 1):
            self.du.x.scatter_forward()
            strain = self.strain_expr.eval(self.mesh, np.arange(self.ncells, dtype=np.int32))
            try:
                stress, tangent, dp, _ = phys.return_map(
                    self.current.stress, strain.reshape(-1, self.ncomp), eigen, h, self.material,
                    self.kin, self.current.resistance)
                mapped = 1
            except ArithmeticError:  # on this rank only: decide together, then cut the step
                mapped = 0
            if not self.comm.allreduce(mapped, op=_mpi().MIN):
                return False, iteration, d, (self.current.stress, None), (
                    "creep return map did not converge at some quadrature points")
            self._set_q(self.stress_q, stress)
            self._set_q(self.tangent_q, tangent)
            force = self._sum(self.reaction)
            target = p0 if rigid else (p0 + kappa * (self.current.plate + d - self.plate_reference)
                                       if self.loaded else p0)
            balance = 0.0 if rigid else force + target * area
            _zero(self.b)
            fem_petsc.assemble_vector(self.b, self.residual)
            self.b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
            self.b.scale(-1.0)
            predictor = None
            if self.contact is not None:
                relative = self.contact.relative_displacement(
                    self.u_total.x.array + self.du.x.array)
                if iteration == 0:  # the first step keeps the contact set of the sub-step's
                    # start: the stripping offset alone would open a whole interface at once
                    # (a floating layer: a singular tangent)
                    predictor = first_set if first_set is not None else self.contact.gaps(
                        self.contact.relative_displacement(self.u_total.x.array),
                        self.current.offset) <= 0.0
                    if np.array_equal(predictor | bonded,
                                      (self.contact.gaps(relative, offset) <= 0.0) | bonded):
                        predictor = None  # the same set: the ordinary residual
                self.contact.add_to(self.b, None, relative, offset, predictor, bonded)
            fem_petsc.set_bc(self.b, self.bcs_hom)
            scale = max(abs(force), abs(target) * area if math.isfinite(target) else 0.0,
                        1e3 * area)
            balanced = abs(balance) <= rtol * scale
            norm = self.b.norm()
            # at the round-off floor: small and no longer falling (the penalty contact's floor
            # lies near 3e-10 of the force on the 2 um RVE)
            floor = iteration > 0 and 0.25 * last_norm <= norm <= 100.0 * rtol * scale
            if (((norm <= rtol * scale or floor) and balanced) or round_off) and predictor is None:
                if self.contact is not None:
                    self.last_contact_set = self.contact.gaps(relative, offset) <= 0.0
                return True, iteration, d, (stress, dp), ""
            first = norm if iteration == 0 else first
            last_norm = norm
            if iteration == numerics.newton_max_iterations or (
                    iteration >= 12 and norm > 1e-4 * first):
                break  # no quadratic convergence in sight: let the caller cut the step
            self.A.zeroEntries()
            fem_petsc.assemble_matrix(self.A, self.jacobian, bcs=self.bcs_hom)
            self.A.assemble()
            if self.contact is not None:
                self.contact.add_to(None, self.A, relative, offset, predictor, bonded)
            self.ksp.setOperators(self.A)
            self.ksp.solve(self.b, self.x0)
            if self.ksp.getConvergedReason() < 0:
                reason = self.ksp.getConvergedReason()
                return False, iteration, d, (stress, dp), f"linear solve failed ({reason})"
            correction = self.x0.array_r.copy()
            if not rigid:
                _zero(self.b1)
                fem_petsc.apply_lifting(self.b1, [self.jacobian], bcs=[self.bcs_unit])
                self.b1.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
                fem_petsc.set_bc(self.b1, self.bcs_unit)
                self.ksp.solve(self.b1, self.x1)
                unit = self.x1.array_r.copy()
                a0 = self._directional(correction)
                a1 = self._directional(unit)
                step = -(balance + a0) / (a1 + kappa * area)
                correction += step * unit
                d += step
            nlocal = correction.size
            self.du.x.array[:nlocal] += correction
            size = np.abs(self.du.x.array[:nlocal]).max(initial=0.0)
            change = np.abs(correction).max(initial=0.0)
            round_off = self.comm.allreduce(change, op=_mpi().MAX) <= 1e-12 * max(
                self.comm.allreduce(size, op=_mpi().MAX), 1e-300)
        return False, iteration, d, (stress, dp), (
            f"mechanics Newton did not converge in {iteration} iterations")

    def _directional(self, owned: np.ndarray) -> float:
        """Linear change of the plate reaction along a correction (owned dof values)."""
        self.direction.x.array[: owned.size] = owned
        self.direction.x.scatter_forward()
        return self._sum(self.reaction_change)

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
        state.geometry = self.mesh.geometry.x.copy()
        state.displacement = self.u_total.x.array.copy()
        quality = self._quality() / self.initial_quality
        return self.comm.allreduce(float(quality.min()) if quality.size else 1.0, op=_mpi().MIN)

    # --- the runner interface -----------------------------------------------------------------

    def columns(self) -> list[str]:
        """CSV columns of this model."""
        return COLUMNS + (CONTACT_COLUMNS if self.contact else [])

    def solve(self, time: float, dt: float, control: Control) -> StepResult:
        """Advance from the last accepted state by ``dt`` (s) under ``control`` (collective)."""
        self._restore(self.accepted)
        return self.advance(dt, control)

    def snapshot(self) -> _State:
        """The current (not yet accepted) state, for :meth:`rollback` (coupled sub-steps)."""
        return self.current.copy()

    def rollback(self, state: _State) -> None:
        """Return to a :meth:`snapshot` (collective)."""
        self._restore(state)

    def advance(self, dt: float, control: Control,
                start_from: tuple[np.ndarray, float] | None = None,
                converged_guess: bool = False) -> StepResult:
        """Advance the current state by ``dt`` (s) under ``control`` (collective).

        ``start_from``: a Newton guess (Δu dofs, plate increment) for a first sub-step of the
        whole ``dt`` (a coupled sub-step passes :meth:`increment_guess`); ``converged_guess``:
        it is the answer of this sub-step under slightly different Li surface speeds (its
        contact set is then the first Newton iteration's)."""
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
        quality = 1.0
        while True:
            remaining = dt - elapsed
            h = remaining if remaining < 1.25 * h else h
            eigen = self._stripping_strain(h, current)
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
                strain_ratio = self.comm.allreduce(strain_ratio, op=_mpi().MAX)
                pressure_ratio = self._pressure_change() / config.pressure_change_tolerance
                indicator = max(strain_ratio, pressure_ratio)
            if ok and self.current.bonded.any():
                released = self._released(offset)
                if released.any():  # those pairs let go: solve this sub-step again without them
                    self.current.bonded = self.current.bonded & ~released
                    guess, plate_guess, h_previous = self.du.x.array.copy(), d, h
                    continue
            if not ok or (indicator > 2.0 and h > config.min_substep):
                if h <= config.min_substep or dt == 0.0:
                    return StepResult(False, total_iterations, message=message or
                                      f"sub-step {h:.3g} s at its minimum")
                h = max(config.min_substep, h * (0.25 if not ok else max(0.1, 0.7 / indicator)))
                self.du.x.array[:] = 0.0
                continue
            guess, plate_guess, h_previous = self.du.x.array.copy(), d, h
            self.last_increment = (guess, d, h)
            quality = self._commit(d, stress, dp, resistance, self._stripped_volume(h, current),
                                   offset, h)
            if config.adhesion_strength > 0.0:  # a closed pair bonds (again)
                closed = self.contact.gaps(self.contact.relative_displacement(
                    self.u_total.x.array), offset) <= 0.0
                self.current.bonded = self.current.bonded | closed
            substeps += 1
            elapsed += h
            if quality < config.min_mesh_quality:
                return StepResult(False, total_iterations, message=(
                    f"mesh quality fell to {quality:.3g} of its initial value (limit "
                    f"{config.min_mesh_quality}); remeshing is not implemented"))
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
        """Relative stack-pressure change of the sub-step just solved."""
        pressure, previous = self._pressure(), self.current.pressure
        return abs(pressure - previous) / max(abs(previous), abs(pressure), 1e3)

    def _stripped_volume(self, h: float, current_density: float) -> float:
        """Li volume (m³, or m² per m in 2D) stripped from the first layer in ``h`` seconds."""
        return self.plating_velocity(0, current_density) * h * self.collector_area()

    def _values(self) -> dict[str, float]:
        """One row of outputs for the current (just solved) state."""
        pressure = self.current.pressure
        owned = self.nowned * self.nqp
        vm = phys.von_mises(self.current.stress[:owned], self.kin)
        self._set_q(self.rate_q, self.last_rate)
        volume = self._sum(self.interface_volume)
        rate = self._sum(self.interface_rate) / volume if volume > 0 else math.nan
        return {
            "stack_pressure_Pa": pressure,
            "li_thickness_m": self.li_thickness(),
            "plate_displacement_m": self.current.plate,
            "max_von_mises_Pa": self.comm.allreduce(float(vm.max()) if vm.size else 0.0,
                                                    op=_mpi().MAX),
            "creep_strain_rate_interface_1_s": rate,
            **self.contact_summary(),
        }

    def contact_summary(self) -> dict[str, float]:
        """Contact fraction, largest gap and overlap (m) of the current state (collective)."""
        contact = self.contact
        if contact is None:
            return {}
        relative = contact.relative_displacement(self.u_total.x.array)
        return contact.summary(relative, self.current.offset, self.current.bonded)

    def pair_gaps(self) -> np.ndarray:
        """Gap g (m) of every contact pair in the current state (global, every rank; collective)."""
        contact = self.contact
        relative = contact.relative_displacement(self.u_total.x.array)
        return contact.gaps(relative, self.current.offset)

    def accept(self) -> None:
        """Make the last solved state the history (collective)."""
        if not self.loaded:
            self.loaded = True
        self.accepted = self.current.copy()

    def reject(self) -> None:
        """Return to the last accepted state (collective)."""
        self._restore(self.accepted)

    def state(self) -> dict[str, Cellwise]:
        """The accepted state as cell-wise checkpoint rows (collective)."""
        self.reject()  # the accepted state is in the functions and the mesh
        owned, keys, accepted = self.nowned, self.cell_keys, self.accepted
        scalars = [accepted.plate, accepted.stripped, accepted.pressure, self.plate_reference,
                   float(self.loaded), self.next_substep]
        return {
            "mechanics_stress": (keys[:owned], accepted.stress.reshape(self.ncells, -1)[:owned]),
            "mechanics_creep": (keys[:owned], accepted.creep.reshape(self.ncells, -1)[:owned]),
            "mechanics_resistance": (keys[:owned],
                                     accepted.resistance.reshape(self.ncells, -1)[:owned]),
            "mechanics_displacement": function_rows(self.u_total, keys),
            "mechanics_geometry": geometry_rows(self.mesh, keys),
            "mechanics_scalars": scalar_rows(np.array(scalars)),
            "mechanics_contact_offset": scalar_rows(accepted.offset),
            "mechanics_contact_bonded": scalar_rows(accepted.bonded.astype(float)),
        }

    def restore(self, arrays: dict[str, Cellwise]) -> None:
        """Set the accepted state from checkpoint rows, on any number of ranks (collective)."""
        keys = self.cell_keys

        def rows(name: str) -> np.ndarray:
            return saved_rows(keys, arrays[name])

        restore_geometry(self.mesh, keys, arrays["mechanics_geometry"])
        restore_function(self.u_total, keys, arrays["mechanics_displacement"])
        plate, stripped, pressure, reference, loaded, substep = arrays["mechanics_scalars"][1][0]
        resistance = (rows("mechanics_resistance").ravel() if "mechanics_resistance" in arrays
                      else self.material.initial_resistance())  # checkpoints before the Anand law
        self.current = _State(rows("mechanics_stress").reshape(-1, self.ncomp),
                            rows("mechanics_creep").ravel(), float(plate),
                            self.mesh.geometry.x.copy(), self.u_total.x.array.copy(),
                            float(stripped), float(pressure), resistance,
                            arrays.get("mechanics_contact_offset", scalar_rows(
                                np.zeros(self.current.offset.size)))[1][0].copy(),
                            arrays["mechanics_contact_bonded"][1][0] > 0.5
                            if "mechanics_contact_bonded" in arrays else self._initial_bonds())
        self.plate_reference, self.loaded = float(reference), bool(loaded)
        self.next_substep = float(substep)
        self.accept()

    @property
    def stripped_volume(self) -> float:
        """Li volume stripped from the first layer since the start (accepted + current)."""
        return self.current.stripped

    def write_fields(self, time: float) -> None:
        """Write u, von Mises and equivalent creep strain (VTX, collective)."""
        if not self.writers:
            return
        vm = phys.von_mises(self.current.stress, self.kin).reshape(self.ncells, self.nqp)
        creep = self.current.creep.reshape(self.ncells, self.nqp)
        dofmap = self.von_mises_field.function_space.dofmap.list.ravel()
        self.von_mises_field.x.array[dofmap] = vm @ self.qweights
        self.creep_field.x.array[dofmap] = creep @ self.qweights
        for writer in self.writers:
            writer.write(time)

    def close(self) -> None:
        """Close writers (collective)."""
        for writer in self.writers:
            writer.close()
        self.writers = []


def _zero(vector: Any) -> None:
    """Zero a ghosted PETSc vector including its ghost entries (zeroEntries skips them)."""
    with vector.localForm() as local:
        local.set(0.0)


def _mpi() -> Any:
    from mpi4py import MPI

    return MPI
