"""Li⁺ transport in the solid electrolyte with Butler–Volmer electrode contacts (physics.md §3.1–3.2).

Forms only: no meshes are made, nothing is solved or written here.

Unknowns: the electrolyte potential φ_e (V) in the electrolyte, and the cell voltage V (V, one
global dof in a real space). The electrodes are equipotential (Li: σ ≈ 1.1×10⁷ S/m): the bottom
electrode sits at φ_s = V, the top electrode at φ_s = 0 (ground).

- bulk: ∇·(κ∇φ_e) = 0, i = −κ∇φ_e;
- contact facets: the anodic current into the electrolyte is j = BV(η), η = φ_s − φ_e − U,
  BV(η) = i₀ [exp(α_a f η) − exp(−α_c f η)] (or η / R_ct when linearised), f = F/RT;
  void facets carry no term, so no current crosses them (natural no-flux condition);
- control: galvanostatic ∫_bottom j dA = i_app A_nominal, or potentiostatic V = V_set, switched
  by the constant ``galvanostatic`` (1 or 0) so one compiled form serves every protocol step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ufl

FARADAY = 96485.33212  # C/mol
GAS_CONSTANT = 8.314462618  # J/(mol K)


@dataclass
class ContactKinetics:
    """Kinetics of one electrode contact (all values UFL constants or floats, SI units)."""

    exchange_current: Any  # i₀, A/m²
    alpha_anodic: float
    alpha_cathodic: float
    linear: bool  # j = η f i₀ instead of Butler–Volmer (f = F/RT)


def butler_volmer(eta: Any, kinetics: ContactKinetics, f: Any) -> Any:
    """Anodic current density (A/m²) at overpotential ``eta`` (V); ``f`` = F/(RT) in 1/V."""
    i0 = kinetics.exchange_current
    if kinetics.linear:
        return i0 * f * eta
    return i0 * (ufl.exp(kinetics.alpha_anodic * f * eta) - ufl.exp(-kinetics.alpha_cathodic * f * eta))


@dataclass
class ElectrolyteForms:
    """UFL pieces of the electrolyte problem, for the solver and for post-processing."""

    residual: list[Any]  # blocks [φ_e, V]
    current_bottom: Any  # anodic current density on the bottom contact facets, A/m²
    current_top: Any  # anodic current density on the top contact facets, A/m² (negative when plated)
    eta_bottom: Any
    eta_top: Any
    joule_heating: Any  # κ |∇φ_e|², W/m³ (its integral / current = ohmic voltage)


def electrolyte_forms(
    phi: Any,
    voltage: Any,
    conductivity: Any,
    bottom: ContactKinetics,
    top: ContactKinetics,
    ds_bottom: Any,
    ds_top: Any,
    f: Any,
    applied_current: Any,
    nominal_area: Any,
    contact_area: Any,
    set_voltage: Any,
    galvanostatic: Any,
    conductance_scale: Any,
) -> ElectrolyteForms:
    """Residual of the electrolyte + cell-voltage problem.

    ``applied_current`` (A/m² of nominal area), ``nominal_area`` and ``contact_area`` (m² in 3D,
    m in 2D) make the galvanostatic constraint ∫_bottom j = i_app A_nominal; ``set_voltage`` (V)
    and ``conductance_scale`` (S/m², scales the potentiostatic row) serve potentiostatic steps.
    """
    space_phi, space_v = phi.function_space, voltage.function_space
    v_phi = ufl.TestFunction(space_phi)
    v_volt = ufl.TestFunction(space_v)
    eta_bottom = voltage - phi
    eta_top = -phi
    j_bottom = butler_volmer(eta_bottom, bottom, f)
    j_top = butler_volmer(eta_top, top, f)
    dx = ufl.dx(domain=space_phi.mesh)
    flux = conductivity * ufl.inner(ufl.grad(phi), ufl.grad(v_phi)) * dx
    residual_phi = flux - j_bottom * v_phi * ds_bottom - j_top * v_phi * ds_top
    galvanostatic_row = j_bottom - applied_current * nominal_area / contact_area
    potentiostatic_row = conductance_scale * (voltage - set_voltage)
    residual_v = (
        galvanostatic * galvanostatic_row + (1 - galvanostatic) * potentiostatic_row
    ) * v_volt * ds_bottom
    joule = conductivity * ufl.inner(ufl.grad(phi), ufl.grad(phi))
    return ElectrolyteForms(
        [residual_phi, residual_v], j_bottom, j_top, eta_bottom, eta_top, joule
    )
