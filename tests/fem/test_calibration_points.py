"""Calibrated cases reproduce the data point they were calibrated to (and only that is claimed)."""

from pathlib import Path

import pytest

from conftest import echem_model, solve_once

CASES = Path(__file__).resolve().parents[2] / "cases"


def test_chen2023_rt_mcl_overpotential_at_0p7_mA_cm2():
    case, model = echem_model(CASES / "chen2023" / "rt_mcl_ccd.toml")
    assert case.provenance["electrochemistry.kinetics.charge_transfer_resistance"]["status"] == (
        "calibrated")
    voltage = solve_once(model, 7.0)["voltage_V"]  # 0.7 mA/cm²
    measured = case.targets["overpotential_0p7"].value * 1e-3
    assert voltage == pytest.approx(measured, rel=0.01)
