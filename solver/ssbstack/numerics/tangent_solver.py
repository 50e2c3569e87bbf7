"""Linear solves of the mechanics Newton: MUMPS LU of each tangent, or a reused factorisation.

With ``numerics.jacobian_reuse`` (default) the tangent of every Newton iteration is solved by
right-preconditioned GMRES whose preconditioner is the LU factorisation of an earlier tangent —
of an earlier iteration, coupled fixed-point iteration or sub-step: the tangent changes little
between them. GMRES stops at ``KRYLOV_RTOL`` of the right-hand side's norm (the true, not the
preconditioned residual), so each correction is the Newton correction up to that relative residual
and the Newton iteration, its convergence test and its answer are the same as with a fresh
factorisation (to far below ``numerics.newton_rtol``). The tangent is factorised again when GMRES
does not reach that tolerance in ``KRYLOV_MAX_IT`` iterations (then this solve is repeated with
the fresh factors) or needed more than ``REFACTOR_AFTER`` of them (the next solve factorises: the
old factors have drifted too far to be cheap). Without reuse: ``preonly`` + LU, one factorisation
per tangent (the behaviour before the option existed).
"""

from __future__ import annotations

from typing import Any

KRYLOV_RTOL = 1e-10  # GMRES: true residual / right-hand side
KRYLOV_MAX_IT = 30  # then refactorise and solve again
REFACTOR_AFTER = 12  # GMRES iterations past which the next solve refactorises


class TangentSolver:
    """KSP of the mechanics tangent (collective); counts factorisations and Krylov iterations."""

    def __init__(self, comm: Any, reuse: bool):
        from petsc4py import PETSc

        self.reuse = reuse
        self.ksp = PETSc.KSP().create(comm)
        pc = self.ksp.getPC()
        pc.setType("lu")
        pc.setFactorSolverType("mumps")
        if reuse:
            self.ksp.setType("gmres")
            self.ksp.setGMRESRestart(KRYLOV_MAX_IT)
            self.ksp.setPCSide(PETSc.PC.Side.RIGHT)  # GMRES then measures the true residual
            self.ksp.setTolerances(rtol=KRYLOV_RTOL, atol=0.0, max_it=KRYLOV_MAX_IT)
        else:
            self.ksp.setType("preonly")
        self.factorise = True  # the next solve factorises the operator
        self.factorisations = 0
        self.krylov_iterations = 0

    def set_operator(self, A: Any) -> None:
        """The tangent (assembled) of the next solves; without reuse it is factorised at once."""
        self.ksp.setOperators(A)
        if not self.reuse:
            self.factorise = True

    def solve(self, b: Any, x: Any) -> int:
        """Solve A x = b; returns PETSc's converged reason (negative: failed)."""
        reason = self._solve(b, x)
        if self.reuse and reason < 0 and not self.factorise:  # stale factors: refactorise
            self.factorise = True
            reason = self._solve(b, x)
        if self.reuse and self.ksp.getIterationNumber() > REFACTOR_AFTER:
            self.factorise = True
        return reason

    def _solve(self, b: Any, x: Any) -> int:
        pc = self.ksp.getPC()
        fresh = self.factorise
        pc.setReusePreconditioner(not fresh)
        self.ksp.solve(b, x)
        if fresh:
            self.factorisations += 1
            self.factorise = False
        self.krylov_iterations += self.ksp.getIterationNumber()
        return int(self.ksp.getConvergedReason())
