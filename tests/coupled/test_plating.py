"""Named plating-failure criteria ([coupling.plating]): the verification checks, the case rules,
and the same failure on two ranks."""

from __future__ import annotations

import json

import pytest
from mpi4py import MPI

from conftest import run_mpi
from ssbstack.config.loader import build_case, load_case, load_raw
from ssbstack.errors import CaseError
from ssbstack.units import UnitError, fracture_toughness_to_si
from ssbstack.verification import plating as checks
from ssbstack.verification.mechanics import case_file


@pytest.mark.parametrize("name", ["flaw_stress_intensity", "local_current_window",
                                  "local_current_level"])
def test_verification_check_passes(name):
    reference, computed, error, tolerance = getattr(checks, f"verify_{name}")(MPI.COMM_WORLD)
    assert error <= tolerance, (reference, computed)


def test_windowed_current_converges_where_the_nodal_peak_does_not():
    """At R_ct = 0.02 Ω cm² the nodal P1 peak at the debond's rim grows ~1.7× per mesh halving;
    the 10 µm window changes by 4 % then 1.5 %."""
    (coarse, n0), (middle, n1), (fine, n2) = checks.windowed_peaks(MPI.COMM_WORLD)
    assert n1 > 1.5 * n0 and n2 > 1.5 * n1
    assert abs(fine - middle) < 0.5 * abs(middle - coarse)
    assert abs(fine - middle) / fine < 0.02


def test_flaw_failure_names_the_mode_place_and_state():
    summary, rows = checks.run_protocol(checks.flaw_case(1.02), MPI.COMM_WORLD)
    assert summary.status == "failed_plating_flaw"
    assert "plating-limited failure (flaw): Li pressure 5 MPa" in summary.message
    assert "on the top electrode" in summary.message and "plating top at 1 mA/cm²" in summary.message
    assert rows[-1]["flaw_li_pressure_Pa"] == pytest.approx(5e6, rel=1e-9)
    assert rows[-1]["flaw_stress_intensity_ratio"] == pytest.approx(1.02, rel=1e-9)
    # a stated flaw position: p_Li is read at the nearest pair of the plating electrode
    toughness = checks.flaw_case(1.02).material("se").fracture_toughness
    stated = load_case(case_file("coupled_flat"), [
        'protocol.steps=["Strip at 1 mA/cm2 for 20 s"]', "coupling.plating.flaw.depth=1e-5",
        "coupling.plating.flaw.position=[20.3e-6]",
        f"materials.LLZO.fracture_toughness={toughness!r}"])
    summary, _ = checks.run_protocol(stated, MPI.COMM_WORLD)
    assert summary.status == "failed_plating_flaw"
    assert "at x = 20 µm on the top electrode" in summary.message


def test_fracture_toughness_units():
    assert fracture_toughness_to_si("0.23 MPa m^0.5") == pytest.approx(2.3e5)
    assert fracture_toughness_to_si("1 MPa √m") == pytest.approx(1e6)
    assert fracture_toughness_to_si(1e6) == 1e6
    with pytest.raises(UnitError, match="not a fracture toughness"):
        fracture_toughness_to_si("1 MPa")


def _without_toughness() -> dict:
    data = load_raw(case_file("coupled_flat"))
    del data["materials"]["LLZO"]["fracture_toughness"]
    data["coupling"]["plating"] = {"flaw": {"depth": "10 um"}}
    return data


@pytest.mark.parametrize("overrides, message", [
    (["coupling.plating.local_current.window=1e-5", "coupling.plating.local_current.critical=10",
      "coupling.enabled=false"], "coupling.plating: plating criteria need coupling.enabled"),
    (["coupling.plating.flaw.depth=1e-5", "coupling.plating.flaw.position=[1e-5, 2e-5]"],
     "coupling.plating.flaw.position: give 1 in-plane coordinate"),
    (["coupling.plating.local_current.window=1e-5"], "coupling.plating.local_current.critical: "
     "required key is missing"),
    (['materials.LLZO.fracture_toughness="1 MPa"', "coupling.plating.flaw.depth=1e-5"],
     "not a fracture toughness"),
])
def test_bad_plating_input_is_refused(overrides, message):
    with pytest.raises(CaseError, match=message):
        load_case(case_file("coupled_flat"), overrides)


def test_flaw_without_fracture_toughness_names_the_key():
    with pytest.raises(CaseError, match=r"materials\.LLZO\.fracture_toughness: required by "
                       r"\[coupling\.plating\.flaw\]"):
        build_case(_without_toughness())


def test_empty_plating_table_is_refused():
    data = load_raw(case_file("coupled_flat"))
    data["coupling"]["plating"] = {}
    with pytest.raises(CaseError, match="name at least one criterion"):
        build_case(data)


def test_plating_failures_are_the_same_on_two_ranks():
    """Flaw (uniform pressure: the tie goes to the first pair) and local-current failures on 1 and
    2 ranks: the same status, message (mode, place, ratio to 4 digits), level and CCD."""
    critical = 0.5 * sum(list(checks.level_peaks(MPI.COMM_WORLD).values())[1:3])
    code = ("import json; from mpi4py import MPI; from ssbstack.verification import plating as p;"
            f"runs = [p.run_protocol(p.flaw_case(1.02), MPI.COMM_WORLD)[0],"
            f" p.run_protocol(p.current_ramp_case({critical!r}), MPI.COMM_WORLD)[0]];"
            "MPI.COMM_WORLD.rank == 0 and print('RUNS' + json.dumps([[s.status, s.message, "
            "s.failed_level_A_m2, s.ccd_A_m2] for s in runs]))")
    done = run_mpi(["-c", code], ranks=2, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    parallel = json.loads(done.stdout.split("RUNS", 1)[1].splitlines()[0])
    serial = [checks.run_protocol(checks.flaw_case(1.02), MPI.COMM_WORLD)[0],
              checks.run_protocol(checks.current_ramp_case(critical), MPI.COMM_WORLD)[0]]
    for one, two in zip(serial, parallel, strict=True):
        assert [one.status, one.message, one.failed_level_A_m2, one.ccd_A_m2] == two
    assert serial[1].status == "failed_plating_current"
    assert "at x = 40 µm on the bottom electrode" in serial[1].message
