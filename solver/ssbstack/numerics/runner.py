"""The protocol runner: walks the expanded protocol, steps time, detects events, records rows.

Static models (no history) are solved once per protocol step and recorded at the step's start
and end. Time-dependent models are stepped with an adaptive dt: it grows after easy steps, is
halved after a failed solve (the model is reset to its last accepted state), and after
``numerics.max_cutbacks`` halvings the run stops with a :class:`SolverError`; everything up to the
last accepted step is already on disk.
"""

from __future__ import annotations

import math
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ssbstack.config.protocol import Step
from ssbstack.config.schema import Case
from ssbstack.errors import CaseError, SolverError
from ssbstack.numerics.model import Control, Model, StepResult

BASE_COLUMNS = ["time_s", "step", "level", "current_density_A_m2", "voltage_V"]
GROWTH = 1.5  # dt growth after an easy step
EASY_ITERATIONS = 4  # Newton iterations below which a step counts as easy


@dataclass
class RunSummary:
    """How a protocol run ended."""

    status: str = "completed"  # completed | failed_voltage_limit | stopped
    steps_completed: int = 0
    end_time_s: float = 0.0
    message: str = ""
    ccd_A_m2: float | None = None  # last fully completed ramp level (CCD protocols)
    failed_level_A_m2: float | None = None
    ccd_above_A_m2: float | None = None  # the ramp never failed: the CCD is above this level
    step_wall_seconds: list[float] = field(default_factory=list)


class ProtocolRunner:
    """Drives models through a case's protocol and hands each output row to ``record``."""

    def __init__(self, case: Case, models: Sequence[Model], record: Callable[[dict], None],
                 log: Callable[[str], None], write_fields: Callable[[float], None]):
        self.case, self.models, self.record, self.log = case, list(models), record, log
        self.write_fields = write_fields
        self.time_dependent = any(model.time_dependent for model in self.models)

    def columns(self) -> list[str]:
        """All CSV columns: the base ones, then each model's own."""
        names = list(BASE_COLUMNS)
        for model in self.models:
            names += [c for c in model.columns() if c not in names]
        return names

    def _solve(self, time: float, dt: float, control: Control) -> StepResult:
        values: dict[str, float] = {}
        iterations = 0
        for model in self.models:
            result = model.solve(time, dt, control)
            if not result.converged:
                for other in self.models:
                    other.reject()
                return result
            values |= result.values
            iterations = max(iterations, result.iterations)
        for model in self.models:
            model.accept()
        return StepResult(True, iterations, values)

    def run(self) -> RunSummary:
        """Run every protocol step (collective)."""
        steps = self.case.protocol.expanded()
        summary = RunSummary()
        time = 0.0
        state = self._solve(time, 0.0, Control(0.0))
        if not state.converged:
            raise SolverError(f"initial state: {state.message}")
        self._row(time, -1, None, 0.0, state.values)
        self.write_fields(time)
        levels = _ramp_levels(steps)
        for index, step in enumerate(steps):
            started = clock.perf_counter()
            time, state, failure = self._run_step(index, step, time)
            summary.step_wall_seconds.append(clock.perf_counter() - started)
            summary.end_time_s = time
            if (index + 1) % self.case.outputs.field_every == 0 or failure:
                self.write_fields(time)
            self.log(_log_line(index, len(steps), time, step, state))
            if failure:
                summary.status, summary.message = "failed_voltage_limit", failure
                if step.level is not None:
                    summary.failed_level_A_m2 = levels[step.level]
                    summary.ccd_A_m2 = levels[step.level - 1] if step.level > 0 else 0.0
                return summary
            summary.steps_completed = index + 1
        if levels:
            summary.ccd_above_A_m2 = max(levels.values())
        return summary

    def _control(self, step: Step) -> Control:
        if step.kind == "potentiostatic":
            return Control(None, step.voltage)
        return Control(step.current_density)

    def _duration(self, step: Step) -> float | None:
        duration = step.duration
        if step.until_capacity is not None and step.current_density != 0.0:
            by_capacity = step.until_capacity / abs(step.current_density)
            duration = by_capacity if duration is None else min(duration, by_capacity)
        return duration

    def _run_step(self, index: int, step: Step, start: float) -> tuple[float, StepResult, str]:
        control = self._control(step)
        duration = self._duration(step)
        if not self.time_dependent:
            state = self._checked(self._solve(start, duration or 0.0, control), index, step)
            self._row(start, index, step, self._current(step, state), state.values)
            failure = self._failure(state)
            if failure or self._stop_reached(step, state):
                return start, state, failure
            if duration is None:
                raise CaseError(
                    f"protocol step {index} ('{step.label}') never ends: its 'until' limit is not "
                    "reached by a model without time dependence; give 'for <time>'"
                )
            end = start + duration
            self._row(end, index, step, self._current(step, state), state.values)
            return end, state, ""
        return self._run_transient(index, step, start, control, duration)

    def _run_transient(self, index: int, step: Step, start: float, control: Control,
                       duration: float | None) -> tuple[float, StepResult, str]:
        numerics = self.case.numerics
        limit = duration if duration is not None else math.inf
        dt_max = numerics.max_time_step or (limit / 20.0 if math.isfinite(limit) else 60.0)
        dt = min(dt_max, limit)
        time = start
        state = StepResult(True)
        while time < start + limit - 1e-9 * max(1.0, limit):
            dt = min(dt, start + limit - time)
            for cutback in range(numerics.max_cutbacks + 1):
                state = self._solve(time + dt, dt, control)
                if state.converged:
                    break
                if cutback == numerics.max_cutbacks:
                    raise SolverError(
                        f"step {index} ('{step.label}') at t = {time:.6g} s: {state.message}; "
                        f"gave up after {numerics.max_cutbacks} time-step cut-backs "
                        f"(last dt = {dt:.3g} s). Try a smaller numerics.max_time_step."
                    )
                dt *= 0.5
            time += dt
            self._row(time, index, step, self._current(step, state), state.values)
            failure = self._failure(state)
            if failure or self._stop_reached(step, state):
                return time, state, failure
            if state.iterations <= EASY_ITERATIONS:
                dt = min(dt * GROWTH, dt_max)
        return time, state, ""

    def _checked(self, state: StepResult, index: int, step: Step) -> StepResult:
        if not state.converged:
            raise SolverError(f"step {index} ('{step.label}'): {state.message}")
        return state

    def _current(self, step: Step, state: StepResult) -> float:
        if step.kind == "potentiostatic":
            return state.values.get("mean_current_bottom_A_m2", math.nan)
        return step.current_density

    def _failure(self, state: StepResult) -> str:
        limit = self.case.protocol.voltage_limit
        voltage = state.values.get("voltage_V", math.nan)
        if limit is not None and abs(voltage) > limit:
            return f"|cell voltage| {abs(voltage):.4g} V exceeded the limit {limit:.4g} V"
        return ""

    def _stop_reached(self, step: Step, state: StepResult) -> bool:
        voltage = state.values.get("voltage_V", math.nan)
        if step.until_voltage is not None:
            # Charging (negative current) raises V for a full cell; discharging lowers it.
            rising = step.current_density < 0 if step.kind == "galvanostatic" else True
            if (voltage >= step.until_voltage) if rising else (voltage <= step.until_voltage):
                return True
        if step.until_current is not None:
            current = abs(state.values.get("mean_current_bottom_A_m2", math.inf))
            return current <= step.until_current
        return False

    def _row(self, time: float, index: int, step: Step | None, current: float,
             values: dict[str, float]) -> None:
        level = "" if step is None or step.level is None else step.level
        row = {"time_s": time, "step": index, "level": level, "current_density_A_m2": current}
        self.record(row | values)


def _ramp_levels(steps: list[Step]) -> dict[int, float]:
    """Current magnitude (A/m²) of each ramp level present in the expanded protocol."""
    return {s.level: abs(s.current_density) for s in steps if s.level is not None}


def _log_line(index: int, count: int, time: float, step: Step, state: StepResult) -> str:
    voltage = state.values.get("voltage_V", math.nan)
    hours = time / 3600.0
    return (f"[{index + 1:>{len(str(count))}}/{count}] t = {hours:9.4f} h  {step.label:<45.45}  "
            f"V = {voltage:+.5f} V  newton = {state.iterations}")


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    """Call ``function`` and return (result, wall seconds)."""
    started = clock.perf_counter()
    result = function()
    return result, clock.perf_counter() - started
