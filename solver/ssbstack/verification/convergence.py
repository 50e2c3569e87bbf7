"""Measures shared by the verification checks: relative error and observed convergence rates."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence


def relative(reference: float, computed: float) -> float:
    """|computed − reference| / |reference|."""
    return abs(computed - reference) / abs(reference)


def halving_rates(errors_at: Callable[[int], Sequence[float]], names: Sequence[str],
                  coarse: int = 16) -> dict[str, float]:
    """Observed rates log2(e(n)/e(2n)) of the error norms ``errors_at(n)`` returns (in the order
    of ``names``) between ``n = coarse`` and ``2 coarse`` cells per side."""
    rough, fine = errors_at(coarse), errors_at(2 * coarse)
    return {name: math.log2(c / f) for name, c, f in zip(names, rough, fine, strict=True)}
