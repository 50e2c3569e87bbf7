"""Frictionless Li | SE contact: split meshes, verification checks, stripping at the interface,
checkpoints, 1 vs 2 ranks (physics.md §3.5)."""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI
from tests.conftest import resumed_from_checkpoint, two_rank_history

from ssbstack.config.loader import apply_overrides, build_case, load_case, load_raw
from ssbstack.errors import CaseError
from ssbstack.verification import mechanics as checks

COMM = MPI.COMM_WORLD
FRICTIONLESS = 'mechanics.interface_contact="frictionless"'


def _check(name):
    reference, computed, error, tolerance = getattr(checks, f"verify_{name}")(COMM)
    assert error <= tolerance, f"{name}: reference {reference}, computed {computed}, error {error}"
    return error


@pytest.mark.parametrize("kind", ["planar2d", "axisymmetric", "box3d"])
def test_split_mesh_gives_each_side_its_own_nodes(kind):
    from ssbstack.meshing.stack import build_mesh

    overrides = [f'geometry.kind="{kind}"', 'geometry.mesh.bulk="40 um"',
                 'geometry.mesh.interface="20 um"']
    if kind == "axisymmetric":
        overrides += ['geometry.electrode_radius="100 um"', 'geometry.electrolyte_radius="100 um"']
    if kind == "box3d":
        overrides += ['geometry.depth="100 um"']
    case = load_case(checks.case_file("contact_frictionless"), overrides)
    item = case.tags.interfaces[0]
    plain, split = build_mesh(case, COMM), build_mesh(case, COMM, split=(item.name,))
    assert split.split == (item.name,)
    mesh = split.mesh
    tdim = mesh.topology.dim
    mesh.topology.create_connectivity(tdim - 1, tdim)
    f2c = mesh.topology.connectivity(tdim - 1, tdim)
    layer = np.zeros(mesh.topology.index_map(tdim).size_local
                     + mesh.topology.index_map(tdim).num_ghosts, dtype=int)
    layer[split.cell_tags.indices] = split.cell_tags.values
    counts = {}
    for tag, owner in ((item.contact_tag, item.upper), (item.lower_contact_tag, item.lower)):
        facets = split.facet_tags.find(tag)
        assert all(len(f2c.links(f)) == 1 for f in facets)  # exterior on both sides now
        assert {int(layer[f2c.links(f)[0]]) for f in facets} <= {case.tags.cell(owner)}
        counts[tag] = COMM.allreduce(int(np.sum(np.isin(facets, np.arange(
            mesh.topology.index_map(tdim - 1).size_local)))))
    assert counts[item.contact_tag] == counts[item.lower_contact_tag] > 0
    plain_nodes = plain.mesh.topology.index_map(0).size_global
    split_nodes = mesh.topology.index_map(0).size_global
    interface_nodes = split_nodes - plain_nodes
    assert 0 < interface_nodes < plain_nodes  # exactly the interface's vertices were duplicated
    assert COMM.allreduce(mesh.topology.index_map(tdim).size_local) == \
        COMM.allreduce(plain.mesh.topology.index_map(tdim).size_local)


def test_frictionless_interface_carries_no_shear_poisson_mismatch():
    assert _check("contact_frictionless_stress") < 1e-4


def test_frictionless_interface_slips_by_the_lateral_strain_difference():
    _check("contact_frictionless_slip")


def test_bonded_interface_fails_the_frictionless_stress_check():
    """The check can fail: with the interface bonded, the Poisson mismatch loads σ_xx."""
    case = load_case(checks.case_file("contact_frictionless"), ['mechanics.interface_contact="bonded"'])
    model, _ = checks.run_history(case, COMM, [1.0])
    stress = model.current.stress[: model.nowned * model.nqp]
    largest = COMM.allreduce(float(np.abs(stress[:, 0]).max()), op=MPI.MAX)
    assert largest > 0.1 * case.conditions.stack_pressure


def test_stripping_opens_the_contact_in_a_rigid_gap():
    _check("contact_opening")


def test_adhesion_holds_tension_until_the_strength_then_releases():
    _check("contact_adhesion")


def test_contact_without_adhesion_fails_the_adhesion_check():
    """The check can fail: at σ_ad = 0 the contact opens at zero traction, so at the time the
    bonded one is at −σ_ad/2 the stack pressure is 0."""
    case = load_case(checks.case_file("contact_adhesion"), ["mechanics.adhesion_strength=0"])
    _, rows = checks.run_history(case, COMM, [4.5], 10.0)
    assert rows[1]["contact_fraction"] == 0.0
    assert abs(rows[1]["stack_pressure_Pa"]) < 1.0


@pytest.mark.parametrize("first, end", [(2.0, 5.0), (7.0, 10.0)], ids=["bonded", "released"])
def test_adhesion_runs_resume_from_a_checkpoint(first, end):
    """Checkpointed while bonded in tension (resumed still in tension), and after the release."""
    case = load_case(checks.case_file("contact_adhesion"))
    straight, resumed = resumed_from_checkpoint(case, first, end, 10.0)
    assert (resumed["stack_pressure_Pa"] < -1e5) == (end < 6.0)
    for key in ("stack_pressure_Pa", "contact_fraction", "max_gap_m"):
        assert resumed[key] == pytest.approx(straight[key], rel=1e-9, abs=1e-3 if key.endswith(
            "Pa") else 1e-15), key


def test_adhesion_needs_a_frictionless_interface():
    with pytest.raises(CaseError, match="adhesion_strength needs interface_contact"):
        load_case(checks.case_file("contact_adhesion"), ['mechanics.interface_contact="bonded"'])


def test_stripping_moves_the_li_surfaces_and_balances_the_li_volume():
    case = load_case(checks.case_file("creep_stripping"),
                     [FRICTIONLESS, 'conditions.stack_pressure="1 MPa"',
                      "materials.Li.creep.coefficient_per_s_per_MPa_n=1e-30"])
    model, rows = checks.run_history(case, COMM, [], 10.0)
    bottom0, top0, plate0 = model.layer_volume(0), model.layer_volume(-1), \
        rows[0]["plate_displacement_m"]
    result = model.solve(600.0, 600.0, checks.Control(10.0))
    assert result.converged
    model.accept()
    omega = case.materials["Li"].molar_volume
    stripped = 10.0 * 600.0 * omega / checks.FARADAY * model.collector_area()
    assert bottom0 - model.layer_volume(0) == pytest.approx(stripped, rel=1e-9)
    assert model.layer_volume(-1) - top0 == pytest.approx(stripped, rel=1e-9)
    # elastic Li at constant pressure: the bottom gap closes by the plate moving down, the top
    # overlap pushes it back up: the plate ends where it was, contact stays closed everywhere
    assert result.values["plate_displacement_m"] == pytest.approx(plate0, abs=1e-3 * stripped
                                                                  / model.collector_area())
    assert result.values["contact_fraction"] == 1.0
    assert result.values["stack_pressure_Pa"] == pytest.approx(1e6, rel=1e-8)


def test_contact_state_survives_a_checkpoint():
    case = load_case(checks.case_file("contact_opening"))
    straight, resumed = resumed_from_checkpoint(case, 2.0, 6.0, 10.0)
    assert resumed["max_gap_m"] > 0.0
    for key in ("stack_pressure_Pa", "max_gap_m", "li_thickness_m", "contact_fraction"):
        assert resumed[key] == pytest.approx(straight[key], rel=1e-9, abs=1e-15)


def test_frictionless_contact_needs_a_metal_electrode():
    from ssbstack.numerics.mechanics import contact_sides

    data = apply_overrides(load_raw(checks.case_file("contact_frictionless")), [FRICTIONLESS])
    data["stack"][0]["material"] = "LPSCl"  # no Li left: nothing to strip or slide
    with pytest.raises(CaseError, match=r"mechanics\.interface_contact"):
        contact_sides(build_case(data))


@pytest.mark.skipif(COMM.size > 1, reason="launches its own 2-rank run")
def test_two_ranks_give_the_serial_contact_history():
    serial, parallel = two_rank_history("contact_opening", [2.0, 10.0], 10.0)
    scale = {"stack_pressure_Pa": 1e-3, "max_gap_m": 1e-15, "contact_fraction": 0.0,
             "li_thickness_m": 1e-15}  # absolute round-off floors (an open contact has P = ±1e-8 Pa)
    for a, b in zip(serial, parallel, strict=True):
        for key, floor in scale.items():
            assert b[key] == pytest.approx(a[key], rel=1e-7, abs=floor)


def test_contact_stiffness_is_the_derivative_of_the_pair_forces():
    from ssbstack.physics.mechanics import contact_pair_forces

    rng = np.random.default_rng(3)
    normal = rng.normal(size=(6, 3))
    normal /= np.linalg.norm(normal, axis=1)[:, None]
    relative = 1e-8 * rng.normal(size=(6, 3))
    offset = np.array([-2e-8, -1e-8, -5e-9, 5e-9, 1e-8, 2e-8])  # 3 closed, 3 open pairs
    area, kn, kt = rng.uniform(1e-10, 2e-10, 6), 1e17, 1e9

    def forces(rel):
        gap = offset + np.einsum("pi,pi->p", rel, normal)
        return contact_pair_forces(rel, gap, normal, area, kn, kt)

    force, stiffness = forces(relative)
    gap = offset + np.einsum("pi,pi->p", relative, normal)
    assert np.all((gap < 0) == (np.arange(6) < 3))
    np.testing.assert_allclose(np.einsum("pi,pi->p", force, normal),
                               area * kn * np.maximum(-gap, 0.0), rtol=1e-12, atol=1e-15)
    step = 1e-12
    for j in range(3):
        plus, minus = relative.copy(), relative.copy()
        plus[:, j] += step
        minus[:, j] -= step
        derivative = (forces(plus)[0] - forces(minus)[0]) / (2 * step)
        # stiffness is d(residual)/d(u_upper − u_lower) = −d(force)/d(relative)
        np.testing.assert_allclose(-derivative, stiffness[:, :, j], rtol=1e-6,
                                   atol=1e-9 * kn * area.max())


def test_split_node_copies_pair_up_across_a_rounding_boundary():
    """The two copies of a split node may differ in their last bits; when they round to
    neighbouring keys they still pair (3D refined meshes hit this)."""
    from ssbstack.numerics.contact import _pair_up

    unit = 2.0**-40  # the pairing key's resolution, relative to the largest coordinate
    rows = []
    for x, y, side, dof in ((0.5 + 0.45 * unit, 0.25, 0, 0), (0.5 + 0.55 * unit, 0.25, 1, 1),
                            (1.0, 1.0, 0, 2), (1.0, 1.0, 1, 3)):
        # x, y, z, side, dof, void, interface, fixed (3), weight, direction (3)
        rows.append([x, y, 0.0, side, dof, 0, 0, 0, 0, 0, 1.0, 0.0, 0.0, 1.0])
    pairs = _pair_up(np.array(rows), 3, 2.0, 1, None)
    assert sorted(zip(pairs["lower"], pairs["upper"], strict=True)) == [(0, 1), (2, 3)]


def test_contact_blocks_are_preallocated_in_the_tangent():
    """The lower ↔ upper blocks of every contact pair are in the Newton matrix's preallocation:
    assembling the initial state and a step mallocs nothing (296 mallocs here, thousands at 21 k
    cells, when the blocks were inserted into the form's sparsity alone)."""
    from ssbstack.verification import coupled

    case = load_case(checks.case_file("coupled_debond"), [
        "coupling.enabled=false", 'geometry.mesh.interface="8 um"'])
    models = coupled.build(case, COMM)
    coupled.run_models(models, [1.0], 0.0)
    (mechanics,) = [model for model in models if getattr(model, "contact", None) is not None]
    assert len(mechanics.contact.local_pair_nodes()) > 0
    assert mechanics.A.getInfo()["mallocs"] == 0
