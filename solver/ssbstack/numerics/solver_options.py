"""PETSc options of the electrochemistry solves (shared by the model, its layers and benchmarks)
and the linear solver of the mechanics tangent (direct, or CG + GAMG with the rigid-body modes)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

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


def rigid_body_modes(V: Any) -> Any:
    """PETSc near-null space of a vector Lagrange space: translations and rotations about the
    origin (in-plane in 2D; for axisymmetric meshes the rotation is no rigid mode, a harmless
    extra vector), orthonormalised; GAMG coarsens with it."""
    from petsc4py import PETSc

    index_map, bs = V.dofmap.index_map, V.dofmap.index_map_bs
    owned = index_map.size_local
    x = V.tabulate_dof_coordinates()[:owned]
    modes = [np.zeros((owned, bs)) for _ in range(3 if bs == 2 else 6)]
    for axis in range(bs):
        modes[axis][:, axis] = 1.0
    pairs = [(0, 1)] if bs == 2 else [(0, 1), (1, 2), (2, 0)]
    for mode, (i, j) in zip(modes[bs:], pairs, strict=True):
        mode[:, i], mode[:, j] = -x[:, j], x[:, i]
    comm, basis = V.mesh.comm, []
    for mode in modes:  # modified Gram-Schmidt, global dot products
        flat = mode.ravel()
        for other in basis:
            flat -= comm.allreduce(float(flat @ other)) * other
        flat /= math.sqrt(comm.allreduce(float(flat @ flat)))
        basis.append(flat)
    vectors = []
    for flat in basis:
        vector = PETSc.Vec().createMPI((owned * bs, PETSc.DETERMINE), bsize=bs, comm=comm)
        vector.array[:] = flat
        vectors.append(vector)
    return PETSc.NullSpace().create(vectors=vectors, comm=comm)


# GAMG settings of the mechanics tangent (a PETSC_OPTIONS entry of the same name wins), measured
# on the coupled 3D benchmark RVE (scripts/bench_coupled3d.py, 21 k / 168 k cells):
# - threshold 0.05 drops weak couplings (Li next to LLZO, the contact penalty): ~40 CG iterations
#   on the 3D contact RVE against ~370 with PETSc's default (-1);
# - unsmoothed aggregation: the smoothed prolongator made the first coarse level dense (operator
#   complexity 5.8), so each V-cycle cost more than the CG iterations it saved (19.6 → 4.8 s per
#   coupled step at 21 k cells, 255 → 58 s at 168 k: README, Benchmarks). SOR smoothing gained
#   no more (Richardson + SOR 5.0 s at 21 k) or broke CG on 2 ranks (Chebyshev + SOR: indefinite
#   preconditioner): the smoother stays PETSc's Chebyshev + Jacobi.
GAMG_DEFAULTS = {
    "mechanics_pc_gamg_threshold": 0.05,
    "mechanics_pc_gamg_agg_nsmooths": 0,
}


def tangent_ksp(comm: Any, A: Any, symmetric: bool, iterative: bool = False,
                V: Any = None) -> Any:
    """Linear solver of the Newton tangent ``A``. Direct (default): MUMPS LDLᵀ when ``symmetric``
    (the creep tangent C_t = k I⊗I + 2μ̃ P + β n⊗n, the contact and wall penalties and the
    constraints are symmetric, so A stays symmetric through every assembly: MUMPS reads its upper
    triangle and the numeric factorisation costs ~0.6× LU on the CE1 RVE), else LU. ``iterative``
    (``numerics.linear_solver = "iterative"``, for large 3D meshes): CG (GMRES when not
    ``symmetric``) + GAMG with the rigid-body modes of ``V`` as near-null space, rtol 1e-10,
    PETSc options prefix ``mechanics_``."""
    from petsc4py import PETSc

    if symmetric:
        A.setOption(PETSc.Mat.Option.SYMMETRIC, True)
        A.setOption(PETSc.Mat.Option.SYMMETRY_ETERNAL, True)
    ksp = PETSc.KSP().create(comm)
    pc = ksp.getPC()
    if iterative:
        A.setNearNullSpace(rigid_body_modes(V))
        ksp.setType("cg" if symmetric else "gmres")
        ksp.setTolerances(rtol=1e-10, atol=1e-300, max_it=2000)
        pc.setType("gamg")
        pc.setGAMGType("agg")
        ksp.setOptionsPrefix("mechanics_")  # -mechanics_pc_gamg_* etc. in PETSC_OPTIONS
        options = PETSc.Options()
        for name, value in GAMG_DEFAULTS.items():
            if not options.hasName(name):
                options[name] = value
        ksp.setFromOptions()
        return ksp
    ksp.setType("preonly")
    pc.setType("cholesky" if symmetric else "lu")
    pc.setFactorSolverType("mumps")
    return ksp
