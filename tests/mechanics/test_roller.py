"""The roll (mechanics.roller): closed-form checks, a check that can fail, case validation and a
smoke run of a roll-bonding case (source D)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mpi4py import MPI
from tests.conftest import CASES

from ssbstack.config.loader import load_case
from ssbstack.config.mechanics import Roller
from ssbstack.errors import CaseError
from ssbstack.verification import roller as checks

COMM = MPI.COMM_WORLD


@pytest.mark.parametrize("name", ["line_load", "uniform_compression"])
def test_roller_check(name):
    reference, computed, error, tolerance = getattr(checks, f"verify_{name}")(COMM)
    assert error <= tolerance, f"{name}: reference {reference}, computed {computed}, error {error}"


def test_a_contact_half_off_the_surface_fails_the_line_load_check():
    """The check can fail: centred on the left edge only half the contact presses the layer."""
    reference, computed, error = checks.line_load_error(COMM, ['mechanics.roller.start="0 um"'])
    assert computed == pytest.approx(reference / 2, rel=5e-3) and error > 0.4


def test_hertz_half_width_and_peak_pressure():
    roller = Roller(line_load="300 N", length="20 mm", speed="1 mm/s", radius="50 mm",
                    effective_modulus="85 GPa")
    load = 300.0 / 0.02
    a = math.sqrt(4.0 * load * 0.05 / (math.pi * 85e9))
    assert roller.contact_half_width() == pytest.approx(a, rel=1e-12)
    assert roller.peak_pressure() == pytest.approx(2.0 * load / (math.pi * a), rel=1e-12)


@pytest.mark.parametrize(("overrides", "message"), [
    (['mechanics.roller.radius="50 mm"'], "give either half_width or both radius"),
    (['geometry.kind="axisymmetric"', 'geometry.electrode_radius="200 um"',
      'geometry.electrolyte_radius="200 um"'], "mechanics.roller: needs a planar2d geometry"),
    (['conditions.stack_pressure="1 MPa"'], "conditions.stack_pressure must be 0"),
    (['mechanics.fixture="constant_pressure"'], "the roll replaces the top plate"),
])
def test_bad_roller_input_is_one_line(overrides, message):
    with pytest.raises(CaseError, match=message) as info:
        load_case(checks.case_file("roller_uniform"), overrides)
    assert "\n" not in str(info.value)


def test_roll_bonding_case_runs_a_few_steps():
    """Smoke: the bare Li | Al case (coarse mesh) rolls for 1 ms: the roll has moved by v t and
    the Li under its path is thinner than far ahead of it."""
    from ssbstack.numerics.roller import layer_stresses, thickness_profile
    from ssbstack.verification.mechanics import run_history

    case = load_case(CASES / "lee2025" / "roll_bonding_bare.toml", [
        'geometry.width="2.5 mm"', 'geometry.mesh.interface="25 um"', 'geometry.mesh.bulk="50 um"',
        'conditions.temperature="30 degC"'])
    model, rows = run_history(case, COMM, [5e-4, 1e-3])
    roller = case.mechanics.roller
    assert rows[-1]["roller_centre_m"] == pytest.approx(roller.start + roller.speed * 1e-3)
    x, change = thickness_profile(model, "li")
    under = np.abs(x - roller.start) < 0.5 * roller.contact_half_width()
    ahead = x > roller.start + 2.0 * roller.contact_half_width()
    assert change[under].mean() < 0.0 and abs(change[ahead]).max() < 0.1 * abs(change[under].mean())
    li = layer_stresses(model, "li")
    assert 0.5 * roller.peak_pressure() < li["pressure_Pa"] < 1.5 * roller.peak_pressure()
