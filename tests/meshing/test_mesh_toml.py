"""The geometry section as written in a case file (TOML, quantities, quoted interface names)."""

from __future__ import annotations

import math

import pytest
from mpi4py import MPI

from conftest import CASES
from ssbstack.config.loader import load_case
from ssbstack.meshing.quality import tagged_measures
from ssbstack.meshing.stack import build_mesh

CASE = f"""
extends = "{CASES / 'badding2025' / 'base.toml'}"
name = "axisymmetric-coin"

[geometry]
kind = "axisymmetric"
electrode_radius = "0.3 mm"
electrolyte_radius = "0.4 mm"

[geometry.interfaces."bottom_li|se"]
morphology = "contact_fraction"
contact_fraction = 0.9
patch_radius = "10 um"
seed = 4

[geometry.mesh]
bulk = "100 um"
"""


def test_case_file_geometry_meshes(tmp_path):
    path = tmp_path / "coin.toml"
    path.write_text(CASE, encoding="utf-8")
    case = load_case(path)
    assert case.geometry.electrode_radius == pytest.approx(3e-4)
    stack_mesh = build_mesh(case, MPI.COMM_WORLD)
    measures = tagged_measures(stack_mesh)
    disc = math.pi * 3e-4**2
    assert measures["bottom_li|se"] == pytest.approx(0.9 * disc, rel=1e-10)
    assert measures["se"] == pytest.approx(math.pi * 4e-4**2 * 0.65e-3, rel=1e-10)
