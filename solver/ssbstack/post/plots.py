"""Plots of a run (rank 0 only; matplotlib with the non-interactive Agg backend)."""

from __future__ import annotations

from pathlib import Path

from ssbstack.io.results import read_timeseries


def _floats(values: list[str]) -> list[float]:
    return [float(v) if v else float("nan") for v in values]


def plot_voltage_current(csv_path: Path, png_path: Path, title: str = "") -> Path:
    """Cell voltage and applied current density vs time, two stacked panels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = read_timeseries(csv_path)
    hours = [t / 3600.0 for t in _floats(columns["time_s"])]
    voltage_mv = [1e3 * v for v in _floats(columns["voltage_V"])]
    current = [0.1 * i for i in _floats(columns["current_density_A_m2"])]  # A/m² → mA/cm²
    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(8, 5.5))
    top.plot(hours, voltage_mv, color="tab:blue", lw=1.2)
    top.set_ylabel("cell voltage (mV)")
    top.axhline(0.0, color="0.6", lw=0.6)
    bottom.plot(hours, current, color="tab:red", lw=1.2)
    bottom.set_ylabel("current density (mA/cm²)\n+ strips bottom Li")
    bottom.set_xlabel("time (h)")
    bottom.axhline(0.0, color="0.6", lw=0.6)
    for axis in (top, bottom):
        axis.grid(alpha=0.3)
    if title:
        top.set_title(title)
    figure.tight_layout()
    figure.savefig(png_path, dpi=120)
    plt.close(figure)
    return png_path
