"""Stack meshes from a case: gmsh on rank 0, distributed with shared-facet ghosting.

:func:`build_mesh` is the one entry point physics and the CLI use. It returns a :class:`StackMesh`
whose cell and facet tags follow :mod:`ssbstack.meshing.tags`.

Every generated kind is built the same way in gmsh's OpenCASCADE kernel, in µm (OCC tolerances
are absolute) and scaled to m afterwards: one rectangle/box/cylinder per meshed layer plus the
interface patches (lines in 2D, discs in 3D) lying on the interfaces, all fragmented together so
the layers share conforming interfaces split into contact and void pieces. Facets are then
classified by the layers they touch: two layers → that interface (contact or void), one layer →
bottom/top collector, axis, or side (every other free surface, including the part of an SE disc
not covered by a smaller Li disc). Rough interfaces are made by moving the mesh nodes of the two
adjacent layers (the outer boundaries stay flat).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ssbstack.config.geometry import ContactFraction, FullContact, Rough, SingleVoid
from ssbstack.errors import CaseError
from ssbstack.meshing import morphology
from ssbstack.meshing.morphology import MorphologyError, Patch, Region
from ssbstack.meshing.split import split_interface
from ssbstack.meshing.tags import AXIS, BOTTOM, SIDE, TOP, Interface, TagTable

if TYPE_CHECKING:
    from ssbstack.config.schema import Case

GMSH_UNIT = 1e-6  # gmsh works in µm (OCC tolerances are absolute); dolfinx meshes are in m
ALGORITHM_3D = {"delaunay": 1, "hxt": 10}  # gmsh Mesh.Algorithm3D
_REGION_KIND = {"planar2d": "interval", "axisymmetric": "radial", "box3d": "rectangle",
                "disc3d": "disc"}


@dataclass
class StackMesh:
    """A distributed stack mesh with its tags (SI lengths; y (2D) or z (3D) points up the stack).

    ``kind`` is the geometry kind (``axisymmetric`` meshes have x = r); ``quality`` is the
    report of :func:`ssbstack.meshing.quality.quality_report` (of the refined mesh, with
    ``refine`` and gmsh's ``coarse_cells``); ``msh`` holds the gmsh file (in m; before any
    refinement) on rank 0 when :func:`build_mesh` was asked to keep it; ``split`` names the
    interfaces whose two sides have separate nodes.
    """

    mesh: Any  # dolfinx.mesh.Mesh
    cell_tags: Any  # dolfinx.mesh.MeshTags, dim = tdim
    facet_tags: Any  # dolfinx.mesh.MeshTags, dim = tdim - 1
    tags: TagTable
    kind: str = "planar2d"
    quality: dict[str, Any] = field(default_factory=dict)
    msh: bytes | None = None
    split: tuple[str, ...] = ()  # interfaces whose lower side has its own nodes (tags 300/400 + k)

    @property
    def axisymmetric(self) -> bool:
        """True for r–z meshes: volumes and areas need the 2πr weight."""
        return self.kind == "axisymmetric"


# -- case → geometry (all ranks, no gmsh) ---------------------------------------------------------
def layer_bounds(case: Case) -> dict[str, tuple[float, float]]:
    """Bottom and top coordinate (m) of every meshed layer; sheets have zero thickness."""
    bounds: dict[str, tuple[float, float]] = {}
    meshed = set(case.tags.layers)
    z = 0.0
    for layer in case.stack:
        if layer.name in meshed:
            bounds[layer.name] = (z, z + layer.thickness)
            z += layer.thickness
    return bounds


def layer_extents(case: Case) -> dict[str, tuple[float, ...]]:
    """Lateral extent (m) of every meshed layer: (W,), (W, D) for RVEs, (R,) for whole cells."""
    geometry = case.geometry
    if geometry.kind == "planar2d":
        return {name: (geometry.width,) for name in case.tags.layers}
    if geometry.kind == "box3d":
        return {name: (geometry.width, geometry.depth or geometry.width)
                for name in case.tags.layers}
    electrolyte = geometry.electrolyte_radius
    electrode = geometry.electrode_radius or electrolyte
    extents = {}
    for name in case.tags.layers:
        default = electrolyte if case.material(name).kind == "electrolyte" else electrode
        extents[name] = (geometry.radii.get(name, default),)
    return extents


def interface_region(case: Case, item: Interface) -> Region:
    """The flat interface (m): the overlap of the two layers' lateral extents."""
    extents = layer_extents(case)
    size = tuple(min(a, b) for a, b in zip(extents[item.lower], extents[item.upper], strict=True))
    return Region(_REGION_KIND[case.geometry.kind], size)


def interface_patches(case: Case, item: Interface, scale: float = 1.0) -> tuple[list[Patch], bool]:
    """The patches of an interface in units of ``1/scale`` m and whether they are voids.

    Full and rough interfaces have none; a contact-fraction interface's patches are voids when
    contact_fraction ≥ 0.5, else contact spots. Raises :class:`CaseError` when they do not fit.
    """
    spec = case.geometry.interfaces.get(item.name, FullContact())
    region = interface_region(case, item)
    region = Region(region.kind, tuple(s * scale for s in region.size))
    key = f"geometry.interfaces.'{item.name}'"
    try:
        if isinstance(spec, SingleVoid):
            position = tuple(p * scale for p in spec.position)
            return [morphology.single_patch(region, spec.radius * scale, position)], True
        if isinstance(spec, ContactFraction):
            voids = spec.contact_fraction >= 0.5
            fraction = 1.0 - spec.contact_fraction if voids else spec.contact_fraction
            layout = spec.contact_fraction if spec.layout_fraction is None else spec.layout_fraction
            patches = morphology.random_patches(region, 1.0 - layout if voids else layout,
                                                spec.patch_radius * scale, spec.radius_spread,
                                                spec.seed)
            if spec.layout_fraction is not None:
                patches = morphology.scaled_patches(region, patches, fraction)
            return patches, voids
    except MorphologyError as exc:
        raise CaseError(str(exc), key=key) from None
    return [], True


def check_geometry(case: Case) -> None:
    """Cross-checks of ``[geometry]`` against the stack (raises :class:`CaseError`)."""
    geometry = case.geometry
    known = {item.name for item in case.tags.interfaces}
    for name in geometry.interfaces:
        if name not in known:
            raise CaseError(f"no such interface (known: {', '.join(sorted(known))})",
                            key=f"geometry.interfaces.'{name}'")
    for name in geometry.radii:
        if name not in case.tags.layers:
            raise CaseError(f"no such meshed layer (meshed: {', '.join(case.tags.layers)})",
                            key=f"geometry.radii.{name}")
    if geometry.kind in ("axisymmetric", "disc3d"):
        extents = layer_extents(case)
        electrolyte = case.electrolyte.name if _has_electrolyte(case) else None
        for name, (radius,) in extents.items():
            limit = extents[electrolyte][0] if electrolyte else math.inf
            if name != electrolyte and radius > limit:
                raise CaseError(f"{radius:g} m is larger than the electrolyte radius {limit:g} m "
                                "(the electrode disc must fit on the SE)",
                                key=f"geometry.radii.{name}")
    bounds = layer_bounds(case)
    for item in case.tags.interfaces:
        spec = geometry.interfaces.get(item.name)
        if isinstance(spec, Rough):
            thinner = min(bounds[n][1] - bounds[n][0] for n in (item.lower, item.upper))
            if spec.amplitude >= 0.5 * thinner:
                raise CaseError(f"amplitude {spec.amplitude:g} m must be below half the thinner "
                                f"adjacent layer ({thinner:g} m)",
                                key=f"geometry.interfaces.'{item.name}'.amplitude")
        if geometry.kind != "file":
            interface_patches(case, item)


def _has_electrolyte(case: Case) -> bool:
    return any(case.material(layer.name).kind == "electrolyte" for layer in case.stack)


def default_sizes(case: Case) -> tuple[float, float, float]:
    """Element sizes (m) at interfaces, in the bulk and at void/contact edges.

    Defaults: 2D interface min(thinnest/4, lateral/20); box3d min(thinnest/2, lateral/10); disc3d
    max(thinnest/2, lateral/30) (whole-cell discs are wide and thin: set sizes in [geometry.mesh]
    for accurate thin layers); rough interfaces at most wavelength/8; bulk max(interface,
    lateral/8); edge min(interface/2, smallest patch radius/5, λ_c/4 of a film over patches with
    a Li | film resistance, :func:`ssbstack.numerics.electrode_sides.rim_feed`)."""
    geometry = case.geometry
    thinnest = min(top - bottom for bottom, top in layer_bounds(case).values())
    lateral = geometry.lateral
    if geometry.kind == "disc3d":
        interface = max(thinnest / 2.0, lateral / 30.0)
    elif geometry.dim == 3:
        interface = min(thinnest / 2.0, lateral / 10.0)
    else:
        interface = min(thinnest / 4.0, lateral / 20.0)
    for spec in geometry.interfaces.values():
        if isinstance(spec, Rough):
            interface = min(interface, spec.wavelength / 8.0)
    interface = geometry.mesh.interface or interface
    bulk = geometry.mesh.bulk or max(interface, lateral / 8.0)
    edge = interface / 2.0
    for item in case.tags.interfaces:
        patches = interface_patches(case, item)[0]
        for patch in patches:
            edge = min(edge, patch.radius / 5.0)
        feed = film_rim_feed(case, item) if patches else None
        if feed is not None and feed.length > 0.0 and not feed.numerical:
            edge = min(edge, feed.length / RIM_FEED_ELEMENTS)
    return interface, bulk, geometry.mesh.edge or edge


RIM_FEED_ELEMENTS = 4  # default edge elements per rim feed length λ_c


def film_rim_feed(case: Case, item: Interface) -> Any:
    """:func:`ssbstack.numerics.electrode_sides.rim_feed` (imported here: that module needs the
    mesh module)."""
    from ssbstack.numerics.electrode_sides import rim_feed

    return rim_feed(case, item)


MAX_CELLS_PER_RANK = 5e6  # default limit of the estimated cell count, per MPI rank
_CELLS_PER_SIZE = {2: 2.3, 3: 6.0}  # triangles per h² (equilateral), tetrahedra per h³ (gmsh)


def estimate_cells(case: Case) -> dict[str, float] | None:
    """Order-of-magnitude cell count of the generated mesh, split by what sets it: ``bulk`` (every
    meshed layer at the bulk size), ``interface`` (the extra cells of the graded bands at the
    interfaces) and ``edge`` (around void/contact patch edges). None for a mesh file.

    Cheap, without gmsh: measure / h^dim × 2.3 (equilateral triangles) or × 6 (tetrahedra as
    gmsh makes them), with h growing linearly from the fine size to the bulk size over
    ``grading`` × bulk as the gmsh size fields do (axisymmetric meshes count the r–z section),
    times 2^dim per uniform refinement (``geometry.mesh.refine``). On the bundled cases and 3D
    variants of them it is within a factor 3 of gmsh's count."""
    geometry = case.geometry
    dim = geometry.dim
    if dim is None:
        return None
    interface, bulk, edge = default_sizes(case)
    reach = geometry.mesh.grading * bulk
    bounds, extents = layer_bounds(case), layer_extents(case)
    touching = {name: sum(name in (i.lower, i.upper) for i in case.tags.interfaces)
                for name in case.tags.layers}
    cells = {"bulk": 0.0, "interface": 0.0, "edge": 0.0}
    for name in case.tags.layers:
        thickness = bounds[name][1] - bounds[name][0]
        cells["bulk"] += thickness * _section(extents[name], dim) / bulk**dim
    for item in case.tags.interfaces:
        section = _section(interface_region(case, item).size, dim)
        for name in (item.lower, item.upper):  # one graded band into each adjacent layer
            room = (bounds[name][1] - bounds[name][0]) / touching[name]
            cells["interface"] += section * _refined(interface, bulk, reach, room, dim, 1)
        room = min(reach, sum(bounds[n][1] - bounds[n][0] for n in (item.lower, item.upper)))
        for patch in interface_patches(case, item)[0]:
            length = 2.0 if dim == 2 else 2.0 * math.pi * patch.radius  # edge points / curve
            cells["edge"] += length * _refined(edge, bulk, reach, room, dim, 2)
    factor = _CELLS_PER_SIZE[dim] * 2 ** (dim * geometry.mesh.refine)  # refine: 2^dim children
    return {key: value * factor for key, value in cells.items()}


def _section(size: tuple[float, ...], dim: int) -> float:
    """Mesh measure of a lateral extent: W or R in 2D (m; the r–z section), W × D or π R² in
    3D (m²)."""
    if dim == 2:
        return size[0]
    return size[0] * size[1] if len(size) == 2 else math.pi * size[0] ** 2


def _refined(fine: float, coarse: float, reach: float, room: float, dim: int,
             codim: int) -> float:
    """∫ (h⁻ᵈⁱᵐ − coarse⁻ᵈⁱᵐ) over the points within ``room`` (m) of a feature of codimension
    ``codim`` (1: per m² or m of an interface, one side; 2: per edge point in 2D, per m of edge
    curve in 3D), h growing linearly from ``fine`` to ``coarse`` over ``reach`` (m): the cells
    (up to the shape factor) the refinement adds to the bulk count."""
    if fine >= coarse or room <= 0.0:
        return 0.0
    distance = np.concatenate(([0.0], np.geomspace(1e-3 * min(fine, room), room, 400)))
    size = np.minimum(coarse, fine + (coarse - fine) * distance / reach)
    shell = np.ones_like(distance) if codim == 1 else 2.0 * math.pi * distance
    return float(np.trapezoid(shell * (size**-dim - coarse**-dim), distance))


def check_mesh_size(case: Case, ranks: int, allow_large: bool = False) -> dict[str, float] | None:
    """The cell estimate of :func:`estimate_cells`; raises :class:`CaseError` naming the size key
    to change when it is above ``MAX_CELLS_PER_RANK`` × ``ranks``, unless ``allow_large`` or
    ``geometry.mesh.allow_large``."""
    cells = estimate_cells(case)
    if cells is None or allow_large or case.geometry.mesh.allow_large:
        return cells
    total, limit = sum(cells.values()), MAX_CELLS_PER_RANK * ranks
    if total > limit:
        cause = max(cells, key=lambda key: cells[key])
        size = dict(zip(("interface", "bulk", "edge"), default_sizes(case), strict=True))[cause]
        times = case.geometry.mesh.refine
        refined = f" refined {times}×" if times else ""
        raise CaseError(
            f"{size:.3g} m{refined} gives about {total:.0e} cells (order-of-magnitude estimate), "
            f"above the limit {limit:.0e} ({MAX_CELLS_PER_RANK:.0e} per MPI rank × {ranks} rank(s)): make it "
            + ("coarser or lower geometry.mesh.refine, or pass" if times
               else "coarser, or pass")
            + " --allow-large (case key geometry.mesh.allow_large = true) if you mean it",
            key=f"geometry.mesh.{cause}")
    return cells


# -- rank 0: gmsh model -------------------------------------------------------------------------
def _layer_entity(occ: Any, kind: str, bottom: float, top: float, extent: tuple[float, ...]) -> int:
    if kind in ("planar2d", "axisymmetric"):
        return occ.addRectangle(0.0, bottom, 0.0, extent[0], top - bottom)
    if kind == "box3d":
        return occ.addBox(0.0, 0.0, bottom, extent[0], extent[1], top - bottom)
    return occ.addCylinder(0.0, 0.0, bottom, 0.0, 0.0, top - bottom, extent[0])


def _patch_entity(occ: Any, kind: str, height: float, patch: Patch) -> tuple[int, int]:
    if kind in ("planar2d", "axisymmetric"):
        a, b = patch.extent()
        return 1, occ.addLine(occ.addPoint(a, height, 0.0), occ.addPoint(b, height, 0.0))
    x, y = patch.centre
    return 2, occ.addDisk(x, y, height, patch.radius, patch.radius)


def _generate(model: Any, case: Case) -> None:
    """Build, tag and mesh the case's stack in the current gmsh model (µm)."""
    import gmsh

    scale = 1.0 / GMSH_UNIT
    kind, tags = case.geometry.kind, case.tags
    dim = case.geometry.dim
    occ = model.occ
    bounds = {n: (b * scale, t * scale) for n, (b, t) in layer_bounds(case).items()}
    extents = {n: tuple(e * scale for e in ext) for n, ext in layer_extents(case).items()}
    layers = {n: _layer_entity(occ, kind, *bounds[n], extents[n]) for n in tags.layers}
    tools: list[tuple[int, int]] = []
    tool_owner: list[tuple[Interface, bool]] = []
    for item in tags.interfaces:
        patches, voids = interface_patches(case, item, scale)
        for patch in patches:
            tools.append(_patch_entity(occ, kind, bounds[item.lower][1], patch))
            tool_owner.append((item, voids))
    objects = [(dim, entity) for entity in layers.values()]
    _, out_map = occ.fragment(objects, tools)
    occ.synchronize()

    layer_of = {t: name for name, result in zip(layers, out_map, strict=False) for _, t in result}
    patch_of = {t: owner for owner, result in zip(tool_owner, out_map[len(objects):], strict=True)
                for _, t in result}
    facets = _classify(model, case, dim, layer_of, patch_of, bounds)
    for name in tags.layers:
        entities = [t for t, owner in layer_of.items() if owner == name]
        model.addPhysicalGroup(dim, entities, tag=tags.cell(name), name=name)
    for name, tag in tags.facet_groups().items():
        if facets.get(tag):
            model.addPhysicalGroup(dim - 1, facets[tag], tag=tag, name=name)

    if case.geometry.periodic:
        _make_periodic(model, dim, facets.get(SIDE, []), extents[tags.layers[0]])
    _size_fields(model, case, dim, bounds, list(patch_of))
    gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
    gmsh.option.setNumber("Mesh.Algorithm3D", ALGORITHM_3D[case.geometry.mesh.algorithm3d])
    # gmsh's Mesh.MaxNumThreads1D/2D/3D default to 0, i.e. General.NumThreads
    gmsh.option.setNumber("General.NumThreads", case.geometry.mesh.threads)
    model.mesh.generate(dim)
    _roughen(model, case, dim, bounds)


def _classify(model: Any, case: Case, dim: int, layer_of: dict[int, str],
              patch_of: dict[int, tuple[Interface, bool]],
              bounds: dict[str, tuple[float, float]]) -> dict[int, list[int]]:
    """Facet tag → gmsh entities, from the layers each facet touches."""
    tags = case.tags
    total = max(top for _, top in bounds.values())
    tolerance = 1e-6 * max(total, case.geometry.lateral / GMSH_UNIT)
    up = dim - 1  # index of the stacking coordinate (y in 2D, z in 3D)
    facets: dict[int, list[int]] = {}
    for _, facet in model.getEntities(dim - 1):
        owners = sorted({layer_of[t] for t in model.getAdjacencies(dim - 1, facet)[0]
                         if t in layer_of}, key=tags.layers.index)
        if len(owners) == 2:
            item = tags.interface(*owners)
            kinds = {voids for owner, voids in patch_of.values() if owner == item}
            if not kinds:  # no patches: full contact
                tag = item.contact_tag
            else:
                on_patch = patch_of.get(facet, (None, None))[0] == item
                tag = item.void_tag if on_patch == kinds.pop() else item.contact_tag
        elif len(owners) == 1:
            box = model.getBoundingBox(dim - 1, facet)
            low, high = box[up], box[up + 3]
            if high - low < tolerance and abs(low) < tolerance:
                tag = BOTTOM
            elif high - low < tolerance and abs(high - total) < tolerance:
                tag = TOP
            elif case.geometry.kind == "axisymmetric" and box[3] < tolerance:
                tag = AXIS
            else:
                tag = SIDE
        else:
            continue
        facets.setdefault(tag, []).append(facet)
    return facets


def _make_periodic(model: Any, dim: int, sides: list[int], extent: tuple[float, ...]) -> None:
    """Mesh each side facet at x = W (y = D) as the translate of its partner at x = 0 (y = 0)."""
    boxes = {facet: np.array(model.getBoundingBox(dim - 1, facet)) for facet in sides}
    tolerance = 1e-6 * max(extent)
    for axis, length in enumerate(extent):
        shift = np.zeros(3)
        shift[axis] = length
        for source, box in boxes.items():
            if abs(box[axis + 3]) > tolerance:
                continue  # not on the x = 0 (y = 0) side
            target = next(f for f, other in boxes.items()
                          if np.allclose(other, box + np.concatenate([shift, shift]),
                                         atol=tolerance))
            affine = [1, 0, 0, shift[0], 0, 1, 0, shift[1], 0, 0, 1, shift[2], 0, 0, 0, 1]
            model.mesh.setPeriodic(dim - 1, [target], [source], affine)


def _size_fields(model: Any, case: Case, dim: int, bounds: dict[str, tuple[float, float]],
                 patch_facets: list[int]) -> None:
    """Fine at interfaces (Box slabs) and at patch edges (Distance), graded to the bulk (µm)."""
    interface, bulk, edge = (s / GMSH_UNIT for s in default_sizes(case))
    grading = case.geometry.mesh.grading * bulk
    lateral = case.geometry.lateral / GMSH_UNIT
    fields = model.mesh.field
    made = []
    for item in case.tags.interfaces:
        height = bounds[item.lower][1]
        box = fields.add("Box")
        for key, value in (("VIn", interface), ("VOut", bulk), ("XMin", -2 * lateral),
                           ("XMax", 2 * lateral), ("YMin", -2 * lateral), ("YMax", 2 * lateral),
                           ("ZMin", -2 * lateral), ("ZMax", 2 * lateral), ("Thickness", grading)):
            fields.setNumber(box, key, value)
        axis = "Y" if dim == 2 else "Z"
        fields.setNumber(box, f"{axis}Min", height)
        fields.setNumber(box, f"{axis}Max", height)
        made.append(box)
    if patch_facets:
        edges = sorted({abs(t) for _, t in model.getBoundary([(dim - 1, f) for f in patch_facets],
                                                               combined=False, oriented=False)})
        distance = fields.add("Distance")
        fields.setNumbers(distance, "PointsList" if dim == 2 else "CurvesList", edges)
        fields.setNumber(distance, "Sampling", 100)
        threshold = fields.add("Threshold")
        for key, value in (("InField", distance), ("SizeMin", edge), ("SizeMax", bulk),
                           ("DistMin", 0.0), ("DistMax", grading)):
            fields.setNumber(threshold, key, value)
        made.append(threshold)
    if not made:
        constant = fields.add("MathEval")
        fields.setString(constant, "F", f"{bulk}")
        made.append(constant)
    smallest = fields.add("Min")
    fields.setNumbers(smallest, "FieldsList", made)
    fields.setAsBackgroundMesh(smallest)


def _roughen(model: Any, case: Case, dim: int, bounds: dict[str, tuple[float, float]]) -> None:
    """Move the nodes of the layers next to each rough interface: z += A f(x, y) w(z)."""
    if not any(isinstance(spec, Rough) for spec in case.geometry.interfaces.values()):
        return
    up = dim - 1  # index of the stacking coordinate
    node_tags, coords, _ = model.mesh.getNodes()
    x = coords.reshape(-1, 3)
    moved = x.copy()
    for item in case.tags.interfaces:
        spec = case.geometry.interfaces.get(item.name)
        if not isinstance(spec, Rough):
            continue
        region = interface_region(case, item)
        region = Region(region.kind, tuple(s / GMSH_UNIT for s in region.size))
        profile = morphology.rough_profile(region, spec.profile, spec.wavelength / GMSH_UNIT,
                                           spec.seed)
        low, height, high = bounds[item.lower][0], bounds[item.lower][1], bounds[item.upper][1]
        z = x[:, up]
        weight = np.where(z <= height, (z - low) / (height - low), (high - z) / (high - height))
        weight = np.clip(weight, 0.0, 1.0)
        across = x[:, 1] if dim == 3 else np.zeros(len(x))
        moved[:, up] += spec.amplitude / GMSH_UNIT * profile(x[:, 0], across) * weight
    for tag, old, new in zip(node_tags, x, moved, strict=True):
        if old[up] != new[up]:
            model.mesh.setNode(int(tag), new.tolist(), [])


# -- all ranks ----------------------------------------------------------------------------------
def build_mesh(case: Case, comm: Any, *, keep_msh: bool = False,
               split: tuple[str, ...] = ()) -> StackMesh:
    """Mesh the case's geometry on rank 0 and distribute it with shared-facet ghosting
    (collective); with ``geometry.mesh.refine`` = k the distributed gmsh mesh is refined k times
    in parallel (:mod:`ssbstack.meshing.refine`), so rank 0 only ever holds the coarse mesh.
    ``keep_msh`` keeps the gmsh file (in m; the coarse mesh) in ``StackMesh.msh`` on rank 0.
    ``split`` names interfaces (``"lower|upper"``) whose nodes are duplicated for the lower layer
    (:mod:`ssbstack.meshing.split`), for mechanics with sliding or opening contact."""
    import gmsh

    from ssbstack.compat import load_dolfinx
    from ssbstack.meshing.files import load_file
    from ssbstack.meshing.quality import quality_report
    from ssbstack.meshing.refine import refine_uniformly

    dolfinx = load_dolfinx()
    from dolfinx.io import gmsh as gmshio

    check_geometry(case)
    start = time.perf_counter()
    if not gmsh.isInitialized():
        gmsh.initialize(interruptible=False)
    gmsh.option.setNumber("General.Terminal", 0)
    model = gmsh.model()
    result: dict[str, Any] = {"dim": case.geometry.dim, "unit": GMSH_UNIT}
    msh = None
    if comm.rank == 0:
        try:
            model.add(case.name)
            model.setCurrent(case.name)
            if case.geometry.kind == "file":
                result["dim"], result["unit"] = load_file(model, case)
            else:
                _generate(model, case)
            _split(model, case, result["dim"], split)
            if case.mechanics.enabled and case.mechanics.geometry_degree == 2:
                model.mesh.setOrder(2)  # after the split: each side gets its own edge nodes
            result["gmsh_seconds"] = round(time.perf_counter() - start, 3)
            if keep_msh:
                msh = _msh_bytes(result["unit"])
        except CaseError as exc:
            result["error"] = exc
        except Exception as exc:  # broadcast so no rank waits forever
            result["error"] = RuntimeError(f"meshing failed: {exc}")
    result = comm.bcast(result, root=0)
    if "error" in result:
        gmsh.finalize()
        raise result["error"]
    dim = result["dim"]
    times = case.geometry.mesh.refine
    # refinement needs an unghosted mesh; refine_uniformly ghosts the fine one
    ghosts = dolfinx.mesh.GhostMode.none if times else dolfinx.mesh.GhostMode.shared_facet
    partitioner = dolfinx.mesh.create_cell_partitioner(ghosts, 2)
    data = gmshio.model_to_mesh(model, comm, 0, gdim=dim, partitioner=partitioner)
    gmsh.finalize()
    data.mesh.geometry.x[:] *= result["unit"]
    coarse_cells = data.mesh.topology.index_map(data.mesh.topology.dim).size_global
    mesh, cell_tags, facet_tags = refine_uniformly(data.mesh, data.cell_tags, data.facet_tags,
                                                   times)
    facet_tags.name = "facet_tags"
    cell_tags.name = "cell_tags"
    kind = case.geometry.file_kind or case.geometry.kind
    stack_mesh = StackMesh(mesh, cell_tags, facet_tags, case.tags, kind, msh=msh,
                           split=tuple(split))
    stack_mesh.quality = quality_report(mesh, comm)
    stack_mesh.quality["refine"] = times
    stack_mesh.quality["coarse_cells"] = coarse_cells
    stack_mesh.quality["gmsh_seconds"] = result["gmsh_seconds"]
    stack_mesh.quality["mesh_seconds"] = round(time.perf_counter() - start, 3)
    return stack_mesh


def _split(model: Any, case: Case, dim: int, names: tuple[str, ...]) -> None:
    """Split the named interfaces of the generated mesh (rank 0)."""
    if not names:
        return
    if case.geometry.periodic:
        raise CaseError("split (sliding) interfaces are not supported with periodic sides",
                        key="geometry.periodic")
    for name in names:
        split_interface(model, dim, case.tags, case.tags.interface(name))
    model.mesh.renumberNodes()
    model.mesh.renumberElements()


def _msh_bytes(unit: float) -> bytes:
    """The current gmsh mesh as .msh 4.1 text with coordinates in m (rank 0)."""
    import os
    import tempfile

    import gmsh

    gmsh.option.setNumber("Mesh.ScalingFactor", unit)
    gmsh.option.setNumber("Mesh.MshFileVersion", 4.1)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mesh.msh")
        gmsh.write(path)
        with open(path, "rb") as handle:
            data = handle.read()
    gmsh.option.setNumber("Mesh.ScalingFactor", 1.0)
    return data


def nominal_measures(case: Case) -> dict[str, float]:
    """Exact measures (m², m³; axisymmetric: volumes 2π∫r) of layers and interfaces.

    Layers: thickness × width (× depth) or π r² × thickness; interfaces: the contact and void
    measure of the flat interface from the patch layout (before roughening)."""
    extents, bounds = layer_extents(case), layer_bounds(case)
    kind = case.geometry.kind
    out: dict[str, float] = {}
    for name in case.tags.layers:
        thickness = bounds[name][1] - bounds[name][0]
        area = math.pi * extents[name][0] ** 2 if kind in ("axisymmetric", "disc3d") else \
            math.prod(extents[name])
        out[name] = thickness * area
    for item in case.tags.interfaces:
        region = interface_region(case, item)
        patches, voids = interface_patches(case, item)
        covered = sum(morphology.patch_measure(region, p) for p in patches)
        void = covered if voids else region.measure - covered
        out[item.name] = region.measure - void
        out[item.void_name] = void
    return out
