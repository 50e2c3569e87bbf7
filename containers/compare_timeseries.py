"""Compare CSV time series (the first file is the reference) to a relative tolerance.

    python compare_timeseries.py [--rtol 1e-8] [--atol 1e-12] [--ignore REGEX] REF.csv OTHER.csv [...]

Numbers a, b agree when |a - b| <= rtol * max(|a|, |b|, floor), where floor = 1e-6 * (largest |value| in
the reference among the columns with the same unit suffix: all *_V columns, all *_A_m2 columns, ...), or
when both are at most atol in magnitude. A small quantity that is a difference of large ones (a 2e-10 V
interlayer drop out of potentials of 0.4 V) carries rounding noise of the large ones (1e-18 V), which
differs with the rank count; so does a quantity that is zero in exact arithmetic (a charge balance).
Columns whose name matches --ignore (default: wall-clock/timing/host columns) are skipped; other
non-numeric cells must be equal. Stdlib only. Exit code 1 on any difference.
"""

import argparse
import csv
import math
import re
import sys


def load(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        sys.exit(f"{path}: empty")
    return rows[0], rows[1:]


def num(s):
    try:
        return float(s)
    except ValueError:
        return None


UNIT_HEADS = {"A", "V", "W", "ohm", "S", "mol", "C", "J", "Pa", "N"}


def unit(name):
    """Unit suffix of a column name: 'voltage_V' -> 'V', 'mean_current_A_m2' -> 'A_m2', else the name."""
    parts = name.split("_")
    if len(parts) >= 3 and parts[-2] in UNIT_HEADS:
        return "_".join(parts[-2:])
    if len(parts) >= 2 and (parts[-1] in UNIT_HEADS or parts[-1] in {"s", "m", "K", "h"}):
        return parts[-1]
    return name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rtol", type=float, default=1e-8)
    ap.add_argument("--atol", type=float, default=1e-12)
    ap.add_argument("--ignore", default=r"(?i)(wall|elapsed|cpu_time|runtime|timestamp|host|date)")
    ap.add_argument("ref")
    ap.add_argument("others", nargs="+")
    a = ap.parse_args()
    head, ref = load(a.ref)
    ign = re.compile(a.ignore)
    cols = [i for i, h in enumerate(head) if not ign.search(h)]
    colmax = {}
    for i in cols:
        vals = [abs(v) for v in (num(r[i]) for r in ref if i < len(r)) if v is not None and math.isfinite(v)]
        colmax[i] = max(vals, default=0.0)
    groupmax = {}
    for i in cols:
        groupmax[unit(head[i])] = max(groupmax.get(unit(head[i]), 0.0), colmax[i])
    scale = {i: 1e-6 * groupmax[unit(head[i])] for i in cols}
    bad = 0
    for path in a.others:
        h2, rows = load(path)
        if h2 != head:
            print(f"FAIL {path}: columns differ\n  ref: {head}\n  got: {h2}")
            bad += 1
            continue
        if len(rows) != len(ref):
            print(f"FAIL {path}: {len(rows)} rows, reference has {len(ref)}")
            bad += 1
            continue
        worst, where, nfail = 0.0, None, 0
        for k, (r1, r2) in enumerate(zip(ref, rows, strict=True)):
            for i in cols:
                x, y = num(r1[i]), num(r2[i])
                if x is None or y is None:
                    ok, rel = r1[i] == r2[i], 0.0 if r1[i] == r2[i] else math.inf
                else:
                    d = abs(x - y)
                    den = max(abs(x), abs(y), scale[i])
                    rel = 0.0 if d == 0 else (d / den if den > 0 else math.inf)
                    noise = max(abs(x), abs(y)) <= a.atol
                    ok = rel <= a.rtol or noise or (math.isnan(x) and math.isnan(y))
                    if noise:
                        rel = 0.0
                if not ok:
                    nfail += 1
                    if nfail <= 5:
                        print(f"  {path}: row {k + 1} column {head[i]!r}: {r1[i]} vs {r2[i]} (rel {rel:.3g})")
                if rel > worst and math.isfinite(rel):
                    worst, where = rel, (k + 1, head[i])
        status = "ok  " if nfail == 0 else "FAIL"
        at = f" (row {where[0]}, {where[1]!r})" if where else ""
        print(f"{status} {path}: {len(rows)} rows x {len(cols)} columns, "
              f"max rel. difference {worst:.3g}{at}, rtol {a.rtol:g}, |values| <= atol {a.atol:g} taken as 0")
        bad += nfail > 0
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
