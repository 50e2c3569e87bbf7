"""Mesh I/O: XDMF round trip, the committed reference meshes as a geometry source, tag errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from mpi4py import MPI

from conftest import ROOT
from ssbstack.errors import CaseError
from ssbstack.meshing.files import mesh_case, read_mesh
from ssbstack.meshing.quality import tagged_measures
from ssbstack.meshing.reference import REFERENCE, reference_case
from ssbstack.meshing.stack import build_mesh, nominal_measures

MESHES = ROOT / "meshes"


def file_case(kind: str, path: Path, **extra):
    geometry = {"kind": "file", "file": str(path), "file_kind": kind}
    return reference_case(kind, geometry, replace=True, **extra)


def test_mesh_case_writes_xdmf_msh_and_json_that_read_back(tmp_path):
    case = reference_case("planar2d")
    written = mesh_case(case, MPI.COMM_WORLD, tmp_path)
    assert {p.name for p in tmp_path.iterdir()} >= {"mesh.xdmf", "mesh.h5", "mesh.msh", "mesh.json"}
    info = json.loads((tmp_path / "mesh.json").read_text())
    assert info["facets"]["bottom_li|se:void"] == 200
    assert info["quality"]["cells"] == written.quality["cells"]
    expected = tagged_measures(written)
    assert info["measures"] == pytest.approx(expected, rel=1e-14)
    for source in (read_mesh(tmp_path / "mesh.xdmf", case, MPI.COMM_WORLD),
                   build_mesh(file_case("planar2d", tmp_path / "mesh.msh"), MPI.COMM_WORLD)):
        assert source.quality["cells"] == written.quality["cells"]
        measures = tagged_measures(source)
        for name, value in expected.items():
            assert measures[name] == pytest.approx(value, rel=1e-12, abs=1e-30), name


@pytest.mark.parametrize("name", [*(f"{kind}.msh" for kind in REFERENCE), "planar2d.vtu"])
def test_reference_meshes_are_a_geometry_source(name):
    kind = name.split(".")[0]
    stack_mesh = build_mesh(file_case(kind, MESHES / name), MPI.COMM_WORLD)
    assert stack_mesh.kind == kind
    measures = tagged_measures(stack_mesh)  # axisymmetric: 2πr-weighted (file_kind)
    exact = kind != "disc3d"
    nominal = nominal_measures(reference_case(kind))
    for layer in stack_mesh.tags.layers:
        rel = 1e-10 if exact and kind != "box3d" else 1e-2  # box3d reference has a rough top
        assert measures[layer] == pytest.approx(nominal[layer], rel=rel), (name, layer)
    assert measures["bottom_li|se:void"] > 0.0


def test_missing_tags_are_a_case_error(tmp_path):
    other = [{"name": "anode", "material": "Li", "thickness": "20 um"},
             {"name": "se", "material": "LLZO", "thickness": "60 um"}]
    with pytest.raises(CaseError, match=r"geometry\.file: .*no cell group 'anode'"):
        build_mesh(file_case("planar2d", MESHES / "planar2d.msh", stack=other), MPI.COMM_WORLD)
    with pytest.raises(CaseError, match=r"geometry\.file: .*not found"):
        build_mesh(file_case("planar2d", tmp_path / "absent.msh"), MPI.COMM_WORLD)
    shutil.copy(MESHES / "planar2d.vtu", tmp_path / "mesh.vtu")
    # A .vtu carries integers only: a fourth layer (tag 4) is missing from the 3-layer file.
    four = [*other, {"name": "top_li", "material": "Li", "thickness": "20 um"},
            {"name": "cap", "material": "Li", "thickness": "20 um"}]
    with pytest.raises(CaseError, match="no cell group 'cap'"):
        build_mesh(file_case("planar2d", tmp_path / "mesh.vtu", stack=four), MPI.COMM_WORLD)
