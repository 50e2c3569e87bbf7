"""The interface current profile of an electrochemistry run: interface_current.csv and .png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def write_interface_profile(profile: dict[str, Any], sides: list[Any], names: tuple[str, ...],
                            outdir: Path, axisymmetric: bool, gdim: int) -> None:
    """interface_current.csv and .png: j (mA/cm²) along each interface (rank 0)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, figure = [], plt.figure(figsize=(8, 4.5))
    data = []
    for name, side, gathered in zip(names, sides, profile["sides"], strict=True):
        points = np.concatenate([p for p, _ in gathered])
        current = 0.1 * np.concatenate([j for _, j in gathered])  # A/m² → mA/cm²
        data.append((name, side, points, current))
        rows += [(name, *p, c) for p, c in zip(points, current, strict=True)]
    if gdim == 3:
        axes = figure.subplots(1, 2)
        for axis, (name, side, points, current) in zip(axes, data, strict=True):
            mapped = axis.scatter(1e6 * points[:, 0], 1e6 * points[:, 1], c=current, s=4,
                                  cmap="viridis")
            axis.set_title(f"{name}: {side.interface.name}")
            axis.set_xlabel("x (µm)")
            axis.set_ylabel("y (µm)")
            axis.set_aspect("equal")
            figure.colorbar(mapped, ax=axis, label="j into SE (mA/cm²)")
    else:
        axis = figure.subplots()
        for name, side, points, current in data:
            order = np.argsort(points[:, 0])
            axis.plot(1e6 * points[order, 0], current[order], lw=1.2,
                      label=f"{name}: {side.interface.name}")
        axis.set_xlabel("r (µm)" if axisymmetric else "x (µm)")
        axis.set_ylabel("j into electrolyte (mA/cm²)")
        axis.grid(alpha=0.3)
        axis.legend()
    figure.suptitle(f"interface current density at t = {profile['time'] / 3600:.4g} h "
                    f"(mean |j| {0.1 * profile['mean']:.3g} mA/cm² where current enters the SE)",
                    fontsize=10)
    figure.tight_layout()
    figure.savefig(outdir / "interface_current.png", dpi=120)
    plt.close(figure)
    with open(outdir / "interface_current.csv", "w", encoding="utf-8") as handle:
        handle.write("side,x_m,y_m,z_m,current_density_mA_cm2\n")
        for name, *xyz, value in rows:
            handle.write(f"{name},{xyz[0]:.9e},{xyz[1]:.9e},{xyz[2]:.9e},{value:.9e}\n")
