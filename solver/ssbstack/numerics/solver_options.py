"""PETSc options of the electrochemistry solves (shared by the model, its layers and benchmarks)."""

from __future__ import annotations

from typing import Any

from ssbstack.config.schema import Case


def petsc_solver_options(case: Case) -> dict[str, Any]:
    """SNES/KSP options from ``[numerics]``: MUMPS for small problems, GMRES + GAMG otherwise."""
    numerics = case.numerics
    options: dict[str, Any] = {
        "snes_type": "newtonls",
        "snes_linesearch_type": "basic",
        "snes_rtol": numerics.newton_rtol,
        "snes_atol": numerics.newton_atol,
        # A Newton step below 1e-14 of the solution is round-off: stop (stiff sheets put the
        # residual's round-off floor above a tight atol).
        "snes_stol": 1e-14,
        "snes_max_it": numerics.newton_max_iterations,
    }
    if numerics.linear_solver == "direct":
        options |= {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"}
    else:
        options |= {"ksp_type": "gmres", "ksp_rtol": 1e-10, "pc_type": "gamg"}
    return options
