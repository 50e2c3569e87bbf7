"""Coupled 3D benchmark (issue 14, item 4): ``scripts/bench_coupled.py --3d [options]``.

    .venv/bin/python scripts/bench_coupled.py --3d [--size "5.5 um"] [--refine 1 2 3] [--ranks 1 2]

The driver runs one worker per (refinement, ranks) in its own process (``mpirun -n 2`` for two
ranks, as ``bench_echem.py`` and ``bench_creep.py`` do) and prints a table, then last
``coupled3d_exponent=<e> coupled3d_speedup_2ranks=<s> bytes_per_dof=<b>``.

- Case: ``cases/verification/coupled_flat.toml`` made a box3d RVE, ``--width`` wide, Li 10 um |
  LLZO 20 um | Li 10 um, 1 MPa, the bottom Li | LLZO interface with seeded voids
  (``contact_fraction`` 0.8, patches of radius ``--patch``, seed 1, open by 0.2 um), coupling,
  mechanics (creep, frictionless split-interface contact) and electrochemistry on, P1
  displacements (``mechanics.displacement_degree = 1``: P2 has ~8× the dofs per cell) and
  ``numerics.linear_solver = "iterative"`` (GMRES + GAMG for φ_e, CG + GAMG with rigid-body
  modes for the mechanics tangent: MUMPS on 3D tangents grows too fast in time and memory).
- Sizes: gmsh meshes the RVE at ``--size`` on rank 0; ``geometry.mesh.refine`` = each of
  ``--refine`` then splits every tetrahedron into 8 after distribution.
- Steps: the initial state (P0 and the current's first distribution) and one warm-up step of
  ``--dt`` s at the ramp's first current are untimed (JIT, the first creep transient); then one
  coupled runner step of ``--dt`` s at each further current of ``--ramp`` (mA/cm², stripping the
  bottom Li) is timed. Per step: wall s (max over ranks), coupled sub-steps, fixed-point
  iterations, Newton iterations (electrochemistry / mechanics) and Krylov iterations (all
  electrochemistry / mechanics linear solves).
- Baseline: a bare DOLFINx linear-elasticity solve (``bench_creep.bare_solve``: assemble, CG +
  GAMG of the mechanics tangent, solve; best of 3) on the model's own displacement space.
- Memory: peak RSS (``getrusage``, whole process) per rank, largest over ranks; bytes per dof =
  sum of the ranks' peaks / (φ_e + displacement dofs).
- Exponent: least-squares slope of log(s per step) against log(cells), 1 rank; speedup: 1-rank
  over 2-rank s per step at the largest size run on both; bytes per dof: 1 rank, largest size.

The machine is shared: compare within one run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "cases" / "verification" / "coupled_flat.toml"
sys.path.insert(0, str(ROOT / "scripts"))


def overrides(args: argparse.Namespace, refine: int) -> list[str]:
    """Case overrides of the 3D RVE at one refinement level."""
    size = args.size
    return [
        'geometry.kind="box3d"', f'geometry.width="{args.width}"',
        f'geometry.mesh={{interface="{size}", bulk="{size}", edge="{size}", refine={refine}}}',
        'geometry.interfaces."bottom_li|se"={morphology="contact_fraction", contact_fraction=0.8, '
        f'patch_radius="{args.patch}", seed=1}}',
        'stack=[{name="bottom_li", material="Li", thickness="10 um"}, '
        '{name="se", material="LLZO", thickness="20 um"}, '
        '{name="top_li", material="Li", thickness="10 um"}]',
        'conditions.stack_pressure="1 MPa"', 'mechanics.void_gap="0.2 um"',
        "mechanics.displacement_degree=1", f'numerics.linear_solver="{args.solver}"',
        "outputs.fields=false", "outputs.plots=false", *args.set,
    ]


class Counter:
    """Wraps a PETSc KSP: counts Krylov iterations of its solves."""

    def __init__(self, ksp: Any) -> None:
        self.ksp, self.krylov = ksp, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ksp, name)

    def solve(self, b: Any, x: Any) -> None:
        self.ksp.solve(b, x)
        self.krylov += self.ksp.getIterationNumber()


def instrument(model: Any) -> dict[str, int]:
    """Count electrochemistry Newton and Krylov iterations; the mechanics KSP is wrapped."""
    counts = {"newton_e": 0, "krylov_e": 0}
    echem, solve = model.echem, model.echem.solve

    def counted(*args: Any, **kwargs: Any) -> Any:
        result = solve(*args, **kwargs)
        counts["newton_e"] += int(result.iterations)
        counts["krylov_e"] += int(echem.problem.solver.getLinearSolveIterations())
        return result

    echem.solve = counted
    model.mechanics.ksp = Counter(model.mechanics.ksp)
    return counts


def trace_iterations(model: Any, path: Path) -> None:
    """Log every contact ↔ current iteration to ``path`` (rank 0; the pair arrays are global):
    pairs conducting partly (0 < χ < 1), the largest χ update, pairs whose χ moves by more than
    0.01, and the largest pair-current change since the last iteration over the mean current."""
    update_contact = model.pair_chi.update
    log = path.open("w") if model.comm.rank == 0 else None
    last: list[np.ndarray] = []

    def traced(chi: np.ndarray, target: np.ndarray, base: np.ndarray, full: np.ndarray,
               alive: np.ndarray | float = 1.0) -> np.ndarray:
        update = update_contact(chi, target, base, full, alive)
        if log is not None:
            pairs = model.coupled_pairs
            current = np.asarray(model.pair_current)
            scale = max(float(np.mean(np.abs(current[pairs]))), 1e-12)
            change = (float(np.max(np.abs(current - last[0]))) / scale
                      if last and last[0].shape == current.shape else float("nan"))
            step = np.abs(update - chi)[pairs]
            partial = int(np.sum((chi[pairs] > 0.0) & (chi[pairs] < 1.0)))
            log.write(f"{partial} {float(step.max(initial=0.0)):.3e} {int(np.sum(step > 0.01))} "
                      f"{change:.3e}\n")
            log.flush()
        last[:] = [np.array(model.pair_current, copy=True)]
        return update

    model.pair_chi.update = traced
    solve = model.solve

    def marked(time: float, *args: Any, **kwargs: Any) -> Any:
        if log is not None:
            log.write(f"# step to t = {time:g} s ({int(np.sum(model.coupled_pairs))} pairs); "
                      "columns: partial, max |dchi|, moved > 0.01, current change / mean\n")
        last.clear()
        return solve(time, *args, **kwargs)

    model.solve = marked


def worker(args: argparse.Namespace) -> None:
    """One size on this communicator; rank 0 prints ``BENCH3D <json>``."""
    from bench_creep import bare_solve
    from mpi4py import MPI

    from ssbstack.config.loader import load_case
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.numerics.model import Control
    from ssbstack.simulation import build_models, split_for

    comm = MPI.COMM_WORLD

    def wall(start: float) -> float:
        return comm.allreduce(time.perf_counter() - start, op=MPI.MAX)

    case = load_case(CASE, overrides(args, args.worker))
    start = time.perf_counter()
    stack_mesh = build_mesh(case, comm, split=split_for(case))
    record: dict[str, Any] = {"ranks": comm.size, "refine": args.worker, "mesh_s": wall(start),
                              "cells": stack_mesh.mesh.topology.index_map(3).size_global}
    start = time.perf_counter()
    (model,) = build_models(case, stack_mesh, comm, None)
    record["setup_s"] = wall(start)
    mech = model.mechanics.V.dofmap
    record["dofs_e"] = model.echem.space.dofmap.index_map.size_global + 1
    record["dofs_m"] = mech.index_map.size_global * mech.index_map_bs
    counts = instrument(model)
    if args.trace:
        trace_iterations(model, Path(args.trace))
    ramp = [10.0 * c for c in args.ramp]  # A/m²
    start = time.perf_counter()
    times = [args.dt * k for k in range(len(ramp) + 1)]
    rows = []
    for index, t in enumerate(times):
        if index == 2:  # initial state and warm-up step done: time from here
            record["warmup_s"] = wall(start)
            for key in counts:
                counts[key] = 0
            model.mechanics.ksp.krylov = 0
            comm.Barrier()
            start = time.perf_counter()
        current = ramp[index - 1] if index else 0.0
        result = model.solve(t, t - times[index - 1] if index else 0.0, Control(current))
        if not result.converged:
            raise RuntimeError(f"t = {t:g} s, {current / 10:g} mA/cm²: {result.message}")
        model.accept()
        rows.append(result.values)
    timed = rows[2:]
    steps = len(timed)
    record["step_s"] = wall(start) / steps
    record["substeps"] = sum(r["coupled_substeps"] for r in timed) / steps
    record["iterations"] = sum(r["coupling_iterations"] for r in timed) / steps
    record["newton_m"] = sum(r["newton_iterations"] for r in timed) / steps
    record["newton_e"] = counts["newton_e"] / steps
    record["krylov_e"] = counts["krylov_e"] / steps
    record["krylov_m"] = model.mechanics.ksp.krylov / steps
    record["contact"] = timed[-1]["contact_fraction_bottom"]
    record["voltage_V"] = timed[-1]["voltage_V"]
    record["bare_s"] = bare_solve(model.mechanics.V, comm, iterative=args.solver == "iterative")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0  # bytes (Linux: kB)
    record["rss_mb"] = comm.allreduce(peak, op=MPI.MAX) / 2**20
    record["bytes_per_dof"] = comm.allreduce(peak, op=MPI.SUM) / (record["dofs_e"]
                                                                  + record["dofs_m"])
    model.close()
    if comm.rank == 0:
        print("BENCH3D " + json.dumps(record), flush=True)


def run(args: argparse.Namespace, refine: int, ranks: int) -> dict[str, Any]:
    """One worker process (under mpirun for more than one rank); its record."""
    command = [sys.executable, "-m", "mpi4py", str(Path(__file__).resolve()), "--worker",
               str(refine), *forwarded(args)]
    if ranks > 1:
        command = [str(Path(sys.executable).with_name("mpirun")), "-n", str(ranks), *command]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=args.timeout)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH3D ")), None)
    if line is None:
        raise RuntimeError(f"worker failed (refine {refine}, {ranks} ranks):\n"
                           f"{done.stderr[-3000:]}")
    return json.loads(line.removeprefix("BENCH3D "))


def forwarded(args: argparse.Namespace) -> list[str]:
    """The driver's options, for its workers."""
    out = ["--size", args.size, "--width", args.width, "--patch", args.patch, "--dt",
           str(args.dt), "--solver", args.solver, "--ramp", *map(str, args.ramp)]
    if args.trace:
        out += ["--trace", args.trace]
    for item in args.set:
        out += ["--set", item]
    return out


def driver(args: argparse.Namespace) -> None:
    from bench_echem import _fit_exponent

    print(f"coupled 3D RVE: box3d {args.width}, gmsh size {args.size}, refine {args.refine}, "
          f"ranks {args.ranks}, {args.solver} solvers, steps of {args.dt:g} s at {args.ramp} "
          f"mA/cm² (first untimed); load average {os.getloadavg()[0]:.2f} on "
          f"{os.cpu_count()} cores", flush=True)
    print(f"{'ranks':>5} {'cells':>9} {'dofs e+m':>17} {'s/step':>8} {'substeps':>8} "
          f"{'fp it':>5} {'newton e/m':>11} {'krylov e/m':>13} {'bare s':>7} {'ratio':>6} "
          f"{'RSS MB':>7} {'B/dof':>7} {'warmup s':>8} {'mesh s':>6}", flush=True)
    rows = []
    for refine in args.refine:
        for ranks in args.ranks:
            try:
                r = run(args, refine, ranks)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                print(f"refine {refine}, {ranks} rank(s): {str(exc)[-1500:]}", flush=True)
                continue
            rows.append(r)
            print(f"{r['ranks']:>5} {r['cells']:>9} {r['dofs_e']:>8}+{r['dofs_m']:<8} "
                  f"{r['step_s']:>8.2f} {r['substeps']:>8.1f} {r['iterations']:>5.1f} "
                  f"{r['newton_e']:>5.1f}/{r['newton_m']:<5.1f} "
                  f"{r['krylov_e']:>5.0f}/{r['krylov_m']:<7.0f} {r['bare_s']:>7.3f} "
                  f"{r['step_s'] / r['bare_s']:>6.1f} {r['rss_mb']:>7.0f} "
                  f"{r['bytes_per_dof']:>7.0f} {r['warmup_s']:>8.1f} {r['mesh_s']:>6.1f}",
                  flush=True)
    serial = sorted((r for r in rows if r["ranks"] == 1), key=lambda r: r["cells"])
    exponent = (_fit_exponent([(r["cells"], r["step_s"]) for r in serial])
                if len(serial) > 1 else math.nan)
    both = [(r, p) for r in serial for p in rows if p["ranks"] == 2 and p["cells"] == r["cells"]]
    speedup = both[-1][0]["step_s"] / both[-1][1]["step_s"] if both else math.nan
    per_dof = serial[-1]["bytes_per_dof"] if serial else math.nan
    if serial:
        big = serial[-1]
        line = (f"largest 1-rank size {big['cells']} cells: {big['step_s']:.2f} s per coupled "
                f"step = {big['step_s'] / big['bare_s']:.1f} bare elasticity solves")
        if big["cells"] < 1e6 and math.isfinite(exponent):
            line += (f"; 1 M cells at N^{exponent:.2f}: ~"
                     f"{big['step_s'] * (1e6 / big['cells']) ** exponent:.0f} s per step on 1 "
                     "rank (extrapolated, not measured)")
        print(line, flush=True)
    print(f"coupled3d_exponent={exponent:.3g} coupled3d_speedup_2ranks={speedup:.3g} "
          f"bytes_per_dof={per_dof:.4g}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="5.5 um", help="gmsh element size of the coarse mesh")
    parser.add_argument("--refine", type=int, nargs="+", default=[1, 2, 3],
                        help="geometry.mesh.refine levels, one size each (x8 cells per level)")
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--width", default="40 um", help="lateral size of the RVE")
    parser.add_argument("--patch", default="10 um", help="mean void patch radius")
    parser.add_argument("--dt", type=float, default=1.0, help="runner step, s")
    parser.add_argument("--ramp", type=float, nargs="+", default=[0.5, 1.0, 1.5],
                        help="stripping currents of the steps, mA/cm² (the first untimed)")
    parser.add_argument("--solver", choices=["iterative", "direct"], default="iterative",
                        help="numerics.linear_solver")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a case value (repeatable)")
    parser.add_argument("--timeout", type=float, default=7200.0, help="s per worker")
    parser.add_argument("--trace", metavar="PATH", help="log every contact ↔ current iteration "
                        "(pairs conducting partly, largest χ update, current change) to PATH")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if len(args.ramp) < 2:
        parser.error("--ramp needs an untimed first current and at least one timed one")
    if args.worker is not None:
        worker(args)
    else:
        driver(args)


if __name__ == "__main__":
    main()
