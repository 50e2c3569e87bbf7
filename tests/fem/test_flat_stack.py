"""Flat, full-contact symmetric cell: the computed cell voltage equals the analytic value.

V = i L/κ(T) + η_bottom(i) − η_top(−i), with η the exact inverse of the kinetic law at each
electrode (Butler–Volmer or linear). P1 represents the 1D linear potential exactly, so the
agreement is to solver tolerance, for every protocol step.
"""

from pathlib import Path

import pytest

from conftest import echem_model, solve_once

DEMO = Path(__file__).resolve().parents[2] / "cases" / "badding2025" / "ex1_agmg_ccd.toml"
CURRENTS = [1.0, -1.0, 5.0, -24.0, 30.0, 0.0]  # A/m² (0.1 … 3 mA/cm²)


def analytic_voltage(case, current):
    """Exact cell voltage (V) of a flat full-contact stack at ``current`` (A/m²)."""
    temperature = case.conditions.temperature
    se = case.electrolyte
    kappa = case.material(se.name).ionic_conductivity_at(temperature)
    below, above = case.tags.interfaces
    eta_bottom = case.kinetics(below.name).overpotential(current, temperature)
    eta_top = case.kinetics(above.name).overpotential(-current, temperature)
    return current * se.thickness / kappa + eta_bottom - eta_top


def solve_all(overrides):
    case, model = echem_model(DEMO, overrides)
    return case, [(current, solve_once(model, current)) for current in CURRENTS]


@pytest.mark.parametrize(
    "overrides",
    [
        [],  # Butler–Volmer, α = 0.5/0.5, R_ct = 0.19 Ω cm² (the demo)
        ["electrochemistry.kinetics.charge_transfer_resistance=20 Ohm cm2",
         "electrochemistry.kinetics.alpha_anodic=0.3", "electrochemistry.kinetics.alpha_cathodic=0.6",
         "conditions.temperature=40 degC"],
        ["electrochemistry.kinetics.form=linear",
         "electrochemistry.kinetics.charge_transfer_resistance=10.6 Ohm cm2"],
    ],
    ids=["bv-symmetric", "bv-asymmetric-40C", "linear"],
)
def test_voltage_matches_analytic_for_every_current(overrides):
    case, results = solve_all(overrides)
    for current, values in results:
        expected = analytic_voltage(case, current)
        assert values["voltage_V"] == pytest.approx(expected, rel=1e-9, abs=1e-13)
        assert abs(values["charge_balance_A"]) <= 1e-10 * max(abs(current), 1.0) * 2e-4
        if current:
            parts = values["ohmic_V"] + values["kinetic_bottom_V"] + values["kinetic_top_V"]
            assert parts == pytest.approx(values["voltage_V"], rel=1e-9)
            assert values["constriction_V"] == pytest.approx(0.0, abs=1e-9 * abs(expected))
            assert values["hot_spot_factor_bottom"] == pytest.approx(1.0, rel=1e-6)


def test_linear_asr_is_sum_of_resistances():
    case, results = solve_all(["electrochemistry.kinetics.form=linear"])
    se = case.electrolyte
    r_ct = case.kinetics(case.tags.interfaces[0].name).charge_transfer_resistance
    asr = se.thickness / case.material(se.name).ionic_conductivity + 2 * r_ct
    for current, values in results:
        if current:
            assert values["asr_ohm_m2"] == pytest.approx(asr, rel=1e-10)


def test_potentiostatic_hold_gives_the_current_of_that_voltage():
    case, model = echem_model(DEMO)
    current = solve_once(model, voltage=0.2)["mean_current_bottom_A_m2"]
    assert analytic_voltage(case, current) == pytest.approx(0.2, rel=1e-9)
