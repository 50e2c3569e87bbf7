"""Calibrated cases reproduce the data point they were calibrated to (and only that is claimed)."""

from pathlib import Path

import pytest
from mpi4py import MPI

from ssbstack.config.loader import load_case
from ssbstack.meshing.stack import build_mesh
from ssbstack.numerics.electrochemistry import ElectrochemistryModel
from ssbstack.numerics.model import Control

CASES = Path(__file__).resolve().parents[2] / "cases"


def test_chen2023_rt_mcl_overpotential_at_0p7_mA_cm2():
    case = load_case(CASES / "chen2023" / "rt_mcl_ccd.toml")
    assert case.provenance["electrochemistry.kinetics.charge_transfer_resistance"]["status"] == (
        "calibrated")
    model = ElectrochemistryModel(case, build_mesh(case, MPI.COMM_WORLD), MPI.COMM_WORLD)
    result = model.solve(0.0, 0.0, Control(7.0))  # 0.7 mA/cm²
    measured = case.targets["overpotential_0p7"].value * 1e-3
    assert result.values["voltage_V"] == pytest.approx(measured, rel=0.01)
