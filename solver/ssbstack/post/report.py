"""report.md: what was run, what it predicts, and how that compares with the measured targets."""

from __future__ import annotations

from pathlib import Path

from ssbstack.config.schema import Case
from ssbstack.numerics.runner import RunSummary
from ssbstack.post.plots import plot_voltage_current

A_M2_TO_MA_CM2 = 0.1


def _ccd_line(case: Case, summary: RunSummary) -> str:
    measured = case.targets.get("ccd")
    if summary.ccd_A_m2 is not None:
        predicted = f"{summary.ccd_A_m2 * A_M2_TO_MA_CM2:.3g} mA/cm² (failed at " \
                    f"{(summary.failed_level_A_m2 or 0) * A_M2_TO_MA_CM2:.3g} mA/cm²)"
    elif summary.ccd_above_A_m2 is not None:
        predicted = (f"no failure up to {summary.ccd_above_A_m2 * A_M2_TO_MA_CM2:.3g} mA/cm² "
                     "(the ramp's last level): the model has no failure mechanism active")
    else:
        return ""
    line = f"| critical current density | {predicted} |"
    if measured is not None:
        line += f" {measured.value:g} {measured.unit} ({measured.description}) |"
    else:
        line += " — |"
    return line


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
        "## Predicted vs measured",
        "",
        "| quantity | predicted | measured |",
        "|---|---|---|",
    ]
    ccd = _ccd_line(case, summary)
    if ccd:
        lines.append(ccd)
    calibrated = [f"- `{key}`: {entry.get('note', '')}" for key, entry in case.provenance.items()
                  if entry.get("status") == "calibrated"]
    assumed = [f"- `{key}`: {entry.get('note', '')}" for key, entry in case.provenance.items()
               if entry.get("status") == "assumed"]
    lines += ["", "## Calibrated parameters", "", *(calibrated or ["- none"]),
              "", "## Assumed values (not in the source)", "", *(assumed or ["- none"]), ""]
    if case.outputs.plots:
        plot_voltage_current(outdir / "timeseries.csv", outdir / "voltage_current.png", case.name)
        lines += ["![voltage and current](voltage_current.png)", ""]
    path = outdir / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
