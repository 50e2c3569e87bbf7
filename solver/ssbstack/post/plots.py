"""Plots of a run (rank 0 only; matplotlib with the non-interactive Agg backend)."""

from __future__ import annotations

from pathlib import Path

from ssbstack.io.results import read_timeseries


def _floats(values: list[str]) -> list[float]:
    return [float(v) if v else float("nan") for v in values]


def plot_voltage_current(csv_path: Path, png_path: Path, title: str = "") -> Path:
    """Cell voltage and applied current density vs time, stacked panels; a third with the stack
    pressure when the run has mechanics (a ``stack_pressure_Pa`` column)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = read_timeseries(csv_path)
    hours = [t / 3600.0 for t in _floats(columns["time_s"])]
    voltage_mv = [1e3 * v for v in _floats(columns["voltage_V"])]
    current = [0.1 * i for i in _floats(columns["current_density_A_m2"])]  # A/m² → mA/cm²
    pressure = columns.get("stack_pressure_Pa")
    figure, axes = plt.subplots(3 if pressure else 2, 1, sharex=True,
                                figsize=(8, 7.5 if pressure else 5.5))
    top, bottom = axes[0], axes[1]
    top.plot(hours, voltage_mv, color="tab:blue", lw=1.2)
    top.set_ylabel("cell voltage (mV)")
    top.axhline(0.0, color="0.6", lw=0.6)
    bottom.plot(hours, current, color="tab:red", lw=1.2)
    bottom.set_ylabel("current density (mA/cm²)\n+ strips bottom Li")
    bottom.axhline(0.0, color="0.6", lw=0.6)
    if pressure:
        axes[2].plot(hours, [1e-6 * p for p in _floats(pressure)], color="tab:green", lw=1.2)
        axes[2].set_ylabel("stack pressure (MPa)")
    axes[-1].set_xlabel("time (h)")
    for axis in axes:
        axis.grid(alpha=0.3)
    if title:
        top.set_title(title)
    figure.tight_layout()
    figure.savefig(png_path, dpi=120)
    plt.close(figure)
    return png_path
