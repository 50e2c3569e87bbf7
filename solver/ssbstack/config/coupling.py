"""Coupling section of a case: current ↔ creep ↔ contact in one time step (physics.md §3.5, §7).

With ``enabled``, the run solves electrochemistry and mechanics on one split mesh and exchanges,
per coupled sub-step, the contact state (which Li | SE node pairs touch) and the local current
(which moves each pair's Li surface by j Ω/F dt). Needs ``mechanics.interface_contact =
"frictionless"`` (the interfaces can open) and electrochemistry on.

Void nucleation (physics.md §3.5) is a named rule:

- ``"seeded"``: the voids of the initial morphology (``geometry.interfaces``: contact fraction,
  single void) start open by ``mechanics.void_gap``; stripping can grow them and open new gaps
  wherever creep cannot bring Li to the interface as fast as it is stripped; plating refills
  them. With ``mechanics.adhesion_strength`` σ_ad > 0 a closed contact also holds tension up to
  σ_ad before it opens (rule b).
- ``"vacancy"`` (rule c): the seeded voids, plus vacancy accumulation under each contact pair
  (``[coupling.vacancy]``): stripping injects vacancies at j/F, they diffuse into the Li (D_v) and
  are annihilated at a rate 1/τ_v; a void nucleates at a pair when the vacancies' osmotic
  pressure at the surface, Π = R T c_v, exceeds the contact pressure there plus
  ``nucleation_stress``: the pair then carries no current until Π has fallen below
  ``heal_fraction`` × that (plating refills vacancies).

Plating-side failure (physics.md §3.6, §7) is named in ``[coupling.plating]``: one or both of
``[coupling.plating.flaw]`` (Li pressure in an assumed SE surface flaw of depth a:
Y p_Li √(π a) ≥ K_IC, K_IC the electrolyte's ``fracture_toughness``) and
``[coupling.plating.local_current]`` (the plating current per area in contact, averaged over a
hat window of width ℓ along the interface, ≥ a critical value). Absent: no plating criteria.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ssbstack.config.base import Section
from ssbstack.units import CurrentDensity, Diffusivity, Length, Pressure, Time


class Vacancy(Section):
    """Vacancy accumulation under the contact (nucleation rule c, physics.md §3.5)."""

    diffusivity: Diffusivity = Field(
        8e-15, gt=0.0, description="D_v, m²/s (default: Li self-diffusion, 8e-11 cm²/s, Messer & "
        "Noack 1975)"
    )
    lifetime: Time = Field(gt=0.0, description="τ_v: vacancy annihilation time at sinks, s")
    nucleation_stress: Pressure = Field(
        gt=0.0, description="σ_nuc, Pa: a void nucleates where R T c_v at the surface exceeds "
        "the contact pressure + σ_nuc"
    )
    heal_fraction: float = Field(
        0.5, ge=0.0, lt=1.0, description="a nucleated pair conducts again once R T c_v at its "
        "surface is below this × (contact pressure + σ_nuc)"
    )
    cells: int = Field(60, ge=10, le=2000, description="cells of each pair's 1D depth grid")
    quasi_steady: bool = Field(
        False, description="profiles at their steady state for each sub-step's current, "
        "R T c_v(0) = R T (j/F) √(τ_v/D_v), and a nucleated pair stays a void while its "
        "electrode strips (it heals once it plates): for half cycles ≫ τ_v, where following "
        "every nucleate-heal cycle of τ_v would cost ~1e4 sub-steps per hour")
    depth: float = Field(
        8.0, gt=1.0, description="grid depth in diffusion lengths √(D_v τ_v)"
    )
    margin_change_tolerance: float = Field(
        0.05, gt=0.0, le=1.0, description="quasi-steady: largest relative change of the "
        "largest nucleation margin Π/(p_c + σ_nuc) in one coupled sub-step (one moving more "
        "than twice this is redone smaller, down to τ_v): resolves the margin's peak after a "
        "current change, on which a fitted τ_v rests")


class FlawCriterion(Section):
    """Plating failure by a crack from an SE surface flaw: Y p_Li √(π a) ≥ K_IC (physics.md §7)."""

    depth: Length = Field(
        gt=0.0, description="a: depth of the surface flaw, m (assumed: flaws are not measured)")
    geometry_factor: float = Field(
        1.12, gt=0.0, description="Y of the stress intensity Y p √(π a) (1.12: edge flaw)")
    position: list[Length] = Field(
        default_factory=list, max_length=2, description="in-plane coordinates of one flaw, m (x "
        "in 2D and axisymmetric, x y in 3D): p_Li is read at the nearest pair of the plating "
        "electrode; empty (default): flaws everywhere, the worst pair counts")


class LocalCurrentCriterion(Section):
    """Plating failure by a local current above a critical value (physics.md §7)."""

    window: Length = Field(
        gt=0.0, description="ℓ, m: the plating current per area in contact is averaged round "
        "each pair in contact with the hat weight max(0, 1 − 2d/ℓ) along the interface "
        "(∫K χ j dA / ∫K χ dA): a mesh-converged measure once ℓ spans a few interface elements")
    critical: CurrentDensity = Field(
        gt=0.0, description="the windowed plating current per area in contact that fails the "
        "cell, A/m² (a stated threshold: empirical, not derived)")


class Plating(Section):
    """Named plating-failure criteria, each optional; at least one (physics.md §3.6)."""

    flaw: FlawCriterion | None = None
    local_current: LocalCurrentCriterion | None = None

    @model_validator(mode="after")
    def _named(self) -> Plating:
        if self.flaw is None and self.local_current is None:
            raise ValueError("name at least one criterion: [coupling.plating.flaw] or "
                             "[coupling.plating.local_current]")
        return self


class Coupling(Section):
    """Coupled electro-chemo-mechanics (physics.md §7). Off unless ``enabled``."""

    enabled: bool = False
    nucleation: Literal["seeded", "vacancy"] = Field(
        "seeded", description="void nucleation rule: 'seeded' (the voids of the initial "
        "morphology, open by mechanics.void_gap) or 'vacancy' (those plus vacancy accumulation, "
        "[coupling.vacancy])"
    )
    vacancy: Vacancy | None = None
    plating: Plating | None = Field(
        None, description="plating-side failure criteria (flaw, local current); none by default")
    conducting_gap: Length = Field(
        1e-9, gt=0.0, description="a node pair passes current in proportion to "
        "max(0, 1 − g / this), m: closed contacts (g ≤ 0) carry the full current"
    )
    surface_motion_fraction: float = Field(
        0.1, gt=0.0, le=1.0, description="largest Li surface motion per coupled sub-step, as a "
        "fraction of the smallest interface element"
    )
    max_contact_changes: int = Field(
        4, ge=1, description="node pairs that may open or close in one sub-step; above it the "
        "next sub-step is halved, above 4× it the sub-step is redone halved"
    )
    max_iterations: int = Field(
        12, ge=1, description="fixed-point iterations (contact ↔ current) per sub-step"
    )
    tolerance: float = Field(
        1e-3, gt=0.0, lt=1.0, description="converged when the contact update, or the change "
        "since the last iteration, moves less than this fraction of the interface current "
        "(Σ_p A_p |Δj_p| / Σ_p A_p |j_p| over the coupled pairs)"
    )
    plating_spread_length: Length = Field(
        0.0, ge=0.0, description="m: Li plated where the current enters spreads over the Li "
        "surface within this distance (hat weight; surface diffusion, wetting), so plating "
        "refills the voids next to a contact; 0: the deposit stays where it enters (assumed "
        "length, not fitted)")
    plating_levels: Literal["none", "interface", "contact"] = Field(
        "none", description="where plated Li levels: 'none' (it stays where the current "
        "enters, or spreads over plating_spread_length), 'interface' (every pair of an "
        "interface rises at the interface's mean plating speed: the deposit refills the voids; "
        "the limit of an unbounded plating_spread_length), 'contact' (levelled evenly over the "
        "conducting Li, gap < conducting_gap: flat under each contact, none into a void); an "
        "assumption, not a measured reach")
    min_contact_fraction: float = Field(
        0.02, ge=0.0, lt=1.0, description="stripping-limited failure when the stripping "
        "electrode's contact fraction falls below this"
    )

    @model_validator(mode="after")
    def _one_spread(self) -> Coupling:
        if self.plating_levels != "none" and self.plating_spread_length > 0.0:
            raise ValueError("plating_levels and plating_spread_length exclude each other "
                             "(levelling is the unbounded spread)")
        return self
