"""Flat stack with a resistive sheet: exact voltage parts, and the R_n = 0 (Dirichlet) path.

Linear kinetics, full contact: V = i (L/κ + R_ct,b + R_ct,t + R_n); the interlayer part of the
power balance is i R_n, and ohmic + kinetic + interlayer parts add up to V.
"""

from pathlib import Path

import pytest

from conftest import echem_model, solve_once

CASE = Path(__file__).resolve().parents[2] / "cases" / "verification" / "echem_flat.toml"
CURRENT = 15.0  # A/m²


def _exact(case, normal_resistance):
    se = case.electrolyte
    kappa = case.material(se.name).ionic_conductivity
    bottom, top = case.tags.interfaces
    r_ct = (case.kinetics(bottom.name).charge_transfer_resistance
            + case.kinetics(top.name).charge_transfer_resistance)
    return CURRENT * (se.thickness / kappa + r_ct + normal_resistance)


@pytest.mark.parametrize("area_resistance", [2e-4, 0.0], ids=["R_n=2 Ohm cm2", "R_n=0"])
def test_voltage_and_its_parts_with_a_resistive_sheet(area_resistance):
    case, model = echem_model(CASE, [f"materials.Film.area_resistance={area_resistance}"])
    values = solve_once(model, CURRENT)
    assert values["voltage_V"] == pytest.approx(_exact(case, area_resistance), rel=1e-9)
    assert values["interlayer_V"] == pytest.approx(CURRENT * area_resistance, rel=1e-9,
                                                   abs=1e-12)
    parts = (values["ohmic_V"] + values["kinetic_bottom_V"] + values["kinetic_top_V"]
             + values["interlayer_V"])
    assert parts == pytest.approx(values["voltage_V"], rel=1e-9)
