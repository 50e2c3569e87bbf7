"""The full-contact CCD calibration cases stay calibrated: with every value a case resolves to
(stack pressure, temperature, σ_nuc, D_v, τ_v), the closed form of the vacancy rule puts the first
void in the ramp level after the measured CCD. Catches an edit to any of them without a refit
(scripts/fit_vacancy_lifetime.py); cheap (no solve). The coupled runs that reproduce these CCDs
are in the README (source A: Ex1, source B: RT-MCL, source C: the 30-min hold)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssbstack.config.loader import load_case
from ssbstack.config.protocol import RampBlock, ramp_levels
from ssbstack.numerics.vacancy import full_contact_critical_current

CASES = Path(__file__).resolve().parents[2] / "cases"
FULL_CONTACT_CALIBRATIONS = [
    "badding2025/ccd/ex1_agmg_ccd.toml",
    "chen2023/ccd/rt_mcl_ccd.toml",
    "ham2024/ccd/hold_30min_ccd.toml",
]


@pytest.mark.parametrize("name", FULL_CONTACT_CALIBRATIONS)
def test_closed_form_fails_in_the_level_after_the_measured_ccd(name):
    case = load_case(CASES / name)
    assert case.targets["ccd"].role == "calibration"
    assert case.coupling.enabled and case.coupling.vacancy.quasi_steady
    critical = full_contact_critical_current(
        case.coupling.vacancy, case.conditions.stack_pressure, case.conditions.temperature)
    ramp = next(block for block in case.protocol.steps if isinstance(block, RampBlock))
    levels = ramp_levels(ramp.ramp)
    measured = case.targets["ccd"].value * 10.0  # mA/cm² -> A/m²
    completed = min(levels, key=lambda level: abs(level - measured))
    following = levels[levels.index(completed) + 1]
    assert completed < critical <= following, (completed, critical, following)
