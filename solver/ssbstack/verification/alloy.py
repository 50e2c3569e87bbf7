"""Checks of the volume interlayer with a composition-dependent diffusivity D(x) (physics.md §3.3).

- manufactured solution of the D(c) operator (the solver's residual, ``alloy_diffusion_residual``
  with ``tabulated_diffusivity``): c_m = c_max X, X = a + b s² + e t² (s = x/L, t = y/L) on a
  skewed L × L square, a two-row table, so D(X) = D₀ exp(k (X − x₀)) exactly, k = ln(D₁/D₀)/(x₁ −
  x₀). The source f = −∇·(D ∇c_m) = −c_max D(X) [k |∇X|² + (2b + 2e)/L²] and the boundary flux
  −D∇c_m·n are written here from that closed form, not from the solver's table code; c_old = c_m
  makes backward Euler exact in time, so the error is spatial only: P1 L2 rate → 2, H1 → 1;
- the full model with a flat table (``echem_alloy.toml`` with D given as [[0, D], [1, D]]): the
  same surface depletion as Crank's constant-D series (the constant-D check, 1 %), now through
  the Newton path of the tabulated D;
- the full model with a non-flat table (``echem_alloy_table.toml``): Li lost by the alloy
  (∫ (c₀ − c) dA) equals the charge passed / F (1e-9; the flat stack's current is uniform).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ssbstack.physics.electrochemistry import FARADAY
from ssbstack.verification.convergence import cached_halving_rates, rate_check
from ssbstack.verification.electrochemistry import (
    _relative,
    _run_first_step,
    alloy_results,
)

_MMS_CACHE: dict[int, dict[str, float]] = {}
_BALANCE_CACHE: dict[int, tuple[float, float]] = {}
LENGTH = 10e-6  # m, side of the manufactured-solution square (an alloy layer's thickness)
C_MAX = 5.14e4  # mol/m³ (β-LiAl-like)
TABLE = ((0.1, 1e-15), (0.9, 1e-13))  # (x, D m²/s): D varies 100× over the solution's range
A, B, E = 0.15, 0.5, 0.2  # X = A + B s² + E t² spans 0.15 … 0.85


def _mms_errors(comm: Any, n: int) -> tuple[float, float]:
    """L2 and H1-seminorm errors (mol/m³, mol/m⁴ × m) of the D(c) problem on an n × n mesh."""
    import ufl
    from dolfinx.fem.petsc import NonlinearProblem

    from ssbstack.compat import load_dolfinx
    from ssbstack.physics.electrochemistry import alloy_diffusion_residual, tabulated_diffusivity

    dolfinx = load_dolfinx()
    mesh = dolfinx.mesh.create_rectangle(comm, [[0.0, 0.0], [LENGTH, LENGTH]], [n, n])
    coordinates = mesh.geometry.x  # skew the cells (corners and edges stay)
    s = coordinates[:, 0] / LENGTH
    coordinates[:, 0] += 0.03 * LENGTH * np.sin(2 * np.pi * s) * (1 + coordinates[:, 1] / LENGTH)
    space = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    x = ufl.SpatialCoordinate(mesh)
    fraction = A + B * (x[0] / LENGTH) ** 2 + E * (x[1] / LENGTH) ** 2
    exact = C_MAX * fraction
    (x0, d0), (x1, d1) = TABLE
    k = math.log(d1 / d0) / (x1 - x0)
    d_exact = d0 * ufl.exp(k * (fraction - x0))  # the closed form, not the solver's table
    gradient = ufl.grad(fraction)
    source = -C_MAX * d_exact * (k * ufl.inner(gradient, gradient) + (2 * B + 2 * E) / LENGTH**2)
    normal = ufl.FacetNormal(mesh)
    flux = -d_exact * C_MAX * ufl.inner(gradient, normal)  # −D∇c·n, mol/m²/s
    c = dolfinx.fem.Function(space)
    c.interpolate(dolfinx.fem.Expression(exact, space.element.interpolation_points))
    dt = dolfinx.fem.Constant(mesh, dolfinx.default_scalar_type(LENGTH**2 / d1))
    dx = ufl.dx(domain=mesh, metadata={"quadrature_degree": 6})
    ds = ufl.ds(domain=mesh, metadata={"quadrature_degree": 6})
    c.x.array[:] *= 1.05  # start Newton off the answer
    residual = alloy_diffusion_residual(c, exact, dt, tabulated_diffusivity(c / C_MAX, TABLE),
                                        flux, ds) - source * ufl.TestFunction(space) * dx
    problem = NonlinearProblem(
        residual, c, petsc_options_prefix=f"ssbstack_alloy_mms_{n}_",
        petsc_options={"snes_type": "newtonls", "snes_rtol": 1e-12, "snes_atol": 1e-20,
                       "ksp_type": "preonly", "pc_type": "lu",
                       "pc_factor_mat_solver_type": "mumps"})
    problem.solve()
    if problem.solver.getConvergedReason() <= 0:
        raise RuntimeError("alloy D(c) manufactured solution: Newton did not converge")
    from mpi4py import MPI

    def norm(form: Any) -> float:
        local = dolfinx.fem.assemble_scalar(dolfinx.fem.form(form))
        return math.sqrt(comm.allreduce(local, op=MPI.SUM))

    error = c - exact
    return (norm(error**2 * dx), norm(ufl.inner(ufl.grad(error), ufl.grad(error)) * dx))


def mms_rates(comm: Any) -> dict[str, float]:
    """Observed L2 and H1 rates between n = 16 and 32 (cached)."""
    return cached_halving_rates(_MMS_CACHE, comm, _mms_errors, ("l2", "h1"))


def verify_diffusivity_table_mms_rate_l2(comm: Any) -> tuple[float, float, float, float]:
    """MMS, Li diffusion with a tabulated D(c) (100× over the range), P1: L2 rate → 2."""
    rate = mms_rates(comm)["l2"]
    return rate_check(2.0, rate)


def verify_diffusivity_table_mms_rate_h1(comm: Any) -> tuple[float, float, float, float]:
    """MMS, Li diffusion with a tabulated D(c), P1: H1-seminorm rate → 1."""
    rate = mms_rates(comm)["h1"]
    return rate_check(1.0, rate)


def verify_flat_table_surface_depletion(comm: Any) -> tuple[float, float, float, float]:
    """echem_alloy.toml with D as a flat table: surface depletion vs Crank's series (1 %)."""
    reference, computed = alloy_results(comm, tabulated=True)[0]
    return reference, computed, _relative(reference, computed), 0.01


def li_balance(comm: Any) -> tuple[float, float]:
    """(charge passed / F, Li lost by the alloy) in mol (per unit depth in planar 2D) after the
    protocol step of ``echem_alloy_table.toml`` (cached)."""
    key = comm.py2f()
    if key not in _BALANCE_CACHE:
        import ufl
        from mpi4py import MPI

        from ssbstack.compat import load_dolfinx

        dolfinx = load_dolfinx()
        case, model, current, duration, _ = _run_first_step(comm, "echem_alloy_table.toml")
        alloy = model.alloys[0]
        initial = case.material(alloy.layer).initial_concentration
        lost = dolfinx.fem.form((initial - alloy.concentration) * ufl.dx(domain=alloy.mesh))
        removed = comm.allreduce(dolfinx.fem.assemble_scalar(lost), op=MPI.SUM)
        _BALANCE_CACHE[key] = (current * model.nominal_area * duration / FARADAY, removed)
    return _BALANCE_CACHE[key]


def verify_table_li_balance(comm: Any) -> tuple[float, float, float, float]:
    """echem_alloy_table.toml (D(x) spans 10×): Li lost by the alloy = charge / F (1e-9)."""
    passed, removed = li_balance(comm)
    return passed, removed, _relative(passed, removed), 1e-9
