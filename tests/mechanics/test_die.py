"""The rigid die wall (mechanics.sides = "die"): closed-form checks, a check that can fail, case
validation, checkpoints and 1 vs 2 ranks (physics.md §3.4)."""

from __future__ import annotations

import pytest
from mpi4py import MPI
from tests.conftest import resumed_from_checkpoint, two_rank_history

from ssbstack.config.loader import load_case
from ssbstack.errors import CaseError
from ssbstack.verification import die as checks

COMM = MPI.COMM_WORLD


@pytest.mark.parametrize("name", ["confined_elastic", "confined_elastic_plane_strain",
                                  "penalty_order", "clearance_onset",
                                  "clearance_onset_plane_strain", "confined_creep"])
def test_die_check(name):
    reference, computed, error, tolerance = getattr(checks, f"verify_{name}")(COMM)
    assert error <= tolerance, f"{name}: reference {reference}, computed {computed}, error {error}"


def test_a_die_out_of_reach_fails_the_confined_check():
    """The check can fail: with the wall 1 mm away the layer is free and carries no lateral stress."""
    _, computed, error = checks.confined_errors(COMM, ['mechanics.die_clearance="1 mm"'])
    assert computed == 0.0 and error == pytest.approx(1.0)


def test_confined_creep_tends_to_a_hydrostatic_state():
    """Lateral/axial stress ratio rises from ν/(1−ν) towards 1 as the deviator creeps away."""
    case, _, rows = checks.confined_run(COMM, checks.CREEP, [1.0, 1000.0])
    ratios = [row["die_pressure_Pa"] / case.conditions.stack_pressure for row in rows]
    assert ratios[0] == pytest.approx(0.38 / 0.62, rel=1e-5)
    assert ratios[0] < ratios[1] < ratios[2] and ratios[2] > 0.89


def test_die_clearance_needs_the_die():
    with pytest.raises(CaseError, match="die_clearance needs sides = 'die'"):
        load_case(checks.case_file("die_confined"), ['mechanics.sides="free"',
                                                      'mechanics.die_clearance="1 um"'])


def test_die_is_refused_in_3d():
    with pytest.raises(CaseError, match=r"mechanics\.sides: 'die' needs a 2D geometry"):
        load_case(checks.case_file("die_confined"), ['geometry.kind="box3d"'])


def test_die_contact_survives_a_checkpoint():
    case = load_case(checks.case_file("die_confined"), checks.CREEP)
    straight, resumed = resumed_from_checkpoint(case, 1.0, 10.0, 0.0)
    for key in ("die_pressure_Pa", "min_die_gap_m", "plate_displacement_m"):
        assert resumed[key] == pytest.approx(straight[key], rel=1e-9, abs=1e-20), key


@pytest.mark.skipif(COMM.size > 1, reason="launches its own 2-rank run")
def test_two_ranks_give_the_serial_die_history():
    serial, parallel = two_rank_history("die_confined", [1.0])
    for a, b in zip(serial, parallel, strict=True):
        for key in ("die_pressure_Pa", "die_contact_fraction", "plate_displacement_m"):
            assert b[key] == pytest.approx(a[key], rel=1e-9, abs=1e-20), key
