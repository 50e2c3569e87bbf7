"""One run, straight through: case → mesh → models → protocol runner → results folder → report.

A run can be resumed from its checkpoint (``ssbstack run --restart DIR``) on any number of ranks
(fields and plots written after the k-th restart go to ``DIR/restart-<k>/``);
SIGTERM (a scheduler's time limit) makes it write a checkpoint at the end of the current time
step and stop with :class:`~ssbstack.errors.RunStopped`.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ssbstack.compat import versions
from ssbstack.config.schema import Case
from ssbstack.errors import CaseError, RunStopped, SolverError
from ssbstack.io import checkpoint
from ssbstack.io.results import RunRecord, TimeseriesWriter, prepare_output
from ssbstack.meshing.quality import describe
from ssbstack.meshing.refine import faceting_warning
from ssbstack.meshing.stack import build_mesh
from ssbstack.numerics.electrode_sides import film_rim_warning
from ssbstack.numerics.model import Model
from ssbstack.numerics.runner import Position, ProtocolRunner, RunSummary
from ssbstack.post.report import write_report

_SIGNALLED = {"stop": False}


def split_for(case: Case) -> tuple[str, ...]:
    """Interfaces to split in the run's one mesh: those of frictionless contact when mechanics is
    on (electrochemistry then uses the electrolyte's side of them)."""
    if not case.mechanics.enabled:
        return ()
    from ssbstack.numerics.mechanics import split_interfaces

    return split_interfaces(case)


def build_models(case: Case, stack_mesh: Any, comm: Any, outdir: Path | None) -> list[Model]:
    """The physics models a case switches on, in solve order."""
    models: list[Model] = []
    if case.electrochemistry.stress_coupling:
        raise CaseError("no model provides the contact stress σ_n yet (the mechanics coupling "
                        "is not built): the term would silently be zero",
                        key="electrochemistry.stress_coupling")
    if case.coupling.enabled:
        from ssbstack.numerics.coupled import CoupledModel

        return [CoupledModel(case, stack_mesh, comm, outdir)]
    if case.electrochemistry.enabled:
        from ssbstack.numerics.electrochemistry import ElectrochemistryModel

        models.append(ElectrochemistryModel(case, stack_mesh, comm, outdir))
    if case.mechanics.enabled:
        from ssbstack.numerics.mechanics import MechanicsModel

        models.append(MechanicsModel(case, stack_mesh, comm, outdir))
    if not models:
        raise CaseError("the case switches on no physics (electrochemistry and mechanics are off)")
    return models


def _stop_requested(comm: Any) -> Callable[[], bool]:
    from mpi4py import MPI

    return lambda: bool(comm.allreduce(int(_SIGNALLED["stop"]), op=MPI.MAX))


def _on_sigterm(signum: int, frame: Any) -> None:
    _SIGNALLED["stop"] = True


def run_case(case: Case, resolved: str, outdir: Path, comm: Any, *, overwrite: bool = False,
             log: Callable[[str], None] = print, checkpoint_every: int = 0,
             restart: bool = False) -> RunSummary:
    """Run ``case`` into ``outdir`` (collective), or resume it there when ``restart``.

    Raises SolverError (after saving the last good state) or RunStopped (after a checkpoint).
    """
    outdir = Path(outdir)
    resume: Position | None = None
    saved: dict[str, Any] = {}
    resume_rows: int | None = None
    if restart:
        if not (outdir / checkpoint.CHECKPOINT / "state.npz").exists():
            raise CaseError(f"{outdir}: no checkpoint to restart from")
        _check_restart_ranks(case, outdir, comm)
        saved, position = checkpoint.load(outdir)
        resume, resume_rows = Position(**position["runner"]), position["rows"]
        log(f"restarting from t = {resume.time:.6g} s, protocol step {resume.step}")
    else:
        outdir = prepare_output(outdir, overwrite, comm)
        if comm.rank == 0:
            (outdir / "case.resolved.json").write_text(resolved, encoding="utf-8")
    record = RunRecord(outdir, comm, resolved, versions())

    started = time.perf_counter()
    stack_mesh = build_mesh(case, comm, split=split_for(case))
    record.timing("mesh", time.perf_counter() - started)
    record.memory("mesh")
    log(f"mesh: {describe(case.geometry.kind, stack_mesh.quality)}; "
        f"layers {', '.join(case.tags.layers)}")
    for warning in (faceting_warning(case), film_rim_warning(case)):
        if warning:
            log(f"warning: {warning}")
    record.update(mesh={"kind": case.geometry.kind, **stack_mesh.quality})

    started = time.perf_counter()
    models = build_models(case, stack_mesh, comm, _restart_folder(outdir, comm) if restart else outdir)
    if resume is not None:
        for model in models:
            model.restore(saved)
    record.timing("setup", time.perf_counter() - started)
    record.memory("setup")

    def write_fields(t: float) -> None:
        for model in models:
            model.write_fields(t)

    series: TimeseriesWriter | None = None

    def save_checkpoint(position: Position) -> None:
        arrays: dict[str, Any] = {}
        for model in models:
            arrays |= model.state()
        assert series is not None
        checkpoint.save(outdir, comm, arrays, {"runner": position.as_dict(), "rows": series.rows})
        log(f"checkpoint: t = {position.time:.6g} s, protocol step {position.step}")

    runner = ProtocolRunner(case, models, lambda row: None, log, write_fields,
                            checkpoint=save_checkpoint, checkpoint_every=checkpoint_every,
                            stop_requested=_stop_requested(comm))
    series = TimeseriesWriter(outdir / "timeseries.csv", runner.columns(), comm,
                              resume_rows=resume_rows)
    runner.record = series.write
    previous_handler = signal.signal(signal.SIGTERM, _on_sigterm)
    started = time.perf_counter()

    def finish(status: str, **items: Any) -> str:
        """Collective clean-up: only on outcomes every rank reaches together; the peak-memory
        text of the last log line."""
        record.timing("protocol", time.perf_counter() - started)
        series.close()
        for model in models:
            model.close()
        record.memory("end")
        footprint = record.footprint(sum(count_dofs(model) for model in models))
        record.update(status=status, **items)
        return footprint

    try:
        summary = runner.run(resume, RunSummary(steps_completed=resume.step if resume else 0))
    except (SolverError, RunStopped) as exc:  # raised on every rank together
        finish("solver_failed" if isinstance(exc, SolverError) else "stopped", message=str(exc))
        raise
    # Any other exception may be on one rank only: no collective clean-up (the CLI aborts all).
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
    summary.footprint = finish(summary.status, summary=_summary_dict(summary))
    if comm.rank == 0:
        write_report(case, summary, outdir)
    log(f"{summary.status}: {summary.steps_completed} steps, {summary.end_time_s / 3600:.4g} h"
        + (f"; {summary.message}" if summary.message else ""))
    return summary


def count_dofs(model: Any) -> int:
    """Global number of unknowns a model solves for: electrochemistry's fields (φ_e, the cell
    voltage, sheet potentials), mechanics' displacement, both for a coupled model."""
    if hasattr(model, "echem"):
        return count_dofs(model.echem) + count_dofs(model.mechanics)
    spaces = [u.function_space for u in getattr(model, "unknowns", [])]
    if not spaces and getattr(model, "V", None) is not None:
        spaces = [model.V]
    return sum(V.dofmap.index_map.size_global * V.dofmap.index_map_bs for V in spaces)


def _check_restart_ranks(case: Case, outdir: Path, comm: Any) -> None:
    """A refined mesh restarts on the rank count it ran on: DOLFINx breaks ties between equally
    long edges by vertex numbers, which follow the partition, so the fine mesh can differ."""
    import json

    if not case.geometry.mesh.refine:
        return
    ranks = json.loads((outdir / "run.json").read_text()).get("mpi_ranks")
    if ranks != comm.size:
        raise CaseError(f"{outdir}: the run refined its mesh (geometry.mesh.refine = "
                        f"{case.geometry.mesh.refine}) on {ranks} rank(s): restart it on "
                        f"{ranks}, not {comm.size} (the refined mesh can depend on the partition)")


def _restart_folder(outdir: Path, comm: Any) -> Path:
    """``outdir/restart-<k>`` for the k-th restart: its fields and plots go there, so the
    field files written before the checkpoint are kept (collective)."""
    folder = None
    if comm.rank == 0:
        count = 1 + sum(1 for p in outdir.glob("restart-*") if p.is_dir())
        folder = outdir / f"restart-{count}"
        (folder / "fields").mkdir(parents=True)
    return comm.bcast(folder, root=0)


def _summary_dict(summary: RunSummary) -> dict[str, Any]:
    walls = summary.step_wall_seconds
    return {
        "status": summary.status,
        "steps_completed": summary.steps_completed,
        "end_time_s": summary.end_time_s,
        "message": summary.message,
        "ccd_A_m2": summary.ccd_A_m2,
        "failed_level_A_m2": summary.failed_level_A_m2,
        "ccd_above_A_m2": summary.ccd_above_A_m2,
        "mean_step_wall_seconds": sum(walls) / len(walls) if walls else None,
    }
