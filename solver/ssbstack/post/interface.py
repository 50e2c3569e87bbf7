"""Pictures of a coupled Li | SE interface: gap, contact and local current along it (rank 0).

One PNG (and CSV) per field output of a coupled run, numbered, so the series plays as a movie of
the interface: in 2D the gap (µm) and the stripping current (mA/cm²) along x (or r); in 3D a map of
the gap with the open pairs marked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SIDE_NAMES = {0: "bottom", -1: "top"}


def write_interface_snapshot(folder: Path, index: int, time: float, points: np.ndarray,
                             gap: np.ndarray, indicator: np.ndarray, current: np.ndarray,
                             electrode: np.ndarray, gdim: int, axisymmetric: bool) -> Path:
    """``folder/interface_<index>.png`` and ``.csv`` of every coupled pair (SI in, µm and
    mA/cm² in the picture); returns the PNG path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"interface_{index:04d}"
    with open(stem.with_suffix(".csv"), "w", encoding="utf-8") as handle:
        handle.write("side,x_m,y_m,z_m,gap_m,contact_indicator,current_density_A_m2\n")
        for row in zip(electrode, points, gap, indicator, current, strict=True):
            side, x, g, chi, j = row
            handle.write(f"{SIDE_NAMES[int(side)]},{x[0]:.9e},{x[1]:.9e},{x[2]:.9e},{g:.6e},"
                         f"{chi:.6g},{j:.6e}\n")
    sides = [s for s in (0, -1) if np.any(electrode == s)]
    figure, axes = plt.subplots(2 if gdim < 3 else 1, len(sides), squeeze=False,
                                figsize=(5.5 * len(sides), 6 if gdim < 3 else 4.5))
    for column, side in enumerate(sides):
        mine = electrode == side
        x, g, j = points[mine], gap[mine], current[mine]
        name = SIDE_NAMES[side]
        if gdim < 3:
            order = np.argsort(x[:, 0])
            top, bottom = axes[0, column], axes[1, column]
            top.plot(1e6 * x[order, 0], 1e6 * np.maximum(g[order], 0.0), lw=1.2)
            top.set_ylabel("gap (µm)")
            top.set_title(f"{name} Li | SE interface")
            bottom.plot(1e6 * x[order, 0], 0.1 * j[order], lw=1.2, color="tab:red")
            bottom.set_ylabel("current into SE (mA/cm²)")
            bottom.ticklabel_format(useOffset=False)
            bottom.set_xlabel("r (µm)" if axisymmetric else "x (µm)")
            for axis in (top, bottom):
                axis.grid(alpha=0.3)
        else:
            axis = axes[0, column]
            mapped = axis.scatter(1e6 * x[:, 0], 1e6 * x[:, 1], c=1e6 * np.maximum(g, 0.0), s=6,
                                  cmap="magma")
            open_pairs = indicator[mine] < 0.5
            axis.scatter(1e6 * x[open_pairs, 0], 1e6 * x[open_pairs, 1], s=1, c="white")
            axis.set_aspect("equal")
            axis.set_title(f"{name}: gap (µm), open pairs white")
            figure.colorbar(mapped, ax=axis)
    figure.suptitle(f"t = {time / 3600:.4g} h", fontsize=10)
    figure.tight_layout()
    figure.savefig(stem.with_suffix(".png"), dpi=100)
    plt.close(figure)
    return stem.with_suffix(".png")
