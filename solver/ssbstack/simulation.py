"""One run, straight through: case → mesh → models → protocol runner → results folder → report."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ssbstack.compat import versions
from ssbstack.config.schema import Case
from ssbstack.errors import SolverError
from ssbstack.io.results import RunRecord, TimeseriesWriter, prepare_output
from ssbstack.meshing.stack import build_mesh
from ssbstack.numerics.model import Model
from ssbstack.numerics.runner import ProtocolRunner, RunSummary
from ssbstack.post.report import write_report


def build_models(case: Case, stack_mesh: Any, comm: Any, outdir: Path | None) -> list[Model]:
    """The physics models a case switches on, in solve order."""
    models: list[Model] = []
    if case.electrochemistry.enabled:
        from ssbstack.numerics.electrochemistry import ElectrochemistryModel

        models.append(ElectrochemistryModel(case, stack_mesh, comm, outdir))
    if not models:
        raise ValueError("the case switches on no physics")
    return models


def run_case(case: Case, resolved: str, outdir: Path, comm: Any, *, overwrite: bool = False,
             log: Callable[[str], None] = print) -> RunSummary:
    """Run ``case`` and write ``outdir`` (collective). Raises SolverError after saving results."""
    outdir = prepare_output(Path(outdir), overwrite, comm)
    if comm.rank == 0:
        (outdir / "case.resolved.json").write_text(resolved, encoding="utf-8")
    record = RunRecord(outdir, comm, resolved, versions())

    started = time.perf_counter()
    stack_mesh = build_mesh(case, comm)
    record.timing("mesh", time.perf_counter() - started)
    cells = stack_mesh.mesh.topology.index_map(stack_mesh.mesh.topology.dim).size_global
    log(f"mesh: {case.geometry.kind}, {cells} cells, layers {', '.join(case.tags.layers)}")
    record.update(mesh={"kind": case.geometry.kind, "cells": cells})

    started = time.perf_counter()
    models = build_models(case, stack_mesh, comm, outdir)
    record.timing("setup", time.perf_counter() - started)

    def write_fields(t: float) -> None:
        for model in models:
            model.write_fields(t)

    runner = ProtocolRunner(case, models, lambda row: None, log, write_fields)
    series = TimeseriesWriter(outdir / "timeseries.csv", runner.columns(), comm)
    runner.record = series.write
    started = time.perf_counter()
    try:
        summary = runner.run()
    except SolverError as exc:
        record.update(status="solver_failed", message=str(exc))
        raise
    finally:
        record.timing("protocol", time.perf_counter() - started)
        series.close()
        for model in models:
            model.close()
    record.update(status=summary.status, summary=_summary_dict(summary))
    if comm.rank == 0:
        write_report(case, summary, outdir)
    log(f"{summary.status}: {summary.steps_completed} steps, {summary.end_time_s / 3600:.4g} h"
        + (f"; {summary.message}" if summary.message else ""))
    return summary


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
