"""Source C's coupled full cell (a cathode on top, no coupled contact pairs on its side) with the
quasi-steady vacancy rule: a charge, which strips the cathode, is no contact loss. The cathode's
contact fraction is nan (no pairs); dbf67df read nan as a loss at every time step's start, and
the full-cell CCD runs stalled in their first discharge."""

from __future__ import annotations

import json
from pathlib import Path

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
