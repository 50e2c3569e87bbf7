"""Material properties of a case (SI units inside; quantity strings accepted)."""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from ssbstack.config.base import Section
from ssbstack.config.mechanics import CreepLaw
from ssbstack.units import (
    GAS_CONSTANT,
    AreaResistance,
    Concentration,
    Conductivity,
    FractureToughness,
    MolarEnergy,
    MolarVolume,
    Pressure,
    SheetConductance,
    Temperature,
    Unit,
    to_si,
)

# Every temperature of a case lies in [MIN_TEMPERATURE, ceiling] (K): the Arrhenius transport and
# creep laws are fits near room temperature. The ceiling is the Li melting point, itself refused
# (solid Li only), when a stack layer is a metal (the schema knows no other melting point), else
# MAX_TEMPERATURE (a generic cap).
MIN_TEMPERATURE = 200.0  # K
LI_MELTING_POINT = 453.65  # K (180.5 °C)
MAX_TEMPERATURE = 1000.0  # K


def diffusivity_or_table(value: object) -> float | list[tuple[float, float]]:
    """A diffusivity (m²/s; number or quantity string), or a D(x) table [[x, D], ...] with x
    increasing and each D a number (m²/s) or a quantity string ('1e-10 cm2/s'); D > 0."""
    if not isinstance(value, list | tuple):
        single = to_si(value, "diffusivity")
        if not single > 0.0:
            raise ValueError("Input should be greater than 0")
        return single
    rows = []
    for row in value:
        if not isinstance(row, list | tuple) or len(row) != 2 or isinstance(row[0], str | bool):
            raise ValueError(f"a D(x) table has rows [x, D], e.g. [0.5, '1e-10 cm2/s'], got {row!r}")
        rows.append((float(row[0]), to_si(row[1], "diffusivity")))
    if len(rows) < 2:
        raise ValueError("a D(x) table needs at least 2 rows [x, D]")
    if any(b[0] <= a[0] for a, b in itertools.pairwise(rows)):
        raise ValueError("x must increase down the D(x) table")
    if any(not d > 0.0 for _, d in rows):
        raise ValueError("every D of the D(x) table should be greater than 0")
    return rows


DiffusivityOrTable = Annotated[float | list[tuple[float, float]], Unit("diffusivity"),
                               BeforeValidator(diffusivity_or_table)]


class Material(Section):
    """One material. ``kind`` says how the physics treats it.

    - ``metal``: Li or another electronic conductor (equipotential by default);
    - ``electrolyte``: single-ion conductor (Ohmic Li⁺ transport);
    - ``interlayer``: thin or thick layer between Li and the electrolyte (sheet or volume model);
    - ``cathode``: homogenised composite cathode.
    """

    kind: Literal["metal", "electrolyte", "interlayer", "cathode"]
    description: str = ""
    ionic_conductivity: Conductivity | None = Field(
        None, gt=0.0, description="S/m at reference_temperature")
    activation_energy: MolarEnergy = Field(
        0.0, ge=0.0, description="J/mol, Arrhenius for conductivity")
    reference_temperature: Temperature = Field(298.15, description="K")
    electronic_conductivity: Conductivity | None = Field(None, gt=0.0, description="S/m")
    electron_blocking: bool = False
    area_resistance: AreaResistance | None = Field(
        None, ge=0.0, description="Ω m², normal resistance of a thin (sheet) layer"
    )
    sheet_li_conductance: SheetConductance | None = Field(
        None, ge=0.0, description="S, fixed lateral Li conductance of a sheet layer, no Li "
        "inventory (a thin film with diffusivity and initial_concentration gets D c₀ t F²/RT "
        "and the inventory F c₀ t instead; electronic conduction moves no Li)"
    )
    molar_volume: MolarVolume | None = Field(None, gt=0.0, description="m³/mol (Li: 1.30e-5)")
    diffusivity: DiffusivityOrTable | None = Field(
        None, description="m²/s, Li in the layer (a sheet: lateral Li transport); a volume "
        "interlayer also takes a table D(x): [x = c/c_max, D] rows, x increasing, ln D "
        "piecewise linear in x (constant beyond the ends)")
    max_concentration: Concentration | None = Field(
        None, gt=0.0, description="mol/m³, Li at x = 1 in a volume interlayer or a cathode "
        "(per composite volume)")
    initial_concentration: Concentration | None = Field(
        None, ge=0.0, description="mol/m³, initial Li in a volume interlayer or a cathode; in a "
        "sheet, its Li content in equilibrium with Li metal")
    specific_area: float | None = Field(
        None, gt=0.0, description="1/m, particle surface per composite volume (cathode)")
    open_circuit_potential: list[tuple[float, float]] | None = Field(
        None, min_length=2,
        description="U(x) of a volume interlayer or cathode vs Li: [x = c/c_max, U in V] rows, "
        "x increasing (piecewise linear, constant beyond the ends)")
    lithiation_molar_volume: MolarVolume | None = Field(
        None, gt=0.0, description="m³/mol, cathode or alloy anode (interlayer) at an end of the "
        "stack (mechanics): thickness change of the layer per mole of Li inserted per area, as a "
        "stack-direction eigenstrain spread over the layer: a cathode thickens by Ω/F per C/m² "
        "of discharge and shrinks as much on charge, an alloy anode the other way round")
    youngs_modulus: Pressure | None = Field(None, gt=0.0, description="Pa")
    poisson_ratio: float | None = Field(None, ge=-1.0, lt=0.5)
    creep: CreepLaw | None = None
    fracture_toughness: FractureToughness | None = Field(
        None, gt=0.0, description="K_IC of an electrolyte, Pa √m ('1 MPa m^0.5'): the plating "
        "flaw criterion ([coupling.plating.flaw]) needs it")

    @model_validator(mode="after")
    def _cathode_only(self) -> Material:
        if self.lithiation_molar_volume is not None and self.kind not in ("cathode", "interlayer"):
            raise ValueError("lithiation_molar_volume applies to a cathode or an alloy "
                             "interlayer only (a metal's plating uses molar_volume)")
        return self

    def ionic_conductivity_at(self, temperature: float) -> float:
        """Ionic conductivity (S/m) at ``temperature`` (K), Arrhenius from the reference value."""
        import math

        if self.ionic_conductivity is None:
            raise ValueError("material has no ionic_conductivity")
        exponent = -self.activation_energy / GAS_CONSTANT * (
            1.0 / temperature - 1.0 / self.reference_temperature
        )
        return self.ionic_conductivity * math.exp(exponent)
