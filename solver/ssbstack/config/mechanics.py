"""Mechanics section of a case: creep laws and stack-pressure fixtures (see physics.md §3.4)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ssbstack.config.base import Section
from ssbstack.units import MolarEnergy, Temperature


class CreepLaw(Section):
    """Power-law (Norton) creep with J2 flow: ε̇ = A σ_eq^n exp(−Q/R (1/T − 1/T_ref)), σ in MPa."""

    model: Literal["norton"] = "norton"
    coefficient_per_s_per_MPa_n: float = Field(gt=0.0, description="A, 1/s per MPa^n")
    exponent: float = Field(gt=0.0, description="n")
    activation_energy: MolarEnergy = Field(0.0, description="Q, J/mol")
    reference_temperature: Temperature = Field(298.15, description="T_ref, K")


class Mechanics(Section):
    """Quasi-static mechanics of the stack. Off unless ``enabled``."""

    enabled: bool = False
