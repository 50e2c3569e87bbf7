"""External meshes as a geometry source (``geometry.kind = "file"``) and writing meshes.

A ``.msh`` file must name its physical groups after the stack: every meshed layer (cells), every
interface ``"lower|upper"``, ``bottom`` and ``top`` (facets); ``"lower|upper:void"``, ``side`` and
``axis`` are optional. Other formats (``.vtu``, ...) are read with meshio; their integer cell data
(``gmsh:physical``, ``cell_tags`` or ``tags``) must follow the tag table of
:mod:`ssbstack.meshing.tags`. Coordinates are multiplied by ``geometry.file_unit`` (m).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ssbstack.errors import CaseError
from ssbstack.meshing.quality import tagged_measures
from ssbstack.meshing.tags import BOTTOM, TOP

if TYPE_CHECKING:
    from ssbstack.config.schema import Case
    from ssbstack.meshing.stack import StackMesh

TAG_ARRAYS = ("gmsh:physical", "cell_tags", "tags")
_FACET_TYPE = {"triangle": "line", "tetra": "triangle"}


def required_names(case: Case) -> dict[str, tuple[int, int]]:
    """Group name → (dim offset from the top dimension, tag) that a mesh file must contain."""
    tags = case.tags
    names = {name: (0, tags.cell(name)) for name in tags.layers}
    names.update({"bottom": (1, BOTTOM), "top": (1, TOP)})
    names.update({item.name: (1, item.contact_tag) for item in tags.interfaces})
    return names


def load_file(model: Any, case: Case) -> tuple[int, float]:
    """Read ``geometry.file`` into the current gmsh model (rank 0) with the case's tags.

    Returns the geometric dimension and the length unit (m). Raises :class:`CaseError`."""
    import gmsh

    path = Path(case.geometry.file or "")
    if not path.is_file():
        raise CaseError(f"mesh file '{path}' not found", key="geometry.file")
    with tempfile.TemporaryDirectory() as tmp:
        source = path if path.suffix == ".msh" else _vtu_to_msh(path, case, Path(tmp) / "in.msh")
        gmsh.merge(str(source))
    dim = model.getDimension()
    groups = {model.getPhysicalName(d, t): (d, t) for d, t in model.getPhysicalGroups()}
    table = {**case.tags.cell_groups(), **case.tags.facet_groups()}
    for name, (offset, _) in required_names(case).items():
        if name not in groups or groups[name][0] != dim - offset:
            raise CaseError(f"'{path}' has no {'cell' if offset == 0 else 'facet'} group "
                            f"'{name}' (groups found: {', '.join(sorted(groups)) or 'none'})",
                            key="geometry.file")
    for name, (d, t) in groups.items():
        if name not in table:
            raise CaseError(f"'{path}': group '{name}' is not a layer or facet name of this "
                            f"stack (known: {', '.join(table)})", key="geometry.file")
        entities = model.getEntitiesForPhysicalGroup(d, t)
        model.removePhysicalGroups([(d, t)])
        model.addPhysicalGroup(d, list(entities), tag=table[name], name=name)
    _, coords, _ = model.mesh.getNodes()
    flat = dim == 2 and np.allclose(coords.reshape(-1, 3)[:, 2], 0.0)
    return (2 if flat else 3), case.geometry.file_unit


def _vtu_to_msh(path: Path, case: Case, target: Path) -> Path:
    """Convert a meshio-readable file with tag-table integers to a named gmsh 2.2 file."""
    import meshio

    try:
        mesh = meshio.read(path)
    except Exception as exc:
        raise CaseError(f"meshio cannot read '{path}': {exc}", key="geometry.file") from None
    array = next((name for name in TAG_ARRAYS if name in mesh.cell_data), None)
    if array is None:
        raise CaseError(f"'{path}' has no integer tag array (looked for {', '.join(TAG_ARRAYS)}; "
                        f"found: {', '.join(mesh.cell_data) or 'none'})", key="geometry.file")
    top = next((t for t in ("tetra", "triangle") if t in mesh.cells_dict), None)
    if top is None:
        raise CaseError(f"'{path}' has no triangles or tetrahedra", key="geometry.file")
    tdim = 3 if top == "tetra" else 2
    names = {top: {t: n for n, t in case.tags.cell_groups().items()},
             _FACET_TYPE[top]: {t: n for n, t in case.tags.facet_groups().items()}}
    blocks, values, field_data = [], [], {}
    for block, data in zip(mesh.cells, mesh.cell_data[array], strict=True):
        if block.type not in names:
            continue
        data = np.asarray(data, dtype=int)
        unknown = sorted(set(np.unique(data).tolist()) - set(names[block.type]))
        if unknown:
            raise CaseError(f"'{path}': {block.type} tags {unknown} are not in the tag table",
                            key="geometry.file")
        blocks.append((block.type, block.data))
        values.append(data)
        dim = tdim if block.type == top else tdim - 1
        field_data.update({names[block.type][v]: np.array([v, dim]) for v in np.unique(data)})
    out = meshio.Mesh(mesh.points, blocks, field_data=field_data,
                      cell_data={"gmsh:physical": values, "gmsh:geometrical": values})
    meshio.write(target, out, file_format="gmsh22", binary=False)
    return target


def msh_to_meshio(msh: str | Path, target: str | Path) -> Path:
    """Export a stack ``.msh`` to any meshio format (e.g. ``.vtu``) with the tag-table integers in
    the cell data array ``cell_tags`` (cells and facets in one file, as :func:`load_file` reads)."""
    import meshio

    mesh = meshio.read(msh)
    top = "tetra" if "tetra" in mesh.cells_dict else "triangle"
    blocks, values = [], []
    for cell_type in (top, _FACET_TYPE[top]):
        parts = [(block.data, tags) for block, tags in
                 zip(mesh.cells, mesh.cell_data["gmsh:physical"], strict=True)
                 if block.type == cell_type]
        blocks.append((cell_type, np.concatenate([data for data, _ in parts])))
        values.append(np.concatenate([tags for _, tags in parts]).astype(np.int32))
    meshio.write(target, meshio.Mesh(mesh.points, blocks, cell_data={"cell_tags": values}))
    return Path(target)


def write_mesh(stack_mesh: StackMesh, outdir: str | Path) -> dict[str, Path]:
    """Write ``mesh.xdmf`` (+ .h5: mesh, cell_tags, facet_tags), ``mesh.msh`` (rank 0, when
    kept) and ``mesh.json`` (tag table, quality report and the measure of every tagged group,
    see :func:`~ssbstack.meshing.quality.tagged_measures`; rank 0). Collective."""
    from ssbstack.compat import load_dolfinx

    dolfinx = load_dolfinx()
    mesh = stack_mesh.mesh
    comm = mesh.comm
    outdir = Path(outdir)
    if comm.rank == 0:
        outdir.mkdir(parents=True, exist_ok=True)
    comm.barrier()
    paths = {"xdmf": outdir / "mesh.xdmf", "json": outdir / "mesh.json"}
    with dolfinx.io.XDMFFile(comm, paths["xdmf"], "w") as xdmf:
        xdmf.write_mesh(mesh)
        mesh.topology.create_connectivity(mesh.topology.dim - 1, mesh.topology.dim)
        xdmf.write_meshtags(stack_mesh.cell_tags, mesh.geometry)
        xdmf.write_meshtags(stack_mesh.facet_tags, mesh.geometry)
    measures = tagged_measures(stack_mesh)
    if comm.rank == 0:
        tags = stack_mesh.tags
        info = {"kind": stack_mesh.kind, "cells": tags.cell_groups(),
                "facets": tags.facet_groups(), "quality": stack_mesh.quality,
                "measures": measures}
        paths["json"].write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        if stack_mesh.msh is not None:
            paths["msh"] = outdir / "mesh.msh"
            paths["msh"].write_bytes(stack_mesh.msh)
    return paths


def read_mesh(xdmf: str | Path, case: Case, comm: Any) -> StackMesh:
    """Read a mesh written by :func:`write_mesh` back as a :class:`StackMesh` (collective)."""
    from ssbstack.compat import load_dolfinx
    from ssbstack.meshing.quality import quality_report
    from ssbstack.meshing.stack import StackMesh

    dolfinx = load_dolfinx()
    with dolfinx.io.XDMFFile(comm, str(xdmf), "r") as handle:
        mesh = handle.read_mesh(name="mesh")
        mesh.topology.create_connectivity(mesh.topology.dim - 1, mesh.topology.dim)
        cell_tags = handle.read_meshtags(mesh, name="cell_tags")
        facet_tags = handle.read_meshtags(mesh, name="facet_tags")
    return StackMesh(mesh, cell_tags, facet_tags, case.tags,
                     case.geometry.file_kind or case.geometry.kind,
                     quality_report(mesh, comm))


def mesh_case(case: Case, comm: Any, outdir: str | Path) -> StackMesh:
    """``ssbstack mesh CASE -o DIR``: build the case's mesh and write it to ``outdir``."""
    from ssbstack.meshing.stack import build_mesh

    stack_mesh = build_mesh(case, comm, keep_msh=True)
    write_mesh(stack_mesh, outdir)
    return stack_mesh
