"""Mechanics section of a case: creep laws and stack-pressure fixtures (see physics.md §3.4).

The initial stack pressure is ``conditions.stack_pressure``; this section says how the fixture
responds when the stack changes thickness by Δh (creep, plating, stripping):

- ``fixture = "constant_pressure"``: springs or a pneumatic press. ``stiffness`` (N/m, default 0)
  is the finite spring stiffness: P = P₀ + k Δh / A.
- ``fixture = "fixed_gap"``: a holder with frame stiffness ``stiffness`` (N/m): P = P₀ + k Δh / A.
  Without ``stiffness`` the gap is perfectly rigid (Δh = 0).

``sides = "die"`` puts a rigid, frictionless die wall around the stack (2D only): a side node is free
until it has moved outward by its clearance (``die_clearance`` plus its distance from the outermost
lateral extent), then held by the same penalty contact as a frictionless interface.

``area`` (m²) is the loaded area A of the real cell (e.g. the Li foil, 0.785 cm²); it is needed
whenever a finite stiffness is given, because a 2D model carries forces per metre of depth.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from ssbstack.config.base import Section
from ssbstack.units import (
    Area,
    Force,
    Length,
    MolarEnergy,
    Pressure,
    Stiffness,
    StiffnessPerArea,
    StrainRate,
    Temperature,
    Velocity,
)


class CreepLaw(Section):
    """Creep law with J2 flow, ε̇_eq = f(σ_eq) exp(−Q/R (1/T − 1/T_ref)) (Anand: exp(−Q/RT)).

    - ``norton``: f = A σ_eq^n, σ in MPa (``coefficient_per_s_per_MPa_n`` = A, ``exponent`` = n);
    - ``garofalo`` (power-law breakdown): f = A_G sinh(σ_eq/σ_G)^n (``coefficient_per_s`` = A_G in
      1/s, ``stress_scale`` = σ_G in Pa, ``exponent`` = n);
    - ``anand`` (Narayan & Anand 2018; Anand & Narayan, J. Electrochem. Soc. 166 (2019) A1092):
      ε̇_eq = A exp(−Q/RT) (σ_eq/s)^(1/m), the power-law flow function of those papers (not the
      sinh of Anand's 1982 model), with a deformation resistance s per point that starts at s0 and
      evolves as ṡ = h0 |1 − s/s*|^a sign(1 − s/s*) ε̇_eq towards the saturation
      s* = s̃ [ε̇_eq exp(Q/RT)/A]^n. At saturation ε̇ = A exp(−Q/RT) (σ/s̃)^(1/(m+n)): a Norton law
      with exponent 1/(m+n). The Arrhenius factor is absolute (``reference_temperature`` is not
      used), so A is the pre-exponential factor (``coefficient_per_s``) and ``activation_energy``
      must be given.

    ``threshold_stress`` σ_th (Pa; Norton and Garofalo, default 0) makes either an excess-stress
    law: σ_eq is replaced by ⟨σ_eq − σ_th⟩, so no creep below σ_th and a stress held in a fixed gap
    relaxes towards σ_th instead of zero. It stands for the strength of Li at the micrometre scale
    of contact spots and voids, far above the bulk value (physics.md §7; micro-pillars: Xu et al.,
    PNAS 114 (2017) 57), and is meant for cases where that scale decides (a seeded partial
    contact at low stack pressure).

    Keys of the other laws are ignored.
    """

    model: Literal["norton", "garofalo", "anand"] = "norton"
    coefficient_per_s_per_MPa_n: float | None = Field(None, gt=0.0, description="A, 1/s per MPa^n")
    coefficient_per_s: StrainRate | None = Field(
        None, gt=0.0, description="A_G (garofalo) or the pre-exponential A (anand), 1/s")
    stress_scale: Pressure | None = Field(None, gt=0.0, description="σ_G (garofalo), Pa")
    exponent: float | None = Field(None, gt=0.0, description="n (norton, garofalo)")
    activation_energy: MolarEnergy = Field(
        0.0, ge=0.0, description="Q, J/mol (required for anand)")
    reference_temperature: Temperature = Field(
        298.15, description="T_ref, K (norton, garofalo; anand uses exp(−Q/RT))")
    rate_sensitivity: float | None = Field(
        None, gt=0.0, le=1.0, description="m (anand): ε̇ ∝ (σ_eq/s)^(1/m)")
    initial_resistance: Pressure | None = Field(
        None, gt=0.0, description="s0 (anand): initial deformation resistance, Pa")
    hardening_modulus: Pressure | None = Field(
        None, ge=0.0, description="h0 (anand): hardening modulus, Pa")
    saturation_coefficient: Pressure | None = Field(
        None, gt=0.0, description="s̃ (anand): s* = s̃ [ε̇ exp(Q/RT)/A]^n, Pa")
    saturation_exponent: float | None = Field(
        None, ge=0.0, description="n (anand): strain-rate exponent of s*")
    hardening_exponent: float | None = Field(
        None, ge=1.0, description="a (anand): ṡ ∝ |1 − s/s*|^a")
    threshold_stress: Pressure = Field(
        0.0, ge=0.0, description="σ_th (norton, garofalo): creep driven by ⟨σ_eq − σ_th⟩, Pa")

    @model_validator(mode="after")
    def _parameters_of_model(self) -> CreepLaw:
        needed = {
            "norton": ("coefficient_per_s_per_MPa_n", "exponent"),
            "garofalo": ("coefficient_per_s", "stress_scale", "exponent"),
            "anand": ("coefficient_per_s", "activation_energy", "rate_sensitivity",
                      "initial_resistance", "hardening_modulus", "saturation_coefficient",
                      "saturation_exponent", "hardening_exponent"),
        }[self.model]
        for key in needed:
            if getattr(self, key) is None or key not in self.model_fields_set:
                raise ValueError(f"{key} is required for the {self.model} law")
        if self.model == "anand" and self.threshold_stress > 0.0:
            raise ValueError("threshold_stress is not defined for the anand law (its deformation "
                             "resistance plays that part)")
        return self


class Roller(Section):
    """A roll pressing the top surface, as a moving Hertz line-contact pressure (planar2d).

    p(x, t) = p₀ √(1 − ((x − x_c)/a)²) for |x − x_c| < a, 0 elsewhere, with x_c = ``start`` +
    ``speed`` t, the line load per depth F' = ``line_load`` / ``length`` and p₀ = 2F'/(πa).
    The contact half-width a is ``half_width``, or the Hertz half-space value
    a = √(4 F' R / (π E*)) from ``radius`` R and ``effective_modulus`` E*
    (1/E* = (1 − ν₁²)/E₁ + (1 − ν₂²)/E₂ of roll and top layer). The pressure acts downwards on
    the undeformed direction (no follower load, no friction); the roll replaces the top plate.
    """

    line_load: Force = Field(gt=0.0, description="roll force F, N")
    length: Length = Field(gt=0.0, description="roll (electrode) length along the roll axis, m: "
                           "F' = F / length is the force per metre of depth")
    speed: Velocity = Field(gt=0.0, description="roll (traverse) speed along +x, m/s")
    start: Length = Field(0.0, description="roll centre x_c at t = 0, m")
    half_width: Length | None = Field(None, gt=0.0, description="contact half-width a, m")
    radius: Length | None = Field(None, gt=0.0, description="roll radius R (Hertz a), m")
    effective_modulus: Pressure | None = Field(
        None, gt=0.0, description="E* of roll and top layer (Hertz a), Pa")
    travel_per_substep: float = Field(
        0.2, gt=0.0, le=1.0, description="largest roll travel per mechanics sub-step, × a")

    @model_validator(mode="after")
    def _one_width(self) -> Roller:
        hertz = self.radius is not None and self.effective_modulus is not None
        if (self.half_width is None) == (not hertz):
            raise ValueError("give either half_width or both radius and effective_modulus")
        if self.half_width is not None and (self.radius is not None
                                            or self.effective_modulus is not None):
            raise ValueError("give either half_width or both radius and effective_modulus")
        return self

    def line_load_per_depth(self) -> float:
        """F' = F / length, N/m."""
        return self.line_load / self.length

    def contact_half_width(self) -> float:
        """a (m): ``half_width`` or the Hertz line-contact √(4 F' R / (π E*))."""
        if self.half_width is not None:
            return self.half_width
        return math.sqrt(4.0 * self.line_load_per_depth() * self.radius
                         / (math.pi * self.effective_modulus))

    def peak_pressure(self) -> float:
        """p₀ = 2 F' / (π a), Pa."""
        return 2.0 * self.line_load_per_depth() / (math.pi * self.contact_half_width())

    def centre(self, time: float) -> float:
        """x_c = start + speed × time, m."""
        return self.start + self.speed * time


class Mechanics(Section):
    """Quasi-static mechanics of the stack (physics.md §3.4–3.5). Off unless ``enabled``."""

    enabled: bool = False
    fixture: Literal["constant_pressure", "fixed_gap"] = "constant_pressure"
    stiffness: Stiffness | None = Field(
        None, ge=0.0, description="spring (constant_pressure) or frame (fixed_gap) stiffness, N/m"
    )
    area: Area | None = Field(None, gt=0.0, description="loaded area of the real cell, m²")
    plate_contact: Literal["bonded", "frictionless"] = Field(
        "bonded", description="outer layers on the bottom collector and the top plate"
    )
    interface_contact: Literal["bonded", "frictionless"] = Field(
        "bonded", description="electrode | next-layer interfaces: bonded, or frictionless contact "
        "that can open (node-to-node penalty on a split interface; stripping/plating then moves "
        "the Li surface there)"
    )
    contact_penalty: float = Field(
        1e3, gt=0.0, description="normal penalty k_n = this × (largest Young's modulus) / "
        "(smallest interface facet size); the overlap is p / k_n"
    )
    tangential_stiffness: StiffnessPerArea = Field(
        1e9, ge=0.0, description="weak tangential spring of frictionless contact, Pa/m "
        "(1 kPa per µm of slip by default): removes rigid sliding modes only"
    )
    adhesion_strength: Pressure = Field(
        0.0, ge=0.0, description="σ_ad of frictionless Li | SE contact, Pa: a closed pair holds "
        "normal tension up to σ_ad, then releases (and bonds again once it closes); 0: releases "
        "at zero traction"
    )
    void_gap: Length = Field(
        0.0, ge=0.0, description="initial gap across void facets of a frictionless interface, m"
    )
    sides: Literal["free", "roller", "die"] = Field(
        "free", description="lateral sides: traction free, no normal displacement (roller), or "
        "frictionless unilateral contact with a rigid die wall at the outermost lateral extent + "
        "die_clearance (2D: axisymmetric and planar2d; every layer's side)"
    )
    die_clearance: Length = Field(
        0.0, ge=0.0, description="radial (planar2d: per side) clearance between the stack's "
        "outermost lateral extent and the rigid die wall, m (sides = 'die')"
    )
    die_extrusion_gap: Length = Field(
        0.0, ge=0.0, description="radial gap between the plungers and the die bore, m (sides = "
        "'die'): the outer Li layers creep into it as columns in a slit of this width "
        "(numerics/extrusion.py); 0: a closed die"
    )
    die_extrusion_exit: Literal["wall", "rim"] = Field(
        "rim", description="where the Li the columns take leaves the meshed foil: 'rim' removes "
        "it from the foil's rim (cells within one foil thickness of the wall) as a lateral sink "
        "eigenstrain, so no node passes the wall; 'wall' lets the foil's side pass the die wall "
        "by that volume (a bulge; small strain only: a moving mesh cannot follow it)"
    )
    roller: Roller | None = Field(
        None, description="a roll pressing the top surface (moving Hertz pressure, planar2d) "
        "instead of the top plate; the top surface is otherwise free")
    large_deformation: bool = Field(True, description="updated Lagrangian: the mesh follows Δu")
    displacement_degree: int = Field(2, ge=1, le=2, description="Lagrange degree of u")
    geometry_degree: int = Field(
        1, ge=1, le=2, description="degree of the mesh geometry: 2 (curved, 6-node triangles) "
        "lets a large-deformation mesh follow the P2 displacement exactly, so Li volume is kept "
        "where the flow curves cell edges (a squeezed rim); 1 moves only the vertices and loses "
        "that volume. 2 needs displacement_degree = 2, large_deformation, a 2D mesh from the "
        "case's geometry (not refined) and mechanics alone (electrochemistry disabled)")
    strain_increment_tolerance: float = Field(
        2e-3, gt=0.0, description="max equivalent creep strain increment per sub-step"
    )
    resistance_change_tolerance: float = Field(
        2e-3, gt=0.0, description="max relative change of the Anand resistance s per sub-step"
    )
    pressure_change_tolerance: float = Field(
        2e-3, gt=0.0, description="max relative stack-pressure change per sub-step"
    )
    min_substep: float = Field(1e-9, gt=0.0, description="smallest sub-step, s")
    min_mesh_quality: float = Field(
        0.1, gt=0.0, lt=1.0, description="fail when a cell's quality falls below this × initial"
    )
    smoothing_quality: float = Field(
        0.25, ge=0.0, lt=1.0, description="with large_deformation: when a cell's quality falls "
        "below this × initial, the nodes off the tagged facets (boundary, interfaces) move to "
        "the harmonic extension of the tagged nodes' displacement over the unloaded mesh and "
        "the quadrature history is carried over (numerics/mesh_smoothing.py); 0: never"
    )

    @model_validator(mode="after")
    def _fixture_complete(self) -> Mechanics:
        if self.stiffness and self.area is None:
            raise ValueError("area is required with a finite stiffness (P = P0 + k dh / A)")
        if self.adhesion_strength > 0.0 and self.interface_contact != "frictionless":
            raise ValueError("adhesion_strength needs interface_contact = 'frictionless'")
        if self.die_clearance > 0.0 and self.sides != "die":
            raise ValueError("die_clearance needs sides = 'die'")
        if self.die_extrusion_gap > 0.0 and self.sides != "die":
            raise ValueError("die_extrusion_gap needs sides = 'die'")
        if self.die_extrusion_gap > 0.0 and self.die_extrusion_exit == "wall" and \
                self.large_deformation:
            raise ValueError("die_extrusion_exit = 'wall' needs large_deformation = false (a "
                             "moving mesh cannot follow the bulge past the wall); use 'rim'")
        if self.roller is not None and (self.stiffness or self.fixture != "fixed_gap"):
            raise ValueError("roller: the roll replaces the top plate; use fixture = 'fixed_gap' "
                             "without stiffness")
        return self

    def stiffness_per_area(self) -> float:
        """κ = k / A in Pa/m; ``inf`` for a rigid fixed gap, 0 for a pure constant pressure."""
        if self.stiffness is None or self.roller is not None:
            return float("inf") if self.fixture == "fixed_gap" else 0.0
        return self.stiffness / self.area if self.stiffness else 0.0
