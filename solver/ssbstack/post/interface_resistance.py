"""Measured interfacial resistance → model parameters, stated (physics.md §3.2).

A small-signal interfacial resistance R_int measured by EIS (Ω m², per interface of a symmetric
Li | SE | Li cell) is not the R_ct of a perfect contact. With the contact state fixed by a stated
assumption — each interface's contact fraction f and patch layout as the case gives them
(``morphology = "contact_fraction"``, or ``"single_void"``, or ``"full"``) — the model splits it as

    R_int = R_constr + R_ct,true / f,   so   R_ct,true = f (R_int − R_constr),

and this module computes R_constr with the package's own electrochemistry solve (linear kinetics
j = η/R_ct, one galvanostatic solve at a small current, default 0.01 mA/cm²). From the power
balance that the model's outputs obey exactly (V I = ∫κ|∇φ|² + Σ∫ j η),

    R_model = (V/i − L/κ)/2 = R_constr + R_ct/f     (mean of the two interfaces),
    R_constr = [constriction_V + Σ_k (kinetic_k_V − i R_ct/f_k)] / (2 i):

the ohmic constriction of the electrolyte (``constriction_V`` = ohmic voltage − i L/κ) plus the
extra kinetic loss of an uneven current over the contact (zero for a uniform one). R_constr depends
on R_ct itself: it is the equipotential-contact constriction as R_ct → 0 and grows towards the
uniform-flux value as R_ct → ∞. So R_ct,true is found self-consistently, R_ct = f (R_int −
R_constr(R_ct)), by a bracketed fixed-point iteration whose last solve uses the derived value
(that solve is the reproduction check). A solution exists exactly when R_int > R_constr(R_ct → 0);
otherwise the contact state alone is more resistive than measured and the route refuses.

One R_ct,true serves both contacts (the case's ``[electrochemistry.kinetics]``); with different
fractions f_k it is R_ct = (2 R_int − Σ_k R_constr,k) / Σ_k 1/f_k. Per interface, R_constr,k comes
from a solve with the other interface in full contact (the constriction fields of the two
interfaces do not overlap through a thick electrolyte; the table reports how well the two add up).
f_k is the contact area of the mesh over the nominal area (exact in 2D; 3D seeded: within 0.2 %).

Thin films (sheets) on the interfaces are solved as they are, at their steady state (the
low-frequency limit the measured R_int stands for): the film carries current over the voids, so
R_constr (here the remainder R_model − R_ct/f) is smaller than for the bare contact state, and
it may be negative when the film spreads the current over more than the contact; the iteration
R_ct ← R_ct + f (R_int − R_model(R_ct)) is the same and converges because
1 ≤ dR_model/dR_ct ≤ 1/f.

Scope: a metal | electrolyte | metal cell, with or without thin films, meshed from its geometry
(no meshed alloy layer, cathode, per-interface kinetics or mesh files). The derivation
disables mechanics, coupling, electronic leakage and stress coupling (none enters a small-signal
interfacial resistance here).
Not offered: the reverse route (R_ct fixed → f): each trial f is a new mesh, and unless the case
holds its layout (``layout_fraction``) a new seeded layout, across which R_model(f) is not smooth.

Collective: every rank makes the same solves; the numbers that steer the iteration come from
rank 0 (broadcast). Nothing is printed or written here.
"""

from __future__ import annotations

import gc
import math
from dataclasses import dataclass
from typing import Any

from ssbstack.config.geometry import ContactFraction, FullContact, SingleVoid
from ssbstack.config.schema import Case
from ssbstack.errors import CaseError, SolverError

SMALL_CURRENT = 0.1  # A/m² (0.01 mA/cm²): the linear problem does not depend on it
EQUIPOTENTIAL_RCT = 1e-10  # Ω m² (1e-6 Ω cm²): R_ct → 0, as in the verification cases
OHM_CM2 = 1e-4  # Ω m² per Ω cm²


@dataclass(frozen=True)
class Split:
    """The model's interfacial resistance at one R_ct, split by the power balance (Ω m²).

    ``model`` = (V/i − L/κ)/2 and ``constriction`` = ``model`` − (R_ct/2) Σ 1/f_k are means over
    the two interfaces; ``ohmic`` is the electrolyte's part of ``constriction``
    (constriction_V / 2i), the rest is the uneven use of the contact."""

    charge_transfer: float  # R_ct of the solve, Ω m²
    model: float
    constriction: float
    ohmic: float
    fractions: tuple[float, float]  # f of the bottom and top contact (mesh), 1


@dataclass(frozen=True)
class InterfaceRow:
    """One interface of the table: its stated contact state and its own constriction (Ω m²)."""

    name: str
    fraction: float  # f from the mesh, 1
    stated_fraction: float | None  # contact_fraction as the case states it, 1
    status: str  # provenance status of the stated contact fraction
    layout: str  # e.g. "seeded patches, r = 5 µm"
    constriction: float  # R_constr,k at the derived R_ct (other interface in full contact), Ω m²
    ohmic: float  # its ohmic part, Ω m²


@dataclass(frozen=True)
class Derivation:
    """R_ct,true derived from a measured R_int (all resistances Ω m², per interface)."""

    measured: float  # R_int
    charge_transfer: float  # R_ct,true (small-signal)
    case_value: float  # charge_transfer_resistance to write in the case for its kinetics form
    form: str  # the case's kinetics form ("butler-volmer" or "linear")
    equipotential: Split  # the solve at R_ct → 0
    final: Split  # the solve with the derived R_ct: the reproduction check
    rows: tuple[InterfaceRow, ...]
    solves: int  # electrochemistry solves made

    @property
    def reproduction_error(self) -> float:
        """|R_model(R_ct,true) − R_int| / R_int, 1."""
        return abs(self.final.model - self.measured) / self.measured


def electrode_interfaces(case: Case) -> tuple[str, str]:
    """Names of the bottom and top electrode | electrolyte interfaces; CaseError when the case is
    outside the route's scope (see the module docstring)."""
    if not case.electrochemistry.enabled:
        raise CaseError("electrochemistry is disabled", key="electrochemistry.enabled")
    if case.geometry.kind == "file":
        raise CaseError("the interface route re-meshes the case: a generated geometry is needed, "
                        "not a mesh file", key="geometry.kind")
    if case.electrochemistry.interfaces:
        raise CaseError("per-interface kinetics are not supported: the route derives one R_ct for "
                        "both contacts ([electrochemistry.kinetics])",
                        key="electrochemistry.interfaces")
    electrolyte = case.electrolyte.name
    below = next(i for i in case.tags.interfaces if i.upper == electrolyte)
    above = next(i for i in case.tags.interfaces if i.lower == electrolyte)
    for interface, neighbour in ((below, below.lower), (above, above.upper)):
        if case.material(neighbour).kind != "metal":
            raise CaseError(f"interface '{interface.name}': the interface route needs a metal "
                            "electrode on the electrolyte, with or without thin films (no meshed "
                            "alloy layer or cathode)")
        morphology = case.geometry.interfaces.get(interface.name, FullContact())
        if not isinstance(morphology, ContactFraction | SingleVoid | FullContact):
            raise CaseError(f"morphology '{morphology.morphology}' has no contact fraction: the "
                            "route needs a flat interface with full or partial contact",
                            key=f"geometry.interfaces.'{interface.name}'")
    return below.name, above.name


def _variant(case: Case, charge_transfer: float, full: tuple[str, ...] = ()) -> Case:
    """The case as the route solves it: linear kinetics with ``charge_transfer`` (Ω m²) at every
    contact, electrochemistry alone, the interfaces in ``full`` in full contact."""
    from ssbstack.config.loader import build_case

    data = case.model_dump(mode="json")
    electrochemistry = data["electrochemistry"]
    electrochemistry["kinetics"] = {"charge_transfer_resistance": charge_transfer,
                                    "form": "linear"}
    electrochemistry["electronic_leakage"] = False
    electrochemistry["stress_coupling"] = False
    data["mechanics"]["enabled"] = False
    data["coupling"]["enabled"] = False
    for name in full:
        data["geometry"]["interfaces"].pop(name, None)
    return build_case(data, file=case.name)


def model_split(case: Case, comm: Any, charge_transfer: float, stack_mesh: Any = None,
                current: float = SMALL_CURRENT, full: tuple[str, ...] = ()) -> Split:
    """Solve the case with linear kinetics R_ct = ``charge_transfer`` (Ω m²) at ``current``
    (A/m²) and split its interfacial resistance (collective; rank 0's numbers on every rank).
    ``stack_mesh`` is reused when given (it must be a mesh of the same geometry)."""
    from ssbstack.numerics.electrochemistry import solve_static

    values, model = solve_static(_variant(case, charge_transfer, full), comm, current, stack_mesh)
    fractions = tuple(model.currents.contact_area(side) / model.nominal_area for side in model.sides)
    model_resistance = (values["voltage_V"] / current - model.thickness / model.conductivity) / 2
    split = Split(charge_transfer, model_resistance,
                  model_resistance - charge_transfer / 2 * sum(1.0 / f for f in fractions),
                  values["constriction_V"] / current / 2, (fractions[0], fractions[1]))
    del model
    gc.collect()  # PETSc objects are destroyed collectively, at the same point on every rank
    return comm.bcast(split, root=0)


def derive_charge_transfer(case: Case, measured: float, comm: Any, *,
                           current: float = SMALL_CURRENT, tolerance: float = 1e-4,
                           max_solves: int = 20, per_interface: bool = True) -> Derivation:
    """R_ct,true (Ω m²) that makes the model's interfacial resistance the ``measured`` R_int
    (Ω m², per interface) with the case's contact state (collective).

    Stops when a solve with the current R_ct reproduces R_int to ``tolerance`` (relative).
    ``per_interface`` adds the per-interface constriction rows (one more solve per partial
    interface when both are partial). CaseError when R_int ≤ R_constr(R_ct → 0)."""
    from ssbstack.meshing.stack import build_mesh

    if not measured > 0.0:
        raise CaseError(f"the measured interfacial resistance must be > 0, got {measured:g} Ohm m2")
    names = electrode_interfaces(case)
    stack_mesh = build_mesh(_variant(case, EQUIPOTENTIAL_RCT), comm)
    equipotential = model_split(case, comm, EQUIPOTENTIAL_RCT, stack_mesh, current)
    if measured <= equipotential.constriction:
        raise CaseError(
            f"measured R_int = {measured / OHM_CM2:.4g} Ohm cm2 is not above the constriction of "
            f"the case's contact state alone, R_constr = {equipotential.constriction / OHM_CM2:.4g} "
            f"Ohm cm2 per interface (R_ct -> 0): no R_ct >= 0 reproduces it; the assumed contact "
            f"(fraction, patch size) is already more resistive than measured")
    inverse = sum(1.0 / f for f in equipotential.fractions)
    lower, upper = EQUIPOTENTIAL_RCT, math.inf  # bracket: R_model(lower) < R_int < R_model(upper)
    split, solves = equipotential, 1
    while abs(split.model - measured) > tolerance * measured or solves == 1:
        if solves >= max_solves:
            raise SolverError(f"R_ct did not converge in {max_solves} solves (last: R_model = "
                              f"{split.model / OHM_CM2:.6g} Ohm cm2 for R_int = "
                              f"{measured / OHM_CM2:.6g} Ohm cm2)")
        proposal = 2.0 * (measured - split.constriction) / inverse  # f (R_int − R_constr)
        if not lower < proposal < upper:  # a step outside the bracket: bisect it
            proposal = 0.5 * (lower + upper)
        split, solves = model_split(case, comm, proposal, stack_mesh, current), solves + 1
        if split.model < measured:
            lower = proposal
        else:
            upper = proposal
    rows, extra = _rows(case, comm, names, split, current) if per_interface else ((), 0)
    kinetics = case.electrochemistry.kinetics
    assert kinetics is not None  # the schema guarantees kinetics on every interface
    factor = 1.0 if kinetics.form == "linear" else kinetics.alpha_anodic + kinetics.alpha_cathodic
    return Derivation(measured, split.charge_transfer, split.charge_transfer * factor,
                      kinetics.form, equipotential, split, rows, solves + extra)


def _rows(case: Case, comm: Any, names: tuple[str, str], joint: Split,
          current: float) -> tuple[tuple[InterfaceRow, ...], int]:
    """Per-interface constriction at the derived R_ct: each partial interface solved with the
    other one in full contact (the joint solve serves when only one is partial); the rows and
    the number of solves made."""
    partial = [name for name in names
               if not isinstance(case.geometry.interfaces.get(name, FullContact()), FullContact)]
    rows = []
    for index, name in enumerate(names):
        fraction = joint.fractions[index]
        constriction = ohmic = 0.0
        if name in partial:
            split = joint
            if len(partial) > 1:
                other = tuple(n for n in names if n != name)
                split = model_split(case, comm, joint.charge_transfer, None, current, full=other)
            constriction, ohmic = 2.0 * split.constriction, 2.0 * split.ohmic  # one interface
        morphology = case.geometry.interfaces.get(name, FullContact())
        stated, layout = None, "full contact"
        if isinstance(morphology, ContactFraction):
            stated = morphology.contact_fraction
            held = (f", drawn at f = {morphology.layout_fraction:g}"
                    if morphology.layout_fraction is not None else "")
            layout = (f"seeded patches, r = {morphology.patch_radius * 1e6:g} um "
                      f"(seed {morphology.seed}{held})")
        elif isinstance(morphology, SingleVoid):
            layout = f"one void, r = {morphology.radius * 1e6:g} um"
        provenance = case.provenance.get(f"geometry.interfaces.{name}.contact_fraction", {})
        rows.append(InterfaceRow(name, fraction, stated, provenance.get("status") or "",
                                 layout, constriction, ohmic))
    return tuple(rows), len(partial) if len(partial) > 1 else 0


def table_lines(derivation: Derivation) -> list[str]:
    """The derivation as a short text table (Ω cm²) with the reproduction check."""
    d, r_ct = derivation, derivation.charge_transfer
    header = (f"{'interface':16s} {'f mesh':>6s} {'f stated':>18s}  {'layout':52s} "
              f"{'R_constr':>9s} {'R_ct/f':>9s} {'sum':>9s}")
    lines = [header, "-" * len(header)]
    for row in d.rows:
        stated = (f"{row.stated_fraction:g} {row.status}".strip() if row.stated_fraction
                  is not None else "-")
        lines.append(f"{row.name:16s} {row.fraction:6.4f} {stated:>18s}  {row.layout:52.52s} "
                     f"{row.constriction / OHM_CM2:9.4f} {r_ct / row.fraction / OHM_CM2:9.4f} "
                     f"{(row.constriction + r_ct / row.fraction) / OHM_CM2:9.4f}")
    final, joint = d.final, 2.0 * d.final.constriction
    same = math.isclose(*final.fractions, rel_tol=1e-9)
    rule = "f (R_int - R_constr)" if same else "(2 R_int - sum_k R_constr,k) / sum_k 1/f_k"
    lines.append(f"units: Ohm cm2 per interface; R_constr at the derived R_ct (ohmic constriction "
                 f"{final.ohmic / OHM_CM2:.4f} + uneven contact current "
                 f"{(final.constriction - final.ohmic) / OHM_CM2:.4f}, mean of the interfaces)")
    if all(row.constriction > 0.0 for row in d.rows):  # both partial: solved one at a time
        alone = sum(row.constriction for row in d.rows)
        lines.append(f"interfaces solved one at a time add up to the joint solve within "
                     f"{abs(alone - joint) / joint:.1e} (relative)")
    lines += [
        f"R_constr at R_ct -> 0 (equipotential contact): {d.equipotential.constriction / OHM_CM2:.4f}"
        f"; at the derived R_ct: {final.constriction / OHM_CM2:.4f} (mean per interface)",
        f"derived R_ct,true = {rule} = {r_ct / OHM_CM2:.4g} Ohm cm2 (small-signal) "
        f"from R_int = {d.measured / OHM_CM2:.4g} Ohm cm2 (measured)",
        f"re-solved with R_ct,true (linear kinetics, {d.solves} solves in all): R_model = "
        f"{final.model / OHM_CM2:.4f} Ohm cm2, {100 * d.reproduction_error:.3f} % from R_int",
        f"case value ({d.form}): charge_transfer_resistance = \"{d.case_value / OHM_CM2:.4g} Ohm cm2\""
        + ("" if d.form == "linear" else " (R_ct x (alpha_a + alpha_c); i0 = RT/(F R_ct))"),
    ]
    return lines
