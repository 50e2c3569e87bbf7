"""The Newton solve of one mechanics sub-step (part of :class:`~ssbstack.numerics.mechanics.MechanicsModel`).

Backward-Euler return map at the quadrature points, the plate's force balance by static
condensation (see the module docstring of :mod:`ssbstack.numerics.mechanics`), and the contact
terms of the boundary: node-to-node contact of split interfaces
(:mod:`ssbstack.numerics.contact`) and the rigid die wall (:mod:`ssbstack.numerics.wall`), both
with the same penalty law whose active set is re-read at every iteration (semi-smooth Newton),
globalised by backtracking where a correction flips a contact pair back
(``numerics.newton_line_search``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ssbstack.physics import mechanics as phys

# A Newton that has lost its convergence: from this iteration on, a residual norm this many
# times above the smallest one since the first correction stops it (the semi-smooth contact
# set cycling; on the CE1 RVE such runs climbed to 1e3-1e10 × their best and all failed at the
# 12-iteration limit, while the runs that converged rose at most 250× after iteration 3).
DIVERGED_FROM = 4
DIVERGED_RISE = 1e3
# Backtracking (``numerics.newton_line_search``): a correction that raises the residual (nodal
# and plate forces) while it flips a contact pair back to a state it had in this solve is halved,
# at most MAX_HALVINGS times, before Newton goes on from there. It stops the semi-smooth Newton
# cycling between two contact sets at a stripping rim (CE1 RVE at 0.6 mA/cm2: the sub-steps that
# failed this way at iteration 4-6 converge). Not otherwise: a correction that changes the
# contact set raises the residual by the penalty forces of the pairs it closes until the next
# iteration works on the new set; halving those stalls a die wall's onset and, from the third
# correction on, CE1 after its first plating half cycles (12-iteration failures, h → 1e-7 s).
MAX_HALVINGS = 4


def tangent_matrix(jacobian: Any, contact: Any, comm: Any) -> Any:
    """The Newton matrix: the form's sparsity plus the lower ↔ upper node blocks of every
    contact pair, preallocated and reserved (inserted at the first assembly instead, they made
    PETSc reallocate the matrix row by row: 499 of 626 s of the first two steps of a 168 k-cell
    RVE on one rank, and a 1.3 M-cell one did not finish its initial state in 90 min). The die
    wall adds to diagonal blocks only. A pair whose nodes are on two ranks is left to PETSc's
    insertion. The caller destroys the matrix: the wrapper DOLFINx 0.11's
    ``cpp.la.petsc.create_matrix`` returns holds a Python reference of its own and is never freed."""
    import dolfinx.fem.petsc
    from petsc4py import PETSc

    pattern = dolfinx.fem.create_sparsity_pattern(jacobian)
    if contact is not None:
        for pair in contact.local_pair_nodes():
            pattern.insert(pair, pair)
    pattern.finalize()
    A = dolfinx.cpp.la.petsc.create_matrix(comm, pattern, None)
    A.setOption(PETSc.Mat.Option.NEW_NONZERO_ALLOCATION_ERR, False)
    # every entry set once before the first (compressing) final assembly, then zeroed
    dolfinx.fem.petsc.assemble_matrix(A, jacobian)
    if contact is not None:
        contact.reserve(A)
    A.assemble()
    A.zeroEntries()
    return A


FLOOR = 1e3  # a residual that stops falling below FLOOR × rtol × the force scale is converged


class SubstepNewton:
    """Mixin of :class:`MechanicsModel`: ``_newton`` and its helpers use the model's forms,
    vectors, solver and state (set up in ``MechanicsModel.__init__``)."""

    def _newton(self, h: float, eigen: np.ndarray, offset: np.ndarray, guess: np.ndarray,
                plate_guess: float, first_set: np.ndarray | None = None
                ) -> tuple[bool, int, float, tuple[np.ndarray, np.ndarray], str]:
        """Solve one sub-step (``offset``: contact-pair offsets at its end); returns
        (ok, iterations, plate increment, (σ, Δp), message). The first iteration keeps the
        contact set ``first_set`` (default: that of the sub-step's start)."""
        fem_petsc = self.dolfinx.fem.petsc
        PETSc = self.PETSc
        numerics = self.case.numerics
        rtol = max(numerics.newton_rtol, 1e-11)
        kappa = self.kappa if self.loaded else 0.0
        rigid = math.isinf(kappa) or self.roller is not None  # a roll: no plate unknown
        area = self._sum(self.top_area)
        d = 0.0 if rigid else plate_guess
        self.du.x.array[:] = guess
        self.du.x.array[self.fixed_dofs] = 0.0
        self.du.x.array[self.top_vertical] = d
        p0 = self.case.conditions.stack_pressure
        bonded = self.current.bonded
        stress = dp = None
        round_off = False  # last correction at round-off level
        first = last_norm = 0.0
        best = math.inf  # smallest residual norm since the first correction
        searching = numerics.newton_line_search and self.contact is not None
        flips = np.zeros(self.contact.count if self.contact is not None else 0, dtype=int)
        contact_set = None  # of the last accepted iterate (no predictor)
        iteration = halvings = 0
        reference = math.inf  # the true residual norm where the last correction started
        last_correction, last_step, fraction = None, 0.0, 1.0
        while True:
            self.du.x.scatter_forward()
            strain = self.strain_expr.eval(self.mesh, np.arange(self.ncells, dtype=np.int32))
            try:
                stress, tangent, dp, _ = phys.return_map(
                    self.current.stress, strain.reshape(-1, self.ncomp), eigen, h, self.material,
                    self.kin, self.current.resistance)
                mapped = 1
            except ArithmeticError:  # on this rank only: decide together, then cut the step
                mapped = 0
            if not self.comm.allreduce(mapped, op=mpi().MIN):
                return False, iteration, d, (self.current.stress, None), (
                    "creep return map did not converge at some quadrature points")
            self._set_q(self.stress_q, stress)
            self._set_q(self.tangent_q, tangent)
            force = self._sum(self.reaction)
            target = p0 if rigid else (p0 + kappa * (self.current.plate + d - self.plate_reference)
                                       if self.loaded else p0)
            balance = 0.0 if rigid else force + target * area
            zero_ghosted(self.b)
            fem_petsc.assemble_vector(self.b, self.residual)
            self.b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
            self.b.scale(-1.0)
            predictor = None
            if self.contact is not None:
                relative = self.contact.relative_displacement(
                    self.u_total.x.array + self.du.x.array)
                if iteration == 0:  # the first step keeps the contact set of the sub-step's
                    # start: the stripping offset alone would open a whole interface at once
                    # (a floating layer: a singular tangent)
                    predictor = first_set if first_set is not None else self.contact.gaps(
                        self.contact.relative_displacement(self.u_total.x.array),
                        self.current.offset) <= 0.0
                    if np.array_equal(predictor | bonded,
                                      (self.contact.gaps(relative, offset) <= 0.0) | bonded):
                        predictor = None  # the same set: the ordinary residual
                self.contact.add_to(self.b, None, relative, offset, predictor, bonded)
            if self.wall is not None:
                self.wall.add_to(self.b, None, self.u_total.x.array + self.du.x.array)
            if self.roller is not None:
                self.roller.add_to(self.b)
            fem_petsc.set_bc(self.b, self.bcs_hom)
            scale = max(abs(force), abs(target) * area if math.isfinite(target) else 0.0,
                        1e3 * area, self.roller.peak * self.roller.half_width if self.roller else 0.0)
            balanced = abs(balance) <= rtol * scale
            norm = self.b.norm()
            merit = math.hypot(norm, balance)  # the nodal forces and the plate's (N)
            cycling = False
            if searching and predictor is None:
                held = self.contact.gaps(relative, offset) <= 0.0
                changed = (held != contact_set) if contact_set is not None else 0
                cycling = bool(np.any(flips + changed >= 2))  # a pair flipped back
            if (cycling and merit > max(reference, 100.0 * rtol * scale)
                    and halvings < MAX_HALVINGS):
                # the correction raised the residual: go back half of what is left of it
                fraction *= 0.5
                halvings += 1
                self.du.x.array[: last_correction.size] -= fraction * last_correction
                d -= fraction * last_step
                round_off = False
                continue
            # at the round-off floor: small and no longer falling (the penalty contact's floor
            # lies near 3e-10 of the force on the 2 um RVE; the direct solve's accuracy puts it
            # near 1.5e-8 where 70-150 nm rim elements meet 60 um ones, source B's HT-MCL)
            floor = iteration > 0 and 0.25 * last_norm <= norm <= FLOOR * rtol * scale
            if (((norm <= rtol * scale or floor) and balanced) or round_off) and predictor is None:
                if self.contact is not None:
                    self.last_contact_set = self.contact.gaps(relative, offset) <= 0.0
                return True, iteration, d, (stress, dp), ""
            first = norm if iteration == 0 else first
            last_norm = norm
            reference = merit if predictor is None else math.inf
            if searching and predictor is None:
                flips += changed
                contact_set = held
            halvings, fraction = 0, 1.0
            if iteration == numerics.newton_max_iterations or (
                    iteration >= 12 and norm > 1e-4 * first) or (
                    iteration >= DIVERGED_FROM and norm > DIVERGED_RISE * best):
                break  # no quadratic convergence in sight: let the caller cut the step
            best = min(best, norm) if iteration > 0 else best
            self.A.zeroEntries()
            fem_petsc.assemble_matrix(self.A, self.jacobian, bcs=self.bcs_hom)
            self.A.assemble()
            if self.contact is not None:
                self.contact.add_to(None, self.A, relative, offset, predictor, bonded)
            if self.wall is not None:
                self.wall.add_to(None, self.A, self.u_total.x.array + self.du.x.array)
            self.ksp.setOperators(self.A)
            self.ksp.solve(self.b, self.x0)
            if self.ksp.getConvergedReason() < 0:
                reason = self.ksp.getConvergedReason()
                return False, iteration, d, (stress, dp), f"linear solve failed ({reason})"
            correction = self.x0.array_r.copy()
            step = 0.0
            if not rigid:
                zero_ghosted(self.b1)
                fem_petsc.apply_lifting(self.b1, [self.jacobian], bcs=[self.bcs_unit])
                self.b1.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
                fem_petsc.set_bc(self.b1, self.bcs_unit)
                self.ksp.solve(self.b1, self.x1)
                unit = self.x1.array_r.copy()
                a0 = self._directional(correction)
                a1 = self._directional(unit)
                step = -(balance + a0) / (a1 + kappa * area)
                correction += step * unit
                d += step
            nlocal = correction.size
            self.du.x.array[:nlocal] += correction
            size = np.abs(self.du.x.array[:nlocal]).max(initial=0.0)
            change = np.abs(correction).max(initial=0.0)
            round_off = self.comm.allreduce(change, op=mpi().MAX) <= 1e-12 * max(
                self.comm.allreduce(size, op=mpi().MAX), 1e-300)
            last_correction, last_step = correction, step
            iteration += 1
        return False, iteration, d, (stress, dp), (
            f"mechanics Newton did not converge in {iteration} iterations")

    def _directional(self, owned: np.ndarray) -> float:
        """Linear change of the plate reaction along a correction (owned dof values)."""
        self.direction.x.array[: owned.size] = owned
        self.direction.x.scatter_forward()
        return self._sum(self.reaction_change)


def zero_ghosted(vector: Any) -> None:
    """Zero a ghosted PETSc vector including its ghost entries (zeroEntries skips them)."""
    with vector.localForm() as local:
        local.set(0.0)


def mpi() -> Any:
    """The mpi4py ``MPI`` module (imported late, like dolfinx)."""
    from mpi4py import MPI

    return MPI
