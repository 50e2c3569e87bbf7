"""Curved (P2) mechanics geometry: a large-deformation mesh that follows the P2 displacement keeps
the Li volume where the flow curves cell edges; the straight (P1) geometry loses it."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from mpi4py import MPI
from tests.conftest import two_rank_history

from ssbstack.config.loader import load_case
from ssbstack.errors import CaseError
from ssbstack.verification import mechanics as checks

COMM = MPI.COMM_WORLD
DIE = Path(__file__).resolve().parents[2] / "cases" / "ham2024" / "seating_hold_25MPa_die.toml"
CLEARANCE = 25e-6  # m
RADIUS = 5e-3  # m, the foil's


def _thinning(geometry_degree: int) -> tuple[float, float]:
    """(bottom foil thinning in 30 min of the 25 MPa hold, m; its thickness at load, m) on the
    coarse (× 2) mesh with a 25 µm die clearance and large deformation."""
    case = load_case(DIE, ["mechanics.large_deformation=true", "mechanics.die_clearance=25 um",
                           f"mechanics.geometry_degree={geometry_degree}",
                           "geometry.mesh.interface=100 um", "geometry.mesh.bulk=1000 um"])
    _, rows = checks.run_history(case, COMM, [600.0, 1800.0])
    return rows[0]["li_thickness_m"] - rows[-1]["li_thickness_m"], rows[0]["li_thickness_m"]


@pytest.mark.timeout(300)
def test_large_strain_creep_on_curved_cells_converges_to_the_exact_thinning():
    """A disc crept to a log strain of 0.4 at constant true stress: the error in ln(h₀/h) is
    first order in the sub-step (the plate load uses the area at the sub-step's start), and
    the check in ``ssbstack verify`` passes."""
    errors = []
    for tolerance in (2e-3, 1e-3, 5e-4):
        exact, computed = checks.large_strain_creep(COMM, tolerance)
        errors.append(computed - exact)
    assert errors[0] > errors[1] > errors[2] > 0.0, errors  # measured 2.8e-4, 1.4e-4, 0.7e-4
    for coarse, fine in itertools.pairwise(errors):
        assert 1.7 < coarse / fine < 2.3, errors  # first order
    reference, computed, error, tolerance = checks.verify_creep_large_strain_curved(COMM)
    assert error <= tolerance, (reference, computed)


@pytest.mark.timeout(600)
def test_a_curved_geometry_keeps_the_li_volume_a_straight_one_loses():
    """Creep is isochoric and the clearance ring can take at most 2 c / R of the foil's
    thickness (1 µm here); the curved mesh thins the foil by a small part of that, the straight
    one by many times more (volume lost at the squeezed rim, not Li gone anywhere)."""
    curved, thickness = _thinning(2)
    straight, _ = _thinning(1)
    bound = 2.0 * CLEARANCE / RADIUS * thickness
    assert 0.0 < curved <= 0.1 * bound, (curved, bound)  # measured 0.05 of it
    assert straight > 5.0 * curved, (straight, curved)  # measured 14×: 0.70 µm in 30 min


@pytest.mark.parametrize(("override", "message"), [
    ("mechanics.displacement_degree=1", "needs mechanics.displacement_degree = 2"),
    ("mechanics.large_deformation=false", "needs mechanics.large_deformation = true"),
    ("geometry.mesh.refine=1", "does not work with geometry.mesh.refine"),
])
def test_a_curved_geometry_is_refused_where_it_is_not_supported(override, message):
    with pytest.raises(CaseError, match=f"mechanics.geometry_degree: 2 {message}"):
        load_case(DIE, ["mechanics.large_deformation=true", "mechanics.geometry_degree=2",
                        override])


@pytest.mark.timeout(400)
def test_curved_geometry_with_smoothing_gives_the_same_history_on_two_ranks():
    """The 25 µm die case on the coarse mesh, curved cells, smoothed whenever a cell loses 5 % of
    its quality: 1 and 2 ranks agree (the relocation is a distributed solve, the history transfer
    rank-local)."""
    overrides = ["mechanics.die_clearance=25 um", "mechanics.smoothing_quality=0.95",
                 "geometry.mesh.interface=100 um", "geometry.mesh.bulk=1000 um"]
    serial, parallel = two_rank_history(str(DIE), [600.0, 1800.0], overrides=overrides)
    assert serial[-1]["mesh_smoothings"] >= 1
    for one, two in zip(serial, parallel, strict=True):
        assert two["mesh_smoothings"] == one["mesh_smoothings"]
        for key in ("stack_pressure_Pa", "li_thickness_m", "plate_displacement_m"):
            assert two[key] == pytest.approx(one[key], rel=1e-6), key
