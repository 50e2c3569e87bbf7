"""Electrode layers of the electrolyte model that carry Li of their own (physics.md §3.3, §3.7):
a meshed alloy interlayer with Li diffusion and U(c) (:class:`AlloyLayer`) and a homogenised
composite cathode (:class:`Cathode`). Each is owned by an
:class:`~ssbstack.numerics.electrochemistry.ElectrochemistryModel`, which builds them and calls
them from its solve, accept and reject.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

from ssbstack.compat import load_dolfinx
from ssbstack.config.schema import Kinetics
from ssbstack.errors import CaseError
from ssbstack.io.checkpoint import original_cell_keys
from ssbstack.meshing.stack import StackMesh
from ssbstack.meshing.tags import Interface
from ssbstack.numerics.solver_options import petsc_solver_options
from ssbstack.physics.electrochemistry import (
    FARADAY,
    ContactKinetics,
    Electrode,
    alloy_diffusion_residual,
    piecewise_linear,
    tabulated_diffusivity,
)

if TYPE_CHECKING:
    from ssbstack.numerics.electrochemistry import ElectrochemistryModel
    from ssbstack.numerics.electrode_sides import ElectrodeSide


MAX_OCP_CHANGE = 0.05  # V: largest change of an alloy's U(c_surface) in one time step (numerical)


class AlloyLayer:
    """Li diffusion with an open-circuit potential U(c) in a meshed interlayer (volume model).

    The layer is a metal-like mixed conductor: electronically equipotential with its electrode
    (σ_e large), so only its Li content matters; the reaction at its contact with the electrolyte
    uses η = φ_s − φ_e − U(c_surface) and removes Li at j/F (physics.md §3.3). The diffusivity
    is the material's constant D, or its table D(x = c/c_max) (log-linear; Newton per step).
    Coupling is
    staggered within a time step: U from the last accepted c, then φ_e, then c (backward Euler)
    with the new current — first order in time, like backward Euler itself.
    """

    def __init__(self, model: ElectrochemistryModel, stack_mesh: StackMesh, layer: str,
                 interface: Interface, side: ElectrodeSide):
        dolfinx = load_dolfinx()
        import ufl
        from dolfinx.fem.petsc import NonlinearProblem

        case = model.case
        material = case.material(layer)
        key = f"materials.{case.layer(layer).material}"
        for name in ("max_concentration", "initial_concentration", "open_circuit_potential"):
            if getattr(material, name) is None:
                raise CaseError("required for a volume interlayer with a diffusivity",
                                key=f"{key}.{name}")
        table = np.array(material.open_circuit_potential, dtype=float)
        if np.any(np.diff(table[:, 0]) <= 0.0):
            raise CaseError("x must increase down the table", key=f"{key}.open_circuit_potential")
        self.table, self.c_max, self.layer = table, material.max_concentration, layer
        self.mean_ocp = case.numerics.alloy_ocp == "interface_mean"
        if interface.sheets:
            raise CaseError("a volume interlayer next to the electrolyte cannot also carry sheets",
                            key=f"stack.{layer}")
        parent = stack_mesh.mesh
        tdim = parent.topology.dim
        cells = stack_mesh.cell_tags.find(stack_mesh.tags.cell(layer))
        self.mesh, cell_map, vertex_map, _ = dolfinx.mesh.create_submesh(parent, tdim, cells)
        self.cell_keys = original_cell_keys(self.mesh, parent, cell_map)
        self.mesh.topology.create_connectivity(tdim - 1, tdim)
        tags = dolfinx.mesh.transfer_meshtags_to_submesh(
            stack_mesh.facet_tags, self.mesh, vertex_map, cell_map)
        ds = ufl.Measure("ds", domain=self.mesh, subdomain_data=tags,
                         metadata={"quadrature_degree": 2 * case.numerics.element_degree + 2})
        space = dolfinx.fem.functionspace(self.mesh, ("Lagrange", case.numerics.element_degree))
        self.concentration = dolfinx.fem.Function(space, name=f"c_{layer}")
        self.previous = dolfinx.fem.Function(space)
        self.molar_flux = dolfinx.fem.Function(space)
        for function in (self.concentration, self.previous):
            function.x.array[:] = material.initial_concentration
        self.dt = dolfinx.fem.Constant(self.mesh, dolfinx.default_scalar_type(1.0))
        self.nonlinear = isinstance(material.diffusivity, list)  # a D(x) table
        if self.nonlinear:
            diffusivity = tabulated_diffusivity(self.concentration / self.c_max,
                                                material.diffusivity)
        else:
            diffusivity = dolfinx.fem.Constant(self.mesh, dolfinx.default_scalar_type(
                material.diffusivity))
        residual = alloy_diffusion_residual(
            self.concentration, self.previous, self.dt, diffusivity, self.molar_flux,
            ds(interface.contact_tag), model.domain.weight_on(self.mesh))
        options = petsc_solver_options(case)  # Newton for D(c); one linear solve for constant D
        if not self.nonlinear:
            options = {key: value for key, value in options.items()
                       if key.startswith(("ksp_", "pc_"))} | {"snes_type": "ksponly"}
        self.problem = NonlinearProblem(residual, self.concentration,
                                        petsc_options_prefix=f"ssbstack_alloy_{id(self)}_",
                                        petsc_options=options)
        # interface nodes: alloy dofs and the coinciding electrolyte dofs (local, with ghosts)
        fdim = tdim - 1
        self.alloy_dofs = dolfinx.fem.locate_dofs_topological(
            space, fdim, tags.find(interface.contact_tag))
        self.se_dofs = _match_points(model.comm, space.tabulate_dof_coordinates()[self.alloy_dofs],
                                     model.space.tabulate_dof_coordinates()[side.phi_dofs],
                                     side.phi_dofs, 1e-9 * model.thickness)
        self.ocp = dolfinx.fem.Function(model.space, name=f"ocp_{layer}")  # U at the SE nodes, V
        self.comm = model.comm
        owned = space.dofmap.index_map.size_local
        self._owned = self.alloy_dofs[self.alloy_dofs < owned]

    def open_circuit_potential(self, concentration: np.ndarray) -> np.ndarray:
        """U (V vs Li) of Li concentrations (mol/m³): the case's table, piecewise linear."""
        return np.interp(concentration / self.c_max, self.table[:, 0], self.table[:, 1])

    def update_ocp(self) -> None:
        """U(c) of the accepted state at the electrolyte's interface nodes: nodal, or U of the
        mean surface content (``numerics.alloy_ocp``; collective)."""
        surface = self.previous.x.array[self.alloy_dofs]
        if self.mean_ocp:
            surface = np.full(len(surface), self.c_max * self.surface_fraction(self.previous))
        self.ocp.x.array[self.se_dofs] = self.open_circuit_potential(surface)

    def step(self, dt: float, current: np.ndarray) -> bool:
        """Backward-Euler diffusion step with the nodal anodic current (A/m²) at the interface.

        False (the runner halves dt) when the solve fails or when U at the interface moved by
        more than ``MAX_OCP_CHANGE`` in the step: U enters the electrolyte solve from the last
        accepted state (staggered), so this bounds the lag where U(x) is steep (collective)."""
        from mpi4py import MPI

        self.dt.value = dt
        self.molar_flux.x.array[:] = 0.0
        self.molar_flux.x.array[self.alloy_dofs] = current / FARADAY
        self.concentration.x.array[:] = self.previous.x.array
        self.problem.solve()
        self.concentration.x.scatter_forward()
        if self.problem.solver.getConvergedReason() <= 0:
            return False
        if self.mean_ocp:  # the U the electrolyte sees: that of the mean surface content
            before, after = (self.open_circuit_potential(np.array([self.c_max * self.surface_fraction(f)]))
                             for f in (self.previous, self.concentration))
        else:
            before, after = (self.open_circuit_potential(f.x.array[self._owned])
                             for f in (self.previous, self.concentration))
        change = float(np.max(np.abs(after - before), initial=0.0))
        return self.comm.allreduce(change, op=MPI.MAX) <= MAX_OCP_CHANGE

    def surface_fraction(self, concentration: Any = None) -> float:
        """Mean c/c_max over the owned interface nodes of the layer, of the current solution or
        of ``concentration`` (collective)."""
        from mpi4py import MPI

        local = (concentration or self.concentration).x.array[self._owned]
        total = self.comm.allreduce(float(local.sum()), op=MPI.SUM)
        count = self.comm.allreduce(len(local), op=MPI.SUM)
        return total / count / self.c_max

    def accept(self) -> None:
        self.previous.x.array[:] = self.concentration.x.array

    def reject(self) -> None:
        self.concentration.x.array[:] = self.previous.x.array


class Cathode:
    """Homogenised composite cathode (physics.md §3.7) sharing φ_e with the electrolyte.

    In the cathode cells: Li⁺ conduction with the effective ionic conductivity of the composite
    (the material's ``ionic_conductivity``); the electronic phase is equipotential at the cell
    voltage V (so V = φ_cathode − φ_Li, positive); the reaction is spread over the volume,
    j_v = a BV(V − φ_e − U(x)) (A/m³) with a = ``specific_area`` and i₀ from the kinetics of the
    electrolyte|cathode interface; the Li content c (mol/m³ of composite, cell-wise DG0) is a
    Newton unknown of the same system: backward Euler F (c − c_old) + dt j_v = 0 per cell
    (anodic current delithiates), with U(x = c/c_max) the material's table as a piecewise-linear
    UFL function — implicit, so stable at any dt. The per-cell balance uses the residual's
    quadrature, so the Li gained equals the charge passed / F to round-off.
    """

    def __init__(self, model: ElectrochemistryModel, stack_mesh: StackMesh, layer: str,
                 cell_map: Any):
        dolfinx = load_dolfinx()
        import ufl

        case, mesh = model.case, model.mesh
        material = case.material(layer)
        key = f"materials.{case.layer(layer).material}"
        for name in ("ionic_conductivity", "specific_area", "max_concentration",
                     "initial_concentration", "open_circuit_potential"):
            if getattr(material, name) is None:
                raise CaseError("required for a cathode", key=f"{key}.{name}")
        self.table = np.array(material.open_circuit_potential, dtype=float)
        if np.any(np.diff(self.table[:, 0]) <= 0.0):
            raise CaseError("x must increase down the table", key=f"{key}.open_circuit_potential")
        self.material, self.comm = material, model.comm  # no back-reference: no cycle
        self.kappa = material.ionic_conductivity_at(case.conditions.temperature)
        tdim = mesh.topology.dim
        local = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
        parent = cell_map.sub_topology_to_topology(np.arange(local, dtype=np.int32), False)
        is_cathode = np.isin(parent, stack_mesh.cell_tags.find(stack_mesh.tags.cell(layer)))
        cells = np.arange(local, dtype=np.int32)
        tags = dolfinx.mesh.meshtags(mesh, tdim, cells, np.where(is_cathode, 1, 2).astype(np.int32))
        measure = ufl.Measure("dx", domain=mesh, subdomain_data=tags,
                              metadata={"quadrature_degree": 2 * case.numerics.element_degree + 2})
        self.dx, self.dx_other = measure(1), measure(2)
        self.space = dolfinx.fem.functionspace(mesh, ("Discontinuous Lagrange", 0))
        self.concentration = dolfinx.fem.Function(self.space, name="cathode_c")
        self.previous = dolfinx.fem.Function(self.space)
        for function in (self.concentration, self.previous):
            function.x.array[:] = material.initial_concentration
        self.accepted = self.previous.x.array.copy()  # c of the last accepted state
        self.dt = dolfinx.fem.Constant(mesh, dolfinx.default_scalar_type(0.0))
        self._cell_dofs = self.space.dofmap.list[cells[is_cathode], 0]

    def conductivity_field(self, electrolyte: float) -> Any:
        """κ (S/m): the electrolyte's, and the composite's effective value in the cathode."""
        dolfinx = load_dolfinx()
        kappa = dolfinx.fem.Function(self.space, name="conductivity")
        kappa.x.array[:] = electrolyte
        kappa.x.array[self._cell_dofs] = self.kappa
        return kappa

    def open_circuit_potential(self) -> Any:
        """U(c/c_max) (V) as a piecewise-linear UFL expression of the unknown c."""
        return piecewise_linear(self.concentration / self.material.max_concentration,
                                [(float(x), float(u)) for x, u in self.table])

    def electrode(self, potential: Any, kinetics: Kinetics, temperature: float) -> Electrode:
        """The cathode as a volumetric electrode (exchange current a i₀, A/m³)."""
        contact = ContactKinetics.at(kinetics, temperature)
        contact.exchange_current *= self.material.specific_area
        return Electrode(potential, contact, self.dx, None,
                         kinetics.open_circuit_potential + self.open_circuit_potential())

    def residual(self, current: Any, weight: Any) -> Any:
        """Backward Euler for c: F (c − c_old) + dt j_v = 0 in the cathode, c = c_old elsewhere
        (rows in C/m³ × measure); also prepares the lithiation average."""
        dolfinx = load_dolfinx()
        import ufl

        w = ufl.TestFunction(self.space)
        change = FARADAY * (self.concentration - self.previous)
        volume = dolfinx.fem.assemble_vector(dolfinx.fem.form(w * weight * self.dx))
        volume.scatter_reverse(dolfinx.la.InsertMode.add)
        self.volume = volume.array[:self.space.dofmap.index_map.size_local].copy()
        return ((change + self.dt * current) * w * weight * self.dx
                + change * w * weight * self.dx_other)

    def lithiation(self) -> float:
        """Volume-averaged c/c_max of the cathode (collective)."""
        from mpi4py import MPI

        values = self.concentration.x.array[:len(self.volume)]
        total = self.comm.allreduce(float(self.volume @ values), op=MPI.SUM)
        volume = self.comm.allreduce(float(self.volume.sum()), op=MPI.SUM)
        return total / volume / self.material.max_concentration

    def accept(self) -> None:
        self.previous.x.array[:] = self.concentration.x.array
        self.accepted = self.previous.x.array.copy()

    def advance(self) -> None:
        """The last solve's c becomes c_old of the next coupled sub-step (``reject`` still
        returns to the last ``accept``)."""
        self.previous.x.array[:] = self.concentration.x.array

    def reject(self) -> None:
        self.previous.x.array[:] = self.accepted
        self.concentration.x.array[:] = self.accepted


def _match_points(comm: Any, points: np.ndarray, candidates: np.ndarray, labels: np.ndarray,
                  tolerance: float) -> np.ndarray:
    """``labels`` of the candidate coinciding (within ``tolerance``, m) with each point."""
    def key(x: np.ndarray) -> tuple[int, ...]:
        return tuple(np.rint(x / tolerance).astype(np.int64))

    table = {key(x): int(label) for x, label in zip(candidates, labels, strict=True)}
    offsets = list(itertools.product((0, -1, 1), repeat=points.shape[1]))
    matched = np.empty(len(points), dtype=np.int64)
    for i, x in enumerate(points):
        base = np.array(key(x))
        found = next((table[k] for k in (tuple(base + o) for o in offsets) if k in table), None)
        matched[i] = -1 if found is None else found
    from mpi4py import MPI

    if comm.allreduce(int(np.sum(matched < 0)), op=MPI.SUM):  # every rank raises together
        raise RuntimeError("interface nodes without a matching electrolyte node "
                           "(the mesh is not conforming at the interface)")
    return matched
