"""The interface between the protocol runner and a physics model.

The runner (:mod:`ssbstack.numerics.runner`) walks the protocol, chooses time steps and events,
writes outputs and handles failures; a model owns its fields and solvers. A model may be static
(electrochemistry without history: one solve per step end) or time dependent (creep, voids).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

Cellwise = tuple[np.ndarray, np.ndarray]  # see ssbstack.io.checkpoint


@dataclass(frozen=True)
class Control:
    """What the protocol asks of the cell during one time step (SI units)."""

    current_density: float | None  # A/m², galvanostatic (positive strips the bottom electrode)
    voltage: float | None = None  # V, potentiostatic


@dataclass
class StepResult:
    """Outcome of one attempted time step."""

    converged: bool
    iterations: int = 0
    values: dict[str, float] = field(default_factory=dict)  # one row of timeseries.csv
    message: str = ""  # why it failed: which block, what to try
    failure: str = ""  # a converged state in which the cell has failed (e.g. contact lost)
    failure_mode: str = "voltage_limit"  # short name of that failure, for the run's status
    note: str = ""  # the state in a few words, added to a failure message (e.g. contact left)
    stopped: bool = False  # abandoned on a stop request (SIGTERM) inside the step: none accepted


class Model(Protocol):
    """What every physics model offers the runner."""

    time_dependent: bool  # False: the state does not depend on time (one solve per step end)

    def columns(self) -> list[str]:
        """Column names this model adds to timeseries.csv (after time/current/voltage)."""
        ...

    def solve(self, time: float, dt: float, control: Control) -> StepResult:
        """Solve for the state at ``time`` after a step ``dt`` under ``control`` (collective)."""
        ...

    def accept(self) -> None:
        """Make the last solved state the new history (collective)."""
        ...

    def reject(self) -> None:
        """Return to the last accepted state before a retry with a smaller step (collective)."""
        ...

    def state(self) -> dict[str, Cellwise]:
        """The accepted state as cell-wise rows keyed by original cell index (collective).

        Use :mod:`ssbstack.io.checkpoint` (``function_rows``, ``geometry_rows``, ``scalar_rows``).
        """
        ...

    def restore(self, arrays: dict[str, Cellwise]) -> None:
        """Set the accepted state from checkpoint rows, on any number of ranks (collective)."""
        ...

    def write_fields(self, time: float) -> None:
        """Write field output for ParaView at ``time`` (collective)."""
        ...

    def close(self) -> None:
        """Close writers (collective)."""
        ...
