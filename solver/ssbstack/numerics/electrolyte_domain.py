"""The electrolyte (+ catholyte) submesh of the electrochemistry model and its integration helpers.

:class:`ElectrolyteDomain` cuts the electrolyte's cells (and a homogenised cathode's, which share
φ_e) out of the stack mesh, carries the stack's facet tags over, and answers the questions the
model and its post-processing ask of that mesh: integrals (collective), facets and dofs of tagged
interfaces, assembled vertex vectors. It builds no physics.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ssbstack.compat import load_dolfinx
from ssbstack.io.checkpoint import original_cell_keys
from ssbstack.meshing.stack import StackMesh
from ssbstack.meshing.tags import BOTTOM
from ssbstack.physics.mechanics import measure_weight


class ElectrolyteDomain:
    """The electrolyte submesh (with a cathode layer's cells when one is given), its facet tags,
    the P_k space of φ_e, the P1 vertex space of interface fields and one interface quadrature."""

    def __init__(self, stack_mesh: StackMesh, layers: tuple[str, ...], degree: int, comm: Any):
        dolfinx = load_dolfinx()
        import ufl

        self.comm = comm
        mesh, tags = stack_mesh.mesh, stack_mesh.tags
        tdim = mesh.topology.dim
        cells = np.sort(np.concatenate(
            [stack_mesh.cell_tags.find(tags.cell(layer)) for layer in layers])).astype(np.int32)
        self.mesh, self.cell_map, vertex_map, _ = dolfinx.mesh.create_submesh(mesh, tdim, cells)
        self.split = tuple(stack_mesh.split)
        self.cell_keys = original_cell_keys(self.mesh, mesh, self.cell_map)
        mesh.topology.create_connectivity(tdim - 1, tdim)
        self.mesh.topology.create_connectivity(tdim - 1, tdim)
        self.facet_tags = dolfinx.mesh.transfer_meshtags_to_submesh(
            stack_mesh.facet_tags, self.mesh, vertex_map, self.cell_map
        )
        self.axisymmetric = bool(getattr(stack_mesh, "axisymmetric", False))
        # One fixed quadrature rule on the interfaces: the residual and the post-processing
        # integrals of the same current then agree to round-off (charge balance).
        self.ds = ufl.Measure("ds", domain=self.mesh, subdomain_data=self.facet_tags,
                              metadata={"quadrature_degree": 2 * degree + 2})
        self.weight = self.weight_on(self.mesh)
        self.space = dolfinx.fem.functionspace(self.mesh, ("Lagrange", degree))
        self.vertex_space = dolfinx.fem.functionspace(self.mesh, ("Lagrange", 1))
        self.nominal_area = self._nominal_area(stack_mesh)

    def weight_on(self, mesh: Any) -> Any:
        """Integrand weight on ``mesh`` (this one or another of the same stack): 2πr on an
        axisymmetric r–z mesh (x = r), else 1 (the mechanics' volume weight, one law)."""
        import ufl

        kinematics = "axisymmetric" if self.axisymmetric else "plane_strain"
        return measure_weight(kinematics, ufl.SpatialCoordinate(mesh))

    def integral(self, expression: Any) -> float:
        """∫ of a UFL form over all ranks (collective)."""
        dolfinx = load_dolfinx()
        from mpi4py import MPI

        form = dolfinx.fem.form(expression)
        return self.comm.allreduce(dolfinx.fem.assemble_scalar(form), op=MPI.SUM)

    def facets(self, tags: tuple[int, ...]) -> np.ndarray:
        """Local facets with any of ``tags``."""
        return np.unique(np.concatenate([self.facet_tags.find(t) for t in tags])).astype(np.int32)

    def has_facets(self, tag: int) -> bool:
        """Does any rank hold a facet with ``tag`` (collective)?"""
        from mpi4py import MPI

        return self.comm.allreduce(len(self.facet_tags.find(tag)), op=MPI.SUM) > 0

    def dofs_on(self, tags: tuple[int, ...]) -> np.ndarray:
        """Local (owned and ghost) φ dofs on the facets with ``tags``."""
        dolfinx = load_dolfinx()
        fdim = self.mesh.topology.dim - 1
        return dolfinx.fem.locate_dofs_topological(self.space, fdim, self.facets(tags))

    def assembled(self, form: Any) -> np.ndarray:
        """Local (owned + ghost) values of an assembled vertex-space vector (a compiled form;
        collective)."""
        dolfinx = load_dolfinx()
        vector = dolfinx.fem.assemble_vector(form)
        vector.scatter_reverse(dolfinx.la.InsertMode.add)
        vector.scatter_forward()
        return vector.array.copy()

    def _nominal_area(self, stack_mesh: StackMesh) -> float:
        """Projected electrode area: the measure of the bottom collector boundary (m² or m)."""
        import ufl

        dolfinx = load_dolfinx()
        ds = ufl.Measure("ds", domain=stack_mesh.mesh, subdomain_data=stack_mesh.facet_tags)
        one = dolfinx.fem.Constant(stack_mesh.mesh, dolfinx.default_scalar_type(1.0))
        return self.integral(one * self.weight_on(stack_mesh.mesh) * ds(BOTTOM))


def per_area(values: np.ndarray, areas: np.ndarray) -> np.ndarray:
    """values / areas at each vertex, 0 where the area is nil (an open or off-interface one)."""
    average = np.zeros_like(values)
    on = areas > 1e-12 * np.max(areas, initial=0.0)
    average[on] = values[on] / areas[on]
    return average
