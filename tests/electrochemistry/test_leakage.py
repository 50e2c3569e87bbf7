"""Electronic leakage through the electrolyte: exact parallel-path voltage; blocked by Li3N."""

from pathlib import Path

import pytest

from conftest import echem_model, solve_once

CASES = Path(__file__).resolve().parents[2] / "cases"
SIGMA_E = 0.02  # S/m: exaggerated (LPSCl has 1.78e-6 S/m) so the leak is a large part of the current
LEAKY = ["electrochemistry.electronic_leakage=true",
         f"materials.LLZTO.electronic_conductivity={SIGMA_E}"]


def _solve(path, overrides, current):
    case, model = echem_model(path, overrides)
    return case, solve_once(model, current)


@pytest.mark.parametrize("current", [10.0, -25.0])
def test_flat_stack_voltage_with_a_parallel_electronic_path(current):
    linear = ["electrochemistry.kinetics.form=linear",
              "electrochemistry.kinetics.charge_transfer_resistance=10.6 Ohm cm2"]
    case, values = _solve(CASES / "badding2025" / "ex1_agmg_ccd.toml", LEAKY + linear, current)
    se = case.electrolyte
    kappa = case.material(se.name).ionic_conductivity_at(case.conditions.temperature)
    asr_ionic = se.thickness / kappa + 2 * 10.6e-4
    expected = current / (1.0 / asr_ionic + SIGMA_E / se.thickness)
    assert values["voltage_V"] == pytest.approx(expected, rel=1e-9)
    assert values["leakage_current_A_m2"] == pytest.approx(SIGMA_E * expected / se.thickness,
                                                           rel=1e-9)
    ionic = values["mean_current_bottom_A_m2"] * (1 if current > 0 else -1)
    assert ionic + values["leakage_current_A_m2"] == pytest.approx(current, rel=1e-9)


def test_leakage_is_off_by_default_and_blocked_by_an_electron_blocking_sheet():
    _, plain = _solve(CASES / "badding2025" / "ex1_agmg_ccd.toml", [], 10.0)
    assert plain["leakage_current_A_m2"] == 0.0
    leaky = ["electrochemistry.electronic_leakage=true",
             f"materials.LLZ.electronic_conductivity={SIGMA_E}"]
    _, blocked = _solve(CASES / "chen2023" / "rt_mcl_ccd.toml", leaky, 7.0)
    _, open_path = _solve(CASES / "chen2023" / "bare_ccd.toml", leaky, 7.0)
    assert blocked["leakage_current_A_m2"] == 0.0  # Li3N in the MCL blocks electrons
    assert open_path["leakage_current_A_m2"] > 0.1 * 7.0
