"""Measures shared by the verification checks: relative error and observed convergence rates."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any


def relative(reference: float, computed: float) -> float:
    """|computed − reference| / |reference|."""
    return abs(computed - reference) / abs(reference)


def halving_rates(errors_at: Callable[[int], Sequence[float]], names: Sequence[str],
                  coarse: int = 16) -> dict[str, float]:
    """Observed rates log2(e(n)/e(2n)) of the error norms ``errors_at(n)`` returns (in the order
    of ``names``) between ``n = coarse`` and ``2 coarse`` cells per side."""
    rough, fine = errors_at(coarse), errors_at(2 * coarse)
    return {name: math.log2(c / f) for name, c, f in zip(names, rough, fine, strict=True)}


def cached_halving_rates(cache: dict[int, dict[str, float]], comm: Any,
                         errors_at: Callable[[Any, int], Sequence[float]],
                         names: Sequence[str]) -> dict[str, float]:
    """``halving_rates`` of ``errors_at(comm, n)``, computed once per communicator (several
    checks read the rates of one pair of solves)."""
    key = comm.py2f()
    if key not in cache:
        cache[key] = halving_rates(lambda n: errors_at(comm, n), names)
    return cache[key]


def rate_check(expected: float, rate: float, tolerance: float = 0.05
               ) -> tuple[float, float, float, float]:
    """A convergence-rate check's (expected rate, observed rate, relative error, tolerance)."""
    return expected, rate, relative(expected, rate), tolerance
