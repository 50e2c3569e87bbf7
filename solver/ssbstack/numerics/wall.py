"""Frictionless unilateral contact of the stack's lateral surface with a rigid die wall (2D).

Source C presses its cell in a 10 mm PEEK die: Li that creeps outward meets the die wall. The wall
is a rigid obstacle at the stack's outermost lateral extent X plus a clearance c (``die_clearance``):
x = X + c in the axisymmetric r–z plane; x = X_max + c and x = X_min − c in plane strain. Every node
of the vertical side facets (tag ``side``; the horizontal ``side`` facets of a step between layers of
different radius are not lateral) is held by it through the gap

    g = (distance of the node from its wall in the unloaded mesh) + u·n,

with n the unit normal from the wall into the stack (−x on the outer wall, +x on the inner one in
plane strain): a node at the outer extent is free until it has moved outward by c. Positions are those
of the mesh at set-up (the unloaded geometry), so the gap is right on an updated-Lagrangian mesh too.

It is the same node-to-rigid-surface penalty law as a frictionless interface pair with the wall as a
fixed lower node (:func:`ssbstack.physics.mechanics.contact_pair_forces`, k_n = ``contact_penalty``
× E_max / h_min of the side facets; no tangential spring: the plates hold the stack): a closed node
carries p = −k_n g, so it overlaps the wall by p/k_n, and the active set is re-read each Newton
iteration. Tributary areas are the HRZ-lumped facet masses scaled to the side area (2πr weight when
axisymmetric), as for interface pairs. Every rank handles its owned side nodes; no communication per
iteration.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ssbstack.meshing.tags import SIDE
from ssbstack.numerics.contact import assembled_diagonal
from ssbstack.physics import mechanics as phys


class DieWall:
    """Side nodes, their areas, gaps and normals, and the wall's penalty terms (collective set-up)."""

    def __init__(self, V: Any, facet_tags: Any, comm: Any, weight: Any, fixed_dofs: np.ndarray,
                 vertical: int, axisymmetric: bool, clearance: float, penalty: float,
                 young: float):
        from ssbstack.compat import load_dolfinx

        dolfinx = load_dolfinx()
        import ufl
        from mpi4py import MPI

        self.comm = comm
        mesh = V.mesh
        fdim = mesh.topology.dim - 1
        gdim = self.gdim = mesh.geometry.dim
        if gdim != 2:
            raise ValueError("the die wall is implemented for 2D meshes only")
        lateral = 1 - vertical
        facets = _lateral_facets(dolfinx, mesh, facet_tags.find(SIDE), lateral)
        sizes = dolfinx.cpp.mesh.h(mesh._cpp_object, fdim, facets)
        self.size = comm.allreduce(float(sizes.min()) if sizes.size else np.inf, op=MPI.MIN)
        self.normal_stiffness = penalty * young / self.size
        marker = dolfinx.mesh.meshtags(mesh, fdim, np.sort(facets),
                                       np.ones(facets.size, dtype=np.int32))
        ds = ufl.Measure("ds", domain=mesh, subdomain_data=marker)(1)
        u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
        mass = assembled_diagonal(dolfinx, ufl.inner(u, v) * weight * ds).reshape(-1, gdim)[:, 0]
        self.total_area = comm.allreduce(
            dolfinx.fem.assemble_scalar(dolfinx.fem.form(weight * ds)), op=MPI.SUM)

        imap = V.dofmap.index_map
        nodes = dolfinx.fem.locate_dofs_topological(V, fdim, facets)
        nodes = np.unique(nodes[nodes < imap.size_local])
        x = V.tabulate_dof_coordinates()[nodes, lateral]
        found = comm.allgather((x.min(initial=np.inf), x.max(initial=-np.inf)))
        low, high = min(f[0] for f in found), max(f[1] for f in found)
        outer = np.ones(nodes.size, dtype=bool) if axisymmetric else x >= 0.5 * (low + high)
        self.gap0 = np.where(outer, high - x, x - low) + clearance  # m
        self.outer = outer
        self.walls = {True: high + clearance, False: low - clearance}  # outer, inner wall, m
        self.allowance = np.zeros(nodes.size)  # Li extruded past the wall per node, m
        self.normal = np.zeros((nodes.size, gdim))
        self.normal[:, lateral] = np.where(outer, -1.0, 1.0)
        diagonal = mass[nodes]
        scale = comm.allreduce(float(diagonal.sum()), op=MPI.SUM)
        self.area = diagonal * self.total_area / scale if scale > 0 else diagonal  # m² (m in 2D)
        self.nodes = nodes  # local (owned) node indices
        self.dofs = (imap.local_to_global(nodes)[:, None] * gdim + np.arange(gdim)).astype(np.int64)
        fixed = np.zeros(imap.size_local * gdim, dtype=bool)
        fixed[fixed_dofs[fixed_dofs < fixed.size]] = True
        self.free = ~fixed.reshape(-1, gdim)[nodes]  # (nodes, gdim)
        self.count = comm.allreduce(nodes.size, op=MPI.SUM)

    def gaps(self, displacement: np.ndarray, allowance: np.ndarray | None = None) -> np.ndarray:
        """g = g₀ + s + u·n (m) of the owned side nodes for total displacement dofs (local
        array); s is the thickness of Li extruded past the wall (``allowance``, default the
        wall's own, :mod:`ssbstack.numerics.extrusion`; 0 for a closed die)."""
        u = displacement.reshape(-1, self.gdim)[self.nodes]
        s = self.allowance if allowance is None else allowance
        return self.gap0 + s + np.einsum("pi,pi->p", u, self.normal)

    def add_to(self, b: Any | None, A: Any | None, displacement: np.ndarray) -> None:
        """Add the wall forces to ``b`` (= −residual) and, if given, their stiffness to ``A``;
        rows and columns of fixed dofs are left alone (collective: assembles b and A)."""
        from petsc4py import PETSc

        u = displacement.reshape(-1, self.gdim)[self.nodes]
        force, stiffness = phys.contact_pair_forces(
            u, self.gaps(displacement), self.normal, self.area, self.normal_stiffness, 0.0)
        dofs = self.dofs.astype(PETSc.IntType)
        mask = self.free.astype(float)
        if b is not None:
            b.setValues(dofs.ravel(), (force * mask).ravel(), addv=PETSc.InsertMode.ADD_VALUES)
        if A is not None:
            gdim = self.gdim
            blocks = stiffness * mask[:, :, None] * mask[:, None, :]
            A.setValuesIJV(np.arange(dofs.size + 1, dtype=PETSc.IntType) * gdim,
                           np.repeat(dofs, gdim, axis=0).ravel(), blocks.ravel(),
                           addv=PETSc.InsertMode.ADD_VALUES, rowmap=dofs.ravel())
        for assembled in (b, A):
            if assembled is not None:
                assembled.assemble()

    def mean_pressure(self, displacement: np.ndarray, allowance: np.ndarray | None = None
                      ) -> float:
        """Total normal wall force / side area (Pa) for total displacement dofs (collective)."""
        from mpi4py import MPI

        force = float(np.dot(self.area, self.pressures(displacement, allowance)))
        return self.comm.allreduce(force, op=MPI.SUM) / self.total_area

    def pressures(self, displacement: np.ndarray, allowance: np.ndarray | None = None
                  ) -> np.ndarray:
        """Wall pressure p = k_n⟨−g⟩ (Pa) at each owned side node."""
        return phys.contact_pressure(self.gaps(displacement, allowance), self.normal_stiffness)

    def summary(self, displacement: np.ndarray) -> dict[str, float]:
        """Area fraction of the sides touching the wall, mean wall pressure over the whole side
        area (total normal force / side area, Pa) and smallest gap (m; < 0: the penalty overlap)."""
        from mpi4py import MPI

        gap = self.gaps(displacement)
        touching = self.comm.allreduce(float(self.area[gap <= 0.0].sum()), op=MPI.SUM)
        smallest = self.comm.allreduce(float(gap.min(initial=np.inf)), op=MPI.MIN)
        return {"die_contact_fraction": touching / self.total_area,
                "die_pressure_Pa": self.mean_pressure(displacement), "min_die_gap_m": smallest}


def _lateral_facets(dolfinx: Any, mesh: Any, side: np.ndarray, lateral: int) -> np.ndarray:
    """The ``side`` facets that are vertical (no extent in the lateral coordinate), local indices."""
    fdim = mesh.topology.dim - 1
    nodes = dolfinx.mesh.entities_to_geometry(mesh, fdim, side.astype(np.int32))
    x = mesh.geometry.x[nodes]  # (facets, nodes per facet, 3)
    spread = np.ptp(x, axis=1)
    vertical_extent = np.delete(spread, lateral, axis=1)[:, :2].max(axis=1)
    return side[spread[:, lateral] <= 1e-9 * vertical_extent].astype(np.int32)
