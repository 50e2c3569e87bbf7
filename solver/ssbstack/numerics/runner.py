"""The protocol runner: walks the expanded protocol, steps time, detects events, records rows.

Static models (no history) are solved once per protocol step and recorded at the step's start
and end. Time-dependent models are stepped with an adaptive dt: it grows after easy steps, is
halved after a failed solve (the model is reset to its last accepted state), and after
``numerics.max_cutbacks`` halvings in a row, or when a halving would take dt below
``numerics.min_time_step`` (a stall: failures between tiny accepted steps), the run stops with a
:class:`SolverError`; everything up to the last accepted step is already on disk.

The runner's place in the protocol is a :class:`Position`. After every ``checkpoint_every``
protocol steps, when a stop is requested (SIGTERM from a scheduler) and when a solve fails for
good, it hands the position to ``checkpoint``; :meth:`ProtocolRunner.run` resumes from one.
"""

from __future__ import annotations

import math
import time as clock
import weakref
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ssbstack.config.protocol import Step
from ssbstack.config.schema import Case
from ssbstack.errors import CaseError, RunStopped, SolverError
from ssbstack.numerics.model import Control, Model, StepResult

BASE_COLUMNS = ["time_s", "step", "level", "current_density_A_m2", "voltage_V"]
GROWTH = 1.5  # dt growth after an easy step
EASY_ITERATIONS = 4  # Newton iterations below which a step counts as easy
HEARTBEAT = 60.0  # s of wall time without a log line after which a long step reports progress


@dataclass
class Position:
    """Where a run is: the next step to run (or the one in progress) and the time in it."""

    step: int = 0  # index of the protocol step to run next / in progress
    time: float = 0.0  # s, time of the last accepted state
    step_start: float = 0.0  # s, start time of the step in progress
    dt: float | None = None  # s, next time step of a transient step in progress
    in_step: bool = False  # True when `step` is part-way done (transient models)
    voltage: float = 0.0  # V of the last accepted state ('until <voltage>' events)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    footprint: str = ""  # peak memory and bytes per dof, for the last log line


def _weakly(method: Callable[[str], None]) -> Callable[[str], None]:
    """``method`` called through a weak reference to its object: a model holding it does not
    keep the runner alive, so runner and models hold no reference cycle (a cycle defers the
    models' collective PETSc destruction to the cyclic collector, whose moment differs between
    ranks)."""
    reference = weakref.WeakMethod(method)

    def call(line: str) -> None:
        bound = reference()
        if bound is not None:
            bound(line)
    return call


class ProtocolRunner:
    """Drives models through a case's protocol and hands each output row to ``record``."""

    def __init__(self, case: Case, models: Sequence[Model], record: Callable[[dict], None],
                 log: Callable[[str], None], write_fields: Callable[[float], None],
                 checkpoint: Callable[[Position], None] | None = None, checkpoint_every: int = 0,
                 stop_requested: Callable[[], bool] = lambda: False):
        self.case, self.models, self.record, self.log = case, list(models), record, log
        self.write_fields = write_fields
        self.checkpoint = checkpoint
        self.checkpoint_every = checkpoint_every
        self.stop_requested = stop_requested  # collective: every rank gets the same answer
        for model in self.models:  # models with long inner loops ask it between sub-steps
            if hasattr(model, "stop_requested"):
                model.stop_requested = stop_requested
            if hasattr(model, "progress"):  # ... and report them through the heartbeat
                model.progress = _weakly(self.pulse)
        self.time_dependent = any(model.time_dependent for model in self.models)
        self.position = Position()
        self._last_voltage = 0.0  # V of the last accepted state, for 'until <voltage>' events
        self.heartbeat = HEARTBEAT  # s of wall time between progress lines inside a long step
        self._last_line = clock.perf_counter()  # wall time of the last log line

    def columns(self) -> list[str]:
        """All CSV columns: the base ones, then each model's own."""
        names = list(BASE_COLUMNS)
        for model in self.models:
            names += [c for c in model.columns() if c not in names]
        return names

    def _solve(self, time: float, dt: float, control: Control) -> StepResult:
        values: dict[str, float] = {}
        iterations = 0
        merged = StepResult(True)
        for model in self.models:
            result = model.solve(time, dt, control)
            if not result.converged:
                for other in self.models:
                    other.reject()
                return result
            values |= result.values
            iterations = max(iterations, result.iterations)
            merged.failure = merged.failure or result.failure
            merged.failure_mode = result.failure_mode if result.failure else merged.failure_mode
            merged.note = merged.note or result.note
        for model in self.models:
            model.accept()
        merged.iterations, merged.values = iterations, values
        return merged

    def run(self, resume: Position | None = None,
            summary: RunSummary | None = None) -> RunSummary:
        """Run the protocol from the start, or from a checkpoint's position (collective)."""
        steps = self.case.protocol.expanded()
        summary = summary or RunSummary()
        if resume is None:
            state = self._solve(0.0, 0.0, Control(0.0))
            if not state.converged:
                raise SolverError(f"initial state did not solve ({state.message.split('; try')[0]}): "
                                  "check the case (conductivities, kinetics, mesh), not the time step")
            self._row(0.0, -1, None, 0.0, state.values)
            self.write_fields(0.0)
            # 'until <voltage>' of the first step is a crossing from the open-circuit voltage
            self._last_voltage = state.values.get("voltage_V", 0.0)
            self.position = Position(voltage=self._last_voltage)
        else:
            self.position = resume
            self._last_voltage = resume.voltage
        levels = _ramp_levels(steps)
        for index in range(self.position.step, len(steps)):
            step = steps[index]
            started = clock.perf_counter()
            try:
                time, state, failure = self._run_step(index, step)
            except SolverError:
                self._save(self.position)
                raise
            summary.step_wall_seconds.append(clock.perf_counter() - started)
            summary.end_time_s = time
            self.position = Position(step=index + 1, time=time, step_start=time,
                                     voltage=self._last_voltage)
            if (index + 1) % self.case.outputs.field_every == 0 or failure:
                self.write_fields(time)
            self._say(_log_line(index, len(steps), time, step, state))
            if failure:
                mode = state.failure_mode if state.failure else "voltage_limit"
                summary.status, summary.message = f"failed_{mode}", failure
                if step.level is not None:
                    summary.failed_level_A_m2 = levels[step.level]
                    summary.ccd_A_m2 = levels[step.level - 1] if step.level > 0 else 0.0
                return summary
            summary.steps_completed = index + 1
            last = index + 1 == len(steps)
            if not last and self.checkpoint_every and (index + 1) % self.checkpoint_every == 0:
                self._save(self.position)
            if not last and self.stop_requested():
                self._stop()
        if levels:
            summary.ccd_above_A_m2 = max(levels.values())
        return summary

    def pulse(self, line: str) -> None:
        """Log ``line`` if nothing was logged for ``heartbeat`` s of wall time (no collective:
        rank 0 prints, no rank waits for another)."""
        if clock.perf_counter() - self._last_line > self.heartbeat:
            self._say(line)

    def _say(self, line: str) -> None:
        """Log a line (rank 0 prints; no collective) and restart the heartbeat clock."""
        self.log(line)
        self._last_line = clock.perf_counter()

    def _save(self, position: Position) -> None:
        if self.checkpoint is not None:
            self.checkpoint(position)

    def _stop(self) -> None:
        self._save(self.position)
        raise RunStopped(f"stopped at t = {self.position.time:.6g} s (protocol step "
                         f"{self.position.step}); checkpoint written")

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

    def _run_step(self, index: int, step: Step) -> tuple[float, StepResult, str]:
        control = self._control(step)
        duration = self._duration(step)
        start = self.position.time
        if not self.time_dependent:
            state = self._checked(self._solve(start, duration or 0.0, control), index, step)
            ends, failure = self._record(start, index, step, state)
            if ends:
                return start, state, failure
            if duration is None:
                raise CaseError(
                    f"protocol step {index} ('{step.label}') never ends: its 'until' limit is not "
                    "reached by a model without time dependence; give 'for <time>'"
                )
            end = start + duration
            self._row(end, index, step, self._current(step, state), state.values)
            return end, state, ""
        return self._run_transient(index, step, control, duration)

    def _run_transient(self, index: int, step: Step, control: Control,
                       duration: float | None) -> tuple[float, StepResult, str]:
        numerics = self.case.numerics
        limit = duration if duration is not None else math.inf
        dt_max = numerics.max_time_step or (limit / 20.0 if math.isfinite(limit) else 60.0)
        dt_min = numerics.min_time_step or 1e-9 * dt_max
        resumed = self.position.in_step and self.position.step == index
        start = self.position.step_start if resumed else self.position.time
        time = self.position.time
        dt = self.position.dt if resumed and self.position.dt else min(dt_max, limit)
        state = StepResult(True)
        tolerance = 1e-9 * max(1.0, limit) if math.isfinite(limit) else 0.0
        accepted = 0
        while time < start + limit - tolerance:
            dt = min(dt, start + limit - time)
            for cutback in range(numerics.max_cutbacks + 1):
                state = self._solve(time + dt, dt, control)
                if state.stopped:
                    self._stop()  # at the last accepted state: the step is redone on restart
                if state.converged:
                    break
                if cutback == numerics.max_cutbacks:
                    raise SolverError(
                        f"step {index} ('{step.label}') at t = {time:.6g} s: {state.message}; "
                        f"gave up after {numerics.max_cutbacks} time-step cut-backs "
                        f"(last dt = {dt:.3g} s). Try a smaller numerics.max_time_step."
                    )
                if 0.5 * dt < dt_min:
                    raise SolverError(
                        f"step {index} ('{step.label}') at t = {time:.6g} s: {state.message}; "
                        f"the time step would fall below numerics.min_time_step = {dt_min:.3g} s "
                        f"(last dt = {dt:.3g} s after {accepted} accepted steps): the solve is "
                        "stalling here, not converging with a smaller step."
                    )
                dt *= 0.5
            time += dt
            accepted += 1
            ends, failure = self._record(time, index, step, state)
            if ends:
                return time, state, failure
            self.pulse(_progress_line(index, time - start, limit, dt, accepted))
            if state.iterations <= EASY_ITERATIONS:
                dt = min(dt * GROWTH, dt_max)
            self.position = Position(index, time, start, dt, True, self._last_voltage)
            if self.stop_requested():
                self._stop()
        return time, state, ""

    def _record(self, time: float, index: int, step: Step, state: StepResult) -> tuple[bool, str]:
        """Write the row of an accepted state; (does the step end here, failure message)."""
        self._row(time, index, step, self._current(step, state), state.values)
        reached = self._stop_reached(step, state)  # also tracks the last voltage
        failure = state.failure or self._failure(state)
        if failure and state.note:
            failure = f"{failure} ({state.note})"
        return reached or bool(failure), failure

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
        previous, self._last_voltage = self._last_voltage, voltage
        limit = step.until_voltage
        # A voltage limit is reached when V crosses it (either direction) since the last state.
        if limit is not None and (previous - limit) * (voltage - limit) <= 0.0:
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
    values = state.values
    parts = [f"[{index + 1:>{len(str(count))}}/{count}] t = {time / 3600.0:9.4f} h",
             f"{step.label:<45.45}"]
    if math.isfinite(values.get("voltage_V", math.nan)):
        parts.append(f"V = {values['voltage_V']:+.5f} V")
    if math.isfinite(values.get("stack_pressure_Pa", math.nan)):
        parts.append(f"P = {values['stack_pressure_Pa'] / 1e6:.4f} MPa")
    parts.append(f"newton = {state.iterations}")
    return "  ".join(parts)


def _progress_line(index: int, elapsed: float, limit: float, dt: float, accepted: int) -> str:
    """A heartbeat inside a long transient step: how far into it, the time step, steps taken."""
    share = f" of {limit:.6g} s ({100.0 * elapsed / limit:.1f} %)" if math.isfinite(limit) else ""
    return (f"      … step {index + 1}: {elapsed:.6g} s{share}, dt = {dt:.3g} s, "
            f"{accepted} time steps so far")


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    """Call ``function`` and return (result, wall seconds)."""
    started = clock.perf_counter()
    result = function()
    return result, clock.perf_counter() - started
