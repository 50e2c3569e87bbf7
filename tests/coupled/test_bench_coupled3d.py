"""scripts/bench_coupled.py --3d end to end on the smallest sizes (timings are not asserted)."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAST = re.compile(r"coupled3d_exponent=(\S+) coupled3d_speedup_2ranks=(\S+) bytes_per_dof=(\S+)")


def test_the_3d_benchmark_runs_on_1_and_2_ranks_and_prints_its_last_line(tmp_path):
    trace = tmp_path / "trace.txt"
    args = [sys.executable, str(ROOT / "scripts" / "bench_coupled.py"), "--3d", "--size",
            "20 um", "--refine", "0", "1", "--ranks", "1", "2", "--timeout", "240",
            "--trace", str(trace)]
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
    # --trace: the last worker (refine 1, 2 ranks) logged each step and each contact iteration
    text = trace.read_text().splitlines()
    steps = [line for line in text if line.startswith("# step to t = ")]
    assert len(steps) == 4, text  # the initial state, the warm-up and two timed steps
    iterations = [line.split() for line in text if not line.startswith("#")]
    assert len(iterations) >= 3, text  # at least one per coupled step after the initial state
    for partial, largest, moved, change in iterations:
        assert int(partial) >= 0 and int(moved) >= 0 and float(largest) >= 0.0
        assert change == "nan" or float(change) >= 0.0
