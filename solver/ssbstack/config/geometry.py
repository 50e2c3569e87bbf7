"""Geometry section of a case: the kind of mesh, lateral size, interface morphology, mesh sizes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ssbstack.config.base import Section
from ssbstack.units import Length


class MeshSizes(Section):
    """Target element sizes (m). ``None`` picks a size from the thinnest meshed layer."""

    interface: Length | None = Field(None, gt=0.0, description="element size at interfaces, m")
    bulk: Length | None = Field(None, gt=0.0, description="element size far from interfaces, m")


class Geometry(Section):
    """Where the stack lives in space."""

    kind: Literal["planar2d"] = "planar2d"
    width: Length = Field(gt=0.0, description="lateral size of the 2D RVE, m")
    sheet_threshold: Length = Field(
        1e-6, gt=0.0, description="layers thinner than this are interface sheets, m"
    )
    mesh: MeshSizes = MeshSizes()
