"""Mesh quality report: element count, shape quality, smallest and largest cells (collective)."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from ssbstack.meshing.tags import AXIS


def simplex_quality(points: np.ndarray, signed: bool = False
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean-ratio quality (1 = equilateral, → 0 degenerate), measure (m² or m³) and edge lengths
    (m) of simplices given as ``points[cell, vertex, coordinate]``: triangles in the xy plane (2
    or 3 coordinates) or tetrahedra. ``signed``: quality and measure carry the orientation, so a
    cell that turned inside out has the opposite sign of its initial value."""
    vertices = points.shape[1]
    edges = np.stack([np.linalg.norm(points[:, j] - points[:, i], axis=1)
                      for i, j in itertools.combinations(range(vertices), 2)], axis=1)
    squares = np.sum(edges**2, axis=1)
    spans = points[:, 1:] - points[:, :1]
    if vertices == 3:
        measure = 0.5 * (spans[:, 0, 0] * spans[:, 1, 1] - spans[:, 0, 1] * spans[:, 1, 0])
        shape = 4.0 * math.sqrt(3.0) * np.abs(measure) / squares
    else:
        measure = np.linalg.det(spans) / 6.0
        shape = 12.0 * np.cbrt(3.0 * np.abs(measure)) ** 2 / squares
    if signed:
        return np.sign(measure) * shape, measure, edges
    return shape, np.abs(measure), edges


def quality_report(mesh: Any, comm: Any) -> dict[str, Any]:
    """Global figures of a distributed simplex mesh (lengths in m, measures in m² or m³)."""
    from mpi4py import MPI

    tdim = mesh.topology.dim
    owned = mesh.topology.index_map(tdim).size_local
    nodes = mesh.geometry.dofmaps[0][:owned, : tdim + 1]
    points = mesh.geometry.x[nodes]  # always 3 coordinates
    quality, measure, edges = simplex_quality(points)
    big = np.inf

    def reduce(values: np.ndarray, op: Any, empty: float) -> float:
        local = float(op(values)) if len(values) else empty
        return comm.allreduce(local, op=MPI.MIN if empty == big else MPI.MAX)

    cells = comm.allreduce(owned, op=MPI.SUM)
    return {
        "cells": cells,
        "vertices": mesh.topology.index_map(0).size_global,
        "quality_measure": "mean ratio (1 = equilateral)",
        "quality_min": reduce(quality, np.min, big),
        "quality_mean": comm.allreduce(float(np.sum(quality)), op=MPI.SUM) / max(cells, 1),
        "edge_min_m": reduce(edges, np.min, big),
        "edge_max_m": reduce(edges, np.max, -big),
        "cell_measure_min": reduce(measure, np.min, big),
        "cell_measure_max": reduce(measure, np.max, -big),
    }


def tagged_measures(stack_mesh: Any) -> dict[str, float]:
    """Global measure of every layer and facet group by name: m³ and m² in 3D and axisymmetric
    meshes (2πr weight), m² and m in planar 2D; ``axis`` is its length, m. Collective."""
    import ufl
    from mpi4py import MPI

    from ssbstack.compat import load_dolfinx

    dolfinx = load_dolfinx()
    from ssbstack.physics.mechanics import measure_weight

    mesh, tags = stack_mesh.mesh, stack_mesh.tags
    kinematics = "axisymmetric" if stack_mesh.axisymmetric else "plane_strain"
    weight = measure_weight(kinematics, ufl.SpatialCoordinate(mesh))
    if not isinstance(weight, ufl.core.expr.Expr):  # 1: a Constant, so that it can be restricted
        weight = dolfinx.fem.Constant(mesh, dolfinx.default_scalar_type(weight))
    dx = ufl.Measure("dx", domain=mesh, subdomain_data=stack_mesh.cell_tags)
    ds = ufl.Measure("ds", domain=mesh, subdomain_data=stack_mesh.facet_tags)
    dS = ufl.Measure("dS", domain=mesh, subdomain_data=stack_mesh.facet_tags)
    interior = {t for item in tags.interfaces for t in (item.contact_tag, item.void_tag)}
    forms = {name: weight * dx(tag) for name, tag in tags.cell_groups().items()}
    for name, tag in tags.facet_groups().items():
        forms[name] = weight("+") * dS(tag) if tag in interior else weight * ds(tag)
    forms["axis"] = dolfinx.fem.Constant(mesh, dolfinx.default_scalar_type(1.0)) * ds(AXIS)
    return {name: mesh.comm.allreduce(dolfinx.fem.assemble_scalar(dolfinx.fem.form(form)),
                                      op=MPI.SUM)
            for name, form in forms.items()}


def describe(kind: str, quality: dict[str, Any]) -> str:
    """One log line for a mesh: kind, cells, minimum quality, edge lengths."""
    refined = (f" (gmsh's {quality['coarse_cells']} refined {quality['refine']}×)"
               if quality.get("refine") else "")
    return (f"{kind}, {quality['cells']} cells{refined}, min quality {quality['quality_min']:.3f}, "
            f"edges {quality['edge_min_m']:.3g}–{quality['edge_max_m']:.3g} m")
