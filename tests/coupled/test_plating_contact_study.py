"""scripts/plating_contact_study.py end to end on one short run: files, table, overwrite guard."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "plating_contact_study.py"


def test_one_short_run_writes_the_table_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "study"
    args = [sys.executable, str(SCRIPT), "--gaps", "100", "--spread", "0", "--times", "5",
            "--out", str(out)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ("plating_contact.csv", "plating_contact.md", "plating_contact.png"):
        assert (out / name).exists()
    row = (out / "plating_contact.csv").read_text().splitlines()[1].split(",")
    assert float(row[2]) > 0.6 and 0.5 < float(row[3]) <= float(row[2])  # the 70 % RVE, 5 s
    again = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert again.returncode != 0 and "exists" in again.stderr
