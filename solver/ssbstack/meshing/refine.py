"""Uniform refinement of a distributed stack mesh, in parallel, after distribution (collective).

gmsh meshes the coarse geometry on rank 0 and DOLFINx distributes it without ghosts; each
refinement then splits every edge at its midpoint (Plaza refinement: 4 triangles or 8 tetrahedra
per cell) on the rank that holds the cell, and carries the cell and facet tags to the children
(:func:`dolfinx.mesh.transfer_meshtag`, which DOLFINx 0.11 supports on unghosted meshes only).
The fine mesh is finally rebuilt with shared-facet ghosting (the interface ``dS`` terms need it)
and repartitioned, its tags distributed by their vertices as :mod:`dolfinx.io.gmsh` does.

New vertices are edge midpoints, so the fine mesh has the coarse mesh's shape: curved boundaries
(disc rims, patch circles) and rough interfaces stay the coarse polygons. Split interfaces
(:mod:`ssbstack.meshing.split`) stay split: their two sides have separate edges, so the
midpoints of those edges are separate vertices too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ssbstack.config.geometry import ContactFraction, Rough, SingleVoid

if TYPE_CHECKING:
    from ssbstack.config.schema import Case


def refine_uniformly(mesh: Any, cell_tags: Any, facet_tags: Any,
                     times: int) -> tuple[Any, Any, Any]:
    """Refine an unghosted distributed mesh ``times`` times; (mesh, cell tags, facet tags) of the
    fine mesh, ghosted by shared facets (collective). ``times`` = 0 returns the inputs.

    Each fine cell's original index (the checkpoint key) is its coarse ancestor's original
    index × 2^(dim × times) + its rank among the ancestor's children ordered by centroid, and
    its vertices are ordered by their coordinates: both are the same on any number of ranks,
    so checkpoints restart N-to-M as on gmsh meshes."""
    from dolfinx.mesh import RefinementOption, refine, transfer_meshtag

    if times == 0:
        return mesh, cell_tags, facet_tags
    tdim = mesh.topology.dim
    ancestors = np.asarray(mesh.topology.original_cell_index, dtype=np.int64)
    for _ in range(times):
        mesh.topology.create_entities(1)
        mesh.topology.create_connectivity(tdim - 1, tdim)
        fine, parent_cell, parent_facet = refine(
            mesh, partitioner=None, option=RefinementOption.parent_cell_and_facet)
        fine.topology.create_connectivity(tdim - 1, tdim)
        cell_tags = transfer_meshtag(cell_tags, fine, parent_cell)
        facet_tags = transfer_meshtag(facet_tags, fine, parent_cell, parent_facet)
        # parent_cell is in the order the refinement created the cells on this rank: the fine
        # cell's original index minus this rank's offset
        created = np.asarray(fine.topology.original_cell_index, dtype=np.int64)
        offset = mesh.comm.exscan(len(parent_cell)) or 0
        ancestors = ancestors[parent_cell[created - offset]]
        mesh = fine
    return _ghosted(mesh, cell_tags, facet_tags, ancestors, 2 ** (tdim * times))


def _canonical(mesh: Any, ancestors: np.ndarray, children: int) -> tuple[np.ndarray, np.ndarray]:
    """(geometry nodes of the owned cells, vertices sorted by coordinates; their keys: ancestor ×
    ``children`` + rank of the centroid among the siblings). Coordinates are compared rounded to
    1e-9 of the mesh extent, so last-bit differences cannot reorder them (collective)."""
    from mpi4py import MPI

    owned = mesh.topology.index_map(mesh.topology.dim).size_local
    nodes = mesh.geometry.dofmaps[0][:owned]
    x = mesh.geometry.x
    extent = mesh.comm.allreduce(float(np.abs(x).max(initial=0.0)), op=MPI.MAX)
    points = np.round(x[nodes] / (1e-9 * extent)).astype(np.int64)  # cells × vertices × 3
    order = np.lexsort((points[..., 2], points[..., 1], points[..., 0]), axis=-1)
    nodes = np.take_along_axis(nodes, order, axis=1)
    centroids = points.sum(axis=1)
    ancestors = ancestors[:owned]
    order = np.lexsort((centroids[:, 2], centroids[:, 1], centroids[:, 0], ancestors))
    grouped = ancestors[order]
    ordinal = np.empty(owned, dtype=np.int64)
    ordinal[order] = np.arange(owned) - np.searchsorted(grouped, grouped, side="left")
    assert ordinal.max(initial=0) < children, "uniform refinement: 2^(dim k) children per cell"
    return nodes, ancestors * children + ordinal


def _ghosted(mesh: Any, cell_tags: Any, facet_tags: Any, ancestors: np.ndarray,
             children: int) -> tuple[Any, Any, Any]:
    """The same mesh and tags, repartitioned with shared-facet ghosting, with the cell keys of
    :func:`_canonical` as original cell indices (collective, P1 geometry)."""
    import ufl
    from dolfinx.graph import adjacencylist
    from dolfinx.io import distribute_entity_data
    from dolfinx.mesh import (
        GhostMode,
        create_cell_partitioner,
        create_mesh,
        entities_to_geometry,
        meshtags_from_entities,
    )

    tdim, gdim = mesh.topology.dim, mesh.geometry.dim
    geometry = mesh.geometry.index_map()
    to_global = geometry.local_to_global(np.arange(geometry.size_local + geometry.num_ghosts,
                                                   dtype=np.int32))
    nodes, keys = _canonical(mesh, ancestors, children)
    cells = to_global[nodes]
    x = mesh.geometry.x[: geometry.size_local, :gdim].copy()
    tagged = [(tdim, cells, keys)]
    for tags in (cell_tags, facet_tags):
        owned = tags.indices < mesh.topology.index_map(tags.dim).size_local
        entities = to_global[entities_to_geometry(mesh, tags.dim, tags.indices[owned])]
        tagged.append((tags.dim, entities, tags.values[owned].astype(np.int32)))

    domain = ufl.Mesh(mesh.ufl_domain().ufl_coordinate_element())
    partitioner = create_cell_partitioner(GhostMode.shared_facet, 2)
    fine = create_mesh(mesh.comm, cells, domain, x, partitioner)
    out = []
    for dim, entities, values in tagged:
        local, local_values = distribute_entity_data(fine, dim, entities, values)
        fine.topology.create_connectivity(dim, tdim)
        out.append(meshtags_from_entities(fine, dim, adjacencylist(local), local_values))
    index_map = fine.topology.index_map(tdim)
    original = np.full(index_map.size_local + index_map.num_ghosts, -1, dtype=np.int64)
    original[out[0].indices] = out[0].values
    assert (original >= 0).all(), "every local cell has a key"
    fine.topology._cpp_object.original_cell_index = original
    out[1].name, out[2].name = "cell_tags", "facet_tags"
    return fine, out[1], out[2]


def faceting_warning(case: Case) -> str | None:
    """What ``geometry.mesh.refine`` leaves at the coarse resolution, or None when nothing is
    curved: disc rims (disc3d), circular patches (3D contact fraction, single void), rough
    profiles and the facets of a mesh file keep the coarse mesh's polygons."""
    geometry = case.geometry
    times = geometry.mesh.refine
    if times == 0:
        return None
    curved = []
    if geometry.kind == "disc3d":
        curved.append("the disc rims")
    specs = geometry.interfaces.values()
    if geometry.dim == 3 and any(isinstance(s, ContactFraction | SingleVoid) for s in specs):
        curved.append("the contact/void patch circles")
    if any(isinstance(s, Rough) for s in specs):
        curved.append("the rough interface profiles")
    if geometry.kind == "file":
        curved.append("any curved boundary of the mesh file")
    if not curved:
        return None
    return (f"geometry.mesh.refine = {times} puts new vertices on straight edges: "
            f"{' and '.join(curved)} stay the gmsh mesh's polygons (areas and volumes as without "
            "refinement); to resolve them, make geometry.mesh sizes smaller instead")
