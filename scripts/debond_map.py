"""Grow / heal map of a seeded debond under stripping (issue 10, item 6): a study, not a test.

    .venv/bin/python scripts/debond_map.py [--widths 5 10 20 40] [--pressures 0.1 1 5]
                                           [--currents 1 3] [--capacity 0.1] [--out DIR]

Case: ``cases/verification/coupled_debond.toml`` (2D Li | LLZO | Li RVE, 100 um wide, roller
sides, current + creep + contact coupled), the bottom interface debonded over a width ``w``
(``--widths``, um) and open by ``--depth`` um. For every width, stack pressure (``--pressures``,
MPa) and stripping current of the bottom electrode (``--currents``, mA/cm²) the coupled models
strip the capacity ``--capacity`` (mAh/cm²; the same Li thickness at every current) in
``--rows`` output rows. The debonded (open) width is (1 − contact fraction of the bottom
interface) × 100 um; the debond **grows** when it ends more than 2 % wider than it began,
**heals** when it ends more than 2 % narrower, else it **holds**. With the seeded rule alone a
debond heals in the end once the stripped thickness reaches its depth (the electrolyte comes
down onto its floor), so the verdict is for the stated capacity; the table also gives the
widest it got.

Writes ``debond_map.csv`` (one row per run and output time), ``debond_map.md`` (the table) and
``debond_map.png`` (open width against time, one panel per pressure and current) to ``--out``
(default ``results/debond_map``; refused if it exists, unless ``--overwrite`` replaces it).
Nothing is fitted: the values of the case are those of the verification case (R_ct 2 Ohm cm²,
g_c 20 nm, Li power-law creep of cases/common/materials.toml). Serial (one rank): each run is a
2D RVE of ~2 000 cells.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "cases" / "verification" / "coupled_debond.toml"
WIDTH_UM = 100.0  # RVE width of the case
CHANGE = 0.02  # relative change of the open width that counts as growth / healing


def run_one(width: float, pressure: float, current: float, args: argparse.Namespace
            ) -> list[tuple[float, float, float]]:
    """(time s, open width um, voltage V) of one run, from t = 0."""
    from mpi4py import MPI

    from ssbstack.config.loader import load_case
    from ssbstack.verification.coupled import build, run_models

    case = load_case(CASE, [
        f'geometry.interfaces."bottom_li|se".radius={width / 2} um',
        f"conditions.stack_pressure={pressure} MPa",
        f"mechanics.void_gap={args.depth} um",
        f"geometry.mesh.interface={args.mesh} um",
    ])
    duration = 3600.0 * args.capacity / current  # s: mAh/cm² at mA/cm²
    times = [duration * k / args.rows for k in range(1, args.rows + 1)]
    rows = run_models(build(case, MPI.COMM_SELF), times, current * 10.0)
    return [(t, (1.0 - row["contact_fraction_bottom"]) * WIDTH_UM, row["voltage_V"])
            for t, row in zip([0.0, *times], rows, strict=True)]


def verdict(history: list[tuple[float, float, float]]) -> str:
    """grows / heals / holds, from the open width at the start and at the end."""
    first, last = history[0][1], history[-1][1]
    if last > first * (1.0 + CHANGE):
        return "grows"
    if last < first * (1.0 - CHANGE):
        return "heals"
    return "holds"


def table(results: dict[tuple[float, float, float], list[tuple[float, float, float]]],
          args: argparse.Namespace) -> str:
    """Markdown: per pressure and current, the verdict and the open width (start → end, widest)
    of every debond width."""
    head = "| P (MPa) | j (mA/cm²) | " + " | ".join(f"w = {w:g} µm" for w in args.widths) + " |"
    lines = [head, "|" + "---|" * (2 + len(args.widths))]
    for pressure in args.pressures:
        for current in args.currents:
            cells = []
            for width in args.widths:
                history = results[(width, pressure, current)]
                widest = max(h[1] for h in history)
                cells.append(f"{verdict(history)} ({history[0][1]:.1f} → {history[-1][1]:.1f}, "
                             f"widest {widest:.1f})")
            lines.append(f"| {pressure:g} | {current:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(results: dict[tuple[float, float, float], list[tuple[float, float, float]]],
         args: argparse.Namespace, path: Path) -> None:
    """Open width against time, one panel per pressure (rows) and current (columns)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, cols = len(args.pressures), len(args.currents)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.8 * rows), squeeze=False,
                             sharex=True)
    for i, pressure in enumerate(args.pressures):
        for k, current in enumerate(args.currents):
            ax = axes[i][k]
            for width in args.widths:
                history = results[(width, pressure, current)]
                ax.plot([h[0] for h in history], [h[1] for h in history], marker="o", ms=3,
                        label=f"w = {width:g} µm: {verdict(history)}")
            ax.set_title(f"{pressure:g} MPa, {current:g} mA/cm²", fontsize=9)
            ax.set_ylabel("open width (µm)")
            ax.legend(fontsize=7)
            if i == rows - 1:
                ax.set_xlabel("time stripping (s)")
    fig.suptitle(f"Seeded debond, {args.depth:g} µm deep,\nstripping {args.capacity:g} mAh/cm²",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--widths", type=float, nargs="+", default=[5.0, 10.0, 20.0, 40.0],
                        help="debond widths, um")
    parser.add_argument("--pressures", type=float, nargs="+", default=[0.1, 1.0, 5.0],
                        help="MPa")
    parser.add_argument("--currents", type=float, nargs="+", default=[1.0, 3.0],
                        help="stripping current, mA/cm²")
    parser.add_argument("--depth", type=float, default=1.0, help="debond opening, um")
    parser.add_argument("--capacity", type=float, default=0.1, help="stripped, mAh/cm²")
    parser.add_argument("--rows", type=int, default=10, help="output rows per run")
    parser.add_argument("--mesh", type=float, default=2.0, help="interface mesh size, um")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "debond_map")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args()
    if min(args.widths) <= 0 or max(args.widths) >= WIDTH_UM:
        print(f"error: --widths: each must lie in (0, {WIDTH_UM:g}) um", file=sys.stderr)
        return 2
    if min(args.currents) <= 0 or args.capacity <= 0 or args.rows < 1:
        print("error: --currents and --capacity must be > 0, --rows >= 1", file=sys.stderr)
        return 2
    from ssbstack.io.results import study_folder

    csv_path = study_folder(args.out, args.overwrite) / "debond_map.csv"

    results = {}
    runs = [(w, p, j) for p in args.pressures for j in args.currents for w in args.widths]
    for number, (width, pressure, current) in enumerate(runs, 1):
        started = time.perf_counter()
        results[(width, pressure, current)] = history = run_one(width, pressure, current, args)
        print(f"[{number}/{len(runs)}] w = {width:g} um, {pressure:g} MPa, {current:g} mA/cm²: "
              f"open width {history[0][1]:.2f} -> {history[-1][1]:.2f} um, {verdict(history)} "
              f"({time.perf_counter() - started:.0f} s wall)", flush=True)
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["width_um", "pressure_MPa", "current_mA_cm2", "time_s",
                         "open_width_um", "voltage_V", "verdict"])
        for (width, pressure, current), history in results.items():
            for t, open_width, voltage in history:
                writer.writerow([width, pressure, current, t, open_width, voltage,
                                 verdict(history)])
    text = table(results, args)
    (args.out / "debond_map.md").write_text(text, encoding="utf-8")
    plot(results, args, args.out / "debond_map.png")
    print(text + f"written: {csv_path}, debond_map.md, debond_map.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
