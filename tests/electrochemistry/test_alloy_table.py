"""Composition-dependent diffusivity D(x) of a volume interlayer; the source D (Li–Al) full cell.

The alloy.* checks of ``ssbstack verify`` (MMS of the D(c) operator, flat table = Crank, Li
balance with a non-flat table) run here as tests; the table's input errors name their key; the
UFL interpolation equals numpy's; the 3C case discharges from its open-circuit voltage to the
cut-off and conserves Li between anode and cathode.
"""

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from ssbstack.config.loader import load_case
from ssbstack.errors import CaseError
from ssbstack.verification import discover, run_check

ROOT = Path(__file__).resolve().parents[2]
CHECKS = {name: check for name, check in discover().items() if name.startswith("alloy.")}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_check_passes(name):
    result = run_check(name, CHECKS[name], MPI.COMM_WORLD)
    assert result.passed, result


def test_table_is_read_with_units_and_checked():
    case = load_case(ROOT / "cases/verification/echem_alloy.toml",
                     ['materials.LiAl.diffusivity=[[0, "1e-10 cm2/s"], [1, 1e-13]]'])
    assert case.material("alloy").diffusivity == [(0.0, pytest.approx(1e-14)), (1.0, 1e-13)]
    for table, message in (("[[0, 1e-13], [0, 1e-12]]", "x must increase"),
                           ("[[0, 1e-13]]", "at least 2 rows"),
                           ("[[0, 1e-13], [1, 0]]", "greater than 0"),
                           ('[[0, 1e-13], [1, "1 m"]]', "expected a diffusivity")):
        with pytest.raises(CaseError, match=f"materials.LiAl.diffusivity: .*{message}"):
            load_case(ROOT / "cases/verification/echem_alloy.toml",
                      [f"materials.LiAl.diffusivity={table}"])


def test_table_on_a_sheet_is_refused():
    with pytest.raises(CaseError, match=r"materials.MIEC.diffusivity: a D\(x\) table needs a "
                                        "meshed"):
        load_case(ROOT / "cases/verification/echem_sheet_void.toml",
                  ["materials.MIEC.diffusivity=[[0, 1e-13], [1, 1e-12]]",
                   "materials.MIEC.initial_concentration=5e4 mol/m^3"])


def test_ufl_table_interpolation_matches_numpy():
    import dolfinx
    import ufl

    from ssbstack.physics.electrochemistry import tabulated_diffusivity

    table = [(0.1, 1e-15), (0.5, 3e-14), (0.9, 1e-12)]
    mesh = dolfinx.mesh.create_interval(MPI.COMM_SELF, 40, [-0.2, 1.2])
    x = ufl.SpatialCoordinate(mesh)[0]
    space = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    values = dolfinx.fem.Function(space)
    values.interpolate(dolfinx.fem.Expression(tabulated_diffusivity(x, table),
                                              space.element.interpolation_points))
    points = space.tabulate_dof_coordinates()[:, 0]
    expected = np.exp(np.interp(points, [r[0] for r in table], np.log([r[1] for r in table])))
    assert np.allclose(values.x.array, expected, rtol=1e-12)


def test_3c_discharge_starts_at_open_circuit_and_conserves_li(tmp_path):
    from ssbstack.config.loader import resolved_json
    from ssbstack.simulation import run_case

    case = load_case(ROOT / "cases/lee2025/rate_3c.toml",
                     ['protocol.steps=["Discharge at 11.78 mA/cm2 for 1 h or until 3.5 V"]'])
    run_case(case, resolved_json(case), tmp_path / "run", MPI.COMM_SELF, log=lambda _: None)
    with (tmp_path / "run" / "timeseries.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    voltages = [float(r["voltage_V"]) for r in rows]
    assert voltages[0] == pytest.approx(4.80 - 0.25, abs=0.01)  # U_LNMO(0.05) - U_LiAl(0.95)
    assert all(v > 3.5 for v in voltages[:-1]) and voltages[-1] <= 3.5  # stopped at the cut-off
    end = float(rows[-1]["time_s"])
    assert 20.0 < end < 3600.0 / 3.0  # a 3C discharge limited by Li transport in the anode
    # Li: the cathode gained what the charge passed (anode loses the same: alloy.table_li_balance)
    cathode = case.material("cathode")
    gained = (float(rows[-1]["cathode_lithiation"]) - float(rows[0]["cathode_lithiation"])) \
        * cathode.max_concentration * case.layer("cathode").thickness
    assert gained == pytest.approx(117.8 * end / 96485.33212, rel=1e-8)
    assert math.isfinite(float(rows[-1]["alloy_surface_fraction_bottom"]))


def test_source_d_fixed_gap_pressure_follows_the_electrodes_volume_change(tmp_path):
    """lee2025/pressure_fixed_gap_c3.toml, its C/3 discharge only: the alloy anode shrinks by
    Ω_a q/F, the cathode swells by Ω_c q/F, and the fixed gap answers ΔP = Δh_free/(A/k + C)
    (verification.fullcell's closed form, q from the time series): −0.72 MPa."""
    from ssbstack.config.loader import resolved_json
    from ssbstack.simulation import run_case
    from ssbstack.verification.fullcell import pressure_rise_reference

    case = load_case(ROOT / "cases/lee2025/pressure_fixed_gap_c3.toml",
                     ['protocol.steps=["Discharge at 1.309 mA/cm2 for 20 h or until 3.5 V"]'])
    run_case(case, resolved_json(case), tmp_path / "run", MPI.COMM_SELF, log=lambda _: None)
    with (tmp_path / "run" / "timeseries.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    charge = -13.09 * float(rows[-1]["time_s"])  # C/m² (negative: a discharge)
    change = float(rows[-1]["stack_pressure_Pa"]) - float(rows[0]["stack_pressure_Pa"])
    assert change == pytest.approx(pressure_rise_reference(case, charge), rel=1e-6)
    assert -0.8e6 < change < -0.6e6
