"""MechanicsModel.advance(whole=True), what a coupled sub-step's first contact iteration asks
for: the step in one Newton solve or not at all, instead of sub-cycling a step that the coupled
sub-step then throws away."""

from __future__ import annotations

from mpi4py import MPI

from ssbstack.config.loader import load_case
from ssbstack.numerics.model import Control
from ssbstack.verification import mechanics as checks

STRIP = Control(10.0)  # A/m², 1 mA/cm²


def _model() -> object:
    """Creeping Li on LLZO with an open debond, after 30 s of stripping (mechanics alone)."""
    case = load_case(checks.case_file("coupled_debond"), [
        "coupling.enabled=false", "electrochemistry.enabled=false",
        'geometry.mesh.interface="8 um"'])
    model, _ = checks.run_history(case, MPI.COMM_WORLD, [30.0], 10.0)
    return model


def test_a_whole_substep_fails_at_once_where_the_plain_one_is_sub_cycled():
    model = _model()
    start = model.snapshot()
    plate = start.plate
    plain = model.advance(3000.0, STRIP)
    assert plain.converged and plain.values["substeps"] > 1  # the controller had to cut
    model.rollback(start)
    whole = model.advance(3000.0, STRIP, whole=True)
    assert not whole.converged and whole.message
    # it stops at the first cut: fewer Newton iterations than the sub-cycled step
    assert 0 < whole.iterations < plain.iterations, (whole.iterations, plain.iterations)
    assert model.current.plate == plate  # nothing committed
    model.rollback(start)
    short = model.advance(1.0, STRIP, whole=True)
    assert short.converged and short.values["substeps"] == 1.0
