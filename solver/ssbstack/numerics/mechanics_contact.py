"""Contact of the mechanics (part of :class:`~ssbstack.numerics.mechanics.MechanicsModel`): the
node-to-node contact of split interfaces and the rigid die wall as set up for the model, the
pairs' adhesion bonds and release, and the Li thickness each pair loses or gains in a sub-step."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ssbstack.errors import CaseError
from ssbstack.meshing.stack import StackMesh
from ssbstack.numerics.contact import ContactSide, NodeContact
from ssbstack.numerics.extrusion import DieExtrusion, entry_profile
from ssbstack.numerics.mechanics_newton import mpi
from ssbstack.numerics.wall import DieWall
from ssbstack.physics import mechanics as phys


class MechanicsContact:
    """Mixin of :class:`MechanicsModel`: reads the model's space, configuration and state."""

    def _contact(self, stack_mesh: StackMesh, sides: list[ContactSide], weight: Any) -> NodeContact:
        """Node-to-node contact of the split interfaces; k_n = penalty × E_max / h_min."""
        dolfinx = self.dolfinx
        fdim = self.mesh.topology.dim - 1
        facets = np.concatenate([stack_mesh.facet_tags.find(s.interface.contact_tag) for s in sides])
        sizes = dolfinx.cpp.mesh.h(self.mesh._cpp_object, fdim, facets.astype(np.int32))
        size = self.comm.allreduce(float(sizes.min()) if sizes.size else math.inf, op=mpi().MIN)
        self.contact_size = size  # smallest interface facet, m
        young = max(self.case.material(layer).youngs_modulus for layer in self.tags.layers)
        config = self.config
        return NodeContact(self.V, stack_mesh.facet_tags, sides, self.comm, weight,
                           self.fixed_dofs, config.contact_penalty * young / size,
                           config.tangential_stiffness, config.void_gap)

    def _die_wall(self, stack_mesh: StackMesh, weight: Any) -> DieWall:
        """The rigid die wall at the outermost lateral extent + ``die_clearance`` (2D)."""
        young = max(self.case.material(layer).youngs_modulus for layer in self.tags.layers)
        return DieWall(self.V, stack_mesh.facet_tags, self.comm, weight, self.fixed_dofs,
                       self.vert, self.kin == "axisymmetric", self.config.die_clearance,
                       self.config.contact_penalty, young)

    def _die_extrusion(self) -> DieExtrusion:
        """Columns of Li in the plunger/die gap fed by the outer layers that creep; a wall node
        feeds the columns of the layers holding it (equal shares) unless a layer that does not
        extrude holds it too, weighted by the entry profile (:func:`entry_profile`; collective)."""
        import ufl

        dolfinx = self.dolfinx
        names = [layer.name for layer in self.case.stack if layer.name in self.tags.layers]
        cells = self.V.dofmap.list
        member = []
        for index in range(len(names)):
            marker = dolfinx.fem.Function(self.V)
            marker.x.array.reshape(-1, self.mesh.geometry.dim)[
                np.unique(cells[self.cell_layer == index]), 0] = 1.0
            marker.x.scatter_reverse(dolfinx.la.InsertMode.add)
            member.append(marker.x.array.reshape(-1, self.mesh.geometry.dim)[self.wall.nodes, 0] > 0)
        laws = {}
        for index in sorted({0, len(names) - 1}):
            material = self.case.material(names[index])
            if material.creep is None:
                continue
            if material.creep.model == "anand":
                raise CaseError(f"layer '{names[index]}' creeps by the Anand law; the extrusion "
                                "column needs a steady law (norton or garofalo)",
                                key="mechanics.die_extrusion_gap")
            laws[index] = phys.CreepRate(material.creep, self.case.conditions.temperature)
        if not laws:
            raise CaseError("neither outer layer creeps: nothing can extrude into the gap",
                            key="mechanics.die_extrusion_gap")
        holders = np.sum(member, axis=0)
        others = np.sum([m for j, m in enumerate(member) if j not in laws], axis=0)
        share = np.where((holders > 0) & (others == 0), 1.0 / np.maximum(holders, 1), 0.0)
        height = self.V.tabulate_dof_coordinates()[self.wall.nodes, self.vert]
        blocked = (holders > 0) & (others > 0)
        by_name = {layer.name: layer.thickness for layer in self.case.stack}
        thickness = {index: by_name[names[index]] for index in laws}
        node_layers = {}
        for index in laws:
            profile = np.ones(height.size)
            for outer in (True, False):
                side = self.wall.outer == outer
                stops = np.concatenate(self.comm.allgather(height[side & blocked]))
                profile[side] = entry_profile(height[side], stops, thickness[index])
            node_layers[index] = share * member[index] * profile
        space = dolfinx.fem.functionspace(self.mesh, ("DG", 0))
        weight = phys.measure_weight(self.kin, ufl.SpatialCoordinate(self.mesh))
        self.cell_volume = dolfinx.fem.form(weight * ufl.TestFunction(space) * ufl.dx)
        self.fixed_point_volumes: np.ndarray | None = None  # small strain: assembled once
        return DieExtrusion(self.wall, node_layers, self._rims(thickness), laws,
                            self.config.die_extrusion_gap, self.kin == "axisymmetric", self.comm,
                            exit_at_rim=self.config.die_extrusion_exit == "rim")

    def _point_volumes(self) -> np.ndarray:
        """Volume (m³; m² per metre in plane strain) of each quadrature point of the owned cells
        in the current configuration (ghost cells' points 0); on a fixed (small-strain) mesh
        assembled once."""
        if self.fixed_point_volumes is not None:
            return self.fixed_point_volumes
        volume = np.zeros(self.ncells)
        volume[: self.nowned] = self.dolfinx.fem.assemble_vector(
            self.cell_volume).array[: self.nowned]
        volumes = np.outer(volume, self.qweights).ravel()
        if not self.config.large_deformation:
            self.fixed_point_volumes = volumes
        return volumes

    def _rims(self, thickness: dict[int, float]) -> dict[tuple[int, bool], np.ndarray]:
        """For each extruding layer (index: its thickness, m) and wall (outer?), the quadrature
        points of its owned cells whose centre lies within the layer's thickness of the wall
        (collective)."""
        dolfinx = self.dolfinx
        tdim = self.mesh.topology.dim
        cells = np.arange(self.nowned, dtype=np.int32)
        centre = dolfinx.mesh.compute_midpoints(self.mesh, tdim, cells)[:, 1 - self.vert]
        rims = {}
        for index, width in thickness.items():
            for outer, position in self.wall.walls.items():
                near = (self.cell_layer[: self.nowned] == index) & (
                    np.abs(position - centre) <= width)
                chosen = cells[near]
                needed = outer or self.kin != "axisymmetric"
                if needed and self.comm.allreduce(chosen.size, op=mpi().SUM) == 0:
                    raise CaseError(f"no cell of layer '{self.tags.layers[index]}' lies within its "
                                    "thickness of the die wall: refine geometry.mesh",
                                    key="mechanics.die_extrusion_gap")
                points = (chosen[:, None] * self.nqp + np.arange(self.nqp)).ravel()
                rims[(index, outer)] = points
        return rims

    def _extruded(self, h: float) -> tuple[np.ndarray, np.ndarray]:
        """Column lengths after a sub-step of ``h`` s from the current state, with the wall set
        to pass that Li, and the rims' sink eigenstrain increments that take it out instead
        (zero unless it leaves at the rim; collective); the state's lengths and no sink when
        nothing extrudes."""
        if self.extrusion is None:
            return self.current.extrusion, np.zeros((self.current.stress.shape[0], self.ncomp))
        volumes = self._point_volumes()
        columns = self.extrusion.advance(self.current.extrusion, self.current.stress, volumes, h)
        self.wall.allowance = self.extrusion.allowance(columns)
        return columns, self.extrusion.sink(self.current.extrusion, columns, volumes,
                                            1 - self.vert, self.ncomp)

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
