"""ssbstack: finite-element multiphysics for lithium-metal solid-state battery stacks.

Importing the package is cheap: DOLFINx, PETSc and gmsh are imported only by the modules that
need them (see :mod:`ssbstack.compat`), so case validation works without a finite-element stack.
"""

__version__ = "0.1.0"
