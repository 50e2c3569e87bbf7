"""Displacement constraints of the stack in its fixture (physics.md §3.4): the collector, the
plate (none under a roll: :mod:`ssbstack.numerics.roller`), lateral rollers and the pins that
remove rigid motions (the die wall is a contact, not a constraint: :mod:`ssbstack.numerics.wall`).

The plate's vertical displacement is an unknown of the mechanics Newton (constant pressure or
a spring), so its dofs are left out of the fixed set and carried by two sets of Dirichlet
conditions: ``homogeneous`` (Δu = 0 there: the Newton correction) and ``unit_plate`` (Δu = 1
there: the response to a unit plate motion).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ssbstack.config.mechanics import Mechanics
from ssbstack.meshing.tags import AXIS, BOTTOM, SIDE, TOP


@dataclass
class Constraints:
    """Fixed dofs (all components), the plate's vertical dofs and the two Dirichlet sets."""

    fixed_dofs: np.ndarray
    top_vertical: np.ndarray
    homogeneous: list[Any]
    unit_plate: list[Any]


def fixture_constraints(V: Any, facet_tags: Any, config: Mechanics, vertical: int, kinematics: str,
                        comm: Any) -> Constraints:
    """The constraints of the displacement space ``V`` (collective)."""
    from petsc4py import PETSc

    from ssbstack.compat import load_dolfinx

    fem = load_dolfinx().fem
    mesh = V.mesh
    tdim, gdim = mesh.topology.dim, mesh.geometry.dim
    lateral = [i for i in range(gdim) if i != vertical]

    def dofs(component: int, facets: np.ndarray, dim: int = tdim - 1) -> np.ndarray:
        return fem.locate_dofs_topological(V.sub(component), dim, facets)

    bottom, top = facet_tags.find(BOTTOM), facet_tags.find(TOP)
    rolled = config.roller is not None  # no top plate: the top surface is free but for the roll
    fixed = [(vertical, dofs(vertical, bottom))]
    if config.plate_contact == "bonded":
        fixed += [(i, dofs(i, facets)) for i in lateral
                  for facets in ((bottom,) if rolled else (bottom, top))]
    if kinematics == "axisymmetric":
        fixed.append((0, dofs(0, facet_tags.find(AXIS))))
    side = facet_tags.find(SIDE)
    if config.sides == "roller":
        fixed += _roller_dofs(mesh, side, dofs, vertical, comm)
    elif config.plate_contact == "frictionless" and kinematics != "axisymmetric":
        fixed += _pins(V, lateral, vertical, comm, centre=config.sides == "die")
    top_vertical = np.zeros(0, dtype=np.int32) if rolled else dofs(vertical, top)
    by_component: dict[int, list[np.ndarray]] = {}
    for component, found in fixed:
        by_component.setdefault(component, []).append(found)
    merged = {c: np.unique(np.concatenate(lists)).astype(np.int32)
              for c, lists in by_component.items()}
    merged[vertical] = np.setdiff1d(merged.get(vertical, np.zeros(0, np.int32)),
                                    top_vertical).astype(np.int32)
    zero, one = PETSc.ScalarType(0.0), PETSc.ScalarType(1.0)
    fixed_bcs = [fem.dirichletbc(zero, d, V.sub(c)) for c, d in merged.items()]
    return Constraints(np.concatenate(list(merged.values())), top_vertical,
                       [*fixed_bcs, fem.dirichletbc(zero, top_vertical, V.sub(vertical))],
                       [*fixed_bcs, fem.dirichletbc(one, top_vertical, V.sub(vertical))])


def _roller_dofs(mesh: Any, side: np.ndarray, dofs: Any, vertical: int, comm: Any
                 ) -> list[tuple[int, np.ndarray]]:
    """No normal displacement on planar sides x = const (and y = const in 3D)."""
    from mpi4py import MPI

    from ssbstack.compat import load_dolfinx

    x = mesh.geometry.x
    mids = load_dolfinx().mesh.compute_midpoints(mesh, mesh.topology.dim - 1, side)
    result = []
    for axis in range(mesh.geometry.dim):
        if axis == vertical:
            continue
        lo = comm.allreduce(x[:, axis].min(), op=MPI.MIN)
        hi = comm.allreduce(x[:, axis].max(), op=MPI.MAX)
        tol = 1e-9 * max(hi - lo, 1e-30)
        on = side[(np.abs(mids[:, axis] - lo) < tol) | (np.abs(mids[:, axis] - hi) < tol)]
        result.append((axis, dofs(axis, on)))
    return result


def _pins(V: Any, lateral: list[int], vertical: int, comm: Any, centre: bool = False
          ) -> list[tuple[int, np.ndarray]]:
    """Pin lateral rigid motions at bottom vertices (frictionless plates, free sides or a die):
    a corner, or with ``centre`` (a die wall on both sides, 2D) the bottom vertex nearest the
    middle, so that the stack expands towards both walls alike."""
    from mpi4py import MPI

    from ssbstack.compat import load_dolfinx

    dolfinx = load_dolfinx()
    mesh = V.mesh
    x = mesh.geometry.x
    zmin = comm.allreduce(x[:, vertical].min(), op=MPI.MIN)
    result = []

    def on_bottom(p: np.ndarray) -> np.ndarray:
        return np.abs(p[vertical] - zmin) < 1e-12 + 1e-9 * abs(zmin)

    def pin_vertex(score: Any) -> np.ndarray:
        best = comm.allreduce(float(np.min(score(x.T)[on_bottom(x.T)], initial=np.inf)),
                              op=MPI.MIN)

        def marker(p: np.ndarray) -> np.ndarray:
            return on_bottom(p) & (np.abs(score(p) - best) <= 1e-12 * max(1.0, abs(best)) + 1e-15)
        return dolfinx.mesh.locate_entities_boundary(mesh, 0, marker)

    if centre:
        middle = 0.5 * (comm.allreduce(x[:, lateral[0]].min(), op=MPI.MIN)
                        + comm.allreduce(x[:, lateral[0]].max(), op=MPI.MAX))
        corner = pin_vertex(lambda p: np.abs(p[lateral[0]] - middle))
    else:
        corner = pin_vertex(lambda p: sum(p[i] for i in lateral))
    locate = dolfinx.fem.locate_dofs_topological
    for axis in lateral:
        result.append((axis, locate(V.sub(axis), 0, corner)))
    if mesh.geometry.dim == 3:  # rotation about the stack axis
        far = pin_vertex(lambda p: -p[lateral[0]] + 1e-3 * p[lateral[1]])
        result.append((lateral[1], locate(V.sub(lateral[1]), 0, far)))
    return result
