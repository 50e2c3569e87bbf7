"""Benchmark of the electrochemistry model on a 3D stack RVE (issue 4, item 8).

    /tmp/venv/bin/python scripts/bench_echem.py [--sizes 50000 200000 1000000] [--ranks 1 2]

The driver runs one worker per (ranks, size) — ``mpirun -n 2`` for two ranks — and prints a
table and, last, ``overhead_ratio=<r> scaling_exponent=<e> speedup_2ranks=<s>``:

- the RVE: Li (1 cell layer) | SE | Li (1 cell layer) on a structured box of tetrahedra, W × W
  lateral, the SE 2.5 W thick; four circular voids (radius W/8) in the bottom Li|SE interface
  (contact fraction 0.80), Butler–Volmer kinetics (R_ct = 1 Ω cm²), galvanostatic control. The
  unknowns are φ_e on the SE submesh plus the cell voltage (real space): dofs ≈ target size.
- a "step" is one ``ElectrochemistryModel.solve`` at a new current level (0.1 mA/cm² steps from the
  previous solution, as in a CCD ramp): Newton (assembly + linear solves). After a warm-up solve
  (JIT), three steps are timed and averaged.
- the baseline is a bare DOLFINx Poisson problem (κ∇u·∇v plus Robin terms of the linearised
  kinetics on the same facets) on the same SE submesh with the same KSP options, assembled and
  solved by ``dolfinx.fem.petsc.LinearProblem`` in the same process.
- solvers: MUMPS (direct) and GMRES + GAMG (rtol 1e-10); the scaling exponent is fitted to the
  GAMG rows (time per step ∝ dofs^e, serial); the speedup and overhead ratio are taken at the
  largest size with GAMG. Peak memory per dof: the sum over ranks of the peak resident set size
  (whole process: Python, PETSc, mesh and parent mesh included) divided by the dofs.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SE_ASPECT = 2.5  # SE thickness / lateral size
VOIDS = [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)]  # centres, fractions of W


def _case(width: float, se: float, li: float, solver: str):
    from ssbstack.config.loader import build_case

    return build_case({
        "name": "bench-echem",
        "source": {"id": "verification", "citation": "benchmark RVE"},
        "materials": {
            "Li": {"kind": "metal"},
            "SE": {"kind": "electrolyte", "ionic_conductivity": "0.45 mS/cm"},
        },
        "stack": [{"name": "bottom_li", "material": "Li", "thickness": li},
                  {"name": "se", "material": "SE", "thickness": se},
                  {"name": "top_li", "material": "Li", "thickness": li}],
        "geometry": {"kind": "box3d", "width": width},
        "electrochemistry": {"kinetics": {"charge_transfer_resistance": "1 Ohm cm2"}},
        "protocol": {"steps": ["Strip at 1 mA/cm2 for 1 minute"]},
        "numerics": {"linear_solver": solver, "newton_rtol": 1e-8, "newton_atol": 1e-12},
        "outputs": {"fields": False, "plots": False},
    })


def _stack_mesh(comm, target: int, solver: str):
    """Structured Li|SE|Li box with tags of the tag table; n lateral cells, SE ≈ 2.5 n layers."""
    import numpy as np

    from ssbstack.compat import load_dolfinx
    from ssbstack.meshing.stack import StackMesh
    from ssbstack.meshing.tags import BOTTOM, SIDE, TOP

    dolfinx = load_dolfinx()
    n = max(4, round((target / SE_ASPECT) ** (1.0 / 3.0)))
    nz = round(SE_ASPECT * n)
    width = 100e-6
    h, dz = width / n, SE_ASPECT * width / nz
    case = _case(width, nz * dz, dz, solver)
    mesh = dolfinx.mesh.create_box(comm, [[0.0, 0.0, 0.0], [width, width, (nz + 2) * dz]],
                                   [n, n, nz + 2], dolfinx.mesh.CellType.tetrahedron)
    tdim = 3
    z1, z2 = dz, (nz + 1) * dz
    cells = np.arange(mesh.topology.index_map(tdim).size_local
                      + mesh.topology.index_map(tdim).num_ghosts, dtype=np.int32)
    mid = dolfinx.mesh.compute_midpoints(mesh, tdim, cells)
    cell_values = np.where(mid[:, 2] < z1, 1, np.where(mid[:, 2] > z2, 3, 2)).astype(np.int32)
    cell_tags = dolfinx.mesh.meshtags(mesh, tdim, cells, cell_values)
    mesh.topology.create_entities(tdim - 1)
    mesh.topology.create_connectivity(tdim - 1, tdim)
    tol = 1e-3 * h
    facets, values = [], []

    def add(marker, value):
        found = dolfinx.mesh.locate_entities(mesh, tdim - 1, marker)
        facets.append(found)
        values.append(np.full(len(found), value, dtype=np.int32))

    add(lambda x: np.isclose(x[2], 0.0, atol=tol), BOTTOM)
    add(lambda x: np.isclose(x[2], (nz + 2) * dz, atol=tol), TOP)
    add(lambda x: (np.isclose(x[0], 0.0, atol=tol) | np.isclose(x[0], width, atol=tol)
                   | np.isclose(x[1], 0.0, atol=tol) | np.isclose(x[1], width, atol=tol)), SIDE)
    plane = dolfinx.mesh.locate_entities(mesh, tdim - 1, lambda x: np.isclose(x[2], z1, atol=tol))
    centre = dolfinx.mesh.compute_midpoints(mesh, tdim - 1, plane)
    in_void = np.zeros(len(plane), dtype=bool)
    for cx, cy in VOIDS:
        in_void |= np.hypot(centre[:, 0] - cx * width, centre[:, 1] - cy * width) < width / 8
    below, above = case.tags.interfaces
    facets.append(plane)
    values.append(np.where(in_void, below.void_tag, below.contact_tag).astype(np.int32))
    add(lambda x: np.isclose(x[2], z2, atol=tol), above.contact_tag)
    facets_all = np.concatenate(facets)
    values_all = np.concatenate(values)
    facets_all, first = np.unique(facets_all, return_index=True)
    facet_tags = dolfinx.mesh.meshtags(mesh, tdim - 1, facets_all, values_all[first])
    return case, StackMesh(mesh, cell_tags, facet_tags, case.tags, "box3d")


def _poisson_seconds(model, comm) -> tuple[float, int]:
    """Assemble + solve a linear Poisson/Robin problem on the model's SE mesh (same options)."""
    import ufl

    from ssbstack.compat import load_dolfinx
    from ssbstack.numerics.solver_options import petsc_solver_options

    dolfinx = load_dolfinx()
    from dolfinx.fem.petsc import LinearProblem

    space = dolfinx.fem.functionspace(model.mesh, ("Lagrange", 1))
    u, v = ufl.TrialFunction(space), ufl.TestFunction(space)
    ds = model.ds
    below, above = (side.interface for side in model.sides)
    robin = 1.0 / 1e-4  # 1/R_ct, S/m²
    a = (model.conductivity * ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx
         + robin * u * v * ds(below.contact_tag) + robin * u * v * ds(above.contact_tag))
    rhs = 10.0 * v * ds(below.contact_tag) - 10.0 * v * ds(above.contact_tag)
    options = {k: val for k, val in petsc_solver_options(model.case).items()
               if k.startswith(("ksp_", "pc_"))}
    times = []
    for attempt in range(3):
        problem = LinearProblem(a, rhs, petsc_options_prefix=f"bench_poisson_{attempt}_",
                                petsc_options=options)
        comm.Barrier()
        start = time.perf_counter()
        problem.solve()
        comm.Barrier()
        times.append(time.perf_counter() - start)
        iterations = problem.solver.getIterationNumber()
    return min(times[1:]), iterations


def worker(target: int, solver: str) -> None:
    """One benchmark point on the current communicator; rank 0 prints a JSON line."""
    import resource

    from mpi4py import MPI

    from ssbstack.numerics.electrochemistry import ElectrochemistryModel
    from ssbstack.numerics.model import Control

    comm = MPI.COMM_WORLD
    start = time.perf_counter()
    case, stack_mesh = _stack_mesh(comm, target, solver)
    model = ElectrochemistryModel(case, stack_mesh, comm)
    setup = time.perf_counter() - start
    dofs = model.space.dofmap.index_map.size_global + 1
    model.solve(0.0, 0.0, Control(9.0))  # warm-up: JIT and first factorisation/hierarchy
    model.accept()
    steps, newton, krylov = [], 0, 0
    for current in (10.0, 11.0, 12.0):
        comm.Barrier()
        begin = time.perf_counter()
        result = model.solve(0.0, 0.0, Control(current))
        comm.Barrier()
        steps.append(time.perf_counter() - begin)
        if not result.converged:
            raise RuntimeError(result.message)
        model.accept()
        newton += model.problem.solver.getIterationNumber()
        krylov += model.problem.solver.getLinearSolveIterations()
    poisson, poisson_iterations = _poisson_seconds(model, comm)
    peak = comm.allreduce(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0,
                          op=MPI.SUM)
    record = {
        "ranks": comm.size, "solver": solver, "dofs": dofs, "setup_s": setup,
        "step_s": sum(steps) / len(steps), "newton_per_step": newton / len(steps),
        "krylov_per_step": krylov / len(steps), "poisson_s": poisson,
        "poisson_krylov": poisson_iterations, "peak_bytes_per_dof": peak / dofs,
        "hot_spot": result.values["hot_spot_factor_bottom"],
    }
    model.close()
    if comm.rank == 0:
        print("BENCH " + json.dumps(record), flush=True)


def _run(ranks: int, target: int, solver: str) -> dict:
    command = [sys.executable, "-m", "mpi4py", str(Path(__file__).resolve()), "--worker",
               str(target), solver]
    if ranks > 1:
        command = [str(Path(sys.executable).with_name("mpirun")), "-n", str(ranks), *command]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=3600,
                          env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"worker failed ({ranks} ranks, {target} dofs):\n{done.stderr[-3000:]}")
    return json.loads(line.removeprefix("BENCH "))


def _fit_exponent(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of log t against log N."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 200_000, 1_000_000])
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--direct-below", type=int, default=100_000,
                        help="also run MUMPS for sizes below this many dofs")
    parser.add_argument("--worker", nargs=2, metavar=("DOFS", "SOLVER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(int(args.worker[0]), args.worker[1])
        return
    rows = []
    print(f"{'ranks':>5} {'solver':>9} {'dofs':>9} {'setup s':>8} {'step s':>8} {'newton':>6} "
          f"{'krylov':>7} {'poisson s':>9} {'ratio':>6} {'B/dof':>7}", flush=True)
    for size in args.sizes:
        solvers = (["direct"] if size < args.direct_below else []) + ["iterative"]
        for solver in solvers:
            for ranks in args.ranks:
                row = _run(ranks, size, solver)
                rows.append(row)
                print(f"{row['ranks']:>5} {solver:>9} {row['dofs']:>9} {row['setup_s']:>8.2f} "
                      f"{row['step_s']:>8.3f} {row['newton_per_step']:>6.1f} "
                      f"{row['krylov_per_step']:>7.1f} {row['poisson_s']:>9.3f} "
                      f"{row['step_s'] / row['poisson_s']:>6.2f} "
                      f"{row['peak_bytes_per_dof']:>7.0f}", flush=True)
    serial = [r for r in rows if r["ranks"] == 1 and r["solver"] == "iterative"]
    largest = max(serial, key=lambda r: r["dofs"])
    parallel = [r for r in rows if r["ranks"] == 2 and r["solver"] == "iterative"
                and r["dofs"] == largest["dofs"]]
    ratio = largest["step_s"] / largest["poisson_s"]
    per_newton = ratio / largest["newton_per_step"]
    exponent = _fit_exponent([(r["dofs"], r["step_s"]) for r in serial]) if len(serial) > 1 \
        else math.nan
    speedup = largest["step_s"] / parallel[0]["step_s"] if parallel else math.nan
    bare = largest["poisson_s"] / parallel[0]["poisson_s"] if parallel else math.nan
    print(f"largest GAMG size {largest['dofs']} dofs: step/Poisson {ratio:.2f} "
          f"({per_newton:.2f} per Newton iteration); 2-rank speedup {speedup:.2f} "
          f"(bare Poisson {bare:.2f})")
    print(f"overhead_ratio={ratio:.3g} scaling_exponent={exponent:.3g} "
          f"speedup_2ranks={speedup:.3g}")


if __name__ == "__main__":
    main()
