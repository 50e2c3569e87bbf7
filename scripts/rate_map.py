"""Rate map of the source D Li–Al anode (issue 13, item 2): a study, not a test.

    .venv/bin/python scripts/rate_map.py [--thicknesses 10 30 100] [--diffusivities 1e-12 ...]
                                         [--rates 0.333 1 3] [--cutoff 3.5] [--workers 2]
                                         [--out DIR] [--overwrite | --resume] [--quick]

Case: ``cases/lee2025/base.toml`` (Cu | prelithiated Li–Al | Li6PS5Cl | LNMO composite, 25 °C),
with, per run, the anode thickness L (``--thicknesses``, um), a CONSTANT Li diffusivity D in the
anode (``--diffusivities``, cm²/s; the case's D(x) table is replaced) and the C-rate
(``--rates``): one discharge at C × Q / 1 h until ``--cutoff`` V, Q = F c0 L the anode's Li
(nominal capacity). The cathode is scaled with L (1.15 Q) and made ideal (effective ionic
conductivity × 100, specific area × 100) so that the anode's Li transport is what limits, as in
the source's argument. Usable capacity = charge passed until the cell voltage crosses the
cut-off (linear interpolation between the two output rows around it) / Q.

The source's "a 10 um anode at C/3 needs D >~ 1e-10 cm²/s" is D ≈ L²/t with t = 3600 s / C-rate.
The table gives, per L and C-rate, the D at which the model reaches half capacity (log-linear
interpolation in the map) against L²/t, and the constant-D slab estimate (Crank: the surface of a
slab discharged at constant flux empties when the used fraction reaches f = 1 − L²/(3 D t), so
f = 1/2 at D = (2/3) L²/t). The figure draws D = L²/t on the contour of usable capacity.

Runs go to ``--workers`` worker processes (one rank each) in batches; each run's result is kept
in ``runs/<name>.json``, so ``--resume`` finishes an interrupted map without redoing runs. Writes
``rate_map.csv``, ``rate_map.md`` and ``rate_map.png`` to ``--out`` (default
``results/rate_map``; refused if it exists, unless ``--overwrite`` replaces it or ``--resume``
continues it). ``--quick``: a 2 × 2 × 1 smoke map (10 and 30 um, 1e-10 and 1e-9 cm²/s, 1C,
``--steps 20``).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "cases" / "lee2025" / "base.toml"
FARADAY = 96485.33212  # C/mol
CATHODE_PER_ANODE = 128.0 / 30.0  # cathode thickness per anode thickness (base.toml: 1.15 Q)
IDEAL = 100.0  # factor on the cathode's conductivity and specific area


def run_name(thickness: float, diffusivity: float, rate: float) -> str:
    return f"L{thickness:g}um_D{diffusivity:.3g}_C{rate:.4g}"


def run_one(job: tuple[float, float, float, float, str, int]) -> dict[str, float]:
    """One discharge (a worker process, one rank): usable capacity at the cut-off."""
    thickness, diffusivity, rate, cutoff, folder, steps = job
    from mpi4py import MPI

    from ssbstack.config.loader import apply_overrides, build_case, load_case, load_raw, resolved_json
    from ssbstack.errors import SolverError
    from ssbstack.simulation import run_case

    base = load_case(CASE)
    c0 = base.material("anode").initial_concentration
    kappa = base.material("cathode").ionic_conductivity
    area = base.material("cathode").specific_area
    capacity = FARADAY * c0 * thickness * 1e-6  # C/m², the anode's Li
    current = rate * capacity / 3600.0  # A/m²
    nominal = 3600.0 / rate  # s
    data = load_raw(CASE)
    sizes = {"anode": thickness, "cathode": thickness * CATHODE_PER_ANODE}
    for layer in data["stack"]:
        if layer["name"] in sizes:
            layer["thickness"] = f"{sizes[layer['name']]} um"
    case = build_case(apply_overrides(data, [
        f"materials.LiAl.diffusivity={diffusivity} cm2/s",
        f"materials.LNMO.ionic_conductivity={kappa * IDEAL} S/m",
        f"materials.LNMO.specific_area={area * IDEAL}",
        f"geometry.mesh.interface={min(0.5, thickness / 20.0)} um",
        f"numerics.max_time_step={nominal / steps} s",
        f'protocol.steps=["Discharge at {current / 10.0} mA/cm2 for {2 * nominal} s or until '
        f'{cutoff} V"]',
        "outputs.plots=false",
    ]), file=str(CASE))
    outdir = Path(folder) / "runs" / run_name(thickness, diffusivity, rate)
    started = time.perf_counter()
    failed = False
    try:
        run_case(case, resolved_json(case), outdir, MPI.COMM_SELF, overwrite=True,
                 log=lambda _: None)
    except SolverError as exc:  # kept in the map as nan, with the reason in the run's folder
        (outdir / "failed.txt").write_text(str(exc), encoding="utf-8")
        failed = True
    with (outdir / "timeseries.csv").open(encoding="utf-8") as handle:
        rows = [(float(r["time_s"]), float(r["voltage_V"])) for r in csv.DictReader(handle)]
    end = math.nan if failed else rows[-1][0]  # no crossing: failed, or never cut off
    for (t0, v0), (t1, v1) in itertools.pairwise(rows):
        if (v0 - cutoff) * (v1 - cutoff) <= 0.0 and v1 != v0:
            end = t0 + (t1 - t0) * (v0 - cutoff) / (v0 - v1)
            break
    result = {"thickness_um": thickness, "diffusivity_cm2_s": diffusivity, "c_rate": rate,
              "current_mA_cm2": current / 10.0, "nominal_mAh_cm2": capacity / 36.0,
              "usable_mAh_cm2": current * end / 36.0, "usable_fraction": end / nominal,
              "estimate_cm2_s": (thickness * 1e-4) ** 2 / nominal,
              "crank_fraction": crank_fraction(thickness, diffusivity, rate),
              "wall_s": time.perf_counter() - started}
    (Path(folder) / "runs" / f"{outdir.name}.json").write_text(json.dumps(result),
                                                                encoding="utf-8")
    return result


def crank_fraction(thickness: float, diffusivity: float, rate: float) -> float:
    """Used fraction at which the surface of a slab (thickness um, D cm²/s, closed back face)
    discharged at constant flux at ``rate`` C empties: s with 1 − s − [1/3 − (2/π²) Σ
    exp(−n²π² τ s)/n²] / τ = 0, τ = D t/L² (Crank 1975, the series of echem_alloy.toml)."""
    tau = diffusivity * 1e-4 * 3600.0 / rate / (thickness * 1e-6) ** 2

    def residual(s: float) -> float:
        a = math.pi**2 * tau * s
        if a < 0.5:  # Poisson summation: Σ e^(−n²a)/n² = π²/6 − √(πa) + a/2 (error < 2e-10)
            series = math.pi**2 / 6.0 - math.sqrt(math.pi * a) + a / 2.0
        else:
            series = sum(math.exp(-n * n * a) / n**2 for n in range(1, 40))
        return 1.0 - s - (1.0 / 3.0 - 2.0 / math.pi**2 * series) / tau

    low, high = 0.0, 1.0  # residual(0) = 1 > 0, residual(1) < 0
    for _ in range(60):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if residual(middle) > 0.0 else (low, middle)
    return 0.5 * (low + high)


def crank_half_diffusivity(thickness: float, rate: float) -> float:
    """D (cm²/s) at which the constant-flux slab empties its surface at half capacity."""
    low, high = -16.0, -4.0  # log10 D
    for _ in range(50):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if crank_fraction(thickness, 10**middle, rate) < 0.5 else (
            low, middle)
    return 10 ** (0.5 * (low + high))


def half_capacity_diffusivity(results: list[dict], thickness: float, rate: float) -> float:
    """D (cm²/s) at which the usable fraction crosses 1/2 (log-linear in D); nan if it does not
    in the map."""
    points = sorted((r["diffusivity_cm2_s"], r["usable_fraction"]) for r in results
                    if r["thickness_um"] == thickness and r["c_rate"] == rate)
    for (d0, f0), (d1, f1) in itertools.pairwise(points):
        if (f0 - 0.5) * (f1 - 0.5) <= 0.0 and f1 != f0:
            return 10 ** (math.log10(d0) + (0.5 - f0) / (f1 - f0) * math.log10(d1 / d0))
    return math.nan


def table(results: list[dict], args: argparse.Namespace) -> str:
    """Markdown: usable fraction per C-rate (rows L, columns D), then the estimate check."""
    lines = [f"Usable capacity / nominal (anode's Li) to {args.cutoff:g} V, constant D in the "
             "anode, ideal cathode (scripts/rate_map.py); in brackets the constant-flux slab "
             "value (Crank: the fraction used when the anode's surface empties).", ""]
    for rate in args.rates:
        lines += [f"**{rate:.3g}C** (t = {3600 / rate:.0f} s)", "",
                  "| L (µm) | " + " | ".join(f"D = {d:.0e}" for d in args.diffusivities)
                  + " | L²/t (cm²/s) |", "|" + "---|" * (2 + len(args.diffusivities))]
        for thickness in args.thicknesses:
            cells = [next(f"{r['usable_fraction']:.3f} ({r['crank_fraction']:.3f})"
                          for r in results
                          if (r["thickness_um"], r["diffusivity_cm2_s"], r["c_rate"])
                          == (thickness, d, rate)) for d in args.diffusivities]
            estimate = (thickness * 1e-4) ** 2 * rate / 3600
            lines.append(f"| {thickness:g} | " + " | ".join(cells) + f" | {estimate:.2e} |")
        lines.append("")
    lines += ["Half capacity: the D (cm²/s) the model needs (log-interpolated in the map), the "
              "estimate D ≈ L²/t and the constant-flux slab (Crank)", "",
              "| L (µm) | C-rate | D at half capacity (model) | L²/t | model / (L²/t) | "
              "slab (Crank) |", "|---|---|---|---|---|---|"]
    for rate in args.rates:
        for thickness in args.thicknesses:
            model = half_capacity_diffusivity(results, thickness, rate)
            estimate = (thickness * 1e-4) ** 2 * rate / 3600
            text = "not in the map" if math.isnan(model) else f"{model:.2e}"
            lines.append(f"| {thickness:g} | {rate:.3g} | {text} | {estimate:.2e} | "
                         f"{model / estimate:.2f} | {crank_half_diffusivity(thickness, rate):.2e} |")
    return "\n".join(lines) + "\n"


def plot(results: list[dict], args: argparse.Namespace, path: Path) -> None:
    """Contours of the usable fraction over log D × L, one panel per C-rate, with D = L²/t."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    d = np.array(sorted(args.diffusivities))
    lengths = np.array(sorted(args.thicknesses))
    fig, axes = plt.subplots(1, len(args.rates), figsize=(4.2 * len(args.rates), 3.6),
                             squeeze=False, sharey=True)
    for ax, rate in zip(axes[0], args.rates, strict=True):
        grid = np.array([[next(r["usable_fraction"] for r in results
                               if (r["thickness_um"], r["diffusivity_cm2_s"], r["c_rate"])
                               == (length, dv, rate)) for dv in d] for length in lengths])
        shaded = ax.contourf(d, lengths, grid, levels=np.linspace(0.0, 1.0, 11),
                             cmap="viridis")
        lines = ax.contour(d, lengths, grid, levels=[0.5, 0.8], colors="w", linewidths=0.8)
        ax.clabel(lines, fmt="%.1f", fontsize=7)
        line = np.geomspace(d[0], d[-1], 50)
        ax.plot(line, np.sqrt(line * 3600.0 / rate) * 1e4, "r--", label="D = L²/t")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylim(lengths[0], lengths[-1])
        ax.set_xlabel("Li diffusivity in the anode (cm²/s)")
        ax.set_title(f"{rate:.3g}C (t = {3600 / rate:.0f} s)", fontsize=9)
        ax.legend(fontsize=7, loc="lower right")
    axes[0][0].set_ylabel("anode thickness L (µm)")
    fig.colorbar(shaded, ax=axes[0].tolist(), label=f"usable capacity to {args.cutoff:g} V / Q")
    fig.savefig(path, dpi=120)
    plt.close(fig)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--thicknesses", type=float, nargs="+", default=[10.0, 30.0, 100.0],
                        help="anode thickness, um")
    parser.add_argument("--diffusivities", type=float, nargs="+",
                        default=[1e-12, 1e-11, 1e-10, 1e-9, 1e-8], help="Li in the anode, cm2/s")
    parser.add_argument("--rates", type=float, nargs="+", default=[1 / 3, 1.0, 3.0],
                        help="C-rates (1C: the anode's Li in 1 h)")
    parser.add_argument("--cutoff", type=float, default=3.5, help="discharge cut-off, V")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--steps", type=int, default=60,
                        help="largest time step = nominal discharge time / steps")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "rate_map")
    parser.add_argument("--overwrite", action="store_true")
    parser.add_argument("--resume", action="store_true", help="continue a map in --out")
    parser.add_argument("--quick", action="store_true", help="2 x 2 x 1 smoke map")
    args = parser.parse_args(argv)
    if args.quick:
        args.thicknesses, args.diffusivities, args.rates = [10.0, 30.0], [1e-10, 1e-9], [1.0]
        args.steps = 20
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    values = [*args.thicknesses, *args.diffusivities, *args.rates]
    if min(values) <= 0 or min(args.workers, args.steps) < 1 or args.cutoff <= 0.0:
        print("error: --thicknesses, --diffusivities, --rates, --cutoff must be > 0 and "
              "--workers, --steps >= 1", file=sys.stderr)
        return 2
    if args.overwrite and args.resume:
        print("error: --overwrite and --resume exclude each other", file=sys.stderr)
        return 2
    if args.resume:
        if not (args.out / "runs").is_dir():
            print(f"error: --resume: {args.out} holds no map to continue", file=sys.stderr)
            return 2
    else:
        from ssbstack.io.results import study_folder

        study_folder(args.out, args.overwrite)
        (args.out / "runs").mkdir()
    jobs, results = [], []
    for rate in args.rates:
        for thickness in args.thicknesses:
            for diffusivity in args.diffusivities:
                done = args.out / "runs" / f"{run_name(thickness, diffusivity, rate)}.json"
                if done.exists():
                    results.append(json.loads(done.read_text(encoding="utf-8")))
                else:
                    jobs.append((thickness, diffusivity, rate, args.cutoff, str(args.out),
                                 args.steps))
    print(f"{len(results)} runs kept, {len(jobs)} to run on {args.workers} worker(s)", flush=True)
    started = time.perf_counter()
    if jobs:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
            for number, result in enumerate(pool.imap_unordered(run_one, jobs), 1):
                results.append(result)
                print(f"[{number}/{len(jobs)}] L = {result['thickness_um']:g} um, "
                      f"D = {result['diffusivity_cm2_s']:.0e} cm2/s, {result['c_rate']:.3g}C: "
                      f"usable {result['usable_fraction']:.3f} ({result['wall_s']:.1f} s)",
                      flush=True)
    fields = ["thickness_um", "diffusivity_cm2_s", "c_rate", "current_mA_cm2", "nominal_mAh_cm2",
              "usable_mAh_cm2", "usable_fraction", "crank_fraction", "estimate_cm2_s", "wall_s"]
    results.sort(key=lambda r: (r["c_rate"], r["thickness_um"], r["diffusivity_cm2_s"]))
    with (args.out / "rate_map.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(results)
    text = table(results, args)
    (args.out / "rate_map.md").write_text(text, encoding="utf-8")
    plot(results, args, args.out / "rate_map.png")
    print(text + f"written: {args.out}/rate_map.csv, rate_map.md, rate_map.png "
          f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
