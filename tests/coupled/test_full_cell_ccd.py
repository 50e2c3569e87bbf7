"""Source C's coupled full cell (a cathode on top, no coupled contact pairs on its side) with the
quasi-steady vacancy rule: a charge, which strips the cathode, is no contact loss. The cathode's
contact fraction is nan (no pairs); dbf67df read nan as a loss at every time step's start, and
the full-cell CCD runs stalled in their first discharge. And the full cells' as-laid contact is
kept through a charge by the creep threshold stress, not by the bulk law."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssbstack.cli import main

CASE = Path(__file__).resolve().parents[2] / "cases/ham2024/ccd/full_cell_fixed_gap_1MPa_ccd.toml"


def test_a_full_cell_charge_is_no_contact_loss(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(CASE), "-o", str(out), "--set",
                 'protocol.steps=["Charge at 0.2 mA/cm2 for 2 h"]']) == 0
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "completed", record["status"]
    rows = (out / "timeseries.csv").read_text().splitlines()
    header, last = rows[0].split(","), rows[-1].split(",")
    # the cathode and plated Li thicken the stack in its fixed gap: the pressure rises from 1 MPa
    assert float(last[header.index("stack_pressure_Pa")]) > 1.05e6
    assert float(last[header.index("voltage_V")]) > 3.6


@pytest.mark.parametrize("threshold, closes", [(None, False), ("0 MPa", True)])
def test_the_as_laid_contact_survives_a_charge_only_with_a_creep_threshold(tmp_path, threshold,
                                                                           closes):
    """The full cells start from the as-laid contact 0.3 (common/full_cell_as_laid_source_c.toml).
    At 1 MPa the contact spots carry ~3 MPa: Li with the case's threshold stress (0.625 MPa,
    calibrated) keeps the voids open through a charge; the bulk Norton law (σ_th = 0) creeps them
    shut."""
    out = tmp_path / "run"
    threshold_set = ([] if threshold is None else
                     ["--set", f'materials.Li.creep.threshold_stress="{threshold}"'])
    assert main(["run", str(CASE), "-o", str(out), "--set",
                 'protocol.steps=["Charge at 0.2 mA/cm2 for 10 min"]', *threshold_set]) == 0
    rows = (out / "timeseries.csv").read_text().splitlines()
    header, first, last = rows[0].split(","), rows[1].split(","), rows[-1].split(",")
    column = header.index("contact_fraction_bottom")
    assert float(first[column]) == pytest.approx(0.3, abs=0.02)  # the seeded as-laid contact
    if closes:
        assert float(last[column]) > 0.9
    else:
        assert float(last[column]) < 0.35
