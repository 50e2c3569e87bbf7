"""Current ↔ creep ↔ contact in one time step (physics.md §3.5, §7), as one runner model.

:class:`CoupledModel` owns an :class:`~ssbstack.numerics.electrochemistry.ElectrochemistryModel`
and a :class:`~ssbstack.numerics.mechanics.MechanicsModel` built on the same split mesh, and the
:class:`~ssbstack.numerics.interface_map.InterfaceMap` between them. A runner step is split into
coupled sub-steps h; each one is a fixed-point iteration, implicit in the contact state:

1. χ_p from the gaps g_p of the contact pairs (at the end of the sub-step, from the second
   iteration on; the first uses its start), χ = clip(1 − g/g_c, 0, 1);
2. electrochemistry with the current multiplied by χ on the interface (open facets carry none;
   galvanostatic control spreads the applied current over the area in contact now);
3. the facet-averaged current w at each pair moves its Li surface by w Ω/F h (stripping opens the
   gap, plating closes it) in a mechanics sub-step from the sub-step's start (creep, contact,
   fixture);
4. repeat until the contact update or the last iteration moves less than ``coupling.tolerance``
   of the interface current (Σ_p A_p |Δj_p| over Σ_p A_p |j_p|, mesh-independent); the update of
   χ is under-relaxed when the iteration oscillates.

Step control on the physics: a sub-step moves no Li surface by more than
``coupling.surface_motion_fraction`` of the smallest interface element and is cut when the
iteration does not converge; when more than ``coupling.max_contact_changes`` pairs open or close
in it, the next sub-step is halved (and past 4× that, it is redone halved); it grows by 1.5
after an easy one. Mechanics is driven with the current the electrochemistry actually passed, so
``li_balance_error_m`` (Li removed at the pairs − charge × Ω/F) tests the transfer alone.
Failure: the stripping electrode's contact fraction falls
below ``coupling.min_contact_fraction`` (stripping-limited: contact lost), a named plating
criterion of ``[coupling.plating]`` is crossed (:mod:`ssbstack.numerics.plating`, checked on
every accepted state), or the cell voltage passes ``protocol.voltage_limit`` (the runner's
check; the state is added to its message).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ssbstack.config.schema import Case
from ssbstack.errors import CaseError
from ssbstack.io.checkpoint import Cellwise, scalar_rows
from ssbstack.meshing.stack import StackMesh
from ssbstack.numerics.contact_indicator import ContactIndicator
from ssbstack.numerics.interface_map import InterfaceMap
from ssbstack.numerics.model import Control, StepResult
from ssbstack.numerics.nucleation import ELECTRODES, NucleationRule, stripping_electrode
from ssbstack.numerics.plating import plating_criteria
from ssbstack.numerics.substep_size import SubstepSize

COLUMNS = ["contact_fraction_bottom", "contact_fraction_top", "max_gap_bottom_m",
           "max_gap_top_m", "li_balance_error_m", "coupled_substeps", "coupling_iterations",
           "coupled_failed_substeps"]
VACANCY_COLUMNS = ["nucleated_fraction_bottom", "nucleated_fraction_top",
                   "max_vacancy_pressure_bottom_Pa", "max_vacancy_pressure_top_Pa",
                   "vacancy_margin_bottom", "vacancy_margin_top"]
GROWTH = 1.5


class CoupledModel:
    """Electrochemistry and mechanics exchanging contact state and local current (collective)."""

    time_dependent = True

    def __init__(self, case: Case, stack_mesh: StackMesh, comm: Any, outdir: Path | None = None):
        from ssbstack.numerics.electrochemistry import ElectrochemistryModel
        from ssbstack.numerics.mechanics import MechanicsModel, contact_sides

        self.case, self.comm, self.config = case, comm, case.coupling
        self.stop_requested: Callable[[], bool] = lambda: False  # collective; set by the runner
        # the runner's heartbeat (set by it): told after every accepted sub-step
        self.progress: Callable[[str], None] = lambda line: None
        self.outdir = Path(outdir) if outdir is not None else None
        self.echem = ElectrochemistryModel(case, stack_mesh, comm, outdir)
        if self.echem.alloys:
            raise CaseError("coupling with a volume interlayer is not implemented yet",
                            key="coupling.enabled")
        self.mechanics = MechanicsModel(case, stack_mesh, comm, outdir)
        sides = contact_sides(case)
        self.contact = self.mechanics.contact
        self.map = InterfaceMap(self.echem, self.contact, sides, case.mechanics.displacement_degree,
                                comm)
        # Li surface speed per unit anodic current, m/s per A/m², of each pair's electrode
        speed = {which: self.mechanics.plating_velocity(which, 1.0) for which, _ in ELECTRODES}
        self.speed_per_current = np.array([speed[e] for e in self.contact.electrode])
        self.area = self.contact.pairs["area"]
        self.coupled_pairs = np.zeros(self.contact.count, dtype=bool)
        for item in self.map.sides:
            self.coupled_pairs[item.pairs] = True
        self.pair_chi = ContactIndicator(self.area, self.contact.electrode, self.coupled_pairs,
                                         self.config.conducting_gap)
        self.spread = self._plating_spread()  # where plated Li goes besides where it enters
        self.vacancy = None  # nucleation rule c: vacancy profiles under the pairs
        if self.config.nucleation == "vacancy":
            self.vacancy = NucleationRule(self.config.vacancy, self.contact.electrode,
                                          self.coupled_pairs, self.contact.normal_stiffness,
                                          case.conditions.temperature)
        self.plating = plating_criteria(case, self.contact, self.coupled_pairs)
        self.size = SubstepSize()
        self.chi_rate = np.zeros(self.contact.count)  # dχ/dt of each pair in the last sub-step
        self.accepted_rate = self.chi_rate
        self.pair_current = np.zeros(self.contact.count)  # A/m², of the last solved state
        self.moved: StepResult | None = None  # the mechanics sub-step of the last iteration
        self.lost_at: float | None = None  # when the stripping contact fell below the minimum
        self.control: Control | None = None  # what the protocol asks of the step being solved
        self.snapshots = 0  # interface pictures written so far
        self.writer = None
        if self.outdir is not None and case.outputs.fields:
            from ssbstack.compat import load_dolfinx

            dolfinx = load_dolfinx()
            if dolfinx.has_adios2:
                fields = [item.side.indicator for item in self.map.sides]
                self.writer = dolfinx.io.VTXWriter(comm, self.outdir / "fields" / "contact.bp",
                                                   fields, engine="BP4")

    def _plating_spread(self) -> Any:
        """The plated-Li spreading of ``coupling.plating_levels`` / ``plating_spread_length``
        (None: the deposit stays where the current enters)."""
        from ssbstack.numerics.spreading import ContactLevelling, PlatingSpread

        pairs, levels = self.contact.pairs, self.config.plating_levels
        if levels == "contact":
            return ContactLevelling(pairs["area"], pairs["interface"], self.coupled_pairs)
        length = math.inf if levels == "interface" else self.config.plating_spread_length
        if length == 0.0:
            return None
        return PlatingSpread(pairs["x"], pairs["area"], pairs["interface"], self.coupled_pairs,
                             length)

    # --- the coupled sub-step ---------------------------------------------------------------

    def indicator(self, gaps: np.ndarray) -> np.ndarray:
        """χ of every pair at ``gaps`` (m), 0 where a vacancy void has nucleated."""
        return self.pair_chi.chi(gaps, self._alive())

    def _alive(self) -> np.ndarray | float:
        """0 on pairs where a vacancy void has nucleated, else 1."""
        return 1.0 if self.vacancy is None else self.vacancy.alive

    def _substep(self, time: float, h: float, control: Control, start: Any
                 ) -> tuple[bool, float, int, str]:
        """One coupled sub-step from the mechanics state ``start``: (ok, factor for the next
        sub-step (a cut if not ok), iterations, message)."""
        config = self.config
        chi_start = self.indicator(self.mechanics.pair_gaps())
        # first guess: each pair's χ goes on changing at the rate of the last sub-step
        chi = np.where(self.coupled_pairs, np.clip(chi_start + self.chi_rate * h, 0.0, 1.0),
                       chi_start)
        previous, relax, last_change = None, 1.0, math.inf
        limit = config.surface_motion_fraction * self.mechanics.contact_size
        for iteration in range(1, config.max_iterations + 1):
            self.map.set_indicator(chi)
            result = self.echem.solve(time, h, control)
            if not result.converged:
                return False, 0.5, iteration, result.message
            passed = Control(self.echem.currents.metal_current_density())  # what mechanics strips
            current = self.map.pair_current()
            in_contact = self.map.pair_current(in_contact=True)
            self.pair_current = current
            velocity = current * self.speed_per_current
            if self.spread is not None:
                velocity = self.spread.apply(velocity, chi)
            motion = float(np.max(np.abs(velocity), initial=0.0)) * h
            if motion > 1.01 * limit:
                return False, max(0.05, 0.9 * limit / motion), iteration, (
                    f"the Li surface would move {motion:.3g} m in one sub-step")
            if iteration > 1:
                self.mechanics.rollback(start)
            # one mechanics sub-step of h from the last one (scaled) or the last iteration's
            self.mechanics.pair_velocity = velocity
            # the first iteration is rarely converged: a mechanics sub-step that would be cut
            # cuts the coupled one at once (sub-cycled first, it cost ~3 accepted sub-steps on
            # CE1's RVE before the coupled sub-step was cut anyway)
            self.moved = self.mechanics.advance(h, passed, self.mechanics.increment_guess(h),
                                                converged_guess=iteration > 1,
                                                whole=iteration == 1)
            if not self.moved.converged:
                return False, 0.5, iteration, self.moved.message
            gaps = self.mechanics.pair_gaps()  # (collective: once per iteration)
            target = self.indicator(gaps)
            # the fixed point of χ with the gap linear in the pair's own stripping this sub-step
            update = self.pair_chi.update(chi, target, gaps - velocity * h,
                                          in_contact * self.speed_per_current * h, self._alive())
            # converged when the contact update would move less than the tolerance of the
            # interface's current (Σ A_p |Δχ_p| × its current per area in contact), or the pair
            # currents moved that little since the last iteration: an integral, so a pair that
            # chatters at the edge of contact (the closed-form and the plain update meet there
            # with a jump) weighs by its area, not as the worst pair
            scale = max(self.pair_chi.charge(current), 1e-300)
            residual = self.pair_chi.charge((update - chi) * in_contact)
            change = math.inf if previous is None else self.pair_chi.charge(current - previous)
            if min(residual, change) > config.tolerance * scale and self.moved.values[
                    "substeps"] > 1:  # mechanics had to cut h: so do we, before iterating
                cut = min(0.5, self.mechanics.proposed_substep / h)
                return False, max(0.1, cut), iteration, "the mechanics sub-step was cut"
            if min(residual, change) <= config.tolerance * scale:
                changed = int(np.sum((chi_start > 0.5) != (target > 0.5)))
                allowed = config.max_contact_changes
                if changed > 4 * allowed:  # far too many: redo it smaller
                    return False, 0.5, iteration, f"{changed} contact pairs changed state"
                moved = 0.0 if self.vacancy is None else self.vacancy.margin_change(
                    h, current, gaps, self._applied_current())
                if moved > 2.0:
                    return False, max(0.1, 0.7 / moved), iteration, (
                        "the vacancy nucleation margin moved by "
                        f"{moved:.3g} × margin_change_tolerance")
                self.chi_rate = (target - chi_start) / h
                limit = 0.7 / moved if moved > 0.0 else math.inf
                if changed > allowed:  # keep it, take the next one smaller
                    return True, min(0.5, limit), iteration, ""
                quiet = iteration <= 4 and 2 * changed <= allowed
                return True, min(GROWTH if quiet else 1.0, limit), iteration, ""
            if previous is not None:
                if change > 0.9 * last_change:
                    relax = max(0.1, 0.5 * relax)  # oscillating: damp the contact update
                last_change = change
            previous = current
            chi = relax * update + (1.0 - relax) * chi
        return False, 0.5, config.max_iterations, (
            f"contact ↔ current iteration did not converge in {config.max_iterations} iterations")

    # --- runner interface --------------------------------------------------------------------

    def columns(self) -> list[str]:
        """Electrochemistry, mechanics and coupling columns."""
        names = self.echem.columns()
        names += [c for c in self.mechanics.columns() if c not in names]
        extra = COLUMNS + (VACANCY_COLUMNS if self.vacancy is not None else [])
        extra += self.plating.columns() if self.plating is not None else []
        return names + [c for c in extra if c not in names]

    def solve(self, time: float, dt: float, control: Control) -> StepResult:
        """Advance both models by ``dt`` (s) in coupled sub-steps (collective)."""
        self.reject()
        self.lost_at, self.time, self.control = None, time, control
        if dt == 0.0:  # the initial state: load the stack, then the current on that contact
            self.mechanics.pair_velocity = None
            loaded = self.mechanics.advance(0.0, control)
            if not loaded.converged:
                return loaded
            self.map.set_indicator(self.indicator(self.mechanics.pair_gaps()))
            result = self.echem.solve(time, 0.0, control)
            self.pair_current = self.map.pair_current()
            return result if not result.converged else self._result(0, 0)
        elapsed, substeps, iterations = 0.0, 0, 0
        if self.vacancy is not None:
            self.vacancy.begin_step()
            if self.config.vacancy.quasi_steady:
                self._vacancies_at_start(time - dt, control)
                if self._contact_lost(time - dt, None, control):  # voids at the current step
                    return self._result(0, 0)
        mechanics = {"newton_iterations": 0.0, "substeps": 0.0, "min_mesh_quality": 1.0}
        h = min(self.size.next, self._longest(), dt)  # (and by the creep controller's proposal)
        minimum = self.case.mechanics.min_substep
        cut, failed, last_failure = False, 0, ""
        while elapsed < dt * (1.0 - 1e-12):
            if (substeps or cut) and self.stop_requested():  # a stiff step (or one whose
                # sub-steps keep failing) can take minutes: do not keep a scheduler waiting for
                # its end (the runner saves the last accepted state)
                return StepResult(False, iterations, message="stop requested", stopped=True)
            remaining = dt - elapsed
            h = remaining if remaining < (1.0 if cut else 1.25) * h else h
            start = self.mechanics.snapshot()
            ok, factor, count, message = self._substep(time - dt + elapsed + h, h, control, start)
            iterations += count
            if not ok:
                self.mechanics.rollback(start)
                failed, last_failure = failed + 1, message
                if h <= minimum:
                    return StepResult(False, iterations, message=f"coupled sub-step {h:.3g} s at "
                                      f"its minimum: {message}")
                h, cut = self.size.after_failure(h, factor, minimum), True
                continue
            cut = False
            if self.vacancy is not None:  # staggered: nucleation acts from the next sub-step
                self.vacancy.advance(h, self.pair_current, self.mechanics.pair_gaps(),
                                     self._applied_current())
            elapsed += h
            substeps += 1
            for key in ("newton_iterations", "substeps"):
                mechanics[key] += self.moved.values[key]
            mechanics["min_mesh_quality"] = min(mechanics["min_mesh_quality"],
                                                self.moved.values["min_mesh_quality"])
            h = self.size.after_success(h, factor, minimum, self.mechanics.proposed_substep,
                                        self._longest())
            if self._contact_lost(time - dt + elapsed, h, control):
                break  # the run ends: no point in going on
            self.echem.advance_substep()  # the next sub-step starts from this one's Li contents
            self.progress(f"      … coupled sub-steps: {elapsed:.4g} s of this {dt:.4g} s time "
                          f"step, next h = {h:.3g} s, {substeps} so far"
                          + (f", {failed} cut (last: {last_failure})" if failed else ""))
        self.size.next = h
        return self._result(substeps, iterations, mechanics, failed)

    def _vacancies_at_start(self, time: float, control: Control) -> None:
        """The quasi-steady rule at the step's start (``time``, s) under the step's current, on
        the contact as it is (collective). The rule has no time scale, so a current that has
        just risen acts at once: on a contact that earlier levels eroded, the margin peaks right
        at the current step (the study RVE's ramp), and the first sub-step's margin change is
        measured from here. At an unchanged current this repeats the last sub-step's
        evaluation. The solve is the electrolyte's steady one (no storage term: a film's Li
        content does not buffer the step), not its response τ_v after the step."""
        self.map.set_indicator(self.indicator(self.mechanics.pair_gaps()))
        if not self.echem.solve(time, 0.0, control).converged:
            return  # the first sub-step cuts its step and reports it
        self.pair_current = self.map.pair_current()
        self.vacancy.advance(0.0, self.pair_current, self.mechanics.pair_gaps(),
                             self._applied_current())

    def _contact_lost(self, time: float, h: float | None, control: Control) -> bool:
        """Has the stripping electrode kept less than ``min_contact_fraction``? If so, the loss
        is dated ``time`` (s) and, after a sub-step of ``h`` s (None: at the step's start, where
        the last solve stands), the voltage solved on the contact left (none: the last solve's)
        (collective). An electrode without coupled pairs (a full cell's cathode) has a nan
        fraction: no loss."""
        fraction = self._stripping_fraction()
        if not fraction < self.config.min_contact_fraction:  # (nan: no pairs to lose)
            return False
        self.lost_at = time
        if fraction > 0.0 and h is not None:
            self.map.set_indicator(self.indicator(self.mechanics.pair_gaps()))
            self.echem.solve(time, h, control)
        return True

    def _longest(self) -> float:
        """The longest next sub-step the vacancy rule allows, s."""
        return math.inf if self.vacancy is None else self.vacancy.longest

    def _applied_current(self) -> float:
        """The current density the protocol asks for now (A/m², positive strips the bottom),
        else (potentiostatic) the one the last solve passed (collective)."""
        applied = self.control.current_density if self.control is not None else None
        return applied if applied is not None else self.echem.currents.net_current_density()

    def _stripping_fraction(self, chi: np.ndarray | None = None) -> float:
        """Contact fraction of the electrode that strips now, the smaller of the contact pairs'
        and the one its current sees, at ``chi`` (default: the present gaps'); inf at rest
        (collective)."""
        current = self._applied_current()
        if current == 0.0:
            return math.inf
        which = stripping_electrode(current)[0]
        if chi is None:
            chi = self.indicator(self.mechanics.pair_gaps())
        return min(self.pair_chi.area_fraction(which, chi), self._conducting_fraction(which, chi))

    def _conducting_fraction(self, which: int, chi: np.ndarray) -> float:
        """The share of electrode ``which``'s interface that conducts as the electrochemistry
        sees it (χ at the electrolyte's vertices only; collective). It is below the pairs' area
        fraction where contact survives only on the pairs between vertices (a quadratic
        displacement's mid-edge pairs): after a vacancy cascade that left 11 % of the pairs but
        none at a vertex, the current had no path and the electrolyte solve was singular, a
        contact loss the pairs did not report."""
        return self.map.conducting_fraction(chi, self.contact.electrode == which)

    def _result(self, substeps: int, iterations: int,
                mechanics: dict[str, float] | None = None, failed: int = 0) -> StepResult:
        """One row of all three models, and the failure check (collective). ``failed``: the
        sub-steps this time step cut and redid (each costs about as much as an accepted one)."""
        values = dict(self.echem._last_values)
        values |= self.mechanics._values() | (mechanics or {})
        gaps = self.mechanics.pair_gaps()
        chi = self.indicator(gaps)
        electrode = self.contact.electrode
        for which, name in ELECTRODES:
            mine = (electrode == which) & self.coupled_pairs
            values[f"contact_fraction_{name}"] = self.pair_chi.area_fraction(which, chi)
            values[f"max_gap_{name}_m"] = float(max(gaps[mine].max(initial=0.0), 0.0))
        if self.vacancy is not None:
            values |= self.vacancy.values(self.pair_chi.area_fraction)
        collector = self.mechanics.collector_area()
        removed = float(self.area[electrode == 0] @ self.mechanics.current.offset[electrode == 0])
        values["li_balance_error_m"] = (removed - self.mechanics.current.stripped) / collector
        values["coupled_substeps"] = float(substeps)
        values["coupling_iterations"] = float(iterations)
        values["coupled_failed_substeps"] = float(failed)
        result = StepResult(True, max(1, iterations // max(substeps, 1)), values)
        current = self._applied_current()  # (a failed last solve must not hide the loss)
        plating = None
        if self.plating is not None:  # the named plating criteria (collective: the pairs)
            measures, plating = self.plating.evaluate(gaps, self.pair_current,
                                                      self.map.pair_contact(), current, self.time)
            values |= measures
        stripping = stripping_electrode(current)[1]
        fraction = (values[f"contact_fraction_{stripping}"] if current == 0.0
                    else self._stripping_fraction(chi))
        result.note = (f"contact fraction {stripping} {fraction:.3g}, hot spot "
                       f"{values.get(f'hot_spot_factor_avg_{stripping}', math.nan):.3g}")
        if self.vacancy is not None:
            result.note += (f", vacancy voids on {values[f'nucleated_fraction_{stripping}']:.3g}"
                            f" of the {stripping} interface")
        if current != 0.0 and fraction < self.config.min_contact_fraction:
            result.failure = (f"stripping-limited failure: the {stripping} electrode lost contact "
                              f"(contact fraction {fraction:.3g} < "
                              f"{self.config.min_contact_fraction}"
                              + (f" at t = {self.lost_at:.6g} s)" if self.lost_at is not None
                                 else ")"))
            if self.vacancy is not None:
                result.failure += (f"; vacancy voids nucleated on "
                                   f"{values[f'nucleated_fraction_{stripping}']:.3g} of it")
            result.failure_mode = "contact_loss"
        elif plating is not None:
            result.failure, result.failure_mode = plating.message, plating.mode
        return result

    def accept(self) -> None:
        """Both models keep their state; the next sub-step size too."""
        self.echem.accept()
        self.mechanics.accept()
        if self.vacancy is not None:
            self.vacancy.accept()
        self.size.accept()
        self.accepted_rate = self.chi_rate

    def reject(self) -> None:
        """Both models return to the last accepted state."""
        self.echem.reject()
        self.mechanics.reject()
        if self.vacancy is not None:
            self.vacancy.reject()
        self.size.reject()
        self.chi_rate = self.accepted_rate

    def state(self) -> dict[str, Cellwise]:
        """Both models' checkpoint rows, the coupled sub-step size, its ceiling and the χ
        rates."""
        longest = math.inf if self.vacancy is None else self.vacancy.accepted_longest
        scalars = np.concatenate([[self.size.accepted_next, longest,
                                   self.size.accepted_ceiling], self.accepted_rate])
        rows = {"coupling_scalars": scalar_rows(scalars)}
        if self.vacancy is not None:
            rows["coupling_vacancy"] = scalar_rows(self.vacancy.state().ravel())
        return self.echem.state() | self.mechanics.state() | rows

    def restore(self, arrays: dict[str, Cellwise]) -> None:
        """Set both models (and the sub-step size, its ceiling, χ rates) from checkpoint rows
        (collective)."""
        self.echem.restore(arrays)
        self.mechanics.restore(arrays)
        scalars = arrays["coupling_scalars"][1][0]
        longest = None
        count = self.contact.count
        # older checkpoints: no cap, no rates (1 value); no ceiling (2 + count)
        ceiling = float(scalars[2]) if scalars.size == 3 + count else math.inf
        self.size.restore(float(scalars[0]), ceiling)
        if scalars.size in (2 + count, 3 + count):
            longest = float(scalars[1])
            self.accepted_rate = self.chi_rate = scalars[scalars.size - count:].copy()
        if self.vacancy is not None:
            self.vacancy.restore(arrays["coupling_vacancy"][1][0], longest)
        self.map.set_indicator(self.indicator(self.mechanics.pair_gaps()))

    def write_fields(self, time: float) -> None:
        """Both models' fields, the contact indicator (``fields/contact.bp``) and a picture of
        the interfaces (``interface/interface_<k>.png`` + ``.csv``, rank 0) (collective)."""
        self.echem.write_fields(time)
        self.mechanics.write_fields(time)
        if self.writer is not None:
            self.writer.write(time)
        if self.outdir is None or not self.case.outputs.plots:
            return
        gaps = self.mechanics.pair_gaps()  # collective: before the rank-0 branch
        if self.comm.rank == 0:
            from ssbstack.post.interface import write_interface_snapshot

            mine = self.coupled_pairs
            write_interface_snapshot(
                self.outdir / "interface", self.snapshots, time, self.contact.pairs["x"][mine],
                gaps[mine], self.indicator(gaps)[mine], self.pair_current[mine],
                self.contact.electrode[mine], self.mechanics.mesh.geometry.dim,
                self.mechanics.kin == "axisymmetric")
        self.snapshots += 1

    def close(self) -> None:
        """Close both models' writers (collective)."""
        self.echem.close()
        self.mechanics.close()
        if self.writer is not None:
            self.writer.close()
            self.writer = None
