"""Where the current crosses the electrode interfaces, from the electrochemistry model's last
solve: facet-averaged currents and contact at the interface vertices (what the coupling hands to
the mechanics), nodal currents (profiles, the nodal peak, an alloy layer's Li flux) and the
per-side current statistics of ``timeseries.csv``.

With finite kinetics the current density at a contact edge is bounded (only R_ct → 0 makes it
singular, ∝ d^-1/2), but it varies over the length κR_ct (≈ 9 µm for 2 Ω cm² on LLZO): the nodal
maximum depends on the edge mesh until the mesh resolves that length. The facet-averaged peak
(the current averaged over the facets round each vertex, per area in contact) converges with the
mesh (checked in ``ssbstack verify``); compare hot spots with it.
"""

from __future__ import annotations

import math
import weakref
from typing import TYPE_CHECKING

import numpy as np

from ssbstack.compat import load_dolfinx
from ssbstack.numerics.electrode_sides import ElectrodeSide
from ssbstack.numerics.electrolyte_domain import per_area
from ssbstack.physics.electrochemistry import ContactKinetics, butler_volmer

if TYPE_CHECKING:
    from ssbstack.numerics.electrochemistry import ElectrochemistryModel


class InterfaceCurrents:
    """Interface currents of one :class:`ElectrochemistryModel` (reads its solved state).

    The model is held weakly: a reference cycle would leave the model's PETSc objects to the
    cyclic garbage collector, which runs at different times on different ranks, and their
    collective destruction would then hang a parallel run."""

    def __init__(self, model: ElectrochemistryModel):
        self.model = weakref.proxy(model)
        self.domain = model.domain
        self._coordinates = model.domain.space.tabulate_dof_coordinates()
        self._void_dofs: dict[int, np.ndarray] = {}  # side index → owned void-only φ dofs

    def averaged(self, side: ElectrodeSide, in_contact: bool = False) -> np.ndarray:
        """Facet-averaged anodic current density (A/m²) at the vertices of one interface:
        w_i = ∫ χ j v_i dA / ∫ v_i dA (v_i the vertex's hat function; 0 off the interface), the
        Li flux per nominal area; ``in_contact``: ∫ χ j v_i dA / ∫ χ v_i dA, per area in contact
        (the local current density where the Li touches, for hot spots).

        The same current law as the residual (one UFL expression), averaged over the facets
        round each vertex: Σ w_i ∫v_i = ∫χ j exactly, and unlike the nodal value it does not
        depend on where a contact edge falls inside a facet (local owned + ghost, collective)."""
        numerator, lumped, contact = side.averaged
        return per_area(self.domain.assembled(numerator),
                        self.domain.assembled(contact) if in_contact else lumped)

    def metal(self, side: ElectrodeSide, in_contact: bool = False) -> np.ndarray:
        """Facet-averaged current (A/m²) with which the Li metal strips at the vertices of one
        interface: the current into the electrolyte (``averaged``), or under a coupled film the
        feed from the metal into the film, which differs by what the film stores or spreads
        (local owned + ghost, collective)."""
        if side.feed is None:
            return self.averaged(side, in_contact)
        numerator, contact = side.feed
        return per_area(self.domain.assembled(numerator),
                        self.domain.assembled(contact) if in_contact else side.averaged[1])

    def contact(self, side: ElectrodeSide) -> np.ndarray:
        """Facet-averaged contact indicator c_i = ∫ χ v_i dA / ∫ v_i dA at the vertices of one
        interface (the χ the current used; Σ c_i ∫v_i = ∫χ dA; local owned + ghost,
        collective)."""
        _, lumped, contact = side.averaged
        if side.feed is not None:  # a coupled film: χ is where the Li touches the film
            contact = side.feed[1]
        return per_area(self.domain.assembled(contact), lumped)

    def active_area(self, side: ElectrodeSide, indicator: np.ndarray | None = None) -> float:
        """∫ χ dA (m²; m in planar 2D): the area in contact now, or with χ = ``indicator`` (vertex
        values, local owned + ghost) instead of the side's (collective)."""
        from mpi4py import MPI

        _, lumped, _ = side.averaged
        owned = self.domain.vertex_space.dofmap.index_map.size_local
        values = side.indicator.x.array if indicator is None else indicator
        local = float(lumped[:owned] @ values[:owned])
        return self.domain.comm.allreduce(local, op=MPI.SUM)

    def contact_area(self, side: ElectrodeSide) -> float:
        """Measure of the facets where the electrode touches the electrolyte (or its film) in
        the mesh (m²; m in planar 2D; collective)."""
        return self.domain.integral(self.domain.weight * self.domain.ds(side.contact_tag))

    def net_current_density(self) -> float:
        """Anodic current leaving the bottom electrode per nominal area (A/m²) of the last solve
        (collective): the applied one under galvanostatic control, to the Newton tolerance."""
        return self.model.total("current_bottom") / self.domain.nominal_area

    def metal_current_density(self) -> float:
        """Li current out of the bottom metal per nominal area (A/m²): the net current, or
        the feed into a coupled film (collective)."""
        if self.model.sides[0].feed is None:
            return self.net_current_density()
        return self.model.total("feed_bottom") / self.domain.nominal_area

    def nodal(self, side: ElectrodeSide) -> tuple[np.ndarray, np.ndarray]:
        """Owned nodes (coordinates, m) and anodic current density into the electrolyte there
        (A/m²) on one interface; bare interfaces also list their void nodes (j = 0)."""
        model, space = self.model, self.domain.space
        index = model.sides.index(side)
        owned = space.dofmap.index_map.size_local
        coordinates = self._coordinates
        if side.volumetric:
            return coordinates[:0], np.zeros(0)
        electrode = self.electrode_potential(index)
        if side.sheet is not None:
            delta, dofs = side.sheet
            eta = electrode[dofs] + delta.x.array[dofs] - model.phi.x.array[dofs]
            kinetics = ContactKinetics.at(side.kinetics, model.case.conditions.temperature)
            return coordinates[dofs], butler_volmer(eta, kinetics, model.f, np.exp)
        contact = side.phi_dofs[side.phi_dofs < owned]
        current = self.nodal_current(index, contact, electrode)
        if side.indicator is not None:
            nodal = load_dolfinx().fem.Function(space)
            nodal.interpolate(side.indicator)
            current = current * nodal.x.array[contact]
        if index not in self._void_dofs:  # every rank reaches here for the same sides
            void = self.domain.dofs_on((side.void_tag,))
            self._void_dofs[index] = np.setdiff1d(void[void < owned], contact)
        void = self._void_dofs[index]
        points = np.concatenate([coordinates[contact], coordinates[void]])
        return points, np.concatenate([current, np.zeros(len(void))])

    def electrode_potential(self, index: int) -> np.ndarray:
        """φ_s − U − Ω σ_n/F (V) of one side at every local φ dof."""
        model = self.model
        electrode = np.full(len(model.phi.x.array),
                            (float(model.voltage.x.array[0]) if index == model.voltage_side
                             else 0.0) - model.ocp[index])
        if model.contact_stress:
            electrode -= self._stress_shift(index)
        if index in model.alloys:
            electrode -= model.alloys[index].ocp.x.array
        return electrode

    def nodal_current(self, index: int, dofs: np.ndarray,
                      electrode: np.ndarray | None = None) -> np.ndarray:
        """Anodic current density (A/m²) of a bare side at local φ ``dofs``."""
        model = self.model
        electrode = self.electrode_potential(index) if electrode is None else electrode
        kinetics = ContactKinetics.at(model.sides[index].kinetics, model.case.conditions.temperature)
        return butler_volmer(electrode[dofs] - model.phi.x.array[dofs], kinetics, model.f, np.exp)

    def _stress_shift(self, index: int) -> np.ndarray:
        """Ω σ_n/F (V) of one side at the φ dofs (P1 interpolation of the cell-wise stress)."""
        dolfinx = load_dolfinx()
        nodal = dolfinx.fem.Function(self.domain.space)
        nodal.interpolate(self.model.contact_stress[index])
        return self.model.stress_factor[index] * nodal.x.array

    def side_values(self, name: str, side: ElectrodeSide, integral: float) -> dict[str, float]:
        """Mean, nodal peak and facet-averaged peak current density of one side (A/m²) and the
        hot-spot factors, given the side's total current ``integral`` (A; collective)."""
        from mpi4py import MPI

        comm = self.domain.comm
        _, local = self.nodal(side)
        peak = comm.allreduce(float(np.max(np.abs(local), initial=0.0)), op=MPI.MAX)
        owned = self.domain.vertex_space.dofmap.index_map.size_local
        averaged = (np.zeros(0) if side.volumetric else
                    self.averaged(side, in_contact=True)[:owned])
        peak_averaged = comm.allreduce(float(np.max(np.abs(averaged), initial=0.0)), op=MPI.MAX)
        area = side.area if side.indicator is None else self.active_area(side)
        mean = abs(integral) / area if area > 0.0 else math.nan  # (no contact left)
        ratio = mean > 0 and not side.volumetric
        return {
            f"mean_current_{name}_A_m2": mean,
            f"max_current_{name}_A_m2": peak,
            f"peak_current_avg_{name}_A_m2": math.nan if side.volumetric else peak_averaged,
            f"hot_spot_factor_{name}": peak / mean if ratio else math.nan,
            f"hot_spot_factor_avg_{name}": peak_averaged / mean if ratio else math.nan,
        }
