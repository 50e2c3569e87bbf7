"""Run under MPI by test_mpi.py: mesh reference cases, print global cell counts and measures."""

from __future__ import annotations

import json
import sys

from mpi4py import MPI

from ssbstack.meshing.quality import tagged_measures
from ssbstack.meshing.reference import reference_case
from ssbstack.meshing.stack import build_mesh


def summary(kinds: list[str], comm: MPI.Comm) -> dict[str, dict[str, float]]:
    """Global cell count and tagged measures of each reference kind (collective)."""
    out = {}
    for kind in kinds:
        stack_mesh = build_mesh(reference_case(kind), comm)
        out[kind] = {"cells": stack_mesh.quality["cells"], **tagged_measures(stack_mesh)}
    return out


if __name__ == "__main__":
    result = summary(sys.argv[1:], MPI.COMM_WORLD)
    if MPI.COMM_WORLD.rank == 0:
        print(json.dumps(result))
