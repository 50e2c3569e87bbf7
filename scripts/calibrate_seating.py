"""Source C seating hold: predict with the holder stiffness derived from its parts; fit ONE value.

    python scripts/calibrate_seating.py [--law norton|garofalo] [--extrusion]
                                        [--fit none|thickness|gap] [--plot PNG] [--table MD]

The holder stiffness k of ``cases/ham2024/base.toml`` is DERIVED from the holder's parts
(``scripts/holder_stiffness.py``), not fitted. This script

1. ``--fit none``: runs the cases as they are (k derived, Li foils 100 µm assumed): the 30-min drop
   at room temperature and at 40 °C and the 24 h pressure are all predictions;
2. ``--fit thickness``: fits ONE value, the Li foil thickness (both foils, one value; not stated in
   source C), to the measured first-30-min drop at RT (``targets.drop_30min_RT``) by a secant on
   log h with k kept at its derived value, then predicts 24 h at RT and the 40 °C drop with it
   without refitting. Copy the printed thickness into ``seating_hold_25MPa_fitted_foil*.toml``;
3. ``--extrusion``: the same for the cases in the die with Li extruding into the plunger/die gap
   (``seating_hold_25MPa_die_extrusion*.toml``, Norton law); ``--fit gap`` fits ONE value, that
   gap's width (not stated in source C), to the RT 30-min drop in the same way (foils 100 µm).

Each run reports the pressure, the thinning of the bottom Li foil (``li_thickness_m``) and the
plate travel (``plate_displacement_m``), both since the loaded state at t = 0. A fitted value
holds for the case's mesh only (the bonded free-edge corner makes the drop mesh dependent, see
verification ``creep_mesh_convergence``). Runs collectively (``mpirun -n 2 python -m mpi4py``).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from mpi4py import MPI

from ssbstack.config.loader import apply_overrides, build_case, load_case, load_raw
from ssbstack.verification.mechanics import run_history

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases" / "ham2024"
HALF_HOUR = 1800.0
DAY_TIMES = [60.0, 300.0, 900.0, HALF_HOUR, 3600.0, 3 * 3600.0, 6 * 3600.0, 10 * 3600.0,
             16 * 3600.0, 24 * 3600.0]
HOT_TIMES = [60.0, 300.0, 900.0, HALF_HOUR]


def case_name(law: str, hot: bool = False, extrusion: bool = False) -> Path:
    """Case file of the seating hold for a law (norton: the base case), temperature and die."""
    if extrusion:
        return CASES / f"seating_hold_25MPa_die_extrusion{'_40C' if hot else ''}.toml"
    if hot:
        return CASES / "seating_hold_25MPa_40C.toml"
    return CASES / ("seating_hold_25MPa.toml" if law == "norton"
                    else "seating_hold_25MPa_garofalo.toml")


def overrides(law: str) -> list[str]:
    """--set overrides: the Garofalo law for the 40 °C case if asked."""
    if law != "garofalo":
        return []
    garofalo = load_case(case_name("garofalo")).materials["Li"].creep
    return ['materials.Li.creep.model="garofalo"',
            f"materials.Li.creep.coefficient_per_s={garofalo.coefficient_per_s!r}",
            f"materials.Li.creep.stress_scale={garofalo.stress_scale!r}"]


FITTED = {"status": "calibrated", "note": "fitted by scripts/calibrate_seating.py"}


def load(path: Path, law: str, fit: str = "none", value: float | None = None) -> Any:
    """The case at ``path`` with ``law``; the fitted quantity ``fit`` (``thickness``: every Li
    layer; ``gap``: the plunger/die gap) set to ``value`` (m) if given."""
    data = apply_overrides(load_raw(path), overrides(law))
    if value is not None and fit == "thickness":
        for layer in data["stack"]:
            if layer["material"] == "Li":
                layer["thickness"] = {"value": value, **FITTED}
    elif value is not None and fit == "gap":
        data["mechanics"]["die_extrusion_gap"] = {"value": value, **FITTED}
    return build_case(data, file=str(path))


def history(case: Any, times: list[float]) -> list[dict[str, float]]:
    """Rows at 0 and at each of ``times`` (s): time, pressure (Pa), bottom Li thickness and plate
    displacement (m)."""
    _, rows = run_history(case, MPI.COMM_WORLD, times)
    keys = ("stack_pressure_Pa", "li_thickness_m", "plate_displacement_m")
    return [{"time": t, **{key: row[key] for key in keys}}
            for t, row in zip([0.0, *times], rows, strict=True)]


def drop_30min(path: Path, law: str, fit: str, value: float) -> float:
    """First-30-min pressure drop (Pa) of the case at ``path`` with the fitted value set."""
    rows = history(load(path, law, fit, value), [HALF_HOUR])
    return rows[0]["stack_pressure_Pa"] - rows[-1]["stack_pressure_Pa"]


def fit_value(path: Path, law: str, fit: str, target: float, guess: float, say) -> float:
    """Secant on the log of the fitted value (m) until the RT 30-min drop matches ``target``
    (Pa) within 0.5 %; the second guess is 0.8 × (thickness: a thinner foil drops less) or
    1.5 × (gap: a wider gap drops more) the first."""
    x0, x1 = math.log(guess), math.log((0.8 if fit == "thickness" else 1.5) * guess)
    f0 = drop_30min(path, law, fit, math.exp(x0)) - target
    say(f"  {fit} = {math.exp(x0) * 1e6:.4g} um: drop {(f0 + target) / 1e6:.4g} MPa")
    for _ in range(12):
        f1 = drop_30min(path, law, fit, math.exp(x1)) - target
        say(f"  {fit} = {math.exp(x1) * 1e6:.4g} um: drop {(f1 + target) / 1e6:.4g} MPa")
        if abs(f1) <= 5e-3 * target:
            return math.exp(x1)
        x0, x1, f0 = x1, x1 - f1 * (x1 - x0) / (f1 - f0), f1
    raise RuntimeError(f"fit of the {fit} did not converge")


def trace(label: str, rows: list[dict[str, float]]) -> list[str]:
    """History lines: time, pressure, drop, Li thinning and plate travel since t = 0."""
    first = rows[0]
    lines = [f"{label}: loaded state at t = 0: P = {first['stack_pressure_Pa'] / 1e6:.3f} MPa, "
             f"bottom Li {first['li_thickness_m'] * 1e6:.3f} um, plate "
             f"{first['plate_displacement_m'] * 1e6:.3f} um",
             "| t (h) | P (MPa) | drop (MPa) | Li thinning (um) | plate travel (um) |",
             "|---|---|---|---|---|"]
    for row in rows:
        lines.append(
            f"| {row['time'] / 3600:.3g} | {row['stack_pressure_Pa'] / 1e6:.3f} | "
            f"{(first['stack_pressure_Pa'] - row['stack_pressure_Pa']) / 1e6:.3f} | "
            f"{(first['li_thickness_m'] - row['li_thickness_m']) * 1e6:.3f} | "
            f"{(first['plate_displacement_m'] - row['plate_displacement_m']) * 1e6:.3f} |")
    return lines


def at(rows: list[dict[str, float]], time: float) -> dict[str, float]:
    """The row at ``time`` (s)."""
    return next(row for row in rows if row["time"] == time)


def summary(stiffness: float, sizes: dict[str, float], fit: str, day: list[dict[str, float]],
            hot: list[dict[str, float]], measured_rt: float, measured_hot: float,
            ) -> list[tuple[str, ...]]:
    """Rows (quantity, status, model, measured, miss) of the predicted-vs-measured table."""
    def drop(rows: list[dict[str, float]]) -> float:
        return rows[0]["stack_pressure_Pa"] - at(rows, HALF_HOUR)["stack_pressure_Pa"]

    def miss(model: float, measured: float) -> str:
        return f"{(model - measured) / 1e6:+.2f} MPa ({(model - measured) / measured:+.0%})"

    rt_status = "predicted" if fit == "none" else "calibrated"
    p10, p24 = at(day, 10 * 3600.0)["stack_pressure_Pa"], day[-1]["stack_pressure_Pa"]
    labels = {"thickness": "Li foil thickness (um)", "gap": "plunger/die gap (um)"}
    return [
        ("holder stiffness k (N/m)", "derived", f"{stiffness:.4g}", "-", "-"),
        *[(labels[name], "calibrated" if fit == name else "assumed", f"{size * 1e6:.4g}",
           "not stated", "-") for name, size in sizes.items()],
        ("30-min drop at RT (MPa)", rt_status, f"{drop(day) / 1e6:.3f}",
         f"{measured_rt / 1e6:.2f}", miss(drop(day), measured_rt)),
        ("pressure after 10 h at RT (MPa)", "predicted", f"{p10 / 1e6:.3f}", "-", "-"),
        ("pressure after 24 h at RT (MPa)", "predicted", f"{p24 / 1e6:.3f}",
         "saturates after ~10 h", f"24 h vs 10 h: {(p24 - p10) / 1e6:+.3f} MPa"),
        ("30-min drop at 40 degC (MPa)", "predicted", f"{drop(hot) / 1e6:.3f}",
         f"{measured_hot / 1e6:.2f}", miss(drop(hot), measured_hot)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--law", choices=["norton", "garofalo"], default="norton")
    parser.add_argument("--extrusion", action="store_true",
                        help="the cases in the die with Li extruding into the plunger/die gap")
    parser.add_argument("--fit", choices=["none", "thickness", "gap"], default="none",
                        help="fit nothing (default), the Li foil thickness or (with --extrusion) "
                        "the plunger/die gap to the RT 30-min drop")
    parser.add_argument("--plot", type=Path, default=None, help="PNG of pressure vs time")
    parser.add_argument("--table", type=Path, default=None, help="write the tables as Markdown")
    args = parser.parse_args()
    rank0 = MPI.COMM_WORLD.rank == 0

    def say(text: str) -> None:
        if rank0:
            print(text, flush=True)

    if args.extrusion and args.law != "norton":
        parser.error("--extrusion: the extrusion cases use the Norton law")
    if args.fit == "gap" and not args.extrusion:
        parser.error("--fit gap needs --extrusion")
    room, warm = case_name(args.law, extrusion=args.extrusion), case_name(
        args.law, hot=True, extrusion=args.extrusion)
    base = load_case(room)
    measured_rt = base.targets["drop_30min_RT"].value * 1e6
    measured_hot = base.targets["drop_30min_40C"].value * 1e6
    stiffness = base.mechanics.stiffness
    sizes = {"thickness": base.stack[0].thickness}
    if args.extrusion:
        sizes["gap"] = base.mechanics.die_extrusion_gap
    say(f"holder stiffness k = {stiffness:.4g} N/m ({base.provenance['mechanics.stiffness']['status']}"
        f"), {args.law} law")
    fitted = args.fit != "none"
    if fitted:
        say(f"Fitting the {args.fit} to the {measured_rt / 1e6} MPa drop in 30 min at RT")
        sizes[args.fit] = fit_value(room, args.law, args.fit, measured_rt, sizes[args.fit], say)
        say(f"  fitted {args.fit} = {sizes[args.fit] * 1e6:.4g} um")
    value = sizes[args.fit] if fitted else None
    day = history(load(room, args.law, args.fit, value), DAY_TIMES)
    hot = history(load(warm, args.law, args.fit, value), HOT_TIMES)

    rows = summary(stiffness, sizes, args.fit, day, hot, measured_rt, measured_hot)
    header = ("quantity", "status", "model", "measured", "miss")
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(row) + " |" for row in rows]
    histories = [*trace("RT", day), "", *trace("40 degC", hot)]
    say("\n".join([*table, "", *histories]))
    if args.table and rank0:
        title = (f"## {args.law} law{', die with extrusion' if args.extrusion else ''}, "
                 + (f"{args.fit} fitted" if fitted else "no fit")
                 + f" (`--law {args.law}{' --extrusion' if args.extrusion else ''} "
                 f"--fit {args.fit}`)")
        args.table.parent.mkdir(parents=True, exist_ok=True)
        args.table.write_text("\n".join([title, "", *table, "", *histories, ""]), encoding="utf-8")

    if args.plot and rank0:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4))
        note = f"k derived {stiffness:.2g} N/m, " + ", ".join(
            f"{name} {size * 1e6:.3g} um" for name, size in sizes.items())
        ax.plot([r["time"] / 3600 for r in day], [r["stack_pressure_Pa"] / 1e6 for r in day],
                "o-", label=f"model, RT ({note})")
        ax.plot([r["time"] / 3600 for r in hot], [r["stack_pressure_Pa"] / 1e6 for r in hot],
                "s-", label="model, 40 °C (predicted)")
        ax.plot([0.5], [25.0 - measured_rt / 1e6], "k*", ms=12,
                label="measured, RT" + (" (fitted)" if fitted else ""))
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
