"""SubstepSize: the coupled sub-step's size after failures and accepted sub-steps."""

from __future__ import annotations

import math

import pytest

from ssbstack.numerics.substep_size import CEILING_BELOW, CEILING_RISE, SubstepSize


def test_after_a_failure_the_size_stays_below_it_and_the_ceiling_rises_per_accepted_substep():
    size = SubstepSize()
    assert size.after_success(2.0, 1.5, 1e-3) == 3.0  # no failure yet: no ceiling
    h = size.after_failure(10.0, 0.5, 1e-3)
    assert h == 5.0 and size.ceiling == CEILING_BELOW * 10.0
    sizes = []
    for _ in range(6):
        h = size.after_success(h, 1.5, 1e-3)
        sizes.append(h)
    # 1.5× growth alone would retry 7.5, then 11.25 (above the failed 10) at the 2nd sub-step
    expected = [min(5.0 * 1.5, 7.5 * CEILING_RISE)]
    for k in range(2, 7):
        expected.append(7.5 * CEILING_RISE**k)
    assert sizes == pytest.approx(expected, rel=1e-14)
    assert sizes[2] < 10.0 < sizes[3]  # above the failed size from the 4th accepted sub-step


def test_caps_and_minimum_bound_the_size():
    size = SubstepSize()
    assert size.after_success(4.0, 1.5, 1e-3, 5.0, math.inf) == 5.0
    assert size.after_failure(2e-3, 0.1, 1e-3) == 1e-3
    assert size.after_success(1e-3, 0.5, 1e-3) == 1e-3


def test_a_rejected_time_step_returns_to_the_accepted_size_and_ceiling():
    size = SubstepSize()
    size.next = 8.0
    size.accept()
    size.after_failure(8.0, 0.5, 1e-3)
    size.next = 4.0
    size.reject()
    assert (size.next, size.ceiling) == (8.0, math.inf)
    size.after_failure(8.0, 0.5, 1e-3)
    size.next = 4.0
    size.accept()
    size.reject()
    assert (size.next, size.ceiling) == (4.0, 6.0)
    size.restore(3.0)
    assert (size.accepted_next, size.accepted_ceiling, size.ceiling) == (3.0, math.inf, math.inf)
