"""Protocol grammar: readable step strings → typed steps.

Steps (case-insensitive), with quantities in any unit of the right dimension:

- ``Rest for 10 minutes``
- ``Strip at 0.5 mA/cm2 for 30 minutes`` / ``Plate at 0.5 mA/cm2 for 1 h or until 0.2 V``
- ``Charge at 0.3 mA/cm2 until 4.2 V`` / ``Discharge at 0.6 mA/cm2 until 3 V`` (full cells)
- ``Strip at 1 mA/cm2 until 3 mAh/cm2`` (a capacity limit)
- ``Hold at 4.2 V for 1 h or until 0.05 mA/cm2`` (potentiostatic)

Blocks (TOML tables in the ``steps`` list):

- ``{ repeat = 3, steps = [...] }`` repeats its steps;
- ``{ ramp = "0.1 to 3.0 mA/cm2 by 0.1 mA/cm2", cycles = 2, steps = ["Strip for 30 min",
  "Plate for 30 min"] }`` runs its steps ``cycles`` times at each current level; steps inside a ramp
  give no "at": they take the level's current. This is the CCD ramp of the source documents.

Sign convention: a positive current density strips Li from the bottom electrode (the layer under
the electrolyte) and plates it on the top one. ``Strip`` and ``Discharge`` are positive, ``Plate``
and ``Charge`` negative (for a full cell the bottom electrode is the Li anode).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from pydantic import Field

from ssbstack.config.base import Section
from ssbstack.units import UnitError, to_si

SIGN = {"strip": 1.0, "discharge": 1.0, "plate": -1.0, "charge": -1.0}


class RepeatBlock(Section):
    """Repeat a list of steps."""

    repeat: int = Field(ge=1, le=100000)
    steps: list[str | RepeatBlock | RampBlock] = Field(min_length=1)


class RampBlock(Section):
    """CCD ramp: run ``steps`` ``cycles`` times at each current level of ``ramp``."""

    ramp: str = Field(description="'<first> to <last> <unit> by <step> <unit>'")
    cycles: int = Field(1, ge=1, le=1000)
    steps: list[str] = Field(min_length=1)


RawStep = str | RepeatBlock | RampBlock


@dataclass(frozen=True)
class Step:
    """One executable protocol step. SI units; ``None`` means 'no such limit'."""

    kind: Literal["rest", "galvanostatic", "potentiostatic"]
    label: str
    current_density: float = 0.0  # A/m², signed (positive strips the bottom electrode)
    voltage: float | None = None  # V, for potentiostatic holds
    duration: float | None = None  # s
    until_voltage: float | None = None  # V, stop when the cell voltage crosses it
    until_capacity: float | None = None  # C/m², stop when this charge has passed
    until_current: float | None = None  # A/m², stop a hold when |i| falls below it
    level: int | None = None  # index of the ramp level (0-based), None outside ramps


class ProtocolError(ValueError):
    """A protocol string that does not parse; the message says what was expected."""


_RUN = re.compile(
    r"^(?P<verb>strip|plate|charge|discharge)"
    r"(?:\s+at\s+(?P<at>.+?))?"
    r"(?:\s+for\s+(?P<duration>.+?))?"
    r"(?:\s+(?:or\s+)?until\s+(?P<until>.+?))?$",
    re.IGNORECASE,
)
_HOLD = re.compile(
    r"^hold\s+at\s+(?P<at>.+?)(?:\s+for\s+(?P<duration>.+?))?"
    r"(?:\s+(?:or\s+)?until\s+(?P<until>.+?))?$",
    re.IGNORECASE,
)
_REST = re.compile(r"^rest\s+for\s+(?P<duration>.+)$", re.IGNORECASE)
_RAMP = re.compile(r"^(?P<first>\S+)\s+to\s+(?P<last>.+?)\s+by\s+(?P<step>.+)$", re.IGNORECASE)


def _quantity(text: str, dimension: str, what: str) -> float:
    try:
        return to_si(text.strip(), dimension)
    except UnitError as exc:
        raise ProtocolError(f"{what}: {exc}") from None


def _positive(value: float, what: str) -> float:
    if value <= 0:
        raise ProtocolError(f"{what} must be positive")
    return value


def _until(text: str, *, allow_current: bool) -> dict[str, float]:
    """A stop condition: a voltage, a capacity, or (holds) a current density."""
    dimensions = [("voltage", "until_voltage"), ("areal capacity", "until_capacity")]
    if allow_current:
        dimensions.append(("current density", "until_current"))
    for dimension, key in dimensions:
        try:
            value = to_si(text.strip(), dimension)
        except UnitError:
            continue
        if key != "until_voltage":
            value = _positive(value, f"'until {text}'")
        return {key: value}
    kinds = " or ".join(d for d, _ in dimensions)
    raise ProtocolError(f"'until {text}' is not a {kinds}")


def parse_step(text: str, level_current: float | None = None) -> Step:
    """Parse one step string. Inside a ramp, ``level_current`` (A/m², magnitude) is its current."""
    text = " ".join(text.split())
    if match := _REST.match(text):
        duration = _positive(_quantity(match["duration"], "time", "duration"), "duration")
        return Step("rest", text, duration=duration)
    if match := _HOLD.match(text):
        voltage = _quantity(match["at"], "voltage", "hold voltage")
        limits = _until(match["until"], allow_current=True) if match["until"] else {}
        duration = _duration(match["duration"])
        _need_end(text, duration, limits)
        return Step("potentiostatic", text, voltage=voltage, duration=duration, **limits)
    if match := _RUN.match(text):
        if match["at"] is None and level_current is None:
            raise ProtocolError(f"'{text}': give a current, e.g. '... at 0.5 mA/cm2 ...'")
        if match["at"] is not None and level_current is not None:
            raise ProtocolError(f"'{text}': steps inside a ramp take the ramp's current; drop 'at'")
        magnitude = (
            level_current
            if level_current is not None
            else _quantity(match["at"], "current density", "current")
        )
        magnitude = _positive(magnitude, "current")
        limits = _until(match["until"], allow_current=False) if match["until"] else {}
        duration = _duration(match["duration"])
        _need_end(text, duration, limits)
        current = SIGN[match["verb"].lower()] * magnitude
        return Step("galvanostatic", text, current_density=current, duration=duration, **limits)
    raise ProtocolError(
        f"cannot read step '{text}' (expected 'Rest for ...', 'Strip|Plate|Charge|Discharge at "
        "<current> for <time> [or until <limit>]' or 'Hold at <voltage> for <time>')"
    )


def _duration(text: str | None) -> float | None:
    if text is None:
        return None
    return _positive(_quantity(text, "time", "duration"), "duration")


def _need_end(text: str, duration: float | None, limits: dict[str, float]) -> None:
    if duration is None and not limits:
        raise ProtocolError(f"'{text}' never ends: add 'for <time>' or 'until <limit>'")


def ramp_levels(text: str) -> list[float]:
    """Current levels (A/m²) of a ramp string '0.1 to 3.0 mA/cm2 by 0.1 mA/cm2'."""
    match = _RAMP.match(" ".join(text.split()))
    if not match:
        raise ProtocolError(f"cannot read ramp '{text}' (expected '0.1 to 3.0 mA/cm2 by 0.1 mA/cm2')")
    last_text = match["last"].strip()
    unit = last_text.split(maxsplit=1)[1] if " " in last_text else ""
    first_text = match["first"] if " " in match["first"] else f"{match['first']} {unit}"
    first = _positive(_quantity(first_text, "current density", "ramp start"), "ramp start")
    last = _positive(_quantity(last_text, "current density", "ramp end"), "ramp end")
    step = _positive(_quantity(match["step"], "current density", "ramp step"), "ramp step")
    if last < first:
        raise ProtocolError(f"ramp '{text}' ends below its start")
    count = round((last - first) / step) + 1
    if count > 10000:
        raise ProtocolError(f"ramp '{text}' has {count} levels (at most 10000)")
    return [first + k * step for k in range(count)]


def expand(steps: list[RawStep], *, where: str = "protocol.steps") -> list[Step]:
    """Flatten repeat and ramp blocks into executable steps; errors name the list position."""
    result: list[Step] = []
    for index, raw in enumerate(steps):
        location = f"{where}[{index}]"
        if isinstance(raw, RepeatBlock):
            result.extend(expand(raw.steps, where=f"{location}.steps") * raw.repeat)
            continue
        try:
            if isinstance(raw, str):
                result.append(parse_step(raw))
            else:
                for level, current in enumerate(ramp_levels(raw.ramp)):
                    for _ in range(raw.cycles):
                        for text in raw.steps:
                            step = parse_step(text, level_current=current)
                            label = f"{step.label} at {current / 10:.4g} mA/cm2"
                            result.append(replace(step, label=label, level=level))
        except ProtocolError as exc:
            raise ProtocolError(f"{location}: {exc}") from None
    return result
