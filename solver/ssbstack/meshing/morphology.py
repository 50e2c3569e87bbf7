"""Interface morphology in the interface's own coordinates: patch layouts and rough profiles.

Pure numpy (no gmsh, no MPI): the mesher calls these on rank 0 only, so a seed gives one layout
whatever the number of ranks. Lengths are in whatever unit the caller uses (the mesher: µm).

A :class:`Region` is the flat interface: an ``interval`` [0, W] (planar 2D), a ``radial`` [0, R]
(axisymmetric: a patch is an annulus, or a disc when it touches the axis), a ``rectangle``
[0, W] × [0, D] or a ``disc`` of radius R centred at the origin (3D). A :class:`Patch` is an
interval (2D) or a disc (3D) given by centre and radius (half-width).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

RegionKind = Literal["interval", "radial", "rectangle", "disc"]
MAX_ATTEMPTS = 5000  # random placements tried per patch before giving up


class MorphologyError(ValueError):
    """A morphology that cannot be realised (patches do not fit, amplitude too large...)."""


@dataclass(frozen=True)
class Region:
    """The flat interface: ``size`` is (W,), (R,), (W, D) or (R,)."""

    kind: RegionKind
    size: tuple[float, ...]

    @property
    def measure(self) -> float:
        """Length (planar 2D) or area (axisymmetric: of the disc; 3D) of the interface."""
        if self.kind == "interval":
            return self.size[0]
        if self.kind == "rectangle":
            return self.size[0] * self.size[1]
        return math.pi * self.size[0] ** 2

    @property
    def centre(self) -> tuple[float, ...]:
        """Default position of a single void: the middle of an RVE, the axis of a cell."""
        if self.kind in ("interval", "rectangle"):
            return tuple(s / 2.0 for s in self.size)
        return (0.0,) if self.kind == "radial" else (0.0, 0.0)


@dataclass(frozen=True)
class Patch:
    """An interval (1D regions: ``centre`` = (x,)) or a disc (2D regions: ``centre`` = (x, y))."""

    centre: tuple[float, ...]
    radius: float

    def extent(self) -> tuple[float, float]:
        """[a, b] of a 1D patch (radial patches touching the axis start at 0)."""
        return max(self.centre[0] - self.radius, 0.0), self.centre[0] + self.radius


def patch_measure(region: Region, patch: Patch) -> float:
    """Length (interval) or area (radial annulus/disc, 3D disc) of a patch."""
    if region.kind == "interval":
        return 2.0 * patch.radius
    if region.kind == "radial":
        a, b = patch.extent()
        return math.pi * (b * b - a * a)
    return math.pi * patch.radius**2


def fits(region: Region, patch: Patch, gap: float) -> bool:
    """True when the patch lies inside the region at least ``gap`` from its edge.

    A radial patch may instead start exactly on the axis (a centred disc)."""
    (x, *rest), r = patch.centre, patch.radius
    if region.kind == "interval":
        return gap <= x - r and x + r <= region.size[0] - gap
    if region.kind == "radial":
        return (x == 0.0 or gap <= x - r) and x + r <= region.size[0] - gap
    if region.kind == "rectangle":
        y = rest[0]
        return (gap <= x - r and x + r <= region.size[0] - gap
                and gap <= y - r and y + r <= region.size[1] - gap)
    return math.hypot(x, rest[0]) + r <= region.size[0] - gap


def overlaps(a: Patch, b: Patch, gap: float) -> bool:
    """True when two patches are closer than ``gap``."""
    distance = math.dist(a.centre, b.centre)
    return distance < a.radius + b.radius + gap


def single_patch(region: Region, radius: float, position: tuple[float, ...] = ()) -> Patch:
    """One prescribed patch (default at :attr:`Region.centre`); raises if it does not fit."""
    dim = 1 if region.kind in ("interval", "radial") else 2
    centre = tuple(position) if position else region.centre
    if len(centre) != dim:
        raise MorphologyError(f"position needs {dim} coordinate(s), got {len(centre)}")
    patch = Patch(tuple(float(c) for c in centre), radius)
    if region.kind == "radial" and 0.0 < centre[0] < radius:
        raise MorphologyError("an off-axis annulus must not cross the axis (position ≥ radius)")
    if not fits(region, patch, 0.0) or (region.kind != "radial" and not fits(region, patch, 1e-9)):
        raise MorphologyError("the void does not fit inside the interface")
    return patch


def random_patches(region: Region, fraction: float, mean_radius: float, spread: float,
                   seed: int) -> list[Patch]:
    """Non-overlapping patches covering exactly ``fraction`` of the region's measure.

    Radii are log-normal with mean ``mean_radius`` and log standard deviation ``spread``; centres
    are uniform (random sequential placement, at least a quarter mean radius apart and from the
    edge). Once the patches cover the target, every radius is shrunk by one common factor so the
    covered measure equals ``fraction`` × measure to rounding.
    """
    if not 0.0 < fraction < 1.0:
        raise MorphologyError(f"patch fraction {fraction} must be in (0, 1)")
    rng = np.random.default_rng(seed)
    gap = 0.25 * mean_radius
    target = fraction * region.measure
    # Draw radii until their nominal measure (at a random centre) covers the target, then place
    # the largest first (random sequential placement packs polydisperse discs best that way).
    radii: list[float] = []
    nominal = 0.0
    while nominal < target:
        radii.append(mean_radius * math.exp(spread * rng.standard_normal() - 0.5 * spread**2))
        nominal += patch_measure(region, Patch((0.5 * region.size[0],) * 2, radii[-1]))
    patches: list[Patch] = []
    covered = 0.0
    for radius in sorted(radii, reverse=True) * 2:
        if covered >= target:
            break
        patch = _place(region, radius, gap, patches, rng)
        patches.append(patch)
        covered += patch_measure(region, patch)
    if covered < target:
        raise MorphologyError(f"patches cover {covered / region.measure:.3f} < {fraction:.3f}: "
                              "lower the patch radius")
    # Measures are linear in the radius for 1D regions and quadratic for discs.
    power = 2.0 if region.kind in ("rectangle", "disc") else 1.0
    shrink = (target / covered) ** (1.0 / power)
    return [Patch(p.centre, p.radius * shrink) for p in patches]


def scaled_patches(region: Region, patches: list[Patch], fraction: float) -> list[Patch]:
    """``patches`` (non-overlapping, inside the region) with every radius scaled by one common
    factor so that they cover exactly ``fraction`` of the region's measure: the same layout at
    another fraction. Raises :class:`MorphologyError` when the grown patches overlap or leave the
    region."""
    if not 0.0 < fraction < 1.0:
        raise MorphologyError(f"patch fraction {fraction} must be in (0, 1)")
    covered = sum(patch_measure(region, p) for p in patches)
    power = 2.0 if region.kind in ("rectangle", "disc") else 1.0
    factor = (fraction * region.measure / covered) ** (1.0 / power)
    scaled = [Patch(p.centre, p.radius * factor) for p in patches]
    if factor > 1.0 and (
        not all(fits(region, p, 0.0) for p in scaled)
        or any(overlaps(p, q, 0.0) for i, p in enumerate(scaled) for q in scaled[i + 1:])
    ):
        raise MorphologyError(
            f"the layout's patches scaled to fraction {fraction:.4g} overlap or leave the "
            "interface: choose a layout_fraction nearer the contact fraction"
        )
    return scaled


def _place(region: Region, radius: float, gap: float, placed: list[Patch],
           rng: np.random.Generator) -> Patch:
    low = radius + gap
    room = min(region.size) if region.kind in ("interval", "rectangle") else region.size[0]
    for _ in range(MAX_ATTEMPTS if 2.0 * low < room else 0):
        if region.kind in ("interval", "radial"):
            centre: tuple[float, ...] = (rng.uniform(low, region.size[0] - low),)
        elif region.kind == "rectangle":
            width, depth = region.size
            centre = (rng.uniform(low, width - low), rng.uniform(low, depth - low))
        else:
            reach = region.size[0] - low
            centre = (rng.uniform(-reach, reach), rng.uniform(-reach, reach))
        patch = Patch(centre, radius)
        if fits(region, patch, gap) and not any(overlaps(patch, q, gap) for q in placed):
            return patch
    raise MorphologyError(
        f"could not place patch {len(placed) + 1} (radius {radius:g}) without overlap: "
        "lower the patch radius or move the contact fraction away from 0.5"
    )


@dataclass(frozen=True)
class Profile:
    """A rough profile f(x, y) with |f| ≤ 1: sum of a_k sin(k·x + φ_k) modes (normalised)."""

    wavevectors: np.ndarray  # (n, 2), rad per unit length
    amplitudes: np.ndarray  # (n,)
    phases: np.ndarray  # (n,)
    product: bool = False  # sinusoidal 3D profile sin(kx x) sin(ky y)

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.product:
            k = self.wavevectors[0]
            return np.sin(k[0] * x) * np.sin(k[1] * y)
        phase = np.outer(x, self.wavevectors[:, 0]) + np.outer(y, self.wavevectors[:, 1])
        return np.sin(phase + self.phases) @ self.amplitudes


def rough_profile(region: Region, profile: str, wavelength: float, seed: int) -> Profile:
    """The profile of a rough interface; ``x`` (and ``y``) are the interface coordinates
    (for radial regions x is r). ``random`` sums modes of wavelength ≥ ``wavelength`` that are
    periodic over an RVE (zero mean there), with amplitudes ∝ 1/|k| and random phases."""
    k0 = 2.0 * math.pi / wavelength
    two_d = region.kind in ("rectangle", "disc")
    if profile == "sinusoidal":
        vectors = np.array([[k0, k0 if two_d else 0.0]])
        return Profile(vectors, np.ones(1), np.zeros(1), product=two_d)
    rng = np.random.default_rng(seed)
    lengths = [region.size[0], region.size[-1] if two_d else region.size[0]]
    if region.kind in ("radial", "disc"):
        lengths = [2.0 * region.size[0]] * 2
    highest = [max(1, int(length // wavelength)) for length in lengths]
    modes = [(i, j) for i in range(0 if two_d else 1, highest[0] + 1)
             for j in (range(-highest[1], highest[1] + 1) if two_d else [0]) if (i, j) != (0, 0)]
    vectors = np.array([[2 * math.pi * i / lengths[0], 2 * math.pi * j / lengths[1]]
                        for i, j in modes])
    amplitudes = rng.uniform(0.5, 1.0, len(modes)) / np.linalg.norm(vectors, axis=1)
    phases = rng.uniform(0.0, 2.0 * math.pi, len(modes))
    raw = Profile(vectors, amplitudes, phases)
    grid = np.linspace(0.0, max(lengths), 200)
    gx, gy = np.meshgrid(grid, grid if two_d else [0.0])
    peak = float(np.max(np.abs(raw(gx.ravel(), gy.ravel()))))
    return Profile(vectors, amplitudes / peak, phases)
