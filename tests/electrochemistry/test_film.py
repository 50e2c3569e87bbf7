"""The Li-conserving interlayer film: closed-form checks on 1 and 2 ranks, restart of its
inventory, and the steady limit that is today's fixed-conductance sheet."""

import pytest
from mpi4py import MPI

from conftest import echem_model, serial_and_parallel_results
from ssbstack.config.schema import Case
from ssbstack.numerics.electrode_sides import sheet_properties
from ssbstack.numerics.model import Control
from ssbstack.verification import discover, run_check
from ssbstack.verification.electrochemistry import CASES

CHECKS = {name: check for name, check in discover().items() if name.startswith("film.")}
CASE = CASES / "film_void.toml"
HOLD = Control(None, 2e-5)  # V, the case's hold
SCRIPT = """
import json
from mpi4py import MPI
from ssbstack.verification.film import _film_run
computed, reference = _film_run(MPI.COMM_WORLD, 40)
if MPI.COMM_WORLD.rank == 0:
    print("RESULT " + json.dumps(computed))
"""


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_check_passes(name):
    result = run_check(name, CHECKS[name], MPI.COMM_WORLD)
    assert result.passed, result


def test_one_and_two_ranks_give_the_same_transient(tmp_path):
    serial, parallel = serial_and_parallel_results(SCRIPT, tmp_path)
    assert parallel == pytest.approx(serial, rel=1e-8)


def _steps(model, count, dt=1.0):
    for _ in range(count):
        result = model.solve(0.0, dt, HOLD)
        assert result.converged, result.message
        model.accept()
    return result.values["mean_current_bottom_A_m2"]


def test_the_film_inventory_restarts_from_its_checkpoint():
    _, straight = echem_model(CASE)
    _steps(straight, 3)
    saved = straight.state()
    reference = _steps(straight, 3)
    _, restarted = echem_model(CASE)
    restarted.restore(saved)
    assert _steps(restarted, 3) == pytest.approx(reference, rel=1e-10)


def test_a_drained_film_passes_less_than_a_fresh_one():
    # The void current falls as the inventory drains: the film is time dependent.
    _, model = echem_model(CASE)
    first = _steps(model, 1)
    later = _steps(model, 20)
    assert model.time_dependent and later < 0.9 * first
    assert model.film_min_lithiation(0) < 1.0


def test_steady_film_is_the_fixed_conductance_sheet_at_small_signal():
    # Without storage (one step of 1e9 s) a film of G_film equals a sheet of fixed G = G_film:
    # at f|δ| < 1e-3 the θ-dependence of the film's conductance is below 1e-3.
    case, film = echem_model(CASE)
    steady = _steps(film, 1, dt=1e9)
    data = case.model_dump()
    data["materials"]["Film"].update(
        diffusivity=None, initial_concentration=None,
        sheet_li_conductance=sheet_properties(case, case.tags.interfaces[0]).film_conductance)
    _, sheet = echem_model(Case.model_validate(data))
    assert not sheet.time_dependent
    assert _steps(sheet, 1) == pytest.approx(steady, rel=1e-3)
