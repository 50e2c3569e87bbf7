"""DOLFINx smoke test for the container (used by scripts/container.sh test until `ssbstack run` exists).

Solves -div(grad u) = f on the unit square (P1, CG + GAMG, tight tolerance) for a few values of a load
factor and writes a small time-series-like CSV (step, load, integral of u, L2 norm of u, max u) from rank 0.
Usage: python smoke_poisson.py OUT.csv   (serial or under mpirun)
"""

import sys

import dolfinx_solver  # noqa: F401  (loads MPI before dolfinx/petsc4py)

# isort: split
import dolfinx
import dolfinx.fem.petsc
import numpy as np
import ufl
from mpi4py import MPI

comm = MPI.COMM_WORLD
msh = dolfinx.mesh.create_unit_square(comm, 48, 48)
V = dolfinx.fem.functionspace(msh, ("Lagrange", 1))
u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
x = ufl.SpatialCoordinate(msh)
load = dolfinx.fem.Constant(msh, dolfinx.default_scalar_type(1.0))
f = load * 10 * ufl.exp(-((x[0] - 0.5) ** 2 + (x[1] - 0.5) ** 2) / 0.02)
msh.topology.create_connectivity(1, 2)
facets = dolfinx.mesh.exterior_facet_indices(msh.topology)
bc = dolfinx.fem.dirichletbc(0.0, dolfinx.fem.locate_dofs_topological(V, 1, facets), V)
problem = dolfinx.fem.petsc.LinearProblem(
    ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx, f * v * ufl.dx, bcs=[bc],
    petsc_options_prefix="smoke_",
    petsc_options={"ksp_type": "cg", "pc_type": "gamg", "ksp_rtol": 1e-13, "ksp_atol": 1e-30,
                   "ksp_error_if_not_converged": True})
rows = []
for step, lv in enumerate([0.5, 1.0, 2.0]):
    load.value = lv
    uh = problem.solve()
    integral = comm.allreduce(dolfinx.fem.assemble_scalar(dolfinx.fem.form(uh * ufl.dx)), op=MPI.SUM)
    l2sq = comm.allreduce(dolfinx.fem.assemble_scalar(dolfinx.fem.form(uh * uh * ufl.dx)), op=MPI.SUM)
    l2 = float(np.sqrt(l2sq))
    umax = comm.allreduce(float(uh.x.array.max()), op=MPI.MAX)
    rows.append((step, lv, integral, l2, umax))
if comm.rank == 0:
    with open(sys.argv[1], "w") as fh:
        fh.write("step,load,u_integral,u_l2,u_max\n")
        for r in rows:
            fh.write(f"{r[0]},{r[1]!r},{r[2]!r},{r[3]!r},{r[4]!r}\n")
    print(f"smoke: {comm.size} rank(s), dolfinx {dolfinx.__version__}, u_l2={rows[-1][3]:.12g}")
