"""Plating-side failure: named criteria evaluated on the coupled state (physics.md §3.6, §7).

The :class:`~ssbstack.numerics.coupled.CoupledModel` hands this object, after every accepted
state, what it has at the contact pairs (global arrays, identical on every rank): the gaps, the
facet-averaged current per nominal area w_p (A/m², anodic positive) and the facet-averaged
contact indicator c_p = ∫χ v_p / ∫v_p that the electrochemistry used, and the net current
(which electrode plates). Two criteria, each optional (``[coupling.plating]``):

- **flaw**: the Li in an SE surface flaw of depth a is at the contact pressure p_Li of the
  plating electrode's pairs (:func:`ssbstack.physics.mechanics.contact_pressure` of the gap);
  the flaw cracks when K = Y p_Li √(π a) ≥ K_IC, K_IC the electrolyte's ``fracture_toughness``.
  Flaws are assumed everywhere on the plating interface (the worst pair counts) unless a
  ``position`` names one (the nearest pair). Column ``flaw_stress_intensity_ratio`` = K / K_IC.
  Bulk creep gives contact pressures of order the stack pressure (MPa), far below the ~10² MPa
  a 10 µm flaw in LLZO needs: this criterion does not fire from bulk creep alone.
- **local current**: the plating current per area in contact averaged over a window of width ℓ
  along the interface, J_ℓ(x_p) = −Σ_q K_pq A_q w_q / Σ_q K_pq A_q c_q over the pairs q of the
  same interface, with the hat weight K_pq = max(0, 1 − 2|x_q − x_p|/ℓ) (≈ −∫K χ j dA / ∫K χ dA;
  a hat, not a box, so that no pair enters the window with a jump), at every pair in contact
  (c_p ≥ 1/2: a window centred in a void would average a rim's current over the rim alone),
  fails the cell when it reaches ``critical``. Nodal currents at a singular contact edge do not
  converge with the mesh; this window average does once ℓ spans a few elements
  (``plating.local_current_window``). Column ``plating_current_ratio`` = max J_ℓ / critical.

At rest (no net current) nothing plates: the columns are nan and nothing is checked. Ties (a
uniform pressure) go to the first pair in the global pair order, so every rank and every number
of ranks name the same place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ssbstack.config.coupling import Plating
from ssbstack.config.schema import Case
from ssbstack.physics.mechanics import contact_pressure

ELECTRODE_NAMES = {0: "bottom", -1: "top"}
FLAW_COLUMNS = ["flaw_stress_intensity_ratio", "flaw_li_pressure_Pa"]
CURRENT_COLUMNS = ["plating_current_ratio", "windowed_plating_current_A_m2"]
TIE = 1e-9  # relative: values within this of the maximum count as the maximum


@dataclass(frozen=True)
class PlatingFailure:
    """Which criterion ended the run, and the message naming the place and the state."""

    mode: str  # "plating_flaw" | "plating_current"
    message: str


class PlatingCriteria:
    """The named plating criteria of one run over fixed contact pairs (the same on every rank)."""

    def __init__(self, config: Plating, toughness: float | None, x: np.ndarray,
                 area: np.ndarray, electrode: np.ndarray, interface: np.ndarray,
                 coupled: np.ndarray, normal_stiffness: float, gdim: int):
        """``x`` pair coordinates (pairs × 3, m), ``area`` lumped pair areas (m²), ``electrode``
        0 bottom / −1 top, ``interface`` index of each pair's interface, ``coupled`` the pairs of
        coupled interfaces, ``normal_stiffness`` k_n (Pa/m), ``toughness`` K_IC (Pa √m)."""
        self.config, self.toughness = config, toughness
        self.x, self.area, self.electrode = x, area, electrode
        self.coupled, self.normal_stiffness = coupled, normal_stiffness
        self.in_plane = max(gdim - 1, 1)  # interfaces are normal to the last coordinate
        self.flaw_pair: dict[int, int] = {}
        if config.flaw is not None and config.flaw.position:
            where = np.asarray(config.flaw.position, dtype=float)
            for which in ELECTRODE_NAMES:
                mine = np.flatnonzero(self.coupled & (electrode == which))
                if mine.size:
                    distance = np.linalg.norm(x[mine, :self.in_plane] - where, axis=1)
                    self.flaw_pair[which] = int(mine[np.argmin(distance)])
        self.rows = self.cols = np.zeros(0, dtype=np.int64)
        self.weights = np.zeros(0)
        if config.local_current is not None:
            self.rows, self.cols, self.weights = hat_windows(x, interface, coupled,
                                                          0.5 * config.local_current.window)

    def columns(self) -> list[str]:
        """The timeseries columns of the named criteria."""
        return ((FLAW_COLUMNS if self.config.flaw is not None else [])
                + (CURRENT_COLUMNS if self.config.local_current is not None else []))

    def windowed_current(self, current: np.ndarray, contact: np.ndarray) -> np.ndarray:
        """J_ℓ at every pair (A/m², plating positive): −Σ A w / Σ A c over its window; 0 on
        pairs out of contact (c < 1/2: a window centred in a void would average the rim's
        current over the rim alone) and on pairs without a window."""
        count, rows, weights = self.area.size, self.rows, self.weights
        passed = np.bincount(rows, weights * (self.area * current)[self.cols], minlength=count)
        touching = np.bincount(rows, weights * (self.area * contact)[self.cols], minlength=count)
        window = np.bincount(rows, weights * self.area[self.cols], minlength=count)
        out = np.zeros(count)
        on = (touching > 1e-9 * window) & (contact >= 0.5 - 1e-9)
        out[on] = -passed[on] / touching[on]
        return out

    def evaluate(self, gaps: np.ndarray, current: np.ndarray, contact: np.ndarray,
                 net_current: float, time: float) -> tuple[dict[str, float], PlatingFailure | None]:
        """The criterion columns and the first criterion crossed (None if none) of one state:
        pair ``gaps`` (m), facet-averaged pair ``current`` per nominal area (A/m², anodic
        positive), facet-averaged ``contact`` indicator, ``net_current`` (A/m², positive strips
        the bottom electrode) at ``time`` (s)."""
        values = dict.fromkeys(self.columns(), math.nan)
        if net_current == 0.0:
            return values, None
        which = -1 if net_current > 0 else 0  # the electrode that plates
        mine = self.coupled & (self.electrode == which)
        if not mine.any():
            return values, None
        state = (f"t = {time:.6g} s, plating {ELECTRODE_NAMES[which]} at "
                 f"{abs(net_current) / 10.0:.4g} mA/cm²")
        failures = []
        flaw = self.config.flaw
        if flaw is not None:
            pressures = np.where(mine, contact_pressure(gaps, self.normal_stiffness), -np.inf)
            pair = self.flaw_pair.get(which, _worst(pressures))
            pressure = float(pressures[pair])
            ratio = (flaw.geometry_factor * pressure * math.sqrt(math.pi * flaw.depth)
                     / self.toughness)
            values |= {"flaw_stress_intensity_ratio": ratio, "flaw_li_pressure_Pa": pressure}
            if ratio >= 1.0:
                failures.append(PlatingFailure("plating_flaw", (
                    f"plating-limited failure (flaw): Li pressure {pressure / 1e6:.4g} MPa "
                    f"at x = {self._where(pair)} µm on the {ELECTRODE_NAMES[which]} electrode "
                    f"gives Y p √(π a) / K_IC = {ratio:.4g} ≥ 1 (a = {flaw.depth * 1e6:.4g} "
                    f"µm, Y = {flaw.geometry_factor:.4g}, K_IC = {self.toughness / 1e6:.4g} "
                    f"MPa √m; {state})")))
        local = self.config.local_current
        if local is not None:
            windowed = np.where(mine, self.windowed_current(current, contact), -np.inf)
            pair = _worst(windowed)
            peak = float(windowed[pair])
            ratio = peak / local.critical
            values |= {"plating_current_ratio": ratio, "windowed_plating_current_A_m2": peak}
            if ratio >= 1.0:
                failures.append(PlatingFailure("plating_current", (
                    f"plating-limited failure (local current): plating current per area in "
                    f"contact over a {local.window * 1e6:.4g} µm window "
                    f"{peak / 10.0:.4g} mA/cm² at x = {self._where(pair)} µm on the "
                    f"{ELECTRODE_NAMES[which]} electrode ≥ the critical "
                    f"{local.critical / 10.0:.4g} mA/cm² (ratio {ratio:.4g}; {state})")))
        return values, (failures[0] if failures else None)

    def _where(self, pair: int) -> str:
        """In-plane coordinates of a pair, µm."""
        return ", ".join(f"{round(value * 1e6, 3) + 0.0:.4g}"
                         for value in self.x[pair, :self.in_plane])


def _worst(values: np.ndarray) -> int:
    """Index of the largest value; the first of those within TIE of it (deterministic)."""
    top = float(np.max(values))
    return int(np.flatnonzero(values >= top - TIE * abs(top))[0])


def hat_windows(x: np.ndarray, interface: np.ndarray, coupled: np.ndarray, half: float,
             block: int = 512) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, weight) of every coupled pair with every coupled pair of the same interface
    within ``half`` (m, Euclidean: along a flat interface), weight 1 − d/half (a hat window: no
    jump where a pair enters it, so the quadrature error does not depend on where the window's
    ends fall between pairs); built once."""
    rows, cols = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    weights = [np.zeros(0)]
    for number in np.unique(interface[coupled]):
        members = np.flatnonzero(coupled & (interface == number))
        points = x[members]
        for start in range(0, members.size, block):
            distance = np.sqrt(np.sum((points[start:start + block, None, :]
                                       - points[None, :, :]) ** 2, axis=-1))
            i, j = np.nonzero(distance < half)
            rows.append(members[start + i])
            cols.append(members[j])
            weights.append(1.0 - distance[i, j] / half)  # (1 everywhere for half = inf)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(weights)


def plating_criteria(case: Case, contact: Any, coupled: np.ndarray) -> PlatingCriteria | None:
    """The criteria of ``case.coupling.plating`` over the pairs of a
    :class:`~ssbstack.numerics.contact.NodeContact` (None when the case names none)."""
    config = case.coupling.plating
    if config is None:
        return None
    toughness = case.material(case.electrolyte.name).fracture_toughness
    pairs = contact.pairs
    return PlatingCriteria(config, toughness, pairs["x"], pairs["area"], contact.electrode,
                           pairs["interface"], coupled, contact.normal_stiffness, contact.gdim)
