"""Critical stripping current against stack pressure from the coupled model (issue 10, item 7).

    .venv/bin/python scripts/critical_stripping_current.py [--pressures 0.1 0.3 1 3]
        [--capacity 0.01] [--step 0.1] [--out DIR]

Cells: ``cases/verification/coupled_rve_ccd.toml`` (Li | LLZO | Li) and
``coupled_rve_ccd_lpscl.toml`` (Li | Li6PS5Cl | Li): 2D RVEs with 70 % seeded contact (voids 1 um
deep), current + creep + contact coupled, void nucleation by vacancy accumulation (physics.md §3.5
rule c; every parameter assumed, see the case files). For each stack pressure a fresh cell
strips the capacity ``--capacity`` (mAh/cm²) at ``--step``, then at 2 × ``--step``, 3 × … (a
stepped stripping ramp, each level from the state the last one left); a level **runs away** when
the stripping electrode's contact fraction falls below the case's
``coupling.min_contact_fraction`` before its capacity is through (or a solve fails). The table
gives the highest level that passed and the one that ran away. (A bisection over fresh cells was
tried first: runs near the critical current sit in a state where voids nucleate and heal about
every τ_v, which costs 5-10 min each; too slow for this machine.)

Next to it: the rule's estimate for a uniform, full contact, j* = F (P + σ_nuc) / (R T √(τ_v/D_v)),
the current at which the steady vacancy pressure R T c_v = (j/F) R T √(τ_v/D_v) at the surface
equals the contact pressure P plus σ_nuc. The seeded cells fall below it because the current
crowds onto 70 % of the area and more at the contact rims, which the contact pressure (P/f) only
partly offsets.

Writes ``critical_stripping_current.csv``, ``.md`` and ``.png`` to ``--out`` (default
``results/critical_stripping_current``; refused if present, unless ``--overwrite``). Serial.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CELLS = {"LLZO": ROOT / "cases" / "verification" / "coupled_rve_ccd.toml",
         "Li6PS5Cl": ROOT / "cases" / "verification" / "coupled_rve_ccd_lpscl.toml"}
ROW = 10.0  # s, longest runner step


def critical_level(case_file: Path, pressure: float, args: argparse.Namespace
                   ) -> tuple[float, float, str]:
    """(highest level passed, level that ran away, what happened), mA/cm², of one cell at
    ``pressure`` (MPa) stripped ``--capacity`` per level; nan where none (collective)."""
    from mpi4py import MPI

    from ssbstack.config.loader import load_case
    from ssbstack.numerics.model import Control
    from ssbstack.verification.coupled import build

    case = load_case(case_file, [f"conditions.stack_pressure={pressure} MPa"])
    (model,) = build(case, MPI.COMM_SELF)
    if not model.solve(0.0, 0.0, Control(0.0)).converged:
        return math.nan, math.nan, "the initial state did not converge"
    model.accept()
    time_now, passed, level = 0.0, math.nan, 1
    while level * args.step <= args.high * (1.0 + 1e-9):
        current = level * args.step
        duration, elapsed = 3600.0 * args.capacity / current, 0.0
        while elapsed < duration * (1.0 - 1e-12):
            step = min(ROW, duration - elapsed)
            result = model.solve(time_now + step, step, Control(current * 10.0))
            if not result.converged or result.failure:
                model.close()
                return passed, current, result.failure or f"solve failed ({result.message})"
            model.accept()
            elapsed += step
            time_now += step
        print(f"    {current:.3g} mA/cm²: passes (contact "
              f"{result.values['contact_fraction_bottom']:.3g})", flush=True)
        passed, level = current, level + 1
    model.close()
    return passed, math.nan, "no level ran away"


def estimate(case_file: Path, pressure: float) -> float:
    """j* = F (P + σ_nuc) / (R T √(τ_v/D_v)) in mA/cm² (uniform current, full contact)."""
    from ssbstack.config.loader import load_case
    from ssbstack.numerics.vacancy import full_contact_critical_current

    case = load_case(case_file)
    return full_contact_critical_current(case.coupling.vacancy, pressure * 1e6,
                                         case.conditions.temperature) / 10.0


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    for number, cell in enumerate(CELLS):
        mine = [r for r in rows if r["electrolyte"] == cell]
        pressures = [r["pressure_MPa"] for r in mine]
        low = [r["passes_mA_cm2"] for r in mine]
        high = [r["runs_away_mA_cm2"] for r in mine]
        middle = [math.sqrt(a * b) for a, b in zip(low, high, strict=True)]
        color = f"C{number}"
        ax.errorbar(pressures, middle, yerr=[[m - a for m, a in zip(middle, low, strict=True)],
                                             [b - m for m, b in zip(middle, high, strict=True)]],
                    fmt="o-", color=color, capsize=3, label=f"Li | {cell} | Li, 70 % contact")
        if number == 0:  # the estimate does not depend on the electrolyte
            ax.plot(pressures, [r["estimate_mA_cm2"] for r in mine], ls=":", color="k",
                    label="estimate j* for uniform full contact")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("stack pressure (MPa)")
    ax.set_ylabel("critical stripping current (mA/cm²)")
    ax.set_title("Coupled model, vacancy nucleation (all parameters assumed)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pressures", type=float, nargs="+", default=[0.1, 0.3, 1.0, 3.0],
                        help="MPa")
    parser.add_argument("--capacity", type=float, default=0.01, help="stripped, mAh/cm²")
    parser.add_argument("--step", type=float, default=0.1, help="ramp step, mA/cm²")
    parser.add_argument("--high", type=float, default=5.0, help="last level, mA/cm²")
    parser.add_argument("--cells", nargs="+", default=list(CELLS), choices=list(CELLS))
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "critical_stripping_current")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args()
    if not 0 < args.step <= args.high or args.capacity <= 0 or min(args.pressures) <= 0:
        print("error: need 0 < --step <= --high, --capacity > 0 and pressures > 0",
              file=sys.stderr)
        return 2
    from ssbstack.io.results import study_folder

    csv_path = study_folder(args.out, args.overwrite) / "critical_stripping_current.csv"
    rows = []
    for cell in args.cells:
        for pressure in args.pressures:
            started = time.perf_counter()
            print(f"Li | {cell} | Li at {pressure:g} MPa:", flush=True)
            passed, failed, what = critical_level(CELLS[cell], pressure, args)
            print(f"    ends: {what}", flush=True)
            rows.append({"electrolyte": cell, "pressure_MPa": pressure, "passes_mA_cm2": passed,
                         "runs_away_mA_cm2": failed,
                         "estimate_mA_cm2": estimate(CELLS[cell], pressure),
                         "wall_s": time.perf_counter() - started})
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = ["| electrolyte | P (MPa) | passes (mA/cm²) | runs away (mA/cm²) | "
             "uniform full-contact estimate j* (mA/cm²) |", "|---|---|---|---|---|"]
    lines += [f"| {r['electrolyte']} | {r['pressure_MPa']:g} | {r['passes_mA_cm2']:.3g} | "
              f"{r['runs_away_mA_cm2']:.3g} | {r['estimate_mA_cm2']:.3g} |" for r in rows]
    text = "\n".join(lines) + "\n"
    (args.out / "critical_stripping_current.md").write_text(text, encoding="utf-8")
    if all(not math.isnan(r["passes_mA_cm2"] + r["runs_away_mA_cm2"]) for r in rows):
        plot(rows, args.out / "critical_stripping_current.png")
    print(text + f"written: {csv_path} (+ .md, .png when every pressure was bracketed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
