"""The mechanics state a rejected step restores, and its checkpoint rows (part of
:class:`~ssbstack.numerics.mechanics.MechanicsModel`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ssbstack.io.checkpoint import (
    function_rows,
    geometry_rows,
    restore_function,
    restore_geometry,
    saved_rows,
    scalar_rows,
)
from ssbstack.numerics.model import Cellwise


@dataclass
class MechanicsState:
    """Everything a rejected step must restore."""

    stress: np.ndarray  # (points, ncomp) Mandel, Pa
    creep: np.ndarray  # (points,) equivalent creep strain
    plate: float  # δ, m (top plate displacement from the unloaded geometry)
    geometry: np.ndarray  # mesh coordinates, m
    displacement: np.ndarray  # total displacement dofs (output only), m
    stripped: float  # Li volume removed from the bottom electrode, m³ (m² per m in 2D)
    pressure: float = 0.0  # stack pressure, Pa
    resistance: np.ndarray | None = None  # (points,) Anand deformation resistance s, Pa (else 0)
    offset: np.ndarray = field(default_factory=lambda: np.zeros(0))  # Li removed per contact pair, m
    bonded: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # pairs holding tension
    extrusion: np.ndarray = field(default_factory=lambda: np.zeros(0))  # column lengths in the die gap, m

    def copy(self) -> MechanicsState:
        return MechanicsState(self.stress.copy(), self.creep.copy(), self.plate,
                              self.geometry.copy(), self.displacement.copy(), self.stripped, self.pressure,
                              self.resistance.copy(), self.offset.copy(), self.bonded.copy(),
                              self.extrusion.copy())


class Checkpointing:
    """Mixin of :class:`MechanicsModel`: the accepted state as checkpoint rows and back."""

    def state(self) -> dict[str, Cellwise]:
        """The accepted state as cell-wise checkpoint rows (collective)."""
        self.reject()  # the accepted state is in the functions and the mesh
        owned, keys, accepted = self.nowned, self.cell_keys, self.accepted
        scalars = [accepted.plate, accepted.stripped, accepted.pressure, self.plate_reference,
                   float(self.loaded), self.next_substep]
        return {
            "mechanics_stress": (keys[:owned], accepted.stress.reshape(self.ncells, -1)[:owned]),
            "mechanics_creep": (keys[:owned], accepted.creep.reshape(self.ncells, -1)[:owned]),
            "mechanics_resistance": (keys[:owned],
                                     accepted.resistance.reshape(self.ncells, -1)[:owned]),
            "mechanics_displacement": function_rows(self.u_total, keys),
            "mechanics_geometry": geometry_rows(self.mesh, keys),
            "mechanics_scalars": scalar_rows(np.array(scalars)),
            "mechanics_contact_offset": scalar_rows(accepted.offset),
            "mechanics_contact_bonded": scalar_rows(accepted.bonded.astype(float)),
            "mechanics_extrusion": scalar_rows(accepted.extrusion),
        }

    def restore(self, arrays: dict[str, Cellwise]) -> None:
        """Set the accepted state from checkpoint rows, on any number of ranks (collective)."""
        keys = self.cell_keys

        def rows(name: str) -> np.ndarray:
            return saved_rows(keys, arrays[name])

        restore_geometry(self.mesh, keys, arrays["mechanics_geometry"])
        restore_function(self.u_total, keys, arrays["mechanics_displacement"])
        plate, stripped, pressure, reference, loaded, substep = arrays["mechanics_scalars"][1][0]
        resistance = (rows("mechanics_resistance").ravel() if "mechanics_resistance" in arrays
                      else self.material.initial_resistance())  # checkpoints before the Anand law
        self.current = MechanicsState(rows("mechanics_stress").reshape(-1, self.ncomp),
                            rows("mechanics_creep").ravel(), float(plate),
                            self.mesh.geometry.x.copy(), self.u_total.x.array.copy(),
                            float(stripped), float(pressure), resistance,
                            arrays.get("mechanics_contact_offset", scalar_rows(
                                np.zeros(self.current.offset.size)))[1][0].copy(),
                            arrays["mechanics_contact_bonded"][1][0] > 0.5
                            if "mechanics_contact_bonded" in arrays else self._initial_bonds(),
                            arrays["mechanics_extrusion"][1][0].copy()
                            if "mechanics_extrusion" in arrays else self.accepted.extrusion.copy())
        self.plate_reference, self.loaded = float(reference), bool(loaded)
        self.next_substep = float(substep)
        self._set_allowance(self.current)
        self.accept()

