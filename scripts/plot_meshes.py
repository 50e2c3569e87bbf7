"""Render the reference mesh of every geometry kind to ``docs/img/mesh_<kind>.png`` (matplotlib),
plus ``mesh_planar2d_rough.png`` (a random rough Li | SE interface).

Usage: ``python scripts/plot_meshes.py [OUTDIR]`` (serial). 2D kinds show all cells coloured by
layer with contact (blue) and void (red) interface facets; 3D kinds show the outer surface coloured
by layer next to a top view of the lower Li | SE interface (contact blue, void red).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from mpi4py import MPI
from mpl_toolkits.mplot3d.art3d import Poly3DCollection

from ssbstack.compat import load_dolfinx
from ssbstack.meshing.reference import COARSE, REFERENCE, reference_case
from ssbstack.meshing.stack import StackMesh, build_mesh
from ssbstack.meshing.tags import AXIS

ROOT = Path(__file__).resolve().parents[1]
COLOURS = {"metal": "#aab4c3", "electrolyte": "#f2d59b", "interlayer": "#bfe3b4",
           "cathode": "#d4b9da"}
UM = 1e6  # plot in µm


def facet_points(stack_mesh: StackMesh, tag: int) -> np.ndarray:
    """Vertex coordinates (µm) of the facets with ``tag``: (facet, vertex, xyz)."""
    dolfinx = load_dolfinx()
    mesh = stack_mesh.mesh
    facets = stack_mesh.facet_tags.find(tag)
    nodes = dolfinx.mesh.entities_to_geometry(mesh, mesh.topology.dim - 1, facets)
    return mesh.geometry.x[nodes] * UM


def layer_colours(case, stack_mesh: StackMesh, cells: np.ndarray) -> list[str]:
    """Colour of each cell from its layer's material kind."""
    order = np.argsort(stack_mesh.cell_tags.indices)
    values = stack_mesh.cell_tags.values[order][cells]
    kinds = {case.tags.cell(n): case.material(n).kind for n in case.tags.layers}
    return [COLOURS[kinds[v]] for v in values]


def plot_2d(case, stack_mesh: StackMesh, ax) -> None:
    mesh = stack_mesh.mesh
    x = mesh.geometry.x * UM
    cells = mesh.geometry.dofmaps[0]
    ax.add_collection(matplotlib.collections.PolyCollection(
        x[cells][:, :, :2], facecolors=layer_colours(case, stack_mesh, np.arange(len(cells))),
        edgecolors="#444444", linewidths=0.15))
    for item in case.tags.interfaces:
        for tag, colour in ((item.contact_tag, "#1f5fbf"), (item.void_tag, "#d62728")):
            ax.add_collection(LineCollection(facet_points(stack_mesh, tag)[:, :, :2],
                                             colors=colour, linewidths=2.0))
    ax.add_collection(LineCollection(facet_points(stack_mesh, AXIS)[:, :, :2], colors="#2ca02c",
                                     linewidths=2.0, linestyles="--"))
    ax.autoscale()
    ax.set_aspect("equal")
    ax.set_xlabel("r (µm)" if stack_mesh.axisymmetric else "x (µm)")
    ax.set_ylabel("z (µm)" if stack_mesh.axisymmetric else "y (µm)")


def plot_3d(case, stack_mesh: StackMesh, fig) -> None:
    dolfinx = load_dolfinx()
    mesh = stack_mesh.mesh
    fdim = mesh.topology.dim - 1
    mesh.topology.create_connectivity(fdim, fdim + 1)
    outer = dolfinx.mesh.exterior_facet_indices(mesh.topology)
    to_cell = mesh.topology.connectivity(fdim, fdim + 1)
    owners = np.array([to_cell.links(f)[0] for f in outer])
    points = mesh.geometry.x[dolfinx.mesh.entities_to_geometry(mesh, fdim, outer)] * UM
    ax = fig.add_subplot(1, 2, 1, projection="3d")
    ax.add_collection3d(Poly3DCollection(points, facecolors=layer_colours(case, stack_mesh,
                                                                          owners),
                                         edgecolors="#444444", linewidths=0.1))
    low, high = points.reshape(-1, 3).min(axis=0), points.reshape(-1, 3).max(axis=0)
    ax.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]), zlim=(low[2], high[2]),
           xlabel="x (µm)", ylabel="y (µm)", zlabel="z (µm)")
    ax.set_box_aspect(high - low)
    ax.view_init(elev=22, azim=-55)
    item = case.tags.interfaces[0]
    top = fig.add_subplot(1, 2, 2)
    for tag, colour in ((item.contact_tag, "#9ec1f0"), (item.void_tag, "#d62728")):
        top.add_collection(matplotlib.collections.PolyCollection(
            facet_points(stack_mesh, tag)[:, :, :2], facecolors=colour, edgecolors="#333333",
            linewidths=0.15))
    top.autoscale()
    top.set_aspect("equal")
    top.set(title=f"interface {item.name}: contact (blue), void (red)", xlabel="x (µm)",
            ylabel="y (µm)")


def main(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    rough = {"interfaces": {"bottom_li|se": {"morphology": "rough", "profile": "random",
                                             "amplitude": "4 um", "wavelength": "15 um",
                                             "seed": 2}}}
    cases = {kind: reference_case(kind, COARSE[kind]) for kind in REFERENCE}
    cases["planar2d_rough"] = reference_case("planar2d", rough)
    for kind, case in cases.items():
        stack_mesh = build_mesh(case, MPI.COMM_SELF)
        quality = stack_mesh.quality
        title = (f"{kind}: {quality['cells']} cells, quality min {quality['quality_min']:.2f} "
                 f"mean {quality['quality_mean']:.2f}")
        if stack_mesh.mesh.topology.dim == 2:
            fig, ax = plt.subplots(figsize=(10, 4.2))
            plot_2d(case, stack_mesh, ax)
            ax.set_title(title + " — contact (blue), void (red), axis (green)")
        else:
            fig = plt.figure(figsize=(12, 5.5))
            plot_3d(case, stack_mesh, fig)
            fig.suptitle(title)
        fig.tight_layout()
        fig.savefig(outdir / f"mesh_{kind}.png", dpi=110)
        plt.close(fig)
        print(outdir / f"mesh_{kind}.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img")
