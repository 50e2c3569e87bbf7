"""Every bundled Li creep law against the creep data it stands on (physics.md §3.4).

The data is the Norton fit of Masias et al. 2019 tension creep: ε̇ = A σⁿ with A = 7.7e-3 1/s per
MPaⁿ, n = 6.56, measured at ≈ 299 K between 0.2 and 0.6 MPa. Each creep law of a material in the
bundled case files (``cases/**/*.toml`` except ``cases/verification/``, whose laws are test parameters
such as an elastic Li; extends resolved, identical laws counted once) must give a
steady-state strain rate within 2× of the fit at 0.2, 0.3, 0.4, 0.5 and 0.6 MPa at 25 °C. The rates
come from the solver's own law (:class:`ssbstack.physics.mechanics.CreepRate`); for Anand the steady
state is the fixed point of that same code, ε̇ = f(σ, s*(ε̇)).

The fit is taken at its own temperature (299 K) and the laws at 298.15 K: the 0.85 K difference is a
4 % Arrhenius factor with Q = 37 kJ/mol, well inside the 2× band.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ssbstack.config.loader import extract_provenance, load_raw
from ssbstack.config.materials import Material
from ssbstack.config.mechanics import CreepLaw

CASES = Path(__file__).resolve().parents[3] / "cases"
NORTON_FIT = (7.7e-3, 6.56)  # Masias 2019 fit: A (1/s per MPa^n), n; at ≈ 299 K
STRESSES = (0.2e6, 0.3e6, 0.4e6, 0.5e6, 0.6e6)  # Pa: the fit's data range
TEMPERATURE = 298.15  # K (25 °C)
FACTOR = 2.0  # a law passes when every rate is within FACTOR of the fit


def norton_fit_rate(stress: float) -> float:
    """The data: ε̇ = A σⁿ (1/s) of the Masias fit at ``stress`` (Pa)."""
    coefficient, exponent = NORTON_FIT
    return coefficient * (stress / 1e6) ** exponent


def bundled_laws(root: Path = CASES) -> dict[str, CreepLaw]:
    """'material (model, file)' → law: every distinct creep law of a Li material (named ``Li``
    or ``Li_…``; other metals' laws, e.g. Al's yield regularisation, are not Li laws) in the
    case files under ``root`` outside ``verification/`` (the first file that defines it names
    it). A law with a threshold stress is left out: it stands for Li's strength at the µm scale
    of contact spots and does not creep below σ_th by design, so the bulk data it would be
    compared with (0.2–0.6 MPa) say nothing about it. A file whose creep table names no model
    (its ``extends`` chain included) only overrides part of a law defined elsewhere (e.g.
    ``common/full_cell_as_laid_source_c.toml`` adds a threshold): the law is judged in the files
    that hold it whole."""
    laws: dict[str, CreepLaw] = {}
    seen: set[str] = set()
    for path in sorted(root.rglob("*.toml")):
        if path.relative_to(root).parts[0] == "verification":
            continue
        materials = load_raw(path).get("materials", {})
        for name, raw in sorted(materials.items()):
            if not isinstance(raw, dict) or "model" not in raw.get("creep", {}) or not (
                    name == "Li" or name.startswith("Li_")):
                continue
            values, _ = extract_provenance(raw)
            law = Material.model_validate(values).creep
            if law is None or law.threshold_stress > 0.0 or law.model_dump_json() in seen:
                continue
            key = law.model_dump_json()
            seen.add(key)
            laws[f"{name} ({law.model}, {path.relative_to(root)})"] = law
    return laws


def steady_rate(law: CreepLaw, stress: float, temperature: float = TEMPERATURE) -> float:
    """Steady-state equivalent creep rate (1/s) of ``law`` at ``stress`` (Pa) and ``temperature``
    (K), from the solver's :class:`CreepRate`. Anand: the saturated state s = s*(ε̇), found by
    bisection in ln ε̇ on σ(ε̇) = CreepRate.stress(ε̇) at s*(ε̇), which rises with ε̇ (m + n > 0)."""
    from ssbstack.physics.mechanics import CreepRate

    rate = CreepRate(law, temperature)
    if law.model != "anand":
        return float(rate.rate(np.array([stress]))[0])

    def saturated_stress(log_rate: float) -> float:
        value = np.array([math.exp(log_rate)])
        saturated = replace(rate, resistance=rate.saturation(value))
        return float(saturated.stress(value)[0][0])

    low, high = math.log(1e-40), math.log(1e10)
    if not saturated_stress(low) < stress < saturated_stress(high):
        raise ArithmeticError(f"no Anand steady state at {stress:g} Pa in 1e-40 .. 1e10 1/s")
    while high - low > 1e-12:
        middle = 0.5 * (low + high)
        low, high = (middle, high) if saturated_stress(middle) < stress else (low, middle)
    return math.exp(0.5 * (low + high))


def ratios(law: CreepLaw, temperature: float = TEMPERATURE) -> list[float]:
    """Steady rate of ``law`` / the Norton fit's rate at each of :data:`STRESSES`."""
    return [steady_rate(law, stress, temperature) / norton_fit_rate(stress) for stress in STRESSES]


def worst_ratio(values: list[float]) -> float:
    """The ratio farthest from 1 on a log scale."""
    return max(values, key=lambda r: abs(math.log(r)))


def verify_steady_rates_vs_norton(comm: Any) -> tuple[float, float, float, float]:
    """Every bundled Li creep law's steady rate at 0.2–0.6 MPa, 25 °C vs the Masias Norton fit:
    the worst ratio law/fit over laws and stresses; error = max(r, 1/r) − 1, within 2× (1.0)."""
    worst = worst_ratio([worst_ratio(ratios(law)) for law in bundled_laws().values()])
    return 1.0, worst, max(worst, 1.0 / worst) - 1.0, FACTOR - 1.0
