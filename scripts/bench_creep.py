"""Benchmark: creep mechanics time per step and Newton iterations — bonded stack, frictionless
Li | SE contact and the rigid die wall — at 2D and 3D sizes, 1 and 2 ranks, against a bare DOLFINx
solve of the same size.

    python scripts/bench_creep.py            # driver: runs the workers on 1 and 2 ranks, prints a table
    python scripts/bench_creep.py --only die # one family (bonded, contact, die, extrusion)
    mpirun -n 2 python -m mpi4py scripts/bench_creep.py --worker   # one worker run

Families (verification cases, Li creep on, Norton 7.7e-3 1/s MPa^-6.56):

- ``bonded``: the fixed-gap Li | LPSCl | Li of ``creep_convergence.toml`` (1 MPa, bonded plates),
  planar2d and box3d; rests (creep relaxation);
- ``contact``: ``contact_frictionless.toml`` (Li | LPSCl, split interface held by frictionless
  node-to-node penalty contact, 0.5 MPa, constant pressure), planar2d and box3d, stripping 1 mA/cm²
  (the contact offsets move every sub-step);
- ``die``: ``die_confined.toml`` (a Li disc against a rigid frictionless die wall, axisymmetric,
  1 MPa; 2D only: the die is refused in 3D), resting (confined creep);
- ``extrusion``: ``die_extrusion.toml`` (the same disc at 3 MPa extruding into a 20 µm
  plunger/die gap, one column per layer and wall), resting.

Each run applies P0 and then takes ``--steps`` runner steps of 10 s; it reports the global dofs,
wall seconds per runner step, sub-steps and Newton iterations per step, seconds per Newton
iteration (return map + assembly + contact terms + MUMPS factorisation and two solves), and the
seconds of a bare DOLFINx linear-elasticity solve on the same mesh and P2 space (assemble A and b,
MUMPS LU, solve; best of 3) and the ratio s/newton ÷ bare. Timings on a shared machine vary:
compare within one run.

Measured (contact and die, ``--steps 1 --only contact die``; 2 shared cores, load average ~5 from
other jobs; MUMPS, P2). Ratio = s/newton ÷ bare:

    ranks family  kind         size    dofs    s/step  substeps/step  newton/step  s/newton  bare(s)  ratio
        1 contact planar2d     10um       2212    0.064           1.0          6.0    0.0107   0.0092   1.16
        1 contact planar2d     5um        8100    0.180           1.0          6.0    0.0300   0.0326   0.92
        1 contact planar2d     2.5um     30772    0.883           1.0          6.0    0.1472   0.1647   0.89
        1 contact box3d        40um       2346    0.158           1.0          6.0    0.0263   0.0215   1.22
        1 contact box3d        20um       9192    1.234           1.0          6.0    0.2056   0.1587   1.30
        1 die     axisymmetric 10um       1098    0.662         109.0        120.0    0.0055   0.0032   1.70
        1 die     axisymmetric 5um        3994    1.910         109.0        120.0    0.0159   0.0120   1.33
        1 die     planar2d     10um       2098    1.176         109.0        120.0    0.0098   0.0061   1.61
        2 contact planar2d     10um       2212    0.152           1.0          6.0    0.0254   0.0114   2.22
        2 contact planar2d     5um        8100    0.311           1.0          6.0    0.0518   0.0644   0.80
        2 contact planar2d     2.5um     30772    1.095           1.0          6.0    0.1826   0.2220   0.82
        2 contact box3d        40um       2346    0.291           1.0          6.0    0.0485   0.0311   1.56
        2 contact box3d        20um       9192    1.628           1.0          6.0    0.2714   0.1701   1.60
        2 die     axisymmetric 10um       1098    2.243         109.0        120.0    0.0187   0.0097   1.93
        2 die     axisymmetric 5um        3994    3.935         109.0        120.0    0.0328   0.0325   1.01
        2 die     planar2d     10um       2098    3.260         109.0        120.0    0.0272   0.0160   1.69

Extrusion (``--steps 1 --only die extrusion``, one run, idle machine): ratio 1.28 / 0.76 / 1.00
(1 rank) and 1.04 / 0.79 / 0.75 (2 ranks) on axisymmetric 10 / 5 µm and planar2d 10 µm, against
1.07 / 0.93 / 1.09 and 0.95 / 0.84 / 0.85 for the closed die in the same run; 177 / 189 / 315
Newton iterations per step (80 / 80 / 117 sub-steps) against 120 (109).

Earlier bonded numbers (3 steps, before the bare column existed): planar2d 3778 / 14162 / 54234 dofs
0.117 / 0.518 / 3.640 s per step on 1 rank; box3d 5232 / 24117 dofs 0.747 / 9.989 s; ~6 Newton
iterations per step.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERIFICATION = ROOT / "cases" / "verification"
CREEP = ["materials.Li.creep.coefficient_per_s_per_MPa_n=7.7e-3"]
# family: (case, extra overrides, current density A/m², [(kind, size), ...])
FAMILIES = {
    "bonded": ("creep_convergence", [], 0.0,
               [("planar2d", "5 um"), ("planar2d", "2.5 um"), ("planar2d", "1.25 um"),
                ("box3d", "20 um"), ("box3d", "10 um")]),
    "contact": ("contact_frictionless", [*CREEP, 'conditions.stack_pressure="0.5 MPa"'], 10.0,
                [("planar2d", "10 um"), ("planar2d", "5 um"), ("planar2d", "2.5 um"),
                 ("box3d", "40 um"), ("box3d", "20 um")]),
    "die": ("die_confined", [*CREEP, 'conditions.stack_pressure="1 MPa"', "mechanics.contact_penalty=1e3"],
            0.0, [("axisymmetric", "10 um"), ("axisymmetric", "5 um"), ("planar2d", "10 um")]),
    "extrusion": ("die_extrusion", ["mechanics.contact_penalty=1e3"], 0.0,
                  [("axisymmetric", "10 um"), ("axisymmetric", "5 um"), ("planar2d", "10 um")]),
}


def bare_solve(V: object, comm: object, repeats: int = 3, iterative: bool = False) -> float:
    """Seconds (best of ``repeats``) of a bare DOLFINx linear-elasticity solve on ``V``: assemble
    A and b (bottom clamped, unit body force), MUMPS LU (``iterative``: the mechanics tangent's
    CG + GAMG of ``numerics.linear_solver = "iterative"``), solve."""
    import dolfinx
    import dolfinx.fem.petsc
    import numpy as np
    import ufl
    from mpi4py import MPI
    from petsc4py import PETSc

    mesh = V.mesh
    gdim = mesh.geometry.dim
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    mu, lam = 3e9, 5e9

    def sigma(w: object) -> object:
        eps = ufl.sym(ufl.grad(w))
        return 2 * mu * eps + lam * ufl.tr(eps) * ufl.Identity(gdim)

    a = dolfinx.fem.form(ufl.inner(sigma(u), ufl.sym(ufl.grad(v))) * ufl.dx)
    force = np.zeros(gdim, dtype=PETSc.ScalarType)
    force[-1] = -1.0
    L = dolfinx.fem.form(ufl.dot(dolfinx.fem.Constant(mesh, force), v) * ufl.dx)
    bottom = comm.allreduce(float(mesh.geometry.x[:, gdim - 1].min()), op=MPI.MIN)
    facets = dolfinx.mesh.locate_entities_boundary(
        mesh, gdim - 1, lambda x: np.abs(x[gdim - 1] - bottom) < 1e-12)
    dofs = dolfinx.fem.locate_dofs_topological(V, gdim - 1, facets)
    bc = dolfinx.fem.dirichletbc(np.zeros(gdim, dtype=PETSc.ScalarType), dofs, V)
    best = float("inf")
    for _ in range(repeats):
        comm.Barrier()
        start = time.perf_counter()
        A = dolfinx.fem.petsc.assemble_matrix(a, bcs=[bc])
        A.assemble()
        b = dolfinx.fem.petsc.assemble_vector(L)
        dolfinx.fem.petsc.apply_lifting(b, [a], bcs=[[bc]])
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        dolfinx.fem.petsc.set_bc(b, [bc])
        if iterative:
            from ssbstack.numerics.solver_options import tangent_ksp

            ksp = tangent_ksp(comm, A, True, True, V)
        else:
            ksp = PETSc.KSP().create(comm)
            ksp.setType("preonly")
            ksp.getPC().setType("lu")
            ksp.getPC().setFactorSolverType("mumps")
        ksp.setOperators(A)
        x = A.createVecRight()
        ksp.solve(b, x)
        best = min(best, comm.allreduce(time.perf_counter() - start, op=MPI.MAX))
        ksp.destroy()
        A.destroy()
        b.destroy()
        x.destroy()
    return best


def worker(steps: int, families: list[str]) -> None:
    from mpi4py import MPI

    from ssbstack.config.loader import load_case
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.numerics.mechanics import MechanicsModel
    from ssbstack.numerics.model import Control

    comm = MPI.COMM_WORLD
    for family in families:
        name, extra, current, configs = FAMILIES[family]
        for kind, size in configs:
            overrides = [*extra, f"geometry.kind={kind}", f'geometry.mesh.interface="{size}"',
                         f'geometry.mesh.bulk="{size}"']
            if kind == "box3d":
                overrides.append('geometry.depth="100 um"')
            case = load_case(VERIFICATION / f"{name}.toml", overrides)
            model = MechanicsModel(case, build_mesh(case, comm), comm)
            dofs = model.V.dofmap.index_map.size_global * model.V.dofmap.index_map_bs
            model.solve(0.0, 0.0, Control(0.0))
            model.accept()
            comm.Barrier()
            start = time.perf_counter()
            newton = substeps = 0
            for step in range(1, steps + 1):
                result = model.solve(10.0 * step, 10.0, Control(current))
                assert result.converged, result.message
                model.accept()
                newton += int(result.values["newton_iterations"])
                substeps += int(result.values["substeps"])
            seconds = comm.allreduce(time.perf_counter() - start, op=MPI.MAX)
            bare = bare_solve(model.V, comm)
            per = seconds / max(newton, 1)
            if comm.rank == 0:
                print(f"RESULT {comm.size} {family} {kind} {size.replace(' ', '')} {dofs} "
                      f"{seconds / steps:.3f} {substeps / steps:.1f} {newton / steps:.1f} "
                      f"{per:.4f} {bare:.4f} {per / bare:.2f}", flush=True)


def driver(steps: int, families: list[str]) -> None:
    mpirun = Path(sys.executable).with_name("mpirun")
    header = ("ranks family  kind         size    dofs    s/step  substeps/step  newton/step  "
              "s/newton  bare(s)  ratio")
    print(header)
    for ranks in (1, 2):
        command = [str(mpirun), "-n", str(ranks), sys.executable, "-m", "mpi4py", __file__,
                   "--worker", "--steps", str(steps), "--only", *families]
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            print(f"{ranks} ranks failed:\n{done.stderr[-2000:]}")
            continue
        for line in done.stdout.splitlines():
            if line.startswith("RESULT "):
                r, family, kind, size, dofs, step, sub, newton, per, bare, ratio = line.split()[1:]
                print(f"{r:>5} {family:7} {kind:12} {size:7} {dofs:>7} {step:>8} {sub:>13} "
                      f"{newton:>12} {per:>9} {bare:>8} {ratio:>6}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help="run the benchmark on this comm")
    parser.add_argument("--steps", type=int, default=3, help="runner steps of 10 s per mesh")
    parser.add_argument("--only", nargs="+", choices=list(FAMILIES), default=list(FAMILIES),
                        help="families to run (default: all)")
    args = parser.parse_args()
    if args.worker:
        worker(args.steps, args.only)
    else:
        driver(args.steps, args.only)


if __name__ == "__main__":
    main()
