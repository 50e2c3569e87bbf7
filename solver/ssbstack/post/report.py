"""report.md: what was run, how the simulation compares with each measured target, and which
values were calibrated (to which data point), derived (from measured data) or assumed.

A target used for calibration is reported as *reproduced*, never as a prediction; a miss is
reported with its size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ssbstack.config.schema import Case, Target
from ssbstack.io.results import read_timeseries
from ssbstack.numerics.runner import RunSummary
from ssbstack.post.plots import plot_voltage_current
from ssbstack.units import parse_unit


def _series(columns: dict[str, list[str]], name: str) -> tuple[np.ndarray, np.ndarray]:
    times = np.array([float(t) for t, v in zip(columns["time_s"], columns[name], strict=True) if v])
    values = np.array([float(v) for v in columns[name] if v])
    return times, values


def simulated_value(name: str, target: Target, summary: RunSummary,
                    columns: dict[str, list[str]]) -> tuple[float | None, str]:
    """The simulated counterpart of a target in SI units, or None with the reason."""
    measure = target.measure or ("ccd" if name == "ccd" else None)
    if measure is None:
        return None, "no measure given for this target"
    if measure == "ccd":
        if summary.ccd_A_m2 is not None:
            return summary.ccd_A_m2, ""
        if summary.ccd_above_A_m2 is not None:
            return None, (f"no failure up to {summary.ccd_above_A_m2 / 10:.3g} mA/cm² (the ramp's "
                          "last level): no failure mechanism is active in this model")
        return None, "the protocol has no ramp"
    if target.column not in columns:
        return None, f"column '{target.column}' is not in timeseries.csv"
    times, values = _series(columns, target.column)
    if measure == "final":
        return float(values[-1]), ""
    if measure == "swing":
        return float(values.max() - values.min()), ""
    assert target.at is not None
    if not times[0] <= target.at <= times[-1]:
        return None, f"t = {target.at:g} s is outside the run ({times[0]:g}–{times[-1]:g} s)"
    at_time = float(np.interp(target.at, times, values))
    return (at_time if measure == "value" else float(values[0]) - at_time), ""


def _comparison_rows(case: Case, summary: RunSummary, csv_path: Path) -> list[str]:
    columns = read_timeseries(csv_path)
    rows = []
    for name, target in case.targets.items():
        scale = parse_unit(target.unit)[0] if target.unit else 1.0
        simulated, reason = simulated_value(name, target, summary, columns)
        temperature = case.conditions.temperature
        if target.temperature is not None and abs(target.temperature - temperature) > 0.5:
            simulated, reason = None, (f"measured at {target.temperature - 273.15:.4g} °C, this "
                                       f"run is at {temperature - 273.15:.4g} °C")
        role = "calibration point (reproduced)" if target.role == "calibration" else "prediction"
        measured = f"{target.value:g} {target.unit}"
        if simulated is None:
            rows.append(f"| {name} | {role} | — ({reason}) | {measured} | — |")
            continue
        value = simulated / scale
        miss = (value - target.value) / target.value * 100.0 if target.value else float("nan")
        rows.append(f"| {name} | {role} | {value:.4g} {target.unit} | {measured} | {miss:+.1f} % |")
    return rows


def _relevant(case: Case, key: str) -> bool:
    """Provenance keys of materials the stack does not use are left out of the report."""
    if not key.startswith("materials."):
        return True
    plating = case.coupling.plating
    if key.endswith(".fracture_toughness") and (plating is None or plating.flaw is None):
        return False  # read only by the plating flaw criterion
    return key.split(".")[1] in {layer.material for layer in case.stack}


def write_report(case: Case, summary: RunSummary, outdir: Path) -> Path:
    """Write report.md (and the voltage/current plot when enabled); rank 0 only."""
    lines = [
        f"# {case.name}",
        "",
        f"Source {case.source.id}: {case.source.citation}"
        + (f", configuration {case.source.configuration}" if case.source.configuration else ""),
        "",
        case.description,
        "",
        f"Outcome: **{summary.status}** after {summary.steps_completed} protocol steps "
        f"({summary.end_time_s / 3600:.4g} h). {summary.message}",
        "",
        "## Simulated vs measured",
        "",
        "| target | role | simulated | measured | miss |",
        "|---|---|---|---|---|",
        *(_comparison_rows(case, summary, outdir / "timeseries.csv") or ["| — | | | | |"]),
    ]
    for status, title in (("calibrated", "Calibrated parameters (and the data they were fitted to)"),
                          ("derived", "Derived parameters (from measured data under the "
                           "assumptions listed here)"),
                          ("assumed", "Assumed values (not in the source)")):
        entries = [f"- `{key}`: {entry.get('note', '')}" for key, entry in case.provenance.items()
                   if entry.get("status") == status and _relevant(case, key)]
        lines += ["", f"## {title}", "", *(entries or ["- none"])]
    lines.append("")
    if case.outputs.plots:
        plot_voltage_current(outdir / "timeseries.csv", outdir / "voltage_current.png", case.name)
        lines += ["![voltage and current](voltage_current.png)", ""]
    path = outdir / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
