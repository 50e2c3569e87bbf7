"""Generated meshes: tags, exact measures, contact fractions, quality, reproducibility (serial)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mpi4py import MPI

from ssbstack.meshing.quality import tagged_measures
from ssbstack.meshing.reference import REFERENCE, reference_case
from ssbstack.meshing.stack import build_mesh, interface_region, nominal_measures

FULL_TOP = {"interfaces": {"bottom_li|se": REFERENCE["box3d"]["interfaces"]["bottom_li|se"]}}
CASES = {kind: reference_case(kind) for kind in REFERENCE}
CASES["box3d"] = reference_case("box3d", FULL_TOP)  # flat top: layer volumes are exact


@pytest.fixture(scope="module")
def built():
    """Each reference kind meshed once, with its measures."""
    out = {}
    for kind, case in CASES.items():
        stack_mesh = build_mesh(case, MPI.COMM_WORLD)
        out[kind] = (case, stack_mesh, tagged_measures(stack_mesh))
    return out


@pytest.mark.parametrize("kind", list(REFERENCE))
def test_every_cell_is_in_exactly_one_layer(built, kind):
    case, stack_mesh, _ = built[kind]
    tdim = stack_mesh.mesh.topology.dim
    index_map = stack_mesh.mesh.topology.index_map(tdim)
    local = index_map.size_local + index_map.num_ghosts
    indices = stack_mesh.cell_tags.indices
    assert len(indices) == local and len(np.unique(indices)) == local
    assert set(np.unique(stack_mesh.cell_tags.values)) == set(case.tags.cell_groups().values())
    assert stack_mesh.quality["cells"] == index_map.size_global


@pytest.mark.parametrize("kind", ["planar2d", "axisymmetric", "box3d"])
def test_layer_measures_are_exact(built, kind):
    case, _, measures = built[kind]
    for name, expected in nominal_measures(case).items():
        if name in case.tags.layers:
            assert measures[name] == pytest.approx(expected, rel=1e-10), name


def test_disc3d_volumes_are_the_polygonal_discs(built):
    """Straight-sided tetrahedra cut the circle: volumes are π r² t to the chord error (< 1 %)."""
    case, _, measures = built["disc3d"]
    for name in case.tags.layers:
        assert measures[name] == pytest.approx(nominal_measures(case)[name], rel=1e-2), name


@pytest.mark.parametrize("kind", list(REFERENCE))
def test_contact_and_void_measures_match_the_request(built, kind):
    """2D: exact; 3D discs are polygons: contact fraction error < 1 % at default resolution."""
    case, _, measures = built[kind]
    exact = kind in ("planar2d", "axisymmetric")
    for item in case.tags.interfaces:
        region = interface_region(case, item).measure
        fraction = measures[item.name] / (measures[item.name] + measures[item.void_name])
        spec = case.geometry.interfaces.get(item.name)
        requested = getattr(spec, "contact_fraction", None)
        if requested is None:
            requested = nominal_measures(case)[item.name] / region
        assert fraction == pytest.approx(requested, rel=1e-10 if exact else 1e-2), item.name
        total = measures[item.name] + measures[item.void_name]
        assert total == pytest.approx(region, rel=1e-10 if kind != "disc3d" else 1e-2)
    assert measures[case.tags.interfaces[0].void_name] > 0.0


def test_boundaries_are_tagged(built):
    _, _, planar = built["planar2d"]
    assert planar["bottom"] == pytest.approx(1e-4, rel=1e-12)
    assert planar["side"] == pytest.approx(2 * 100e-6, rel=1e-12)
    _, _, axisym = built["axisymmetric"]
    assert axisym["bottom"] == pytest.approx(math.pi * 150e-6**2, rel=1e-10)
    assert axisym["axis"] == pytest.approx(100e-6, rel=1e-12)
    # The SE annulus outside the smaller Li discs is a free (side) surface.
    rim = 2 * math.pi * (150e-6 * 40e-6 + 200e-6 * 60e-6) + 2 * math.pi * (200e-6**2 - 150e-6**2)
    assert axisym["side"] == pytest.approx(rim, rel=1e-10)
    _, _, box = built["box3d"]
    assert box["top"] == pytest.approx(60e-6**2, rel=1e-10)
    assert box["axis"] == 0.0


@pytest.mark.parametrize("kind", list(REFERENCE))
def test_quality_report(built, kind):
    quality = built[kind][1].quality
    assert quality["cells"] > 100
    assert 0.1 < quality["quality_min"] <= quality["quality_mean"] <= 1.0
    assert 0.0 < quality["edge_min_m"] < quality["edge_max_m"] < 1e-3
    assert quality["mesh_seconds"] >= 0.0


def test_rough_interface_keeps_the_total_and_lengthens_the_interface():
    case = reference_case("planar2d", {"interfaces": {"se|top_li": {
        "morphology": "rough", "amplitude": "3 um", "wavelength": "25 um"}}})
    measures = tagged_measures(build_mesh(case, MPI.COMM_WORLD))
    nominal = nominal_measures(case)
    total = sum(measures[name] for name in case.tags.layers)
    assert total == pytest.approx(sum(nominal[n] for n in case.tags.layers), rel=1e-10)
    assert measures["se"] == pytest.approx(nominal["se"], rel=1e-3)
    x = np.linspace(0.0, 100e-6, 20001)
    k = 2 * math.pi / 25e-6
    arc = np.trapezoid(np.sqrt(1 + (3e-6 * k * np.cos(k * x)) ** 2), x)
    assert measures["se|top_li"] == pytest.approx(arc, rel=1e-2)  # chords of the profile
    assert measures["se|top_li"] > 1.1 * 100e-6


def test_same_seed_same_mesh_other_seed_other_mesh():
    def coordinates(seed: int) -> np.ndarray:
        case = reference_case("planar2d", {"interfaces": {"bottom_li|se": {
            "morphology": "contact_fraction", "contact_fraction": 0.6, "patch_radius": "4 um",
            "seed": seed}}})
        return build_mesh(case, MPI.COMM_SELF).mesh.geometry.x.copy()

    first = coordinates(5)
    assert np.array_equal(first, coordinates(5))
    again = coordinates(6)
    assert first.shape != again.shape or not np.array_equal(first, again)


def test_thick_interlayers_are_volumes_and_thin_ones_sheets():
    stack = [{"name": "bottom_li", "material": "Li", "thickness": "20 um"},
             {"name": "alloy", "material": "Ag", "thickness": "5 um"},
             {"name": "film", "material": "Ag", "thickness": "100 nm"},
             {"name": "se", "material": "LLZO", "thickness": "60 um"},
             {"name": "top_li", "material": "Li", "thickness": "20 um"}]
    case = reference_case("planar2d", {"interfaces": {}}, stack=stack)
    assert case.tags.layers == ("bottom_li", "alloy", "se", "top_li")
    assert case.tags.interface("alloy|se").sheets == ("film",)
    measures = tagged_measures(build_mesh(case, MPI.COMM_WORLD))
    assert measures["alloy"] == pytest.approx(5e-6 * 100e-6, rel=1e-10)
    for item in case.tags.interfaces:
        assert measures[item.name] == pytest.approx(100e-6, rel=1e-10)


@pytest.mark.parametrize("kind", ["planar2d", "box3d"])
def test_periodic_rves_have_matching_side_nodes(kind):
    stack_mesh = build_mesh(reference_case(kind, {"periodic": True}), MPI.COMM_SELF)
    x = stack_mesh.mesh.geometry.x
    width = x[:, 0].max()
    for axis in range(stack_mesh.mesh.topology.dim - 1):
        low = x[np.isclose(x[:, axis], 0.0, atol=1e-12)]
        high = x[np.isclose(x[:, axis], width, atol=1e-12)]
        low[:, axis] = high[:, axis] = 0.0
        assert len(low) == len(high) > 3
        assert np.allclose(np.unique(low.round(12), axis=0), np.unique(high.round(12), axis=0),
                           rtol=0, atol=1e-12)
