"""scripts/fit_contact_fraction.py: the interpolation rule on given margins, and end to end on the
cheap study RVE (fit f to a chosen CCD at the case's τ_v, then rerun at the fitted f)."""

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
SCRIPT = ROOT / "scripts" / "fit_contact_fraction.py"


@pytest.fixture(scope="module")
def fit():
    yield from script_module("fit_contact_fraction")


def test_interval_interpolates_log_margins(fit):
    """Margins falling with f: each crossing of 1 is found by log-linear interpolation; the
    interval lies between the survive-level and the fail-level crossings."""
    maxima = {0.2: (4.0, 8.0), 0.6: (0.25, 0.5)}
    low, high, open_ends = fit.fraction_interval(maxima, 1.0)
    assert low == pytest.approx(0.4)  # log 4 -> log 0.25 crosses 0 half way
    assert high == pytest.approx(0.2 + 0.4 * 3 / 4)  # log 8 -> log 0.5: 3/4 of the way
    assert fit.crossing([0.2, 0.6], [2.0, 1.5]) is None  # never below 1
    # a run that failed without a void (contact lost) at f = 0.2: the crossing is not interpolated
    assert fit.crossing([0.2, 0.6], [math.inf, 0.5]) is None
    assert open_ends == []
    low, high, open_ends = fit.fraction_interval(maxima, 0.1)  # all margins below 1 at this scale
    assert low is None and high is None and open_ends == []
    # the lowest sample already reproduces the CCD (0.9 < 1 <= 1.4): it bounds the interval
    low, high, open_ends = fit.fraction_interval({0.1: (0.9, 1.4), 0.3: (0.5, 0.8)}, 1.0)
    assert low == 0.1 and open_ends == ["below 0.1"]
    assert high == pytest.approx(0.1 + 0.2 * math.log(1.4) / math.log(1.4 / 0.8))


def test_fitted_fraction_reproduces_the_ccd(tmp_path):
    case = write_study_case(
        tmp_path / "rve_ccd.toml",
        0.4,  # full contact: j* = 0.83 mA/cm² at τ_v = 0.2 s
        '[coupling.vacancy]\nquasi_steady = true\nlifetime = "0.2 s"',
    )
    out = tmp_path / "fit"
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            str(case),
            "--fractions",
            "0.3,0.5,0.7,0.9",
            "--out",
            str(out),
            "--reference",
            "1e-3",
            "--check",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    report = (out / "fit.md").read_text()
    assert "Check run" in report and (out / "fraction.png").exists()
    assert "Each level runs 1 × (Strip for 10 seconds)." in report
    # f = 0.3's reference run loses its contact at 0.4 mA/cm² before any void: reported, not fitted
    assert "| 0.3 | inf | inf | < 0.4 (stripping: contact lost at 0.4 mA/cm² without a void) |" in report
    fitted = float(report.split("**f = ")[1].split("**")[0])
    assert 0.5 < fitted < 0.9
    # the check run's folder is keyed by its f: a rerun with other samples makes a new one
    check = json.loads((out / f"check-f{fitted:.4g}" / "run.json").read_text())["summary"]
    assert check["ccd_A_m2"] == pytest.approx(4.0)  # 0.4 mA/cm², the target


def test_measured_resistance_is_derived_as_ssbstack_interface_derives_it(fit):
    """--measured: R_ct follows f by the R_int route; at CE1's formerly stated f = 0.3 with the
    layout drawn there it is the value ``ssbstack interface`` derived for the case then (2.157 Ohm
    cm2); the held layout enters; a bad unit exits with one line."""
    ce1 = ROOT / "cases" / "badding2025" / "ce1_bare_contact_fraction.toml"

    def drawn_at(layout: float) -> list[str]:
        return [f'geometry.interfaces."{name}".layout_fraction={layout:g}'
                for name in ("bottom_li|se", "se|top_li")]

    stated = [*fit.fraction_overrides(ce1, 0.3, []), *drawn_at(0.3)]
    item = fit.derived_resistance(ce1, stated, "10.6 Ohm cm2")
    assert item == "2.157 Ohm cm2"
    denser = fit.derived_resistance(ce1, [*fit.fraction_overrides(ce1, 0.32, []), *drawn_at(0.3)],
                                    "10.6 Ohm cm2")
    assert denser != item  # f enters the derivation
    other_layout = fit.derived_resistance(
        ce1, [*fit.fraction_overrides(ce1, 0.3, []), *drawn_at(0.4)], "10.6 Ohm cm2")
    assert other_layout != item  # and so does the layout
    with pytest.raises(SystemExit, match=r"--measured '10\.6 mA': "):
        fit.derived_resistance(ce1, stated, "10.6 mA")
