"""report.md's comparison of simulated and measured targets on a synthetic time series."""

import pytest

from ssbstack.config.schema import Target
from ssbstack.numerics.runner import RunSummary
from ssbstack.post.report import simulated_value

COLUMNS = {"time_s": ["0", "1800", "3600"], "stack_pressure_Pa": ["25e6", "23e6", "22e6"]}


@pytest.mark.parametrize(("measure", "at", "expected"), [
    ("value", 900.0, 24e6),  # linear interpolation between rows
    ("drop", 2700.0, 25e6 - 22.5e6),
    ("final", None, 22e6),
    ("swing", None, 25e6 - 22e6),
])
def test_measures_read_the_column(measure, at, expected):
    target = Target(value=2.2, unit="MPa", measure=measure, column="stack_pressure_Pa", at=at)
    value, reason = simulated_value("p", target, RunSummary(), COLUMNS)
    assert value == pytest.approx(expected) and reason == ""


def test_out_of_range_time_and_missing_column_are_explained():
    late = Target(value=1, measure="value", column="stack_pressure_Pa", at=7200.0)
    assert simulated_value("p", late, RunSummary(), COLUMNS)[1].startswith("t = 7200 s is outside")
    missing = Target(value=1, measure="final", column="voltage_V")
    assert "not in timeseries.csv" in simulated_value("v", missing, RunSummary(), COLUMNS)[1]


def test_ccd_of_a_failed_and_of_an_unfailed_ramp():
    target = Target(value=2.4, unit="mA/cm2")
    assert simulated_value("ccd", target, RunSummary(ccd_A_m2=30.0), COLUMNS)[0] == 30.0
    value, reason = simulated_value("ccd", target, RunSummary(ccd_above_A_m2=30.0), COLUMNS)
    assert value is None and "no failure mechanism is active" in reason


def test_incomplete_targets_are_rejected():
    with pytest.raises(ValueError, match="needs a column"):
        Target(value=1, measure="drop", at=10.0)
    with pytest.raises(ValueError, match="needs a time"):
        Target(value=1, measure="value", column="x")
    with pytest.raises(ValueError, match="unknown unit"):
        Target(value=1, unit="furlongs")
