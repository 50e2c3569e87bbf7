"""Mesh smoothing of an updated-Lagrangian mesh: node relocation, history transfer, and a creep
run that smooths at every sub-step against one that never does."""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

from ssbstack.compat import load_dolfinx
from ssbstack.config.loader import load_case
from ssbstack.verification import mechanics as checks

COMM = MPI.COMM_WORLD
AFFINE = np.array([[1.1, 0.3], [-0.2, 0.9]])
SHIFT = np.array([0.05, -0.02])


def _square():
    """A unit square (16 × 16, crossed diagonals alternate) with its outer facets tagged, and a
    smoother for degree-2 quadrature."""
    load_dolfinx()
    import basix
    import dolfinx

    from ssbstack.numerics.mesh_smoothing import MeshSmoother

    mesh = dolfinx.mesh.create_unit_square(COMM, 16, 16, dolfinx.mesh.CellType.triangle)
    tdim = mesh.topology.dim
    mesh.topology.create_connectivity(tdim - 1, tdim)
    outer = dolfinx.mesh.exterior_facet_indices(mesh.topology)
    tags = dolfinx.mesh.meshtags(mesh, tdim - 1, outer, np.full(outer.size, 1, dtype=np.int32))
    points, _ = basix.make_quadrature(mesh.basix_cell(), 2)
    return mesh, MeshSmoother(mesh, tags, COMM, points)


def _interior_jitter(x: np.ndarray) -> np.ndarray:
    """A deterministic move of 0.25 cell sizes at the interior nodes (zero on the boundary)."""
    inside = np.all((x[:, :2] > 1e-9) & (x[:, :2] < 1.0 - 1e-9), axis=1)
    jitter = 0.25 / 16.0 * np.stack([np.sin(37.0 * x[:, 1] + 11.0 * x[:, 0]),
                                     np.cos(29.0 * x[:, 0] - 7.0 * x[:, 1])], axis=1)
    return np.where(inside[:, None], jitter, 0.0)


def test_relocation_reproduces_an_affine_motion_and_removes_interior_distortion():
    mesh, smoother = _square()
    assert smoother.laplacian is None  # nothing assembled until the first smoothing
    geo = mesh.geometry
    unloaded = geo.x[:, :2].copy()
    affine = unloaded @ AFFINE.T + SHIFT
    geo.x[:, :2] = affine
    np.testing.assert_allclose(smoother.relocated()[:, :2], affine, atol=1e-12)
    distorted = affine + _interior_jitter(unloaded)  # the boundary stays affine
    geo.x[:, :2] = distorted
    np.testing.assert_allclose(smoother.relocated()[:, :2], affine, atol=1e-12)
    np.testing.assert_array_equal(geo.x[:, :2], distorted)  # a query: the mesh is left alone


def test_history_transfer_takes_the_nearest_point_of_the_old_cell_that_contains_it():
    mesh, smoother = _square()
    geo = mesh.geometry
    unmoved = geo.x.copy()
    count = smoother.quadrature_coordinates(unmoved).reshape(-1, 2).shape[0]
    nudged = unmoved.copy()
    nudged[:, :2] += 1e-3 * _interior_jitter(unmoved)  # no point leaves its cell
    np.testing.assert_array_equal(smoother.sources(unmoved, nudged), np.arange(count))
    np.testing.assert_array_equal(geo.x, unmoved)  # a query: the mesh is left alone

    old = unmoved.copy()
    old[:, :2] += _interior_jitter(unmoved)
    geo.x[:] = old
    new = smoother.relocated()
    source = smoother.sources(old, new)
    np.testing.assert_array_equal(geo.x, old)  # left alone, although the search moved it
    before = smoother.quadrature_coordinates(old).reshape(-1, 2)
    after = smoother.quadrature_coordinates(new).reshape(-1, 2)
    distance = np.linalg.norm(before[source] - after, axis=1)
    owned = mesh.topology.index_map(2).size_local * smoother.points.shape[0]  # ghosts may not move
    from ssbstack.numerics.mesh_smoothing import _contains

    nqp = smoother.points.shape[0]
    corners = old[geo.dofmaps[0], :2][source // nqp]
    assert np.all(_contains(corners, after)[:owned])  # the old cell it comes from contains it
    sibling = before.reshape(-1, nqp, 2)[source // nqp]  # the points of that old cell
    nearest = np.linalg.norm(sibling - after[:, None], axis=2).min(axis=1)
    np.testing.assert_allclose(distance, nearest, atol=1e-15)  # and it is the nearest of them
    assert np.count_nonzero(source != np.arange(count)) > 0.1 * count  # points did move cells
    assert distance.max() < 0.5 / 16.0  # within a cell of the old mesh
    # a linear history field is carried with an error below its gradient × the distance
    gradient = np.array([3.0, -2.0])
    carried = (before @ gradient)[source]
    assert np.all(np.abs(carried - after @ gradient) <= np.linalg.norm(gradient) * distance + 1e-12)


@pytest.mark.timeout(300)
def test_smoothing_a_homogeneous_creep_flow_changes_nothing():
    """Uniaxial Norton creep of a 3D Li box under a frictionless plate (large deformation): the
    flow is affine, so relocation puts every node back where it was and the transferred history
    is the same; smoothing after every sub-step must reproduce the run that never smooths."""
    rows = {}
    for threshold in (0.0, 0.9999):
        case = load_case(checks.case_file("creep_uniaxial"),
                         ["mechanics.large_deformation=true", "geometry.mesh.bulk=25 um",
                          "geometry.mesh.interface=25 um", f"mechanics.smoothing_quality={threshold}"])
        _, history = checks.run_history(case, COMM, [50.0, 100.0])
        rows[threshold] = history
    assert rows[0.9999][-1]["mesh_smoothings"] > 3
    for plain, smoothed in zip(rows[0.0], rows[0.9999], strict=True):
        for key in ("stack_pressure_Pa", "li_thickness_m", "plate_displacement_m",
                    "max_von_mises_Pa"):
            assert smoothed[key] == pytest.approx(plain[key], rel=1e-9, abs=1e-15), key


@pytest.mark.timeout(300)
def test_smoothing_at_every_substep_keeps_the_creep_history():
    """The fixed-gap relaxation of a bonded Li | LPSCl | Li stack (large deformation, 10 min):
    smoothing after every sub-step (threshold 0.999) against never, the pressure drop within
    1 %, the Li thickness within 1e-4 relative."""
    rows = {}
    for threshold in (0.0, 0.999):
        case = load_case(checks.case_file("creep_convergence"),
                         ["mechanics.large_deformation=true",
                          f"mechanics.smoothing_quality={threshold}"])
        _, history = checks.run_history(case, COMM, [150.0, 300.0, 600.0])
        rows[threshold] = history
        smoothings = history[-1].get("mesh_smoothings", 0.0)
        assert (smoothings > 3) == (threshold > 0.0), smoothings
    for plain, smoothed in zip(rows[0.0], rows[0.999], strict=True):
        drop = 1e6 - plain["stack_pressure_Pa"]
        assert 1e6 - smoothed["stack_pressure_Pa"] == pytest.approx(drop, rel=1e-2, abs=1.0)
        assert smoothed["li_thickness_m"] == pytest.approx(plain["li_thickness_m"], rel=1e-4)
