"""Shared test helpers: running code under ``mpirun -n 2`` with a timeout (no hangs)."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "cases"


def script_module(name: str):
    """Import ``scripts/<name>.py`` as module ``name`` (registered while in use: dataclasses look
    their module up); a generator for module-scoped fixtures."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[name]


def mpirun_executable() -> str:
    """The mpirun next to this Python (the wheel's MPICH), else the one on PATH."""
    local = Path(sys.executable).with_name("mpirun")
    found = str(local) if local.exists() else shutil.which("mpirun")
    if not found:
        pytest.skip("mpirun not found")
    return found


def run_mpi(args: list[str], ranks: int = 2, timeout: float = 300.0,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m mpi4py <args>`` on ``ranks`` ranks; fail (not hang) after ``timeout`` s.

    ``-m mpi4py`` makes an exception on one rank abort all ranks.
    """
    command = [mpirun_executable(), "-n", str(ranks), sys.executable, "-m", "mpi4py", *args]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              cwd=cwd or ROOT, env=env)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"MPI run timed out after {timeout} s: {' '.join(command)}\n{exc.stdout}")


def serial_and_parallel_results(script: str, folder: Path, timeout: float = 300.0):
    """Run a script on 1 rank and on 2 ranks; the JSON after 'RESULT ' each printed."""
    path = folder / "script.py"
    path.write_text(script, encoding="utf-8")
    serial = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                            timeout=timeout, cwd=ROOT)
    assert serial.returncode == 0, serial.stderr
    parallel = run_mpi([str(path)], ranks=2, timeout=timeout)
    assert parallel.returncode == 0, parallel.stderr

    def values(output: str):
        line = next(x for x in output.splitlines() if x.startswith("RESULT "))
        return json.loads(line.removeprefix("RESULT "))

    return values(serial.stdout), values(parallel.stdout)


def echem_model(case, overrides=()):
    """(case, ElectrochemistryModel) of a case file or a Case, meshed on COMM_WORLD."""
    from mpi4py import MPI

    from ssbstack.config.loader import load_case
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.numerics.electrochemistry import ElectrochemistryModel

    if isinstance(case, str | Path):
        case = load_case(case, list(overrides))
    return case, ElectrochemistryModel(case, build_mesh(case, MPI.COMM_WORLD), MPI.COMM_WORLD)


def solve_once(model, current=None, voltage=None):
    """Solve a static step (galvanostatic ``current`` A/m², or potentiostatic ``voltage`` V);
    the output values. Fails the test when Newton does not converge."""
    from ssbstack.numerics.model import Control

    result = model.solve(0.0, 0.0, Control(current, voltage))
    assert result.converged, result.message
    model.accept()
    return result.values


@pytest.fixture(autouse=True)
def _collect_garbage():
    """PETSc destructors are collective: collect between tests (DOLFINx's own conftest does)."""
    yield
    gc.collect()


def two_rank_history(case_name: str, times: list[float], current_density: float = 0.0,
                     overrides: list[str] | None = None) -> tuple[list[dict], list[dict]]:
    """(serial rows, 2-rank rows) of ``verification.mechanics.run_history`` on a verification case
    (or a case file path ending in .toml) with ``overrides``."""
    import json

    from mpi4py import MPI

    from ssbstack.config.loader import load_case
    from ssbstack.verification import mechanics as checks

    overrides = list(overrides or [])
    path = case_name if case_name.endswith(".toml") else str(checks.case_file(case_name))
    code = ("import json; from mpi4py import MPI; from ssbstack.verification import mechanics as m;"
            "from ssbstack.config.loader import load_case;"
            f"c = load_case({path!r}, {overrides!r});"
            f"_, rows = m.run_history(c, MPI.COMM_WORLD, {times!r}, {current_density!r});"
            "MPI.COMM_WORLD.rank == 0 and print('ROWS' + json.dumps(rows))")
    done = run_mpi(["-c", code], ranks=2, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    parallel = json.loads(done.stdout.split("ROWS", 1)[1].splitlines()[0])
    _, serial = checks.run_history(load_case(path, overrides), MPI.COMM_WORLD,
                                   times, current_density)
    return serial, parallel


def resumed_from_checkpoint(case, first: float, end: float, current_density: float
                            ) -> tuple[dict, dict]:
    """Values at ``end`` (s) of a mechanics run straight through and of a fresh model restored
    from the checkpoint rows at ``first`` (both driven at ``current_density``)."""
    import numpy as np
    from mpi4py import MPI

    from ssbstack.meshing.stack import build_mesh
    from ssbstack.numerics.mechanics import MechanicsModel
    from ssbstack.numerics.model import Control
    from ssbstack.verification import mechanics as checks

    comm = MPI.COMM_WORLD
    model, _ = checks.run_history(case, comm, [first], current_density)
    saved = {name: (keys[np.argsort(keys)], rows[np.argsort(keys)])  # as checkpoint.load gives
             for name, (keys, rows) in model.state().items()}
    straight = model.solve(end, end - first, Control(current_density))
    fresh = MechanicsModel(case, build_mesh(case, comm), comm)
    fresh.restore(saved)
    resumed = fresh.solve(end, end - first, Control(current_density))
    assert straight.converged and resumed.converged
    return straight.values, resumed.values


def assert_same_series(reference: Path, restarted: Path, rel: float = 1e-10,
                       skip: tuple[str, ...] = ("newton_iterations",)) -> None:
    """Equal to ``rel`` relative; near-zero columns (differences of nearly equal numbers, such as
    the constriction voltage of a flat stack) are compared on the scale of their unit family;
    ``skip``: solver-effort columns."""
    from ssbstack.io.results import read_timeseries

    one, two = read_timeseries(reference), read_timeseries(restarted)
    assert one.keys() == two.keys()
    assert len(one["time_s"]) == len(two["time_s"])
    scale: dict[str, float] = {}
    for column, values in one.items():
        unit = column.rsplit("_", 1)[-1]
        numbers = [abs(float(v)) for v in values if v]
        scale[unit] = max(scale.get(unit, 0.0), *numbers, 0.0)
    for column in one:
        if column in skip:
            continue
        if column == "charge_balance_A":  # round-off by construction: both must be ~0
            assert all(abs(float(v)) < 1e-12 for v in one[column] + two[column] if v)
            continue
        floor = rel * scale[column.rsplit("_", 1)[-1]]
        for a, b in zip(one[column], two[column], strict=True):
            assert bool(a) == bool(b), column
            if a:
                assert float(b) == pytest.approx(float(a), rel=rel, abs=floor), column
