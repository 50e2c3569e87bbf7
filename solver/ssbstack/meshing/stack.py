"""Stack meshes from a case: gmsh on rank 0, distributed with shared-facet ghosting.

:func:`build_mesh` is the one entry point physics and the CLI use. It returns a :class:`StackMesh`
whose cell and facet tags follow :mod:`ssbstack.meshing.tags`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ssbstack.meshing.tags import BOTTOM, SIDE, TOP, TagTable

if TYPE_CHECKING:
    from ssbstack.config.schema import Case


@dataclass
class StackMesh:
    """A distributed stack mesh with its tags (SI lengths; y (2D) or z (3D) points up the stack)."""

    mesh: Any  # dolfinx.mesh.Mesh
    cell_tags: Any  # dolfinx.mesh.MeshTags, dim = tdim
    facet_tags: Any  # dolfinx.mesh.MeshTags, dim = tdim - 1
    tags: TagTable


def layer_bounds(case: Case) -> dict[str, tuple[float, float]]:
    """Bottom and top coordinate (m) of every meshed layer; sheets have zero thickness."""
    bounds: dict[str, tuple[float, float]] = {}
    meshed = set(case.tags.layers)
    z = 0.0
    for layer in case.stack:
        if layer.name in meshed:
            bounds[layer.name] = (z, z + layer.thickness)
            z += layer.thickness
    return bounds


def default_sizes(case: Case) -> tuple[float, float]:
    """Element sizes (m) at the interfaces and in the bulk."""
    thinnest = min(top - bottom for bottom, top in layer_bounds(case).values())
    interface = case.geometry.mesh.interface or min(thinnest / 4.0, case.geometry.width / 20.0)
    bulk = case.geometry.mesh.bulk or max(interface, case.geometry.width / 8.0)
    return interface, bulk


GMSH_UNIT = 1e-6  # gmsh works in µm (OCC tolerances are absolute); dolfinx meshes are in m


def _planar2d(model: Any, case: Case) -> None:
    """Rectangles per meshed layer (in µm), fragmented so the layers share interface curves."""
    import gmsh

    scale = 1.0 / GMSH_UNIT
    width = case.geometry.width * scale
    occ = model.occ
    bounds = {name: (b * scale, t * scale) for name, (b, t) in layer_bounds(case).items()}
    surfaces = {name: occ.addRectangle(0.0, b, 0.0, width, t - b) for name, (b, t) in bounds.items()}
    occ.fragment([(2, s) for s in surfaces.values()], [])
    occ.synchronize()
    tags = case.tags
    total = max(t for _, t in bounds.values())
    for name, surface in surfaces.items():
        model.addPhysicalGroup(2, [surface], tag=tags.cell(name), name=name)

    centres = {tag: occ.getCenterOfMass(1, tag) for _, tag in model.getEntities(1)}
    tolerance = 1e-6 * max(total, width)

    def curves_at(y: float) -> list[int]:
        return [t for t, (cx, cy, _) in centres.items()
                if abs(cy - y) < tolerance and 0.0 < cx < width]

    model.addPhysicalGroup(1, curves_at(0.0), tag=BOTTOM, name="bottom")
    model.addPhysicalGroup(1, curves_at(total), tag=TOP, name="top")
    interface_curves = []
    for item in tags.interfaces:
        curves = curves_at(bounds[item.lower][1])
        interface_curves += curves
        model.addPhysicalGroup(1, curves, tag=item.contact_tag, name=item.name)
    sides = [t for t, (cx, _, _) in centres.items()
             if abs(cx) < tolerance or abs(cx - width) < tolerance]
    model.addPhysicalGroup(1, sides, tag=SIDE, name="side")

    interface_size, bulk_size = (size * scale for size in default_sizes(case))
    distance = model.mesh.field.add("Distance")
    model.mesh.field.setNumbers(distance, "CurvesList", interface_curves)
    threshold = model.mesh.field.add("Threshold")
    model.mesh.field.setNumber(threshold, "InField", distance)
    model.mesh.field.setNumber(threshold, "SizeMin", interface_size)
    model.mesh.field.setNumber(threshold, "SizeMax", bulk_size)
    model.mesh.field.setNumber(threshold, "DistMin", 0.0)
    model.mesh.field.setNumber(threshold, "DistMax", 4.0 * bulk_size)
    model.mesh.field.setAsBackgroundMesh(threshold)
    gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
    model.mesh.generate(2)


def build_mesh(case: Case, comm: Any) -> StackMesh:
    """Mesh the case's geometry on rank 0 and distribute it (collective)."""
    import gmsh

    from ssbstack.compat import load_dolfinx

    dolfinx = load_dolfinx()
    from dolfinx.io import gmsh as gmshio

    if not gmsh.isInitialized():
        gmsh.initialize(interruptible=False)
    gmsh.option.setNumber("General.Terminal", 0)
    model = gmsh.model()
    error = None
    if comm.rank == 0:
        try:
            model.add(case.name)
            model.setCurrent(case.name)
            _planar2d(model, case)
        except Exception as exc:  # broadcast so no rank waits forever
            error = f"meshing failed: {exc}"
    error = comm.bcast(error, root=0)
    if error:
        gmsh.finalize()
        raise RuntimeError(error)
    partitioner = dolfinx.mesh.create_cell_partitioner(dolfinx.mesh.GhostMode.shared_facet, 2)
    data = gmshio.model_to_mesh(model, comm, 0, gdim=2, partitioner=partitioner)
    gmsh.finalize()
    data.mesh.geometry.x[:] *= GMSH_UNIT
    data.facet_tags.name = "facet_tags"
    data.cell_tags.name = "cell_tags"
    return StackMesh(data.mesh, data.cell_tags, data.facet_tags, case.tags)
