"""geometry.mesh.threads: gmsh meshes with General.NumThreads = threads on rank 0, and a 2-thread
3D mesh keeps every tag and measure of the 1-thread mesh (Delaunay and HXT)."""

from __future__ import annotations

import gmsh
import numpy as np
import pytest
from mpi4py import MPI

from ssbstack.errors import CaseError
from ssbstack.meshing.quality import tagged_measures
from ssbstack.meshing.reference import REFERENCE, reference_case
from ssbstack.meshing.stack import build_mesh

SMALL = {"interfaces": {"bottom_li|se": REFERENCE["box3d"]["interfaces"]["bottom_li|se"]},
         "mesh": {"interface": "20 um", "bulk": "30 um", "edge": "6 um"}}


def small(threads: int, algorithm: str):
    return reference_case("box3d", {**SMALL, "mesh": {**SMALL["mesh"], "threads": threads,
                                                      "algorithm3d": algorithm}})


def test_threads_must_be_a_positive_integer():
    for value in (0, -2, 1.5):
        with pytest.raises(CaseError, match=r"geometry\.mesh\.threads: "):
            small(value, "delaunay")


@pytest.mark.parametrize("algorithm", ["delaunay", "hxt"])
def test_two_threads_keep_tags_and_measures(monkeypatch, algorithm):
    seen: list[float] = []
    generate = gmsh.model.mesh.generate

    def recording(dim: int = 3) -> None:
        seen.append(gmsh.option.getNumber("General.NumThreads"))
        generate(dim)

    monkeypatch.setattr(gmsh.model.mesh, "generate", recording)
    meshes = {n: build_mesh(small(n, algorithm), MPI.COMM_WORLD) for n in (1, 2)}
    if MPI.COMM_WORLD.rank == 0:
        assert seen == [1.0, 2.0]  # the option reaches gmsh when it meshes
    one, two = (tagged_measures(meshes[n]) for n in (1, 2))
    assert one.keys() == two.keys()
    for name, value in one.items():
        assert two[name] == pytest.approx(value, rel=1e-12, abs=1e-30), name
    assert two["bottom_li|se:void"] > 0.0 and two["side"] > 0.0
    for stack_mesh in meshes.values():
        quality = stack_mesh.quality
        assert 0.1 < quality["quality_min"] <= quality["quality_mean"] <= 1.0
        tdim = stack_mesh.mesh.topology.dim
        index_map = stack_mesh.mesh.topology.index_map(tdim)
        local = index_map.size_local + index_map.num_ghosts
        assert np.array_equal(np.sort(stack_mesh.cell_tags.indices), np.arange(local))
        assert set(np.unique(stack_mesh.cell_tags.values)) == set(
            stack_mesh.tags.cell(name) for name in stack_mesh.tags.layers)
