"""Where DOLFINx comes from, and the version gate (DOLFINx 0.11 only).

The PyPI wheel ``dolfinx-solver-real`` must be imported before ``dolfinx``/``petsc4py`` so that
every binding shares one MPI library. A system DOLFINx (Spack, conda, a cluster module) is
accepted as it is when the wheel is absent.
"""

from __future__ import annotations

import importlib.util

from ssbstack.errors import CaseError

REQUIRED_DOLFINX = (0, 11)


def load_dolfinx():
    """Import DOLFINx (via the wheel's loader when present) and check its version.

    Returns the ``dolfinx`` module. Raises :class:`CaseError` with install advice when DOLFINx
    is missing or older than 0.11.
    """
    if importlib.util.find_spec("dolfinx_solver") is not None:
        import dolfinx_solver  # noqa: F401  (loads MPI first so all bindings share one libmpi)
    try:
        import dolfinx
    except ImportError as exc:
        raise CaseError(
            "DOLFINx is not installed: run `make setup` (PyPI wheel dolfinx-solver-real) "
            "or load a DOLFINx 0.11 module on your cluster"
        ) from exc
    version = tuple(int(p) for p in dolfinx.__version__.split(".")[:2])
    if version < REQUIRED_DOLFINX:
        raise CaseError(
            f"DOLFINx {dolfinx.__version__} is too old: ssbstack needs DOLFINx >= 0.11"
        )
    return dolfinx


def versions() -> dict[str, str]:
    """Versions of the numerical stack, for run.json provenance."""
    dolfinx = load_dolfinx()
    import basix
    import ffcx
    import gmsh
    import ufl
    from mpi4py import MPI
    from petsc4py import PETSc

    petsc = ".".join(str(v) for v in PETSc.Sys.getVersion())
    return {
        "dolfinx": dolfinx.__version__,
        "basix": basix.__version__,
        "ffcx": ffcx.__version__,
        "ufl": ufl.__version__,
        "petsc": petsc,
        "mpi": MPI.Get_library_version().splitlines()[0].strip(),
        "mpi4py": __import__("mpi4py").__version__,
        "gmsh": gmsh.__version__,
    }
