"""The quasi-steady vacancy rule and the spreading of plated Li (numpy only: no meshes)."""

import math

import numpy as np
import pytest

from ssbstack.config.coupling import Vacancy
from ssbstack.config.materials import GAS_CONSTANT
from ssbstack.numerics.spreading import ContactLevelling, PlatingSpread
from ssbstack.numerics.vacancy import VacancyField, full_contact_critical_current
from ssbstack.units import FARADAY

T = 298.15


def _field(quasi_steady: bool) -> VacancyField:
    config = Vacancy(lifetime=1.0, nucleation_stress=1e6, quasi_steady=quasi_steady)
    return VacancyField(config, 3)


def test_quasi_steady_surface_pressure_is_the_transient_limit():
    # Π = R T (j/F) √(τ/D) at once, the value the transient rule reaches after many τ.
    current = np.array([10.0, 5.0, -3.0])  # A/m²: two stripping, one plating
    steady, transient = _field(True), _field(False)
    steady.advance(0.1, current, np.full(3, np.inf), T)
    for _ in range(400):
        transient.advance(0.05, current, np.full(3, np.inf), T)
    exact = GAS_CONSTANT * T * np.maximum(current, 0.0) / FARADAY * math.sqrt(1.0 / 8e-15)
    assert steady.osmotic_pressure(T) == pytest.approx(exact, rel=1e-12)
    assert transient.osmotic_pressure(T)[:2] == pytest.approx(exact[:2], rel=2e-2)


def test_full_contact_critical_current_is_where_the_rule_nucleates():
    """j* of the closed form is the rule's threshold: at 5 MPa a uniform current 0.1 % below it
    nucleates nothing, 0.1 % above it nucleates every pair."""
    field = _field(True)
    pressure = 5e6
    critical = full_contact_critical_current(field.config, pressure, T)
    exact = FARADAY * (pressure + 1e6) / (GAS_CONSTANT * T) * math.sqrt(8e-15 / 1.0)
    assert critical == pytest.approx(exact, rel=1e-12)
    holding = np.full(3, pressure + field.config.nucleation_stress)
    for factor, nucleated in ((0.999, False), (1.001, True)):
        field.advance(1.0, np.full(3, factor * critical), holding, T, np.ones(3, dtype=bool))
        assert field.nucleated.tolist() == [nucleated] * 3


def test_quasi_steady_void_stays_while_its_electrode_strips_and_heals_when_it_plates():
    field = _field(True)
    holding = np.full(3, 1.0)  # Pa: any stripping current nucleates
    field.advance(1.0, np.array([1.0, 0.0, 0.0]), holding, T, np.array([True, True, False]))
    assert field.nucleated.tolist() == [True, False, False]
    # no current through the void now (χ = 0), the electrode still strips: it stays
    field.advance(1.0, np.zeros(3), holding, T, np.array([True, True, False]))
    assert field.nucleated[0]
    # the electrode plates: the void is refilled
    field.advance(1.0, np.zeros(3), holding, T, np.array([False, False, True]))
    assert not field.nucleated.any()


def _line(count=41, width=40e-6):
    x = np.zeros((count, 3))
    x[:, 0] = np.linspace(0.0, width, count)
    area = np.full(count, width / (count - 1))
    area[[0, -1]] *= 0.5
    return x, area


def test_spreading_conserves_the_plated_volume_and_leaves_stripping_alone():
    x, area = _line()
    interface = np.zeros(len(area), dtype=int)
    spread = PlatingSpread(x, area, interface, np.ones(len(area), dtype=bool), 5e-6)
    velocity = np.zeros(len(area))
    velocity[20] = -1e-9  # one pair plates
    velocity[5] = 2e-9  # one strips
    out = spread.apply(velocity)
    assert area @ out == pytest.approx(area @ velocity, rel=1e-13)
    assert out[5] == 2e-9  # stripping stays where the current leaves
    reach = np.abs(x[:, 0] - x[20, 0]) < 5e-6
    assert np.all(out[reach] < 0.0) and np.all(out[~reach & (velocity <= 0)] == 0.0)
    assert out[20] > velocity[20]  # the column became a spread deposit


def test_spreading_stays_on_its_interface():
    x, area = _line()
    interface = np.zeros(len(area), dtype=int)
    interface[21:] = 1
    spread = PlatingSpread(x, area, interface, np.ones(len(area), dtype=bool), 5e-6)
    velocity = np.zeros(len(area))
    velocity[20] = -1e-9
    out = spread.apply(velocity)
    assert np.all(out[21:] == 0.0)
    assert area[:21] @ out[:21] == pytest.approx(area[20] * velocity[20], rel=1e-13)


def test_spreading_keeps_a_uniform_deposit_uniform_on_an_uneven_grid():
    """A flat deposit must stay flat (else it lifts the electrolyte), at the interface's ends
    and where the pair areas change, for a reach as wide as the interface."""
    rng = np.random.default_rng(3)
    x = np.zeros((40, 2))
    x[:, 0] = np.sort(rng.uniform(0.0, 200e-6, 40))
    area = rng.uniform(0.5e-6, 8e-6, 40)
    spread = PlatingSpread(x, area, np.zeros(40, dtype=int), np.ones(40, dtype=bool), 200e-6)
    flat = np.full(40, -1.3e-9)
    assert np.allclose(spread.apply(flat), flat, rtol=1e-13, atol=0.0)
    bumpy = -1e-9 * rng.uniform(0.0, 2.0, 40)
    out = spread.apply(bumpy)
    assert area @ out == pytest.approx(area @ bumpy, rel=1e-13)
    assert np.all(out <= 0.0) and np.ptp(out) < 0.5 * np.ptp(bumpy)  # levelled, still plating


def test_levelling_gives_each_interface_its_mean_plating_speed():
    """ℓ = ∞ (coupling.plating_levels): every pair of an interface plates at its mean speed."""
    rng = np.random.default_rng(5)
    x = np.zeros((30, 2))
    x[:, 0] = rng.uniform(0.0, 200e-6, 30)
    area = rng.uniform(0.5e-6, 8e-6, 30)
    interface = (np.arange(30) >= 12).astype(int)
    spread = PlatingSpread(x, area, interface, np.ones(30, dtype=bool), math.inf)
    velocity = -1e-9 * rng.uniform(0.0, 2.0, 30)
    velocity[3] = 4e-9  # stripping stays
    out = spread.apply(velocity)
    for which in (0, 1):
        mine = (interface == which) & (velocity <= 0.0)
        mean = area[mine] @ velocity[mine] / area[interface == which].sum()
        assert np.allclose(out[mine], mean, rtol=1e-12, atol=0.0)
    assert out[3] == pytest.approx(4e-9 + area[interface == 0] @ np.minimum(velocity, 0)[
        interface == 0] / area[interface == 0].sum())


def test_contact_levelling_keeps_plated_li_out_of_the_voids():
    """coupling.plating_levels = "contact": each interface's deposit is shared evenly over its
    conducting pairs (χ > 0, also the partly conducting rims: none erodes), none into a void;
    the Li balance holds and uncoupled pairs are left alone."""
    rng = np.random.default_rng(7)
    area = rng.uniform(0.5e-6, 8e-6, 30)
    interface = (np.arange(30) >= 12).astype(int)
    coupled = np.ones(30, dtype=bool)
    coupled[29] = False
    chi = rng.choice([0.0, 1.0, 0.4], size=30)
    velocity = -1e-9 * rng.uniform(0.0, 2.0, 30) * chi
    velocity[3] = 4e-9 * chi[3]  # a stripping pair
    velocity[29] = -7e-9  # uncoupled: keeps its own speed
    out = ContactLevelling(area, interface, coupled).apply(velocity, chi)
    assert out[29] == -7e-9
    for which in (0, 1):
        mine = (interface == which) & coupled
        assert area[mine] @ out[mine] == pytest.approx(area[mine] @ velocity[mine], rel=1e-13)
        plating = mine & (velocity <= 0.0)
        touching = plating & (chi > 0)
        assert np.ptp(out[touching]) < 1e-12 * np.max(np.abs(out[touching]))
    assert np.all(out[(chi == 0) & coupled] == 0.0)  # no Li into a void
