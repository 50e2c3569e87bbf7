"""scripts/ccd_sensitivity.py on the cheap study RVE: a shorter vacancy lifetime raises the CCD as
the quasi-steady rule says (j* ∝ 1/√τ_v)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.coupled.study_case import write_study_case

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ccd_sensitivity.py"


def test_sweep_moves_the_ccd_and_writes_table_and_figure(tmp_path):
    case = write_study_case(tmp_path / "rve_ccd.toml", 0.3,
                            '[coupling.vacancy]\nquasi_steady = true\nlifetime = "0.25 s"')
    out = tmp_path / "out"
    args = [sys.executable, str(SCRIPT), str(case), "--out", str(out),
            "--vary", "coupling.vacancy.lifetime=0.0625 s"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    rows = {line.split("|")[2].strip(): line.split("|")[3].strip()
            for line in (out / "summary.md").read_text().splitlines() if line.startswith("| `")}
    baseline = re.search(r"Baseline[^:]*: CCD ([0-9.]+)", (out / "summary.md").read_text())[1]
    # 4× shorter τ_v raises the CCD: 0.2 → 0.8 (the critical local current of one pair doubles;
    # on the partial contact the runaway moves further; both the same with 0.25-s time steps)
    assert float(baseline) == 0.2 and float(rows["0.0625 s"]) == 0.8
    assert (out / "sensitivity.png").exists()
    bad = subprocess.run([*args[:-1], "coupling.vacancy.lifetime=-1 s"], capture_output=True,
                         text=True, timeout=120, cwd=ROOT)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "lifetime" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
