"""A roll pressing the top surface of a planar2d stack: a moving Hertz line-contact pressure.

The roll (``mechanics.roller``) replaces the top plate: the top surface is free but for the
pressure p(x, t) = p₀ √⟨1 − ((x − x_c(t))/a)²⟩ of :func:`ssbstack.physics.mechanics.hertz_pressure`,
whose centre x_c = start + speed × t moves along +x. Its load vector ∫ −p v_y ds over the top
facets is assembled once per mechanics sub-step at the sub-step's end time (backward Euler, like
the creep) and added to the Newton right-hand side; the sub-step is capped so the roll travels at
most ``travel_per_substep`` × a per sub-step. The pressure acts in −y on the current top surface
(no friction, no follower rotation).

Measures for the roll-bonding cases: peak stresses of one layer at the quadrature points and the
thickness change of a layer averaged over a window of x (from the total displacement of the nodes on
its two faces).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ssbstack.config.mechanics import Roller
from ssbstack.meshing.tags import TOP
from ssbstack.physics import mechanics as phys

QUADRATURE_DEGREE = 12  # facet rule for the √ profile (its kink at |x − x_c| = a)
COLUMNS = ["roller_centre_m", "roller_peak_pressure_Pa"]


class RollerLoad:
    """The roll's load vector on the displacement space ``V`` (collective set-up)."""

    def __init__(self, V: Any, facet_tags: Any, roller: Roller, vertical: int, comm: Any):
        from ssbstack.compat import load_dolfinx

        load_dolfinx()
        import dolfinx
        import dolfinx.fem.petsc
        import ufl

        self.dolfinx, self.comm, self.config = dolfinx, comm, roller
        mesh = V.mesh
        self.half_width = roller.contact_half_width()  # a, m
        self.peak = roller.peak_pressure()  # p₀, Pa
        self.centre = dolfinx.fem.Constant(mesh, float(roller.start))
        x = ufl.SpatialCoordinate(mesh)
        pressure = phys.hertz_pressure(x[1 - vertical], self.centre, self.half_width, self.peak)
        ds = ufl.Measure("ds", domain=mesh, subdomain_data=facet_tags,
                         metadata={"quadrature_degree": QUADRATURE_DEGREE})(TOP)
        self.load_form = dolfinx.fem.form(
            phys.surface_load(ufl.TestFunction(V), pressure, vertical, 1.0, ds))
        self.total_form = dolfinx.fem.form(pressure * ds)
        self.vector = dolfinx.fem.petsc.create_vector(V)
        self.time = 0.0
        self.set_time(0.0)

    @property
    def max_substep(self) -> float:
        """Longest sub-step (s): the roll travels ``travel_per_substep`` × a in it."""
        return self.config.travel_per_substep * self.half_width / self.config.speed

    def set_time(self, time: float) -> None:
        """Put the roll centre at its position at ``time`` (s) and assemble the load (collective)."""
        from petsc4py import PETSc

        self.time = time
        self.centre.value = self.config.centre(time)
        with self.vector.localForm() as local:
            local.set(0.0)
        self.dolfinx.fem.petsc.assemble_vector(self.vector, self.load_form)
        self.vector.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)

    def add_to(self, b: Any) -> None:
        """b += the load vector (b is −residual)."""
        b.axpy(1.0, self.vector)

    def line_load(self) -> float:
        """∫ p ds over the top surface now (N/m; collective): F' when the contact lies inside."""
        from mpi4py import MPI

        return self.comm.allreduce(self.dolfinx.fem.assemble_scalar(self.total_form), op=MPI.SUM)

    def summary(self) -> dict[str, float]:
        """Roll centre (m) and peak pressure p₀ (Pa) of the last assembled load."""
        return {"roller_centre_m": float(self.centre.value), "roller_peak_pressure_Pa": self.peak}


def layer_stresses(model: Any, layer: str) -> dict[str, float]:
    """Peak von Mises, peak compressive mean stress (pressure) and peak largest principal stress
    (tensile > 0) of ``layer`` over its quadrature points now (Pa; collective)."""
    from mpi4py import MPI

    names = [item.name for item in model.case.stack if item.name in model.tags.layers]
    index = names.index(layer)  # the material index of MechanicsModel._set_materials
    owned = model.nowned * model.nqp
    points = np.flatnonzero(model.point_material[:owned] == index)
    stress = model.current.stress[points]
    local = (phys.von_mises(stress, model.kin).max(initial=0.0),
             phys.pressure(stress).max(initial=-np.inf),
             phys.largest_principal(stress, model.kin).max(initial=-np.inf))
    return {key: model.comm.allreduce(float(value), op=MPI.MAX) for key, value in
            zip(("von_mises_Pa", "pressure_Pa", "tensile_Pa"), local, strict=True)}


def layer_faces(case: Any, layer: str) -> tuple[float, float]:
    """y of the bottom and top face of ``layer`` in the unloaded stack (first layer at y = 0), m."""
    bottom = 0.0
    for item in case.stack:
        if item.name == layer:
            return bottom, bottom + item.thickness
        bottom += item.thickness
    raise KeyError(layer)


def thickness_profile(model: Any, layer: str) -> tuple[np.ndarray, np.ndarray]:
    """(x, Δh): the unloaded x (m) of the nodes on the bottom face of ``layer`` and the change of
    its thickness there (m, < 0 thinner): u_y of the top face (interpolated in x) minus u_y of
    the bottom face. A face is found within 1e-6 of the layer thickness (collective; every rank
    gets the whole profile)."""
    V = model.V
    vertical = model.vert
    lateral = 1 - vertical
    owned = V.dofmap.index_map.size_local
    u = model.u_total.x.array.reshape(-1, V.dofmap.bs)[:owned]
    x0 = V.tabulate_dof_coordinates()[:owned, :2]
    if model.config.large_deformation:  # the mesh has moved with u: back to the unloaded one
        x0 = x0 - u
    bottom, top = layer_faces(model.case, layer)
    tol = 1e-6 * (top - bottom)
    faces = []
    for y in (bottom, top):
        on = np.abs(x0[:, vertical] - y) < tol
        found = model.comm.allgather((x0[on, lateral], u[on, vertical]))
        xs = np.concatenate([f[0] for f in found])
        order = np.argsort(xs)
        faces.append((xs[order], np.concatenate([f[1] for f in found])[order]))
    (xb, ub), (xt, ut) = faces
    return xb, np.interp(xb, xt, ut) - ub


def thickness_change(model: Any, layer: str, window: tuple[float, float]) -> float:
    """Mean thickness change (m, < 0 thinner) of ``layer`` over unloaded x in ``window`` (m):
    the trapezoidal mean of :func:`thickness_profile` there (collective)."""
    x, change = thickness_profile(model, layer)
    inside = (x >= window[0]) & (x <= window[1])
    if not inside.any():
        raise ValueError(f"no node of layer '{layer}' in x window {window}")
    if inside.sum() < 2:
        return float(change[inside].mean())
    return float(np.trapezoid(change[inside], x[inside]) / np.ptp(x[inside]))
