"""Open-circuit potential and stress term of the overpotential, η = φ_s − φ_e − U − Ω σ_n/F.

A uniform normal stress σ_n on the bottom contact of the flat stack shifts the cell voltage at the
same current by exactly Ω σ_n / F (0.1347 mV per MPa for Li); the same stress on both contacts
cancels in a symmetric cell. Compression (σ_n < 0) lowers the voltage needed to strip the bottom.
"""

from pathlib import Path

import pytest

from conftest import echem_model, solve_once
from ssbstack.errors import CaseError
from ssbstack.physics.electrochemistry import FARADAY

CASE = Path(__file__).resolve().parents[2] / "cases" / "verification" / "echem_flat.toml"
OMEGA = 1.3e-5  # m³/mol


def _model(extra=()):
    overrides = ["electrochemistry.stress_coupling=true", f"materials.Li.molar_volume={OMEGA}",
                 "electrochemistry.kinetics.form=butler-volmer", *extra]
    return echem_model(CASE, overrides)[1]


@pytest.mark.parametrize("bottom,top", [(-10e6, 0.0), (5e6, 0.0), (-3e6, -3e6)])
def test_voltage_shift_is_omega_sigma_over_faraday(bottom, top):
    model = _model()
    current = 20.0
    reference = solve_once(model, current)
    model.contact_stress[0].x.array[:] = bottom
    model.contact_stress[1].x.array[:] = top
    stressed = solve_once(model, current)
    expected = OMEGA * (bottom - top) / FARADAY
    assert stressed["voltage_V"] - reference["voltage_V"] == pytest.approx(expected, abs=1e-12)
    # the current distribution is unchanged (uniform stress): same local maxima
    assert stressed["max_current_bottom_A_m2"] == pytest.approx(current, rel=1e-9)


def test_missing_molar_volume_names_the_key():
    with pytest.raises(CaseError) as error:
        echem_model(CASE, ["electrochemistry.stress_coupling=true"])
    assert "materials.Li.molar_volume" in str(error.value)


def test_open_circuit_potentials_shift_the_voltage_exactly():
    # η = φ_s − φ_e − U: at the same current V moves by U_bottom − U_top (e.g. a Li–Al plateau).
    current = 20.0
    values = []
    for u_bottom, u_top in ((0.0, 0.0), (0.38, 0.0), (0.38, 0.1)):
        _, model = echem_model(CASE, [
            f"electrochemistry.kinetics.open_circuit_potential={u_bottom}",
            f"electrochemistry.interfaces.se|top_li.open_circuit_potential={u_top}"])
        result = solve_once(model, current)
        values.append(result["voltage_V"])
        assert result["max_current_bottom_A_m2"] == pytest.approx(current, rel=1e-9)
    assert values[1] - values[0] == pytest.approx(0.38, abs=1e-12)
    assert values[2] - values[0] == pytest.approx(0.28, abs=1e-12)
