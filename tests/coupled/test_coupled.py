"""The coupled step (current ↔ creep ↔ contact): verification checks, parallel invariance,
restart, and the case rules of the [coupling] section."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from mpi4py import MPI

from conftest import run_mpi
from ssbstack.cli import main
from ssbstack.config.loader import load_case
from ssbstack.errors import CaseError
from ssbstack.numerics.model import Control
from ssbstack.verification import coupled as checks
from ssbstack.verification.mechanics import case_file

CE1_CCD = (Path(__file__).resolve().parents[2] / "cases" / "badding2025" / "ccd"
           / "ce1_ccd.toml")
COLUMNS = ["voltage_V", "stack_pressure_Pa", "contact_fraction_bottom", "max_gap_bottom_m",
           "hot_spot_factor_avg_bottom", "li_balance_error_m"]


@pytest.mark.parametrize("name", ["full_contact", "full_contact_ccd_model", "li_balance",
                                  "contact_indicator", "vacancy_build_up", "full_cell_voltage",
                                  "full_cell_cathode_li_balance", "full_cell_full_contact",
                                  "full_cell_full_contact_mechanics"])
def test_verification_check_passes(name):
    reference, computed, error, tolerance = getattr(checks, f"verify_{name}")(MPI.COMM_WORLD)
    assert error <= tolerance, (reference, computed)


def test_full_cell_checks_pass_on_two_ranks():
    """The coupled full cell (a cathode on top) on 2 ranks: the same voltage, cathode Li and
    stack as on one."""
    code = ("import json; from mpi4py import MPI; from ssbstack.verification import coupled;"
            "r = coupled.full_cell_results(MPI.COMM_WORLD);"
            "MPI.COMM_WORLD.rank == 0 and print('OUT' + json.dumps([*r['voltage'], "
            "*r['lithium'], r['substeps'], r['coupled']['plate_displacement_m']]))")
    done = run_mpi(["-c", code], ranks=2, timeout=400)
    assert done.returncode == 0, done.stderr[-2000:]
    voltage, voltage_2, passed, gained, substeps, plate = json.loads(
        done.stdout.split("OUT", 1)[1].splitlines()[0])
    assert substeps >= 2
    assert abs(voltage_2 - voltage) / voltage < 1e-5
    assert abs(gained - passed) / passed < 1e-10
    serial = checks.full_cell_results(MPI.COMM_WORLD)
    assert voltage_2 == pytest.approx(serial["voltage"][1], rel=1e-9)
    assert plate == pytest.approx(serial["coupled"]["plate_displacement_m"], rel=1e-6)


def test_a_coupled_volume_interlayer_is_refused():
    """Coupling with a meshed alloy interlayer is not implemented: one clear error."""
    case = load_case(case_file("echem_alloy"), [
        "mechanics.enabled=true", "coupling.enabled=true", "mechanics.fixture=constant_pressure",
        "mechanics.interface_contact=frictionless"])
    with pytest.raises(CaseError, match="volume interlayer is not implemented"):
        checks.build(case, MPI.COMM_WORLD)


def test_debond_current_crowds_at_rim_and_creep_heals_it():
    """At 1 MPa and 1 mA/cm² the current crowds at the rim of the seeded debond (facet-averaged
    hot spot > 1.2) and creep pushes Li into the debond faster than the rim strips: the contact
    fraction grows from the seeded 0.80 and the gap shrinks."""
    rows = checks.debond_history(MPI.COMM_WORLD, (20.0, 120.0))
    start, first, last = rows[0], rows[1], rows[-1]
    assert first["hot_spot_factor_avg_bottom"] > 1.2
    assert start["contact_fraction_bottom"] == pytest.approx(0.8036, abs=1e-3)
    assert last["contact_fraction_bottom"] > first["contact_fraction_bottom"] + 0.05
    assert last["max_gap_bottom_m"] < 0.8 * start["max_gap_bottom_m"]
    assert abs(last["li_balance_error_m"]) < 1e-15


def test_the_fixed_point_stop_criterion_controls_the_error():
    """The contact ↔ current iteration stops when it would move less than ``coupling.tolerance``
    of the interface current (an area integral): the debond history at the default 1e-3 is
    within that of the one at 1e-5, and the tighter one iterates more."""
    loose, tight = (checks.debond_history(MPI.COMM_WORLD, (20.0, 120.0),
                                          (f"coupling.tolerance={tolerance}",))
                    for tolerance in (1e-3, 1e-5))
    assert sum(r["coupling_iterations"] for r in tight) > sum(
        r["coupling_iterations"] for r in loose)
    for a, b in zip(loose[1:], tight[1:], strict=True):  # after the initial state
        assert a["voltage_V"] == pytest.approx(b["voltage_V"], rel=1e-3)
        assert a["contact_fraction_bottom"] == pytest.approx(b["contact_fraction_bottom"],
                                                             abs=1e-3)
        assert a["hot_spot_factor_avg_bottom"] == pytest.approx(
            b["hot_spot_factor_avg_bottom"], rel=2e-3)


def test_two_ranks_reproduce_the_serial_history():
    code = ("import json; from mpi4py import MPI; from ssbstack.verification import coupled;"
            "rows = coupled.debond_history(MPI.COMM_WORLD);"
            f"MPI.COMM_WORLD.rank == 0 and print('ROWS' + json.dumps("
            f"[[r[c] for c in {COLUMNS!r}] for r in rows]))")
    done = run_mpi(["-c", code], ranks=2, timeout=400)
    assert done.returncode == 0, done.stderr[-2000:]
    parallel = np.array(json.loads(done.stdout.split("ROWS", 1)[1].splitlines()[0]))
    serial = np.array([[r[c] for c in COLUMNS] for r in checks.debond_history(MPI.COMM_WORLD)])
    scale = np.maximum(np.nanmax(np.abs(serial), axis=0), 1e-30)
    scale[COLUMNS.index("li_balance_error_m")] = 1e-9  # compared in m against a 1 nm scale
    assert np.array_equal(np.isnan(serial), np.isnan(parallel))  # hot spot: nan at rest
    assert np.nanmax(np.abs(parallel - serial) / scale) < 1e-6, (serial, parallel)


def test_restart_in_the_middle_reproduces_the_straight_run():
    comm = MPI.COMM_WORLD
    case = load_case(case_file("coupled_debond"))
    (model,) = checks.build(case, comm)
    checks.run_models([model], [20.0])
    saved = {name: (keys[np.argsort(keys)], rows[np.argsort(keys)])
             for name, (keys, rows) in model.state().items()}
    straight = model.solve(60.0, 40.0, Control(checks.CURRENT))
    (fresh,) = checks.build(case, comm)
    fresh.restore(saved)
    resumed = fresh.solve(60.0, 40.0, Control(checks.CURRENT))
    assert straight.converged and resumed.converged
    for column in COLUMNS:
        assert resumed.values[column] == pytest.approx(straight.values[column], rel=1e-8,
                                                       abs=1e-15), column


@pytest.mark.parametrize("overrides, message", [
    (["mechanics.interface_contact=bonded"], "needs mechanics.interface_contact = 'frictionless'"),
    (["mechanics.enabled=false"], "needs electrochemistry and mechanics enabled"),
    (["mechanics.void_gap=0"], "mechanics.void_gap: must be > 0 with coupling"),
    (["coupling.nucleation=vacancy"], "coupling.vacancy: give this table exactly when"),
])
def test_inconsistent_coupling_is_refused(overrides, message):
    with pytest.raises(CaseError, match=message):
        load_case(case_file("coupled_debond"), overrides)


def test_run_ends_by_contact_loss_and_writes_the_interface(tmp_path):
    """A contact-loss limit above the seeded contact fraction (0.80) ends the run at its first
    stripping step as a stripping-limited failure; the coupled outputs are written."""
    out = tmp_path / "run"
    assert main(["run", str(case_file("coupled_debond")), "-o", str(out),
                 "--set", 'protocol.steps=["Strip at 1 mA/cm2 for 6 s"]',
                 "--set", "coupling.min_contact_fraction=0.9"]) == 0
    record = json.loads((out / "run.json").read_text())
    assert record["summary"]["status"] == "failed_contact_loss"
    assert "bottom electrode lost contact" in record["summary"]["message"]
    assert "contact fraction bottom 0.804" in record["summary"]["message"]
    for name in ("fields/contact.bp", "interface/interface_0000.png", "interface/interface_0001.csv"):
        assert (out / name).exists(), name
    with (out / "timeseries.csv").open() as handle:
        last = list(csv.DictReader(handle))[-1]
    assert float(last["substeps"]) >= 1 and float(last["newton_iterations"]) >= 1
    assert float(last["contact_fraction_bottom"]) == pytest.approx(0.8036, abs=1e-3)


def test_mechanics_alone_strips_past_a_seeded_void():
    """Uniform stripping over a seeded void, mechanics alone: every step converges. (Before the
    first Newton iteration kept the sub-step's starting contact set, the stripping offset opened a
    whole interface at once, the layer above floated and the third 30 s step failed.)"""
    from ssbstack.verification.mechanics import run_history

    case = load_case(case_file("coupled_debond"),
                     ["coupling.enabled=false", "electrochemistry.enabled=false"])
    _, rows = run_history(case, MPI.COMM_WORLD, [30.0, 60.0, 90.0, 120.0], checks.CURRENT)
    assert all(row["substeps"] <= 40 for row in rows[1:]), [row["substeps"] for row in rows]
    assert rows[-1]["max_gap_m"] < rows[0]["max_gap_m"]  # creep fills the void


SHORT_RAMP = ('protocol.steps=[{ramp = "0.1 to 0.3 mA/cm2 by 0.1 mA/cm2", cycles = 1, '
              'steps = ["Strip for 30 s"]}]')


def test_vacancy_voids_run_away_at_low_pressure_but_not_in_full_contact_at_5_mpa(tmp_path):
    """Nucleation rule c through a stripping ramp: the 70 %-contact RVE at 0.1 MPa loses its
    stripping contact at 0.3 mA/cm² (voids nucleate, the current crowds onto the rest, the
    voltage rises), the full-contact RVE at 5 MPa completes the same levels."""
    low, high = tmp_path / "low", tmp_path / "high"
    assert main(["run", str(case_file("coupled_rve_ccd")), "-o", str(low), "--set", SHORT_RAMP,
                 "--set", "outputs.plots=false"]) == 0
    record = json.loads((low / "run.json").read_text())["summary"]
    assert record["status"] == "failed_contact_loss"
    assert "vacancy voids nucleated on" in record["message"]
    assert record["ccd_A_m2"] == pytest.approx(2.0)  # the last level completed: 0.2 mA/cm²
    with (low / "timeseries.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert float(rows[-1]["nucleated_fraction_bottom"]) > 0.2
    # the nucleation margin max Π/(p_c + σ_nuc) of each step: below 1 before the first void,
    # at or above 1 in the step that nucleated it, rising from level to level
    margins = [float(row["vacancy_margin_bottom"]) for row in rows[1:]]
    voids = [float(row["nucleated_fraction_bottom"]) > 0.0 for row in rows[1:]]
    first = voids.index(True)
    assert 0.0 < max(margins[:first]) < 1.0 <= margins[first]
    assert margins[-1] > margins[first] > margins[0]
    # the top electrode only plates in this ramp: the rule does not act there, nor its margin
    assert all(float(row["vacancy_margin_top"]) == 0.0 for row in rows)

    def per_current(row, column):
        return float(row[column]) / float(row["current_density_A_m2"])

    # the voltage per current rises, the stripping electrode's kinetic part of it ~2.4×
    assert per_current(rows[-1], "voltage_V") > 1.15 * per_current(rows[-2], "voltage_V")
    assert (per_current(rows[-1], "kinetic_bottom_V")
            > 1.8 * per_current(rows[-2], "kinetic_bottom_V"))
    assert main(["run", str(case_file("coupled_full_contact_ccd")), "-o", str(high), "--set",
                 SHORT_RAMP, "--set", "outputs.plots=false"]) == 0
    record = json.loads((high / "run.json").read_text())["summary"]
    assert record["status"] == "completed"
    with (high / "timeseries.csv").open() as handle:
        last = list(csv.DictReader(handle))[-1]
    assert float(last["nucleated_fraction_bottom"]) == 0.0
    assert 0.0 < float(last["vacancy_margin_bottom"]) < 1.0
    assert float(last["contact_fraction_bottom"]) == pytest.approx(1.0)


def test_vacancy_state_survives_a_checkpoint():
    comm = MPI.COMM_WORLD
    case = load_case(case_file("coupled_rve_ccd"))
    (model,) = checks.build(case, comm)
    checks.run_models([model], [10.0], 2.0)
    saved = {name: (keys[np.argsort(keys)], rows[np.argsort(keys)])
             for name, (keys, rows) in model.state().items()}
    straight = model.solve(20.0, 10.0, Control(2.0))
    (fresh,) = checks.build(case, comm)
    fresh.restore(saved)
    resumed = fresh.solve(20.0, 10.0, Control(2.0))
    assert straight.converged and resumed.converged
    assert straight.values["max_vacancy_pressure_bottom_Pa"] > 5e5
    for column in ("voltage_V", "contact_fraction_bottom", "max_vacancy_pressure_bottom_Pa"):
        assert resumed.values[column] == pytest.approx(straight.values[column], rel=1e-8), column


def test_vacancy_runaway_is_the_same_on_two_ranks(tmp_path):
    """The short ramp of the 70 %-contact RVE with vacancy nucleation on 1 and 2 ranks: the same
    rows (1e-7) and the same end (measured: 6e-9 on the vacancy pressure)."""
    from conftest import assert_same_series

    args = ["run", str(case_file("coupled_rve_ccd")), "--set", SHORT_RAMP,
            "--set", "outputs.plots=false"]
    assert main([*args, "-o", str(tmp_path / "one")]) == 0
    done = run_mpi(["-m", "ssbstack.cli", *args, "-o", str(tmp_path / "two")], ranks=2,
                   timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ("one", "two"):
        status = json.loads((tmp_path / name / "run.json").read_text())["summary"]["status"]
        assert status == "failed_contact_loss"
    assert_same_series(tmp_path / "one" / "timeseries.csv", tmp_path / "two" / "timeseries.csv",
                       rel=1e-7, skip=("newton_iterations", "substeps", "coupling_iterations"))


def test_the_coupled_step_reports_its_sub_steps():
    """Every accepted coupled sub-step goes to ``progress`` (the runner logs it once a minute)."""
    case = load_case(case_file("coupled_debond"))
    (model,) = checks.build(case, MPI.COMM_WORLD)
    lines: list[str] = []
    model.progress = lines.append
    rows = checks.run_models([model], [20.0])
    assert len(lines) == rows[-1]["coupled_substeps"] >= 1
    assert "coupled sub-steps: " in lines[-1] and "of this 20 s time step" in lines[-1], lines


def test_the_coupled_step_counts_and_names_its_cut_sub_steps():
    """A sub-step that fails is redone smaller: the time step's row counts it and the progress
    line names the last reason, so a slow run shows what cuts it."""
    case = load_case(case_file("coupled_debond"))
    (model,) = checks.build(case, MPI.COMM_WORLD)
    lines: list[str] = []
    model.progress = lines.append
    substep, outcomes = model._substep, []

    def fail_first(*args):
        outcome = substep(*args) if outcomes else (False, 0.5, 1, "injected failure")
        outcomes.append(outcome)
        return outcome

    model._substep = fail_first
    rows = checks.run_models([model], [20.0])
    failures = [outcome[3] for outcome in outcomes if not outcome[0]]
    assert rows[-1]["coupled_failed_substeps"] == len(failures) >= 1
    assert f", {len(failures)} cut (last: {failures[-1]})" in lines[-1], lines[-1]
    assert failures[0] == "injected failure"


def test_the_largest_vacancy_margin_does_not_depend_on_the_first_sub_step():
    """Source A CE1's RVE stripped at 0.6 mA/cm² (τ_v = 1e-4 s: no void): the quasi-steady
    nucleation margin rises in the first ~0.3 s as the contact rims open, then falls (at the
    formerly assumed f = 0.3 from 0.048 to 0.068). One 3-s time step finds the peak that steps
    of 0.01-3 s find (the sub-steps follow the margin's change); with a first sub-step of 3 s it
    was 0.0657 against 0.0678."""
    case = load_case(CE1_CCD, ["coupling.vacancy.lifetime=1e-4 s"])
    peaks = []
    for times in ([3.0], [0.01, 0.03, 0.1, 0.3, 1.0, 3.0]):
        (model,) = checks.build(case, MPI.COMM_WORLD)
        rows = checks.run_models([model], times, 6.0)
        margins = [row["vacancy_margin_bottom"] for row in rows[1:]]
        peaks.append(max(margins))
    assert margins[0] < 0.75 * peaks[1]  # the peak is not at the start
    assert peaks[0] == pytest.approx(peaks[1], rel=5e-3)


def test_a_solve_after_a_petsc_failure_is_a_fresh_one():
    """With no contact left (χ = 0 on both interfaces) the galvanostatic system is singular: the
    factorisation fails. That failed factorisation stayed in the solver, so the next solve,
    even with contact back, raised in PETSc (MUMPS "invalid JOB"), and PETSc left that aborted
    solve's vectors locked, so every later one failed too ("object in wrong state"), however
    short the sub-step. Once contact is back the next solve must converge, to the closed form."""
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.numerics.electrochemistry import ElectrochemistryModel
    from ssbstack.simulation import split_for

    case = load_case(case_file("coupled_flat"))
    comm = MPI.COMM_WORLD
    model = ElectrochemistryModel(case, build_mesh(case, comm, split=split_for(case)), comm)
    for side in model.sides:
        side.indicator.x.array[:] = 0.0
    lost = model.solve(0.0, 0.0, Control(checks.CURRENT))
    assert not lost.converged
    for side in model.sides:
        side.indicator.x.array[:] = 0.4
    back = model.solve(0.0, 0.0, Control(checks.CURRENT))
    assert back.converged, back.message
    reference, _, _, _ = checks.verify_contact_indicator(comm)
    assert back.values["voltage_V"] == pytest.approx(reference, rel=1e-9)


def test_contact_only_between_vertices_is_no_current_path():
    """Quadratic displacement: contact pairs at the vertices and mid-edges, the interface
    current's χ at the vertices only. Contact left on the mid-edge pairs alone (a vacancy cascade
    did that to a source C full cell) gives the pairs an area fraction of about 2/3 but no
    current path: the stripping electrode's fraction is the current's, 0 (it then counted as
    11 %, and the run ended in a singular electrolyte solve instead of a contact loss)."""
    case = load_case(case_file("coupled_flat"))
    (coupled,) = checks.build(case, MPI.COMM_WORLD)
    mid_edge = np.ones(coupled.contact.count, dtype=bool)
    mid_edge[np.concatenate(MPI.COMM_WORLD.allgather(
        np.concatenate([item.vertex_pairs for item in coupled.map.sides])))] = False
    chi = mid_edge.astype(float)
    bottom = coupled.contact.electrode == 0
    assert mid_edge[bottom].any() and not mid_edge[bottom].all()
    assert coupled.pair_chi.area_fraction(0, chi) > 0.5
    assert coupled.map.conducting_fraction(chi, bottom) == 0.0
    assert coupled.map.conducting_fraction(np.ones_like(chi), bottom) == pytest.approx(1.0)
