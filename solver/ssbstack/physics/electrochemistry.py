"""Li⁺ transport in the solid electrolyte, electrode kinetics and thin interlayers (physics.md §3.1–3.3).

Forms only: no meshes are made, nothing is solved or written here.

Unknowns: the electrolyte potential φ_e (V) in the electrolyte, the cell voltage V (V, one global
dof in a real space) and, for an electrode with a thin interlayer, the sheet potential ψ (V) on the
interface facets. The electrodes are equipotential (Li: σ ≈ 1.1×10⁷ S/m): the bottom electrode sits
at φ_s = V, the top electrode at φ_s = 0 (ground).

- bulk: ∇·(κ∇φ_e) = 0, i = −κ∇φ_e;
- bare contact: the anodic current into the electrolyte is j = BV(η), η = φ_s − φ_e − U − Ω σ_n/F
  on the contact facets (U the electrode's open-circuit potential vs Li, a constant per interface;
  the stress term is optional: σ_n the normal stress, tension positive, Ω the
  electrode's molar volume; compression, σ_n < 0, favours stripping),
  BV(η) = i₀ [exp(α_a f η) − exp(−α_c f η)] (or i₀ f η when linearised), f = F/RT;
  void facets carry no term, so no current crosses them (natural no-flux condition);
  with the coupling (physics.md §7) every interface facet carries the term, multiplied by a
  contact indicator χ ∈ [0, 1] that the contact state sets (0 where the Li has lost contact);
- thin interlayer (sheet, physics.md §3.3): the sheet covers the whole interface (contact and void
  facets). Its potential is ψ = φ_s + δ; the unknown is the deviation δ from the electrode
  potential. The electrode feeds the sheet through its contact facets with the normal area
  resistance R_n, j_n = χ (φ_s − ψ)/R_n = −χ δ/R_n (R_n = 0: δ = 0 there, imposed by the caller
  as a Dirichlet condition; with the coupling the Li touches the film where χ says, on every
  interface facet, and the film's current into the electrolyte is not gated); the sheet passes
  current to the electrolyte everywhere with j = BV(ψ − φ_e); and it carries current laterally
  with the sheet conductance G (S):
  −∇_Γ·(G ∇_Γ δ) = j_n − j on the interface Γ. δ is a function of the electrolyte mesh held at 0
  off the interface; every sheet integral is a ``ds`` integral on the interface, with the surface
  gradient ∇_Γδ = ∇δ − (∇δ·n)n.
  The lateral current is Li moving through the film (physics.md §3.3): electrons only close the
  circuit, so the film's electronic conductance does not enter. δ is the film's Li chemical
  potential relative to Li metal, δ = (μ_Li − μ_Li°)/F, and the film is an ideal solution of Li
  (thermodynamic factor 1, assumed): its Li content is c = c₀ θ with θ = exp(f δ), c₀ the
  content in equilibrium with Li metal. Lateral Li flux (as current per unit length) is
  −(G + G_film θ) ∇δ, where G_film = D c₀ t F²/(RT) (Nernst–Einstein for Li diffusing with D)
  and G a fixed conductance; so G_film θ ∇δ = F D c₀ t ∇θ is Fick's law in θ. The film holds
  the Li inventory Q θ, Q = F c₀ t (C/m²), which changes as Q (θ − θ_old)/Δt per step (backward
  Euler; ``inverse_dt`` = 0 gives the steady state). Over a void the film can deliver only the
  Li that diffuses in and what it holds; θ → 0 (δ → −∞) when that runs out. Small δ (f|δ| ≪ 1)
  gives the linear sheet of conductance G + G_film. With G = G_film = 0 and R_n = 0 the sheet is
  exactly the bare contact. The δ row is multiplied by ``row_scale`` (dimensionless), which
  leaves the solution unchanged and keeps its round-off at the scale of the φ_e rows;
- control: galvanostatic ∫_bottom j dA = i_app A_nominal, or potentiostatic V = V_set, switched
  by the constant ``galvanostatic`` (1 or 0) so one compiled form serves every protocol step.

Every integrand carries ``weight`` (1, or 2πr on an axisymmetric r–z mesh), so integrals are
areas (m²) and currents (A) of the real cell; in planar 2D they are per unit depth (m, A/m).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ufl

from ssbstack.units import FARADAY, GAS_CONSTANT  # noqa: F401  (re-exported)


@dataclass
class ContactKinetics:
    """Kinetics of one electrode contact (all values UFL constants or floats, SI units)."""

    exchange_current: Any  # i₀, A/m²
    alpha_anodic: float
    alpha_cathodic: float
    linear: bool  # j = η f i₀ instead of Butler–Volmer (f = F/RT)

    @classmethod
    def at(cls, kinetics: Any, temperature: float) -> ContactKinetics:
        """A case's ``Kinetics`` at ``temperature`` (K)."""
        return cls(kinetics.exchange_current(temperature), kinetics.alpha_anodic,
                   kinetics.alpha_cathodic, kinetics.form == "linear")

    def resistance(self, f: Any) -> Any:
        """Small-signal kinetic resistance RT/(F i₀ (α_a + α_c)) (Ω m²; i₀ f alone when
        linear); ``f`` = F/RT in 1/V."""
        return 1.0 / (f * self.exchange_current * (
            1.0 if self.linear else self.alpha_anodic + self.alpha_cathodic))


def butler_volmer(eta: Any, kinetics: ContactKinetics, f: Any, exp: Callable = ufl.exp) -> Any:
    """Anodic current density (A/m²) at overpotential ``eta`` (V); ``f`` = F/(RT) in 1/V.

    ``exp`` is ``ufl.exp`` for forms or ``numpy.exp`` for nodal values."""
    i0 = kinetics.exchange_current
    if kinetics.linear:
        return i0 * f * eta
    return i0 * (exp(kinetics.alpha_anodic * f * eta) - exp(-kinetics.alpha_cathodic * f * eta))


def surface_gradient(u: Any) -> Any:
    """∇u − (∇u·n) n on a facet of ``u``'s mesh (use in ``ds`` integrals): the gradient along
    the interface, exact for the facet's trace whatever ``u`` does off it (1/m × u)."""
    n = ufl.FacetNormal(u.ufl_function_space().mesh)
    gradient = ufl.grad(u)
    return gradient - ufl.dot(gradient, n) * n


@dataclass
class Sheet:
    """A thin interlayer on one electrode (physics.md §3.3)."""

    deviation: Any  # δ = ψ − φ_s, V: a Function of the electrolyte mesh, 0 off the interface
    lateral_conductance: Any  # G, S: fixed lateral Li conductance
    normal_resistance: float  # R_n, Ω m² between the electrode and the sheet (0: δ = 0 there)
    ds_contact: Any  # electrolyte-mesh measure of the facets where the electrode touches the sheet
    row_scale: Any = 1.0  # multiplies the δ row (dimensionless)
    film_conductance: Any = 0.0  # G_film = D c₀ t F²/(RT), S, scaled by θ = exp(f δ)
    inventory: Any = 0.0  # Q = F c₀ t, C/m²: the film's Li at θ = 1
    previous: Any = 0.0  # δ of the last accepted step, V
    inverse_dt: Any = 0.0  # 1/Δt, 1/s (0: steady state)
    feed: Any = 1.0  # χ ∈ [0, 1]: where the electrode touches the film (coupling), on ds_contact

    def feed_current(self) -> Any:
        """Li current from the electrode into the film, χ (φ_s − ψ)/R_n = −χ δ/R_n (A/m²;
        needs R_n > 0)."""
        return -self.feed * self.deviation / self.normal_resistance

    def lithiation(self, f: Any, exp: Callable = ufl.exp) -> Any:
        """θ = c/c₀ = exp(f δ) (dimensionless); ``f`` = F/RT in 1/V."""
        return exp(f * self.deviation)

    def conductance(self, f: Any) -> Any:
        """Lateral Li conductance G + G_film θ (S)."""
        return self.lateral_conductance + self.film_conductance * self.lithiation(f)

    def storage(self, f: Any) -> Any:
        """Rate of Li taken up by the film, Q (θ − θ_old)/Δt (A/m²)."""
        return self.inventory * self.inverse_dt * (self.lithiation(f)
                                                   - ufl.exp(f * self.previous))

    def row(self, current: Any, f: Any, test: Any) -> Any:
        """Li balance of the film per unit area against ``test`` (A/m² × test): storage +
        lateral divergence + the current it passes into the electrolyte (the feed from the
        electrode is added by the caller)."""
        return (self.conductance(f) * ufl.inner(surface_gradient(self.deviation),
                                                surface_gradient(test))
                + (self.storage(f) + current) * test)


@dataclass
class Electrode:
    """One electrode as the electrolyte sees it."""

    potential: Any  # φ_s, V (the cell voltage for the bottom electrode, 0 for the top)
    kinetics: ContactKinetics
    ds: Any  # where current enters the electrolyte: contact facets (bare), the whole interface
    # (sheet), or a volume measure for a homogenised cathode (then j is per volume, A/m³)
    sheet: Sheet | None = None
    shift: Any = 0.0  # subtracted from η, V: U + Ω σ_n / F (stress coupling: 0.134 mV/MPa)
    indicator: Any = 1.0  # contact indicator χ ∈ [0, 1]: the share of ds in contact (coupling)

    def overpotential(self, phi: Any) -> Any:
        """η = φ_s (+ δ under a sheet) − φ_e − shift, V."""
        if self.sheet is not None:
            return self.potential + self.sheet.deviation - phi - self.shift
        return self.potential - phi - self.shift


@dataclass
class ElectrolyteForms:
    """UFL pieces of the electrolyte problem, for the solver and for post-processing."""

    residual: list[Any]  # blocks [φ_e, V, δ of each sheet (bottom first)]
    unknowns: list[Any]  # the Functions of those blocks
    currents: tuple[Any, Any]  # anodic current density into the electrolyte (bottom, top), A/m²
    etas: tuple[Any, Any]  # kinetic overpotentials (bottom, top), V
    joule_heating: Any  # κ |∇φ_e|², W/m³ (its integral / current = ohmic voltage)
    sheet_dissipation: list[Any]  # per sheet: forms whose integral is the sheet's power, W


def electrolyte_forms(
    phi: Any,
    voltage: Any,
    conductivity: Any,
    bottom: Electrode,
    top: Electrode,
    f: Any,
    applied_current: Any,
    nominal_area: Any,
    reaction_area: Any,
    set_voltage: Any,
    galvanostatic: Any,
    conductance_scale: Any,
    weight: Any = 1.0,
    leakage_conductance: Any = 0.0,
) -> ElectrolyteForms:
    """Residual of the electrolyte + cell-voltage (+ sheet) problem.

    ``applied_current`` (A/m² of nominal area), ``nominal_area`` and ``reaction_area`` (the
    measure of ``bottom.ds``; m² in 3D and axisymmetric, m in planar 2D) make the galvanostatic
    constraint ∫_bottom j = i_app A_nominal; ``set_voltage`` (V) and ``conductance_scale`` (S/m²,
    scales the potentiostatic row) serve potentiostatic steps; ``weight`` is 1 or 2πr.
    ``leakage_conductance`` G_e (S; S/m per unit depth in planar 2D) carries the electronic
    current G_e (φ_s,bottom − φ_s,top) through the electrolyte, in parallel with the Li⁺ current:
    galvanostatic control then holds ∫_bottom j + G_e ΔV = i_app A_nominal.
    """
    v_phi = ufl.TestFunction(phi.function_space)
    v_volt = ufl.TestFunction(voltage.function_space)
    dx = ufl.dx(domain=phi.function_space.mesh)
    currents = tuple(e.indicator * butler_volmer(e.overpotential(phi), e.kinetics, f)
                     for e in (bottom, top))
    residual_phi = conductivity * ufl.inner(ufl.grad(phi), ufl.grad(v_phi)) * weight * dx
    for electrode, current in zip((bottom, top), currents, strict=True):
        residual_phi -= current * v_phi * weight * electrode.ds
    leakage = leakage_conductance * (bottom.potential - top.potential)
    galvanostatic_row = currents[0] + (leakage - applied_current * nominal_area) / reaction_area
    potentiostatic_row = conductance_scale * (voltage - set_voltage)
    residual_v = (
        galvanostatic * galvanostatic_row + (1 - galvanostatic) * potentiostatic_row
    ) * v_volt * weight * bottom.ds
    residual, unknowns, dissipation = [residual_phi, residual_v], [phi, voltage], []
    for electrode, current in zip((bottom, top), currents, strict=True):
        sheet = electrode.sheet
        if sheet is None:
            continue
        delta = sheet.deviation
        w = ufl.TestFunction(delta.function_space)
        row = sheet.row(current, f, w) * weight * electrode.ds
        # lateral dissipation + the power stored as Li in the film (the δ row tested with δ)
        power = (sheet.conductance(f) * ufl.inner(surface_gradient(delta), surface_gradient(delta))
                 + sheet.storage(f) * delta) * weight * electrode.ds
        if sheet.normal_resistance > 0.0:
            row -= sheet.feed_current() * w * weight * sheet.ds_contact
            power -= sheet.feed_current() * delta * weight * sheet.ds_contact
        residual.append(sheet.row_scale * row)
        unknowns.append(delta)
        dissipation.append(power)
    joule = conductivity * ufl.inner(ufl.grad(phi), ufl.grad(phi))
    etas = (bottom.overpotential(phi), top.overpotential(phi))
    return ElectrolyteForms(residual, unknowns, currents, etas, joule, dissipation)


def alloy_diffusion_residual(concentration: Any, previous: Any, dt: Any, diffusivity: Any,
                             molar_flux: Any, ds_reaction: Any, weight: Any = 1.0) -> Any:
    """Backward-Euler residual of Li diffusion in a volume interlayer (physics.md §3.3).

    ∂c/∂t = ∇·(D∇c) in the layer (c in mol/m³, D in m²/s, dt in s; D a constant or a UFL
    expression of c, e.g. :func:`tabulated_diffusivity`: the residual is then nonlinear in c);
    the reaction at its contact
    with the electrolyte removes Li at ``molar_flux`` = j/F (mol/m²/s, j the anodic current into
    the electrolyte): −D∇c·n = j/F there; every other boundary is closed.
    """
    w = ufl.TestFunction(concentration.function_space)
    dx = ufl.dx(domain=concentration.function_space.mesh)
    return ((concentration - previous) / dt * w
            + diffusivity * ufl.inner(ufl.grad(concentration), ufl.grad(w))) * weight * dx \
        + molar_flux * w * weight * ds_reaction



def piecewise_linear(x: Any, rows: Sequence[tuple[float, float]]) -> Any:
    """Piecewise-linear interpolation of ``rows`` [(x_k, y_k)] (x increasing) at the UFL value
    ``x``, constant beyond the first and last rows (units of y)."""
    value: Any = float(rows[0][1])
    for (xa, ya), (xb, yb) in itertools.pairwise(rows):
        slope = (yb - ya) / (xb - xa)
        value = value + slope * (ufl.min_value(ufl.max_value(x, xa), xb) - xa)
    return value


def tabulated_diffusivity(fraction: Any, rows: Sequence[tuple[float, float]]) -> Any:
    """D(x) (m²/s) of a volume interlayer from a table [(x_k, D_k)] at x = c/c_max: ln D
    piecewise linear in x (D spans decades between phases), constant beyond the ends."""
    return ufl.exp(piecewise_linear(fraction, [(x, math.log(d)) for x, d in rows]))
