"""Void nucleation rule c in the coupled step (physics.md §3.5, §7): the vacancy field under the
contact pairs (:class:`~ssbstack.numerics.vacancy.VacancyField`), what holds each pair shut, the
step's largest nucleation margins and the sub-step limits the rule sets.

:class:`~ssbstack.numerics.coupled.CoupledModel` owns one (``nucleation = "vacancy"``) and hands
it, after each accepted sub-step, the pair currents and gaps; the rule answers which pairs are
voids (they carry no current from the next sub-step: staggered).

Time steps. The transient rule caps sub-steps so that R T c_v moves by at most a tenth of what
holds the interface (τ_v/2 to start, never below τ_v/10). The quasi-steady rule has no time
scale of its own, so it is evaluated at each time step's start under the step's current (a
current that has just risen acts at once) and a sub-step that moves the largest nucleation
margin Π/(p_c + σ_nuc) by more than 2 × ``margin_change_tolerance`` (relative) is redone
smaller, down to τ_v: the margin's peak after a current change is what a fitted τ_v rests on.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ssbstack.config.coupling import Vacancy
from ssbstack.numerics.vacancy import VacancyField, steady_osmotic_pressure
from ssbstack.physics.mechanics import contact_pressure

ELECTRODES = ((0, "bottom"), (-1, "top"))  # contact-pair electrode index, column name


def stripping_electrode(current: float) -> tuple[int, str]:
    """(contact-pair index, name) of the electrode a current density ``current`` (A/m²) strips:
    positive strips the bottom (at rest: the top)."""
    return ELECTRODES[0] if current > 0 else ELECTRODES[1]


class NucleationRule:
    """Rule c on the pairs of one contact (the same numbers on every rank)."""

    def __init__(self, config: Vacancy, electrode: np.ndarray, coupled: np.ndarray,
                 normal_stiffness: float, temperature: float):
        self.config, self.temperature = config, temperature
        self.electrode, self.coupled = electrode, coupled
        self.normal_stiffness = normal_stiffness
        self.field = VacancyField(config, electrode.size)
        self.margin = {name: 0.0 for _, name in ELECTRODES}  # largest Π/holding this step
        self.last_margin = 0.0  # that of the last accepted sub-step where the rule acts now
        # longest sub-step, s: the transient rule's (τ_v/2 to start, then set by its change)
        self.longest = math.inf if config.quasi_steady else 0.5 * config.lifetime
        self.accepted_longest = self.longest

    @property
    def alive(self) -> np.ndarray:
        """0 on pairs where a void has nucleated, else 1."""
        return (~self.field.nucleated).astype(float)

    def holding(self, gaps: np.ndarray) -> np.ndarray:
        """What holds each pair shut against vacancy condensation, p_c + σ_nuc (Pa), at the
        pair ``gaps`` (m)."""
        return contact_pressure(gaps, self.normal_stiffness) + self.config.nucleation_stress

    def stripping(self, current: float) -> np.ndarray:
        """The pairs of the electrode the applied ``current`` strips (A/m², positive strips the
        bottom; at rest none)."""
        return (self.electrode == stripping_electrode(current)[0]) & (current != 0.0)

    def acting(self, current: float) -> np.ndarray:
        """The pairs where the rule acts under the applied ``current``: coupled, stripping."""
        return self.stripping(current) & self.coupled

    def begin_step(self) -> None:
        """A new time step: its largest margins start from 0."""
        self.margin = {name: 0.0 for _, name in ELECTRODES}

    def advance(self, h: float, pair_current: np.ndarray, gaps: np.ndarray,
                current: float) -> None:
        """The profiles over an accepted sub-step of ``h`` s (0: the step's start,
        quasi-steady only) under the ``pair_current`` (A/m²) at the pair ``gaps`` (m) and the
        applied ``current`` (A/m²); voids nucleate where R T c_v passes the holding."""
        holding = self.holding(gaps)
        before = self.field.osmotic_pressure(self.temperature)
        self.field.advance(h, np.where(self.coupled, pair_current, 0.0), holding,
                           self.temperature, self.stripping(current))
        acting = self.acting(current)
        ratio = self.field.osmotic_pressure(self.temperature) / holding
        self.last_margin = float(ratio[acting].max(initial=0.0))
        for which, name in ELECTRODES:  # the step's largest where the rule acts: ≥ 1 ⇔ a void
            # (a film can strip Li locally from the plating electrode; the rule ignores it there)
            mine = (self.electrode == which) & acting
            self.margin[name] = max(self.margin[name], float(ratio[mine].max(initial=0.0)))
        if self.config.quasi_steady:
            return
        change = float(np.max(np.abs(self.field.osmotic_pressure(self.temperature) - before)
                              / holding, initial=0.0))
        self.longest = max(0.1 * self.config.lifetime, h * min(2.0, 0.1 / max(change, 1e-12)))

    def margin_change(self, h: float, pair_current: np.ndarray, gaps: np.ndarray,
                      current: float) -> float:
        """Quasi-steady: the relative change of the largest margin over a sub-step of ``h`` s
        just solved (its ``pair_current`` at its ``gaps`` against the last accepted state's),
        over ``margin_change_tolerance``. 0 for the transient rule, at rest, for a sub-step of
        τ_v or less (the rule's own scale) and once the margin reaches 1 (voids nucleate)."""
        if not self.config.quasi_steady or h <= self.config.lifetime or current == 0.0:
            return 0.0
        ratio = steady_osmotic_pressure(self.config, np.where(self.coupled, pair_current, 0.0),
                                        self.temperature) / self.holding(gaps)
        new = float(ratio[self.acting(current)].max(initial=0.0))
        if new >= 1.0:
            return 0.0
        old = self.last_margin
        return abs(new - old) / max(new, old, 1e-300) / self.config.margin_change_tolerance

    def accept(self) -> None:
        self.field.accept()
        self.accepted_longest = self.longest

    def reject(self) -> None:
        self.field.reject()
        self.longest = self.accepted_longest

    def state(self) -> np.ndarray:
        """The accepted vacancy profiles and nucleated flags (see ``VacancyField.state``)."""
        return self.field.state()

    def restore(self, rows: np.ndarray, longest: float | None = None) -> None:
        """Set the accepted state from :meth:`state` rows (and the transient sub-step cap)."""
        self.field.restore(rows)
        if longest is not None:
            self.accepted_longest = self.longest = longest

    def values(self, area_fraction: Callable[[int, np.ndarray], float]) -> dict[str, float]:
        """Output columns: the void area fraction (``area_fraction(which, per-pair values)``),
        the largest vacancy pressure (Pa) and the step's largest margin of each electrode."""
        osmotic = self.field.osmotic_pressure(self.temperature)
        values = {}
        for which, name in ELECTRODES:
            mine = (self.electrode == which) & self.coupled
            values[f"nucleated_fraction_{name}"] = area_fraction(
                which, self.field.nucleated.astype(float))
            values[f"max_vacancy_pressure_{name}_Pa"] = float(osmotic[mine].max(initial=0.0))
            values[f"vacancy_margin_{name}"] = self.margin[name]
        return values
