"""Same seed, same mesh on 1 and 2 ranks: global cell counts and tagged measures agree."""

from __future__ import annotations

import json

import pytest
from mpi4py import MPI
from mpi_measures import summary

from conftest import run_mpi

KINDS = ["planar2d", "axisymmetric", "box3d"]


def test_two_ranks_give_the_serial_mesh():
    serial = summary(KINDS, MPI.COMM_SELF)
    run = run_mpi(["tests/meshing/mpi_measures.py", *KINDS], ranks=2, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    parallel = json.loads(run.stdout.strip().splitlines()[-1])
    for kind in KINDS:
        assert parallel[kind]["cells"] == serial[kind]["cells"], kind
        for name, value in serial[kind].items():
            assert parallel[kind][name] == pytest.approx(value, rel=1e-12, abs=1e-30), (kind, name)
