"""Benchmark: mesh a 3D RVE (box3d, seeded voids at the lower Li | SE interface) of >= 1 M cells.

Usage: ``python scripts/bench_mesh.py [--width "100 um"] [--size "1.6 um"] [--algorithm hxt]
[--threads 2]``
(serial or under mpirun; gmsh runs on rank 0, the mesh is distributed to all ranks). The last
line reads
``cells=<N> mesh_seconds=<s> peak_rss_mb=<m>`` (peak RSS: the largest over ranks).
"""

from __future__ import annotations

import argparse
import resource
import time

from mpi4py import MPI

from ssbstack.meshing.reference import reference_case
from ssbstack.meshing.stack import build_mesh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", default="100 um", help="lateral size of the RVE")
    parser.add_argument("--size", default="1.6 um", help="element size everywhere")
    parser.add_argument("--algorithm", default="delaunay", choices=["delaunay", "hxt"],
                        help="gmsh 3D mesher")
    parser.add_argument("--threads", type=int, default=1, help="gmsh threads on rank 0")
    args = parser.parse_args()
    case = reference_case("box3d", {
        "width": args.width,
        "mesh": {"interface": args.size, "bulk": args.size, "edge": args.size,
                 "algorithm3d": args.algorithm, "threads": args.threads},
        "interfaces": {"bottom_li|se": {"morphology": "contact_fraction", "contact_fraction": 0.8,
                                        "patch_radius": "10 um", "seed": 1}},
    })
    comm = MPI.COMM_WORLD
    start = time.perf_counter()
    stack_mesh = build_mesh(case, comm)
    seconds = comm.allreduce(time.perf_counter() - start, op=MPI.MAX)
    rss = comm.allreduce(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, op=MPI.MAX)
    if comm.rank == 0:
        quality = stack_mesh.quality
        print(f"ranks={comm.size} threads={args.threads} gmsh_seconds={quality['gmsh_seconds']:.1f} "
              f"quality_min={quality['quality_min']:.3f} "
              f"quality_mean={quality['quality_mean']:.3f} edge_min_m={quality['edge_min_m']:.3e}")
        print(f"cells={quality['cells']} mesh_seconds={seconds:.1f} peak_rss_mb={rss:.0f}")


if __name__ == "__main__":
    main()
