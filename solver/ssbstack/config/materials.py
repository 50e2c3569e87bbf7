"""Material properties of a case (SI units inside; quantity strings accepted)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ssbstack.config.base import Section
from ssbstack.config.mechanics import CreepLaw
from ssbstack.units import (
    GAS_CONSTANT,
    AreaResistance,
    Concentration,
    Conductivity,
    Diffusivity,
    FractureToughness,
    MolarEnergy,
    MolarVolume,
    Pressure,
    SheetConductance,
    Temperature,
)

# Every temperature of a case lies in [MIN_TEMPERATURE, ceiling] (K): the Arrhenius transport and
# creep laws are fits near room temperature. The ceiling is the Li melting point, itself refused
# (solid Li only), when a stack layer is a metal (the schema knows no other melting point), else
# MAX_TEMPERATURE (a generic cap).
MIN_TEMPERATURE = 200.0  # K
LI_MELTING_POINT = 453.65  # K (180.5 °C)
MAX_TEMPERATURE = 1000.0  # K


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
    diffusivity: Diffusivity | None = Field(
        None, gt=0.0, description="m²/s, Li in the layer (a sheet: lateral Li transport)")
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
        None, gt=0.0, description="m³/mol, cathode (mechanics): thickness change of the composite "
        "per mole of Li inserted per area, as a stack-direction eigenstrain spread over the layer: "
        "it thickens by Ω_c/F per C/m² of discharge and shrinks as much on charge")
    youngs_modulus: Pressure | None = Field(None, gt=0.0, description="Pa")
    poisson_ratio: float | None = Field(None, ge=-1.0, lt=0.5)
    creep: CreepLaw | None = None
    fracture_toughness: FractureToughness | None = Field(
        None, gt=0.0, description="K_IC of an electrolyte, Pa √m ('1 MPa m^0.5'): the plating "
        "flaw criterion ([coupling.plating.flaw]) needs it")

    @model_validator(mode="after")
    def _cathode_only(self) -> Material:
        if self.lithiation_molar_volume is not None and self.kind != "cathode":
            raise ValueError("lithiation_molar_volume applies to a cathode only (a metal's "
                             "plating uses molar_volume)")
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
