"""Models hold no reference cycles: their PETSc objects are destroyed when the last reference
goes, at the same statement on every rank. A cycle leaves them to Python's cyclic collector,
which runs at allocation-dependent (so rank-dependent) moments or at exit in rank-dependent
order; PETSc destruction is collective, and two ranks destroying different objects hang."""

import gc
import weakref

import pytest
from mpi4py import MPI

from ssbstack.config.loader import load_case
from ssbstack.verification import coupled as checks
from ssbstack.verification.mechanics import case_file

dolfinx_petsc = pytest.importorskip("dolfinx.fem.petsc")
PETSc = pytest.importorskip("petsc4py.PETSc")

PETSC_HOLDERS = (dolfinx_petsc.NonlinearProblem, dolfinx_petsc.LinearProblem, PETSc.Object)


def _undestroyed(holder) -> bool:
    """Alive and holding PETSc memory (a destroyed petsc4py wrapper has a null handle: the one
    DOLFINx 0.11's ``cpp.la.petsc.create_matrix`` leaks is destroyed by the model instead)."""
    if holder is None:
        return False
    return not isinstance(holder, PETSc.Object) or holder.handle != 0


@pytest.mark.parametrize("name", ["coupled_full_cell", "coupled_film_debond", "echem_alloy",
                                  "roller_uniform", "die_confined", "creep_anand"])
def test_dropping_the_models_destroys_their_petsc_objects(name):
    gc.collect()
    gc.disable()
    try:
        before = {id(o) for o in gc.get_objects() if isinstance(o, PETSC_HOLDERS)}
        models = checks.build(load_case(case_file(name)), MPI.COMM_WORLD)
        checks.run_models(models, [1.0], 0.0)
        held = [weakref.ref(o) for o in gc.get_objects()
                if isinstance(o, PETSC_HOLDERS) and id(o) not in before]
        assert held, "the check would not bite: no PETSc object found"
        del models
        alive = sorted(type(ref()).__name__ for ref in held if _undestroyed(ref()))
        assert not alive, f"{name}: kept alive by a reference cycle: {alive}"
    finally:
        gc.enable()
