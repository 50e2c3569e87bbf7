"""Fit one value shared by CCD cases to their measured CCDs by a scan (issue 11, item 4).

    .venv/bin/python scripts/fit_by_scan.py KEY --values V1,V2,... CASE [CASE ...]
        [--set KEY=VALUE ...] [--jobs 2] [--out DIR] [--fresh]

For a value whose effect on the CCD has no scaling law to interpolate (unlike the vacancy
lifetime, ``fit_vacancy_lifetime.py``, or the contact fraction, ``fit_contact_fraction.py``),
e.g. the Li creep threshold stress of source C's full cells: every CASE (each with its measured
CCD in ``[targets.ccd]``) is run at every listed value of KEY (``--jobs`` at a time, resumable:
the batch runner of ``ccd_table.py``). A value *reproduces* when every case's CCD equals its
measured one. The reproducing values must be adjacent in the sorted list (else the fit is not
one interval and the script exits 1, as it does when none reproduces). The interval of KEY that
reproduces then contains the reproducing samples [a, b] and lies inside the open bracket of
their non-reproducing neighbours; the fitted value is the middle of [a, b] (one sample: that
sample). Its resolution is the bracket, which the report states: add values to narrow it.
Writes ``<out>/fit.md`` and ``<out>/fit.png`` (each case's CCD against the value, measured
dashed). Default ``--out``: ``results/ccd/fit/<last part of KEY>``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from ccd_sensitivity import ccd_of, label, magnitude, point
from ccd_table import Job, add_batch_options, ccd_text, run_all

ROOT = Path(__file__).resolve().parents[1]
PROG = "fit_by_scan"


def reproducing(rows: dict[str, list[float | None]], measured: dict[str, float]) -> list[bool]:
    """Per sampled value: does every case's CCD (mA/cm², None: no CCD) equal its measured?"""
    return [all(ccd is not None and abs(ccd - measured[case]) < 1e-9
                for case, ccd in zip(rows, sample, strict=True))
            for sample in zip(*rows.values(), strict=True)]


def interval(values: list[float], hits: list[bool]) -> tuple[float, float, float, float]:
    """(lower bracket, a, b, upper bracket) of the reproducing samples [a, b] of the sorted
    ``values`` (brackets: the non-reproducing neighbours, ±inf at the ends); ValueError if none
    reproduces or the reproducing ones are not adjacent."""
    inside = [k for k, hit in enumerate(hits) if hit]
    if not inside:
        raise ValueError("no value reproduces every measured CCD")
    first, last = inside[0], inside[-1]
    if last - first + 1 != len(inside):
        raise ValueError("the reproducing values are not one interval: "
                         + ", ".join(f"{values[k]:g}" for k in inside))
    below = values[first - 1] if first > 0 else -float("inf")
    above = values[last + 1] if last + 1 < len(values) else float("inf")
    return below, values[first], values[last], above


def write(out: Path, key: str, unit: str, values: list[float], cases: list[Path],
          results: dict[str, list[dict]], measured: dict[str, float],
          fit: tuple[float, float, float, float]) -> float:
    """fit.md and fit.png; returns the fitted value."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    below, a, b, above = fit
    fitted = 0.5 * (a + b)
    lines = [f"# Fit of `{key}` by a scan", "",
             "| " + key.split(".")[-1] + " | " + " | ".join(
                 f"`{case.stem}` (measured {measured[case.stem]:g})" for case in cases) + " |",
             "|---|" + "---|" * len(cases)]
    for k, value in enumerate(values):
        lines.append(f"| {value:g} {unit} | "
                     + " | ".join(ccd_text(results[case.stem][k]) for case in cases) + " |")
    lines += ["", f"Every case reproduced at {a:g}–{b:g} {unit} (sampled); the interval that "
              f"reproduces lies inside ({below:g}, {above:g}) {unit}. "
              f"**Fitted: {fitted:.4g} {unit}** (the middle of the reproducing samples)."]
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    for number, case in enumerate(cases):
        color = f"C{number}"
        marks = [point(ccd) for ccd in results[case.stem]]
        ax.plot(values, [y for y, _ in marks], "-", color=color, label=case.stem)
        for x, (y, marker) in zip(values, marks, strict=True):
            ax.plot(x, y, marker, color=color)
        ax.axhline(measured[case.stem], color=color, ls="--", lw=0.8)
    ax.plot([], [], "v", color="gray", label="failed in that level (no CCD)")
    ax.axvspan(a, b, color="tab:green", alpha=0.15, label="reproduces (sampled)")
    ax.axvline(fitted, color="k", lw=0.8, label=f"fitted {fitted:.4g} {unit}")
    ax.set_xlabel(f"{key.split('.')[-1]} ({unit})" if unit else key.split(".")[-1])
    ax.set_ylabel("CCD (mA/cm²); measured dashed")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "fit.png", dpi=130)
    plt.close(fig)
    (out / "fit.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return fitted


def main() -> None:
    from ssbstack.config.loader import load_case
    from ssbstack.errors import CaseError

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("key")
    parser.add_argument("cases", type=Path, nargs="+")
    parser.add_argument("--values", required=True, metavar="V1,V2,...")
    add_batch_options(parser)
    args = parser.parse_args()
    items = [v.strip() for v in args.values.split(",") if v.strip()]
    units = {" ".join(item.split()[1:]) for item in items}
    if len(items) < 2 or len(units) != 1:
        sys.exit(f"{PROG}: --values '{args.values}': give at least two values in one unit")
    measured = {}
    for path in args.cases:
        if not path.exists():
            sys.exit(f"{PROG}: {path}: no such case file")
        try:
            case = load_case(path, args.set)
            for item in items:
                load_case(path, [*args.set, f"{args.key}={item}"])
        except CaseError as error:
            sys.exit(f"{PROG}: {error}")
        target = case.targets.get("ccd")
        if target is None:
            sys.exit(f"{PROG}: {path}: no [targets.ccd] (a measured CCD) to fit to")
        measured[path.stem] = float(target.value)
    items.sort(key=magnitude)
    values = [magnitude(item) for item in items]
    out = args.out or ROOT / "results" / "ccd" / "fit" / args.key.split(".")[-1]
    jobs = [Job(path, out / path.stem / label(args.key, item), [*args.set, f"{args.key}={item}"])
            for path in args.cases for item in items]
    print(f"{PROG}: {args.key} at {len(items)} values × {len(args.cases)} case(s), {args.jobs} "
          f"at a time → {out}", flush=True)
    run_all(jobs, args)
    results = {path.stem: [ccd_of(out / path.stem / label(args.key, item))[0] for item in items]
               for path in args.cases}
    rows = {stem: [ccd["predicted"] for ccd in ccds] for stem, ccds in results.items()}
    try:
        fit = interval(values, reproducing(rows, measured))
    except ValueError as error:
        for stem, ccds in results.items():
            print(f"{stem}: " + ", ".join(f"{item} → {ccd_text(ccd)}"
                                          for item, ccd in zip(items, ccds, strict=True)))
        sys.exit(f"{PROG}: {error}")
    write(out, args.key, units.pop(), values, args.cases, results, measured, fit)
    print(f"{PROG}: wrote {out / 'fit.md'} and {out / 'fit.png'}")


if __name__ == "__main__":
    main()
