"""scripts/seating_mesh_study.py: observed order, Richardson estimate, the measures read from a
timeseries and the table, on made-up numbers (no solver; a real run takes minutes)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from conftest import script_module

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def study():
    yield from script_module("seating_mesh_study")


def test_richardson_recovers_order_and_limit(study):
    # f(h) = 2.0 + 0.3 h^1.5 on h = 2, 1, 0.5: p = 1.5, limit 2.0 exactly
    values = [2.0 + 0.3 * h ** 1.5 for h in (2.0, 1.0, 0.5)]
    order, estimate = study.richardson(values, 2.0)
    assert order == pytest.approx(1.5, rel=1e-10)
    assert estimate == pytest.approx(2.0, rel=1e-10)
    # ratio 3 (h = 9, 3, 1), decreasing towards the limit from below
    order, estimate = study.richardson([5.0 - 9.0 ** 2, 5.0 - 3.0 ** 2, 4.0], 3.0)
    assert order == pytest.approx(2.0, rel=1e-10)
    assert estimate == pytest.approx(5.0, rel=1e-10)


def test_richardson_refuses_oscillation_and_missing(study):
    assert all(math.isnan(v) for v in study.richardson([1.0, 2.0, 1.5], 2.0))
    assert all(math.isnan(v) for v in study.richardson([1.0, 2.0, math.nan], 2.0))
    assert all(math.isnan(v) for v in study.richardson([1.0, 1.0, 1.0], 2.0))
    # differences growing on refinement (0.2 then 1.35): not converging, no order
    assert all(math.isnan(v) for v in study.richardson([0.6, 0.8, 2.15], 2.0))


def test_measures_and_table(study):
    def row(t, p, h, q):
        return {"time_s": t, "stack_pressure_Pa": p, "li_thickness_m": h, "min_mesh_quality": q}

    full = [row(0.0, 25e6, 77e-6, 1.0), row(1800.0, 23e6, 76e-6, 0.9),
            row(86400.0, 15e6, 70e-6, 0.8)]
    stopped = [row(0.0, 25e6, 77e-6, 1.0), row(1800.0, 22.9e6, 76e-6, 0.3),
               row(2716.0, 22.1e6, 75.5e-6, 0.1)]
    m = study.measures(full)
    assert m["drop30"] == pytest.approx(2e6) and m["p24"] == 15e6
    assert m["thinning"] == pytest.approx(7e-6) and m["quality"] == 0.8
    s = study.measures(stopped)
    assert math.isnan(s["p24"]) and s["reached"] == 2716.0 and s["quality"] == 0.1
    # drops 2.4, 2.2, 2.15 MPa: differences -0.2, -0.05 -> p = 2, estimate 2.15 - 0.05/3
    results = [dict(m, drop30=d) for d in (2.4e6, 2.2e6, 2.15e6)]
    lines = study.table([2.0, 1.0, 0.5], 50e-6, results, 2.0)
    drop_line = next(line for line in lines if line.startswith("| 30-min drop"))
    assert "| 2.00 | 2.133 |" in drop_line
    assert f"{(2.2 - (2.15 - 0.05 / 3)) / (2.15 - 0.05 / 3):+.1%}" in drop_line
    assert "| × 0.5 | 25 | 23.000 | 2.150 | 15.00 | 7.00 | 0.8 | 24 |" in lines


def test_plot_writes_the_histories_with_the_measured_point(study, tmp_path):
    rows = [[{"time_s": t, "stack_pressure_Pa": 25e6 - 1e5 * k * math.log1p(t)} for t in
             (0.0, 60.0, 1800.0, 86400.0)] for k in (1.0, 1.1, 1.2)]
    path = tmp_path / "histories.png"
    study.plot(path, [2.0, 1.0, 0.5], 50e-6, rows, 2.2, "made up")
    assert path.stat().st_size > 10_000 and path.read_bytes()[:4] == b"\x89PNG"


def test_curved_needs_large_deformation(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "seating_mesh_study.py"),
                           "--curved", "--out", str(tmp_path / "study")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "--curved: needs --large-deformation" in done.stderr
    assert not (tmp_path / "study").exists()  # nothing written
