"""The one cell-shape quality (meshing report and the large-deformation mesh watch): the mean
ratio of equilateral, flattened and inverted triangles and tetrahedra."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ssbstack.meshing.quality import simplex_quality

TRIANGLE = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, math.sqrt(3.0) / 2.0]])
TETRAHEDRON = np.array([[1.0, 1.0, 1.0], [1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]])


@pytest.mark.parametrize("cell", [TRIANGLE, TETRAHEDRON])
def test_equilateral_is_one_and_inverting_flips_the_sign_only_when_signed(cell):
    inverted = cell[[1, 0, *range(2, len(cell))]]  # two vertices swapped
    cells = np.stack([cell, inverted, 3.0 * cell + 0.5])  # scaling and moving change nothing
    signed, measure, _ = simplex_quality(cells, signed=True)
    unsigned, size, _ = simplex_quality(cells)
    np.testing.assert_allclose(np.abs(signed), 1.0, rtol=1e-12)
    assert signed[0] * signed[1] < 0 and signed[0] * signed[2] > 0
    np.testing.assert_allclose(unsigned, 1.0, rtol=1e-12)
    np.testing.assert_allclose(size, np.abs(measure))
    if len(cell) == 3:
        assert size[0] == pytest.approx(math.sqrt(3.0) / 4.0)
        planar = simplex_quality(np.pad(cells, ((0, 0), (0, 0), (0, 1))), signed=True)[0]
        np.testing.assert_allclose(planar, signed)  # 2 or 3 coordinates, same answer
    else:
        assert size[0] == pytest.approx(8.0 / 3.0)  # a cube's corner tetrahedron: 8 − 4 × 4/3


def test_flattening_a_triangle_by_s_scales_its_quality_as_expected():
    """Squashing the equilateral triangle's height by s: q = 2√3·A / Σl² in closed form."""
    for s in (0.5, 0.1, 1e-3):
        flat = TRIANGLE * np.array([1.0, s])
        area = math.sqrt(3.0) / 4.0 * s
        squares = 1.0 + 2.0 * (0.25 + 0.75 * s * s)
        expected = 4.0 * math.sqrt(3.0) * area / squares
        assert simplex_quality(flat[None])[0][0] == pytest.approx(expected, rel=1e-12)
