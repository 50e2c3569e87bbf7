"""Checkpoints that restart on any number of ranks (N-to-M), without adios4dolfinx.

The mesh of a run is regenerated identically from its resolved case (gmsh on rank 0, same
input ordering), so every cell keeps its *original* index whatever the partition. A field is
saved cell by cell: for each owned cell, keyed by its original index, the values of its cell
dofs in the cell's own dof order (any element: Lagrange, DG, quadrature). Rank 0 gathers the
rows, sorts them by key and writes ``checkpoint/state.npz``; on restart every rank reads the file
and fills the dofs of its local cells (ghosts included). Mesh coordinates (moving meshes) are
saved the same way through the geometry dofmap.

Files are written to a temporary folder and renamed, so a kill during a write leaves the
previous checkpoint intact.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

Cellwise = tuple[np.ndarray, np.ndarray]  # (keys: int64 (n,), values: float64 (n, k))
CHECKPOINT = "checkpoint"


def original_cell_keys(mesh: Any, parent: Any = None, cell_map: Any = None) -> np.ndarray:
    """Original (input) index of every local cell of ``mesh`` (owned then ghosts).

    For a submesh, give its ``parent`` mesh and the ``cell_map`` EntityMap from create_submesh:
    the key is then the parent cell's original index.
    """
    tdim = mesh.topology.dim
    count = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
    if parent is None:
        return np.asarray(mesh.topology.original_cell_index[:count], dtype=np.int64)
    parent_cells = cell_map.sub_topology_to_topology(np.arange(count, dtype=np.int32), False)
    return np.asarray(parent.topology.original_cell_index, dtype=np.int64)[parent_cells]


def _owned_cells(mesh: Any) -> int:
    return mesh.topology.index_map(mesh.topology.dim).size_local


def _cell_dofs(dofs: np.ndarray, block: int) -> np.ndarray:
    """Each cell's unrolled dof indices (cells × dofs per cell × block), also for a rank with
    no cells of the mesh (an empty (0, n) array, which ``reshape(0, -1)`` cannot infer)."""
    return (dofs[:, :, None] * block + np.arange(block)[None, None, :]).reshape(
        dofs.shape[0], dofs.shape[1] * block)


def function_rows(function: Any, keys: np.ndarray) -> Cellwise:
    """Cell-wise dof values of ``function`` on the owned cells, keyed by ``keys``."""
    space = function.function_space
    owned = _owned_cells(space.mesh)
    block = space.dofmap.bs
    expanded = _cell_dofs(space.dofmap.list[:owned], block)
    return keys[:owned], function.x.array[expanded].copy()


def restore_function(function: Any, keys: np.ndarray, saved: Cellwise) -> None:
    """Fill ``function`` on all local cells from saved cell-wise rows (any partition)."""
    space = function.function_space
    block = space.dofmap.bs
    expanded = _cell_dofs(space.dofmap.list[: len(keys)], block)
    function.x.array[expanded] = saved_rows(keys, saved)
    function.x.scatter_forward()


def geometry_rows(mesh: Any, keys: np.ndarray) -> Cellwise:
    """Cell-wise node coordinates of the owned cells (for meshes that move)."""
    owned = _owned_cells(mesh)
    nodes = mesh.geometry.dofmaps[0][:owned]
    return keys[:owned], mesh.geometry.x[nodes].reshape(owned, 3 * nodes.shape[1]).copy()


def restore_geometry(mesh: Any, keys: np.ndarray, saved: Cellwise) -> None:
    """Move the local nodes of ``mesh`` to the saved coordinates."""
    nodes = mesh.geometry.dofmaps[0][: len(keys)]
    mesh.geometry.x[nodes.ravel()] = saved_rows(keys, saved).reshape(-1, 3)


def scalar_rows(value: float | np.ndarray) -> Cellwise:
    """A global value (the same on every rank) in the cell-wise layout, under key 0."""
    return np.zeros(1, dtype=np.int64), np.atleast_2d(np.asarray(value, dtype=np.float64))


def saved_rows(keys: np.ndarray, saved: Cellwise) -> np.ndarray:
    """The saved values of the cells ``keys`` (any partition); an error if one is missing."""
    return saved[1][_rows_of(keys, saved[0])]


def _rows_of(keys: np.ndarray, saved_keys: np.ndarray) -> np.ndarray:
    """Row of each key in ``saved_keys`` (sorted or not); an error if one is missing."""
    order = np.argsort(saved_keys, kind="stable")
    position = np.minimum(np.searchsorted(saved_keys[order], keys), len(order) - 1)
    rows = order[position]
    if len(saved_keys) == 0 or np.any(saved_keys[rows] != keys):
        raise ValueError("checkpoint does not match this mesh (a cell key is missing)")
    return rows


def save(outdir: Path, comm: Any, arrays: dict[str, Cellwise], position: dict[str, Any]) -> Path:
    """Gather every array to rank 0 and write ``outdir/checkpoint`` atomically (collective)."""
    gathered = {name: comm.gather(rows, root=0) for name, rows in sorted(arrays.items())}
    target = outdir / CHECKPOINT
    if comm.rank == 0:
        merged: dict[str, np.ndarray] = {}
        for name, parts in gathered.items():
            keys = np.concatenate([p[0] for p in parts])
            values = np.concatenate([p[1] for p in parts])
            keys, first = np.unique(keys, return_index=True)  # a global value comes from every rank
            merged[f"{name}.keys"], merged[f"{name}.values"] = keys, values[first]
        staging = outdir / f".{CHECKPOINT}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        np.savez(staging / "state.npz", **merged)
        (staging / "position.json").write_text(json.dumps(position, indent=2) + "\n")
        old = outdir / f".{CHECKPOINT}.old"
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    comm.barrier()
    return target


def load(outdir: Path) -> tuple[dict[str, Cellwise], dict[str, Any]]:
    """Read a checkpoint written by :func:`save` (every rank reads the whole file)."""
    folder = outdir / CHECKPOINT
    with np.load(folder / "state.npz") as data:
        names = {key.rsplit(".", 1)[0] for key in data.files}
        arrays = {name: (data[f"{name}.keys"], data[f"{name}.values"]) for name in names}
    position = json.loads((folder / "position.json").read_text())
    return arrays, position
