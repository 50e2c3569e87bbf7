"""Patch layouts and rough profiles (pure numpy)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ssbstack.meshing.morphology import (
    MorphologyError,
    Region,
    fits,
    overlaps,
    patch_measure,
    random_patches,
    rough_profile,
    scaled_patches,
    single_patch,
)

REGIONS = [Region("interval", (100.0,)), Region("radial", (200.0,)),
           Region("rectangle", (60.0, 40.0)), Region("disc", (100.0,))]


@pytest.mark.parametrize("region", REGIONS, ids=lambda r: r.kind)
def test_random_patches_cover_the_fraction_exactly_without_overlap(region):
    patches = random_patches(region, 0.3, 5.0, 0.4, seed=7)
    covered = sum(patch_measure(region, p) for p in patches)
    assert covered == pytest.approx(0.3 * region.measure, rel=1e-12)
    assert len(patches) > 1
    assert all(fits(region, p, 0.0) for p in patches)
    assert not any(overlaps(a, b, 0.0) for i, a in enumerate(patches) for b in patches[i + 1:])


@pytest.mark.parametrize("region", REGIONS, ids=lambda r: r.kind)
def test_same_seed_same_layout_other_seed_other_layout(region):
    first = random_patches(region, 0.2, 4.0, 0.3, seed=3)
    assert random_patches(region, 0.2, 4.0, 0.3, seed=3) == first
    assert random_patches(region, 0.2, 4.0, 0.3, seed=4) != first


@pytest.mark.parametrize("region", REGIONS, ids=lambda r: r.kind)
def test_scaled_patches_keep_the_layout_and_cover_the_new_fraction(region):
    layout = random_patches(region, 0.3, 5.0, 0.4, seed=7)
    for fraction in (0.2, 0.33):
        scaled = scaled_patches(region, layout, fraction)
        assert [p.centre for p in scaled] == [p.centre for p in layout]
        factors = [s.radius / p.radius for s, p in zip(scaled, layout, strict=True)]
        assert max(factors) == pytest.approx(min(factors), rel=1e-12)  # one common factor
        assert (min(factors) < 1.0) == (fraction < 0.3)
        covered = sum(patch_measure(region, p) for p in scaled)
        assert covered == pytest.approx(fraction * region.measure, rel=1e-12)


def test_scaled_patches_that_would_overlap_are_refused():
    region = Region("interval", (100.0,))
    layout = random_patches(region, 0.3, 5.0, 0.4, seed=7)
    with pytest.raises(MorphologyError, match=r"scaled to fraction 0\.95 overlap or leave"):
        scaled_patches(region, layout, 0.95)


def test_single_patch_defaults_to_the_centre_and_must_fit():
    assert single_patch(Region("interval", (100.0,)), 10.0).centre == (50.0,)
    on_axis = single_patch(Region("radial", (100.0,)), 10.0)
    assert on_axis.extent() == (0.0, 10.0)
    assert patch_measure(Region("radial", (100.0,)), on_axis) == pytest.approx(math.pi * 100.0)
    with pytest.raises(MorphologyError, match="does not fit"):
        single_patch(Region("disc", (100.0,)), 30.0, (80.0, 0.0))
    with pytest.raises(MorphologyError, match="must not cross the axis"):
        single_patch(Region("radial", (100.0,)), 10.0, (5.0,))


@pytest.mark.parametrize("profile", ["sinusoidal", "random"])
@pytest.mark.parametrize("region", [REGIONS[0], REGIONS[2]], ids=lambda r: r.kind)
def test_rough_profiles_are_bounded_with_zero_mean_over_the_rve(region, profile):
    f = rough_profile(region, profile, wavelength=20.0, seed=1)
    n = 400
    x = (np.arange(n) + 0.5) * region.size[0] / n
    y = (np.arange(n) + 0.5) * region.size[-1] / n if region.kind == "rectangle" else [0.0]
    gx, gy = np.meshgrid(x, y)
    values = f(gx.ravel(), gy.ravel())
    assert np.max(np.abs(values)) <= 1.0 + 1e-3
    assert np.max(np.abs(values)) > 0.5
    assert abs(np.mean(values)) < 1e-3
