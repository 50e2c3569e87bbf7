"""Measures of the stack on the mechanics mesh (part of :class:`~ssbstack.numerics.mechanics.MechanicsModel`):
layer thicknesses, volumes and areas, the first interface's cells and forms, mesh quality, and
the Li surface speed of stripping/plating with its eigenstrain."""

from __future__ import annotations

from typing import Any

import numpy as np

from ssbstack.config.schema import FARADAY
from ssbstack.errors import CaseError
from ssbstack.meshing.quality import simplex_quality
from ssbstack.meshing.stack import StackMesh


class StackMeasures:
    """Mixin of :class:`MechanicsModel`: reads the model's mesh, forms and state."""

    def _interface_cells(self, stack_mesh: StackMesh) -> np.ndarray:
        """Cells of the first layer with a facet on the first interface (tag 100)."""
        tdim = self.mesh.topology.dim
        ft = stack_mesh.facet_tags
        if not self.tags.interfaces:
            return np.zeros(0, dtype=np.int32)
        first = self.tags.interfaces[0]
        tag = first.side_tags(first.lower, first.name in self.split)[0]
        facets = ft.indices[ft.values == tag]
        f2c = self.mesh.topology.connectivity(tdim - 1, tdim)
        cells = np.unique(np.concatenate([f2c.links(f) for f in facets] or [np.zeros(0, np.int32)]))
        cells = cells[self.cell_layer[cells] == 0]
        return cells[cells < self.nowned].astype(np.int32)

    def _interface_forms(self, stack_mesh: StackMesh, weight: Any) -> tuple[Any, Any]:
        """Area and ∫ u_vertical of the first electrode's interface (its own side when split)."""
        import ufl

        form = self.dolfinx.fem.form
        mesh = self.mesh
        if not self.tags.interfaces:
            return form(0.0 * ufl.dx(domain=mesh)), form(0.0 * ufl.dx(domain=mesh))
        first = self.tags.interfaces[0]
        lift = self.u_total[self.vert]
        if first.name in self.split:
            tag = first.side_tags(first.lower, True)[0]
            ds = ufl.Measure("ds", domain=mesh, subdomain_data=stack_mesh.facet_tags)
            return form(weight * ds(tag)), form(lift * weight * ds(tag))
        dS = ufl.Measure("dS", domain=mesh, subdomain_data=stack_mesh.facet_tags)
        return (form(ufl.avg(weight) * dS(first.contact_tag)),
                form(ufl.avg(lift) * ufl.avg(weight) * dS(first.contact_tag)))

    def _worst_quality(self) -> float:
        """Smallest cell quality relative to the cell's initial one, over all ranks."""
        from mpi4py import MPI

        quality = self._quality() / self.initial_quality
        return self.comm.allreduce(float(quality.min()) if quality.size else 1.0, op=MPI.MIN)

    def _quality(self) -> np.ndarray:
        """Mean-ratio shape quality of the owned cells' vertices (1 = equilateral; the sign of
        the initial value flips when a cell turns inside out)."""
        geo = self.mesh.geometry
        tdim = self.mesh.topology.dim
        corners = geo.x[geo.dofmaps[0][: self.nowned, : tdim + 1], : geo.dim]
        return simplex_quality(corners, signed=True)[0]

    def electrode_thickness(self, which: int) -> float:
        """Mean thickness (m) of the first (0) or last (−1) layer: volume / collector area."""
        volume = self._sum(self.volume_first if which == 0 else self.volume_last)
        return volume / self._sum(self.top_area if which else self.bottom_area)

    def li_thickness(self) -> float:
        """Mean thickness (m) of the first layer; on a fixed (small-strain) mesh the initial one
        plus the mean displacement of its top (the first interface; its bottom is fixed); less
        the Li stripped at a contact interface."""
        thickness = self.electrode_thickness(0) - self._removed(0) / self.collector_area()
        if self.config.large_deformation or not self.tags.interfaces:
            return thickness
        return thickness + self._sum(self.interface_lift) / self._sum(self.interface_area)

    def _removed(self, which: int) -> float:
        """Li volume (m³; m² per m in 2D) taken off electrode ``which`` at its contact interface."""
        contact = self.contact
        if contact is None:
            return 0.0
        mine = contact.electrode == which
        return float(np.dot(contact.pairs["area"][mine], self.current.offset[mine]))

    def collector_area(self) -> float:
        """Area of the bottom collector face (m²; m per metre of depth in 2D)."""
        return self._sum(self.bottom_area)

    def layer_volume(self, which: int) -> float:
        """Volume of the first (0) or last (−1) layer (m³; m² per metre of depth in 2D): the
        meshed volume less what stripping took off (plus what plating added) at its contact."""
        return self._sum(self.volume_first if which == 0 else self.volume_last) - self._removed(which)

    def _stripping_strain(self, h: float, current_density: float) -> np.ndarray:
        """Eigenstrain increments for a sub-step ``h`` under ``current_density`` (A/m²).

        Positive j takes Li out of the first layer and puts it into the last one. A metal end
        thins (strips) or thickens (plates) at v = jΩ/F, a cathode or alloy end with a
        ``lithiation_molar_volume`` Ω_c at jΩ_c/F (:meth:`thickness_rate`); the thickness-direction
        eigenstrain ∓v h / H is spread over the layer (H its mean thickness), so the layer's
        volume changes by exactly v h A. A metal end held by frictionless contact is stripped or
        plated at its contact surface instead.
        """
        eigen = np.zeros((self.current.stress.shape[0], self.ncomp))
        if current_density == 0.0 or h == 0.0:
            return eigen
        moving_surface = {int(e) for e in self.contact.electrode} if self.contact else set()
        for which, points, sign in ((0, self.strip_points, -1.0), (-1, self.plate_points, 1.0)):
            if which in moving_surface:
                continue  # stripped or plated at its contact interface instead
            velocity = self.thickness_rate(which, current_density)
            if velocity != 0.0:
                eigen[points, self.vert] = sign * velocity * h / self.electrode_thickness(which)
        return eigen

    def plating_velocity(self, which: int, current_density: float) -> float:
        """Li surface speed v = j Ω/F (m/s) of electrode ``which`` (0 bottom, −1 top); 0 for a
        layer that is not a metal (a cathode's volume change is not Li plating:
        :meth:`thickness_rate`)."""
        layer = self.electrodes[which]
        if current_density == 0.0 or self.case.material(layer).kind != "metal":
            return 0.0
        omega = self.molar_volume[layer]
        if omega is None:
            key = f"materials.{self.case.layer(layer).material}.molar_volume"
            raise CaseError("required to strip or plate this layer", key=key)
        return current_density * omega / FARADAY

    def thickness_rate(self, which: int, current_density: float) -> float:
        """Rate (m/s) at which electrode ``which`` thins (first layer) or thickens (last layer)
        under ``current_density`` (A/m², positive moves Li from the first to the last layer):
        the plating velocity jΩ/F of a metal; j Ω_c/F for a cathode or an alloy anode (volume
        interlayer) with a ``lithiation_molar_volume`` Ω_c (m³/mol); 0 for any other layer."""
        material = self.case.material(self.electrodes[which])
        if material.kind in ("cathode", "interlayer"):
            omega = material.lithiation_molar_volume
            return 0.0 if omega is None else current_density * omega / FARADAY
        return self.plating_velocity(which, current_density)

    def _stripped_volume(self, h: float, current_density: float) -> float:
        """Li volume (m³, or m² per m in 2D) stripped from the first layer in ``h`` seconds."""
        return self.plating_velocity(0, current_density) * h * self.collector_area()

