"""Calibrate the holder stiffness of the source C seating hold, then predict without refitting.

    python scripts/calibrate_seating.py [--law norton|garofalo] [--plot PNG] [--table MD]

1. Fit the ONE calibrated parameter of ``cases/ham2024/seating_hold_25MPa.toml`` (the holder
   stiffness k, N/m) to the measured first-30-min pressure drop at room temperature (the case's
   ``targets.drop_30min_RT``) by a secant iteration on log k.
2. With that k: predict the pressure after 24 h at room temperature, and the first-30-min drop at
   40 °C (``seating_hold_25MPa_40C.toml``; measured ``targets.drop_30min_40C``).
3. Print calibrated / predicted / measured / miss, and optionally plot pressure vs time.

The fitted k is valid for the case's mesh only (the bonded free-edge corner makes the pressure drop
mesh dependent, see verification ``creep_mesh_convergence``). Copy the printed k into the case file.
Runs collectively (``mpirun -n 2 python -m mpi4py scripts/calibrate_seating.py`` works).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from mpi4py import MPI

from ssbstack.config.loader import load_case
from ssbstack.verification.mechanics import run_history

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases" / "ham2024"
HALF_HOUR = 1800.0
DAY_TIMES = [60.0, 300.0, 900.0, HALF_HOUR, 3600.0, 3 * 3600.0, 6 * 3600.0, 10 * 3600.0,
             16 * 3600.0, 24 * 3600.0]


def case_name(law: str, hot: bool = False) -> Path:
    """Case file of the seating hold for a law (norton: the base case) and temperature."""
    if hot:
        return CASES / "seating_hold_25MPa_40C.toml"
    return CASES / ("seating_hold_25MPa.toml" if law == "norton"
                    else "seating_hold_25MPa_garofalo.toml")


def overrides(law: str, stiffness: float) -> list[str]:
    """--set overrides: the stiffness, and the Garofalo law for the 40 °C case if asked."""
    items = [f"mechanics.stiffness={stiffness!r}"]
    if law == "garofalo":
        garofalo = load_case(case_name("garofalo")).materials["Li"].creep
        items += ['materials.Li.creep.model="garofalo"',
                  f"materials.Li.creep.coefficient_per_s={garofalo.coefficient_per_s!r}",
                  f"materials.Li.creep.stress_scale={garofalo.stress_scale!r}"]
    return items


def history(path: Path, law: str, stiffness: float, times: list[float]) -> list[float]:
    """Stack pressure (Pa) at 0 and at each of ``times`` (s)."""
    case = load_case(path, overrides(law, stiffness))
    _, rows = run_history(case, MPI.COMM_WORLD, times)
    return [row["stack_pressure_Pa"] for row in rows]


def drop_30min(path: Path, law: str, stiffness: float) -> float:
    """First-30-min pressure drop (Pa)."""
    pressures = history(path, law, stiffness, [HALF_HOUR])
    return pressures[0] - pressures[-1]


def calibrate(law: str, target: float, guess: float, say) -> float:
    """Secant on log k until the 30-min drop matches ``target`` (Pa) within 0.5 %."""
    path = case_name(law)
    x0, x1 = math.log(guess), math.log(guess) - 1.0
    f0 = drop_30min(path, law, math.exp(x0)) - target
    say(f"  k = {math.exp(x0):.4g} N/m: drop {(f0 + target) / 1e6:.4g} MPa")
    for _ in range(12):
        f1 = drop_30min(path, law, math.exp(x1)) - target
        say(f"  k = {math.exp(x1):.4g} N/m: drop {(f1 + target) / 1e6:.4g} MPa")
        if abs(f1) <= 5e-3 * target:
            return math.exp(x1)
        x0, x1, f0 = x1, x1 - f1 * (x1 - x0) / (f1 - f0), f1
    raise RuntimeError("calibration did not converge")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--law", choices=["norton", "garofalo"], default="norton")
    parser.add_argument("--plot", type=Path, default=None, help="PNG of pressure vs time")
    parser.add_argument("--table", type=Path, default=None, help="write the table as Markdown")
    args = parser.parse_args()
    rank0 = MPI.COMM_WORLD.rank == 0

    def say(text: str) -> None:
        if rank0:
            print(text, flush=True)

    base = load_case(case_name(args.law))
    measured_rt = base.targets["drop_30min_RT"].value * 1e6
    measured_hot = base.targets["drop_30min_40C"].value * 1e6
    say(f"Calibrating the holder stiffness ({args.law} law) to the {measured_rt / 1e6} MPa "
        "drop in 30 min at RT")
    stiffness = calibrate(args.law, measured_rt, base.mechanics.stiffness or 1e7, say)
    say(f"  calibrated k = {stiffness:.4g} N/m (kappa = k/A = "
        f"{stiffness / base.mechanics.area:.4g} Pa/m)")

    day = history(case_name(args.law), args.law, stiffness, DAY_TIMES)
    hot_times = [60.0, 300.0, 900.0, HALF_HOUR]
    hot = history(case_name(args.law, hot=True), args.law, stiffness, hot_times)
    rt_drop = day[0] - day[DAY_TIMES.index(HALF_HOUR) + 1]
    hot_drop = hot[0] - hot[-1]

    rows = [
        ("holder stiffness k (N/m)", "calibrated", f"{stiffness:.4g}", "-", "-"),
        ("30-min drop at RT (MPa)", "calibrated", f"{rt_drop / 1e6:.3f}",
         f"{measured_rt / 1e6:.2f}", f"{(rt_drop - measured_rt) / measured_rt:+.1%}"),
        ("pressure after 10 h at RT (MPa)", "predicted", f"{day[-3] / 1e6:.3f}", "-", "-"),
        ("pressure after 24 h at RT (MPa)", "predicted", f"{day[-1] / 1e6:.3f}",
         "saturates after ~10 h", f"24 h vs 10 h: {(day[-1] - day[-3]) / 1e6:+.3f} MPa"),
        ("30-min drop at 40 degC (MPa)", "predicted", f"{hot_drop / 1e6:.3f}",
         f"{measured_hot / 1e6:.2f}", f"{(hot_drop - measured_hot) / measured_hot:+.1%}"),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    header = ("quantity", "status", "model", "measured", "miss")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    for row in (header, *rows):
        say("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    trace = "RT pressure history (h: MPa): " + ", ".join(
        f"{t / 3600:.3g}: {p / 1e6:.3f}" for t, p in zip([0.0, *DAY_TIMES], day, strict=True))
    say(trace)
    if args.table and rank0:
        lines = [f"# Source C seating hold, {args.law} law", "",
                 "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        args.table.parent.mkdir(parents=True, exist_ok=True)
        args.table.write_text("\n".join([*lines, "", trace, ""]), encoding="utf-8")

    if args.plot and rank0:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot([t / 3600 for t in [0.0, *DAY_TIMES]], [p / 1e6 for p in day], "o-",
                label=f"model, RT (k calibrated, {args.law})")
        ax.plot([t / 3600 for t in [0.0, *hot_times]], [p / 1e6 for p in hot], "s-",
                label="model, 40 °C (predicted)")
        ax.plot([0.5], [25.0 - measured_rt / 1e6], "k*", ms=12, label="measured, RT (fitted)")
        ax.plot([0.5], [25.0 - measured_hot / 1e6], "r*", ms=12, label="measured, 40 °C")
        ax.set_xscale("symlog", linthresh=0.5)
        ax.set_xlabel("time (h)")
        ax.set_ylabel("stack pressure (MPa)")
        ax.set_title("Source C 25 MPa seating hold, fixed holder")
        ax.legend(fontsize=8)
        fig.tight_layout()
        args.plot.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.plot, dpi=120)
        say(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
