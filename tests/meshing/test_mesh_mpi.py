"""Same seed, same mesh on 1 and 2 ranks: global cell counts and tagged measures agree, also
after writing the mesh to XDMF and reading it back on 2 ranks."""

from __future__ import annotations

import json

import pytest
from mpi4py import MPI
from mpi_measures import summary

from conftest import run_mpi

KINDS = ["planar2d", "axisymmetric", "box3d"]


def test_two_ranks_give_the_serial_mesh(tmp_path):
    serial = summary(tmp_path / "serial", KINDS, MPI.COMM_SELF)
    run = run_mpi(["tests/meshing/mpi_measures.py", str(tmp_path / "parallel"), *KINDS],
                  ranks=2, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    parallel = json.loads(run.stdout.strip().splitlines()[-1])
    assert parallel.keys() == serial.keys()
    for kind, expected in serial.items():
        assert parallel[kind]["cells"] == expected["cells"], kind
        for name, value in expected.items():
            assert parallel[kind][name] == pytest.approx(value, rel=1e-12, abs=1e-30), (kind, name)
