"""Node-to-node frictionless contact across split interfaces (physics.md §3.5), for the mechanics Newton.

A split interface (:mod:`ssbstack.meshing.split`) has coincident node pairs: the upper layer's
node and the lower layer's copy. Each pair carries a tributary area w (HRZ-lumped facet mass, so
every node of a quadratic facet gets a positive share and the areas sum to the interface area),
a normal n from the lower to the upper side (the same lumping of the facet normals) and a gap

    g = g₀ + (u_upper − u_lower)·n + s,

with g₀ the initial gap (0 on contact facets, ``void_gap`` on void facets) and s the Li thickness
stripped from (s > 0) or plated onto (s < 0) the electrode side of the pair: the Li surface moves
relative to the Li material with v = jΩ/F, so stripping opens the gap and creep has to close it.
The penalty law and the pair forces are :func:`ssbstack.physics.mechanics.contact_pair_forces`.
Small sliding: pairs are fixed at set-up, so tangential slip must stay small against the mesh size
at the interface (µm slip on 10–50 µm interface cells in the bundled cases).

Parallel layout. The pair list is global and identical on every rank (sorted by coordinates, so
it is the same on any number of ranks: the per-pair state restarts N-to-M). Each Newton iteration
gathers the displacements of the interface nodes in an order fixed at set-up; the rank that owns
a pair's upper node adds the pair's residual and stiffness (rows of both nodes, stashed by PETSc
when off-process).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from ssbstack.config.schema import Case
from ssbstack.meshing.tags import Interface
from ssbstack.physics import mechanics as phys


@dataclass(frozen=True)
class ContactSide:
    """Which electrode a split interface touches: its stripping offset is s = sign × ∫v dt."""

    interface: Interface
    electrode: int  # 0 bottom (the interface's lower side), −1 top (its upper side)


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


class NodeContact:
    """Pairs, their areas and normals, and the penalty terms of the Newton system (collective)."""

    def __init__(self, V: Any, facet_tags: Any, sides: list[ContactSide], comm: Any,
                 weight: Any, fixed_dofs: np.ndarray, normal_stiffness: float,
                 tangential_stiffness: float, void_gap: float):
        from ssbstack.compat import load_dolfinx

        dolfinx = load_dolfinx()
        import ufl
        from mpi4py import MPI

        self.comm, self.V = comm, V
        self.normal_stiffness, self.tangential_stiffness = normal_stiffness, tangential_stiffness
        mesh = V.mesh
        fdim = mesh.topology.dim - 1
        gdim = self.gdim = mesh.geometry.dim
        imap = V.dofmap.index_map
        owned_nodes = imap.size_local

        # lumped areas and normals at the upper nodes, from the diagonals of two facet matrices
        u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
        normal = -ufl.FacetNormal(mesh)  # outward of the upper cells = from upper into lower
        upper_tags = [t for s in sides for t in (s.interface.contact_tag, s.interface.void_tag)]
        ds = ufl.Measure("ds", domain=mesh, subdomain_data=facet_tags)(tuple(upper_tags))
        mass = assembled_diagonal(dolfinx, ufl.inner(u, v) * weight * ds)
        oriented = assembled_diagonal(
            dolfinx, sum(normal[i] * u[i] * v[i] for i in range(gdim)) * weight * ds)
        area_form = dolfinx.fem.form(weight * ds)
        area = comm.allreduce(dolfinx.fem.assemble_scalar(area_form), op=MPI.SUM)

        coords = V.tabulate_dof_coordinates()
        fixed = np.zeros(V.dofmap.index_map.size_local * gdim, dtype=bool)
        fixed[fixed_dofs[fixed_dofs < fixed.size]] = True
        rows = []  # (x, y, z, side 0 lower / 1 upper, global node, void, interface, fixed flags...)
        for number, side in enumerate(sides):
            item = side.interface
            for tags, upper in (((item.contact_tag, item.void_tag), 1),
                                ((item.lower_contact_tag, item.lower_void_tag), 0)):
                for tag, void in zip(tags, (0, 1), strict=True):
                    nodes = dolfinx.fem.locate_dofs_topological(V, fdim, facet_tags.find(tag))
                    nodes = nodes[nodes < owned_nodes]
                    flags = fixed.reshape(-1, gdim)[nodes]
                    diag = mass.reshape(-1, gdim)[nodes, 0]
                    direction = oriented.reshape(-1, gdim)[nodes]
                    rows.append(np.column_stack([
                        coords[nodes], np.full(nodes.size, upper), imap.local_to_global(nodes),
                        np.full(nodes.size, void), np.full(nodes.size, number), flags, diag,
                        direction]))
        table = np.concatenate([np.concatenate(r) for r in comm.allgather(rows) if r] or
                               [np.zeros((0, 7 + 3 * gdim))])
        self.pairs = _pair_up(table, gdim, area, len(sides), comm)
        self.lower, self.upper = self.pairs["lower"], self.pairs["upper"]
        self.count = self.lower.size
        owned_global = imap.local_to_global(np.arange(owned_nodes))
        self.owner = np.isin(self.upper, owned_global)
        self.gap0 = np.where(self.pairs["void"], void_gap, 0.0)
        self._cached_layout: tuple | None = None  # see _layout
        self.electrode = np.array([sides[k].electrode for k in self.pairs["interface"]], dtype=int)
        # gather layout, fixed at set-up: each rank sends its owned pair nodes in this order, and
        # the pairs read their nodes from the concatenation at these positions
        mine = np.isin(owned_global, np.concatenate([self.lower, self.upper]))
        self.sent = np.flatnonzero(mine)  # local node indices this rank sends
        order = np.concatenate(comm.allgather(owned_global[mine]))
        sorter = np.argsort(order)
        self.lower_at, self.upper_at = (sorter[np.searchsorted(order, nodes, sorter=sorter)]
                                        for nodes in (self.lower, self.upper))

    def local_pair_nodes(self) -> np.ndarray:
        """(k, 2) local node indices (owned or ghost) of the lower and upper node of each pair
        this rank assembles whose two nodes are both on this rank: the blocks to preallocate in
        the Newton matrix (a pair with a node elsewhere is left to PETSc's insertion)."""
        imap = self.V.dofmap.index_map
        mine = np.flatnonzero(self.owner)
        nodes = np.column_stack([imap.global_to_local(self.lower[mine].astype(np.int64)),
                                 imap.global_to_local(self.upper[mine].astype(np.int64))])
        return nodes[(nodes >= 0).all(axis=1)].astype(np.int32)

    def reserve(self, A: Any) -> None:
        """Write explicit zeros into the pairs' blocks of ``A`` (not assembled: a final assembly
        drops preallocated entries that hold no value, so every block must be set before the
        first one to stay in the sparsity)."""
        from petsc4py import PETSc

        _, dofs, _, layout = self._layout()
        A.setValuesIJV(*layout, np.zeros(layout[1].size), addv=PETSc.InsertMode.ADD_VALUES,
                       rowmap=dofs.ravel())

    # --- per Newton iteration ---------------------------------------------------------------

    def relative_displacement(self, displacement: np.ndarray) -> np.ndarray:
        """u_upper − u_lower (pairs × d) of a total-displacement array (local dofs, collective)."""
        gdim = self.gdim
        sent = displacement.reshape(-1, gdim)[self.sent]
        gathered = np.concatenate(self.comm.allgather(sent)).reshape(-1, gdim)
        return gathered[self.upper_at] - gathered[self.lower_at]

    def gaps(self, relative: np.ndarray, stripped: np.ndarray) -> np.ndarray:
        """g = g₀ + (u_upper − u_lower)·n + s (m) of every pair."""
        return self.gap0 + np.einsum("pi,pi->p", relative, self.pairs["normal"]) + stripped

    def add_to(self, b: Any | None, A: Any | None, relative: np.ndarray, stripped: np.ndarray,
               active: np.ndarray | None = None, bonded: np.ndarray | None = None) -> None:
        """Add the contact forces to the right-hand side ``b`` (= −residual) and, if given, the
        contact stiffness to ``A``; rows and columns of fixed dofs are left alone. ``active``
        imposes the contact set, ``bonded`` pairs hold tension (see
        :func:`ssbstack.physics.mechanics.contact_pair_forces`)."""
        from petsc4py import PETSc

        force, stiffness = phys.contact_pair_forces(
            relative, self.gaps(relative, stripped), self.pairs["normal"], self.pairs["area"],
            self.normal_stiffness, self.tangential_stiffness, active, bonded)
        mine, dofs, mask, layout = self._layout()
        if b is not None:
            rhs = np.concatenate([-force[mine], force[mine]], axis=1) * mask
            b.setValues(dofs.ravel(), rhs.ravel(), addv=PETSc.InsertMode.ADD_VALUES)
        if A is not None:  # one CSR call: each of the pair's 2d rows couples its 2d dofs
            k = stiffness[mine]
            blocks = np.block([[k, -k], [-k, k]]) * (mask[:, :, None] * mask[:, None, :])
            A.setValuesIJV(*layout, blocks.ravel(), addv=PETSc.InsertMode.ADD_VALUES,
                           rowmap=dofs.ravel())
        for assembled in (b, A):
            if assembled is not None:
                assembled.assemble()

    def _layout(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Fixed at set-up, built once: this rank's pairs, their 2d dofs (lower then upper node,
        all components), the mask of free dofs and the CSR rows/columns of their stiffness."""
        if self._cached_layout is None:
            from petsc4py import PETSc

            gdim = self.gdim
            mine = np.flatnonzero(self.owner)
            width = 2 * gdim
            dofs = np.concatenate([self.lower[mine, None] * gdim + np.arange(gdim),
                                   self.upper[mine, None] * gdim + np.arange(gdim)], axis=1)
            dofs = dofs.astype(PETSc.IntType)
            mask = (~self.pairs["fixed"][mine]).reshape(-1, width).astype(float)
            indptr = np.arange(dofs.size + 1, dtype=PETSc.IntType) * width
            columns = np.repeat(dofs, width, axis=0).ravel()
            self._cached_layout = (mine, dofs, mask, (indptr, columns))
        return self._cached_layout

    # --- outputs ----------------------------------------------------------------------------

    def summary(self, relative: np.ndarray, stripped: np.ndarray,
                bonded: np.ndarray | None = None) -> dict[str, float]:
        """Contact area fraction (closed or bonded pairs), largest gap and largest overlap (m).
        The gap and overlap skip pairs of negligible area (< 1 % of the mean: the axis node of an
        axisymmetric mesh), whose contact holds almost nothing and whose gap says nothing about
        the interface."""
        if self.count == 0:
            return {"contact_fraction": float("nan"), "max_gap_m": 0.0, "max_overlap_m": 0.0}
        gap = self.gaps(relative, stripped)
        area = self.pairs["area"]
        closed = (gap <= 0.0) if bonded is None else (gap <= 0.0) | bonded
        counted = gap[area >= 1e-2 * area.mean()]
        return {"contact_fraction": float(area[closed].sum() / area.sum()),
                "max_gap_m": float(max(counted.max(initial=0.0), 0.0)),
                "max_overlap_m": float(max(-counted.min(initial=0.0), 0.0))}


def assembled_diagonal(dolfinx: Any, form: Any) -> np.ndarray:
    """Owned diagonal of an assembled bilinear form (local dof order)."""
    import dolfinx.fem.petsc

    matrix = dolfinx.fem.petsc.assemble_matrix(dolfinx.fem.form(form))
    matrix.assemble()
    diagonal = matrix.getDiagonal().array.copy()
    matrix.destroy()
    return diagonal


def _pair_up(table: np.ndarray, gdim: int, area: float, count: int, comm: Any) -> dict[str, np.ndarray]:
    """Match upper and lower nodes at equal coordinates; areas scaled to the interface area."""
    # a node on both a contact and a void facet counts once, as contact
    order = np.lexsort((table[:, 5], table[:, 4], table[:, 3]))
    table = table[order]
    first = np.ones(table.shape[0], dtype=bool)
    first[1:] = np.any(table[1:, 3:5] != table[:-1, 3:5], axis=1)
    table = table[first]
    side = table[:, 3].astype(int)
    key = np.round(table[:, :3] / max(np.abs(table[:, :3]).max(initial=0.0), 1e-300) * 2**40)
    _snap(key, side)
    order = np.lexsort((side, *key.T[::-1]))
    table, key = table[order], key[order]
    if table.shape[0] % 2 or not np.all(key[0::2] == key[1::2]) or np.any(table[0::2, 3] != 0) \
            or np.any(table[1::2, 3] != 1):
        raise RuntimeError("split interface nodes do not pair up (mesh not split as expected)")
    lower, upper = table[0::2], table[1::2]
    flags = 7  # column of the first fixed flag
    fixed = np.stack([lower[:, flags:flags + gdim], upper[:, flags:flags + gdim]], axis=1) > 0.5
    diag = upper[:, flags + gdim]
    direction = upper[:, flags + gdim + 1:flags + 2 * gdim + 1]
    normal = direction / np.linalg.norm(direction, axis=1)[:, None]
    return {
        "lower": lower[:, 4].astype(np.int64), "upper": upper[:, 4].astype(np.int64),
        "void": upper[:, 5] > 0.5, "interface": upper[:, 6].astype(int), "fixed": fixed,
        "area": diag * area / diag.sum() if diag.sum() > 0 else diag, "normal": normal,
        "x": upper[:, :3],
    }


def _snap(key: np.ndarray, side: np.ndarray) -> None:
    """Give an upper node whose rounded coordinates (``key``, integers) miss every lower node's
    the key of a lower node one unit away in each coordinate (in place): the two copies of a
    split node can differ in the last bits and round to neighbouring integers."""
    lower = {tuple(k) for k in key[side == 0]}
    for index in np.flatnonzero(side == 1):
        own = tuple(key[index])
        if own in lower:
            continue
        for shift in itertools.product((0.0, -1.0, 1.0), repeat=key.shape[1]):
            near = tuple(k + d for k, d in zip(own, shift, strict=True))
            if near in lower:
                key[index] = near
                break
