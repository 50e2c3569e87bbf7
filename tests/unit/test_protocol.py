"""Protocol grammar: readable strings → typed steps, and clear errors."""

import pytest

from ssbstack.config.protocol import ProtocolError, RampBlock, RepeatBlock, expand, parse_step


def test_strip_plate_rest_hold():
    strip = parse_step("Strip at 0.5 mA/cm2 for 30 minutes")
    assert (strip.kind, strip.current_density, strip.duration) == ("galvanostatic", 5.0, 1800.0)
    plate = parse_step("plate at 1 mA/cm2 for 1 h or until 0.2 V")
    assert (plate.current_density, plate.duration, plate.until_voltage) == (-10.0, 3600.0, 0.2)
    rest = parse_step("Rest for 10 minutes")
    assert (rest.kind, rest.current_density, rest.duration) == ("rest", 0.0, 600.0)
    hold = parse_step("Hold at 4.2 V for 1 h or until 0.05 mA/cm2")
    assert (hold.kind, hold.voltage, hold.until_current) == ("potentiostatic", 4.2, 0.5)
    charge = parse_step("Charge at 0.3 mA/cm2 until 3 mAh/cm2")
    assert charge.current_density == -3.0 and charge.until_capacity == pytest.approx(1.08e5)
    assert parse_step("Discharge at 0.6 mA/cm2 until 3 V").current_density == 6.0


def test_ccd_ramp_expands_levels_cycles_and_signs():
    block = RampBlock(ramp="0.1 to 0.3 mA/cm2 by 0.1 mA/cm2", cycles=2,
                      steps=["Strip for 30 min", "Plate for 30 min"])
    steps = expand([block])
    assert len(steps) == 3 * 2 * 2
    assert [s.level for s in steps[:5]] == [0, 0, 0, 0, 1]
    assert [s.current_density for s in steps[:4]] == pytest.approx([1.0, -1.0, 1.0, -1.0])
    assert steps[-1].current_density == pytest.approx(-3.0)
    assert "0.3 mA/cm2" in steps[-1].label


def test_repeat_block_repeats():
    steps = expand([RepeatBlock(repeat=3, steps=["Rest for 1 s", "Strip at 1 A/m2 for 1 s"])])
    assert [s.kind for s in steps] == ["rest", "galvanostatic"] * 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Dance for 10 minutes", "cannot read step"),
        ("Strip at 0.5 mA/cm2", "never ends"),
        ("Strip for 10 minutes", "give a current"),
        ("Strip at 0.5 um for 10 minutes", "expected a current density"),
        ("Rest for -3 s", "must be positive"),
        ("Plate at 1 mA/cm2 until 3 Pa", "not a voltage or areal capacity"),
    ],
)
def test_bad_steps_are_rejected_with_a_reason(text, message):
    with pytest.raises(ProtocolError, match=message):
        parse_step(text)


def test_error_names_the_list_position():
    with pytest.raises(ProtocolError, match=r"protocol.steps\[1\]"):
        expand(["Rest for 1 s", "Strip at 1 A/m2"])
    with pytest.raises(ProtocolError, match="drop 'at'"):
        expand([RampBlock(ramp="1 to 2 A/m2 by 1 A/m2", steps=["Strip at 1 A/m2 for 1 s"])])
