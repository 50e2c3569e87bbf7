"""scripts/holder_stiffness.py: series/parallel arithmetic and the part formulas on hand-computed
examples (no solver)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from conftest import script_module

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def holder():
    yield from script_module("holder_stiffness")


def test_series_and_parallel_by_hand(holder):
    # 1e8 and 3e8 N/m in series: 1/(1e-8 + 3.333e-9) = 7.5e7 N/m; in parallel 4e8 N/m
    assert holder.series(1e8, 3e8) == pytest.approx(7.5e7, rel=1e-12)
    assert holder.parallel(1e8, 3e8) == pytest.approx(4e8, rel=1e-12)
    # two equal springs: half in series, double in parallel
    assert holder.series(2e8, 2e8) == pytest.approx(1e8, rel=1e-12)
    part = holder.Part("bolt", 5e7, 3, "parallel", "")
    assert part.stiffness == pytest.approx(1.5e8, rel=1e-12)
    assert holder.Part("rod", 5e7, 2, "series", "").stiffness == pytest.approx(2.5e7, rel=1e-12)


def test_part_formulas_by_hand(holder):
    # Ti rod, 10 mm diameter, 25 mm long, E = 110 GPa: 110e9 * pi * 0.005^2 / 0.025 = 3.456e8 N/m
    rod = holder.axial(110e9, holder.circle_area(0.010), 0.025)
    assert rod == pytest.approx(110e9 * math.pi * 25e-6 / 0.025, rel=1e-12)
    assert rod == pytest.approx(3.4558e8, rel=1e-4)
    # flat punch of radius 5 mm, identical materials E = 200 GPa, nu = 0: 2 r E/2 = 1e9 N/m
    assert holder.flat_punch(0.005, 200e9, 0.0, 200e9, 0.0) == pytest.approx(1e9, rel=1e-12)
    # a thin plate (shear negligible): the point-load formula; a = 25 mm, t = 1 mm, nu = 0.3
    young, nu, t, a = 200e9, 0.3, 1e-3, 0.025
    rigidity = young * t**3 / (12 * (1 - nu**2))
    bending = 16 * math.pi * rigidity * (1 + nu) / (a**2 * (3 + nu))
    assert holder.plate_centre(young, nu, t, a, 0.005) == pytest.approx(bending, rel=0.01)


def test_total_is_the_parts_in_series_and_the_report_lists_every_input(holder):
    values = holder.values_at("nominal")
    groups = [part.stiffness for part in holder.parts(values)]
    assert holder.total(values) == pytest.approx(1 / sum(1 / k for k in groups), rel=1e-12)
    assert holder.total(values) < min(groups)
    ends = [holder.total(holder.values_at(end)) for end in ("compliant", "nominal", "stiff")]
    assert ends == sorted(ends)
    text = holder.report()
    for name in holder.DIMENSIONS:
        assert name in text
    assert f"{holder.total(values):.3g}" in text
