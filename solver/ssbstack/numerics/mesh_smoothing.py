"""Mesh smoothing for an updated-Lagrangian mechanics mesh (the mesh is an ALE mesh after it).

A creeping Li foil shears at its corners, and a mesh that follows the material there loses its
shape. When the worst cell's quality falls below ``mechanics.smoothing_quality`` × its initial
value, :class:`MeshSmoother` moves the mesh nodes back to a good position and carries the
quadrature history over:

- **Where the nodes go.** Every node on a tagged facet (outer boundary, layer interfaces, split
  contact sides, die wall side) keeps its place, so contact pairs, the wall and the layer volumes
  are untouched. Every other node goes to X + d, with X its position in the unloaded mesh and d
  the harmonic extension of the boundary nodes' displacement over the unloaded mesh
  (−Δd = 0 per component in the geometry's Lagrange space, P1 or P2, the Laplacian assembled
  and factorised once, at the first smoothing). An affine deformation is reproduced exactly, so
  smoothing a homogeneous state changes nothing. Quadrature points are located through the
  cells' vertices (straight cells), which on a curved (P2) geometry is an approximation for the
  transfer only.
- **What the nodes carry.** The displacement field is then the mesh's (node position − X), the
  same as before at every tagged facet; the contact, wall and interface measures read only those.
- **History transfer.** Each quadrature point of the moved mesh takes the history (stress, creep
  strain, Anand resistance, creep rate) of the nearest quadrature point of the old-mesh cell that
  contains it (first order, like the time stepping). A point that no local old cell contains (a
  ghost cell's point past the rank's halo) keeps its own values.

Collective: the harmonic solve is a distributed linear solve; the transfer is rank-local.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class MeshSmoother:
    """Harmonic relocation of the unconstrained nodes of a 2D/3D simplex mesh (collective).

    Cheap to build: the Laplacian is assembled and factorised only at the first smoothing, so a
    run that never smooths pays for nothing but the node bookkeeping."""

    def __init__(self, mesh: Any, facet_tags: Any, comm: Any, quadrature_points: np.ndarray):
        """``quadrature_points``: reference coordinates of the history's quadrature points."""
        from ssbstack.compat import load_dolfinx

        dolfinx = load_dolfinx()
        self.dolfinx, self.comm, self.mesh = dolfinx, comm, mesh
        tdim = mesh.topology.dim
        geo = mesh.geometry
        self.degree = degree = geo.cmaps[0].degree  # the nodes are the dofs of this Lagrange space
        self.W = W = dolfinx.fem.functionspace(mesh, ("Lagrange", degree))
        self.vertices = tdim + 1  # a cell's geometry nodes list its vertices first
        self.node_of_dof = np.empty(W.dofmap.index_map.size_local + W.dofmap.index_map.num_ghosts,
                                    dtype=np.int64)
        self.node_of_dof[W.dofmap.list.ravel()] = geo.dofmaps[0].ravel()
        self.unloaded = geo.x.copy()  # every geometry node's X, m
        self.reference = self.unloaded[self.node_of_dof, : geo.dim]  # X of each dof, m

        mesh.topology.create_connectivity(tdim - 1, tdim)
        tagged = np.union1d(facet_tags.indices, dolfinx.mesh.exterior_facet_indices(mesh.topology))
        self.fixed = dolfinx.fem.locate_dofs_topological(W, tdim - 1, tagged)
        self.boundary_motion = dolfinx.fem.Function(W)  # one component of the tagged nodes' move
        self.bc = dolfinx.fem.dirichletbc(self.boundary_motion, self.fixed)
        self.d = dolfinx.fem.Function(W)
        self.move = dolfinx.fem.Function(
            dolfinx.fem.functionspace(mesh, ("Lagrange", degree, (geo.dim,))))
        self.points = quadrature_points
        self.laplacian: Any = None  # form, matrix, solver and right-hand side: at first use
        self.count = 0  # smoothings so far

    def _set_up(self) -> None:
        """Assemble the Laplacian with the tagged nodes' rows and columns eliminated and factorise
        it once (collective); the geometry must be the unloaded one."""
        import dolfinx.fem.petsc
        import ufl
        from petsc4py import PETSc

        u, v = ufl.TrialFunction(self.W), ufl.TestFunction(self.W)
        self.laplacian = self.dolfinx.fem.form(ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx)
        self.A = dolfinx.fem.petsc.assemble_matrix(self.laplacian, bcs=[self.bc])
        self.A.assemble()
        self.ksp = PETSc.KSP().create(self.comm)
        self.ksp.setOperators(self.A)
        self.ksp.setType("preonly")
        self.ksp.getPC().setType("lu")
        self.ksp.getPC().setFactorSolverType("mumps")
        self.b = dolfinx.fem.petsc.create_vector(self.W)

    def relocated(self) -> np.ndarray:
        """New coordinates of every local geometry node (collective): tagged nodes stay, the
        others follow the harmonic extension of the tagged nodes' displacement. The geometry is
        left as it was."""
        import dolfinx.fem.petsc
        from petsc4py import PETSc

        geo = self.mesh.geometry
        gdim = geo.dim
        now = geo.x.copy()
        motion = now[self.node_of_dof, :gdim] - self.reference
        geo.x[:] = self.unloaded  # the Laplacian and its lifting live on the unloaded mesh
        if self.laplacian is None:
            self._set_up()
        new = now.copy()
        for axis in range(gdim):
            self.boundary_motion.x.array[:] = motion[:, axis]
            with self.b.localForm() as local:
                local.set(0.0)
            dolfinx.fem.petsc.apply_lifting(self.b, [self.laplacian], bcs=[[self.bc]])
            self.b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
            dolfinx.fem.petsc.set_bc(self.b, [self.bc])
            self.ksp.solve(self.b, self.d.x.petsc_vec)
            self.d.x.scatter_forward()
            new[self.node_of_dof, axis] = self.reference[:, axis] + self.d.x.array
        geo.x[:] = now
        new[self.node_of_dof[self.fixed], :gdim] = now[self.node_of_dof[self.fixed], :gdim]
        return new

    def shift(self, old: np.ndarray, new: np.ndarray, V: Any) -> np.ndarray:
        """The nodes' move new − old interpolated into the vector space ``V`` (its dof array)."""
        gdim = self.mesh.geometry.dim
        self.move.x.array.reshape(-1, gdim)[:] = (new - old)[self.node_of_dof, :gdim]
        moved = self.dolfinx.fem.Function(V)
        moved.interpolate(self.move)
        return moved.x.array

    def quadrature_coordinates(self, x: np.ndarray) -> np.ndarray:
        """Physical coordinates (cells × points, gdim) of the quadrature points for nodes ``x``."""
        geo = self.mesh.geometry
        corners = x[geo.dofmaps[0][:, : self.vertices], : geo.dim]  # (cells, tdim + 1, gdim)
        edges = corners[:, 1:] - corners[:, :1]  # (cells, tdim, gdim)
        return corners[:, None, 0, :] + np.einsum("pk,ckg->cpg", self.points, edges)

    def sources(self, old: np.ndarray, new: np.ndarray) -> np.ndarray:
        """For every quadrature point of the mesh with nodes ``new`` (flattened cell-major), the
        index of the nearest quadrature point of the old-mesh (nodes ``old``) cell containing it;
        its own index where no local old cell contains it. The geometry is left as it was."""
        dolfinx = self.dolfinx
        geo = self.mesh.geometry
        targets = self.quadrature_coordinates(new).reshape(-1, geo.dim)
        before = self.quadrature_coordinates(old)
        nqp = self.points.shape[0]
        source = np.arange(targets.shape[0])
        cells = source // nqp
        inside = _contains(old[geo.dofmaps[0][:, : self.vertices], : geo.dim][cells], targets)
        search = np.flatnonzero(~inside)
        if search.size:
            kept = geo.x.copy()
            geo.x[:] = old
            tree = dolfinx.geometry.bb_tree(self.mesh, self.mesh.topology.dim)
            padded = np.zeros((search.size, 3))
            padded[:, : geo.dim] = targets[search]
            candidates = dolfinx.geometry.compute_collisions_points(tree, padded)
            found = dolfinx.geometry.compute_colliding_cells(self.mesh, candidates, padded)
            for k, point in enumerate(search):
                hits = found.links(k)
                if hits.size:
                    cells[point] = hits[0]
            geo.x[:] = kept
        distance = np.linalg.norm(before[cells] - targets[:, None, :], axis=2)
        moved = cells != source // nqp
        nearest = cells * nqp + np.argmin(distance, axis=1)
        return np.where(moved | inside, nearest, source)


def _contains(corners: np.ndarray, points: np.ndarray, tolerance: float = 1e-10) -> np.ndarray:
    """Is each point inside (or on) its simplex? corners (n, tdim + 1, gdim), points (n, gdim)."""
    edges = np.swapaxes(corners[:, 1:] - corners[:, :1], 1, 2)  # (n, gdim, tdim)
    local = np.linalg.solve(edges, (points - corners[:, 0])[..., None])[..., 0]
    return (local.min(axis=1) >= -tolerance) & (local.sum(axis=1) <= 1.0 + tolerance)
