"""What the mechanics reports (part of :class:`~ssbstack.numerics.mechanics.MechanicsModel`): the
output row of a solved state, the contact summaries and gaps, the stripped volume, and the field
files for ParaView."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ssbstack.numerics.mechanics_newton import mpi
from ssbstack.physics import mechanics as phys


class MechanicsOutputs:
    """Mixin of :class:`MechanicsModel`: reads the model's state, forms and writers."""

    def _values(self) -> dict[str, float]:
        """One row of outputs for the current (just solved) state."""
        pressure = self.current.pressure
        owned = self.nowned * self.nqp
        vm = phys.von_mises(self.current.stress[:owned], self.kin)
        self._set_q(self.rate_q, self.last_rate)
        volume = self._sum(self.interface_volume)
        rate = self._sum(self.interface_rate) / volume if volume > 0 else math.nan
        return {
            "stack_pressure_Pa": pressure,
            "li_thickness_m": self.li_thickness(),
            "plate_displacement_m": self.current.plate,
            "max_von_mises_Pa": self.comm.allreduce(float(vm.max()) if vm.size else 0.0,
                                                    op=mpi().MAX),
            "creep_strain_rate_interface_1_s": rate,
            **self.contact_summary(),
            **(self.wall.summary(self.u_total.x.array) if self.wall else {}),
            **(self.extrusion.summary(self.current.extrusion) if self.extrusion else {}),
            **(self.roller.summary() if self.roller else {}),
        }

    def contact_summary(self) -> dict[str, float]:
        """Contact fraction, largest gap and overlap (m) of the current state (collective)."""
        contact = self.contact
        if contact is None:
            return {}
        relative = contact.relative_displacement(self.u_total.x.array)
        return contact.summary(relative, self.current.offset, self.current.bonded)

    def pair_gaps(self) -> np.ndarray:
        """Gap g (m) of every contact pair in the current state (global, every rank; collective)."""
        contact = self.contact
        relative = contact.relative_displacement(self.u_total.x.array)
        return contact.gaps(relative, self.current.offset)

    @property
    def stripped_volume(self) -> float:
        """Li volume stripped from the first layer since the start (accepted + current)."""
        return self.current.stripped

    def write_fields(self, time: float) -> None:
        """Write u, von Mises and equivalent creep strain (VTX, collective)."""
        if not self.writers:
            return
        vm = phys.von_mises(self.current.stress, self.kin).reshape(self.ncells, self.nqp)
        creep = self.current.creep.reshape(self.ncells, self.nqp)
        dofmap = self.von_mises_field.function_space.dofmap.list.ravel()
        self.von_mises_field.x.array[dofmap] = vm @ self.qweights
        self.creep_field.x.array[dofmap] = creep @ self.qweights
        for writer in self.writers:
            writer.write(time)

    def close(self) -> None:
        """Close writers (collective)."""
        for writer in self.writers:
            writer.close()
        self.writers = []

    def _open_writers(self, outdir: Path) -> None:
        dolfinx = self.dolfinx
        W0 = dolfinx.fem.functionspace(self.mesh, ("Discontinuous Lagrange", 0))
        self.von_mises_field = dolfinx.fem.Function(W0, name="von_mises")
        self.creep_field = dolfinx.fem.Function(W0, name="equivalent_creep_strain")
        folder = outdir / "fields"
        folder.mkdir(parents=True, exist_ok=True)
        self.writers = [
            dolfinx.io.VTXWriter(self.comm, str(folder / "displacement.bp"), [self.u_total]),
            dolfinx.io.VTXWriter(self.comm, str(folder / "creep.bp"),
                                 [self.von_mises_field, self.creep_field]),
        ]
