"""scripts/bench_coupled.py --3d end to end on the smallest sizes (timings are not asserted)."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAST = re.compile(r"coupled3d_exponent=(\S+) coupled3d_speedup_2ranks=(\S+) bytes_per_dof=(\S+)")


def test_the_3d_benchmark_runs_on_1_and_2_ranks_and_prints_its_last_line():
    args = [sys.executable, str(ROOT / "scripts" / "bench_coupled.py"), "--3d", "--size",
            "20 um", "--refine", "0", "1", "--ranks", "1", "2", "--timeout", "240"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    match = LAST.fullmatch(lines[-1])
    assert match, done.stdout[-2000:]
    assert all(math.isfinite(float(value)) and float(value) > 0 for value in match.groups())
    rows = [line.split() for line in lines if re.match(r"\s+[12]\s+\d+\s", line)]
    assert [row[0] for row in rows] == ["1", "2", "1", "2"], done.stdout
    cells = [int(row[1]) for row in rows]
    assert cells[0] == cells[1] and cells[2] == cells[3] == 8 * cells[0]  # refine: x8 cells
