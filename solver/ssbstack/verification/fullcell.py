"""Verification of full-cell swelling in a stack-pressure fixture (``cases/verification/fullcell_swelling``,
``alloy_swelling``: the same with a Li-Al alloy anode whose lithiation_molar_volume Ω_a replaces Ω_Li).

An elastic Li | LPSCl | cathode stack with roller sides (uniaxial strain). Charging q (C/m²) plates
Li on the anode, which thickens by Ω_Li q/F, and takes Li out of the cathode, which shrinks by
Ω_c q/F (its ``lithiation_molar_volume``; a stack-direction eigenstrain). The fixture (P = P₀ + k Δh/A)
and the stack (compliance C = Σ L_i/M_i, M the confined modulus) share the free thickness change
Δh_free = (Ω_Li − Ω_c) q/F in series:

    ΔP = Δh_free / (A/k + C)

— a fixed gap of frame stiffness k, a rigid gap (A/k = 0) and source C's springs (A/k ≫ C, so
ΔP ≈ k Δh_free/A). The anode's own thickness change is Ω_Li q/F − ΔP L_Li/M_Li, i.e. 4.85 µm per
mAh/cm² of plated Li less its elastic shortening. Each ``verify_<name>(comm)`` returns
``(reference, computed, rel_error, tolerance)``.
"""

from __future__ import annotations

from typing import Any

from ssbstack.config.loader import load_case
from ssbstack.config.schema import FARADAY, Case
from ssbstack.verification.mechanics import _relative, case_file, run_history, stack_compliance

FRAME = ['mechanics.stiffness="2e10 N/m"']  # A/k = 5e-15 m/Pa on 1 cm², C = 4.1e-15 m/Pa
SPRINGS = ['mechanics.fixture="constant_pressure"', 'mechanics.stiffness="16.5 lb/mm"']
LI_PER_CAPACITY = 4.85e-6 / 36000.0  # m per C/m²: papers.md, 1 mAh/cm² of Li = 4.85 µm


def anode_molar_volume(case: Case) -> float:
    """Thickness change (m³/mol) of the first layer per mole of Li put into it: Li metal's molar
    volume, or an alloy anode's ``lithiation_molar_volume``."""
    anode = case.material(case.stack[0].name)
    return anode.molar_volume if anode.kind == "metal" else anode.lithiation_molar_volume


def free_swelling(case: Case, charge: float) -> float:
    """Δh_free (m) of the stack when ``charge`` (C/m², positive = charge) moves Li from the
    cathode (last layer) to the anode (first layer: Li metal or an alloy)."""
    cathode = case.material(case.stack[-1].name)
    return charge / FARADAY * (anode_molar_volume(case) - cathode.lithiation_molar_volume)


def pressure_rise_reference(case: Case, charge: float) -> float:
    """ΔP = Δh_free / (A/k + C) (Pa) for ``charge`` (C/m²); A/k = 0 for a rigid gap."""
    kappa = case.mechanics.stiffness_per_area()
    return free_swelling(case, charge) / (1.0 / kappa + stack_compliance(case))


def charged_run(comm: Any, overrides: list[str], duration: float | None = None,
                name: str = "fullcell_swelling") -> tuple[Case, float, list[dict[str, float]]]:
    """(case, charge in C/m², rows at P₀ and after the charge) of the swelling case ``name``
    with ``overrides``, charged for ``duration`` (s; default the case's protocol step)."""
    case = load_case(case_file(name), overrides)
    step = case.protocol.expanded()[0]
    duration = step.duration if duration is None else duration
    _, rows = run_history(case, comm, [duration], step.current_density)
    return case, -step.current_density * duration, rows


def swelling_check(comm: Any, overrides: list[str], duration: float | None = None,
                   name: str = "fullcell_swelling") -> tuple[float, float, float, float]:
    """ΔP of the run against the closed form (tolerance 1e-8: elastic, exact in the FE space)."""
    case, charge, rows = charged_run(comm, overrides, duration, name)
    reference = pressure_rise_reference(case, charge)
    computed = rows[-1]["stack_pressure_Pa"] - rows[0]["stack_pressure_Pa"]
    return reference, computed, _relative(reference, computed), 1e-8


def verify_fixed_gap_swelling(comm: Any) -> tuple[float, float, float, float]:
    """Fixed gap with A/k ≈ C: ΔP = Δh_free / (A/k + C) after charging 0.028 mAh/cm²."""
    return swelling_check(comm, FRAME)


def verify_rigid_gap_swelling(comm: Any) -> tuple[float, float, float, float]:
    """Rigid gap: ΔP = Δh_free / C (the stack alone takes the swelling)."""
    return swelling_check(comm, [], duration=2.0)


def verify_springs_swelling(comm: Any) -> tuple[float, float, float, float]:
    """Source C's springs (16.5 lb/mm on 1 cm²): ΔP = Δh_free / (A/k + C) ≈ k Δh_free / A after
    charging 1 mAh/cm²."""
    return swelling_check(comm, SPRINGS, duration=3600.0)


def anode_thickening_per_charge(comm: Any, name: str = "fullcell_swelling") -> float:
    """The anode's free thickening per charge (m per C/m²) after 1 h at the case's current in
    source C's springs: (Δh_anode + ΔP L/M)/q, M the anode's confined modulus."""
    case, charge, rows = charged_run(comm, SPRINGS, 3600.0, name)
    anode = case.stack[0]
    material = case.material(anode.name)
    e, nu = material.youngs_modulus, material.poisson_ratio
    confined = e * (1 - nu) / ((1 + nu) * (1 - 2 * nu))
    rise = rows[-1]["stack_pressure_Pa"] - rows[0]["stack_pressure_Pa"]
    thickening = rows[-1]["li_thickness_m"] - rows[0]["li_thickness_m"] + rise * anode.thickness / confined
    return thickening / charge


def verify_plated_li_per_capacity(comm: Any) -> tuple[float, float, float, float]:
    """The Li anode's free thickening per charge against papers.md's 4.85 µm per mAh/cm²
    (tolerance 1e-3: that constant has three digits)."""
    computed = anode_thickening_per_charge(comm)
    return LI_PER_CAPACITY, computed, _relative(LI_PER_CAPACITY, computed), 1e-3


def verify_alloy_anode_swelling(comm: Any) -> tuple[float, float, float, float]:
    """Li-Al alloy anode | LPSCl | cathode in the frame of ``FRAME``: ΔP = Δh_free / (A/k + C)
    with the alloy's Ω_a in Δh_free (``cases/verification/alloy_swelling``)."""
    return swelling_check(comm, FRAME, name="alloy_swelling")


def verify_alloy_anode_thickening(comm: Any) -> tuple[float, float, float, float]:
    """The alloy anode's free thickening per charge equals Ω_a/F (9.5 cm³/mol: 0.98 µm per
    mAh/cm²), to 1e-8."""
    case = load_case(case_file("alloy_swelling"))
    reference = anode_molar_volume(case) / FARADAY
    computed = anode_thickening_per_charge(comm, "alloy_swelling")
    return reference, computed, _relative(reference, computed), 1e-8
