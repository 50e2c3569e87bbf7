"""scripts/fit_vacancy_lifetime.py: the interval rule on given margins, and end to end on the cheap
study RVE (fit τ_v to a chosen CCD, then rerun at the fitted τ_v and get that CCD)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import script_module
from tests.coupled.study_case import write_study_case

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "fit_vacancy_lifetime.py"


@pytest.fixture(scope="module")
def fit():
    yield from script_module("fit_vacancy_lifetime")


def test_interval_from_level_margins(fit):
    """Margins ∝ √τ: a level-k margin M nucleates at τ = τ_ref/M²; the CCD is level 1 for τ in
    [τ_ref/M_2², τ_ref/max(M_0, M_1)²), and a margin that falls at the next level empties it."""
    low, high = fit.lifetime_interval({0: 0.1, 1: 0.2, 2: 0.25}, 1, 1e-4)
    assert low == pytest.approx(1e-4 / 0.25**2) and high == pytest.approx(1e-4 / 0.2**2)
    low, high = fit.lifetime_interval({0: 0.3, 1: 0.2, 2: 0.25}, 1, 1e-4)
    assert not low < high
    rows = [{"level": "0", "time_s": "1", "nucleated_fraction_bottom": "0",
             "nucleated_fraction_top": "0", "vacancy_margin_bottom": "0.1",
             "vacancy_margin_top": "0.3"},
            {"level": "0", "time_s": "2", "nucleated_fraction_bottom": "0",
             "nucleated_fraction_top": "0", "vacancy_margin_bottom": "0.2",
             "vacancy_margin_top": "0.0"}]
    assert fit.level_margins(rows) == {0: 0.3}
    rows[1]["nucleated_fraction_top"] = "0.01"
    with pytest.raises(ValueError, match="smaller --reference"):
        fit.level_margins(rows)


def test_fitted_lifetime_reproduces_the_ccd(tmp_path):
    case = write_study_case(tmp_path / "rve_ccd.toml", 0.4,
                            "[coupling.vacancy]\nquasi_steady = true")
    out = tmp_path / "fit"
    done = subprocess.run([sys.executable, str(SCRIPT), str(case), "--out", str(out),
                           "--reference", "1e-3", "--check"], capture_output=True, text=True,
                          timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    report = (out / "fit.md").read_text()
    assert "Check run" in report and (out / "margin.png").exists()
    assert "Each level runs 1 × (" in report and "not the case's own" not in report
    fitted = float(report.split("**τ_v = ")[1].split(" s**")[0])
    assert fitted > 1e-3 and math.isfinite(fitted)  # the reference is far from nucleating
    check = json.loads((out / "check" / "run.json").read_text())["summary"]
    assert check["ccd_A_m2"] == pytest.approx(4.0)  # 0.4 mA/cm², the target
    assert check["failed_level_A_m2"] == pytest.approx(6.0)


def test_ramp_override_ends_the_ramp_above_the_target_and_says_what_a_level_runs(fit, tmp_path):
    case = write_study_case(tmp_path / "rve_ccd.toml", 0.4, "")
    shorter = ('protocol.steps=[{ ramp = "0.2 to 1 mA/cm2 by 0.2 mA/cm2", cycles = 2, '
               'steps = ["Strip for 5 seconds", "Plate for 5 seconds"] }]')
    override, levels, per_level = fit.ramp_override(case, 4.0, [shorter])
    assert levels == pytest.approx([2.0, 4.0, 6.0])  # A/m²: ends at the first level above 0.4
    assert '"0.2 to 0.6 mA/cm2 by 0.2 mA/cm2", cycles = 2' in override
    assert per_level == "2 × (Strip for 5 seconds, Plate for 5 seconds)"
    assert fit.ramp_override(case, 4.0, [])[2] == "1 × (Strip for 10 seconds)"
