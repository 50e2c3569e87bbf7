"""Fit the vacancy lifetime τ_v to one measured CCD (issue 11, item 4: one parameter per mechanism).

    .venv/bin/python scripts/fit_vacancy_lifetime.py [CASE] [--reference 1e-4] [--out DIR]
        [--set KEY=VALUE ...] [--check] [--ranks N]

CASE (default: source A's Ex1, ``cases/badding2025/ccd/ex1_agmg_ccd.toml``) must use the quasi-steady
vacancy rule and name its measured CCD in ``[targets.ccd]``. The rule's nucleation margin at a
pair is Π/(p_c + σ_nuc) with Π = R T (j/F) √(τ_v/D_v): ∝ √τ_v, and nothing else in a run depends
on τ_v until the first void nucleates. So ONE run at a reference lifetime small enough that no
void nucleates gives the largest margin M_k of every ramp level k, and any τ_v then nucleates
first at the level where √(τ_v/τ_ref) · max(M_0..M_k) reaches 1. The measured CCD c (the last
level completed) is reproduced by every τ_v with

    τ_ref / M_fail² ≤ τ_v < τ_ref / M_before²,

M_fail the running maximum up to the level after c and M_before up to c. The script runs the
case's ramp only up to that level (``ssbstack run``, resumable: a finished reference run is
kept), prints the interval and its geometric middle (the fitted value), and writes ``fit.md``
and ``margin.png`` (margin per level at the fitted τ_v) into ``--out``. An empty interval
(the margin does not grow from level c to the next) means τ_v alone cannot reproduce c: the
script says so and exits 1. ``--check`` reruns the case at the fitted τ_v over the same ramp and
reports the CCD it gives.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CASE = ROOT / "cases" / "badding2025" / "ccd" / "ex1_agmg_ccd.toml"


def level_margins(rows: list[dict[str, str]]) -> dict[int, float]:
    """Largest vacancy nucleation margin (both electrodes) of every ramp level in a run's
    timeseries rows; raises ValueError if a void nucleated (the reference τ is too large)."""
    margins: dict[int, float] = {}
    for row in rows:
        if row.get("level", "") in ("", "nan"):
            continue
        nucleated = max(float(row["nucleated_fraction_bottom"]),
                        float(row["nucleated_fraction_top"]))
        if nucleated > 0.0:
            raise ValueError(f"a void nucleated at t = {float(row['time_s']):.0f} s in the "
                             "reference run: choose a smaller --reference lifetime")
        level = int(float(row["level"]))
        margin = max(float(row["vacancy_margin_bottom"]), float(row["vacancy_margin_top"]))
        margins[level] = max(margins.get(level, 0.0), margin)
    return margins


def lifetime_interval(margins: dict[int, float], completed: int, reference: float
                      ) -> tuple[float, float]:
    """[low, high) of τ_v (s) whose first void nucleates in level ``completed`` + 1 (so that
    level ``completed`` is the CCD), from the per-level margins at τ = ``reference``."""
    if completed + 1 not in margins:
        raise ValueError(f"the reference run has no level {completed + 1}")
    before = max(margins[k] for k in range(completed + 1))
    failing = max(before, margins[completed + 1])
    return reference / failing**2, reference / before**2


def ramp_override(case_file: Path, target: float, extra: list[str]
                  ) -> tuple[str, list[float], str]:
    """``protocol.steps=…`` that ends the case's CCD ramp at the first level above ``target``
    (A/m²), the levels (A/m²) of that ramp and what each level runs (cycles × steps)."""
    from ssbstack.config.loader import load_case
    from ssbstack.config.protocol import RampBlock, ramp_levels

    case = load_case(case_file, extra)
    blocks = []
    levels: list[float] = []
    per_level = ""
    for block in case.protocol.steps:
        if isinstance(block, RampBlock):
            levels = ramp_levels(block.ramp)
            above = [k for k, value in enumerate(levels) if value > target * (1.0 + 1e-9)]
            if not above:
                sys.exit(f"fit_vacancy_lifetime: {case_file}: the ramp '{block.ramp}' never "
                         "goes above the measured CCD")
            levels = levels[:above[0] + 1]
            step = levels[1] - levels[0] if len(levels) > 1 else levels[0]
            ramp = f"{levels[0] / 10:g} to {levels[-1] / 10:g} mA/cm2 by {step / 10:g} mA/cm2"
            blocks.append(f"{{ ramp = {json.dumps(ramp)}, cycles = {block.cycles}, steps = "
                          f"{json.dumps(list(block.steps))} }}")
            per_level = f"{block.cycles} × ({', '.join(block.steps)})"
            break  # the CCD ramp ends the protocol
        if not isinstance(block, str):
            sys.exit(f"fit_vacancy_lifetime: {case_file}: protocol.steps has a repeat block "
                     "before its ramp (not supported)")
        blocks.append(json.dumps(block))
    if not levels:
        sys.exit(f"fit_vacancy_lifetime: {case_file}: protocol.steps has no CCD ramp")
    return "protocol.steps=[" + ", ".join(blocks) + "]", levels, per_level


def labelled_ramp(case_file: Path, target: float, extra: list[str]
                  ) -> tuple[str, list[float], str]:
    """:func:`ramp_override`, with what a level runs flagged when ``extra`` changed it from the
    case's own protocol (a calibration on another protocol says so wherever it is read)."""
    protocol, levels, per_level = ramp_override(case_file, target, extra)
    own = ramp_override(case_file, target, [])[2]
    if per_level != own:
        per_level += f" — **not the case's own protocol** ({own})"
    return protocol, levels, per_level


def finished_rows(outdir: Path, prog: str = "fit_vacancy_lifetime") -> list[dict[str, str]]:
    """The timeseries rows of a run that finished its protocol (exits with a message if not)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from ccd_table import run_state, summary

    if run_state(outdir) != "done":
        sys.exit(f"{prog}: the run in {outdir} ended before its protocol did "
                 f"({summary(outdir).get('status') or 'no status'}); run the script again to "
                 "continue it from its checkpoint")
    if not (outdir / "timeseries.csv").exists():
        sys.exit(f"{prog}: the run wrote no time series; see {outdir}.log")
    with open(outdir / "timeseries.csv") as handle:
        return list(csv.DictReader(handle))


def run(case_file: Path, outdir: Path, overrides: list[str], ranks: int = 1
        ) -> list[dict[str, str]]:
    """Run the case on ``ranks`` MPI ranks (kept if a finished run is there, restarted from its
    checkpoint if one is); its timeseries rows."""
    sys.path.insert(0, str(Path(__file__).parent))
    from ccd_table import Job, run_all

    run_all([Job(case_file, outdir, overrides)],
            argparse.Namespace(jobs=1, ranks=ranks, fresh=False))
    return finished_rows(outdir)


def plot(margins: dict[int, float], levels: list[float], scale: float, out: Path) -> None:
    """Margin per level at the fitted τ_v (√(τ_v/τ_ref) × the reference margins)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = sorted(margins)
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    ax.plot([levels[k] / 10 for k in keys], [scale * margins[k] for k in keys], "o-")
    ax.axhline(1.0, color="tab:red", lw=0.8, label="a void nucleates")
    ax.set_xlabel("ramp level (mA/cm²)")
    ax.set_ylabel("largest R T c_v / (p_c + σ_nuc)")
    ax.set_title("vacancy margin at the fitted τ_v", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=130)
    plt.close(fig)


def main() -> None:
    from ssbstack.config.loader import load_case

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", nargs="?", type=Path, default=DEFAULT_CASE)
    parser.add_argument("--reference", type=float, default=1e-4,
                        help="reference vacancy lifetime, s (no void may nucleate at it)")
    parser.add_argument("--out", type=Path, default=None,
                        help="default results/fit/vacancy_lifetime/<case stem>")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--check", action="store_true", help="rerun at the fitted τ_v")
    parser.add_argument("--ranks", type=int, default=1, help="MPI ranks per run (default 1)")
    args = parser.parse_args()
    out = args.out or ROOT / "results" / "fit" / "vacancy_lifetime" / args.case.stem
    case = load_case(args.case, args.set)
    target = case.targets.get("ccd")
    if target is None:
        sys.exit(f"fit_vacancy_lifetime: {args.case}: no [targets.ccd] to fit to")
    if case.coupling.nucleation != "vacancy" or not case.coupling.vacancy.quasi_steady:
        sys.exit(f"fit_vacancy_lifetime: {args.case}: coupling.nucleation must be 'vacancy' "
                 "with coupling.vacancy.quasi_steady = true (the margin is ∝ √τ_v only there)")
    protocol, levels, per_level = labelled_ramp(args.case, target.value * 10.0, args.set)
    completed = len(levels) - 2
    reference = [*args.set, protocol, f"coupling.vacancy.lifetime={args.reference:g} s"]
    try:
        margins = level_margins(run(args.case, out / "reference", reference, args.ranks))
        low, high = lifetime_interval(margins, completed, args.reference)
    except ValueError as error:
        sys.exit(f"fit_vacancy_lifetime: {error}")
    lines = [f"# τ_v fitted to {case.name}'s CCD {target.value:g} mA/cm² (measured)", "",
             f"Reference run at τ_ref = {args.reference:g} s (no void nucleates), ramp to "
             f"{levels[-1] / 10:g} mA/cm²: largest margin per level (× √(τ_v/τ_ref) at any τ_v).",
             "", f"Each level runs {per_level}.", "", "| level (mA/cm²) | margin at τ_ref |", "|---|---|"]
    lines += [f"| {levels[k] / 10:g} | {margins[k]:.5g} |" for k in sorted(margins)]
    if not low < high:
        lines += ["", f"**No τ_v reproduces the CCD**: the margin does not grow from "
                  f"{levels[completed] / 10:g} to {levels[-1] / 10:g} mA/cm²."]
        out.mkdir(parents=True, exist_ok=True)
        (out / "fit.md").write_text("\n".join(lines) + "\n")
        print("\n".join(lines))
        sys.exit(1)
    fitted = math.sqrt(low * high)
    lines += ["", f"Every τ_v in [{low:.4g}, {high:.4g}) s puts the first void in the "
              f"{levels[-1] / 10:g} mA/cm² level (CCD {levels[completed] / 10:g} mA/cm²); "
              f"fitted (geometric middle): **τ_v = {fitted:.4g} s**."]
    plot(margins, levels, math.sqrt(fitted / args.reference), out / "margin.png")
    if args.check:
        rows = run(args.case, out / "check",
                   [*args.set, protocol, f"coupling.vacancy.lifetime={fitted:.6g} s"], args.ranks)
        summary = json.loads((out / "check" / "run.json").read_text()).get("summary", {})
        ccd = summary.get("ccd_A_m2")
        lines += ["", f"Check run at τ_v = {fitted:.4g} s: CCD "
                  f"{ccd / 10 if ccd else float('nan'):g} mA/cm² ({len(rows)} steps)."]
    (out / "fit.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"fit_vacancy_lifetime: wrote {out / 'fit.md'} and {out / 'margin.png'}")


if __name__ == "__main__":
    main()
