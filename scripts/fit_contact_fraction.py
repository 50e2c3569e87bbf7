"""Fit a cell's interfacial contact fraction to its measured CCD (issue 11, item 4).

    .venv/bin/python scripts/fit_contact_fraction.py CASE --fractions 0.4,0.6,0.8
        [--measured R_INT] [--reference 1e-4] [--out DIR] [--jobs 2] [--set KEY=VALUE ...] [--check]

CASE has seeded partial contact (``morphology = "contact_fraction"``) on its interfaces, the
quasi-steady vacancy rule with its vacancy lifetime τ_v already fixed (fitted on another data
point), and its measured CCD in ``[targets.ccd]``. The contact fraction f is the one parameter of
the contact state: every interface of the case gets the same f (same processing). The patch
layout is the case's: where an interface sets ``layout_fraction`` every sample keeps the layout
drawn there, its patches scaled to f, so the contact (and the margins) change continuously with
f; without it each f draws its own layout from the seed, the patch count and centres jump
between samples, and so can the CCD (source A's CE1: README). With ``--measured R_INT`` (a
measured small-signal interfacial resistance per interface, e.g. "10.6 Ohm cm2") the real
contact's R_ct is not held fixed but derived at every f by the R_int route (``ssbstack
interface``, physics.md §3.2), as the case derives it at its own f: then f is still the one
fitted value and R_ct follows from it.

How. As in ``fit_vacancy_lifetime.py``: the rule's nucleation margin is ∝ √τ_v and nothing
before the first void depends on τ_v, so ONE run per f at a reference lifetime (no void) gives
the per-level margins M_k(f), and at the case's τ_v the CCD is level c exactly when

    s · max(M_0..M_c)(f) < 1 ≤ s · max(M_0..M_c+1)(f),      s = √(τ_v/τ_ref).

Fewer contacts crowd the current, so both maxima fall as f grows. The script runs the reference
ramp (to the first level above the measured CCD) at every ``--fractions`` value (``--jobs`` at a
time, resumable), interpolates log(s · max) linearly in f between them, and reports the interval
of f that reproduces the CCD and its middle (the fitted value). Without a held layout the
interpolation is between different layouts and the interval is only as good as the samples are
dense (the report says which). It exits 1 with a message if the samples do not bracket the
interval. Writes ``fit.md`` and ``fraction.png``; ``--check`` reruns the case at the fitted f
(into ``check-f<f>``) and reports the CCD it gives.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import itertools

from ccd_table import Job, mode, run_all, summary
from fit_vacancy_lifetime import finished_rows, labelled_ramp, level_margins

ROOT = Path(__file__).resolve().parents[1]
PROG = "fit_contact_fraction"


def crossing(fractions: list[float], values: list[float]) -> float | None:
    """The f where ``values`` (falling with f) crosses 1, by linear interpolation of log(value)
    in f between the samples; None if the samples do not bracket 1 or the bracketing pair holds
    an infinite value (a reference run that failed by another mechanism)."""
    pairs = sorted(zip(fractions, values, strict=True))
    for (f0, v0), (f1, v1) in itertools.pairwise(pairs):
        if (v0 - 1.0) * (v1 - 1.0) <= 0.0 and v0 != v1:
            if math.isinf(v0) or math.isinf(v1):
                return None  # a run that failed before the rule could act: no value to interpolate
            l0, l1 = math.log(v0), math.log(v1)
            return f0 + (f1 - f0) * (0.0 - l0) / (l1 - l0)
    return None


def fraction_interval(
    maxima: dict[float, tuple[float, float]], scale: float
) -> tuple[float | None, float | None, list[str]]:
    """(low, high, open ends) of f that reproduce the CCD from {f: (max margin to c, max margin to
    c+1)} at the reference lifetime: above ``low`` level c survives, up to ``high`` level c+1
    fails. An end the samples do not bracket is the outermost sample that reproduces the CCD, if
    that sample is the outermost of all (the interval may reach beyond it: named in open ends)."""
    fractions = sorted(maxima)
    low = crossing(fractions, [scale * maxima[f][0] for f in fractions])
    high = crossing(fractions, [scale * maxima[f][1] for f in fractions])
    reproducing = [f for f in fractions if scale * maxima[f][0] < 1.0 <= scale * maxima[f][1]]
    open_ends = []
    if low is None and reproducing and reproducing[0] == fractions[0]:
        low = reproducing[0]
        open_ends.append(f"below {low:g}")
    if high is None and reproducing and reproducing[-1] == fractions[-1]:
        high = reproducing[-1]
        open_ends.append(f"above {high:g}")
    return low, high, open_ends


def fraction_overrides(case_file: Path, fraction: float, extra: list[str]) -> list[str]:
    """``--set`` items putting ``fraction`` on every seeded-contact interface of the case."""
    from ssbstack.config.loader import load_case

    case = load_case(case_file, extra)
    names = [name for name, spec in case.geometry.interfaces.items() if spec.morphology == "contact_fraction"]
    if not names:
        sys.exit(f'{PROG}: {case_file}: no interface has morphology = "contact_fraction"')
    return [f'geometry.interfaces."{name}".contact_fraction={fraction:g}' for name in names]


def held_layouts(case: Any) -> list[float]:
    """The ``layout_fraction`` values the case's seeded interfaces hold (empty: each f draws its
    own layout)."""
    return sorted({spec.layout_fraction for spec in case.geometry.interfaces.values()
                   if spec.morphology == "contact_fraction" and spec.layout_fraction is not None})


def layout_suffix(layouts: list[float]) -> str:
    """The part of a run folder's name that says which layout it holds (a resumed fit must not
    take a run of another layout for its own)."""
    return "".join(f"-layout{value:g}" for value in layouts)


def derived_resistance(case_file: Path, items: list[str], measured: str) -> str:
    """The R_ct (text, Ohm cm2) that the R_int route derives from ``measured`` (text with a unit)
    at the contact state ``items`` give the case (serial solves, seconds on an RVE)."""
    from ssbstack.compat import load_dolfinx

    load_dolfinx()
    from mpi4py import MPI

    from ssbstack.config.loader import load_case
    from ssbstack.errors import CaseError, SolverError
    from ssbstack.post.interface_resistance import OHM_CM2, derive_charge_transfer
    from ssbstack.units import UnitError, to_si

    try:
        value = to_si(measured, "area resistance")
        derivation = derive_charge_transfer(
            load_case(case_file, items), value, MPI.COMM_SELF, per_interface=False
        )
    except UnitError as error:
        sys.exit(f"{PROG}: --measured '{measured}': {error}")
    except (CaseError, SolverError) as error:
        sys.exit(f"{PROG}: {case_file}: R_int route at {' '.join(items)}: {error}")
    return f"{derivation.case_value / OHM_CM2:.4g} Ohm cm2"


def plot(
    maxima: dict[float, tuple[float, float]],
    scale: float,
    levels: tuple[float, float],
    fitted: float | None,
    out: Path,
) -> None:
    """The scaled margins of the CCD level and the next one against f."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fractions = sorted(maxima)
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    for index, level in enumerate(levels):
        finite = [f for f in fractions if math.isfinite(maxima[f][index])]
        ax.semilogy(
            finite,
            [scale * maxima[f][index] for f in finite],
            "o-",
            label=f"largest margin up to {level:g} mA/cm²",
        )
    ax.axhline(1.0, color="tab:red", lw=0.8, label="a void nucleates")
    if fitted is not None:
        ax.axvline(fitted, color="k", ls=":", lw=0.8, label=f"fitted f = {fitted:.3g}")
    ax.set_xlabel("contact fraction f")
    ax.set_ylabel("margin R T c_v / (p_c + σ_nuc)")
    ax.set_title("largest vacancy margin at the case's τ_v", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=130)
    plt.close(fig)


def main() -> None:
    from ssbstack.config.loader import load_case

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", type=Path)
    parser.add_argument(
        "--fractions", required=True, help="comma-separated contact fractions to run, e.g. 0.4,0.6,0.8"
    )
    parser.add_argument(
        "--reference",
        type=float,
        default=1e-4,
        help="reference vacancy lifetime, s (no void may nucleate at it)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="default results/fit/contact_fraction/<case stem>"
    )
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time")
    parser.add_argument(
        "--measured",
        metavar="R_INT",
        help='derive R_ct at every f from this measured interfacial resistance, e.g. "10.6 Ohm cm2"',
    )
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--check", action="store_true", help="rerun at the fitted f")
    args = parser.parse_args()
    try:
        fractions = sorted({float(text) for text in args.fractions.split(",")})
    except ValueError:
        sys.exit(f"{PROG}: --fractions '{args.fractions}': expected numbers like 0.4,0.6")
    if len(fractions) < 2 or not all(0.0 < f < 1.0 for f in fractions):
        sys.exit(f"{PROG}: --fractions: give at least two values in (0, 1)")
    out = args.out or ROOT / "results" / "fit" / "contact_fraction" / args.case.stem
    case = load_case(args.case, args.set)
    target = case.targets.get("ccd")
    if target is None:
        sys.exit(f"{PROG}: {args.case}: no [targets.ccd] to fit to")
    if case.coupling.nucleation != "vacancy" or not case.coupling.vacancy.quasi_steady:
        sys.exit(
            f"{PROG}: {args.case}: coupling.nucleation must be 'vacancy' with "
            "coupling.vacancy.quasi_steady = true"
        )
    lifetime = case.coupling.vacancy.lifetime
    scale = math.sqrt(lifetime / args.reference)
    protocol, levels, per_level = labelled_ramp(args.case, target.value * 10.0, args.set)
    completed = len(levels) - 2
    reference = [*args.set, protocol, f"coupling.vacancy.lifetime={args.reference:g} s"]

    resistances: dict[float, str] = {}  # f → R_ct derived there (--measured)

    def contact_state(f: float) -> list[str]:
        """The ``--set`` items of contact fraction f (and its derived R_ct with --measured)."""
        items = fraction_overrides(args.case, f, args.set)
        if args.measured:
            resistances[f] = derived_resistance(args.case, [*args.set, *items], args.measured)
            items.append(f'electrochemistry.kinetics.charge_transfer_resistance="{resistances[f]}"')
        return items

    contact = {f: contact_state(f) for f in fractions}
    layouts = held_layouts(case)
    jobs = {f: Job(args.case, out / f"f{f:g}{layout_suffix(layouts)}", [*reference, *contact[f]])
            for f in fractions}
    run_all(list(jobs.values()), argparse.Namespace(jobs=args.jobs, ranks=1, fresh=False))
    maxima: dict[float, tuple[float, float]] = {}
    early: dict[float, str] = {}  # f whose reference run failed by another mechanism: how
    for f, job in jobs.items():
        try:
            margins = level_margins(finished_rows(job.outdir, PROG))
        except ValueError as error:
            sys.exit(f"{PROG}: f = {f:g}: {error}")
        failed = summary(job.outdir)
        if failed.get("status") != "completed":
            # it failed with no void (contact lost, cut-off): at this f and every τ_v the levels
            # from the one it failed in on fail too (an infinite margin)
            level = failed.get("failed_level_A_m2")
            early[f] = f"{mode(failed)} at {level / 10 if level else float('nan'):g} mA/cm² without a void"
            first = next((k for k, value in enumerate(levels) if level and value >= level * (1 - 1e-9)), 0)
            margins |= {k: math.inf for k in range(first, len(levels))}
        if completed + 1 not in margins:
            sys.exit(f"{PROG}: f = {f:g}: the reference run has no level {completed + 1}")
        before = max(margins[k] for k in range(completed + 1))
        maxima[f] = (before, max(before, margins[completed + 1]))
    low, high, open_ends = fraction_interval(maxima, scale)
    ccd, failing = levels[completed] / 10, levels[-1] / 10
    lines = [
        f"# Contact fraction fitted to {case.name}'s CCD {target.value:g} mA/cm² (measured)",
        "",
        f"τ_v = {lifetime:g} s (the case's); reference runs at τ_ref = {args.reference:g} s "
        f"(no void) to {failing:g} mA/cm²; margins scaled by √(τ_v/τ_ref) = {scale:.4g}.",
        "",
        f"Each level runs {per_level}.",
        "",
        (f"Every sample holds the seeded layout drawn at f = {', '.join(f'{v:g}' for v in layouts)} "
         "(`layout_fraction`), its patches scaled to each f."
         if layouts else
         "**Each f draws its own seeded layout** (no `layout_fraction`): between samples the "
         "patch count and centres may change, and the interpolation is then between layouts."),
        "",
        *(
            [
                f"R_ct derived at each f from R_int = {args.measured} (measured, `--measured`): "
                + ", ".join(f"{resistances[f]} at f = {f:g}" for f in fractions)
                + ".",
                "",
            ]
            if args.measured
            else []
        ),
        f"| f | largest margin to {ccd:g} | largest margin to {failing:g} | CCD level |",
        "|---|---|---|---|",
    ]
    for f in fractions:
        survive, fail = (scale * m for m in maxima[f])
        verdict = (
            f"{ccd:g} (reproduced)"
            if survive < 1.0 <= fail
            else f"< {ccd:g}"
            if survive >= 1.0
            else f"> {ccd:g}"
        )
        verdict += f" ({early[f]})" if f in early else ""
        lines.append(f"| {f:g} | {survive:.4g} | {fail:.4g} | {verdict} |")
    fitted = None
    if low is None or high is None or not low < high:
        verdicts = {f: (scale * maxima[f][0] >= 1.0, scale * maxima[f][1] < 1.0) for f in fractions}
        hint = (
            "add smaller fractions (every sample's CCD is too high)"
            if all(high_ccd for _, high_ccd in verdicts.values())
            else "add larger fractions (every sample's CCD is too low)"
            if all(low_ccd for low_ccd, _ in verdicts.values())
            else "add fractions between the samples where the CCD level changes"
        )
        lines += ["", f"**The fractions run do not bracket the fitted interval**: {hint}."]
    else:
        fitted = 0.5 * (low + high)
        lines += [
            "",
            f"Every f in ({low:.4g}, {high:.4g}] puts the first void in the "
            f"{failing:g} mA/cm² level (CCD {ccd:g} mA/cm²), interpolated between the "
            f"samples; fitted (middle): **f = {fitted:.4g}**.",
        ]
        if open_ends:
            lines.append(
                f"The interval may extend {' and '.join(open_ends)} (no sample beyond it fails "
                "the other way): its end there is the last sample that reproduces the CCD."
            )
    out.mkdir(parents=True, exist_ok=True)
    plot(maxima, scale, (ccd, failing), fitted, out / "fraction.png")
    if fitted is not None and args.check:
        check = out / f"check-f{fitted:.4g}{layout_suffix(layouts)}"
        run_all(
            [Job(args.case, check, [*args.set, protocol, *contact_state(fitted)])],
            argparse.Namespace(jobs=1, ranks=1, fresh=False),
        )
        rows = finished_rows(check, PROG)
        value = summary(check).get("ccd_A_m2")
        lines += [
            "",
            f"Check run at f = {fitted:.4g}: CCD "
            f"{value / 10 if value else float('nan'):g} mA/cm² ({len(rows)} steps).",
        ]
    (out / "fit.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"{PROG}: wrote {out / 'fit.md'} and {out / 'fraction.png'}")
    if fitted is None:
        sys.exit(1)


if __name__ == "__main__":
    main()
