"""Geometry section validation and cross-checks against the stack (no meshing)."""

from __future__ import annotations

import pytest

from ssbstack.errors import CaseError
from ssbstack.meshing.reference import reference_case
from ssbstack.meshing.stack import check_geometry, interface_patches


def test_electrode_radius_larger_than_electrolyte_is_rejected():
    with pytest.raises(CaseError, match=r"electrode_radius.*larger than electrolyte_radius"):
        reference_case("axisymmetric", {"electrode_radius": "300 um"})


def test_per_layer_radius_larger_than_electrolyte_is_rejected():
    case = reference_case("disc3d", {"radii": {"top_li": "150 um"}})
    with pytest.raises(CaseError, match=r"geometry\.radii\.top_li: .*larger than the electrolyte"):
        check_geometry(case)


def test_unknown_layer_in_radii_is_rejected():
    case = reference_case("disc3d", {"radii": {"anode": "50 um"}})
    with pytest.raises(CaseError, match=r"geometry\.radii\.anode: no such meshed layer"):
        check_geometry(case)


def test_rve_needs_width_and_cell_needs_radius():
    with pytest.raises(CaseError, match="width: required for kind 'box3d'"):
        reference_case("box3d", {"kind": "box3d"}, replace=True)
    with pytest.raises(CaseError, match=r"electrolyte_radius: required"):
        reference_case("disc3d", {"kind": "disc3d", "electrode_radius": "1 mm"}, replace=True)


def test_unknown_interface_and_morphology_are_rejected():
    case = reference_case("planar2d", {"interfaces": {"li|se": {"morphology": "full"}}})
    with pytest.raises(CaseError, match=r"'li\|se': no such interface"):
        check_geometry(case)
    with pytest.raises(CaseError, match="morphology"):
        reference_case("planar2d", {"interfaces": {"se|top_li": {"morphology": "wavy"}}})


def test_rough_amplitude_must_leave_the_layers_intact():
    case = reference_case("planar2d", {"interfaces": {"se|top_li": {
        "morphology": "rough", "amplitude": "12 um", "wavelength": "20 um"}}})
    with pytest.raises(CaseError, match=r"se\|top_li'\.amplitude: .*half the thinner"):
        check_geometry(case)


def test_patches_that_cannot_fit_are_a_case_error():
    case = reference_case("box3d", {"interfaces": {"bottom_li|se": {
        "morphology": "contact_fraction", "contact_fraction": 0.5, "patch_radius": "25 um"}}})
    with pytest.raises(CaseError, match=r"bottom_li\|se'.*could not place"):
        check_geometry(case)
    case = reference_case("planar2d", {"interfaces": {"se|top_li": {
        "morphology": "single_void", "radius": "10 um", "position": ["95 um"]}}})
    with pytest.raises(CaseError, match="does not fit"):
        check_geometry(case)


def test_layout_fraction_holds_the_seeded_layout_at_another_contact_fraction():
    def patches(**values):
        spec = {"morphology": "contact_fraction", "patch_radius": "4 um", "seed": 1, **values}
        case = reference_case("planar2d", {"interfaces": {"bottom_li|se": spec}})
        item = next(i for i in case.tags.interfaces if i.name == "bottom_li|se")
        return interface_patches(case, item, 1e6)[0]

    drawn = patches(contact_fraction=0.3)
    held = patches(contact_fraction=0.25, layout_fraction=0.3)
    assert [p.centre for p in held] == [p.centre for p in drawn]
    assert sum(p.radius for p in held) == pytest.approx(0.25 / 0.3 * sum(p.radius for p in drawn))
    assert [p.centre for p in patches(contact_fraction=0.25)] != [p.centre for p in drawn]
    with pytest.raises(CaseError, match=r"layout_fraction: 0\.6 and contact_fraction 0\.3 must lie "
                                        r"on the same side of 0\.5"):
        patches(contact_fraction=0.3, layout_fraction=0.6)


def test_quantities_are_read_with_units():
    case = reference_case("axisymmetric", {"electrolyte_radius": "0.2 mm"})
    assert case.geometry.electrolyte_radius == pytest.approx(2e-4)
    assert case.geometry.interfaces["bottom_li|se"].patch_radius == pytest.approx(4e-6)


def test_periodic_only_for_rves():
    with pytest.raises(CaseError, match="periodic: only for RVEs"):
        reference_case("axisymmetric", {"periodic": True})
