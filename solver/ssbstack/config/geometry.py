"""Geometry section of a case: the kind of mesh, lateral sizes, interface morphology, mesh sizes.

Kinds (``kind``):

- ``planar2d``: 2D RVE, x across (``width``), y up the stack;
- ``axisymmetric``: 2D r–z whole cell, x = r from the axis (``axis`` tag), y = z up the stack;
  every layer is a disc (``electrode_radius``, ``electrolyte_radius``, per-layer ``radii``);
- ``box3d``: 3D RVE, ``width`` (x) × ``depth`` (y), z up the stack;
- ``disc3d``: 3D whole cell, discs of the same radii as ``axisymmetric``;
- ``file``: an external ``.msh`` (physical names = layer/facet names) or ``.vtu`` (integer tags of
  the tag table) read through gmsh/meshio; ``file_kind`` says which of the above it represents.

Interface morphology is keyed by interface name ``"lower|upper"`` (see :mod:`ssbstack.meshing.tags`)
in ``[geometry.interfaces."lower|upper"]``; interfaces not listed are in full contact.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from ssbstack.config.base import Section
from ssbstack.units import Length


class MeshSizes(Section):
    """Target element sizes (m); ``None`` picks one from the layer thicknesses and lateral size."""

    interface: Length | None = Field(None, gt=0.0, description="element size at interfaces, m")
    bulk: Length | None = Field(None, gt=0.0, description="element size far from interfaces, m")
    edge: Length | None = Field(
        None, gt=0.0,
        description="element size at void/contact edges, m (default min(interface/2, r_min/5))"
    )
    grading: float = Field(
        4.0, gt=0.0, description="sizes grow from fine to bulk over grading × bulk size, 1"
    )
    algorithm3d: Literal["delaunay", "hxt"] = Field(
        "delaunay", description="gmsh 3D mesher: 'hxt' is faster for large meshes"
    )
    threads: int = Field(
        1, ge=1, description="threads gmsh may use on rank 0 (General.NumThreads): 1D/2D meshing "
        "meshes curves/surfaces in parallel, 3D volumes only with algorithm3d = 'hxt' (Delaunay is "
        "serial); with > 1 the cells differ from 1 thread's and need not repeat run to run "
        "(same tags and measures)"
    )
    refine: int = Field(
        0, ge=0, le=4, description="uniform refinements (0 to 4) of the gmsh mesh, done in parallel by "
        "DOLFINx after distribution (each halves every edge: ×4 triangles, ×8 tetrahedra); "
        "curved boundaries keep the coarse mesh's polygons"
    )
    allow_large: bool = Field(
        False, description="mesh even when the estimated cell count is above the limit "
        "(5e6 cells per MPI rank); as `--allow-large` on the command line"
    )


class FullContact(Section):
    """The interface is in contact everywhere."""

    morphology: Literal["full"] = Field("full", description="full contact")


class ContactFraction(Section):
    """A contact fraction made of seeded random patches with log-normal radii (exact area).

    The patches are the minority phase: voids when contact_fraction ≥ 0.5, else contact spots.
    In 2D planar a patch is an interval, in axisymmetric an annulus, in 3D a disc."""

    morphology: Literal["contact_fraction"] = Field(description="seeded void/contact patches")
    contact_fraction: float = Field(gt=0.0, lt=1.0, description="contact area / interface area, 1")
    patch_radius: Length = Field(gt=0.0, description="mean radius (2D: half-width) of patches, m")
    radius_spread: float = Field(
        0.3, ge=0.0, le=2.0, description="log-normal standard deviation of the patch radius, 1"
    )
    seed: int = Field(0, ge=0, description="random seed: same seed, same mesh on any rank count")
    layout_fraction: float | None = Field(
        None, gt=0.0, lt=1.0,
        description="contact fraction at which the seeded layout (patch count and centres) is "
        "drawn; its patches are then scaled by one common factor to contact_fraction, so that "
        "varying contact_fraction at a fixed layout_fraction changes the contact continuously "
        "(a fit or sweep of f). Default: contact_fraction itself (a new draw at every f), 1",
    )

    @model_validator(mode="after")
    def _same_phase(self) -> ContactFraction:
        layout = self.layout_fraction
        if layout is not None and (layout >= 0.5) != (self.contact_fraction >= 0.5):
            raise ValueError(
                f"layout_fraction: {layout:g} and contact_fraction {self.contact_fraction:g} "
                "must lie on the same side of 0.5 (the patches are voids above it, contact spots "
                "below)"
            )
        return self


class SingleVoid(Section):
    """One prescribed void (verification): a disc (3D), interval (planar), annulus/disc (axisym)."""

    morphology: Literal["single_void"] = Field(description="one prescribed void")
    radius: Length = Field(gt=0.0, description="void radius (2D: half-width), m")
    position: list[Length] = Field(
        default_factory=list, max_length=2,
        description="void centre in the interface plane (x[, y]), m; default: the centre "
        "(axisymmetric: r, default 0 = a disc on the axis)",
    )


class Rough(Section):
    """A rough interface: the flat one displaced by amplitude × f, |f| ≤ 1 with zero mean.

    The nodes of the two adjacent layers are moved; the outer boundaries stay flat."""

    morphology: Literal["rough"] = Field(description="rough profile")
    profile: Literal["sinusoidal", "random"] = Field(
        "sinusoidal", description="sin(2πx/λ)(·sin(2πy/λ) in 3D), or a random sum of modes"
    )
    amplitude: Length = Field(gt=0.0, description="peak displacement normal to the interface, m")
    wavelength: Length = Field(gt=0.0, description="(shortest) wavelength of the profile, m")
    seed: int = Field(0, ge=0, description="random seed of the 'random' profile")


Morphology = Annotated[
    FullContact | ContactFraction | SingleVoid | Rough, Field(discriminator="morphology")
]


class Geometry(Section):
    """Where the stack lives in space (all lengths in m)."""

    kind: Literal["planar2d", "axisymmetric", "box3d", "disc3d", "file"] = Field(
        "planar2d", description="2D RVE, 2D r–z whole cell, 3D RVE, 3D whole-cell disc, or a file"
    )
    width: Length | None = Field(None, gt=0.0, description="x size of an RVE (planar2d, box3d), m")
    depth: Length | None = Field(
        None, gt=0.0, description="y size of a box3d RVE, m (default: width)"
    )
    electrode_radius: Length | None = Field(
        None, gt=0.0, description="radius of every non-electrolyte layer of a whole cell, m"
    )
    electrolyte_radius: Length | None = Field(
        None, gt=0.0, description="radius of the electrolyte disc of a whole cell, m"
    )
    radii: dict[str, Annotated[Length, Field(gt=0.0)]] = Field(
        default_factory=dict, description="per-layer radius overrides (layer name → m)"
    )
    periodic: bool = Field(
        False, description="RVE sides meshed periodically (matching nodes on opposite sides)"
    )
    file: str | None = Field(None, description="mesh file for kind = 'file' (.msh or .vtu)")
    file_unit: Length = Field(1.0, gt=0.0, description="length of one file coordinate unit, m")
    file_kind: Literal["planar2d", "axisymmetric", "box3d", "disc3d"] | None = Field(
        None, description="what a mesh file represents ('axisymmetric': x is r, 2πr weights)"
    )
    sheet_threshold: Length = Field(
        1e-6, gt=0.0, description="layers thinner than this are interface sheets, m"
    )
    interfaces: dict[str, Morphology] = Field(
        default_factory=dict, description="interface morphology keyed 'lower|upper' (default full)"
    )
    mesh: MeshSizes = Field(MeshSizes(), description="element sizes")

    @model_validator(mode="after")
    def _complete(self) -> Geometry:
        if self.kind in ("planar2d", "box3d") and self.width is None:
            raise ValueError(f"width: required for kind '{self.kind}'")
        if self.kind in ("axisymmetric", "disc3d"):
            if self.electrolyte_radius is None:
                raise ValueError(f"electrolyte_radius: required for kind '{self.kind}'")
            electrode, electrolyte = self.electrode_radius, self.electrolyte_radius
            if electrode is not None and electrode > electrolyte:
                raise ValueError(
                    f"electrode_radius: {electrode:g} m is larger than electrolyte_radius "
                    f"{electrolyte:g} m (the Li disc must fit on the SE)"
                )
        if self.periodic and self.kind not in ("planar2d", "box3d"):
            raise ValueError(f"periodic: only for RVEs (planar2d, box3d), not '{self.kind}'")
        if self.kind == "file" and not self.file:
            raise ValueError("file: required for kind 'file'")
        return self

    @property
    def dim(self) -> int | None:
        """Spatial dimension of a generated mesh (None for files)."""
        return {"planar2d": 2, "axisymmetric": 2, "box3d": 3, "disc3d": 3}.get(self.kind)

    @property
    def lateral(self) -> float:
        """The largest lateral size (m): width/depth of an RVE, the largest radius of a cell."""
        sizes = [self.width, self.depth, self.electrode_radius, self.electrolyte_radius,
                 *self.radii.values()]
        return max(s for s in sizes if s is not None)
