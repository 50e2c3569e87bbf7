"""Mesh convergence of source C's seating-hold pressure at 30 min and 24 h (README "Li creep and
stack pressure").

    python scripts/seating_mesh_study.py [--case TOML] [--factors 2 1 0.5] [--large-deformation]
                                         [--quick] [--out DIR] [--overwrite]
                                         [--plot PNG] [--measured-drop MPA]

Runs the hold (default ``cases/ham2024/seating_hold_25MPa_fitted_foil.toml``, the calibration
case) with ``ssbstack run`` once per mesh, each with the case's element sizes
``geometry.mesh.interface`` and ``geometry.mesh.bulk`` both scaled by a factor (2, 1, 0.5: coarse,
the case's own mesh, fine; the gmsh size fields are regenerated, not uniformly refined). From each
run's ``timeseries.csv`` it records the stack pressure at 30 min and 24 h, the 30-min drop, the
thinning of the bottom Li foil since t = 0 and the smallest mesh quality (relative to the initial
mesh; 1 on a fixed mesh). A run that stops early (e.g. at ``mechanics.min_mesh_quality`` with
``--large-deformation``, the updated-Lagrangian mesh) is reported with the time it reached.

The observed order p and Richardson estimate use the three meshes in order of size with ratio
r = factor_i / factor_(i+1) (constant, 2 by default). ``--quick``: a 30-min hold on meshes × 4,
× 2, × 1 (a check that the script works, not a result). Writes ``seating_mesh.csv`` / ``.md`` and
the run folders to ``--out`` (default ``results/seating_mesh_study``; refused if present, unless
``--overwrite``). Serial, one run after the other. ``--plot``: the pressure histories of the three
meshes (log time) with the measured 30-min point, P₀ minus ``--measured-drop`` (default: the
case's ``targets.drop_30min_RT``). Without ``--large-deformation`` the runs are small strain on
straight cells (``geometry_degree = 1``); ``--curved`` (with ``--large-deformation``) puts every
mesh on curved cells (``geometry_degree = 2``), which keep the Li volume at a squeezed rim.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "cases" / "ham2024" / "seating_hold_25MPa_fitted_foil.toml"
HALF_HOUR, DAY = 1800.0, 86400.0


def run(case: Path, factor: float, interface: float, bulk: float, outdir: Path,
        extra: list[str]) -> tuple[list[dict[str, float]], str]:
    """Run ``case`` with the mesh sizes × ``factor`` into ``outdir``; (timeseries rows, the
    solver's failure line when the run failed, else "")."""
    sets = [f"geometry.mesh.interface={interface * factor!r}",
            f"geometry.mesh.bulk={bulk * factor!r}", *extra]
    command = [sys.executable, "-m", "ssbstack.cli", "run", str(case), "-o", str(outdir)]
    for item in sets:
        command += ["--set", item]
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "solver"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    (outdir.parent / f"{outdir.name}.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    series = outdir / "timeseries.csv"
    if not series.exists():
        raise RuntimeError(f"{outdir}: no timeseries.csv ({(done.stderr or done.stdout).strip()})")
    with series.open(newline="") as handle:
        rows = [{key: float(value) if value else math.nan for key, value in row.items()}
                for row in csv.DictReader(handle)]
    lines = (done.stderr + done.stdout).strip().splitlines()
    failed = [line for line in lines if line.startswith(("solver failed", "error"))]
    return rows, ("" if done.returncode == 0 else (failed or lines or ["failed"])[-1])


def measures(rows: list[dict[str, float]]) -> dict[str, float]:
    """P0, P(30 min), P(24 h) (Pa, NaN if not reached), the 30-min drop (Pa), the bottom-Li
    thinning at the last row (m), the smallest mesh quality and the last time reached (s)."""
    def pressure(t: float) -> float:
        return next((r["stack_pressure_Pa"] for r in rows if abs(r["time_s"] - t) < 1e-6),
                    math.nan)

    first, last = rows[0], rows[-1]
    return {"p0": first["stack_pressure_Pa"], "p30": pressure(HALF_HOUR), "p24": pressure(DAY),
            "drop30": first["stack_pressure_Pa"] - pressure(HALF_HOUR),
            "thinning": first["li_thickness_m"] - last["li_thickness_m"],
            "quality": min(r["min_mesh_quality"] for r in rows), "reached": last["time_s"]}


def richardson(values: list[float], ratio: float) -> tuple[float, float]:
    """(observed order p, Richardson extrapolation) from three values on meshes coarse → fine with
    size ratio ``ratio``; (NaN, NaN) when the differences change sign or do not shrink (no
    asymptotic range) or a value is missing."""
    coarse, middle, fine = values
    d1, d2 = middle - coarse, fine - middle
    if any(math.isnan(v) for v in values) or d1 * d2 <= 0.0 or abs(d2) >= abs(d1):
        return math.nan, math.nan
    order = math.log(abs(d1 / d2)) / math.log(ratio)
    return order, fine + d2 / (ratio ** order - 1.0)


def table(factors: list[float], interface: float, results: list[dict[str, float]],
          ratio: float) -> list[str]:
    """Markdown lines: one row per mesh, then p and the Richardson estimate of the 30-min drop and
    the 24 h pressure, with each mesh's deviation from it."""
    def mpa(value: float, digits: int = 3) -> str:
        return "—" if math.isnan(value) else f"{value / 1e6:.{digits}f}"

    lines = ["| mesh (× case) | interface size (µm) | P 30 min (MPa) | 30-min drop (MPa) | "
             "P 24 h (MPa) | Li thinning at end (µm) | min mesh quality | reached (h) |",
             "|---|---|---|---|---|---|---|---|"]
    for factor, r in zip(factors, results, strict=True):
        lines.append(f"| × {factor:g} | {interface * factor * 1e6:.4g} | {mpa(r['p30'])} | "
                     f"{mpa(r['drop30'])} | {mpa(r['p24'], 2)} | {r['thinning'] * 1e6:.2f} | "
                     f"{r['quality']:.3g} | {r['reached'] / 3600:.3g} |")
    lines += ["", "| quantity | observed order p | Richardson estimate | "
              + " | ".join(f"× {f:g} vs estimate" for f in factors) + " |",
              "|---|---|---|" + "---|" * len(factors)]
    for label, key in (("30-min drop (MPa)", "drop30"), ("P at 24 h (MPa)", "p24")):
        values = [r[key] for r in results]
        order, estimate = richardson(values, ratio)
        if math.isnan(order):
            misses = ["—"] * len(values)
        else:
            misses = [f"{(v - estimate) / estimate:+.1%}" for v in values]
        lines.append(f"| {label} | {'—' if math.isnan(order) else f'{order:.2f}'} | "
                     f"{mpa(estimate)} | " + " | ".join(misses) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", type=Path, default=CASE)
    parser.add_argument("--factors", type=float, nargs=3, default=None,
                        help="mesh-size factors, coarse to fine (default 2 1 0.5)")
    parser.add_argument("--large-deformation", action="store_true",
                        help="mechanics.large_deformation = true (the mesh follows the Li)")
    parser.add_argument("--curved", action="store_true",
                        help="with --large-deformation: mechanics.geometry_degree = 2 (curved "
                        "cells)")
    parser.add_argument("--quick", action="store_true", help="30-min hold on meshes × 4, 2, 1")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "seating_mesh_study")
    parser.add_argument("--overwrite", action="store_true")
    parser.add_argument("--plot", type=Path, default=None, help="write the histories to this PNG")
    parser.add_argument("--measured-drop", type=float, default=None,
                        help="measured 30-min drop (MPa) for the plot (default: the case's RT one)")
    args = parser.parse_args()
    from ssbstack.config.loader import load_case
    from ssbstack.io.results import study_folder

    if args.curved and not args.large_deformation:
        parser.error("--curved: needs --large-deformation (curved cells follow the moving mesh)")
    factors = args.factors or ([4.0, 2.0, 1.0] if args.quick else [2.0, 1.0, 0.5])
    ratios = {factors[0] / factors[1], factors[1] / factors[2]}
    if len(ratios) != 1 or factors[0] <= factors[1]:
        parser.error("--factors: three sizes, coarse to fine, with a constant ratio (e.g. 2 1 0.5)")
    mesh = load_case(args.case).geometry.mesh
    if mesh.interface is None or mesh.bulk is None:
        parser.error(f"{args.case}: geometry.mesh.interface and .bulk must be set")
    study_folder(args.out, args.overwrite)
    extra = (["mechanics.large_deformation=true"] if args.large_deformation
             else ["mechanics.large_deformation=false", "mechanics.geometry_degree=1"])
    if args.curved:
        extra.append("mechanics.geometry_degree=2")
    if args.quick:
        extra.append('protocol.steps=["Rest for 30 minutes"]')
    results, histories = [], []
    for factor in factors:
        started = time.time()
        rows, failure = run(args.case, factor, mesh.interface, mesh.bulk,
                            args.out / f"mesh_x{factor:g}", extra)
        results.append(measures(rows))
        histories.append(rows)
        r = results[-1]
        print(f"mesh × {factor:g}: drop {r['drop30'] / 1e6:.4f} MPa, P24 {r['p24'] / 1e6:.3f} MPa, "
              f"min quality {r['quality']:.3g}, reached {r['reached'] / 3600:.3g} h "
              f"({time.time() - started:.0f} s){'; stopped: ' + failure if failure else ''}",
              flush=True)
    with (args.out / "seating_mesh.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["factor", "interface_m", *results[0]])
        for factor, r in zip(factors, results, strict=True):
            writer.writerow([factor, mesh.interface * factor, *r.values()])
    kind = ("large deformation (updated Lagrangian" + (", curved cells)" if args.curved else ")")
            if args.large_deformation else "small strain")
    lines = [f"Seating-hold mesh study: `{args.case.name}`, {kind}"
             + (", 30-min hold (--quick)" if args.quick else ""), "",
             *table(factors, mesh.interface, results, ratios.pop())]
    (args.out / "seating_mesh.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    if args.plot:
        targets = load_case(args.case).targets
        drop = args.measured_drop if args.measured_drop is not None else (
            targets["drop_30min_RT"].value if "drop_30min_RT" in targets else None)
        plot(args.plot, factors, mesh.interface, histories, drop,
             f"{args.case.name}, {kind}")
        print(f"wrote {args.plot}")


def plot(path: Path, factors: list[float], interface: float,
         histories: list[list[dict[str, float]]], measured_drop: float | None, title: str) -> None:
    """Stack pressure (MPa) against time (h, log) per mesh, with the measured 30-min point."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for factor, rows in zip(factors, histories, strict=True):
        points = [(r["time_s"] / 3600.0, r["stack_pressure_Pa"] / 1e6) for r in rows
                  if r["time_s"] > 0.0]
        ax.plot(*zip(*points, strict=True), marker=".",
                label=f"mesh × {factor:g} ({interface * factor * 1e6:.3g} µm at the interface)")
    if measured_drop is not None:
        start = histories[0][0]["stack_pressure_Pa"] / 1e6
        ax.plot([0.5], [start - measured_drop], "k*", markersize=12,
                label=f"measured at 30 min ({measured_drop:g} MPa drop)")
    ax.set_xscale("log")
    ax.set_xlabel("time (h)")
    ax.set_ylabel("stack pressure (MPa)")
    ax.set_title(textwrap.fill(title, 80), fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__":
    main()
