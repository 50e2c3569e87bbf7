"""Benchmark: creep mechanics time per step and Newton iterations, 2D and 3D, 1 and 2 ranks.

    python scripts/bench_creep.py            # driver: runs the workers on 1 and 2 ranks, prints a table
    mpirun -n 2 python -m mpi4py scripts/bench_creep.py --worker   # one worker run

The stack is the fixed-gap Li | LPSCl | Li of ``cases/verification/creep_convergence.toml``
(1 MPa, bonded plates) as planar2d and box3d at several element sizes. Each run applies P0 and
then takes ``--steps`` runner steps of 10 s; it reports the global dofs, wall seconds per runner
step, sub-steps and Newton iterations per step, and seconds per Newton iteration (assembly +
MUMPS factorisation + return map). Timings on a shared machine vary: compare within one run.

Measured on the project machine (2 shared cores, MUMPS, P2), 3 steps of 10 s each:

    ranks kind     size    dofs    s/step  substeps/step  newton/step  s/newton
        1 planar2d 5um        3778    0.117           1.0          6.0    0.0194
        1 planar2d 2.5um     14162    0.518           1.0          6.3    0.0819
        1 planar2d 1.25um    54234    3.640           1.0          6.3    0.5748
        1 box3d    20um       5232    0.747           1.0          5.3    0.1400
        1 box3d    10um      24117    9.989           1.0          6.0    1.6648
        2 planar2d 5um        3778    0.142           1.0          6.0    0.0236
        2 planar2d 2.5um     14162    1.245           1.0          6.3    0.1967
        2 planar2d 1.25um    54234    3.076           1.0          6.3    0.4857
        2 box3d    20um       5232    0.627           1.0          5.3    0.1176
        2 box3d    10um      24117    4.570           1.0          6.0    0.7617
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = [("planar2d", "5 um"), ("planar2d", "2.5 um"), ("planar2d", "1.25 um"),
           ("box3d", "20 um"), ("box3d", "10 um")]


def worker(steps: int) -> None:
    from mpi4py import MPI

    from ssbstack.config.loader import load_case
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.numerics.mechanics import MechanicsModel
    from ssbstack.numerics.model import Control

    comm = MPI.COMM_WORLD
    for kind, size in CONFIGS:
        overrides = [f"geometry.kind={kind}", f'geometry.mesh.interface="{size}"',
                     f'geometry.mesh.bulk="{size}"']
        if kind == "box3d":
            overrides.append('geometry.depth="100 um"')
        case = load_case(ROOT / "cases" / "verification" / "creep_convergence.toml", overrides)
        model = MechanicsModel(case, build_mesh(case, comm), comm)
        dofs = model.V.dofmap.index_map.size_global * model.V.dofmap.index_map_bs
        model.solve(0.0, 0.0, Control(0.0))
        model.accept()
        comm.Barrier()
        start = time.perf_counter()
        newton = substeps = 0
        for step in range(1, steps + 1):
            result = model.solve(10.0 * step, 10.0, Control(0.0))
            assert result.converged, result.message
            model.accept()
            newton += result.iterations
            substeps += int(result.values["substeps"])
        seconds = comm.allreduce(time.perf_counter() - start, op=MPI.MAX)
        if comm.rank == 0:
            print(f"RESULT {comm.size} {kind} {size.replace(' ', '')} {dofs} {seconds / steps:.3f} "
                  f"{substeps / steps:.1f} {newton / steps:.1f} {seconds / max(newton, 1):.4f}",
                  flush=True)


def driver(steps: int) -> None:
    mpirun = Path(sys.executable).with_name("mpirun")
    header = "ranks kind     size    dofs    s/step  substeps/step  newton/step  s/newton"
    print(header)
    for ranks in (1, 2):
        command = [str(mpirun), "-n", str(ranks), sys.executable, "-m", "mpi4py", __file__,
                   "--worker", "--steps", str(steps)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            print(f"{ranks} ranks failed:\n{done.stderr[-2000:]}")
            continue
        for line in done.stdout.splitlines():
            if line.startswith("RESULT "):
                r, kind, size, dofs, step, sub, newton, per = line.split()[1:]
                print(f"{r:>5} {kind:8} {size:7} {dofs:>7} {step:>8} {sub:>13} {newton:>12} "
                      f"{per:>9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help="run the benchmark on this comm")
    parser.add_argument("--steps", type=int, default=3, help="runner steps of 10 s per mesh")
    args = parser.parse_args()
    if args.worker:
        worker(args.steps)
    else:
        driver(args.steps)


if __name__ == "__main__":
    main()
