"""Springs vs fixed gap at 1, 3, 5 MPa: regenerate the README figure ``docs/img/creep_fixtures.png``.

    python scripts/fixture_sweep.py                  # 6 runs, two at a time, then the figure and summary
    python scripts/fixture_sweep.py --overwrite      # replace existing run folders
    python scripts/fixture_sweep.py --ranks 2 --jobs 1   # each run on 2 MPI ranks, one at a time
    python scripts/fixture_sweep.py --plot-only      # re-plot and re-summarise existing results

Runs the source C stripping cases ``cases/ham2024/strip_springs_5MPa.toml`` (constant-pressure
spring holder) and ``cases/ham2024/strip_fixed_gap_5MPa.toml`` (fixed-gap holder) at stack pressures
of 1, 3 and 5 MPa (``ssbstack run CASE -o DIR --set conditions.stack_pressure="P MPa"``): stripping
at 1 mA/cm² for 1 h at 40 °C with frictionless Li | SE contact that can open. Uniform stripping
is taken up by the stack moving as a whole; creep shows in the plate displacement (the stack
thinning the fixture answers) and in where the contact opens.

Results go to ``results/fixture_sweep/<fixture>_<P>MPa/`` (``--out``); existing run folders are not
replaced unless ``--overwrite``. The figure has three panels against time: stack pressure change,
bottom Li thickness change (its volume / collector area, so stripping but not lateral creep; the dotted
line is stripping alone, ∫ i dt Ω/F) and contact fraction (area fraction of both Li | SE interfaces in
contact; springs solid, fixed gap dashed, one colour per pressure). A summary table is printed and
written to ``<out>/summary.md``: P0 and P at the end, the plate displacement (the stack thinning by
creep that the fixture answers), the bottom Li thickness change and its part beyond stripping, the
minimum contact fraction, the largest interface gap and the run's wall time. On the project machine
(2 shared cores) each run takes 2-4 min and the sweep about 9 min.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ssbstack.config.schema import FARADAY

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "springs": ROOT / "cases" / "ham2024" / "strip_springs_5MPa.toml",
    "fixed_gap": ROOT / "cases" / "ham2024" / "strip_fixed_gap_5MPa.toml",
}
LABELS = {"springs": "springs", "fixed_gap": "fixed gap"}
STYLES = {"springs": "-", "fixed_gap": "--"}
PRESSURES_MPA = (1, 3, 5)
COLOURS = {1: "tab:blue", 3: "tab:orange", 5: "tab:red"}


@dataclass(frozen=True)
class Run:
    """One case at one stack pressure."""

    fixture: str
    pressure_mpa: int

    @property
    def name(self) -> str:
        return f"{self.fixture}_{self.pressure_mpa}MPa"


def ssbstack_exe() -> str:
    """The ``ssbstack`` console script next to this Python, else the one on PATH."""
    local = Path(sys.executable).parent / "ssbstack"
    if local.exists():
        return str(local)
    found = shutil.which("ssbstack")
    if found is None:
        sys.exit("fixture_sweep: the ssbstack command was not found (install the solver package)")
    return found


def command(run: Run, folder: Path, ranks: int, overwrite: bool) -> list[str]:
    """The ``ssbstack run`` command line of one run (under mpirun when ranks > 1)."""
    cmd = [ssbstack_exe(), "run", str(CASES[run.fixture]), "-o", str(folder),
           "--set", f'conditions.stack_pressure="{run.pressure_mpa} MPa"']
    if overwrite:
        cmd.append("--overwrite")
    if ranks > 1:
        mpirun = Path(sys.executable).parent / "mpirun"
        cmd = [str(mpirun) if mpirun.exists() else "mpirun", "-n", str(ranks), *cmd]
    return cmd


def last_line(path: Path) -> str:
    """Last non-blank line of a text file ('' if none)."""
    lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def run_all(runs: list[Run], out: Path, ranks: int, jobs: int, overwrite: bool) -> None:
    """Run the cases as subprocesses, ``jobs`` at a time; exit with a one-line message on failure."""
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    pending = list(runs)
    active: dict[Run, tuple[subprocess.Popen, float]] = {}
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    start_all = time.perf_counter()
    try:
        while pending or active:
            while pending and len(active) < jobs:
                run = pending.pop(0)
                cmd = command(run, out / run.name, ranks, overwrite)
                with open(logs / f"{run.name}.out", "w") as stdout, \
                        open(logs / f"{run.name}.err", "w") as stderr:
                    proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, cwd=ROOT, env=env)
                active[run] = (proc, time.perf_counter())
                print(f"start  {run.name:16s} ({ranks} rank(s))", flush=True)
            time.sleep(1.0)
            for run, (proc, started) in list(active.items()):
                code = proc.poll()
                if code is None:
                    continue
                del active[run]
                wall = time.perf_counter() - started
                csv_path = out / run.name / "timeseries.csv"
                if code != 0 or not csv_path.exists():
                    message = last_line(logs / f"{run.name}.err") or last_line(logs / f"{run.name}.out")
                    sys.exit(f"fixture_sweep: run {run.name} failed (exit {code}, {wall:.0f} s): {message}"
                             f" [log: {logs / run.name}.err]")
                print(f"finish {run.name:16s} {wall:7.1f} s", flush=True)
    finally:
        for proc, _ in active.values():  # only left on failure or interrupt
            proc.terminate()
            proc.wait()
    print(f"all {len(runs)} runs done in {time.perf_counter() - start_all:.0f} s", flush=True)


def read_series(folder: Path) -> dict[str, list[float]]:
    """Columns of ``timeseries.csv`` as float lists (blank cells are NaN)."""
    with open(folder / "timeseries.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {key: [float(row[key]) if row[key] else float("nan") for row in rows] for key in rows[0]}


def stripped_um(folder: Path, series: dict[str, list[float]]) -> list[float]:
    """Bottom Li thickness lost to stripping alone (µm, positive), ∫ i dt Ω / F, at each row."""
    case = json.loads((folder / "case.resolved.json").read_text())
    omega = case["materials"][case["stack"][0]["material"]]["molar_volume"]
    times, current = series["time_s"], series["current_density_A_m2"]
    total, out = 0.0, [0.0]
    for k in range(1, len(times)):  # a row's current is the one over the step that ends there
        total += current[k] * (times[k] - times[k - 1]) * omega / FARADAY * 1e6
        out.append(total)
    return out


def summarise(run: Run, folder: Path) -> dict[str, float]:
    """Summary measures of one run."""
    series = read_series(folder)
    pressure, thickness = series["stack_pressure_Pa"], series["li_thickness_m"]
    wall = json.loads((folder / "run.json").read_text())["wall_seconds"]["total"]
    return {
        "t_end_h": series["time_s"][-1] / 3600.0,
        "p0_mpa": pressure[0] / 1e6,
        "p_end_mpa": pressure[-1] / 1e6,
        "dp_mpa": (pressure[-1] - pressure[0]) / 1e6,
        "plate_um": (series["plate_displacement_m"][-1] - series["plate_displacement_m"][0]) * 1e6,
        "dli_um": (thickness[-1] - thickness[0]) * 1e6,
        "creep_um": (thickness[-1] - thickness[0]) * 1e6 + stripped_um(folder, series)[-1],
        "min_contact": min(series["contact_fraction"]),
        "max_gap_um": max(series["max_gap_m"]) * 1e6,
        "wall_s": float(wall),
    }


def summary_table(runs: list[Run], out: Path) -> str:
    """Markdown table of the runs' summary measures."""
    lines = ["| run | P0 (MPa) | P at end (MPa) | ΔP (MPa) | ΔP/P0 | plate Δz (µm) | bottom Li Δh (µm)"
             " | Δh beyond stripping (µm) | min contact fraction | max gap (µm) | t end (h) | wall (s) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for run in runs:
        s = summarise(run, out / run.name)
        lines.append(f"| {LABELS[run.fixture]}, {run.pressure_mpa} MPa | {s['p0_mpa']:.4f}"
                     f" | {s['p_end_mpa']:.4f} | {s['dp_mpa']:+.4f} | {s['dp_mpa'] / s['p0_mpa']:+.2%}"
                     f" | {s['plate_um']:+.3f} | {s['dli_um']:+.3f} | {s['creep_um']:+.3f}"
                     f" | {s['min_contact']:.3f} | {s['max_gap_um']:.3f} | {s['t_end_h']:.2f}"
                     f" | {s['wall_s']:.0f} |")
    return "\n".join(lines) + "\n"


def plot(runs: list[Run], out: Path, figure: Path) -> None:
    """Three panels against time (h): pressure change, bottom Li thickness change, contact fraction."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 1, figsize=(6.4, 7.6), sharex=True)
    for run in runs:
        series = read_series(out / run.name)
        hours = [t / 3600.0 for t in series["time_s"]]
        p = series["stack_pressure_Pa"]
        h = series["li_thickness_m"]
        style = {"color": COLOURS.get(run.pressure_mpa), "linestyle": STYLES[run.fixture], "linewidth": 1.6}
        label = f"{LABELS[run.fixture]}, {run.pressure_mpa} MPa"
        axes[0].plot(hours, [(x - p[0]) / 1e6 for x in p], label=label, **style)
        axes[1].plot(hours, [(x - h[0]) * 1e6 for x in h], **style)
        axes[2].plot(hours, series["contact_fraction"], **style)
    folder = out / runs[0].name
    strip = stripped_um(folder, read_series(folder))
    axes[1].plot([t / 3600.0 for t in read_series(folder)["time_s"]], [-x for x in strip], color="black",
                 linestyle=":", linewidth=1.2, label="stripping alone (∫i dt Ω/F)", zorder=5)
    axes[1].legend(fontsize=8, loc="lower left")
    axes[2].text(0.02, 0.5, "1 = both interfaces fully in contact", transform=axes[2].transAxes,
                 fontsize=8, color="0.3", va="center")
    axes[0].set_ylabel("stack pressure change\nP − P0 (MPa)")
    axes[1].set_ylabel("bottom Li thickness\nchange (µm)")
    axes[2].set_ylabel("contact fraction\n(both Li | SE interfaces)")
    axes[2].set_xlabel("time (h)")
    axes[0].set_title("stripping 1 mA/cm² at 40 °C: springs (solid) vs fixed gap (dashed)", fontsize=10)
    axes[0].legend(fontsize=8, ncol=2, loc="best")
    for tag, ax in zip("abc", axes, strict=True):
        ax.grid(alpha=0.3)
        ax.text(0.99, 0.95, f"({tag})", transform=ax.transAxes, ha="right", va="top", fontweight="bold")
    axes[2].set_xlim(left=0.0)
    fig.align_ylabels(axes)
    fig.tight_layout()
    figure.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(figure, dpi=120)
    plt.close(fig)
    print(f"figure: {figure} ({figure.stat().st_size / 1024:.0f} kB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "fixture_sweep", help="results folder")
    parser.add_argument("--figure", type=Path, default=ROOT / "docs" / "img" / "creep_fixtures.png")
    parser.add_argument("--ranks", type=int, default=1, help="MPI ranks per run (default 1: serial)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at the same time (default 2)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing run folders")
    parser.add_argument("--plot-only", action="store_true", help="re-plot and re-summarise existing results")
    args = parser.parse_args()
    out = args.out.resolve()
    runs = [Run(fixture, p) for fixture in CASES for p in PRESSURES_MPA]

    if args.plot_only:
        missing = [run.name for run in runs if not (out / run.name / "timeseries.csv").exists()]
        if missing:
            sys.exit(f"fixture_sweep: no results for {', '.join(missing)} in {out} (run without --plot-only)")
    else:
        existing = [run.name for run in runs if (out / run.name).exists()]
        if existing and not args.overwrite:
            sys.exit(f"fixture_sweep: {out} already has {', '.join(existing)}; use --overwrite to replace")
        run_all(runs, out, max(args.ranks, 1), max(args.jobs, 1), args.overwrite)

    table = summary_table(runs, out)
    (out / "summary.md").write_text(table)
    print(table, end="")
    print(f"summary: {out / 'summary.md'}")
    plot(runs, out, args.figure)


if __name__ == "__main__":
    main()
