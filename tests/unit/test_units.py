"""Quantity strings → SI with dimension checks."""

import math

import pytest

from ssbstack.units import FARADAY, UnitError, to_si


@pytest.mark.parametrize(
    ("text", "dimension", "expected"),
    [
        ("20 um", "length", 20e-6),
        ("0.65 mm", "length", 0.65e-3),
        ("70 nm", "length", 70e-9),
        ("0.5 mA/cm2", "current density", 5.0),
        ("2.4 mA/cm^2", "current density", 24.0),
        ("25 MPa", "pressure", 25e6),
        ("0.45 mS/cm", "conductivity", 0.045),
        ("10.6 Ohm cm2", "area resistance", 10.6e-4),
        ("0.19 Ω cm2", "area resistance", 0.19e-4),
        ("30 minutes", "time", 1800.0),
        ("2 h", "time", 7200.0),
        ("25 degC", "temperature", 298.15),
        ("0.36 eV", "molar energy", 0.36 * FARADAY),
        ("37 kJ/mol", "molar energy", 37e3),
        ("13.0 cm3/mol", "molar volume", 13e-6),
        ("3 mAh/cm2", "areal capacity", 1.08e5),
        ("5.5 lb/mm", "stiffness", 5.5 * 4.4482216152605e3),
        ("8e-11 cm2/s", "diffusivity", 8e-15),
        (1.5e-3, "length", 1.5e-3),
        ("4.2 V", "voltage", 4.2),
    ],
)
def test_quantities_convert_to_si(text, dimension, expected):
    assert math.isclose(to_si(text, dimension), expected, rel_tol=1e-12)


@pytest.mark.parametrize(
    ("text", "dimension", "message"),
    [
        ("0.5 mA/cm2", "length", "is a current density, expected a length"),
        ("20 furlongs", "length", "unknown unit 'furlongs'"),
        ("twenty um", "length", "cannot read quantity"),
        (True, "length", "boolean"),
        ([1, 2], "length", "expected a length"),
        ("5 Pa^x", "pressure", "cannot read unit"),
    ],
)
def test_bad_quantities_say_what_is_wrong(text, dimension, message):
    with pytest.raises(UnitError, match=message.replace("(", r"\(").replace("^", r"\^")):
        to_si(text, dimension)
