"""How a predicted CCD moves with assumed values (issue 11, item 6): one-at-a-time sweeps.

    .venv/bin/python scripts/ccd_sensitivity.py CASE --vary KEY=V1,V2,... [--vary ...]
        [--set KEY=VALUE ...] [--jobs 2] [--out DIR] [--fresh]

Runs the CCD case once as it is (the baseline) and once per listed value of each ``--vary`` key
(the other keys at the case's values; ``--set`` applies to every run), two at a time, resumable
(the batch runner of ``ccd_table.py``: a finished run is kept, a checkpointed one restarted).
Writes ``<out>/summary.md`` (CCD and failure mode per value) and ``sensitivity.png`` (CCD
against each key's value, one panel per key, the baseline and the measured CCD marked).
Default ``--out``: ``results/ccd/sensitivity/<case stem>``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from ccd_table import Job, add_batch_options, ccd_text, mode, outcome, run_all, summary

ROOT = Path(__file__).resolve().parents[1]


def parse_vary(text: str) -> tuple[str, list[str]]:
    """``KEY=V1,V2`` → (key, values); exits with one line if malformed."""
    key, sep, values = text.partition("=")
    items = [v.strip() for v in values.split(",") if v.strip()]
    if not sep or not key.strip() or not items:
        sys.exit(f"ccd_sensitivity: --vary '{text}': expected KEY=V1,V2,...")
    return key.strip(), items


def label(key: str, value: str) -> str:
    """A folder name for one varied value."""
    return re.sub(r"[^A-Za-z0-9.]+", "_", f"{key.split('.')[-1]}={value}").strip("_")


def magnitude(value: str) -> float:
    """The number of a value such as '0.5 MPa' (for the plot's axis)."""
    match = re.match(r"\s*([-+0-9.eE]+)", value)
    return float(match.group(1)) if match else float("nan")


def ccd_of(outdir: Path) -> tuple[dict, str]:
    """(CCD, failed and passed levels in mA/cm², see ``ccd_table.outcome``; failure mode) of a
    finished run."""
    result = summary(outdir)
    return outcome(result), mode(result)


def case_value(case: Path, overrides: list[str], key: str) -> str | None:
    """The case's own value of a dotted key as written (annotations unwrapped), or None."""
    from ssbstack.config.loader import apply_overrides, load_raw

    node: object = apply_overrides(load_raw(case), overrides)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if isinstance(node, dict):
        node = node.get("value")
    return None if node is None or isinstance(node, dict) else str(node)


def point(ccd: dict) -> tuple[float, str]:
    """Where a run sits on the plot: its CCD ('o'), the last level it passed ('^': above) or
    the level it failed in without a CCD ('v': below the first level)."""
    if ccd["predicted"] is not None:
        return ccd["predicted"], "o"
    if ccd["above"] is not None:
        return ccd["above"], "^"
    if ccd["failed"] is not None:
        return ccd["failed"], "v"
    return float("nan"), "o"


def write(out: Path, case: Path, sweeps: list[tuple[str, list[str]]], measured: float | None,
          overrides: list[str]) -> None:
    """summary.md and sensitivity.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    base_ccd, base_mode = ccd_of(out / "baseline")
    lines = [f"# CCD sensitivity of `{case.name}`", "",
             f"Baseline (the case's values): CCD {ccd_text(base_ccd)} "
             f"mA/cm² ({base_mode}); measured {measured if measured is not None else '—'}.", "",
             "| key | value | CCD (mA/cm²) | failure mode |", "|---|---|---|---|"]
    fig, axes = plt.subplots(1, len(sweeps), figsize=(3.6 * len(sweeps), 3.2), squeeze=False)
    for ax, (key, values) in zip(axes[0], sweeps, strict=True):
        points = []
        for value in values:
            ccd, how = ccd_of(out / label(key, value))
            lines.append(f"| `{key}` | {value} | {ccd_text(ccd)} | {how} |")
            points.append((magnitude(value), *point(ccd)))
        own = case_value(case, overrides, key)
        unit = values[0].split()[1:]
        if own is not None and own.split()[1:] == unit:  # the baseline, in the same unit
            points.append((magnitude(own), *point(base_ccd)))
            ax.plot(magnitude(own), point(base_ccd)[0], "s", color="k", ms=7, zorder=3,
                    label="the case's value")
        points.sort()
        ax.plot([p[0] for p in points], [p[1] for p in points], "-", color="tab:blue")
        for x, y, marker in points:
            ax.plot(x, y, marker, color="tab:blue")
        ax.plot([], [], "o", color="tab:blue", label="model CCD")
        if any(marker == "^" for *_, marker in points):
            ax.plot([], [], "^", color="tab:blue", label="no failure up to here")
        if any(marker == "v" for *_, marker in points):
            ax.plot([], [], "v", color="tab:blue", label="failed in that level (no CCD)")
        if measured is not None:
            ax.axhline(measured, color="tab:gray", ls="--", lw=0.8, label="measured")
        ax.set_xlabel(key.split(".")[-1] + (f" ({values[0].split()[1]})"
                                            if len(values[0].split()) > 1 else ""))
        ax.set_ylabel("CCD (mA/cm²)")
        ax.legend(fontsize=7)
    fig.suptitle(f"CCD sensitivity: {case.stem}", fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "sensitivity.png", dpi=130)
    plt.close(fig)
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    from ssbstack.config.loader import load_case
    from ssbstack.errors import CaseError

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", type=Path)
    parser.add_argument("--vary", action="append", default=[], required=True,
                        metavar="KEY=V1,V2,...")
    add_batch_options(parser)
    args = parser.parse_args()
    if not args.case.exists():
        sys.exit(f"ccd_sensitivity: {args.case}: no such case file")
    sweeps = [parse_vary(text) for text in args.vary]
    try:  # a bad case, --set or --vary value fails here, in one line
        case = load_case(args.case, args.set)
        for key, values in sweeps:
            for value in values:
                load_case(args.case, [*args.set, f"{key}={value}"])
    except CaseError as error:
        sys.exit(f"ccd_sensitivity: {error}")
    out = args.out or ROOT / "results" / "ccd" / "sensitivity" / args.case.stem
    jobs = [Job(args.case, out / "baseline", list(args.set))]
    jobs += [Job(args.case, out / label(key, value), [*args.set, f"{key}={value}"])
             for key, values in sweeps for value in values]
    print(f"ccd_sensitivity: {args.case.name}, {len(jobs)} runs, {args.jobs} at a time → {out}",
          flush=True)
    run_all(jobs, args)
    target = case.targets.get("ccd")
    write(out, args.case, sweeps, target.value if target is not None else None, args.set)
    print(f"ccd_sensitivity: wrote {out / 'summary.md'} and {out / 'sensitivity.png'}")


if __name__ == "__main__":
    main()
