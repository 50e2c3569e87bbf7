"""scripts/fit_by_scan.py: the interval logic on tables, and one scan on the cheap study RVE
(the vacancy lifetime, whose CCD the quasi-steady rule moves: 0.2 at 0.25 s, 0.8 at 0.0625 s)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.coupled.study_case import write_study_case

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "fit_by_scan.py"
sys.path.insert(0, str(ROOT / "scripts"))
from fit_by_scan import interval, reproducing  # noqa: E402


def test_reproducing_values_need_every_case():
    values = [0.0, 0.5, 1.0, 2.0]
    rows = {"springs": [0.7, 0.3, 0.3, None], "fixed_gap": [0.6, 0.3, 0.3, 0.3]}
    hits = reproducing(rows, {"springs": 0.3, "fixed_gap": 0.3})
    assert hits == [False, True, True, False]  # None (no CCD) never reproduces
    assert interval(values, hits) == (0.0, 0.5, 1.0, 2.0)
    assert interval(values, [True, False, False, False]) == (-float("inf"), 0.0, 0.0, 0.5)


@pytest.mark.parametrize("hits, message", [([False, False, False], "no value reproduces"),
                                           ([True, False, True], "not one interval")])
def test_no_fit_without_one_interval(hits, message):
    with pytest.raises(ValueError, match=message):
        interval([1.0, 2.0, 3.0], hits)


def test_scan_fits_the_lifetime_to_the_measured_ccd(tmp_path):
    case = write_study_case(tmp_path / "rve_ccd.toml", 0.2,
                            '[coupling.vacancy]\nquasi_steady = true\nlifetime = "0.25 s"')
    out = tmp_path / "out"
    args = [sys.executable, str(SCRIPT), "coupling.vacancy.lifetime", str(case), "--out", str(out),
            "--values", "0.25 s,0.0625 s"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    report = (out / "fit.md").read_text()
    assert "| 0.0625 s | 0.8 |" in report and "| 0.25 s | 0.2 |" in report
    assert "**Fitted: 0.25 s**" in report and "inside (0.0625, inf) s" in report
    assert (out / "fit.png").exists()
    # a target no sample reaches: one line, exit 1, nothing claimed
    write_study_case(case, 0.4, '[coupling.vacancy]\nquasi_steady = true\nlifetime = "0.25 s"')
    missed = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert missed.returncode == 1 and "no value reproduces" in missed.stderr
    assert "Traceback" not in missed.stderr
    bad = subprocess.run([*args[:-1], "0.25 s,1 MPa"], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert bad.returncode != 0 and "one unit" in bad.stderr and "Traceback" not in bad.stderr
