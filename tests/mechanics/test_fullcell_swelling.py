"""Full-cell swelling in a stack-pressure fixture: plated Li thickens the anode, a cathode with a
lithiation_molar_volume shrinks on charge; the fixture answers P = P₀ + k Δh/A (physics.md §3.4)."""

from __future__ import annotations

import pytest
from mpi4py import MPI

from ssbstack.config.loader import load_case
from ssbstack.errors import CaseError
from ssbstack.verification import fullcell as checks
from ssbstack.verification.mechanics import case_file, run_history

COMM = MPI.COMM_WORLD


@pytest.mark.parametrize("name", ["fixed_gap_swelling", "rigid_gap_swelling", "springs_swelling",
                                  "plated_li_per_capacity", "alloy_anode_swelling",
                                  "alloy_anode_thickening"])
def test_fullcell_check(name):
    reference, computed, error, tolerance = getattr(checks, f"verify_{name}")(COMM)
    assert error <= tolerance, f"{name}: reference {reference}, computed {computed}, error {error}"


def test_the_cathode_eigenstrain_takes_part():
    """The check can fail: the same run against a closed form without the cathode's shrinkage
    misses by Ω_c/(Ω_Li − Ω_c) = 5.4 %."""
    case, charge, rows = checks.charged_run(COMM, checks.FRAME)
    computed = rows[-1]["stack_pressure_Pa"] - rows[0]["stack_pressure_Pa"]
    li_only = checks.pressure_rise_reference(case, charge) * 13.0 / (13.0 - 0.67)
    assert computed / li_only - 1.0 == pytest.approx(-0.67 / 13.0, rel=1e-6)


def test_a_cycle_returns_to_the_initial_pressure():
    """Charge then discharge the same charge: the elastic stack comes back to P₀ (the sign of the
    cathode term follows the current)."""
    case = load_case(case_file("fullcell_swelling"), checks.FRAME)
    model, rows = run_history(case, COMM, [5.0], -10.0)
    assert rows[1]["stack_pressure_Pa"] > rows[0]["stack_pressure_Pa"] + 1e5
    from ssbstack.numerics.model import Control

    result = model.solve(10.0, 5.0, Control(10.0))
    assert result.converged
    assert result.values["stack_pressure_Pa"] == pytest.approx(rows[0]["stack_pressure_Pa"],
                                                               rel=1e-10)


def test_an_alloy_anode_shrinks_as_it_gives_up_li():
    """Discharge (Li out of the alloy, into the cathode): the alloy anode thins by Ω_a q/F and
    the frame's pressure falls by the closed form (the sign follows the current)."""
    discharge = 'protocol.steps=["Discharge at 1 mA/cm2 for 10 s"]'
    case, charge, rows = checks.charged_run(COMM, [*checks.FRAME, discharge], name="alloy_swelling")
    assert charge < 0.0
    fall = rows[-1]["stack_pressure_Pa"] - rows[0]["stack_pressure_Pa"]
    assert fall < 0.0
    assert fall == pytest.approx(checks.pressure_rise_reference(case, charge), rel=1e-8)


def test_lithiation_molar_volume_is_for_cathodes_and_alloys_only():
    with pytest.raises(CaseError, match="lithiation_molar_volume applies to a cathode or an alloy"):
        load_case(case_file("fullcell_swelling"), ['materials.Li.lithiation_molar_volume="1 cm3/mol"'])


def test_lithiation_molar_volume_on_an_inner_layer_is_refused():
    """An alloy interlayer between Li and the electrolyte would change thickness in reality; the
    mechanics applies the law at the stack's ends only, so the case reader refuses it there."""
    with pytest.raises(CaseError, match=r"acts on the first or last layer only, not on stack\[1\]"):
        load_case(case_file("alloy_swelling"), [
            'stack=[{name="li", material="Li", thickness="20 um"}, '
            '{name="alloy", material="LiAlTest", thickness="5 um"}, '
            '{name="se", material="LPSCl", thickness="50 um"}, '
            '{name="cathode", material="Cathode", thickness="40 um"}]'])
