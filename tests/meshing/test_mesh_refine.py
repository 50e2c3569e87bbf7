"""geometry.mesh.refine: the distributed gmsh mesh refined in parallel keeps its tags, measures,
split interfaces and checkpoint keys; 1 and 2 ranks agree; run.json reports peak memory."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from mpi4py import MPI

from conftest import CASES, ROOT, serial_and_parallel_results
from ssbstack.meshing.quality import tagged_measures
from ssbstack.meshing.reference import COARSE, REFERENCE, reference_case
from ssbstack.meshing.refine import faceting_warning
from ssbstack.meshing.stack import build_mesh, estimate_cells

FULL_TOP = {"interfaces": {"bottom_li|se": REFERENCE["box3d"]["interfaces"]["bottom_li|se"]}}
SIZES = {"planar2d": COARSE["planar2d"],
         "box3d": {**FULL_TOP, "mesh": {"interface": "20 um", "bulk": "30 um", "edge": "6 um"}}}


def refined(kind: str, times: int, **geometry):
    sizes = SIZES[kind]
    return reference_case(kind, {**sizes, "mesh": {**sizes["mesh"], "refine": times}, **geometry})


@pytest.fixture(scope="module")
def meshes():
    """Each kind meshed with refine = 0, 1, 2, with its tagged measures."""
    out = {}
    for kind in SIZES:
        for times in (0, 1, 2):
            stack_mesh = build_mesh(refined(kind, times), MPI.COMM_WORLD)
            out[kind, times] = stack_mesh, tagged_measures(stack_mesh)
    return out


@pytest.mark.parametrize("kind", list(SIZES))
@pytest.mark.parametrize("times", [1, 2])
def test_refinement_keeps_every_layer_and_facet_measure(meshes, kind, times):
    coarse, before = meshes[kind, 0]
    fine, after = meshes[kind, times]
    assert before.keys() == after.keys()
    for name, value in before.items():
        assert after[name] == pytest.approx(value, rel=1e-12, abs=1e-30), name
    assert after["bottom_li|se:void"] > 0.0 and after["side"] > 0.0
    dim = fine.mesh.topology.dim
    assert fine.quality["cells"] == coarse.quality["cells"] * 2 ** (dim * times)
    assert fine.quality["coarse_cells"] == coarse.quality["cells"]
    assert fine.quality["refine"] == times
    assert fine.quality["edge_max_m"] < coarse.quality["edge_max_m"] * 0.75 ** times
    index_map = fine.mesh.topology.index_map(dim)
    local = index_map.size_local + index_map.num_ghosts
    assert np.array_equal(np.sort(fine.cell_tags.indices), np.arange(local))  # ghosts too


def test_planar_edges_halve_exactly(meshes):
    """New vertices are edge midpoints: the shortest 2D edge halves at each refinement."""
    for times in (1, 2):
        assert meshes["planar2d", times][0].quality["edge_min_m"] == pytest.approx(
            meshes["planar2d", 0][0].quality["edge_min_m"] / 2**times, rel=1e-9)


def _global_vertices(stack_mesh, entities, dim):
    from dolfinx.mesh import compute_incident_entities

    topology = stack_mesh.mesh.topology
    vertices = compute_incident_entities(topology, entities, dim, 0)
    return topology.index_map(0).local_to_global(vertices.astype(np.int32))


@pytest.mark.parametrize("kind", list(SIZES))
def test_split_interface_stays_split(kind):
    """The two sides of a split interface share no vertex after refinement, and their vertices
    coincide pairwise (the midpoints of coincident edges)."""
    case = refined(kind, 1)
    item = case.tags.interfaces[0]
    stack_mesh = build_mesh(case, MPI.COMM_SELF, split=(item.name,))
    mesh, tdim = stack_mesh.mesh, stack_mesh.mesh.topology.dim
    mesh.topology.create_connectivity(tdim - 1, 0)
    mesh.topology.create_connectivity(tdim, 0)
    cells = stack_mesh.cell_tags
    lower = _global_vertices(stack_mesh, cells.find(case.tags.cell(item.lower)), tdim)
    upper = _global_vertices(stack_mesh, cells.find(case.tags.cell(item.upper)), tdim)
    assert np.intersect1d(lower, upper).size == 0

    def points(tag):
        from dolfinx.mesh import compute_incident_entities

        vertices = compute_incident_entities(mesh.topology, stack_mesh.facet_tags.find(tag),
                                             tdim - 1, 0)
        mesh.topology.create_connectivity(0, tdim)
        from dolfinx.mesh import entities_to_geometry

        x = mesh.geometry.x[entities_to_geometry(mesh, 0, vertices).ravel()]
        return np.unique(np.round(x / 1e-12).astype(np.int64), axis=0)

    top, bottom = points(item.contact_tag), points(item.lower_contact_tag)
    assert len(top) > 10 and np.array_equal(top, bottom)


def test_refine_range_is_checked(capsys):
    from ssbstack.cli import main

    demo = str(CASES / "badding2025" / "ex1_agmg_ccd.toml")
    for value in ("5", "-1"):
        assert main(["validate", demo, "--set", f"geometry.mesh.refine={value}"]) == 2
        err = capsys.readouterr().err.strip()
        assert "geometry.mesh.refine" in err and len(err.splitlines()) == 1


def test_cell_estimate_counts_the_refined_cells():
    coarse = sum(estimate_cells(refined("planar2d", 0)).values())
    assert sum(estimate_cells(refined("planar2d", 2)).values()) == pytest.approx(16 * coarse)
    assert sum(estimate_cells(refined("box3d", 1)).values()) == pytest.approx(
        8 * sum(estimate_cells(refined("box3d", 0)).values()))


def test_faceting_warning_names_what_stays_coarse():
    assert faceting_warning(refined("planar2d", 1)) is None
    assert faceting_warning(refined("planar2d", 0, interfaces={"se|top_li": {
        "morphology": "rough", "amplitude": "2 um", "wavelength": "30 um"}})) is None
    text = faceting_warning(refined("box3d", 1))
    assert "patch circles" in text and "refine = 1" in text
    disc = reference_case("disc3d", {"mesh": {"refine": 1}})
    assert "disc rims" in faceting_warning(disc)


# The constriction checks under refinement are verification checks
# (electrochemistry.{holm,strip}_constriction_refined), run by tests/electrochemistry/test_verification.py.


REFINED_VOLTAGE = """
import json
from mpi4py import MPI
from ssbstack.io.checkpoint import original_cell_keys
from ssbstack.meshing.stack import build_mesh
from ssbstack.verification.electrochemistry import _constriction
value, model = _constriction(MPI.COMM_WORLD, "echem_strip", 4.0, 1)
mesh = build_mesh(model.case, MPI.COMM_WORLD).mesh
owned = mesh.topology.index_map(mesh.topology.dim).size_local
keys = original_cell_keys(mesh)[:owned]
centroids = mesh.geometry.x[mesh.geometry.dofmaps[0][:owned]].mean(axis=1)
pairs = sorted(zip(MPI.COMM_WORLD.allgather(keys.tolist()), MPI.COMM_WORLD.allgather(centroids.tolist())))
flat = sorted((k, c) for ks, cs in pairs for k, c in zip(ks, cs))
if MPI.COMM_WORLD.rank == 0:
    print("RESULT " + json.dumps({"R_c": value, "cells": len(flat), "keys": [k for k, _ in flat],
                                  "centroids": [c for _, c in flat]}))
"""


def test_one_and_two_ranks_agree_on_a_refined_mesh(tmp_path):
    """Strip constriction, 4× coarser gmsh mesh refined once: the same checkpoint key → cell
    on 1 and 2 ranks, and the same R_c to the linear solver's tolerance."""
    serial, parallel = serial_and_parallel_results(REFINED_VOLTAGE, tmp_path, timeout=120)
    assert parallel["keys"] == serial["keys"] == list(range(serial["cells"]))
    assert np.allclose(parallel["centroids"], serial["centroids"], rtol=0, atol=1e-15)
    assert parallel["R_c"] == pytest.approx(serial["R_c"], rel=1e-7)  # Krylov tolerance


def test_run_json_reports_peak_memory_and_the_fine_mesh(tmp_path):
    out = tmp_path / "run"
    demo = str(CASES / "badding2025" / "ex1_agmg_ccd.toml")
    run = subprocess.run(
        [sys.executable, "-m", "ssbstack.cli", "run", demo, "-o", str(out), "--set",
         'protocol.steps=["Strip at 1 mA/cm2 for 10 minutes"]', "--set", "outputs.plots=false",
         "--set", "geometry.mesh.refine=1"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    record = json.loads((out / "run.json").read_text())
    memory = record["peak_memory_kB"]
    assert list(memory) == ["start", "mesh", "setup", "end"]
    peaks = [memory[phase][0] for phase in memory]
    assert all(len(ranks) == 1 for ranks in memory.values())
    assert 10_000 < peaks[0] <= peaks[1] <= peaks[2] <= peaks[3] == record["peak_memory_kB_max"]
    assert record["dofs"] > 1000
    assert record["bytes_per_dof"] == pytest.approx(1024 * peaks[3] / record["dofs"])
    assert record["mesh"]["refine"] == 1
    assert record["mesh"]["cells"] == 4 * record["mesh"]["coarse_cells"]
    last = run.stdout.strip().splitlines()[-1]
    assert f"peak memory {peaks[3] / 1024:.0f} MB per rank" in last and "kB per dof" in last
    assert f"{record['mesh']['cells']} cells (gmsh's {record['mesh']['coarse_cells']} refined 1×)" \
        in run.stdout


def test_a_refined_run_restarts_only_on_its_rank_count(tmp_path):
    from ssbstack.config.loader import load_case, resolved_json
    from ssbstack.errors import CaseError
    from ssbstack.simulation import run_case

    case = load_case(CASES / "badding2025" / "ex1_agmg_ccd.toml", ["geometry.mesh.refine=1"])
    (tmp_path / "checkpoint").mkdir()
    (tmp_path / "checkpoint" / "state.npz").write_bytes(b"")
    (tmp_path / "run.json").write_text(json.dumps({"mpi_ranks": 2}))
    with pytest.raises(CaseError, match="restart it on 2, not 1"):
        run_case(case, resolved_json(case), tmp_path, MPI.COMM_SELF, restart=True)
