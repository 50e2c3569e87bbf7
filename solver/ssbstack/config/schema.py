"""The case file: one validated :class:`Case` per simulation (SI units inside).

A case carries parameters, geometry, protocol and numerics — never equation wiring. Its tables:
``[source]``, ``[conditions]``, ``[materials.<name>]``, ``[[stack]]`` (bottom → top),
``[geometry]``, ``[electrochemistry]``, ``[mechanics]``, ``[protocol]``, ``[numerics]``,
``[outputs]`` and ``[targets.<name>]`` (measured values the report compares against).
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ssbstack.config.base import Section
from ssbstack.config.coupling import Coupling
from ssbstack.config.geometry import Geometry
from ssbstack.config.materials import (
    GAS_CONSTANT,
    LI_MELTING_POINT,
    MAX_TEMPERATURE,
    MIN_TEMPERATURE,
    Material,
)
from ssbstack.config.mechanics import Mechanics
from ssbstack.config.protocol import ProtocolError, RawStep, Step, expand
from ssbstack.meshing.tags import TagTable
from ssbstack.units import (
    FARADAY,
    AreaResistance,
    CurrentDensity,
    Length,
    Pressure,
    Temperature,
    Time,
    Voltage,
)

SourceId = Literal["A", "B", "C", "D", "verification"]


class Source(Section):
    """Which source document (papers.md) the case reproduces, and which configuration."""

    id: SourceId
    citation: str = Field(min_length=1)
    configuration: str = Field("", description="the source's own name for the cell, e.g. 'Ex1'")
    notes: str = ""


class Conditions(Section):
    """Operating conditions."""

    temperature: Temperature = Field(
        298.15, description="K; every temperature of a case lies in 200 K to below 453.65 K "
        "(the Li melting point, 180.5 °C, is refused) when a stack layer is a metal, else "
        "200 K … 1000 K"
    )
    stack_pressure: Pressure = Field(0.0, ge=0.0, description="initial stack pressure, Pa")


class Layer(Section):
    """One layer of the stack, bottom → top."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", description="unique layer name")
    material: str
    thickness: Length = Field(gt=0.0, description="m")


class Kinetics(Section):
    """Butler–Volmer kinetics of an electrode | electrolyte contact.

    Give either ``exchange_current_density`` (A/m²) or ``charge_transfer_resistance`` (Ω m²,
    i₀ = RT/(F R_ct)). ``form = "linear"`` uses j = η / R_ct.
    """

    exchange_current_density: CurrentDensity | None = Field(None, gt=0.0)
    charge_transfer_resistance: AreaResistance | None = Field(None, gt=0.0)
    alpha_anodic: float = Field(0.5, gt=0.0, lt=1.0)
    alpha_cathodic: float = Field(0.5, gt=0.0, lt=1.0)
    form: Literal["butler-volmer", "linear"] = "butler-volmer"
    open_circuit_potential: Voltage = Field(
        0.0, description="U of the electrode vs Li metal, V (η = φ_s − φ_e − U); 0 for Li"
    )

    @model_validator(mode="after")
    def _one_rate(self) -> Kinetics:
        given = (self.exchange_current_density, self.charge_transfer_resistance)
        if sum(v is not None for v in given) != 1:
            raise ValueError(
                "give exactly one of exchange_current_density or charge_transfer_resistance"
            )
        return self

    def exchange_current(self, temperature: float) -> float:
        """i₀ (A/m²) at ``temperature`` (K)."""
        if self.exchange_current_density is not None:
            return self.exchange_current_density
        assert self.charge_transfer_resistance is not None
        return GAS_CONSTANT * temperature / (FARADAY * self.charge_transfer_resistance)

    def resistance(self, temperature: float) -> float:
        """Small-signal charge-transfer resistance (Ω m²) = RT / (F i₀ (α_a + α_c))."""
        i0 = self.exchange_current(temperature)
        if self.form == "linear":
            return GAS_CONSTANT * temperature / (FARADAY * i0)
        alpha = self.alpha_anodic + self.alpha_cathodic
        return GAS_CONSTANT * temperature / (FARADAY * i0 * alpha)

    def overpotential(self, current_density: float, temperature: float) -> float:
        """Exact η (V) that carries ``current_density`` (A/m², anodic positive) in this law."""
        i0 = self.exchange_current(temperature)
        if self.form == "linear":
            return current_density * GAS_CONSTANT * temperature / (FARADAY * i0)
        f = FARADAY / (GAS_CONSTANT * temperature)
        if math.isclose(self.alpha_anodic, self.alpha_cathodic):
            return math.asinh(current_density / (2.0 * i0)) / (self.alpha_anodic * f)
        return _solve_bv(current_density / i0, self.alpha_anodic * f, self.alpha_cathodic * f)


def _solve_bv(ratio: float, a: float, c: float) -> float:
    """η with exp(a η) − exp(−c η) = ratio (Newton from the symmetric guess; monotone)."""
    eta = math.asinh(ratio / 2.0) / (0.5 * (a + c))
    for _ in range(100):
        g = math.exp(a * eta) - math.exp(-c * eta) - ratio
        eta -= g / (a * math.exp(a * eta) + c * math.exp(-c * eta))
        if abs(g) <= 1e-14 * max(1.0, abs(ratio)):
            break
    return eta


class Electrochemistry(Section):
    """Li⁺ transport and interface kinetics (physics.md §3.1–3.2)."""

    enabled: bool = True
    kinetics: Kinetics | None = Field(None, description="default for every electrode contact")
    interfaces: dict[str, Kinetics] = Field(
        default_factory=dict, description="per-interface kinetics, keyed 'lower|upper'"
    )
    sheet_contact_resistance: AreaResistance = Field(
        0.0, ge=0.0,
        description="Ω m², electrode|sheet contact resistance added to every thin interlayer's "
        "normal resistance (default 0: ideal contact, the sheet takes the electrode potential)",
    )
    stress_coupling: bool = Field(
        False, description="add −Ω σ_n/F to every overpotential (σ_n: normal stress at the "
        "contact, Pa, tension positive; Ω: the electrode's molar_volume). The term is built and "
        "verified, but no model sets σ_n yet, so `run` refuses it",
    )
    electronic_leakage: bool = Field(
        False, description="electrons leak through the electrolyte (its electronic_conductivity) "
        "between the electrode contacts, in parallel with the Li⁺ current; blocked at an "
        "electrode with an electron-blocking sheet",
    )


class Protocol(Section):
    """The electrochemical protocol: a list of step strings and repeat/ramp blocks."""

    steps: list[RawStep] = Field(min_length=1)
    voltage_limit: Voltage | None = Field(
        None, gt=0.0, description="|cell voltage| above which the cell has failed, V"
    )

    def expanded(self) -> list[Step]:
        """Executable steps (repeat and ramp blocks flattened)."""
        return expand(self.steps)

    @field_validator("steps")
    @classmethod
    def _parses(cls, steps: list[RawStep]) -> list[RawStep]:
        try:
            expand(steps, where="")
        except ProtocolError as exc:
            raise ValueError(str(exc).lstrip(": ")) from None
        return steps


class Numerics(Section):
    """Discretisation and solver settings."""

    element_degree: int = Field(1, ge=1, le=3)
    linear_solver: Literal["direct", "iterative"] = Field(
        "direct", description="direct: MUMPS LU (electrochemistry) and LDLᵀ/LU (mechanics "
        "tangent); iterative: GMRES + GAMG (electrochemistry) and CG + GAMG with rigid-body "
        "near-null space (mechanics; PETSc options prefix mechanics_), for large 3D meshes")
    newton_rtol: float = Field(1e-10, gt=0.0, lt=1.0)
    newton_atol: float = Field(1e-12, gt=0.0)
    newton_max_iterations: int = Field(30, ge=1)
    newton_line_search: bool = Field(
        True, description="mechanics Newton: halve a correction that raises the residual "
        "while it flips a contact pair back to a state it had in this solve (up to 4 times) "
        "before going on; keeps the semi-smooth contact Newton from cycling between two contact "
        "sets at a stripping contact rim")
    symmetric_tangent: bool = Field(
        True, description="mechanics Newton: factorise the tangent as symmetric LDLᵀ (MUMPS) "
        "instead of LU (the creep tangent, the contact and wall penalties and the constraints "
        "are symmetric); the same answer for ~0.6× the factorisation work. false: LU")
    max_time_step: Time | None = Field(None, gt=0.0, description="s")
    max_cutbacks: int = Field(6, ge=0, le=30)
    min_time_step: Time | None = Field(
        None, gt=0.0, description="s; a run whose time step would be cut below it stops (with "
        "the last good state saved) instead of creeping on in ever smaller steps. Default: 1e-9 "
        "of the protocol step's largest time step")
    alloy_ocp: Literal["nodal", "interface_mean"] = Field(
        "nodal", description="U(c) of a volume interlayer seen by the electrolyte: at each "
        "interface node, or U of the interface-mean surface content (exact only for a laterally "
        "uniform, flat full-contact stack; the staggered nodal coupling grows lateral "
        "oscillations where U(x) is steep, e.g. an alloy emptied at its surface)")


class Outputs(Section):
    """What a run writes besides timeseries.csv and run.json."""

    fields: bool = Field(True, description="write φ and current fields for ParaView (VTX .bp)")
    field_every: int = Field(1, ge=1, description="write fields every N protocol steps")
    plots: bool = True


class Target(Section):
    """A measured value the report compares the simulation with.

    The simulated value is read from timeseries.csv: ``measure = "value"`` is ``column`` at time
    ``at`` (linear interpolation), ``"drop"`` its first value minus its value at ``at``,
    ``"final"`` its last value, ``"swing"`` its largest minus its smallest value over the run;
    ``"ccd"`` is the critical current density of a failed ramp.
    ``role`` says whether a parameter was calibrated to this point or it is a prediction.
    """

    value: float
    unit: str = Field("", description="unit of value, e.g. 'MPa', 'mA/cm2', 'mV'")
    description: str = ""
    measure: Literal["value", "drop", "final", "swing", "ccd"] | None = Field(
        None, description="how the simulated value is taken (default: ccd for a target named 'ccd')"
    )
    column: str | None = Field(None, description="timeseries.csv column, e.g. 'stack_pressure_Pa'")
    at: Time | None = Field(None, ge=0.0, description="time of the comparison, s")
    role: Literal["prediction", "calibration"] = Field(
        "prediction", description="'calibration': a parameter was fitted to this point"
    )
    temperature: Temperature | None = Field(
        None, description="temperature of the measurement, K (compared only at it)"
    )

    @model_validator(mode="after")
    def _complete(self) -> Target:
        if self.measure in ("value", "drop", "final", "swing") and self.column is None:
            raise ValueError(f"measure '{self.measure}' needs a column")
        if self.measure in ("value", "drop") and self.at is None:
            raise ValueError(f"measure '{self.measure}' needs a time 'at'")
        if self.unit:
            from ssbstack.units import UnitError, parse_unit

            try:
                parse_unit(self.unit)
            except UnitError as exc:
                raise ValueError(f"unit: {exc}") from None
        return self


class Case(Section):
    """A complete, validated simulation case."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    source: Source
    conditions: Conditions = Conditions()
    materials: dict[str, Material] = Field(min_length=1)
    stack: list[Layer] = Field(min_length=2)
    geometry: Geometry
    electrochemistry: Electrochemistry = Electrochemistry()
    mechanics: Mechanics = Mechanics()
    coupling: Coupling = Coupling()
    protocol: Protocol
    numerics: Numerics = Numerics()
    outputs: Outputs = Outputs()
    targets: dict[str, Target] = Field(default_factory=dict)
    provenance: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="filled from {value, status, note} annotations"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        names = [layer.name for layer in self.stack]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"stack: layer names must be unique, repeated: {', '.join(duplicated)}")
        for index, layer in enumerate(self.stack):
            if layer.material not in self.materials:
                known = ", ".join(sorted(self.materials))
                raise ValueError(
                    f"stack[{index}].material: unknown material '{layer.material}' (known: {known})"
                )
        self._check_temperatures()
        if self.electrochemistry.enabled:
            self._check_electrochemistry()
        if self.mechanics.enabled and self.mechanics.interface_contact != "bonded":
            ends = (self.material(self.stack[0].name), self.material(self.stack[-1].name))
            if all(material.kind != "metal" for material in ends):
                raise ValueError("mechanics.interface_contact: frictionless contact needs a metal "
                                 "electrode as first or last layer")
        if self.mechanics.enabled:
            for index, layer in enumerate(self.stack[1:-1], start=1):
                if self.materials[layer.material].lithiation_molar_volume is not None:
                    raise ValueError(
                        f"materials.{layer.material}.lithiation_molar_volume: acts on the first "
                        f"or last layer only, not on stack[{index}] ('{layer.name}'): an inner "
                        "layer's volume change with its Li content is not modelled")
        if self.mechanics.enabled and self.mechanics.sides == "die":
            geometry = self.geometry
            kind = geometry.file_kind if geometry.kind == "file" else geometry.kind
            if kind not in ("planar2d", "axisymmetric") or geometry.periodic:
                raise ValueError("mechanics.sides: 'die' needs a 2D geometry (planar2d or "
                                 f"axisymmetric) with non-periodic sides, not '{kind}'"
                                 + (" (periodic)" if geometry.periodic else ""))
        if self.mechanics.enabled and self.mechanics.roller is not None:
            self._check_roller()
        if self.mechanics.enabled and self.mechanics.geometry_degree == 2:
            self._check_curved_geometry()
        if self.coupling.enabled:
            self._check_coupling()
        elif self.coupling.plating is not None:
            raise ValueError("coupling.plating: plating criteria need coupling.enabled = true")
        return self

    def _check_curved_geometry(self) -> None:
        """mechanics.geometry_degree = 2: a 2D gmsh mesh of the case's own, mechanics alone."""
        mechanics, geometry = self.mechanics, self.geometry
        why = ("needs mechanics.displacement_degree = 2" if mechanics.displacement_degree != 2
               else "needs mechanics.large_deformation = true" if not mechanics.large_deformation
               else "needs electrochemistry.enabled = false (mechanics alone)"
               if self.electrochemistry.enabled
               else f"needs a planar2d or axisymmetric geometry, not '{geometry.kind}'"
               if geometry.kind not in ("planar2d", "axisymmetric")
               else "does not work with geometry.mesh.refine" if geometry.mesh.refine else "")
        if why:
            raise ValueError(f"mechanics.geometry_degree: 2 {why}")

    def _check_roller(self) -> None:
        geometry = self.geometry
        kind = geometry.file_kind if geometry.kind == "file" else geometry.kind
        if kind != "planar2d" or geometry.periodic:
            raise ValueError(f"mechanics.roller: needs a planar2d geometry with non-periodic "
                             f"sides, not '{kind}'" + (" (periodic)" if geometry.periodic else ""))
        if self.conditions.stack_pressure > 0.0:
            raise ValueError("mechanics.roller: the roll replaces the top plate; "
                             "conditions.stack_pressure must be 0")
        if self.electrochemistry.enabled:
            raise ValueError("mechanics.roller: a rolling case is mechanics only "
                             "(electrochemistry.enabled = false)")

    def _check_coupling(self) -> None:
        if not (self.electrochemistry.enabled and self.mechanics.enabled):
            raise ValueError("coupling.enabled: needs electrochemistry and mechanics enabled")
        if self.mechanics.interface_contact != "frictionless":
            raise ValueError("coupling.enabled: needs mechanics.interface_contact = "
                             "'frictionless' (a bonded interface cannot open)")
        if (self.coupling.nucleation == "vacancy") != (self.coupling.vacancy is not None):
            raise ValueError("coupling.vacancy: give this table exactly when coupling.nucleation "
                             "= 'vacancy'")
        plating = self.coupling.plating
        if plating is not None and plating.flaw is not None:
            name = self.electrolyte.material
            if self.materials[name].fracture_toughness is None:
                raise ValueError(f"materials.{name}.fracture_toughness: required by "
                                 "[coupling.plating.flaw] (K_IC of the electrolyte, e.g. "
                                 "'1 MPa m^0.5')")
            kind = self.geometry.file_kind or self.geometry.kind
            needed = 2 if kind in ("box3d", "disc3d") else 1
            if plating.flaw.position and len(plating.flaw.position) != needed:
                raise ValueError(f"coupling.plating.flaw.position: give {needed} in-plane "
                                 f"coordinate(s) for geometry kind '{kind}'")
        seeded = [name for name, morphology in self.geometry.interfaces.items()
                  if morphology.morphology in ("contact_fraction", "single_void")]
        if seeded and self.mechanics.void_gap <= 0.0:
            raise ValueError(f"mechanics.void_gap: must be > 0 with coupling (the seeded voids of "
                             f"{', '.join(seeded)} would start closed and carry current)")

    def _check_temperatures(self) -> None:
        """Every temperature (K) of the case lies in [MIN_TEMPERATURE, ceiling]; with a metal layer
        in the stack the ceiling is the Li melting point and is itself refused (solid Li only),
        else it is MAX_TEMPERATURE."""
        metals = sorted({lay.material for lay in self.stack
                         if self.materials[lay.material].kind == "metal"})
        ceiling = LI_MELTING_POINT if metals else MAX_TEMPERATURE
        why = (f"the Li melting point; metals in the stack: {', '.join(metals)}" if metals
               else "no metal layer")
        upper = "below " if metals else ""
        temperatures = {"conditions.temperature": self.conditions.temperature}
        for name, material in self.materials.items():
            temperatures[f"materials.{name}.reference_temperature"] = material.reference_temperature
            if material.creep is not None:
                temperatures[f"materials.{name}.creep.reference_temperature"] = (
                    material.creep.reference_temperature)
        for name, target in self.targets.items():
            if target.temperature is not None:
                temperatures[f"targets.{name}.temperature"] = target.temperature
        slack = 1e-9  # K: "-73.15 degC" is 199.99999999999997 K
        for key, value in temperatures.items():
            too_hot = value >= ceiling - slack if metals else value > ceiling + slack
            if value < MIN_TEMPERATURE - slack or too_hot:
                raise ValueError(
                    f"{key}: {value:g} K ({value - 273.15:g} °C) is outside the allowed range "
                    f"{MIN_TEMPERATURE:g} K to {upper}{ceiling:g} K ({ceiling - 273.15:g} °C, {why})")

    def _check_electrochemistry(self) -> None:
        electrolytes = [lay for lay in self.stack if self.material(lay.name).kind == "electrolyte"]
        if len(electrolytes) != 1:
            raise ValueError("stack: electrochemistry needs exactly one electrolyte layer")
        for layer in electrolytes:
            if self.material(layer.name).ionic_conductivity is None:
                raise ValueError(
                    f"materials.{layer.material}.ionic_conductivity: required for an electrolyte"
                )
        known = {item.name for item in self.tags.interfaces}
        for name in self.electrochemistry.interfaces:
            if name not in known:
                raise ValueError(
                    f"electrochemistry.interfaces.'{name}': no such interface "
                    f"(known: {', '.join(sorted(known))})"
                )
        for item in self.tags.interfaces:
            for name in item.sheets:
                if isinstance(self.material(name).diffusivity, list):
                    raise ValueError(
                        f"materials.{self.layer(name).material}.diffusivity: a D(x) table needs "
                        f"a meshed (volume) interlayer; layer '{name}' is thinner than "
                        "geometry.sheet_threshold, so it is a sheet")
            if self.kinetics(item.name) is None:
                raise ValueError(
                    f"electrochemistry: no kinetics for interface '{item.name}' "
                    "(give [electrochemistry.kinetics] or an entry in electrochemistry.interfaces)"
                )

    def material(self, layer_name: str) -> Material:
        """The material of a stack layer."""
        for layer in self.stack:
            if layer.name == layer_name:
                return self.materials[layer.material]
        raise KeyError(layer_name)

    def layer(self, name: str) -> Layer:
        """A stack layer by name."""
        return next(layer for layer in self.stack if layer.name == name)

    def kinetics(self, interface_name: str) -> Kinetics | None:
        """Kinetics of an interface: its own entry, else the default."""
        return self.electrochemistry.interfaces.get(interface_name, self.electrochemistry.kinetics)

    @cached_property
    def tags(self) -> TagTable:
        """The tag table of this stack (sheets decided by geometry.sheet_threshold)."""
        return TagTable.from_stack(
            [(layer.name, layer.thickness) for layer in self.stack], self.geometry.sheet_threshold
        )

    @property
    def electrolyte(self) -> Layer:
        """The electrolyte layer."""
        return next(lay for lay in self.stack if self.material(lay.name).kind == "electrolyte")
