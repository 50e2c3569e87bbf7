"""The contact indicator χ of the contact pairs and its sums over the interface (physics.md §7).

χ_p = clip(1 − g_p/g_c, 0, 1) says how much of pair p's facet passes current at a gap g_p
(g_c = ``coupling.conducting_gap``). :class:`ContactIndicator` holds what the coupled step
(:class:`~ssbstack.numerics.coupled.CoupledModel`) needs of the pairs for it: χ, the next χ of
its contact iteration, area sums (currents) and an electrode's contact fraction. Plain numpy:
every rank holds every pair.
"""

from __future__ import annotations

import math

import numpy as np


class ContactIndicator:
    """χ of each contact pair; pairs of uncoupled interfaces count as closed (χ = 1)."""

    def __init__(self, area: np.ndarray, electrode: np.ndarray, coupled: np.ndarray,
                 conducting_gap: float):
        """``area`` (m²), ``electrode`` (0 bottom, −1 top) and ``coupled`` (bool) per pair;
        ``conducting_gap`` g_c (m)."""
        self.area, self.electrode, self.coupled = area, electrode, coupled
        self.conducting_gap = conducting_gap

    def chi(self, gaps: np.ndarray, alive: np.ndarray | float = 1.0) -> np.ndarray:
        """χ = clip(1 − g/g_c, 0, 1) of every pair at ``gaps`` (m), times ``alive`` (0 where a
        vacancy void has nucleated); 1 on pairs of uncoupled interfaces."""
        chi = np.clip(1.0 - gaps / self.conducting_gap, 0.0, 1.0)
        return np.where(self.coupled, chi * alive, 1.0)

    def update(self, chi: np.ndarray, target: np.ndarray, base: np.ndarray, full: np.ndarray,
               alive: np.ndarray | float = 1.0) -> np.ndarray:
        """The next χ of the contact iteration: per pair, the fixed point of
        χ = clip(1 − g(χ)/g_c) with the gap linear in the pair's own stripping,
        g(χ) = ``base`` + χ ``full`` (``base``: the gap without this sub-step's stripping, m;
        ``full``: the stripping of the pair's current per area in contact, m). Solved in closed
        form where the pair strips (full ≥ 0) and is open at ``target`` (the χ of the gaps the
        mechanics gave); elsewhere (closed: the stack followed; or plating) ``target``. The
        mechanical response to the pair's own stripping is left out: the next iteration
        corrects it. Uncoupled pairs keep ``chi``."""
        scale = self.conducting_gap
        stripping = np.clip((1.0 - base / scale) / (1.0 + np.maximum(full, 0.0) / scale), 0.0, 1.0)
        update = np.where((full >= 0.0) & (target < 1.0), stripping, target) * alive
        return np.where(self.coupled, update, chi)

    def charge(self, values: np.ndarray) -> float:
        """Σ A_p |values_p| over the coupled pairs (A/m² in: a current, A)."""
        return float(np.sum(self.area[self.coupled] * np.abs(values[self.coupled])))

    def area_fraction(self, which: int, values: np.ndarray) -> float:
        """Area average of per-pair ``values`` over electrode ``which``'s coupled pairs (nan if
        it has none)."""
        mine = (self.electrode == which) & self.coupled
        area = float(self.area[mine].sum())
        return float(self.area[mine] @ values[mine]) / area if area > 0 else math.nan
