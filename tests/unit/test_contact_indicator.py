"""ContactIndicator: χ of the contact pairs, the contact iteration's update and area sums."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ssbstack.numerics.contact_indicator import ContactIndicator

GAP = 20e-9  # m


def indicator(coupled: list[bool] | None = None) -> ContactIndicator:
    area = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    electrode = np.array([0, 0, 0, -1, -1])
    coupled_pairs = np.array(coupled if coupled is not None else [True] * 5)
    return ContactIndicator(area, electrode, coupled_pairs, GAP)


def test_chi_is_linear_in_the_gap_up_to_the_conducting_gap():
    gaps = np.array([-5e-9, 0.0, 10e-9, 20e-9, 1e-6])
    assert indicator().chi(gaps) == pytest.approx([1.0, 1.0, 0.5, 0.0, 0.0], abs=1e-15)
    alive = np.array([1.0, 0.0, 1.0, 1.0, 1.0])  # a vacancy void on the second pair
    assert indicator().chi(gaps, alive) == pytest.approx([1.0, 0.0, 0.5, 0.0, 0.0], abs=1e-15)
    uncoupled = indicator([True, True, True, False, False])
    assert uncoupled.chi(gaps) == pytest.approx([1.0, 1.0, 0.5, 1.0, 1.0], abs=1e-15)


def test_update_is_the_fixed_point_of_chi_with_the_gap_linear_in_the_own_stripping():
    rng = np.random.default_rng(3)
    base = rng.uniform(-10e-9, 30e-9, 200)
    full = rng.uniform(0.0, 50e-9, 200)
    contact = ContactIndicator(np.ones(200), np.zeros(200, dtype=int), np.ones(200, dtype=bool),
                               GAP)
    chi = contact.update(np.zeros(200), np.zeros(200), base, full)
    assert np.all((chi >= 0.0) & (chi <= 1.0))
    assert chi == pytest.approx(np.clip(1.0 - (base + chi * full) / GAP, 0.0, 1.0), abs=1e-12)
    assert np.any((chi > 0.0) & (chi < 1.0))  # partly conducting pairs were tested


def test_update_keeps_the_mechanics_answer_where_closed_or_plating_and_chi_where_uncoupled():
    contact = indicator([True, True, True, True, False])
    chi = np.full(5, 0.3)
    target = np.array([1.0, 0.2, 0.2, 0.4, 0.6])
    base = np.full(5, 5e-9)
    full = np.array([10e-9, -10e-9, 10e-9, 0.0, 10e-9])
    update = contact.update(chi, target, base, full)
    # closed (target 1): the stack followed; plating (full < 0): the plain update
    assert update[:2] == pytest.approx([1.0, 0.2], abs=1e-15)
    # stripping and open: closed form (1 − 0.25) / (1 + 0.5); no current: 1 − base/g_c
    assert update[2:4] == pytest.approx([0.5, 0.75], abs=1e-15)
    assert update[4] == 0.3  # uncoupled: kept
    assert contact.update(chi, target, base, full, 0.0)[:4] == pytest.approx(0.0, abs=0.0)


def test_charge_and_area_fraction_sum_the_coupled_pairs_by_area():
    contact = indicator([True, False, True, True, True])
    values = np.array([1.0, -7.0, -2.0, 0.5, 1.0])
    assert contact.charge(values) == pytest.approx(1.0 + 3.0 * 2.0 + 4.0 * 0.5 + 5.0)
    assert contact.area_fraction(0, values) == pytest.approx((1.0 - 6.0) / 4.0)
    assert contact.area_fraction(-1, values) == pytest.approx((2.0 + 5.0) / 9.0)
    bottom_only = indicator([True, True, True, False, False])
    assert math.isnan(bottom_only.area_fraction(-1, values))  # no coupled pairs: nan
