"""Critical stripping current against stack pressure from the coupled model (issue 10, item 7).

    .venv/bin/python scripts/critical_stripping_current.py [--pressures 0.1 0.3 1 3]
        [--capacity 0.01] [--bracket 0.1 1.5] [--bisections 3] [--out DIR]

Cells: ``cases/verification/coupled_rve_ccd.toml`` (Li | LLZO | Li) and
``coupled_rve_ccd_lpscl.toml`` (Li | Li6PS5Cl | Li): 2D RVEs with 70 % seeded contact (voids 1 um
deep), current + creep + contact coupled, void nucleation by vacancy accumulation (physics.md §3.5
rule c; every parameter assumed, see the case files). For each stack pressure a fresh cell strips
the capacity ``--capacity`` (mAh/cm²) at a constant current; it **runs away** when the stripping
electrode's contact fraction falls below the case's ``coupling.min_contact_fraction`` before
the capacity is through (or a solve fails). The critical stripping current is bracketed by
bisection in log(current) between ``--bracket`` × j* (below) (``--bisections`` halvings; both
ends are run and must pass / run away): the table gives the highest current that passed and the
lowest that ran away.

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


def strips(case_file: Path, pressure: float, current: float, capacity: float) -> tuple[bool, str]:
    """Does a fresh cell at ``pressure`` (MPa) strip ``capacity`` (mAh/cm²) at ``current``
    (mA/cm²) without losing contact? (passed, what happened)."""
    from mpi4py import MPI

    from ssbstack.config.loader import load_case
    from ssbstack.numerics.model import Control
    from ssbstack.verification.coupled import build

    case = load_case(case_file, [f"conditions.stack_pressure={pressure} MPa"])
    (model,) = build(case, MPI.COMM_SELF)
    if not model.solve(0.0, 0.0, Control(0.0)).converged:
        return False, "the initial state did not converge"
    model.accept()
    duration, elapsed = 3600.0 * capacity / current, 0.0
    while elapsed < duration * (1.0 - 1e-12):
        step = min(ROW, duration - elapsed)
        result = model.solve(elapsed + step, step, Control(current * 10.0))
        if not result.converged:
            return False, f"t = {elapsed:.4g} s: solve failed ({result.message})"
        if result.failure:
            return False, result.failure
        model.accept()
        elapsed += step
    model.close()
    return True, f"stripped {capacity:g} mAh/cm², contact {result.values['contact_fraction_bottom']:.3g}"


def estimate(case_file: Path, pressure: float) -> float:
    """j* = F (P + σ_nuc) / (R T √(τ_v/D_v)) in mA/cm² (uniform current, full contact)."""
    from ssbstack.config.loader import load_case
    from ssbstack.config.materials import GAS_CONSTANT
    from ssbstack.units import FARADAY

    case = load_case(case_file)
    vacancy = case.coupling.vacancy
    temperature = case.conditions.temperature
    holding = pressure * 1e6 + vacancy.nucleation_stress
    return FARADAY * holding / (GAS_CONSTANT * temperature
                                * math.sqrt(vacancy.lifetime / vacancy.diffusivity)) / 10.0


def bracket(case_file: Path, pressure: float, args: argparse.Namespace) -> tuple[float, float]:
    """(highest current that passed, lowest that ran away), mA/cm²; nan where none did."""
    low, high = (fraction * estimate(case_file, pressure) for fraction in args.bracket)
    for current, side in ((low, "low"), (high, "high")):
        ok, what = strips(case_file, pressure, current, args.capacity)
        print(f"    {current:.4g} mA/cm²: {'passes' if ok else 'runs away'} ({what})", flush=True)
        if ok and side == "high":
            return current, math.nan
        if not ok and side == "low":
            return math.nan, current
    passed, failed = low, high
    for _ in range(args.bisections):
        current = math.sqrt(passed * failed)
        ok, what = strips(case_file, pressure, current, args.capacity)
        print(f"    {current:.4g} mA/cm²: {'passes' if ok else 'runs away'} ({what})", flush=True)
        passed, failed = (current, failed) if ok else (passed, current)
    return passed, failed


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
        ax.plot(pressures, [r["estimate_mA_cm2"] for r in mine], ls=":", color=color,
                label=f"uniform full contact, {cell}" if number == 0 else None)
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
    parser.add_argument("--bracket", type=float, nargs=2, default=[0.1, 1.5],
                        help="first bracket, as fractions of the estimate j*")
    parser.add_argument("--bisections", type=int, default=3)
    parser.add_argument("--cells", nargs="+", default=list(CELLS), choices=list(CELLS))
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "critical_stripping_current")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args()
    if not 0 < args.bracket[0] < args.bracket[1] or args.capacity <= 0 or min(args.pressures) <= 0:
        print("error: need 0 < --bracket low < high, --capacity > 0 and pressures > 0",
              file=sys.stderr)
        return 2
    csv_path = args.out / "critical_stripping_current.csv"
    if csv_path.exists() and not args.overwrite:
        print(f"error: {csv_path} exists; use --overwrite to replace it", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for cell in args.cells:
        for pressure in args.pressures:
            started = time.perf_counter()
            print(f"Li | {cell} | Li at {pressure:g} MPa:", flush=True)
            passed, failed = bracket(CELLS[cell], pressure, args)
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
    if all(len(args.pressures) and r["passes_mA_cm2"] == r["passes_mA_cm2"]
           and r["runs_away_mA_cm2"] == r["runs_away_mA_cm2"] for r in rows):
        plot(rows, args.out / "critical_stripping_current.png")
    print(text + f"written: {csv_path} (+ .md, .png when every pressure was bracketed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
