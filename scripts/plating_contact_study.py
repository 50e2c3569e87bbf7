"""How the plating electrode's contact evolves, against the contact regularisation g_c and the
spreading of plated Li (the first blocker of source CCDs; README "Limits of the coupled step").

    .venv/bin/python scripts/plating_contact_study.py [--gaps 20 50 100] [--spread 0 5]
        [--current 0.5] [--times 30 60 120] [--out DIR] [--overwrite]

Cell: ``cases/verification/coupled_rve_ccd.toml`` (Li | LLZO | Li, 70 % seeded contact on both
interfaces, 0.1 MPa), with vacancy nucleation made unreachable (σ_nuc = 1e12 Pa, quasi-steady:
no τ_v sub-steps), so only the seeded voids act and the plating side is isolated. The bottom
electrode strips at ``--current`` (mA/cm²), so the top one plates; the table is the top
electrode's contact fraction at each of ``--times`` (s), for each g_c (nm,
``coupling.conducting_gap``) and plating spread length ℓ (µm, ``coupling.plating_spread_length``).
Writes ``plating_contact.csv`` / ``.md`` / ``.png`` to ``--out`` (default
``results/plating_contact_study``; refused if present, unless ``--overwrite``). Serial, one run
after the other (a few minutes each on one core).
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "cases" / "verification" / "coupled_rve_ccd.toml"


def history(gap_nm: float, spread_um: float, current: float, times: list[float]) -> list[float]:
    """Top contact fraction at ``times`` (s) under ``current`` (mA/cm²) for one (g_c, ℓ)."""
    from mpi4py import MPI

    from ssbstack.config.loader import load_case
    from ssbstack.verification.coupled import build, run_models

    case = load_case(CASE, ["coupling.vacancy.quasi_steady=true",
                            "coupling.vacancy.nucleation_stress=1e12 Pa",
                            f"coupling.conducting_gap={gap_nm} nm",
                            f"coupling.plating_spread_length={spread_um} um"])
    (model,) = build(case, MPI.COMM_SELF)
    rows = run_models([model], times, current_density=current * 10.0)
    return [row["contact_fraction_top"] for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gaps", type=float, nargs="+", default=[20.0, 50.0, 100.0])
    parser.add_argument("--spread", type=float, nargs="+", default=[0.0, 5.0])
    parser.add_argument("--current", type=float, default=0.5)
    parser.add_argument("--times", type=float, nargs="+", default=[30.0, 60.0, 120.0])
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "plating_contact_study")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args()
    from ssbstack.io.results import study_folder

    study_folder(args.out, args.overwrite)
    results = []
    for gap in args.gaps:
        for spread in args.spread:
            started = time.time()
            fractions = history(gap, spread, args.current, args.times)
            results.append((gap, spread, fractions))
            print(f"g_c = {gap:g} nm, l = {spread:g} um: top contact "
                  + " → ".join(f"{f:.3f}" for f in fractions)
                  + f" ({time.time() - started:.0f} s)", flush=True)
    with (args.out / "plating_contact.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        times = [f"t{t:g}s" for t in [0.0, *args.times]]
        writer.writerow(["conducting_gap_nm", "spread_um", *times])
        for gap, spread, fractions in results:
            writer.writerow([gap, spread, *fractions])
    header = " | ".join(f"t = {t:g} s" for t in [0.0, *args.times])
    lines = [f"Top (plating) contact fraction, bottom stripping at {args.current:g} mA/cm², "
             "70 % seeded contact, 0.1 MPa", "", f"| g_c (nm) | ℓ (µm) | {header} |",
             "|---|---|" + "---|" * (len(args.times) + 1)]
    lines += [f"| {gap:g} | {spread:g} | " + " | ".join(f"{f:.3f}" for f in fractions) + " |"
              for gap, spread, fractions in results]
    (args.out / "plating_contact.md").write_text("\n".join(lines) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.0, 3.2))
    for gap, spread, fractions in results:
        ax.plot([0.0, *args.times], fractions, marker="o",
                label=f"g_c = {gap:g} nm, ℓ = {spread:g} µm")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("plating electrode contact fraction")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.out / "plating_contact.png", dpi=130)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
