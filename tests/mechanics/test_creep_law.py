"""The creep laws against hand-written formulas (independent of the code under test), at a
temperature away from T_ref so the Arrhenius factor is exercised (the 40 °C prediction uses it)."""

import math

import numpy as np
import pytest

from ssbstack.config.mechanics import CreepLaw
from ssbstack.physics.mechanics import CreepRate

R = 8.314462618  # J/(mol K)
Q, T_REF, T = 37e3, 299.0, 313.15


def _hand_arrhenius():
    return math.exp(-Q / R * (1.0 / T - 1.0 / T_REF))


def test_norton_rate_and_its_inverse_at_40C():
    law = CreepLaw(model="norton", coefficient_per_s_per_MPa_n=7.7e-3, exponent=6.56,
                   activation_energy=Q, reference_temperature=T_REF)
    stress = np.array([0.2e6, 1.0e6, 5.0e6])
    expected = 7.7e-3 * _hand_arrhenius() * (stress / 1e6) ** 6.56
    assert _hand_arrhenius() == pytest.approx(1.959, rel=1e-3)  # 40 °C creeps ~2× faster
    assert CreepRate(law, T).rate(stress) == pytest.approx(expected, rel=1e-12)
    back, slope = CreepRate(law, T).stress(expected)
    assert back == pytest.approx(stress, rel=1e-12)
    assert slope == pytest.approx(stress / 6.56, rel=1e-12)  # dσ/d ln ε̇ = σ/n


def test_garofalo_rate_and_its_inverse_at_40C():
    law = CreepLaw(model="garofalo", coefficient_per_s=1e-4, stress_scale=3e6, exponent=5.0,
                   activation_energy=Q, reference_temperature=T_REF)
    stress = np.array([0.5e6, 3e6, 9e6])
    expected = 1e-4 * _hand_arrhenius() * np.sinh(stress / 3e6) ** 5.0
    assert CreepRate(law, T).rate(stress) == pytest.approx(expected, rel=1e-12)
    assert CreepRate(law, T).stress(expected)[0] == pytest.approx(stress, rel=1e-10)
