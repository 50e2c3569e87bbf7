"""Source D's roll-bonding step (cases/lee2025/roll_bonding_*.toml): stresses and Li thinning per pass.

Runs the sandwich case (Cu | Li | Al | LPSCl | cathode) and the bare one (Li | Al on a rigid
support) under the moving Hertz roll pressure (``mechanics.roller``), and with ``--sweep`` the
source's ranges (30–175 °C, 150–500 N; Li melts at 180.5 °C, so the source's 200 °C is refused):
the bare case at 30, 150 and 175 °C and at 150 and 500 N, both cases at 150 °C and at 500 N, and
both at 175 °C and 500 N together (about 1 h on one core, 40 min of it the bare run at 175 °C
and 500 N). Per run it records
the peak (over the pass) von Mises stress and pressure in the Li and the Al, the peak largest
principal stress in the SE and the Cu's peak von Mises (sandwich) while the roll moves (not at the
elastic set-down, t = 0), and the Li thickness change where the roll has passed
(x = start + 1.2a … end − 1.2a): its mean and its ripple there (largest departure from the mean),
which says how far the mean is resolved. Writes ``results/roll_bonding/summary.md`` and
``roll_bonding.png``.

Usage: ``python scripts/roll_bonding.py [--sweep] [--out results/roll_bonding]``
(one core: ``OMP_NUM_THREADS=1``).
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CASES = {name: ROOT / "cases" / "lee2025" / f"roll_bonding_{name}.toml"
         for name in ("sandwich", "bare")}
ROW_INTERVAL = 0.005  # s between recorded states
LI_FIT = (0.2e6, 0.6e6, 299.0)  # the Li Norton law's fitted stress range (Pa) and temperature (K)


@dataclass
class Run:
    """One roll pass: settings and measured peaks (Pa), thinning (m), wall time (s)."""

    case: str
    temperature: float  # K
    load: float  # N
    peaks: dict[str, dict[str, float]] = field(default_factory=dict)
    li_change: float = math.nan
    li_ripple: float = math.nan  # largest |Δh − mean| in the window, m
    li_thickness: float = math.nan
    profile: tuple[np.ndarray, np.ndarray] | None = None
    wall: float = 0.0
    substeps: int = 0
    message: str = ""


def run_pass(case_name: str, temperature_c: float | None = None, load_n: float | None = None,
             extra: list[str] | None = None) -> Run:
    """One pass of the roll over ``case_name`` with optional temperature (°C) and force (N)."""
    from mpi4py import MPI

    from ssbstack.config.loader import load_case
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.numerics.mechanics import MechanicsModel
    from ssbstack.numerics.model import Control
    from ssbstack.numerics.roller import layer_stresses, thickness_change, thickness_profile

    overrides = list(extra or [])
    if temperature_c is not None:
        overrides.append(f'conditions.temperature="{temperature_c} degC"')
    if load_n is not None:
        overrides.append(f'mechanics.roller.line_load="{load_n} N"')
    comm = MPI.COMM_WORLD
    case = load_case(CASES[case_name], overrides)
    roller = case.mechanics.roller
    a, width = roller.contact_half_width(), case.geometry.width
    end = width - roller.start  # the roll stops as far from the right side as it started
    duration = (end - roller.start) / roller.speed
    result = Run(case_name, case.conditions.temperature, roller.line_load)
    clock = time.perf_counter()
    model = MechanicsModel(case, build_mesh(case, comm), comm)
    layers = [layer.name for layer in case.stack]

    def record() -> None:
        for name in layers:
            now = layer_stresses(model, name)
            peak = result.peaks.setdefault(name, dict.fromkeys(now, -math.inf))
            for key, value in now.items():
                peak[key] = max(peak[key], value)

    state = model.solve(0.0, 0.0, Control(0.0))
    if not state.converged:
        raise RuntimeError(f"{case_name}: set-down did not solve: {state.message}")
    model.accept()  # the set-down is elastic: the Li's deviator is the uniaxial-strain one
    steps = max(1, math.ceil(duration / ROW_INTERVAL - 1e-9))
    previous = 0.0
    for index in range(1, steps + 1):
        now = duration * index / steps
        state = model.solve(now, now - previous, Control(0.0))
        if not state.converged:
            result.message = f"stopped at t = {previous:.3g} s: {state.message}"
            break
        model.accept()
        result.substeps += int(state.values["substeps"])
        record()
        previous = now
    window = (roller.start + 1.2 * a, end - 1.2 * a)
    result.li_change = thickness_change(model, "li", window)
    result.li_thickness = case.layer("li").thickness
    result.profile = thickness_profile(model, "li")
    x, change = result.profile
    inside = (x >= window[0]) & (x <= window[1])
    result.li_ripple = float(np.max(np.abs(change[inside] - result.li_change)))
    result.wall = time.perf_counter() - clock
    model.close()
    return result


def extrapolation(run: Run) -> str:
    """Where the Li law is used outside its fit (0.2–0.6 MPa, 26 °C)."""
    notes = []
    if run.peaks["li"]["von_mises_Pa"] > LI_FIT[1]:
        notes.append(f"σ_eq {run.peaks['li']['von_mises_Pa'] / 1e6:.1f} MPa > 0.6 MPa")
    if abs(run.temperature - LI_FIT[2]) > 2.0:
        notes.append(f"T (Arrhenius ×{li_arrhenius(run.temperature):.2g}, Q assumed)")
    return "; ".join(notes) or "inside the fit"


def li_arrhenius(temperature: float) -> float:
    """The Li law's Arrhenius factor at ``temperature`` (K), from the shared material."""
    from ssbstack.config.loader import load_case
    from ssbstack.physics.mechanics import CreepRate

    case = load_case(CASES["bare"])
    return CreepRate(case.material("li").creep, temperature).arrhenius


def table(runs: list[Run]) -> str:
    """Markdown table of the runs."""
    head = ("| case | T (°C) | F (N) | Li σ_vM peak (MPa) | Li pressure peak (MPa) | "
            "Al σ_vM peak (MPa) | SE peak tension (MPa) | Cu σ_vM peak (MPa) | "
            "Li thinning per pass (nm; % of 20 µm) | ripple (nm) | Li law | sub-steps | wall (s) |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    rows = []
    for run in runs:
        p = run.peaks

        def mpa(layer: str, key: str, peaks: dict = p) -> str:
            return f"{peaks[layer][key] / 1e6:.1f}" if layer in peaks else "—"

        thinning = -run.li_change
        rows.append(
            f"| {run.case} | {run.temperature - 273.15:.0f} | {run.load:.0f} | "
            f"{mpa('li', 'von_mises_Pa')} | {mpa('li', 'pressure_Pa')} | {mpa('al', 'von_mises_Pa')} | "
            f"{mpa('se', 'tensile_Pa')} | {mpa('cu', 'von_mises_Pa')} | "
            f"{thinning * 1e9:.2g} ({100 * thinning / run.li_thickness:.1g} %) | "
            f"±{run.li_ripple * 1e9:.2g} | {extrapolation(run)} | {run.substeps} | {run.wall:.0f} |"
            + (f" {run.message}" if run.message else ""))
    return head + "\n".join(rows) + "\n"


def figure(runs: list[Run], path: Path) -> None:
    """Li thickness change along x, sandwich and bare runs apart (the bare Li's edge ripples
    reach µm), and the peak stresses of every run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), gridspec_kw={"width_ratios": [1, 1, 1.3]})
    for axis, case in zip(axes[:2], ("sandwich", "bare"), strict=True):
        for run in runs:
            if run.case != case or run.profile is None:
                continue
            x, change = run.profile
            axis.plot(x * 1e3, change * 1e9, lw=1.0,
                      label=f"{run.temperature - 273.15:.0f} °C, {run.load:.0f} N")
        axis.set_yscale("symlog", linthresh=10.0)
        axis.set_xlabel("x (mm, unloaded)")
        axis.set_ylabel("Li thickness change (nm)")
        axis.set_title(f"{case}: after one pass (set down at 2a, stops at 5a)", fontsize=9)
        axis.legend(fontsize=7)
    right = axes[2]
    labels = [f"{r.case} {r.temperature - 273.15:.0f} °C {r.load:.0f} N" for r in runs]
    positions = np.arange(len(runs))
    for offset, (layer, key, name) in enumerate((("li", "von_mises_Pa", "Li σ_vM"),
                                                  ("al", "von_mises_Pa", "Al σ_vM"),
                                                  ("se", "tensile_Pa", "SE tension"))):
        values = [r.peaks[layer][key] / 1e6 if layer in r.peaks else 0.0 for r in runs]
        right.bar(positions + 0.27 * (offset - 1), values, 0.27, label=name)
    right.set_xticks(positions, labels, fontsize=7, rotation=45, ha="right")
    right.set_ylabel("peak over the pass (MPa)")
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=130)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true",
                        help="also the source's temperature and force ranges (~1 h)")
    parser.add_argument("--only", choices=sorted(CASES), help="run one configuration")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "roll_bonding")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    names = [args.only] if args.only else list(CASES)
    settings = [(name, None, None) for name in names]
    if args.sweep:
        settings += [("bare", 30.0, None), ("bare", None, 150.0), ("bare", 150.0, None),
                     ("sandwich", 150.0, None), ("bare", 175.0, None), ("bare", None, 500.0),
                     ("sandwich", None, 500.0), ("bare", 175.0, 500.0),
                     ("sandwich", 175.0, 500.0)]
    runs = []
    for name, temperature, load in settings:
        run = run_pass(name, temperature, load)
        print(f"{name} T={run.temperature - 273.15:.0f} C F={run.load:.0f} N: Li thinning "
              f"{-run.li_change * 1e9:.3g} nm, {run.substeps} sub-steps, {run.wall:.0f} s "
              f"{run.message}", flush=True)
        runs.append(run)
        (args.out / "summary.md").write_text(summary(runs))
    figure(runs, args.out / "roll_bonding.png")
    return 0


def summary(runs: list[Run]) -> str:
    """The summary page: settings, the table and the caveats."""
    return (
        "# Source D roll bonding: one pass of the roll (scripts/roll_bonding.py)\n\n"
        "Plane strain, small strain, moving Hertz pressure p0 √(1 − ((x − x_c)/a)²) with "
        "a = 0.5 mm (assumed), roll length 20 mm (assumed), 50 mm/s (assumed); every value but the "
        "force range and the temperature range is assumed (cases/lee2025/roll_bonding_*.toml). "
        "Peaks are over the rolling (recorded every 5 ms, not the elastic set-down at t = 0) and all "
        "quadrature points of the layer; SE tension is the "
        "largest principal stress. Li thinning is the mean over the rolled stretch. Nothing here "
        "is measured.\n\n"
        + table(runs)
        + "\nThe Li Norton law was fitted at 26 °C and 0.2–0.6 MPa (tension creep, Masias 2019); "
        "its 37 kJ/mol activation energy is assumed. Small strain (fine here: the thinning is a few "
        "nm). The thinning is steeply sensitive to the assumed contact half-width a: at a fixed "
        "force p0 ∝ 1/a and the squeeze-flow shear stress ∝ p0 h/a ∝ 1/a², so the Li creep rate "
        "scales as a^(−2n) = a^(−13); with a = 0.15 mm the bare Li flows at > 1e6 /s and the run "
        "does not finish (not a result).\n")


if __name__ == "__main__":
    raise SystemExit(main())
