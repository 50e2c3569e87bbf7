"""Checkpoint/restart (SIGKILL and SIGTERM, 1→1 and 2→1 ranks) and no hangs on a failed rank."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CASES, ROOT, run_mpi
from ssbstack.io.results import read_timeseries

CASE = str(CASES / "badding2025" / "ex1_agmg_ccd.toml")
INJECT = str(Path(__file__).with_name("fault_injection.py"))
PROTOCOL = ('protocol.steps=[{ramp = "0.5 to 2.5 mA/cm2 by 0.5 mA/cm2", cycles = 1, '
            'steps = ["Strip for 10 minutes", "Plate for 10 minutes"]}]')
RUN = ["run", CASE, "--set", PROTOCOL, "--set", "outputs.plots=false"]


def _serial(args, timeout=240):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def _assert_same_series(reference: Path, restarted: Path):
    """Equal to 1e-10 relative; near-zero columns (differences of nearly equal numbers, such as
    the constriction voltage of a flat stack) are compared on the scale of their unit family."""
    one, two = read_timeseries(reference), read_timeseries(restarted)
    assert one.keys() == two.keys()
    assert len(one["time_s"]) == len(two["time_s"])
    scale: dict[str, float] = {}
    for column, values in one.items():
        unit = column.rsplit("_", 1)[-1]
        numbers = [abs(float(v)) for v in values if v]
        scale[unit] = max(scale.get(unit, 0.0), *numbers, 0.0)
    for column in one:
        if column == "newton_iterations":
            continue
        if column == "charge_balance_A":  # round-off by construction: both must be ~0
            assert all(abs(float(v)) < 1e-12 for v in one[column] + two[column] if v)
            continue
        floor = 1e-10 * scale[column.rsplit("_", 1)[-1]]
        for a, b in zip(one[column], two[column], strict=True):
            assert bool(a) == bool(b), column
            if a:
                assert float(b) == pytest.approx(float(a), rel=1e-10, abs=floor), column


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
    _assert_same_series(uninterrupted, out / "timeseries.csv")
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
    _assert_same_series(uninterrupted, out / "timeseries.csv")
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
