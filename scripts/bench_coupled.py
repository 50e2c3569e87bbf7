"""Benchmark of the coupled step (issue 10, item 8): coupled vs uncoupled cost, CCD-ramp estimate.

    .venv/bin/python scripts/bench_coupled.py [--sizes 8 4 2] [--set KEY=VALUE ...]
    .venv/bin/mpirun -n 2 .venv/bin/python scripts/bench_coupled.py      # rank 0 prints
    .venv/bin/python scripts/bench_coupled.py --3d [...]   # the 3D benchmark: bench_coupled3d.py

Case: ``cases/verification/coupled_debond.toml`` (2D Li | LLZO | Li RVE, 1 MPa, one seeded debond of
half-width 10 um open by 0.2 um), with any ``--set`` overrides.

1. Coupled vs uncoupled, per interface mesh size (``--sizes``, um, ``geometry.mesh.interface``):
   one split mesh; on it the coupled model (the run's ``build_models``) and the two uncoupled
   ones, electrochemistry alone (``coupling.enabled=false, mechanics.enabled=false``) and
   mechanics alone (``coupling.enabled=false, electrochemistry.enabled=false``; uniform stripping).
   Each takes its initial state (untimed), then ``--steps`` runner steps of ``--dt`` s stripping at
   ``--current`` mA/cm². Wall seconds per step (max over ranks) of the coupled model against the
   sum of the two uncoupled ones: the ratio is what the coupling costs (issue target: <= 3).
   Newton iterations are counted by wrapping each model's electrochemistry ``solve`` and
   mechanics ``advance`` (e = electrochemistry, m = mechanics, summed over sub-steps); ``mech %``
   is the coupled step's wall time inside mechanics advances.
2. Source-A CCD ramp estimate (0.1 -> 3.0 mA/cm² by 0.1, 2 cycles per level, 30-min half cycles:
   120 half cycles, 60 h; issue target: <= 10 min on 2 cores). Not run: the coupled models of the
   case's own mesh (the default 2D RVE; seated by part 1's steps, in which the debond closes) are
   driven by the protocol runner through one 30-min stripping half cycle per ``--ramp-levels``
   level, one after the other (each from the state the last one left). A half cycle that needs
   more than ``--ramp-budget`` wall seconds is stopped after the runner step that passes it and
   its cost scaled to 30 min (a shorter stretch, extrapolated). Ramp time = seating (part 1's
   coupled steps on that mesh, once) + 4 half cycles per level, the cost of a level interpolated
   linearly in the current between measured levels (extrapolated linearly past the last one,
   never below the cheapest): an extrapolation, and an upper bound in that a cell that fails
   stops the ramp early. Plating half cycles are taken to cost as much as stripping ones
   (checked once on the 2 um mesh after seating: plating 24 s and 40 s at 1 and 3 mA/cm², against
   34 s and 42 s for stripping, the same sub-steps per runner step).
   A coupled sub-step retried at the same time and size ``STALL_REPEATS`` times without progress is
   reported as stalled (before 86e6c72 ``CoupledModel.solve`` stretched a sub-step cut by 0.8-0.9
   at the motion limit back to the step's remainder and looped: 1 mA/cm², 90 s steps, 2 um mesh);
   that half cycle is then repeated from its start with a smaller ``numerics.max_time_step``, and
   the line says so.

3. Coupled sub-step cost on a case of its own (``--substep-case PATH``, then parts 1 and 2 are not
   run), e.g. ``cases/badding2025/ccd/ce1_ccd.toml`` (source A's CE1 RVE, 10k cells): its models
   are built twice on one mesh, the mechanics tangent factorised by LU
   (``numerics.symmetric_tangent=false``, the reference) and by LDLᵀ (the default); each takes
   its initial state (untimed), then ``--steps`` runner steps of ``--dt`` s stripping at
   ``--current`` mA/cm² (``run_models``: one coupled solve per runner step). Per row: wall seconds
   per coupled sub-step, coupled iterations and mechanics Newton iterations per sub-step, the
   ratio of the sub-step to a bare DOLFINx elasticity solve on the mechanics space
   (``bench_creep.bare_solve``: assemble, MUMPS LU, solve), and the largest relative difference
   of the rows from the reference's (voltage, stack pressure, contact fractions, largest gaps).
   Last line: ``substep_speedup=<reference s per sub-step / LDLᵀ s per sub-step>``.

Python's cyclic garbage collector is off while models run and is called on all ranks together
between sizes and half cycles: a model dropped in a reference cycle was otherwise destroyed (its
PETSc SNES, a collective MUMPS clean-up) on one rank while the other was in a ghost update, and the
2-rank run hung.

Last line: ``coupled_over_uncoupled=<ratio on the largest mesh (finest size)>
ramp_minutes=<estimate>``, the ramp on the ranks of this run (the line before says how many). The
machine the numbers in README.md come from is shared (2 cores, other jobs running): they are
noisy; compare within one run.
"""

from __future__ import annotations

import argparse
import copy
import gc
import math
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "cases" / "verification" / "coupled_debond.toml"
UNCOUPLED = (("electrochemistry", ["coupling.enabled=false", "mechanics.enabled=false"]),
             ("mechanics", ["coupling.enabled=false", "electrochemistry.enabled=false"]))
RAMP_LEVELS = [round(0.1 * k, 1) for k in range(1, 31)]  # mA/cm², source A
HALF_CYCLES_PER_LEVEL = 4  # 2 cycles × (strip + plate)
HALF_CYCLE_S = 1800.0
STALL_REPEATS = 5


class Stalled(RuntimeError):
    """A coupled sub-step was retried at the same time and size without progress."""


class Meter:
    """Wall seconds and Newton iterations of electrochemistry solves and mechanics advances."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.seconds = {"e": 0.0, "m": 0.0}
        self.newton = {"e": 0, "m": 0}

    def wrap(self, target: Any, method: str, kind: str) -> None:
        original = getattr(target, method)

        def measured(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            result = original(*args, **kwargs)
            self.seconds[kind] += time.perf_counter() - start
            self.newton[kind] += int(result.values.get("newton_iterations", result.iterations)
                                     if kind == "m" and result.converged else result.iterations)
            return result

        setattr(target, method, measured)

    def instrument(self, model: Any) -> None:
        """Wrap a coupled, electrochemistry or mechanics model's solves."""
        if hasattr(model, "echem"):  # coupled
            self.wrap(model.echem, "solve", "e")
            self.wrap(model.mechanics, "advance", "m")
        elif hasattr(model, "advance"):
            self.wrap(model, "advance", "m")
        else:
            self.wrap(model, "solve", "e")


def guard_stall(model: Any, comm: Any) -> None:
    """Raise :class:`Stalled` (on every rank) when a coupled sub-step makes no progress."""
    from mpi4py import MPI

    original = model._substep
    seen: dict[str, Any] = {"key": None, "count": 0}

    def substep(time_: float, h: float, control: Any, start: Any) -> Any:
        out = original(time_, h, control, start)
        key = (time_, h)
        if out[0]:
            seen.update(key=None, count=0)
        elif key == seen["key"]:
            seen["count"] += 1
        else:
            seen.update(key=key, count=1)
        if comm.allreduce(int(seen["count"] >= STALL_REPEATS), op=MPI.MAX):
            raise Stalled(f"coupled sub-step h = {h:.3g} s at t = {time_:.6g} s failed "
                          f"{seen['count']} times unchanged: {out[3]}")
        return out

    model._substep = substep


def collect(comm: Any) -> None:
    """Collect garbage (PETSc objects' destruction is collective) on all ranks together."""
    comm.Barrier()
    gc.collect()
    comm.Barrier()


def load(overrides: list[str]) -> Any:
    from ssbstack.config.loader import load_case

    return load_case(CASE, overrides)


def wall(comm: Any, start: float) -> float:
    from mpi4py import MPI

    return comm.allreduce(time.perf_counter() - start, op=MPI.MAX)


def step(models: list[Any], comm: Any, times: list[float], current: float, meter: Meter
         ) -> tuple[float, list[dict[str, float]]]:
    """Initial state (untimed, not metered), then each of ``times``; (wall s of the steps, their
    rows)."""
    from ssbstack.verification.coupled import run_models

    run_models(models, [], current)
    meter.reset()
    comm.Barrier()
    start = time.perf_counter()
    rows = run_models(models, times, current, initial=False)
    return wall(comm, start), rows


def compare(size: float, args: argparse.Namespace, comm: Any) -> tuple[dict[str, Any], list[Any]]:
    """Part 1 at one interface mesh size: coupled and uncoupled on one split mesh."""
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.simulation import build_models, split_for

    sized = [*args.set, f'geometry.mesh.interface="{size:g} um"']
    case = load(sized)
    stack_mesh = build_mesh(case, comm, split=split_for(case))
    tdim = stack_mesh.mesh.topology.dim
    row: dict[str, Any] = {"size": size,
                           "cells": stack_mesh.mesh.topology.index_map(tdim).size_global}
    times = [args.dt * k for k in range(1, args.steps + 1)]
    current = args.current * 10.0  # mA/cm² -> A/m²
    (coupled,) = build_models(case, stack_mesh, comm, None)
    row["dofs_e"] = coupled.echem.space.dofmap.index_map.size_global + 1
    mech_map = coupled.mechanics.V.dofmap
    row["dofs_m"] = mech_map.index_map.size_global * mech_map.index_map_bs
    meter = Meter()
    meter.instrument(coupled)
    guard_stall(coupled, comm)
    uncoupled = []
    for name, switches in UNCOUPLED:
        (model,) = build_models(load([*sized, *switches]), stack_mesh, comm, None)
        uncoupled.append((name, model))
    try:
        seconds, rows = step([coupled], comm, times, current, meter)
    except Stalled as exc:
        row["stalled"] = str(exc)
        return row, []
    row["coupled_s"] = seconds / args.steps
    row["substeps"] = sum(r["coupled_substeps"] for r in rows) / args.steps
    row["iterations"] = sum(r["coupling_iterations"] for r in rows) / args.steps
    row["newton_c"] = {k: v / args.steps for k, v in meter.newton.items()}
    row["mech_share"] = meter.seconds["m"] / max(seconds, 1e-12)
    row["contact_end"] = rows[-1]["contact_fraction_bottom"]
    row["newton_u"], row["uncoupled_s"] = {}, {}
    for name, model in uncoupled:
        own = Meter()
        own.instrument(model)
        seconds, _ = step([model], comm, times, current, own)
        row["uncoupled_s"][name] = seconds / args.steps
        row["newton_u"][name[0]] = sum(own.newton.values()) / args.steps
        model.close()
    row["sum_s"] = sum(row["uncoupled_s"].values())
    row["ratio"] = row["coupled_s"] / row["sum_s"]
    return row, [coupled]


def half_cycle(models: list[Any], args: argparse.Namespace, comm: Any, level: float,
               t_now: float) -> dict[str, Any]:
    """One 30-min stripping half cycle at ``level`` mA/cm² through the protocol runner, from the
    models' state at ``t_now``; stopped after ``--ramp-budget`` wall seconds."""
    from mpi4py import MPI

    from ssbstack.errors import RunStopped
    from ssbstack.numerics.runner import Position, ProtocolRunner, RunSummary

    saved = copy.deepcopy(models[0].state())
    max_step, notes = None, []
    for _attempt in range(4):
        overrides = [*args.set, f'protocol.steps=["Strip at {level:g} mA/cm2 for 30 minutes"]']
        if max_step is not None:
            overrides.append(f'numerics.max_time_step="{max_step:g} s"')
        case = load(overrides)
        comm.Barrier()
        start = time.perf_counter()

        def over_budget(start: float = start) -> bool:
            return bool(comm.allreduce(int(time.perf_counter() - start > args.ramp_budget),
                                       op=MPI.MAX))

        runner = ProtocolRunner(case, models, lambda row: None, lambda line: None,
                                lambda t: None, stop_requested=over_budget)
        status = "completed"
        try:
            summary = runner.run(Position(time=t_now, step_start=t_now), RunSummary())
            end, status = summary.end_time_s, summary.status
        except RunStopped:
            end, status = runner.position.time, "stretch"
        except Stalled as exc:
            dt_max = max_step or HALF_CYCLE_S / 20.0  # the runner's default for 30 min
            max_step = 0.6 * dt_max
            notes.append(f"stalled at dt_max {dt_max:g} s ({exc}); repeated with "
                         f"numerics.max_time_step = {max_step:g} s")
            models[0].restore(copy.deepcopy(saved))
            continue
        seconds = wall(comm, start)
        simulated = end - t_now
        return {"level": level, "seconds": seconds, "simulated": simulated, "status": status,
                "half_cycle_s": seconds * HALF_CYCLE_S / max(simulated, 1e-9), "end": end,
                "notes": notes}
    return {"level": level, "status": "stalled", "notes": notes, "end": t_now}


def ramp_seconds(measured: list[tuple[float, float]], seating: float) -> float:
    """Seating + 4 half cycles per level, costs linear in the current between (and past) the
    measured levels, never below the cheapest measured one."""
    points = sorted(measured)
    floor = min(cost for _, cost in points)

    def cost(level: float) -> float:
        if len(points) == 1:
            return floor
        for index in range(len(points) - 1):
            (a, ca), (b, cb) = points[index], points[index + 1]
            if level <= b or index == len(points) - 2:
                return max(floor, ca + (cb - ca) * (level - a) / (b - a))
        return floor

    return seating + HALF_CYCLES_PER_LEVEL * sum(cost(level) for level in RAMP_LEVELS)


VARIANTS = (False, True)  # numerics.symmetric_tangent; the first is the reference (LU)
SUBSTEP_COLUMNS = ("voltage_V", "stack_pressure_Pa", "contact_fraction_bottom",
                   "contact_fraction_top", "max_gap_bottom_m", "max_gap_top_m")


def substep_cost(args: argparse.Namespace, comm: Any) -> None:
    """Part 3: the coupled sub-step of ``--substep-case``, tangent by LU and by LDLᵀ."""
    import numpy as np

    from ssbstack.config.loader import load_case
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.simulation import build_models, split_for
    from ssbstack.verification.coupled import run_models

    sys.path.insert(0, str(ROOT / "scripts"))
    from bench_creep import bare_solve

    def say(text: str) -> None:
        if comm.rank == 0:
            print(text, flush=True)

    path = Path(args.substep_case)
    case = load_case(path, args.set)
    stack_mesh = build_mesh(case, comm, split=split_for(case))
    times = [args.dt * k for k in range(1, args.steps + 1)]
    say(f"{path.name}, {comm.size} rank(s), {args.steps} steps of {args.dt:g} s at "
        f"{args.current:g} mA/cm², git {revision() if comm.rank == 0 else ''}; load average "
        f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    say(f"{'LDLt':>5} {'substeps':>8} {'s/substep':>9} {'iters':>6} {'newton':>6} "
        f"{'bare s':>7} {'ratio':>6} {'max rel diff':>12}")
    results, bare = {}, None
    for symmetric in VARIANTS:
        switches = [f"numerics.symmetric_tangent={symmetric}"]
        (model,) = build_models(load_case(path, [*args.set, *switches]), stack_mesh, comm, None)
        if bare is None:
            bare = bare_solve(model.mechanics.V, comm)
        meter = Meter()
        meter.instrument(model)
        run_models([model], [], args.current * 10.0)  # initial state: untimed, not counted
        meter.reset()
        comm.Barrier()
        start = time.perf_counter()
        rows = run_models([model], times, args.current * 10.0, initial=False)
        seconds = wall(comm, start)
        substeps = max(sum(r["coupled_substeps"] for r in rows), 1)
        per = seconds / substeps
        table = np.array([[r[c] for c in SUBSTEP_COLUMNS] for r in rows])
        results[symmetric] = (per, table)
        difference = math.nan
        if symmetric != VARIANTS[0]:
            plain = results[VARIANTS[0]][1]
            scale = np.maximum(np.abs(plain), 1e-30)
            difference = float(np.max(np.abs(table - plain) / scale))
        say(f"{symmetric!s:>5} {substeps:>8.0f} {per:>9.3f} "
            f"{sum(r['coupling_iterations'] for r in rows) / substeps:>6.1f} "
            f"{meter.newton['m'] / substeps:>6.1f} {bare:>7.3f} {per / bare:>6.1f} "
            f"{difference:>12.2e}")
        model.close()
        del model
        collect(comm)
    say(f"substep_speedup={results[VARIANTS[0]][0] / results[VARIANTS[1]][0]:.3g}")


def revision() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, cwd=ROOT)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "solver"], capture_output=True,
                           text=True, cwd=ROOT).stdout.strip()
    return done.stdout.strip() + ("+dirty solver/" if dirty else "")


def run(args: argparse.Namespace, comm: Any) -> None:
    def say(text: str) -> None:
        if comm.rank == 0:
            print(text, flush=True)

    default_size = load(args.set).geometry.mesh.interface * 1e6  # um
    say(f"coupled_debond, {comm.size} rank(s), {args.steps} steps of {args.dt:g} s at "
        f"{args.current:g} mA/cm², git {revision() if comm.rank == 0 else ''}; shared machine: "
        f"wall times are noisy (load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores)")
    say(f"{'size':>6} {'cells':>6} {'dofs e+m':>11} {'coupled s':>9} {'e s':>7} {'m s':>7} "
        f"{'sum s':>7} {'ratio':>6} {'substeps':>8} {'iters':>6} {'newton c e/m':>12} "
        f"{'newton u e/m':>12} {'mech %':>6} {'contact':>7}")
    rows, seated = [], None
    sizes = list(args.sizes)
    if not any(abs(s - default_size) < 1e-6 for s in sizes) and args.ramp_levels:
        sizes.append(default_size)  # the ramp needs the default mesh seated
    for size in sizes:
        row, models = compare(size, args, comm)
        if "stalled" in row:
            say(f"{size:>4g}um {row['cells']:>6} stalled: {row['stalled']}")
            collect(comm)
            continue
        rows.append(row)
        nc, nu = row["newton_c"], row["newton_u"]
        say(f"{size:>4g}um {row['cells']:>6} {row['dofs_e']:>5}+{row['dofs_m']:<5} "
            f"{row['coupled_s']:>9.3f} {row['uncoupled_s']['electrochemistry']:>7.3f} "
            f"{row['uncoupled_s']['mechanics']:>7.3f} {row['sum_s']:>7.3f} {row['ratio']:>6.1f} "
            f"{row['substeps']:>8.1f} {row['iterations']:>6.1f} "
            f"{nc['e']:>5.1f}/{nc['m']:<6.1f} {nu['e']:>5.1f}/{nu['m']:<6.1f} "
            f"{100 * row['mech_share']:>6.0f} {row['contact_end']:>7.3f}")
        if abs(size - default_size) < 1e-6:
            seated = (row, models)
        else:
            for model in models:
                model.close()
        del models
        collect(comm)
    table = [r for r in rows if r["size"] in args.sizes]
    largest = min(table, key=lambda r: r["size"]) if table else None
    ratio = largest["ratio"] if largest else float("nan")
    minutes = float("nan")
    say(f"load average (1 min) after part 1: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if args.ramp_levels and seated is not None:
        row, models = seated
        seating = row["coupled_s"] * args.steps
        say(f"ramp estimate on the default mesh ({default_size:g} um): seating = part 1's coupled "
            f"steps there, {seating:.1f} s (the debond closes: contact {row['contact_end']:.3f})")
        t_now, measured = args.dt * args.steps, []
        for level in args.ramp_levels:
            result = half_cycle(models, args, comm, level, t_now)
            collect(comm)
            for note in result["notes"]:
                say(f"  {level:g} mA/cm²: {note}")
            if result["status"] == "stalled":
                say(f"  {level:g} mA/cm²: stalled at every max_time_step tried: not measured")
                continue
            t_now = result["end"]
            kind = ("measured" if result["simulated"] >= HALF_CYCLE_S * (1 - 1e-9)
                    else f"{result['simulated']:.0f} s simulated ({result['status']}), scaled "
                    "to 30 min")
            say(f"  {level:g} mA/cm²: {result['seconds']:.1f} s wall -> half cycle "
                f"{result['half_cycle_s']:.1f} s ({kind})")
            measured.append((level, result["half_cycle_s"]))
        for model in models:
            model.close()
        if measured:
            total = ramp_seconds(measured, seating)
            minutes = total / 60.0
            say(f"ramp extrapolation on {comm.size} rank(s): 120 half cycles (60 h simulated) "
                f"~ {minutes:.1f} min wall (an extrapolation from {len(measured)} level(s), "
                "not a run)")
    say(f"coupled_over_uncoupled={ratio:.3g} ramp_minutes={minutes:.3g}")


def main() -> None:
    if "--3d" in sys.argv[1:]:  # the coupled 3D benchmark (issue 14): its own options
        sys.path.insert(0, str(ROOT / "scripts"))
        from bench_coupled3d import main as main3d

        main3d([a for a in sys.argv[1:] if a != "--3d"])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[8.0, 4.0, 2.0],
                        help="interface mesh sizes, um (geometry.mesh.interface)")
    parser.add_argument("--steps", type=int, default=3, help="timed runner steps per model")
    parser.add_argument("--dt", type=float, default=30.0, help="runner step, s")
    parser.add_argument("--current", type=float, default=1.0, help="stripping, mA/cm²")
    parser.add_argument("--ramp-levels", type=float, nargs="*", default=[0.1, 1.0, 3.0],
                        help="currents (mA/cm²) of the measured half cycles; none: no ramp")
    parser.add_argument("--ramp-budget", type=float, default=45.0,
                        help="wall seconds after which a half cycle is cut short and scaled")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a case value (repeatable)")
    parser.add_argument("--substep-case", metavar="PATH",
                        help="part 3 only: coupled sub-step cost of this case, tangent by LU "
                        "and by LDLt")
    args = parser.parse_args()
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    gc.disable()  # collected on all ranks together (collect)
    try:
        if args.substep_case:
            substep_cost(args, comm)
        else:
            run(args, comm)
    except Exception:
        traceback.print_exc()
        sys.stderr.flush()
        if comm.size > 1:
            comm.Abort(1)
        raise


if __name__ == "__main__":
    main()
