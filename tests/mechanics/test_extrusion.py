"""Li extruding into the plunger/die gap (mechanics.die_extrusion_gap, numerics/extrusion.py): the
slit law and the column's growth against closed forms, the coupled block against its ODEs with the
error falling with the sub-step tolerance, the volume balance, case validation, checkpoints and
1 vs 2 ranks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mpi4py import MPI
from tests.conftest import resumed_from_checkpoint, two_rank_history

from ssbstack.config.loader import build_case, load_case, load_raw
from ssbstack.errors import CaseError
from ssbstack.physics import mechanics as phys
from ssbstack.verification import die as checks
from ssbstack.verification.mechanics import case_file, run_history

COMM = MPI.COMM_WORLD


@pytest.fixture(scope="module")
def law():
    case = load_case(case_file("die_extrusion"))
    return phys.CreepRate(case.materials["Li"].creep, 298.15)


def test_slit_velocity_is_the_norton_closed_form(law):
    n, half = law.power, 5e-6
    for shear in (1e4, 1e6, 5e6):
        exact = math.sqrt(3) * law.coefficient * half * (math.sqrt(3) * shear / 1e6) ** n / (n + 2)
        assert phys.slit_mean_velocity(law, shear, half) == pytest.approx(exact, rel=1e-12)
    assert phys.slit_mean_velocity(law, 0.0, half) == 0.0


def test_column_growth_converges_at_first_order_to_the_closed_form(law):
    """At a constant entrance pressure dL/dt = K (p/L)ⁿ, so L^(n+1) = L0^(n+1) + (n+1) K pⁿ t."""
    n, half, pressure, end = law.power, 5e-6, 20e6, 1800.0
    rate = math.sqrt(3) * law.coefficient * half * (math.sqrt(3) * half / 1e6) ** n / (n + 2)
    start = 2 * half
    exact = (start ** (n + 1) + (n + 1) * rate * pressure ** n * end) ** (1 / (n + 1))
    errors = []
    for steps in (100, 1000):
        length = start
        times = np.concatenate([[0.0], np.geomspace(1e-3, end, steps)])
        for dt in np.diff(times):
            length = phys.column_length_after(length, pressure, dt, law, half)
        errors.append(abs(length / exact - 1.0))
    assert errors[1] < 1e-3
    assert math.log10(errors[0] / errors[1]) == pytest.approx(1.0, abs=0.05)


def test_block_follows_its_odes_and_the_error_falls_with_the_substep_tolerance():
    reference, computed, fine = checks.extrusion_errors(COMM, 5e-4)
    assert fine <= 0.01, (reference, computed)
    coarse = checks.extrusion_errors(COMM, 2e-3)[2]
    assert math.log(coarse / fine) / math.log(4.0) == pytest.approx(1.0, abs=0.25)


def test_without_the_gap_the_block_does_not_extrude():
    """The check can fail: a closed die (gap 0) gives the confined creep answer, no column."""
    case = load_case(case_file("die_extrusion"), ["mechanics.die_extrusion_gap=0"])
    model, rows = run_history(case, COMM, [10.0])
    assert model.extrusion is None and "extrusion_length_m" not in rows[-1]
    reference = checks.extrusion_reference(load_case(case_file("die_extrusion")), [10.0])[0]
    assert rows[-1]["die_pressure_Pa"] > 1.05 * reference[0]  # no relief: higher wall pressure


def _with_materials(lower: str, upper: str):
    """The die_extrusion case with its two layers made of ``lower`` and ``upper``."""
    path = case_file("die_extrusion")
    data = load_raw(path)
    data["stack"] = [{"name": "lower", "material": lower, "thickness": "50 um"},
                     {"name": "upper", "material": upper, "thickness": "50 um"}]
    return build_case(data, file=str(path))


def test_plate_travel_is_the_extruded_volume_and_a_non_creeping_layer_feeds_nothing():
    """Upper layer LPSCl: one column (the Li); nodes shared with the LPSCl pass nothing; at a
    constant stack pressure the plate moves by the extruded volume / area."""
    case = _with_materials("Li", "LPSCl")
    model, rows = run_history(case, COMM, [10.0, 100.0])
    assert len(model.extrusion.groups) == 1
    wall = model.wall
    heights = model.V.tabulate_dof_coordinates()[wall.nodes, 1]
    assert np.all(wall.allowance[heights >= 50e-6 - 1e-12] == 0.0)
    assert np.all(wall.allowance[heights < 50e-6 - 1e-12] > 0.0)
    area = math.pi * case.geometry.electrode_radius ** 2
    travel = -(rows[2]["plate_displacement_m"] - rows[1]["plate_displacement_m"]) * area
    extruded = rows[2]["extruded_volume_m3"] - rows[1]["extruded_volume_m3"]
    assert extruded > 0.0
    assert travel == pytest.approx(extruded, rel=2e-3)


def test_extrusion_needs_the_die_and_a_steady_law():
    with pytest.raises(CaseError, match="die_extrusion_gap needs sides = 'die'"):
        load_case(case_file("die_extrusion"), ['mechanics.sides="free"',
                                               "mechanics.die_clearance=0"])
    with pytest.raises(CaseError, match="Anand"):
        run_history(_with_materials("Li_anand", "Li_anand"), COMM, [])


def test_extrusion_survives_a_checkpoint():
    case = load_case(case_file("die_extrusion"))
    straight, resumed = resumed_from_checkpoint(case, 1.0, 10.0, 0.0)
    for key in ("extrusion_length_m", "die_pressure_Pa", "plate_displacement_m"):
        assert resumed[key] == pytest.approx(straight[key], rel=1e-9), key


@pytest.mark.skipif(COMM.size > 1, reason="launches its own 2-rank run")
@pytest.mark.parametrize("case", ["die_extrusion", "die_extrusion_rim"])
def test_two_ranks_give_the_serial_extrusion_history(case):
    serial, parallel = two_rank_history(case, [1.0, 10.0])
    for a, b in zip(serial, parallel, strict=True):
        for key in ("extrusion_length_m", "extruded_volume_m3", "die_pressure_Pa"):
            assert b[key] == pytest.approx(a[key], rel=1e-6, abs=1e-20), key  # sum order


def test_plane_strain_feeds_one_column_per_layer_and_wall():
    """Planar 2D: two walls, so four equal columns; the plate moves by their volume / width."""
    case = load_case(case_file("die_extrusion"), ['geometry.kind="planar2d"'])
    model, rows = run_history(case, COMM, [1.0, 10.0])
    lengths = model.current.extrusion
    assert lengths.size == 4 and np.allclose(lengths, lengths[0], rtol=1e-9)
    width = case.geometry.width
    travel = -(rows[2]["plate_displacement_m"] - rows[1]["plate_displacement_m"]) * width
    extruded = rows[2]["extruded_volume_m3"] - rows[1]["extruded_volume_m3"]
    assert travel == pytest.approx(extruded, rel=2e-3)


def test_rim_sink_block_follows_its_odes_and_the_error_falls_with_the_substep_tolerance():
    """die_extrusion_exit = "rim": the plane-strain block's columns take their Li out of the
    layers as a lateral sink eigenstrain (verification/die.py, extrusion_rim_reference)."""
    reference, computed, fine = checks.extrusion_errors(COMM, 5e-4, at_rim=True)
    assert fine <= 0.01, (reference, computed)
    coarse = checks.extrusion_errors(COMM, 2e-3, at_rim=True)[2]
    assert math.log(coarse / fine) / math.log(4.0) == pytest.approx(1.0, abs=0.25)


def test_rim_exit_passes_no_node_past_the_wall_and_keeps_the_volume_balance():
    """Axisymmetric, Li under LPSCl, the Li leaving at the rim: the wall lets no node pass
    (allowance 0, the side overlaps it by the penalty's p/k_n only), the plate still
    moves by the extruded volume / area, and the column grows as with the bulge (a few %: the
    rim is not where the wall-exit bulge takes the Li from)."""
    data = load_raw(case_file("die_extrusion"))
    data["stack"] = [{"name": "lower", "material": "Li", "thickness": "50 um"},
                     {"name": "upper", "material": "LPSCl", "thickness": "50 um"}]
    data["mechanics"]["die_extrusion_exit"] = "rim"  # the default; the file sets "wall"
    case = build_case(data, file=str(case_file("die_extrusion")))
    model, rows = run_history(case, COMM, [10.0, 100.0])
    assert np.all(model.wall.allowance == 0.0)
    assert rows[2]["min_die_gap_m"] > -1e-12  # the penalty's overlap only (the bulge: µm)
    area = math.pi * case.geometry.electrode_radius ** 2
    travel = -(rows[2]["plate_displacement_m"] - rows[1]["plate_displacement_m"]) * area
    extruded = rows[2]["extruded_volume_m3"] - rows[1]["extruded_volume_m3"]
    assert extruded > 0.0
    assert travel == pytest.approx(extruded, rel=2e-3)
    bulge = run_history(_with_materials("Li", "LPSCl"), COMM, [10.0, 100.0])[1]
    assert rows[2]["extrusion_length_m"] == pytest.approx(bulge[2]["extrusion_length_m"],
                                                          rel=0.1)


def test_the_wall_exit_refuses_large_deformation():
    with pytest.raises(CaseError, match="die_extrusion_exit = 'wall' needs large_deformation"):
        load_case(case_file("die_extrusion"), ["mechanics.large_deformation=true"])
    load_case(case_file("die_extrusion"), ["mechanics.large_deformation=true",
                                           'mechanics.die_extrusion_exit="rim"'])
