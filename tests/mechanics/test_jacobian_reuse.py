"""numerics.jacobian_reuse: the mechanics Newton with GMRES on reused LU factors gives the answer
of one factorisation per tangent, with fewer factorisations."""

from __future__ import annotations

import numpy as np
from mpi4py import MPI

from ssbstack.config.loader import load_case
from ssbstack.verification import mechanics as checks

COLUMNS = ["stack_pressure_Pa", "li_thickness_m", "plate_displacement_m", "max_von_mises_Pa",
           "contact_fraction", "max_gap_m"]


def _history(reuse: bool) -> tuple[np.ndarray, float, int]:
    """Creeping Li on LLZO with a seeded debond (0.2 um open), frictionless contact, 1 MPa,
    stripped at 1 mA/cm² for 2 × 30 s (mechanics alone, uniform stripping)."""
    case = load_case(checks.case_file("coupled_debond"), [
        "coupling.enabled=false", "electrochemistry.enabled=false",
        'geometry.mesh.interface="8 um"', f"numerics.jacobian_reuse={reuse}"])
    model, rows = checks.run_history(case, MPI.COMM_WORLD, [30.0, 60.0], 10.0)
    iterations = sum(row["newton_iterations"] for row in rows)
    return np.array([[row[c] for c in COLUMNS] for row in rows]), iterations, \
        model.tangent_solver.factorisations


def test_reused_factorisation_gives_the_fresh_answer_with_fewer_factorisations():
    plain, plain_newton, plain_lu = _history(False)
    reused, reused_newton, reused_lu = _history(True)
    gap = COLUMNS.index("max_gap_m")
    assert plain[-1, gap] > 0.5 * plain[0, gap] > 0.0  # the debond stays open: contact terms act
    scale = np.maximum(np.abs(plain), 1e-30)
    scale[:, gap] = plain[0, gap]  # gaps against the seeded opening
    assert np.max(np.abs(reused - plain) / scale) < 1e-6, (plain, reused)
    assert plain_lu == plain_newton  # one factorisation per tangent
    assert abs(reused_newton - plain_newton) <= 0.1 * plain_newton  # the same Newton
    assert reused_lu < plain_lu / 2
