"""`ssbstack run` on 2 MPI ranks gives the serial time series; only rank 0 writes shared files."""

import subprocess
import sys

import pytest

from conftest import CASES, ROOT, run_mpi
from ssbstack.io.results import read_timeseries

SHORT_RAMP = ('protocol.steps=[{ramp = "0.5 to 2.5 mA/cm2 by 1 mA/cm2", cycles = 1, '
              'steps = ["Strip for 10 minutes", "Plate for 10 minutes"]}, "Hold at 0.1 V for 1 min"]')
CASE = str(CASES / "badding2025" / "ex1_agmg_ccd.toml")


def _run(out, ranks):
    args = ["-m", "ssbstack.cli", "run", CASE, "-o", str(out), "--set", SHORT_RAMP,
            "--set", "outputs.plots=false"]
    if ranks == 1:
        return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                              timeout=300, cwd=ROOT)
    return run_mpi(args, ranks=ranks, timeout=300)


def test_two_ranks_reproduce_serial_timeseries(tmp_path):
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    first = _run(serial, 1)
    assert first.returncode == 0, first.stderr
    second = _run(parallel, 2)
    assert second.returncode == 0, second.stderr
    one, two = read_timeseries(serial / "timeseries.csv"), read_timeseries(parallel / "timeseries.csv")
    assert one.keys() == two.keys()
    assert len(one["time_s"]) == len(two["time_s"]) == 1 + 2 * 6 + 2
    for column in ("time_s", "current_density_A_m2", "voltage_V", "ohmic_V",
                   "mean_current_bottom_A_m2", "charge_balance_A"):
        for a, b in zip(one[column], two[column], strict=True):
            if a or b:
                assert float(b) == pytest.approx(float(a), rel=1e-8, abs=1e-12), column
    # one writer: the header appears once and each log line is printed once
    text = (parallel / "timeseries.csv").read_text()
    assert text.count("time_s") == 1
    assert second.stdout.count("[1/7]") == 1
    assert '"mpi_ranks": 2' in (parallel / "run.json").read_text()
