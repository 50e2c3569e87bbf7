"""Stack meshes: gmsh generators (planar 2D, axisymmetric, 3D box and disc), external files, I/O.

Public entry points: :func:`build_mesh` (case → distributed :class:`StackMesh`), :func:`mesh_case`
(the ``ssbstack mesh`` command), :func:`write_mesh` / :func:`read_mesh` (XDMF + .msh + JSON),
:func:`tagged_measures` (layer and facet measures) and the tag table in :mod:`.tags`.
"""

from ssbstack.meshing.files import mesh_case, read_mesh, write_mesh
from ssbstack.meshing.quality import tagged_measures
from ssbstack.meshing.stack import StackMesh, build_mesh

__all__ = ["StackMesh", "build_mesh", "mesh_case", "read_mesh", "tagged_measures", "write_mesh"]
