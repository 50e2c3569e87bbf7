"""scripts/rate_map.py --quick end to end (2 x 2 x 1 map on 2 workers): files, capacity rising
with D, agreement with the constant-flux slab (Crank), resume and the overwrite guard."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "rate_map.py"


def test_quick_map_files_monotone_in_d_resume_and_guard(tmp_path):
    out = tmp_path / "map"
    args = [sys.executable, str(SCRIPT), "--quick", "--workers", "2", "--out", str(out)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ("rate_map.csv", "rate_map.md", "rate_map.png"):
        assert (out / name).stat().st_size > 0
    with (out / "rate_map.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4
    by_length: dict[float, list[tuple[float, float]]] = {}
    for row in rows:
        fraction = float(row["usable_fraction"])
        assert 0.0 < fraction < 1.0
        # the model's cut-off sits where the surface empties: the slab value within 0.02
        assert abs(fraction - float(row["crank_fraction"])) < 0.02, row
        by_length.setdefault(float(row["thickness_um"]), []).append(
            (float(row["diffusivity_cm2_s"]), fraction))
    for points in by_length.values():
        (_, slow), (_, fast) = sorted(points)
        assert fast > slow  # more capacity with a larger D
    assert "D at half capacity" in (out / "rate_map.md").read_text()
    resumed = subprocess.run([*args, "--resume"], capture_output=True, text=True, timeout=120,
                             cwd=ROOT)
    assert resumed.returncode == 0 and "4 runs kept, 0 to run" in resumed.stdout
    again = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert again.returncode == 2 and "exists" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
