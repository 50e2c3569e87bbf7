"""The map between the electrolyte's interface dofs and the mechanics contact pairs (coupling).

Both models live on one split mesh (:mod:`ssbstack.meshing.split`): the electrolyte submesh holds
the electrolyte's side of each split Li | SE interface, and every contact pair
(:mod:`ssbstack.numerics.contact`) has its electrolyte-side node there at the same coordinates.
Built once at set-up, identical on any number of ranks:

- contact → electrochemistry: the indicator χ_p = clip(1 − g_p / g_c, 0, 1) of each pair's gap
  g_p (g_c = ``coupling.conducting_gap``) is set at the electrolyte's interface vertices, where the
  electrochemistry multiplies its interface current by χ (P1 between vertices);
- electrochemistry → contact: the facet-averaged current w (A/m², at the vertices; see
  ``InterfaceCurrents.averaged``) is interpolated to every pair (vertex and, for a
  quadratic displacement, mid-edge pairs). With the pairs' lumped areas A_p this moves exactly the
  Li the current carries: Σ_p A_p w(x_p) = ∫ χ j dA (the lumped rule integrates a piecewise-linear
  w exactly on flat facets), so the Li balance holds to round-off.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ssbstack.errors import CaseError


@dataclass
class _SideMap:
    """One coupled interface: which pairs, and the electrolyte dofs that sit on them."""

    side: Any  # the electrochemistry's _Side
    pairs: np.ndarray  # global pair indices of this interface
    vertex_dofs: np.ndarray  # owned vertex-space dofs on the interface
    vertex_pairs: np.ndarray  # ... and their pair index
    pair_dofs: np.ndarray  # owned dofs of the pair-degree space on the interface
    pair_of_dof: np.ndarray  # ... and their pair index


class InterfaceMap:
    """Contact pairs ↔ electrolyte interface dofs for every coupled interface (collective)."""

    def __init__(self, echem: Any, contact: Any, contact_sides: list[Any], degree: int,
                 comm: Any):
        from ssbstack.compat import load_dolfinx

        dolfinx = load_dolfinx()
        self.echem, self.contact, self.comm = echem, contact, comm
        self.pair_space = (echem.vertex_space if degree == 1 else
                           dolfinx.fem.functionspace(echem.mesh, ("Lagrange", degree)))
        self.vertex_values = dolfinx.fem.Function(echem.vertex_space)
        self.pair_values = dolfinx.fem.Function(self.pair_space)
        x = contact.pairs["x"]
        scale = max(float(np.abs(x).max(initial=0.0)), 1e-30)
        self.sides: list[_SideMap] = []
        for number, contact_side in enumerate(contact_sides):
            side = next((s for s in echem.sides if s.interface == contact_side.interface), None)
            if side is None or side.indicator is None:
                raise CaseError(f"the electrolyte does not touch the contact interface "
                                f"'{contact_side.interface.name}' (coupling needs a metal | SE contact)",
                                key="coupling.enabled")
            pairs = np.flatnonzero(contact.pairs["interface"] == number)
            lookup = {_key(point, scale): int(p) for point, p in zip(x[pairs], pairs, strict=True)}
            vertex_dofs, vertex_pairs = self._owned_on(echem.vertex_space, side, lookup, scale)
            pair_dofs, pair_of_dof = self._owned_on(self.pair_space, side, lookup, scale)
            covered = np.concatenate(comm.allgather(pair_of_dof))
            if covered.size != pairs.size or np.unique(covered).size != pairs.size:
                raise RuntimeError(f"interface '{side.interface.name}': {covered.size} electrolyte "
                                   f"dofs for {pairs.size} contact pairs (meshes do not match)")
            self.sides.append(_SideMap(side, pairs, vertex_dofs, vertex_pairs, pair_dofs,
                                       pair_of_dof))

    def _owned_on(self, space: Any, side: Any, lookup: dict, scale: float
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Owned dofs of ``space`` on the side's interface facets and their pair indices; every
        rank raises together when one does not match."""
        from mpi4py import MPI

        from ssbstack.compat import load_dolfinx

        dolfinx = load_dolfinx()
        fdim = self.echem.mesh.topology.dim - 1
        facets = self.echem.domain.facets(side.reaction_tags)
        dofs = dolfinx.fem.locate_dofs_topological(space, fdim, facets)
        dofs = dofs[dofs < space.dofmap.index_map.size_local]
        points = space.tabulate_dof_coordinates()[dofs]
        found = np.array([_find(lookup, point, scale) for point in points], dtype=np.int64)
        if self.comm.allreduce(int(np.sum(found < 0)), op=MPI.SUM):
            raise RuntimeError(f"interface '{side.interface.name}': electrolyte dofs without a "
                               "contact pair at the same place (the mesh is not split as expected)")
        return dofs.astype(np.int32), found

    def conducting_fraction(self, indicator: np.ndarray, electrode: np.ndarray) -> float:
        """∫ χ dA / A over the coupled interfaces whose pairs are in ``electrode`` (a mask of
        the pairs), with χ = ``indicator`` at the electrolyte's vertices: the share of contact
        the interface current sees (nan: no such interface; collective)."""
        active, area = 0.0, 0.0
        for item in self.sides:
            if not electrode[item.pairs].any():
                continue
            values = np.zeros(item.side.indicator.x.array.size)
            values[item.vertex_dofs] = indicator[item.vertex_pairs]
            active += self.echem.currents.active_area(item.side, values)
            area += item.side.area
        return active / area if area > 0.0 else math.nan

    def set_indicator(self, indicator: np.ndarray) -> None:
        """χ of every pair (global array) → the electrochemistry's indicator functions."""
        for item in self.sides:
            function = item.side.indicator
            function.x.array[item.vertex_dofs] = indicator[item.vertex_pairs]
            function.x.scatter_forward()

    def pair_current(self, in_contact: bool = False) -> np.ndarray:
        """Facet-averaged current density (A/m²) with which the Li strips at every pair (global
        array, collective): per nominal area (the Li flux), or ``in_contact`` per area in
        contact; 0 on pairs of interfaces that are not coupled. Under a film it is the metal's
        feed into the film (``InterfaceCurrents.metal``)."""
        return self._to_pairs(lambda side: self.echem.currents.metal(side, in_contact))

    def pair_contact(self) -> np.ndarray:
        """Facet-averaged contact indicator ∫χ v / ∫v at every pair (global array, collective):
        the contact the current used, Σ_p A_p c_p = ∫χ dA; 0 on pairs of uncoupled interfaces."""
        return self._to_pairs(self.echem.currents.contact)

    def _to_pairs(self, vertex_values: Any) -> np.ndarray:
        """Per-vertex values of each coupled interface (``vertex_values(side)``, local array) at
        every pair (global array, collective)."""
        out = np.zeros(self.contact.count)
        for item in self.sides:
            self.vertex_values.x.array[:] = vertex_values(item.side)
            if self.pair_space is self.echem.vertex_space:
                self.pair_values.x.array[:] = self.vertex_values.x.array
            else:
                self.pair_values.interpolate(self.vertex_values)
            mine = (item.pair_of_dof, self.pair_values.x.array[item.pair_dofs])
            for pairs, values in self.comm.allgather(mine):
                out[pairs] = values
        return out


def _key(point: np.ndarray, scale: float) -> tuple[int, ...]:
    """Coordinates rounded to 1e-9 of the mesh size: equal for coincident nodes."""
    return tuple(np.rint(np.asarray(point) / scale * 1e9).astype(np.int64))


def _find(lookup: dict, point: np.ndarray, scale: float) -> int:
    """The pair at ``point`` (also when round-off puts it in a neighbouring bin), else −1."""
    base = np.array(_key(point, scale))
    for offset in itertools.product((0, -1, 1), repeat=base.size):
        found = lookup.get(tuple(base + offset))
        if found is not None:
            return found
    return -1
