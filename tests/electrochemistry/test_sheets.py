"""Thin-interlayer (sheet) properties; input errors of interlayers and cathodes."""

from pathlib import Path

import pytest

from conftest import echem_model
from ssbstack.config.loader import load_case
from ssbstack.config.schema import Case
from ssbstack.errors import CaseError
from ssbstack.numerics.electrochemistry import sheet_properties

CASE = Path(__file__).resolve().parents[2] / "cases" / "verification" / "echem_sheet_void.toml"


def _sheet(overrides):
    case = load_case(CASE, overrides)
    return sheet_properties(case, case.tags.interfaces[0])


def test_conductances_add_and_resistances_from_area_resistance():
    lateral, normal = _sheet(["materials.MIEC.sheet_electronic_conductance=2e-3",
                              "materials.MIEC.sheet_ionic_conductance=1e-3"])
    assert lateral == pytest.approx(3e-3)
    assert normal == pytest.approx(0.5e-4)  # 0.5 Ω cm²


def test_electron_blocking_sheet_has_no_electronic_conductance():
    lateral, _ = _sheet(["materials.MIEC.sheet_electronic_conductance=2e-3",
                         "materials.MIEC.sheet_ionic_conductance=1e-3",
                         "materials.MIEC.electron_blocking=true"])
    assert lateral == pytest.approx(1e-3)


def test_conductivities_times_thickness_when_no_sheet_values():
    # σ_e = 1e4 S/m and σ_i = 0.1 S/m over 500 nm; R_n from t/σ_i once area_resistance is absent.
    case = load_case(CASE, ["materials.MIEC.electronic_conductivity=1e4 S/m",
                            "materials.MIEC.ionic_conductivity=0.1 S/m"])
    data = case.model_dump()
    data["materials"]["MIEC"].update(sheet_electronic_conductance=None,
                                     sheet_ionic_conductance=None, area_resistance=None)
    case = type(case).model_validate(data)
    lateral, normal = sheet_properties(case, case.tags.interfaces[0])
    assert lateral == pytest.approx(1e4 * 5e-7 + 0.1 * 5e-7)
    assert normal == pytest.approx(5e-7 / 0.1)


def test_negative_sheet_conductance_is_a_one_line_case_error():
    with pytest.raises(CaseError) as error:
        load_case(CASE, ["materials.MIEC.sheet_ionic_conductance=-1 S"])
    message = str(error.value)
    assert "sheet_ionic_conductance" in message and "\n" not in message


@pytest.mark.parametrize(("file", "material", "key"), [
    ("echem_alloy.toml", "LiAl", "max_concentration"),
    ("echem_cathode.toml", "Cathode", "specific_area"),
], ids=["volume-interlayer", "cathode"])
def test_a_missing_model_parameter_names_the_key(file, material, key):
    data = load_case(CASE.with_name(file)).model_dump()
    data["materials"][material][key] = None
    case = Case.model_validate(data)
    with pytest.raises(CaseError) as error:
        echem_model(case)
    assert f"materials.{material}.{key}" in str(error.value)
