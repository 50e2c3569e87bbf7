"""scripts/calibrate_seating.py without the solver: the one fitted value (foil thickness, or the
plunger/die gap of the extrusion cases) goes where it belongs only, and the tables report pressure,
Li thinning and plate travel."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import script_module

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def seating():
    yield from script_module("calibrate_seating")


def test_thickness_fit_changes_both_foils_and_nothing_else(seating):
    path = seating.case_name("norton")
    plain, thin = seating.load(path, "norton"), seating.load(path, "norton", "thickness", 60e-6)
    assert [layer.thickness for layer in thin.stack] == [60e-6, plain.stack[1].thickness, 60e-6]
    assert thin.provenance["stack[0].thickness"]["status"] == "calibrated"
    assert thin.mechanics.stiffness == plain.mechanics.stiffness
    assert plain.provenance["mechanics.stiffness"]["status"] == "derived"
    hot = seating.load(seating.case_name("garofalo", hot=True), "garofalo")
    assert hot.materials["Li"].creep.model == "garofalo" and hot.conditions.temperature > 310.0


def test_gap_fit_sets_the_extrusion_gap_and_nothing_else(seating):
    path = seating.case_name("norton", extrusion=True)
    plain, wide = seating.load(path, "norton"), seating.load(path, "norton", "gap", 20e-6)
    assert plain.mechanics.die_extrusion_gap == pytest.approx(10e-6)
    assert wide.mechanics.die_extrusion_gap == 20e-6
    assert wide.provenance["mechanics.die_extrusion_gap"]["status"] == "calibrated"
    assert [layer.thickness for layer in wide.stack] == [layer.thickness for layer in plain.stack]
    assert wide.mechanics.stiffness == plain.mechanics.stiffness
    hot = seating.load(seating.case_name("norton", hot=True, extrusion=True), "norton", "gap", 2e-5)
    assert hot.mechanics.die_extrusion_gap == 2e-5 and hot.conditions.temperature > 310.0


def test_tables_report_thinning_and_plate_travel(seating):
    def row(time, pressure_mpa, li_um, plate_um):
        return {"time": time, "stack_pressure_Pa": pressure_mpa * 1e6,
                "li_thickness_m": li_um * 1e-6, "plate_displacement_m": plate_um * 1e-6}

    day = [row(0.0, 25.0, 100.0, -1.0), row(1800.0, 23.0, 99.0, -3.5),
           row(36000.0, 20.0, 97.0, -7.0), row(86400.0, 19.0, 96.0, -9.0)]
    hot = [row(0.0, 25.0, 100.0, -1.0), row(1800.0, 20.0, 98.0, -6.0)]
    lines = seating.trace("RT", day)
    assert "| 0.5 | 23.000 | 2.000 | 1.000 | 2.500 |" in lines
    rows = seating.summary(5e7, {"thickness": 80e-6}, "thickness", day, hot, 2.2e6, 5.6e6)
    table = {r[0]: r for r in rows}
    assert table["Li foil thickness (um)"][1:3] == ("calibrated", "80")
    assert table["30-min drop at RT (MPa)"][1:3] == ("calibrated", "2.000")
    assert table["30-min drop at 40 degC (MPa)"][2:] == ("5.000", "5.60", "-0.60 MPa (-11%)")
    assert table["pressure after 24 h at RT (MPa)"][2] == "19.000"
    assert table["holder stiffness k (N/m)"][1] == "derived"
    rows = seating.summary(5e7, {"thickness": 1e-4, "gap": 1.5e-5}, "gap", day, hot, 2.2e6, 5.6e6)
    table = {r[0]: r for r in rows}
    assert table["plunger/die gap (um)"][1:3] == ("calibrated", "15")
    assert table["Li foil thickness (um)"][1] == "assumed"
