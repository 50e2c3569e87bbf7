"""The size of the coupled sub-steps (:class:`~ssbstack.numerics.coupled.CoupledModel`) from
one sub-step to the next and across time steps: the next size, and a ceiling after a failure.

A sub-step is sized by its own outcome (a growth or cut factor) and by caps of the models (the
creep controller's proposal, the vacancy rule's longest sub-step). After a failed sub-step of
h the next ones also stay below ``CEILING_BELOW`` × h, a ceiling that rises by ``CEILING_RISE``
per accepted sub-step: growing 1.5× straight back into the size that had failed cost CE1's RVE
a failed sub-step (as much wall time as ~3 accepted ones) every ~4 accepted ones at
0.1 mA/cm² (README, Source A).
"""

from __future__ import annotations

import math

CEILING_BELOW = 0.75
CEILING_RISE = 1.1


class SubstepSize:
    """The next coupled sub-step size (s) and its ceiling (s), with an accepted copy of both
    (the state of the last accepted time step, which a rejected one returns to)."""

    def __init__(self) -> None:
        self.next = self.accepted_next = math.inf
        self.ceiling = self.accepted_ceiling = math.inf

    def after_failure(self, h: float, factor: float, minimum: float) -> float:
        """The size (s) to retry with after a failed sub-step of ``h`` s, cut by ``factor``
        (not below ``minimum``); the ceiling drops below ``h``."""
        self.ceiling = CEILING_BELOW * h
        return max(minimum, h * factor)

    def after_success(self, h: float, factor: float, minimum: float, *caps: float) -> float:
        """The size (s) after an accepted sub-step of ``h`` s: ``h`` × ``factor``, under the
        ceiling (which rises) and ``caps``, not below ``minimum``."""
        self.ceiling *= CEILING_RISE
        return max(minimum, min(h * factor, self.ceiling, *caps))

    def accept(self) -> None:
        """Keep the size and ceiling of the time step just accepted."""
        self.accepted_next, self.accepted_ceiling = self.next, self.ceiling

    def reject(self) -> None:
        """Return to the last accepted size and ceiling."""
        self.next, self.ceiling = self.accepted_next, self.accepted_ceiling

    def restore(self, next_size: float, ceiling: float = math.inf) -> None:
        """Set both (and their accepted copies) from a checkpoint."""
        self.next = self.accepted_next = next_size
        self.ceiling = self.accepted_ceiling = ceiling
