"""Checkpoint/restart (SIGKILL and SIGTERM, 1→1 and 2→1 ranks) and no hangs on a failed rank."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CASES, ROOT, assert_same_series, run_mpi
from ssbstack.io.results import read_timeseries

CASE = str(CASES / "badding2025" / "ex1_agmg_ccd.toml")
INJECT = str(Path(__file__).with_name("fault_injection.py"))
PROTOCOL = ('protocol.steps=[{ramp = "0.5 to 2.5 mA/cm2 by 0.5 mA/cm2", cycles = 1, '
            'steps = ["Strip for 10 minutes", "Plate for 10 minutes"]}]')
RUN = ["run", CASE, "--set", PROTOCOL, "--set", "outputs.plots=false"]


def _serial(args, timeout=240):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("full") / "run"
    done = _serial(["-m", "ssbstack.cli", *RUN, "-o", str(out)])
    assert done.returncode == 0, done.stderr
    return out / "timeseries.csv"


@pytest.mark.parametrize("ranks", [1, 2], ids=["1to1", "2to1"])
def test_sigkill_then_restart_reproduces_the_uninterrupted_run(tmp_path, uninterrupted, ranks):
    out = tmp_path / "run"
    args = [INJECT, "kill", "12", "0", "--", *RUN, "-o", str(out), "--checkpoint-every", "3"]
    killed = _serial(args) if ranks == 1 else run_mpi(args, ranks=2, timeout=240)
    assert killed.returncode != 0
    rows_at_kill = len(read_timeseries(out / "timeseries.csv")["time_s"])
    assert rows_at_kill == 12  # 1 initial row + 11 step rows, written before the kill
    resumed = _serial(["-m", "ssbstack.cli", "run", "--restart", str(out)])
    assert resumed.returncode == 0, resumed.stderr
    assert "restarting from" in resumed.stdout
    assert_same_series(uninterrupted, out / "timeseries.csv")
    assert (out / "fields" / "electrolyte.bp").exists()  # kept: fields before the checkpoint
    assert (out / "restart-1" / "fields" / "electrolyte.bp").exists()


def test_sigterm_writes_a_checkpoint_and_exits_75(tmp_path, uninterrupted):
    out = tmp_path / "run"
    stopped = _serial([INJECT, "term", "7", "0", "--", *RUN, "-o", str(out)])
    assert stopped.returncode == 75, stopped.stderr
    assert "resume with" in stopped.stderr
    assert (out / "checkpoint" / "state.npz").exists()
    assert '"status": "stopped"' in (out / "run.json").read_text()
    resumed = _serial(["-m", "ssbstack.cli", "run", "--restart", str(out)])
    assert resumed.returncode == 0, resumed.stderr
    assert_same_series(uninterrupted, out / "timeseries.csv")
    assert '"restarts"' in (out / "run.json").read_text()


def test_exception_on_rank_1_of_2_ends_the_run_quickly(tmp_path):
    started = time.monotonic()
    failed = run_mpi([INJECT, "raise", "5", "1", "--", *RUN, "-o", str(tmp_path / "run")],
                     ranks=2, timeout=60)
    assert failed.returncode != 0
    assert time.monotonic() - started < 30
    assert "injected fault on rank 1" in failed.stderr


def test_restart_needs_a_checkpoint(tmp_path, capsys):
    from ssbstack.cli import main

    assert main(["run", "--restart", str(tmp_path)]) == 2
    assert "case.resolved.json: file not found" in capsys.readouterr().err


COUPLED = ["run", str(CASES / "verification" / "coupled_debond.toml"),
           "--set", "conditions.stack_pressure=0.1 MPa", "--set", "mechanics.void_gap=1 um",
           "--set", f"protocol.steps={['Strip at 3 mA/cm2 for 10 s'] * 4}",
           "--set", "numerics.max_time_step=10 s", "--set", "outputs.plots=false"]


@pytest.fixture(scope="module")
def coupled_straight(tmp_path_factory):
    """The uninterrupted coupled run: 7, 2, 2, 2 coupled sub-steps in its four runner steps."""
    straight = tmp_path_factory.mktemp("coupled") / "straight"
    done = _serial(["-m", "ssbstack.cli", *COUPLED, "-o", str(straight)])
    assert done.returncode == 0, done.stderr
    return straight


def test_coupled_run_killed_while_its_void_grows_restarts_to_the_same_history(
        tmp_path, coupled_straight):
    """The debond at 0.1 MPa loses contact at its rims under 3 mA/cm² (contact fraction 0.80 ->
    0.69 in 40 s): SIGKILL at the 20 s row, restart from the last checkpoint, and the history
    equals the uninterrupted run (the Newton guesses differ after a restart: 1e-7)."""
    straight, out = coupled_straight, tmp_path / "run"
    series = read_timeseries(straight / "timeseries.csv")
    fraction = [float(v) for v in series["contact_fraction_bottom"]]
    assert fraction[-1] < fraction[2] < fraction[0] - 0.05  # the void grows across the kill
    killed = _serial([INJECT, "kill", "3", "0", "--", *COUPLED, "-o", str(out),
                      "--checkpoint-every", "1"])
    assert killed.returncode != 0
    assert len(read_timeseries(out / "timeseries.csv")["time_s"]) == 3
    resumed = _serial(["-m", "ssbstack.cli", "run", "--restart", str(out)])
    assert resumed.returncode == 0, resumed.stderr
    assert_same_series(straight / "timeseries.csv", out / "timeseries.csv", rel=1e-7,
                       skip=("newton_iterations", "substeps", "coupling_iterations"))


def test_sigterm_while_coupled_substeps_keep_failing_stops_at_once(tmp_path):
    """SIGTERM while the 4th and every later coupled sub-step fails (the sub-step halves towards
    its 1e-9 s minimum, ~35 failures, and the runner then cuts the time step and starts over):
    the run stops at the next failed sub-step, with the last accepted state checkpointed."""
    out = tmp_path / "run"
    stopped = _serial([INJECT, "term-failing", "4", "0", "--", *COUPLED, "-o", str(out)])
    assert stopped.returncode == 75, stopped.stderr
    assert "stopped at t = 0 s" in stopped.stderr
    assert len(read_timeseries(out / "timeseries.csv")["time_s"]) == 1  # the initial row only


def test_sigterm_inside_a_coupled_step_stops_at_the_next_substep(tmp_path, coupled_straight):
    """SIGTERM during the 4th coupled sub-step of the first runner step (which takes 7): the run
    stops after that sub-step, not at the step's end, with the last accepted state (t = 0)
    checkpointed and exit 75; the restart redoes the step and equals the uninterrupted run."""
    out = tmp_path / "run"
    stopped = _serial([INJECT, "term-substep", "4", "0", "--", *COUPLED, "-o", str(out)])
    assert stopped.returncode == 75, stopped.stderr
    assert "stopped at t = 0 s" in stopped.stderr
    assert len(read_timeseries(out / "timeseries.csv")["time_s"]) == 1  # the initial row only
    resumed = _serial(["-m", "ssbstack.cli", "run", "--restart", str(out)])
    assert resumed.returncode == 0, resumed.stderr
    assert_same_series(coupled_straight / "timeseries.csv", out / "timeseries.csv", rel=1e-7,
                       skip=("newton_iterations", "substeps", "coupling_iterations"))


def test_checkpoint_on_two_ranks_when_a_rank_owns_no_electrolyte_cells(tmp_path):
    """Source B's bare cell on 2 ranks leaves one rank without electrolyte cells; its checkpoint
    rows are then empty (0 × n) arrays, which crashed the first checkpoint (reshape(0, -1))."""
    out = tmp_path / "run"
    case = str(CASES / "chen2023" / "ccd" / "bare_ccd.toml")
    done = run_mpi(["-m", "ssbstack.cli", "run", case, "-o", str(out), "--set",
                    'protocol.steps=["Strip at 0.1 mA/cm2 for 10 seconds", '
                    '"Plate at 0.1 mA/cm2 for 10 seconds"]', "--set", "outputs.plots=false",
                    "--checkpoint-every", "1"], ranks=2, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "checkpoint" / "state.npz").exists()
