"""Readable quantities: "20 um", "0.5 mA/cm2", "25 MPa", "0.36 eV" → SI floats with a dimension check.

A quantity is a number followed by a unit expression: unit symbols joined by ``*``, ``/`` or spaces,
each with an optional integer power (``cm2``, ``m^-3``, ``s-1``). Everything after the first ``/``
is in the denominator (``mA/cm2``, ``J/mol/K``). A bare number is taken as already in SI units.

Dimensions are vectors over (m, kg, s, A, K, mol). ``eV`` is accepted for activation energies and
converts to J/mol (1 eV per particle = 96 485 J/mol); ``degC`` is accepted alone for temperatures.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import BeforeValidator

# (scale to SI, dimension exponents over m, kg, s, A, K, mol)
Dim = tuple[int, int, int, int, int, int]
_M: Dim = (1, 0, 0, 0, 0, 0)
_KG: Dim = (0, 1, 0, 0, 0, 0)
_S: Dim = (0, 0, 1, 0, 0, 0)
_A: Dim = (0, 0, 0, 1, 0, 0)
_K: Dim = (0, 0, 0, 0, 1, 0)
_MOL: Dim = (0, 0, 0, 0, 0, 1)
_NONE: Dim = (0, 0, 0, 0, 0, 0)


def _mul(a: Dim, b: Dim, power: int = 1) -> Dim:
    return tuple(x + power * y for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


_N = _mul(_mul(_KG, _M), _S, -2)
_J = _mul(_N, _M)
_W = _mul(_J, _S, -1)
_V = _mul(_W, _A, -1)
_OHM = _mul(_V, _A, -1)
_SIEMENS = _mul(_NONE, _OHM, -1)
_PA = _mul(_N, _M, -2)
_C = _mul(_A, _S)

FARADAY = 96485.33212  # C/mol
GAS_CONSTANT = 8.314462618  # J/(mol K)

_BASE: dict[str, tuple[float, Dim]] = {
    "m": (1.0, _M), "g": (1e-3, _KG), "s": (1.0, _S), "A": (1.0, _A), "K": (1.0, _K),
    "mol": (1.0, _MOL), "N": (1.0, _N), "J": (1.0, _J), "W": (1.0, _W), "V": (1.0, _V),
    "Ohm": (1.0, _OHM), "ohm": (1.0, _OHM), "Ω": (1.0, _OHM), "S": (1.0, _SIEMENS),
    "Pa": (1.0, _PA), "C": (1.0, _C), "Ah": (3600.0, _C), "L": (1e-3, _mul(_NONE, _M, 3)),
    "min": (60.0, _S), "h": (3600.0, _S), "hour": (3600.0, _S), "hours": (3600.0, _S),
    "minute": (60.0, _S), "minutes": (60.0, _S), "second": (1.0, _S), "seconds": (1.0, _S),
    "day": (86400.0, _S), "days": (86400.0, _S), "bar": (1e5, _PA),
    "lb": (4.4482216152605, _N),  # pound-force (springs are quoted in lb/mm)
    "eV": (FARADAY, _mul(_J, _MOL, -1)),  # activation energy per particle → J/mol
    "percent": (0.01, _NONE), "%": (0.01, _NONE),
}
_PREFIX = {"G": 1e9, "M": 1e6, "k": 1e3, "c": 1e-2, "m": 1e-3, "u": 1e-6, "µ": 1e-6, "μ": 1e-6,
           "n": 1e-9, "p": 1e-12}

DIMENSIONS: dict[str, Dim] = {
    "dimensionless": _NONE,
    "length": _M,
    "area": _mul(_NONE, _M, 2),
    "time": _S,
    "temperature": _K,
    "pressure": _PA,
    "voltage": _V,
    "current density": _mul(_A, _M, -2),
    "areal capacity": _mul(_C, _M, -2),
    "conductivity": _mul(_SIEMENS, _M, -1),
    "area resistance": _mul(_OHM, _M, 2),
    "sheet conductance": _SIEMENS,
    "molar energy": _mul(_J, _MOL, -1),
    "molar volume": _mul(_mul(_NONE, _M, 3), _MOL, -1),
    "diffusivity": _mul(_mul(_NONE, _M, 2), _S, -1),
    "concentration": _mul(_MOL, _M, -3),
    "stiffness": _mul(_N, _M, -1),
    "stiffness per area": _mul(_PA, _M, -1),
    "strain rate": _mul(_NONE, _S, -1),
    "density": _mul(_KG, _M, -3),
    "specific capacity": _mul(_C, _KG, -1),
    "areal loading": _mul(_KG, _M, -2),
    "force": _N,
    "velocity": _mul(_M, _S, -1),
}

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY = re.compile(rf"^\s*({_NUMBER})\s*(.*?)\s*$")
_TOKEN = re.compile(r"^([A-Za-zµμΩ%]+)(?:\^?([-+]?\d+))?$")


class UnitError(ValueError):
    """A quantity string that cannot be read, or has the wrong dimension."""


def _unit(symbol: str) -> tuple[float, Dim]:
    if symbol in _BASE:
        return _BASE[symbol]
    if len(symbol) > 1 and symbol[0] in _PREFIX and symbol[1:] in _BASE:
        scale, dim = _BASE[symbol[1:]]
        return _PREFIX[symbol[0]] * scale, dim
    raise UnitError(f"unknown unit '{symbol}'")


def parse_unit(expression: str) -> tuple[float, Dim]:
    """Scale to SI and dimension of a unit expression such as ``mA/cm2`` or ``s^-1 MPa^-6.56``."""
    scale, dim = 1.0, _NONE
    numerator, _, denominator = expression.replace("·", "*").partition("/")
    for part, sign in ((numerator, 1), (denominator.replace("/", " "), -1)):
        for token in part.replace("*", " ").split():
            match = _TOKEN.match(token)
            if not match:
                raise UnitError(f"cannot read unit '{token}'")
            symbol, power = match.group(1), int(match.group(2) or 1)
            s, d = _unit(symbol)
            scale *= s ** (sign * power)
            dim = _mul(dim, d, sign * power)
    return scale, dim


def _dimension_name(dim: Dim) -> str:
    for name, d in DIMENSIONS.items():
        if d == dim:
            return name
    labels = ("m", "kg", "s", "A", "K", "mol")
    return " ".join(f"{lab}^{p}" for lab, p in zip(labels, dim, strict=True) if p) or "1"


def to_si(value: object, dimension: str) -> float:
    """Convert a number or quantity string to a finite SI float of the named dimension.

    Numbers are taken as SI already; nan and ±inf are refused. Raises :class:`UnitError` with a
    one-line reason.
    """
    result = _to_si(value, dimension)
    if not math.isfinite(result):
        raise UnitError(f"expected a finite {dimension}, got {value!r}")
    return result


def _to_si(value: object, dimension: str) -> float:
    if isinstance(value, bool):
        raise UnitError(f"expected a {dimension}, got a boolean")
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        raise UnitError(f"expected a {dimension} (number or string like '20 um'), got {value!r}")
    match = _QUANTITY.match(value)
    if not match:
        raise UnitError(f"cannot read quantity '{value}' (expected e.g. '20 um')")
    number, unit = float(match.group(1)), match.group(2)
    if not unit:
        return number
    if dimension == "temperature" and unit in ("degC", "°C", "C"):
        return number + 273.15
    scale, dim = parse_unit(unit)
    if dim != DIMENSIONS[dimension]:
        raise UnitError(f"'{value}' is a {_dimension_name(dim)}, expected a {dimension}")
    return number * scale


@dataclass(frozen=True)
class Unit:
    """Marks a schema field as a quantity of ``dimension`` (read by the case-file reference)."""

    dimension: str

    @property
    def si_unit(self) -> str:
        return SI_UNITS[self.dimension]


SI_UNITS = {
    "dimensionless": "1", "length": "m", "area": "m²", "time": "s", "temperature": "K",
    "pressure": "Pa", "voltage": "V", "current density": "A/m²", "areal capacity": "C/m²",
    "conductivity": "S/m", "area resistance": "Ω m²", "sheet conductance": "S",
    "molar energy": "J/mol", "molar volume": "m³/mol", "diffusivity": "m²/s",
    "concentration": "mol/m³", "stiffness": "N/m", "stiffness per area": "Pa/m",
    "strain rate": "1/s", "density": "kg/m³",
    "specific capacity": "C/kg", "areal loading": "kg/m²", "force": "N", "velocity": "m/s",
    "fracture toughness": "Pa √m",
}


def _quantity(dimension: str) -> tuple[Unit, BeforeValidator]:
    def convert(value: object) -> float:
        return to_si(value, dimension)

    return Unit(dimension), BeforeValidator(convert)


_ROOT_METRE = re.compile(r"\s*(?:\*\s*)?(?:m\^?(?:0\.5|\(?1/2\)?)|√m|sqrt\(m\))\s*$")


def fracture_toughness_to_si(value: object) -> float:
    """K_IC (Pa √m) from a number (SI) or a pressure times √m: '1 MPa m^0.5', '0.23 MPa m^1/2',
    '1 MPa √m', '1 MPa*sqrt(m)' (the half power is the one the unit grammar cannot read)."""
    match = _QUANTITY.match(value) if isinstance(value, str) else None
    if match and match.group(2):
        stripped = _ROOT_METRE.sub("", value)
        if stripped == value:
            raise UnitError(f"'{value}' is not a fracture toughness (expected e.g. '1 MPa m^0.5')")
        return to_si(stripped, "pressure")
    return to_si(value, "pressure")


Length = Annotated[float, *_quantity("length")]
Area = Annotated[float, *_quantity("area")]
Time = Annotated[float, *_quantity("time")]
Temperature = Annotated[float, *_quantity("temperature")]
Pressure = Annotated[float, *_quantity("pressure")]
Voltage = Annotated[float, *_quantity("voltage")]
CurrentDensity = Annotated[float, *_quantity("current density")]
ArealCapacity = Annotated[float, *_quantity("areal capacity")]
Conductivity = Annotated[float, *_quantity("conductivity")]
AreaResistance = Annotated[float, *_quantity("area resistance")]
SheetConductance = Annotated[float, *_quantity("sheet conductance")]
MolarEnergy = Annotated[float, *_quantity("molar energy")]
MolarVolume = Annotated[float, *_quantity("molar volume")]
Diffusivity = Annotated[float, *_quantity("diffusivity")]
Concentration = Annotated[float, *_quantity("concentration")]
Stiffness = Annotated[float, *_quantity("stiffness")]
StiffnessPerArea = Annotated[float, *_quantity("stiffness per area")]
StrainRate = Annotated[float, *_quantity("strain rate")]
Dimensionless = Annotated[float, *_quantity("dimensionless")]
Force = Annotated[float, *_quantity("force")]
Velocity = Annotated[float, *_quantity("velocity")]
FractureToughness = Annotated[float, Unit("fracture toughness"),
                              BeforeValidator(fracture_toughness_to_si)]
