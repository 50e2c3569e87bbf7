"""Li creep and stack elasticity: UFL forms and the quadrature-point return map (physics.md §3.4).

Everything here is SI (Pa, m, s) except inside the Norton law, where σ is in MPa.

Kinematics. One continuous displacement field u over all layers, updated Lagrangian: each
(sub-)step solves for the increment Δu on the current geometry; stresses are stored at quadrature
points and updated incrementally (hypoelastic, small rotations per step). Strains and stresses are
Mandel vectors (shear components × √2, so σ:ε = σ·ε):

- plane strain (planar 2D, y up): [xx, yy, zz, √2 xy], ε_zz = 0;
- axisymmetric (x = r, y = z): [rr, zz, θθ, √2 rz], ε_θθ = u_r / r, measure 2π r dx;
- 3D (z up): [xx, yy, zz, √2 yz, √2 xz, √2 xy].

Constitutive update (backward Euler, J2 radial return). With the trial deviator
s_tr = s_n + 2G Δe and q_tr = √(3/2 s_tr:s_tr), the equivalent creep increment Δp solves

    q = q_tr − 3G Δp,   Δp = Δt f(q),

with f the creep law. We solve it in z = ln Δp as F(z) = f⁻¹(e^z/Δt) + 3G e^z − q_tr = 0: F is
convex and increasing in z for the Norton and Garofalo laws, so Newton started right of the root converges
monotonically over any number of decades of strain rate. The consistent tangent is

    C_t = K 1⊗1 + 2G (q/q_tr) I_dev + (4G/3) [S/(S + 3G Δp) − q/q_tr] N⊗N,  N = 3/2 s_tr/q_tr,

with S = dq/d ln(ε̇) of the law at q.

Anand viscoplasticity (Narayan & Anand 2018; Anand & Narayan, J. Electrochem. Soc. 166 (2019)
A1092): ε̇ = A e^(−Q/RT) (q/s)^(1/m) with a deformation resistance s per point. Within a
sub-step s is held at its start value s_n, which makes the law exactly a Norton law with the
per-point stress scale s_n, so the return map and its consistent tangent above apply
unchanged (the tangent is exact for this frozen-s algorithm). Once the sub-step has converged,
s_{n+1} follows from backward Euler of ṡ = h0 |1 − s/s*|^a sign(1 − s/s*) ε̇ at the sub-step's rate
ε̇ = Δp/Δt (a monotone scalar equation per point, root between s_n and s*). The scheme is first
order in time; the sub-step control bounds the lag of s by limiting its relative change per
sub-step (``resistance_change_tolerance``).

Stripping and plating. A stripping velocity v = j Ω/F at the Li | SE interface removes a Li volume
v Δt per area. At a bonded interface it enters as a uniaxial (thickness-direction) eigenstrain
increment −v Δt / h spread through the electrode's thickness h (volume and thickness exact, place
not). At a frictionless contact it moves the Li surface itself: the gap of each node pair grows by
v Δt (see :func:`contact_pair_forces` and :mod:`ssbstack.numerics.contact`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import ufl

from ssbstack.config.materials import GAS_CONSTANT, Material
from ssbstack.config.mechanics import CreepLaw

Kinematics = Literal["plane_strain", "axisymmetric", "3d"]
SQRT2 = math.sqrt(2.0)
SQRT3 = math.sqrt(3.0)
MPA = 1e6


def components(kinematics: Kinematics) -> int:
    """Length of the Mandel strain/stress vector."""
    return 6 if kinematics == "3d" else 4


def identity_vector(kinematics: Kinematics) -> np.ndarray:
    """The identity tensor as a Mandel vector."""
    eye = np.zeros(components(kinematics))
    eye[:3] = 1.0
    return eye


def vertical_axis(kinematics: Kinematics) -> int:
    """Index of the stack direction (y in 2D, z in 3D)."""
    return 2 if kinematics == "3d" else 1


def strain_vector(u: Any, kinematics: Kinematics, x: Any = None) -> Any:
    """Small-strain Mandel vector of ``u`` (UFL). ``x`` (spatial coordinate) for axisymmetry."""
    e = ufl.sym(ufl.grad(u))
    if kinematics == "3d":
        return ufl.as_vector([e[0, 0], e[1, 1], e[2, 2],
                              SQRT2 * e[1, 2], SQRT2 * e[0, 2], SQRT2 * e[0, 1]])
    hoop = u[0] / x[0] if kinematics == "axisymmetric" else 0.0
    return ufl.as_vector([e[0, 0], e[1, 1], hoop, SQRT2 * e[0, 1]])


def measure_weight(kinematics: Kinematics, x: Any) -> Any:
    """Volume weight: 2π r for axisymmetry, 1 otherwise (2D forces are per metre of depth)."""
    return 2.0 * math.pi * x[0] if kinematics == "axisymmetric" else 1.0


@dataclass(frozen=True)
class MechanicsForms:
    """UFL forms of one Newton iteration (Δu is ``du``; σ and C_t are quadrature functions)."""

    residual: Any  # ∫ σ·ε(v): internal force vector (N, or N/m in 2D)
    tangent: Any  # ∫ (C_t ε(δu))·ε(v)
    reaction: Any  # ∫ σ·ε(w): plate force of the current stress (w = unit plate field)
    reaction_change: Any  # ∫ (C_t ε(z))·ε(w): its linear change along z (a Function)


def build_forms(du: Any, stress: Any, tangent: Any, plate_field: Any, direction: Any,
                kinematics: Kinematics, dx: Any) -> MechanicsForms:
    """Residual, tangent and plate-reaction forms for the increment ``du`` (a Function).

    ``plate_field`` is 1 on the top plate's stack-direction dofs and 0 elsewhere; ``direction`` is
    a Function along which the reaction's linear change is evaluated (the Newton correction).
    """
    space = du.function_space
    x = ufl.SpatialCoordinate(space.mesh)
    weight = measure_weight(kinematics, x)
    v, trial = ufl.TestFunction(space), ufl.TrialFunction(space)

    def eps(w: Any) -> Any:
        return strain_vector(w, kinematics, x)

    return MechanicsForms(
        residual=ufl.dot(stress, eps(v)) * weight * dx,
        tangent=ufl.dot(ufl.dot(tangent, eps(trial)), eps(v)) * weight * dx,
        reaction=ufl.dot(stress, eps(plate_field)) * weight * dx,
        reaction_change=ufl.dot(ufl.dot(tangent, eps(direction)), eps(plate_field)) * weight * dx,
    )


def hertz_pressure(x: Any, centre: Any, half_width: Any, peak: Any) -> Any:
    """Hertz line-contact pressure p = p₀ √⟨1 − ((x − x_c)/a)²⟩ (Pa; 0 outside |x − x_c| < a)
    at lateral coordinate ``x`` (UFL; centre x_c and half-width a in m, peak p₀ in Pa)."""
    s = (x - centre) / half_width
    return peak * ufl.sqrt(ufl.max_value(1.0 - s * s, 0.0))


def surface_load(test: Any, pressure: Any, vertical: int, weight: Any, ds: Any) -> Any:
    """External virtual work of a pressure pushing the surface down, ∫ −p v_vertical ds (N, or
    N/m in 2D): the load vector that balances ∫ σ·ε(v) (UFL)."""
    return -pressure * test[vertical] * weight * ds


# --- creep laws -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreepRate:
    """ε̇_eq(σ_eq) of one law at one temperature, vectorised over numpy arrays (σ in Pa).

    Every law is ε̇ = C g(⟨σ_eq − σ_th⟩/σ_s)^N with g(x) = x (Norton: σ_s = 1 MPa; Anand: σ_s = s,
    N = 1/m) or g = sinh (Garofalo: σ_s = σ_G); σ_th the threshold stress (0 unless the case gives
    one; never for Anand). For Anand the stress scale is per point: ``resistance``
    holds s (Pa) of exactly the points the rate is evaluated at; :meth:`at` takes a subset of them.
    """

    law: CreepLaw
    temperature: float  # K
    resistance: np.ndarray | None = None  # Anand: s (Pa) of the points evaluated

    @property
    def arrhenius(self) -> float:
        """exp(−Q/R (1/T − 1/T_ref)); Anand: the absolute exp(−Q/RT) of the paper."""
        law = self.law
        inverse = 1.0 / self.temperature
        if law.model != "anand":
            inverse -= 1.0 / law.reference_temperature
        return math.exp(-law.activation_energy / GAS_CONSTANT * inverse)

    @property
    def coefficient(self) -> float:
        """C (1/s), the Arrhenius factor included."""
        law = self.law
        base = (law.coefficient_per_s_per_MPa_n if law.model == "norton"
                else law.coefficient_per_s)
        return base * self.arrhenius

    @property
    def power(self) -> float:
        """N: n (Norton, Garofalo) or 1/m (Anand)."""
        law = self.law
        return 1.0 / law.rate_sensitivity if law.model == "anand" else law.exponent

    @property
    def scale(self) -> float | np.ndarray:
        """σ_s (Pa): 1 MPa (Norton), σ_G (Garofalo), s per point (Anand)."""
        law = self.law
        if law.model == "norton":
            return MPA
        if law.model == "garofalo":
            return law.stress_scale
        if self.resistance is None:
            raise ValueError("an Anand creep rate needs the deformation resistance of its points")
        return self.resistance

    @property
    def threshold(self) -> float:
        """σ_th (Pa): no creep below it."""
        return self.law.threshold_stress

    def at(self, index: np.ndarray) -> CreepRate:
        """The same law on a subset ``index`` of its points (Anand: their resistance)."""
        if self.resistance is None:
            return self
        return replace(self, resistance=self.resistance[index])

    @property
    def power_law(self) -> bool:
        """g(x) = x (Norton, Anand) rather than sinh (Garofalo)."""
        return self.law.model != "garofalo"

    def rate(self, q: np.ndarray) -> np.ndarray:
        """Equivalent creep strain rate (1/s) at equivalent stress ``q`` (Pa)."""
        x = np.maximum(q - self.threshold, 0.0) / self.scale
        return self.coefficient * (x if self.power_law else np.sinh(x)) ** self.power

    def stress(self, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Inverse law: σ_eq (Pa) at ``rate`` (1/s) and S = dσ_eq/d ln(rate) (Pa)."""
        excess, slope = self.excess_stress(rate)
        return self.threshold + excess, slope

    def excess_stress(self, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """σ_eq − σ_th (Pa) at ``rate`` (1/s) and S = dσ_eq/d ln(rate) (Pa): the inverse law
        without adding σ_th, so that a return map near σ_th keeps its relative precision."""
        n, scale = self.power, self.scale
        x = (rate / self.coefficient) ** (1.0 / n)
        if self.power_law:
            excess = scale * x
            return excess, excess / n
        return scale * np.arcsinh(x), scale * x / (n * np.sqrt(1.0 + x * x))

    # --- Anand: the deformation resistance ------------------------------------------------------

    def saturation(self, rate: np.ndarray) -> np.ndarray:
        """s* = s̃ [ε̇ exp(Q/RT)/A]^n (Pa) at creep rate ``rate`` (1/s) (Anand)."""
        law = self.law
        return law.saturation_coefficient * (rate / self.coefficient) ** law.saturation_exponent

    def evolve(self, dp: np.ndarray, dt: float) -> np.ndarray:
        """s_{n+1} after a sub-step with creep increments ``dp`` over ``dt`` (Anand).

        Backward Euler in s at the sub-step's rate ε̇ = Δp/Δt (the return map has already found Δp
        with s frozen at s_n): s − s_n − h0 |1 − s/s*|^a sign(1 − s/s*) Δp = 0. The left side
        increases strictly with s and changes sign between s_n and s*, so the root lies between
        them (s never overshoots s*); it is found by Newton kept inside that bracket (bisection
        when a Newton step leaves it). Points without creep keep s_n.
        """
        law = self.law
        s_old = self.resistance
        s_new = s_old.copy()
        flowing = np.flatnonzero(dp > 0.0)
        if dt <= 0.0 or flowing.size == 0:
            return s_new
        h0, a = law.hardening_modulus, law.hardening_exponent
        y, sn = dp[flowing], s_old[flowing]
        target = self.saturation(y / dt)
        lo, hi = np.minimum(sn, target), np.maximum(sn, target)
        s = sn.copy()
        for _ in range(200):  # bisection alone would reach round-off well within this
            u = 1.0 - s / target
            residual = s - sn - h0 * np.abs(u) ** a * np.sign(u) * y
            slope = 1.0 + h0 * a * np.abs(u) ** (a - 1.0) * y / target
            lo = np.where(residual < 0.0, s, lo)
            hi = np.where(residual > 0.0, s, hi)
            step = s - residual / slope
            inside = (step > lo) & (step < hi)
            s_next = np.where(inside, step, 0.5 * (lo + hi))
            done = np.all((np.abs(s_next - s) <= 1e-14 * s) | (hi - lo <= 1e-14 * hi))
            s = s_next
            if done:
                break
        else:
            raise ArithmeticError("deformation-resistance update did not converge")
        s_new[flowing] = s
        return s_new


def creep_increment(q_trial: np.ndarray, dt: float, shear_modulus: np.ndarray,
                    law: CreepRate, tol: float = 1e-13, max_iterations: int = 200
                    ) -> tuple[np.ndarray, np.ndarray, int]:
    """Backward-Euler Δp (and S at the end point) with q = q_tr − 3GΔp, Δp = dt f(q).

    ``law`` is evaluated at the points of ``q_trial`` (an Anand rate carries their resistance).
    Returns (Δp, S, iterations). Points with a negligible explicit increment keep that value.
    """
    dp = np.zeros_like(q_trial)
    slope = np.ones_like(q_trial)
    if dt <= 0.0 or q_trial.size == 0:
        return dp, slope, 0
    g3 = 3.0 * shear_modulus
    excess = q_trial - law.threshold  # creep cannot take q below σ_th
    full = excess / g3
    with np.errstate(over="ignore"):  # sinh overflows to inf far above σ_G: then y0 = full
        explicit = dt * law.rate(q_trial)
        y0 = np.minimum(explicit, full)
    tiny = (excess <= 0.0) | (y0 <= 1e-14 * full)
    dp[tiny] = np.where(excess[tiny] > 0.0, explicit[tiny], 0.0)
    active = np.flatnonzero(~tiny)
    law = law.at(active)
    z = np.log(y0[active])
    excess_trial, g3a = excess[active], g3[active]  # σ_th taken out once: no cancellation below
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (returned)
        y = np.exp(z)
        q, s = law.excess_stress(y / dt)
        residual = q + g3a * y - excess_trial
        step = residual / (s + g3a * y)
        z -= step
        if np.all(np.abs(step) <= tol):
            break
    else:
        raise ArithmeticError("creep return map did not converge")
    y = np.exp(z)
    dp[active] = y
    slope[active] = law.excess_stress(y / dt)[1]
    return dp, slope, iterations


# --- Li extruding into a narrow gap (the plunger/die clearance) -------------------------------

_SLIT_POINTS, _SLIT_WEIGHTS = np.polynomial.legendre.leggauss(48)


def slit_mean_velocity(law: CreepRate, wall_shear: float, half_width: float) -> float:
    """Mean velocity (m/s) of a creeping layer pushed through a slit of width 2 ``half_width``
    (m) whose walls hold it with shear stress ``wall_shear`` (Pa): fully developed,
    no slip, shear τ = τ_w y/h across it, shear rate γ̇ = √3 ε̇_eq(√3 τ), so

        v̄ = h ∫₀¹ ξ γ̇(τ_w ξ) dξ     (Norton: √3 C h (√3 τ_w/σ_s)^n / (n + 2)).

    Gauss–Legendre on 48 points; exact to round-off for Norton exponents up to ~90 (without a
    threshold stress: its kink in γ̇(τ) is integrated to the quadrature's accuracy only).
    """
    if wall_shear <= 0.0:
        return 0.0
    xi = 0.5 * (_SLIT_POINTS + 1.0)
    rates = SQRT3 * law.rate(SQRT3 * wall_shear * xi)
    return float(half_width * 0.5 * np.dot(_SLIT_WEIGHTS, xi * rates))


def column_length_after(length: float, pressure: float, dt: float, law: CreepRate,
                        half_width: float) -> float:
    """Length (m) of a Li column in a slit after ``dt`` (s) at entrance pressure ``pressure``
    (Pa), backward Euler: L = L₀ + Δt v̄(τ_w = p h / L) (the pressure falls linearly to zero
    at the column's free end: τ_w = h dp/dx). The residual grows with L, so the root lies
    between L₀ and L₀ + Δt v̄(p h/L₀) and bisection finds it."""
    def speed(at: float) -> float:
        return slit_mean_velocity(law, pressure * half_width / at, half_width)

    top = dt * speed(length)
    if top <= 0.0:
        return length
    low, high = 0.0, top
    for _ in range(200):
        middle = 0.5 * (low + high)
        if middle - dt * speed(length + middle) > 0.0:
            high = middle
        else:
            low = middle
        if high - low <= 1e-13 * high:
            break
    return length + 0.5 * (low + high)


# --- the quadrature-point state ---------------------------------------------------------------


@dataclass
class PointMaterial:
    """Elastic moduli (Pa) and creep law of every quadrature point (flat arrays)."""

    bulk: np.ndarray
    shear: np.ndarray
    creep: list[tuple[np.ndarray, CreepRate]]  # (point indices, law) per creeping material

    @classmethod
    def from_materials(cls, materials: list[Material], point_material: np.ndarray,
                       temperature: float) -> PointMaterial:
        """Moduli per point from ``materials[point_material[i]]``."""
        young = np.array([m.youngs_modulus for m in materials])[point_material]
        poisson = np.array([m.poisson_ratio for m in materials])[point_material]
        creep = [(np.flatnonzero(point_material == k), CreepRate(m.creep, temperature))
                 for k, m in enumerate(materials) if m.creep is not None]
        return cls(young / (3.0 * (1.0 - 2.0 * poisson)), young / (2.0 * (1.0 + poisson)), creep)

    def laws(self, resistance: np.ndarray | None) -> list[tuple[np.ndarray, CreepRate]]:
        """(points, rate) per creeping material; an Anand rate carries ``resistance[points]``."""
        return [(points, replace(law, resistance=None if resistance is None else resistance[points])
                 if law.law.model == "anand" else law) for points, law in self.creep]

    def initial_resistance(self) -> np.ndarray:
        """Anand's s0 (Pa) at its points; 0 where the law has no deformation resistance."""
        resistance = np.zeros_like(self.bulk)
        for points, law in self.creep:
            if law.law.model == "anand":
                resistance[points] = law.law.initial_resistance
        return resistance

    def evolve_resistance(self, resistance: np.ndarray, dp: np.ndarray, dt: float) -> np.ndarray:
        """The resistance after a converged sub-step with creep increments ``dp`` (see
        :meth:`CreepRate.evolve`); unchanged where the law has none."""
        evolved = resistance.copy()
        for points, law in self.laws(resistance):
            if law.law.model == "anand":
                evolved[points] = law.evolve(dp[points], dt)
        return evolved


def return_map(stress_old: np.ndarray, strain_increment: np.ndarray, eigen_increment: np.ndarray,
               dt: float, material: PointMaterial, kinematics: Kinematics,
               resistance: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Stress, consistent tangent and Δp at every point for a total strain increment.

    ``stress_old``, ``strain_increment`` and ``eigen_increment`` are (points, ncomp) Mandel arrays;
    ``resistance`` (points,) is Anand's s at the start of the step (needed only with that law),
    held fixed through the step.
    Returns (σ, C_t (points, ncomp, ncomp), Δp (points,), max return-map iterations).
    """
    eye = identity_vector(kinematics)
    k, g = material.bulk, material.shear
    de = strain_increment - eigen_increment
    trace = de[:, :3].sum(axis=1)
    mean_old = stress_old[:, :3].sum(axis=1) / 3.0
    dev_old = stress_old - np.outer(mean_old, eye)
    s_trial = dev_old + 2.0 * g[:, None] * (de - np.outer(trace / 3.0, eye))
    q_trial = np.sqrt(1.5 * np.einsum("ij,ij->i", s_trial, s_trial))
    mean = mean_old + k * trace

    dp = np.zeros_like(q_trial)
    slope = np.ones_like(q_trial)
    iterations = 0
    for points, law in material.laws(resistance):
        dp[points], slope[points], its = creep_increment(q_trial[points], dt, g[points], law)
        iterations = max(iterations, its)

    ratio = np.ones_like(q_trial)
    loaded = q_trial > 0.0
    ratio[loaded] = 1.0 - 3.0 * g[loaded] * dp[loaded] / q_trial[loaded]
    stress = s_trial * ratio[:, None] + np.outer(mean, eye)

    ncomp = eye.size
    dev_projector = np.eye(ncomp) - np.outer(eye, eye) / 3.0
    tangent = (k[:, None, None] * np.outer(eye, eye)
               + (2.0 * g * ratio)[:, None, None] * dev_projector)
    flowing = np.flatnonzero(dp > 0.0)
    if flowing.size:
        normal = 1.5 * s_trial[flowing] / q_trial[flowing, None]
        gf, yf = g[flowing], dp[flowing]
        beta = (4.0 * gf / 3.0) * (slope[flowing] / (slope[flowing] + 3.0 * gf * yf)
                                   - ratio[flowing])
        tangent[flowing] += beta[:, None, None] * np.einsum("pi,pj->pij", normal, normal)
    return stress, tangent, dp, iterations


def pressure(stress: np.ndarray) -> np.ndarray:
    """Mean pressure −tr σ/3 (Pa, compressive > 0) of Mandel stress rows (any kinematics)."""
    return -stress[:, :3].sum(axis=1) / 3.0


def von_mises(stress: np.ndarray, kinematics: Kinematics) -> np.ndarray:
    """σ_eq = √(3/2 s:s) of Mandel stress rows (Pa)."""
    eye = identity_vector(kinematics)
    dev = stress - np.outer(stress[:, :3].sum(axis=1) / 3.0, eye)
    return np.sqrt(1.5 * np.einsum("ij,ij->i", dev, dev))


def largest_principal(stress: np.ndarray, kinematics: Kinematics) -> np.ndarray:
    """Largest principal stress (Pa, tension > 0) of 2D Mandel stress rows [xx, yy, zz, √2 xy]:
    the larger of the in-plane maximum and σ_zz."""
    if kinematics == "3d":
        raise ValueError("largest_principal is implemented for 2D stress rows")
    mean = 0.5 * (stress[:, 0] + stress[:, 1])
    radius = np.hypot(0.5 * (stress[:, 0] - stress[:, 1]), stress[:, 3] / SQRT2)
    return np.maximum(mean + radius, stress[:, 2])


# --- node-to-node contact across a split interface ----------------------------------------------


def contact_pressure(gap: np.ndarray, normal_stiffness: float) -> np.ndarray:
    """Penalty contact pressure p = k_n ⟨−g⟩ (Pa) at gap ``g`` (m): compressive where the two
    sides overlap, zero where the interface is open (g ≥ 0). The overlap p/k_n is the penalty's
    error; k_n (Pa/m) is chosen so it stays far below the displacements of interest."""
    return normal_stiffness * np.maximum(-gap, 0.0)


def adhesion_release(gap: np.ndarray, bonded: np.ndarray, normal_stiffness: float,
                     adhesion_strength: float) -> np.ndarray:
    """The bonded pairs whose normal tension k_n g (Pa, g > 0 is tension on a bonded pair)
    exceeds the adhesion strength σ_ad (Pa): they release (physics.md §3.5, nucleation rule b)."""
    return bonded & (normal_stiffness * gap > adhesion_strength)


def contact_pair_forces(relative: np.ndarray, gap: np.ndarray, normal: np.ndarray,
                        area: np.ndarray, normal_stiffness: float, tangential_stiffness: float,
                        active: np.ndarray | None = None, bonded: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Force (N) on the upper node of each pair and its stiffness (N/m) w.r.t. u_upper − u_lower.

    ``relative`` = u_upper − u_lower (pairs × d), ``normal`` points from the lower to the upper side,
    ``area`` is the pair's tributary area. Frictionless: the normal force is the penalty pressure
    times the area; a weak tangential spring ``tangential_stiffness`` (Pa/m) only removes the
    rigid sliding modes of bodies held by frictionless contact alone. The lower node takes the
    opposite force. ``active`` (optional) imposes the contact set: those pairs carry the linear law
    p = −k_n g (also in tension), the others none (a Newton predictor with a known set).
    ``bonded`` (optional) pairs carry that linear law always (adhesion: tension until released).
    """
    held = (gap <= 0.0) if active is None else active  # g = 0: held
    if bonded is not None:
        held = held | bonded
    pressure = np.where(held, -normal_stiffness * gap, 0.0)  # k_n ⟨−g⟩ where only closed ones
    nn = np.einsum("pi,pj->pij", normal, normal)
    tangential = np.eye(normal.shape[1])[None] - nn
    slip = np.einsum("pij,pj->pi", tangential, relative)
    force = area[:, None] * (pressure[:, None] * normal - tangential_stiffness * slip)
    active = held.astype(float)
    stiffness = area[:, None, None] * (normal_stiffness * active[:, None, None] * nn
                                       + tangential_stiffness * tangential)
    return force, stiffness
