"""Li extruding from the outer foils into the plunger/die gap (reduced model; 2D, with the die wall).

In a die cell the plungers (rods) slide in the die bore with a radial gap w
(``die_extrusion_gap``). Li of a foil against a plunger that reaches the wall can creep up that
gap. The gap is not meshed: each outer Li layer (first and last of the stack, if it creeps)
feeds one column of Li in a slit of width w per wall (axisymmetric: an annulus of perimeter
2π R_wall; plane strain: per metre of depth, one per side). The column's length L grows as

    dL/dt = v̄(τ_w),  τ_w = p w / (2 L),

the slit flow of the layer's own creep law (:func:`ssbstack.physics.mechanics.slit_mean_velocity`)
driven by the entrance pressure p, taken as the mean Li pressure −tr σ/3 of the layer's rim: its
cells whose centre lies within one layer thickness of the wall (volume-weighted quadrature
points: an integral over the region that feeds the mouth, which the mesh does not resolve, rather
than the nodal wall pressure of a few side nodes); the pressure falls linearly to zero at the
column's free end. The column starts at L = w (an entry as long as the gap is wide). Each
sub-step advances L by backward Euler at the pressure of the sub-step's start
(:func:`~ssbstack.physics.mechanics.column_length_after`).

The extruded volume V = (L − w) w × perimeter leaves the meshed foil through its side: the wall
lets that layer's side nodes pass it by s = V / A_side (the wall's ``allowance``), so the Li that
the column takes is what has flowed past the wall, and the foil thins by creep flow towards its
rim. The mesh keeps that Li as a bulge beyond the wall (same volume; its shape is not the
column's). Where the foil meets a layer that does not extrude (the Li | SE corner) the bulge
tapers to zero: a node's weight rises linearly with its distance from that layer over the foil's
thickness (:func:`entry_profile`, largest at the plunger, where the gap opens), so the bulge's
strain is spread over the foil instead of stepping within one cell at the corner. A node shared
by two extruding layers counts half for each. With weights ω: A_side = Σ ω a and
s = Σ ω V/A_side, so Σ a s is the columns' volume exactly.

With ``die_extrusion_exit = "rim"`` no node passes the wall (the bulge cannot be followed by a
moving mesh: README, Li creep). The Li a column takes in a sub-step, ΔV, leaves its rim instead:
a lateral (radial; plane strain: x) eigenstrain increment −ΔV / V_rim at every rim point (V_rim
the rim's volume in the current configuration), so the rim loses exactly ΔV and the Li behind
it creeps outward to fill it, as stripping's eigenstrain takes Li off a foil. The rim's cells
are material cells: in a long run a moving mesh keeps them near the wall only by smoothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ssbstack.numerics.wall import DieWall
from ssbstack.physics import mechanics as phys


def entry_profile(heights: np.ndarray, stops: np.ndarray, thickness: float) -> np.ndarray:
    """Weight of wall nodes at ``heights`` (m, along the wall) in their layer's column:
    min(1, distance to the nearest of ``stops`` (the heights of wall nodes held by a layer that
    does not extrude) / ``thickness`` (m, the layer's)); 1 everywhere without stops."""
    if stops.size == 0:
        return np.ones(heights.size)
    distance = np.abs(heights[:, None] - stops[None, :]).min(axis=1)
    return np.minimum(1.0, distance / thickness)


class DieExtrusion:
    """The columns of Li in the plunger/die gap: one per extruding layer and wall (collective)."""

    def __init__(self, wall: DieWall, node_layers: dict[int, np.ndarray],
                 rims: dict[tuple[int, bool], np.ndarray], laws: dict[int, phys.CreepRate],
                 gap: float, axisymmetric: bool, comm: Any, exit_at_rim: bool = False):
        """``node_layers``: for each extruding layer index, the weight ω of each of the wall's
        (owned) side nodes in that layer's column (0 off it); ``rims``: for each (layer, outer
        wall?) the owned quadrature points of its rim; ``laws``: its creep law; ``gap``: w (m);
        ``exit_at_rim``: the columns' Li leaves the rims as a sink, not past the wall."""
        from mpi4py import MPI

        self.wall, self.comm, self.gap, self.exit_at_rim = wall, comm, gap, exit_at_rim
        self.groups: list[np.ndarray] = []  # node weights ω
        self.rims: list[np.ndarray] = []  # quadrature points
        self.laws: list[phys.CreepRate] = []
        self.perimeter: list[float] = []  # m (1 per metre of depth in plane strain)
        self.side_area: list[float] = []  # m² (m per metre of depth in plane strain)
        free = wall.free.any(axis=1)
        for layer, weights in node_layers.items():
            for outer in ((True,) if axisymmetric else (True, False)):
                weight = weights * (free & (wall.outer == outer))
                area = comm.allreduce(float(np.dot(wall.area, weight)), op=MPI.SUM)
                if area == 0.0:  # this layer does not reach that wall
                    continue
                self.groups.append(weight)
                self.rims.append(rims[(layer, outer)])
                self.laws.append(laws[layer])
                self.perimeter.append(2.0 * np.pi * abs(wall.walls[outer]) if axisymmetric
                                      else 1.0)
                self.side_area.append(area)
        self.entry = gap  # m, the column's length when Li first enters

    def initial(self) -> np.ndarray:
        """Column lengths before any extrusion (m)."""
        return np.full(len(self.groups), self.entry)

    def volumes(self, lengths: np.ndarray) -> np.ndarray:
        """Li volume in each column (m³; m² per metre in plane strain)."""
        return (lengths - self.entry) * self.gap * np.asarray(self.perimeter)

    def allowance(self, lengths: np.ndarray) -> np.ndarray:
        """How far each wall node may pass the wall (m): s = Σ ω V / A_side over its columns
        (0 when the Li leaves at the rim)."""
        allowance = np.zeros(self.wall.nodes.size)
        if self.exit_at_rim:
            return allowance
        for weight, volume, area in zip(self.groups, self.volumes(lengths), self.side_area,
                                        strict=True):
            allowance += weight * (volume / area)
        return allowance

    def _rim_sums(self, values: np.ndarray, volumes: np.ndarray) -> np.ndarray:
        """(Σ volume × value, Σ volume) over each column's rim (collective)."""
        from mpi4py import MPI

        sums = np.array([[float(np.dot(volumes[points], values[points])),
                          float(volumes[points].sum())] for points in self.rims]).reshape(-1, 2)
        return self.comm.allreduce(sums, op=MPI.SUM)

    def entrance_pressures(self, stress: np.ndarray, volumes: np.ndarray) -> np.ndarray:
        """Mean Li pressure −tr σ/3 (Pa) of each column's rim for quadrature-point ``stress``
        (Mandel, Pa) and point ``volumes`` (m³; m² per metre in plane strain; collective)."""
        total = self._rim_sums(phys.pressure(stress), volumes)
        return total[:, 0] / total[:, 1]

    def advance(self, lengths: np.ndarray, stress: np.ndarray, volumes: np.ndarray, dt: float
                ) -> np.ndarray:
        """Column lengths after ``dt`` (s) from ``lengths`` with the quadrature-point
        ``stress`` and ``volumes`` of the state they start from (collective)."""
        if dt <= 0.0 or not self.groups:
            return lengths.copy()
        pressures = self.entrance_pressures(stress, volumes)
        return np.array([phys.column_length_after(length, p, dt, law, 0.5 * self.gap)
                         for length, p, law in zip(lengths, pressures, self.laws, strict=True)])

    def sink(self, before: np.ndarray, after: np.ndarray, volumes: np.ndarray, lateral: int,
             ncomp: int) -> np.ndarray:
        """Eigenstrain increments (points, ``ncomp``) that take the Li the columns gain from
        ``before`` to ``after`` (lengths, m) out of their rims: −ΔV / V_rim in the ``lateral``
        component at each rim point (zero unless the Li leaves at the rim; collective)."""
        eigen = np.zeros((volumes.size, ncomp))
        if not self.exit_at_rim or not self.groups:
            return eigen
        gained = self.volumes(after) - self.volumes(before)
        rim_volume = self._rim_sums(np.zeros(volumes.size), volumes)[:, 1]
        for points, volume, total in zip(self.rims, gained, rim_volume, strict=True):
            eigen[points, lateral] -= volume / total
        return eigen

    def summary(self, lengths: np.ndarray) -> dict[str, float]:
        """Longest column's extruded length (m) and the total extruded volume (m³)."""
        extruded = lengths - self.entry
        return {"extrusion_length_m": float(extruded.max(initial=0.0)),
                "extruded_volume_m3": float(self.volumes(lengths).sum())}
