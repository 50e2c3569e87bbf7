"""Vacancy accumulation under each contact pair: void nucleation rule c (physics.md §3.5).

Stripping takes Li atoms out of the metal at the interface faster than the lattice relaxes, and
leaves vacancies behind; they diffuse into the Li and are annihilated at sinks (dislocations,
grain boundaries). Under each contact pair p a 1D depth profile c(z, t) (mol/m³) obeys

    ∂c/∂t = D_v ∂²c/∂z² − c / τ_v,    −D_v ∂c/∂z (z = 0) = j_p / F,    ∂c/∂z (z = L) = 0,

with j_p the pair's current per area (positive where its electrode strips; plating fills
vacancies, c ≥ 0). A void nucleates at the pair when the vacancies' osmotic pressure at the
surface, Π = R T c(0) (dilute), exceeds what holds the interface shut, the contact pressure p_c
plus ``nucleation_stress`` σ_nuc; the pair then carries no current until Π has fallen below
``heal_fraction`` × that. At constant j from c = 0, c(0, t) = (j/F) √(τ_v/D_v) erf(√(t/τ_v))
(checked in ``ssbstack verify``), so a steady local current above
j* = F (p_c + σ_nuc) / (R T √(τ_v/D_v)) nucleates a void. The contact pressure under a partial
contact scales like P/f and the current like j/f, so once some pairs nucleate the rest follow
unless P + σ_nuc f keeps up: the critical stripping current of this rule grows linearly with the
stack pressure.

With ``quasi_steady`` the profiles are the steady ones of each sub-step's current,
c(z) = (j/F) √(τ_v/D_v) exp(−z/√(D_v τ_v)) (the half-infinite limit), and a nucleated pair stays a
void until its electrode plates: the rule then has no time scale of its own, for half cycles of
minutes to hours (the transient form follows every nucleate-heal cycle of ~τ_v).

Discretisation: finite volumes on a uniform grid of ``cells`` over L = ``depth`` √(D_v τ_v)
(nodes at the ends carry half cells), backward Euler. The grid is the same for every pair, so a
step is one dense solve with one column per pair. All ranks hold every pair (the pair arrays of
the contact are global) and compute the same numbers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ssbstack.config.coupling import Vacancy
from ssbstack.config.materials import GAS_CONSTANT
from ssbstack.units import FARADAY


class VacancyField:
    """Vacancy depth profiles and nucleated flags of ``count`` pairs (the same on every rank)."""

    def __init__(self, config: Vacancy, count: int):
        self.config = config
        self.count = count
        length = config.depth * math.sqrt(config.diffusivity * config.lifetime)
        self.spacing = length / config.cells  # m
        nodes = config.cells + 1
        self.volume = np.full(nodes, self.spacing)  # control volume per area, m
        self.volume[[0, -1]] *= 0.5
        coupling = config.diffusivity / self.spacing  # m/s between neighbouring nodes
        laplace = np.diag(np.full(nodes, 2.0 * coupling))
        laplace[[0, -1], [0, -1]] = coupling
        laplace -= np.diag(np.full(nodes - 1, coupling), 1) + np.diag(np.full(nodes - 1, coupling), -1)
        self.laplace = laplace  # flux-balance operator, m/s
        self.concentration = np.zeros((nodes, count))  # mol/m³
        self.nucleated = np.zeros(count, dtype=bool)
        self.accepted = (self.concentration.copy(), self.nucleated.copy())

    def advance(self, h: float, current: np.ndarray, holding: np.ndarray,
                temperature: float, stripping: np.ndarray | None = None) -> None:
        """Step the profiles by ``h`` s under each pair's ``current`` (A/m², positive strips),
        then nucleate or heal where R T c(0) passes ``holding`` (Pa: contact pressure + σ_nuc)
        at ``temperature`` (K). ``stripping`` (quasi-steady only): does each pair's electrode
        strip now (a void there stays one while it does); quasi-steady, ``h`` may be 0."""
        config = self.config
        if config.quasi_steady:
            decay = np.exp(-np.arange(len(self.volume)) * self.spacing
                           / math.sqrt(config.diffusivity * config.lifetime))
            surface = steady_surface_concentration(config, np.maximum(
                np.asarray(current, dtype=float), 0.0))
            self.concentration = decay[:, None] * surface[None, :]
            keep = np.ones(self.count, dtype=bool) if stripping is None else stripping
            self.nucleated = (self.osmotic_pressure(temperature) >= holding) | (
                self.nucleated & keep)
            return
        if h <= 0.0:
            return
        matrix = self.laplace + np.diag(self.volume * (1.0 / h + 1.0 / config.lifetime))
        rhs = self.concentration * (self.volume / h)[:, None]
        rhs[0] += np.asarray(current, dtype=float) / FARADAY
        self.concentration = np.maximum(np.linalg.solve(matrix, rhs), 0.0)
        osmotic = self.osmotic_pressure(temperature)
        self.nucleated = (osmotic >= holding) | (
            self.nucleated & (osmotic > config.heal_fraction * holding))

    def osmotic_pressure(self, temperature: float) -> np.ndarray:
        """Π = R T c(0) (Pa) of the vacancies at every pair's surface."""
        return GAS_CONSTANT * temperature * self.concentration[0]

    def accept(self) -> None:
        self.accepted = (self.concentration.copy(), self.nucleated.copy())

    def reject(self) -> None:
        self.concentration, self.nucleated = (a.copy() for a in self.accepted)

    def state(self) -> np.ndarray:
        """The accepted profiles (nodes × pairs) with the nucleated flags as a last row."""
        concentration, nucleated = self.accepted
        return np.vstack([concentration, nucleated.astype(float)[None]])

    def restore(self, rows: np.ndarray) -> None:
        """Set the accepted and current state from :meth:`state` rows."""
        rows = np.asarray(rows, dtype=float).reshape(-1, self.count)
        self.concentration, self.nucleated = rows[:-1].copy(), rows[-1] > 0.5
        self.accept()


def surface_concentration_exact(current: float, diffusivity: float, lifetime: float,
                                time: float) -> float:
    """c(0, t) = (j/F) √(τ/D) erf(√(t/τ)) (mol/m³) at constant ``current`` (A/m²) from c = 0."""
    return current / FARADAY * math.sqrt(lifetime / diffusivity) * math.erf(
        math.sqrt(time / lifetime))


def steady_surface_concentration(config: Vacancy, current: Any) -> Any:
    """c(0) = (j/F) √(τ_v/D_v) (mol/m³): the steady vacancy concentration at the surface under a
    stripping ``current`` (A/m², a number or an array), the quasi-steady rule's profile."""
    return current / FARADAY * math.sqrt(config.lifetime / config.diffusivity)


def steady_osmotic_pressure(config: Vacancy, current: Any, temperature: float) -> Any:
    """Π = R T c(0) (Pa) of the quasi-steady profile under a ``current`` (A/m², plating: 0)."""
    return GAS_CONSTANT * temperature * steady_surface_concentration(
        config, np.maximum(current, 0.0))


def full_contact_critical_current(config: Vacancy, contact_pressure: float,
                                  temperature: float) -> float:
    """j* (A/m²): the steady stripping current whose surface vacancy pressure
    R T c(0) (:func:`steady_surface_concentration`) equals what holds a uniformly loaded
    interface, the contact pressure (full contact: the stack pressure, Pa) + σ_nuc
    (``temperature`` in K); above it the rule nucleates a void."""
    holding = contact_pressure + config.nucleation_stress
    return holding / (GAS_CONSTANT * temperature * steady_surface_concentration(config, 1.0))
