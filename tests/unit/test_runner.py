"""The protocol runner's time stepping with fake models: cut-backs, failure, events, resume."""

from pathlib import Path

import pytest

from ssbstack.config.loader import load_case
from ssbstack.errors import SolverError
from ssbstack.numerics.model import StepResult
from ssbstack.numerics.runner import Position, ProtocolRunner

DEMO = Path(__file__).resolve().parents[2] / "cases" / "badding2025" / "ex1_agmg_ccd.toml"


class FakeModel:
    """A transient 'model' whose solve fails when dt exceeds ``max_dt`` or time passes ``fail_after``."""

    time_dependent = True

    def __init__(self, max_dt=float("inf"), fail_after=float("inf")):
        self.max_dt, self.fail_after = max_dt, fail_after
        self.accepted_time, self.trial_time = 0.0, 0.0
        self.attempts: list[float] = []

    def columns(self):
        return ["model_time_s"]

    def solve(self, time, dt, control):
        self.attempts.append(dt)
        self.trial_time = time
        if dt > self.max_dt or time > self.fail_after:
            return StepResult(False, 30, message="mechanics block: Newton diverged")
        voltage = 1e-3 * (control.current_density or 0.0)
        return StepResult(True, 2, {"voltage_V": voltage, "model_time_s": time})

    def accept(self):
        self.accepted_time = self.trial_time

    def reject(self):
        self.trial_time = self.accepted_time

    def write_fields(self, time):
        pass


def _runner(model, steps, **settings):
    overrides = [f"protocol.steps={steps}", *settings.pop("overrides", [])]
    case = load_case(DEMO, overrides)
    rows, saved = [], []
    runner = ProtocolRunner(case, [model], rows.append, lambda line: None, lambda t: None,
                            checkpoint=saved.append, **settings)
    return runner, rows, saved


def test_time_steps_are_cut_back_and_the_step_still_ends_on_time():
    model = FakeModel(max_dt=7.0)
    runner, rows, _ = _runner(model, '["Strip at 1 A/m2 for 100 s"]',
                              overrides=["numerics.max_time_step=40 s"])
    summary = runner.run()
    assert summary.status == "completed"
    assert rows[-1]["time_s"] == pytest.approx(100.0)
    assert max(dt for dt in model.attempts if dt <= 7.0) <= 7.0
    assert any(dt > 7.0 for dt in model.attempts)  # it tried, failed, and cut back


def test_a_solve_that_never_converges_stops_with_a_clear_message_and_a_checkpoint():
    model = FakeModel(fail_after=30.0)
    runner, rows, saved = _runner(model, '["Rest for 10 s", "Strip at 1 A/m2 for 100 s"]',
                                  overrides=["numerics.max_time_step=10 s",
                                             "numerics.max_cutbacks=3"])
    with pytest.raises(SolverError, match=r"step 1 \('Strip at 1 A/m2 for 100 s'\) at t = 30 s: "
                                          r"mechanics block: Newton diverged; gave up after 3"):
        runner.run()
    assert rows[-1]["time_s"] == pytest.approx(30.0)  # the last good state is on disk
    assert saved and saved[-1].time == pytest.approx(30.0) and saved[-1].in_step


class StallingModel(FakeModel):
    """Past t = 30 s every solve needs a smaller dt than the last accepted one: accepted steps
    shrink geometrically and no single step runs out of cut-backs."""

    def __init__(self):
        super().__init__()
        self.last_dt = float("inf")

    def solve(self, time, dt, control):
        self.attempts.append(dt)
        self.trial_time, self.trial_dt = time, dt
        if self.accepted_time >= 30.0 and dt >= 0.75 * self.last_dt:
            return StepResult(False, 30, message="mechanics block: Newton diverged")
        return StepResult(True, 30, {"voltage_V": 0.0, "model_time_s": time})

    def accept(self):
        super().accept()
        if self.accepted_time > 30.0:
            self.last_dt = self.trial_dt


def test_a_stalling_solve_stops_at_the_time_step_floor_with_the_last_good_state_saved():
    model = StallingModel()
    runner, rows, saved = _runner(model, '["Strip at 1 A/m2 for 100 s"]',
                                  overrides=["numerics.max_time_step=10 s"])
    with pytest.raises(SolverError, match=r"below numerics.min_time_step = 1e-08 s .*stalling"):
        runner.run()
    assert min(dt for dt in model.attempts if dt > 0.0) >= 0.5e-8  # 1e-9 of the 10 s largest step
    assert rows[-1]["time_s"] == pytest.approx(saved[-1].time) and saved[-1].in_step
    assert 40.0 < rows[-1]["time_s"] < 50.0  # dt halves from 10 s at t = 40 s: 5, 2.5, …


def test_voltage_event_ends_a_step_early():
    model = FakeModel()
    runner, rows, _ = _runner(model, '["Charge at 1 A/m2 for 100 s or until -0.0005 V"]',
                              overrides=["numerics.max_time_step=10 s"])
    runner.run()
    assert rows[-1]["time_s"] < 100.0  # V = -1 mV < -0.5 mV: the event fired at once


def test_resume_mid_step_continues_from_the_saved_time():
    model = FakeModel()
    runner, rows, _ = _runner(model, '["Strip at 1 A/m2 for 100 s"]',
                              overrides=["numerics.max_time_step=10 s"])
    summary = runner.run(Position(step=0, time=60.0, step_start=0.0, dt=10.0, in_step=True))
    assert summary.status == "completed"
    assert [row["time_s"] for row in rows] == pytest.approx([70.0, 80.0, 90.0, 100.0])


def test_a_step_with_only_an_until_limit_runs_until_it_is_reached():
    model = FakeModel()
    runner, rows, _ = _runner(model, '["Strip at 1 A/m2 until 0.0005 V"]',
                              overrides=["numerics.max_time_step=10 s"])
    summary = runner.run()
    assert summary.status == "completed" and len(rows) == 2  # initial row + one step to the event
    assert rows[-1]["voltage_V"] == pytest.approx(1e-3)


class DivergingModel(FakeModel):
    """A model whose every solve diverges with the electrochemistry block's message."""

    def solve(self, time, dt, control):
        return StepResult(False, 30, message="electrochemistry Newton solve diverged (SNES reason "
                          "-3) after 30 iterations; try a smaller current step or numerics.linear_solver")


def test_a_failed_initial_state_blames_the_case_not_the_time_step():
    runner, rows, _ = _runner(DivergingModel(), '["Strip at 1 A/m2 for 10 s"]')
    with pytest.raises(SolverError) as failure:
        runner.run()
    message = str(failure.value)
    assert message.startswith("initial state did not solve (electrochemistry Newton solve diverged")
    assert message.endswith("check the case (conductivities, kinetics, mesh), not the time step")
    assert "smaller current step" not in message
    assert not rows


def _log_lines(heartbeat: float) -> list[str]:
    case = load_case(DEMO, ['protocol.steps=["Strip at 1 A/m2 for 100 s"]',
                            "numerics.max_time_step=20 s"])
    lines: list[str] = []
    runner = ProtocolRunner(case, [FakeModel()], [].append, lines.append, lambda t: None)
    runner.heartbeat = heartbeat
    runner.run()
    return lines


def test_a_long_step_reports_progress_between_its_log_lines():
    """With the heartbeat at 0 s every accepted time step inside a transient step logs how far
    into the step it is; with the default (60 s of wall time) a fast step logs only its end line."""
    every = _log_lines(0.0)
    assert len(every) == 6 and every[0].strip().startswith(
        "… step 1: 20 s of 100 s (20.0 %), dt = 20 s, 1 time steps so far"), every
    assert every[-1].startswith("[1/1]")
    quiet = _log_lines(60.0)
    assert len(quiet) == 1 and quiet[0].startswith("[1/1]")


class ChattyModel(FakeModel):
    """A fake model with inner iterations that reports them through the runner's heartbeat."""

    def __init__(self):
        super().__init__()
        self.progress = None

    def solve(self, time, dt, control):
        if dt > 0.0:
            for inner in range(3):
                self.progress(f"inner {inner} at t = {time:g} s")
        return super().solve(time, dt, control)


def test_a_model_with_inner_iterations_reports_through_the_heartbeat():
    """The runner hands models that have a ``progress`` attribute its heartbeat: at 0 s every
    inner report is logged, at the default none within a fast step."""
    for heartbeat, expected in ((0.0, 15), (60.0, 0)):
        case = load_case(DEMO, ['protocol.steps=["Strip at 1 A/m2 for 100 s"]',
                                "numerics.max_time_step=20 s"])
        lines: list[str] = []
        model = ChattyModel()
        runner = ProtocolRunner(case, [model], [].append, lines.append, lambda t: None)
        runner.heartbeat = heartbeat
        runner.run()
        assert sum("inner" in line for line in lines) == expected, lines


def test_the_runner_and_its_models_hold_no_reference_cycle():
    """The heartbeat handed to a model does not keep the runner alive: dropping the runner frees
    it at once (a cycle would leave collective PETSc destruction to the cyclic collector)."""
    import gc
    import weakref

    gc.disable()
    try:
        model = ChattyModel()
        runner = ProtocolRunner(load_case(DEMO), [model], [].append, [].append, lambda t: None)
        alive = weakref.ref(runner)
        del runner
        assert alive() is None
        model.progress("after the runner: ignored")
    finally:
        gc.enable()
