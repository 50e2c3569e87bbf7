"""The Li-conserving interlayer film: closed-form checks on 1 and 2 ranks, restart of its
inventory, and the steady limit that is today's fixed-conductance sheet."""

import math
from pathlib import Path

import pytest
from mpi4py import MPI

from conftest import echem_model, serial_and_parallel_results
from ssbstack.config.loader import load_case
from ssbstack.config.schema import Case
from ssbstack.meshing.stack import default_sizes
from ssbstack.numerics.electrode_sides import (
    IDEAL_FEED,
    film_rim_warning,
    rim_feed,
    sheet_properties,
)
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


# --- The rim feed: the length a film draws its Li over at a contact rim ---------------------
HT_MCL = Path(__file__).parents[2] / "cases" / "chen2023" / "ccd" / "ht_mcl_ccd.toml"
SPLIT = ['electrochemistry.sheet_contact_resistance="1.2 Ohm cm2"',
         'electrochemistry.kinetics.charge_transfer_resistance="1.2 Ohm cm2"']
IDEAL = ['electrochemistry.sheet_contact_resistance="0 Ohm cm2"',
         'electrochemistry.kinetics.charge_transfer_resistance="2.4 Ohm cm2"']


def test_the_rim_feed_length_is_the_closed_forms():
    case = load_case(HT_MCL, SPLIT)
    interface = case.tags.interfaces[0]
    film = sheet_properties(case, interface)
    feed = rim_feed(case, interface)
    # linear kinetics: R_kin = R_ct = R_n = 1.2e-4 Ohm m2
    assert feed.length == pytest.approx(math.sqrt(film.film_conductance * 0.6e-4), rel=1e-12)
    assert not feed.numerical and feed.normal == pytest.approx(1.2e-4)
    numerical = rim_feed(load_case(HT_MCL, IDEAL), interface)
    assert numerical.numerical and numerical.normal == pytest.approx(IDEAL_FEED * 2.4e-4)


def test_the_default_edge_mesh_resolves_the_rim_feed_and_the_run_warns_when_not():
    case = load_case(HT_MCL, SPLIT)
    length = rim_feed(case, case.tags.interfaces[0]).length
    assert default_sizes(case)[2] == pytest.approx(length / 4.0)
    assert film_rim_warning(case) is None
    coarse = load_case(HT_MCL, [*SPLIT, 'geometry.mesh.edge="0.5 um"'])
    assert "does not resolve" in film_rim_warning(coarse)
    ideal = load_case(HT_MCL, IDEAL)  # R_n = 0: the numerical feed, a line source in the limit
    assert "numerical ideal feed" in film_rim_warning(ideal)
    assert default_sizes(ideal)[2] == pytest.approx(0.5e-6)  # not refined towards 19 nm
    assert film_rim_warning(load_case(HT_MCL, ['coupling.enabled=false'])) is None


def test_the_rim_feed_check_converges_on_two_ranks(tmp_path):
    script = SCRIPT.replace("from ssbstack.verification.film import _film_run",
                            "from ssbstack.verification.film import _rim_run")
    script = script.replace("computed, reference = _film_run(MPI.COMM_WORLD, 40)",
                            "computed, reference = _rim_run(MPI.COMM_WORLD, 1e-6)")
    serial, parallel = serial_and_parallel_results(script, tmp_path)
    assert parallel == pytest.approx(serial, rel=1e-8)
