"""Plated Li spreads over the Li surface next to where it enters (``coupling.plating_spread_length``).

The plating current enters the Li where it touches the electrolyte, but the deposit does not stay
a column on that spot: Li deposited at the rim of a contact wets the electrolyte and spreads along
the free Li surface (surface diffusion), so plating refills the voids next to a contact
(physics.md §3.5: "plating refills voids"). Without it every plated atom lifts the electrolyte
where it enters, the contact rims (which plate fastest) carry the stack, and at low stack pressure
the plating electrode's contact collapses onto a few spots.

Each pair's plating speed v_q (< 0) is exchanged with the pairs of its interface within ℓ, with
the symmetric hat k_pq = 1 − d_pq/ℓ:

    v_p ← v_p,strip + v_p,plate + Σ_q (A_q k_pq / M) (v_q,plate − v_p,plate),
    M = max_p Σ_q A_q k_pq over the interface's pairs p,

one explicit diffusion step of the deposit along the surface. Because k is symmetric,
Σ_p A_p v_p is unchanged (the Li balance holds to round-off); a uniform deposit stays uniform
(an earlier one-sided form, each source shared out over its own window, did not: at the ends of
an interface and where pair areas change it made a flat deposit uneven and lifted the
electrolyte); and no weight is negative (M bounds every row), so plating stays plating.
With ℓ = ∞ (``coupling.plating_levels = "interface"``) k = 1 and every pair of an interface
takes the interface's mean plating speed: the deposit refills the voids. Stripping is left where
the current leaves. ℓ is an assumed length (a surface-diffusion reach), not a fitted one.

``coupling.plating_levels = "contact"`` (``ContactLevelling``) levels the deposit over the Li that
conducts (χ > 0: within the conducting gap g_c of the electrolyte) only: each such pair of an
interface plates at Σ_q A_q v_q / Σ_{q: χ_q > 0} A_q. The deposit under a contact stays flat (the
contact rims, which carry the most current, do not outgrow the patch centre and lift it), and no
Li enters a void, where no current crosses. The weight is a step, not χ itself: weighting by χ
gives a rim pair with 0 < χ < 1 less Li than the electrode rises, so its gap grows, its χ falls
and the contact erodes from its rims (on source A's CE1 RVE the plating electrode went from 0.28
to 0.19 contact in 60 s at 0.1 mA/cm²).
"""

from __future__ import annotations

import numpy as np

from ssbstack.numerics.plating import hat_windows


class PlatingSpread:
    """Conservative, uniform-preserving exchange of plating motion over ℓ along each interface."""

    def __init__(self, x: np.ndarray, area: np.ndarray, interface: np.ndarray,
                 coupled: np.ndarray, length: float):
        self.area = np.asarray(area, dtype=float)
        self.rows, self.cols, weights = hat_windows(x, interface, coupled, length)
        # exchange weight of source q (cols) into destination p (rows): A_q k_pq / M, with M the
        # largest reach Σ_q A_q k_pq on p's interface (a constant per interface: symmetric)
        reach = np.zeros(len(self.area))
        np.add.at(reach, self.rows, self.area[self.cols] * weights)
        largest = np.zeros(int(interface.max(initial=0)) + 1)
        np.maximum.at(largest, interface[self.rows], reach[self.rows])
        self.weight = self.area[self.cols] * weights / np.maximum(
            largest[interface[self.rows]], 1e-300)

    def apply(self, velocity: np.ndarray, chi: np.ndarray | None = None) -> np.ndarray:
        """Pair surface speeds (m/s, positive strips) with the plating part spread (``chi``,
        the contact indicator, is not used: the spread reaches the free surface too)."""
        plating = np.minimum(velocity, 0.0)
        exchange = np.zeros(len(velocity))
        np.add.at(exchange, self.rows, self.weight * (plating[self.cols] - plating[self.rows]))
        return np.maximum(velocity, 0.0) + plating + exchange


class ContactLevelling:
    """Plated Li levelled over the conducting pairs (χ > 0) of each interface; conservative."""

    def __init__(self, area: np.ndarray, interface: np.ndarray, coupled: np.ndarray):
        self.area = np.asarray(area, dtype=float)
        self.interface = np.where(coupled, interface, -1) + 1  # 0: uncoupled pairs, left alone
        self.count = int(self.interface.max(initial=0)) + 1

    def apply(self, velocity: np.ndarray, chi: np.ndarray) -> np.ndarray:
        """Pair surface speeds (m/s, positive strips) with the plating part levelled over the
        pairs of each interface whose contact indicator ``chi`` is positive."""
        plating = np.minimum(velocity, 0.0)
        conducting = (np.asarray(chi) > 0.0).astype(float)
        deposit = np.bincount(self.interface, self.area * plating, minlength=self.count)
        touching = np.bincount(self.interface, self.area * conducting, minlength=self.count)
        speed = deposit / np.maximum(touching, 1e-300)  # m/s, per interface
        levelled = np.where(self.interface > 0, conducting * speed[self.interface], plating)
        return np.maximum(velocity, 0.0) + levelled
