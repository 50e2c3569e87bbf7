"""Run under MPI by test_mesh_mpi.py: mesh reference cases, print global cell counts and measures.

Usage: ``python -m mpi4py mpi_measures.py OUTDIR KIND...``; the first kind is also written to
OUTDIR with :func:`mesh_case` and read back (reported as ``<kind>_xdmf``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mpi4py import MPI

from ssbstack.meshing import mesh_case, read_mesh, tagged_measures
from ssbstack.meshing.reference import reference_case
from ssbstack.meshing.stack import build_mesh


def summary(outdir: Path, kinds: list[str], comm: MPI.Comm) -> dict[str, dict[str, float]]:
    """Global cell count and tagged measures of each reference kind (collective)."""
    out = {}
    for kind in kinds:
        case = reference_case(kind)
        stack_mesh = mesh_case(case, comm, outdir) if kind == kinds[0] else build_mesh(case, comm)
        out[kind] = {"cells": stack_mesh.quality["cells"], **tagged_measures(stack_mesh)}
    again = read_mesh(outdir / "mesh.xdmf", reference_case(kinds[0]), comm)
    out[f"{kinds[0]}_xdmf"] = {"cells": again.quality["cells"], **tagged_measures(again)}
    return out


if __name__ == "__main__":
    result = summary(Path(sys.argv[1]), sys.argv[2:], MPI.COMM_WORLD)
    if MPI.COMM_WORLD.rank == 0:
        print(json.dumps(result))
