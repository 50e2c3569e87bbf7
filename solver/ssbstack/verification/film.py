"""Verification of the Li-conserving interlayer film (physics.md §3.3) against a closed form.

Case ``cases/verification/film_void.toml``: a film over a strip void |x| < w in the bottom Li
(x from the void's centre), δ = 0 where the Li touches it, an equipotential electrolyte (huge κ,
a top contact with negligible resistance) and the cell held at a small voltage η₀, so that
f|δ| ≪ 1 and the film is linear: with C = Q f (Q = F c₀ t, f = F/RT) and G = D c₀ t F²/(RT),

    C ∂δ/∂t = G ∂²δ/∂x² − (η₀ + δ)/R_ct on |x| < w,  δ(±w) = 0,  δ(x, 0) = 0.

With a = 1/λ, λ² = G R_ct, k_n = (2n + 1)π/(2w) and b_n = (2/w)(−1)ⁿ a²/(k_n (a² + k_n²)) (the
cosine series of the steady profile 1 − cosh(x/λ)/cosh(w/λ)):

    δ(x, t) = −η₀ Σ b_n cos(k_n x) (1 − exp(−t/τ_n)),  1/τ_n = (G k_n² + 1/R_ct)/C,

and the current (per unit depth) into the electrolyte over the void is

    I_void(t) = (2η₀/R_ct) [w − Σ b_n (−1)ⁿ (1 − exp(−t/τ_n))/k_n],

from 2η₀w/R_ct at t = 0 (the film's inventory feeds the whole void) to 2η₀λ tanh(w/λ)/R_ct
(what diffusion from the contact supplies). The model's I_void is its bottom current less the
contact's η₀/R_ct per unit length.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ssbstack.physics.electrochemistry import FARADAY, GAS_CONSTANT
from ssbstack.verification.electrochemistry import CASES

MODES = 2000  # series terms (the tail is below 1e-7 of the sum)
_CACHE: dict[tuple[int, int], tuple[list[float], list[float]]] = {}


def void_current(t: float, eta: float, resistance: float, conductance: float,
                 capacitance: float, half_width: float) -> float:
    """Closed-form I_void (A/m) at time ``t`` (s): η₀ in V, R_ct in Ω m², G in S, C in F/m²,
    w in m."""
    a2 = 1.0 / (conductance * resistance)
    n = np.arange(MODES)
    k = (2 * n + 1) * math.pi / (2.0 * half_width)
    b = (2.0 / half_width) * (-1.0) ** n * a2 / (k * (a2 + k**2))
    rate = (conductance * k**2 + 1.0 / resistance) / capacitance
    growth = 1.0 if math.isinf(t) else -np.expm1(-rate * t)
    return 2.0 * eta / resistance * (half_width - float(np.sum(b * (-1.0) ** n * growth / k)))


def _film_run(comm: Any, steps_per_tau: int) -> tuple[list[float], list[float]]:
    """Model and closed-form I_void at t = τ₀/2, τ₀, 2τ₀ and 8τ₀ (τ₀ the slowest mode) with
    ``steps_per_tau`` backward-Euler steps per τ₀ (cached)."""
    key = (comm.py2f(), steps_per_tau)
    if key in _CACHE:
        return _CACHE[key]
    from ssbstack.config.loader import load_case
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.numerics.electrochemistry import ElectrochemistryModel
    from ssbstack.numerics.electrode_sides import sheet_properties
    from ssbstack.numerics.model import Control

    case = load_case(CASES / "film_void.toml")
    model = ElectrochemistryModel(case, build_mesh(case, comm), comm)
    eta = case.protocol.expanded()[0].voltage
    resistance = case.kinetics("bottom_li|se").charge_transfer_resistance
    film = sheet_properties(case, case.tags.interfaces[0])
    f = FARADAY / (GAS_CONSTANT * case.conditions.temperature)
    capacitance = film.inventory * f
    half_width = case.geometry.interfaces["bottom_li|se"].radius
    contact_length = case.geometry.width - 2.0 * half_width
    k0 = math.pi / (2.0 * half_width)
    tau = capacitance / (film.film_conductance * k0**2 + 1.0 / resistance)
    dt = tau / steps_per_tau
    marks = [steps_per_tau // 2, steps_per_tau, 2 * steps_per_tau, 8 * steps_per_tau]
    computed, reference = [], []
    for number in range(1, marks[-1] + 1):
        result = model.solve(number * dt, dt, Control(None, eta))
        if not result.converged:
            raise RuntimeError(f"film_void: {result.message}")
        model.accept()
        if number in marks:
            computed.append(model.total("current_bottom") - eta / resistance * contact_length)
            reference.append(void_current(number * dt, eta, resistance, film.film_conductance,
                                          capacitance, half_width))
    model.close()
    _CACHE[key] = (computed, reference)
    return computed, reference


def _worst(computed: list[float], reference: list[float]) -> tuple[int, float]:
    errors = [abs(c - r) / abs(r) for c, r in zip(computed, reference, strict=True)]
    worst = int(np.argmax(errors))
    return worst, errors[worst]


def verify_void_current_transient(comm: Any) -> tuple[float, float, float, float]:
    """Film over a strip void, 40 steps per τ₀: the current over the void at τ₀/2 … 8τ₀ follows
    the closed form (worst of the four times) while the film's inventory drains."""
    computed, reference = _film_run(comm, 40)
    worst, error = _worst(computed, reference)
    return reference[worst], computed[worst], error, 0.005


def verify_void_current_time_order(comm: Any) -> tuple[float, float, float, float]:
    """Backward Euler in the film inventory: with 20, 40 and 80 steps per τ₀ the differences of
    I_void at τ₀/2 … 2τ₀ shrink by 2 per halving (observed order → 1; the space error cancels)."""
    runs = [_film_run(comm, steps)[0] for steps in (20, 40, 80)]
    ratios = [(a - b) / (b - c) for a, b, c in zip(*(run[:3] for run in runs), strict=True)]
    order = math.log2(min(ratios))
    return 1.0, order, abs(order - 1.0), 0.1
