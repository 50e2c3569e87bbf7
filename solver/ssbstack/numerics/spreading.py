"""Plated Li spreads over the Li surface next to where it enters (``coupling.plating_spread_length``).

The plating current enters the Li where it touches the electrolyte, but the deposit does not stay
a column on that spot: Li deposited at the rim of a contact wets the electrolyte and spreads along
the free Li surface (surface diffusion), so plating refills the voids next to a contact
(physics.md §3.5: "plating refills voids"). Without it every plated atom lifts the electrolyte
where it enters, the contact rims (which plate fastest) carry the stack, and at low stack pressure
the plating electrode's contact collapses onto a few spots.

Each pair's plating volume rate A_q v_q (v_q < 0) is shared among the pairs of its interface
within ℓ of it, in proportion to A_p k(d_pq) with the hat k = 1 − d/ℓ:

    v_p ← v_p,strip + Σ_q k_pq A_q v_q,plate / Σ_p' A_p' k_p'q,

so Σ_p A_p v_p is unchanged (the Li balance holds to round-off). Stripping is left where the
current leaves. ℓ is an assumed length (a surface-diffusion reach), not a fitted one.
"""

from __future__ import annotations

import numpy as np

from ssbstack.numerics.plating import hat_windows


class PlatingSpread:
    """Conservative redistribution of plating motion over ℓ along each interface."""

    def __init__(self, x: np.ndarray, area: np.ndarray, interface: np.ndarray,
                 coupled: np.ndarray, length: float):
        self.area = np.asarray(area, dtype=float)
        self.rows, self.cols, weights = hat_windows(x, interface, coupled, length)
        # weight of destination p (rows) for source q (cols), normalised per source
        share = self.area[self.rows] * weights
        total = np.zeros(len(self.area))
        np.add.at(total, self.cols, share)
        self.share = share / total[self.cols]

    def apply(self, velocity: np.ndarray) -> np.ndarray:
        """Pair surface speeds (m/s, positive strips) with the plating part spread."""
        plating = np.minimum(velocity, 0.0)
        volume = np.zeros(len(velocity))
        np.add.at(volume, self.rows, self.share * (self.area * plating)[self.cols])
        spread = np.zeros(len(velocity))
        mine = self.area > 0.0
        spread[mine] = volume[mine] / self.area[mine]
        return np.maximum(velocity, 0.0) + spread
