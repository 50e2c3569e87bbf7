"""Coupling section of a case: current ↔ creep ↔ contact in one time step (physics.md §3.5, §7).

With ``enabled``, the run solves electrochemistry and mechanics on one split mesh and exchanges,
per coupled sub-step, the contact state (which Li | SE node pairs touch) and the local current
(which moves each pair's Li surface by j Ω/F dt). Needs ``mechanics.interface_contact =
"frictionless"`` (the interfaces can open) and electrochemistry on.

Void nucleation (physics.md §3.5) is a named rule. Only ``"seeded"`` exists so far: the voids
of the initial morphology (``geometry.interfaces``: contact fraction, single void) start open by
``mechanics.void_gap``; stripping can grow them and open new gaps wherever creep cannot bring Li
to the interface as fast as it is stripped; plating refills them. The contact holds no tension
(σ_ad = 0). Adhesion (σ_ad > 0) and vacancy accumulation are not implemented yet.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ssbstack.config.base import Section
from ssbstack.units import Length


class Coupling(Section):
    """Coupled electro-chemo-mechanics (physics.md §7). Off unless ``enabled``."""

    enabled: bool = False
    nucleation: Literal["seeded"] = Field(
        "seeded", description="void nucleation rule: 'seeded' (the voids of the initial "
        "morphology, open by mechanics.void_gap; no adhesion: contact opens under any tension)"
    )
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
        1e-3, gt=0.0, lt=1.0, description="converged when the pair currents change by less than "
        "this × the mean current between iterations"
    )
    min_contact_fraction: float = Field(
        0.02, ge=0.0, lt=1.0, description="stripping-limited failure when the stripping "
        "electrode's contact fraction falls below this"
    )
