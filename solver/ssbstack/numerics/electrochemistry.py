"""The electrochemistry model: builds the electrolyte submesh, spaces and solver; one solve per call.

Implements :class:`ssbstack.numerics.model.Model`. The state has no history (no capacitance, no
concentration), so the model is static: the runner solves it once at the end of each step.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ssbstack.compat import load_dolfinx
from ssbstack.config.schema import Case, Kinetics
from ssbstack.meshing.stack import StackMesh
from ssbstack.numerics.model import Control, StepResult
from ssbstack.physics.electrochemistry import (
    FARADAY,
    GAS_CONSTANT,
    ContactKinetics,
    electrolyte_forms,
)

COLUMNS = [
    "ohmic_V",
    "kinetic_bottom_V",
    "kinetic_top_V",
    "constriction_V",
    "asr_ohm_m2",
    "mean_current_bottom_A_m2",
    "max_current_bottom_A_m2",
    "hot_spot_factor_bottom",
    "mean_current_top_A_m2",
    "max_current_top_A_m2",
    "hot_spot_factor_top",
    "charge_balance_A",
    "newton_iterations",
]


def petsc_solver_options(case: Case) -> dict[str, Any]:
    """SNES/KSP options from ``[numerics]``: MUMPS for small problems, GMRES + GAMG otherwise."""
    numerics = case.numerics
    options: dict[str, Any] = {
        "snes_type": "newtonls",
        "snes_linesearch_type": "basic",
        "snes_rtol": numerics.newton_rtol,
        "snes_atol": numerics.newton_atol,
        "snes_stol": 0.0,
        "snes_max_it": numerics.newton_max_iterations,
    }
    if numerics.linear_solver == "direct":
        options |= {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"}
    else:
        options |= {"ksp_type": "gmres", "ksp_rtol": 1e-10, "pc_type": "gamg"}
    return options


class ElectrochemistryModel:
    """Electrolyte potential + cell voltage under galvanostatic or potentiostatic control."""

    time_dependent = False

    def __init__(self, case: Case, stack_mesh: StackMesh, comm: Any, outdir: Path | None = None):
        dolfinx = load_dolfinx()
        import basix.ufl
        import dolfinx.fem.petsc
        import ufl

        self.case, self.comm = case, comm
        mesh, tags = stack_mesh.mesh, stack_mesh.tags
        tdim = mesh.topology.dim
        electrolyte = case.electrolyte.name
        cells = stack_mesh.cell_tags.find(tags.cell(electrolyte))
        self.mesh, cell_map, vertex_map, _ = dolfinx.mesh.create_submesh(mesh, tdim, cells)
        mesh.topology.create_connectivity(tdim - 1, tdim)
        self.mesh.topology.create_connectivity(tdim - 1, tdim)
        facet_tags = dolfinx.mesh.transfer_meshtags_to_submesh(
            stack_mesh.facet_tags, self.mesh, vertex_map, cell_map
        )
        below = next(i for i in tags.interfaces if i.upper == electrolyte)
        above = next(i for i in tags.interfaces if i.lower == electrolyte)
        self.interfaces = (below, above)
        ds = ufl.Measure("ds", domain=self.mesh, subdomain_data=facet_tags)
        self.ds_bottom, self.ds_top = ds(below.contact_tag), ds(above.contact_tag)

        temperature = case.conditions.temperature
        material = case.material(electrolyte)
        self.conductivity = material.ionic_conductivity_at(temperature)
        self.thickness = case.layer(electrolyte).thickness
        self.f = FARADAY / (GAS_CONSTANT * temperature)

        self.space = dolfinx.fem.functionspace(self.mesh, ("Lagrange", case.numerics.element_degree))
        real = dolfinx.fem.functionspace(
            self.mesh, basix.ufl.real_element(self.mesh.basix_cell(), ())
        )
        self.phi = dolfinx.fem.Function(self.space, name="phi_e")
        self.voltage = dolfinx.fem.Function(real, name="cell_voltage")

        def constant(value: float) -> Any:
            return dolfinx.fem.Constant(self.mesh, dolfinx.default_scalar_type(value))

        self.applied_current = constant(0.0)
        self.set_voltage = constant(0.0)
        self.galvanostatic = constant(1.0)
        one = constant(1.0)
        self.contact_area = (self._integral(one * self.ds_bottom), self._integral(one * self.ds_top))
        self.nominal_area = self._nominal_area(stack_mesh)
        if min(self.contact_area) <= 0.0:
            raise ValueError("an electrode has no contact facets with the electrolyte")

        self.forms = electrolyte_forms(
            self.phi,
            self.voltage,
            constant(self.conductivity),
            self._kinetics(case.kinetics(below.name), temperature),
            self._kinetics(case.kinetics(above.name), temperature),
            self.ds_bottom,
            self.ds_top,
            constant(self.f),
            self.applied_current,
            constant(self.nominal_area),
            constant(self.contact_area[0]),
            self.set_voltage,
            self.galvanostatic,
            constant(self.conductivity / self.thickness),
        )
        prefix = f"ssbstack_echem_{id(self)}_"
        self.problem = dolfinx.fem.petsc.NonlinearProblem(
            self.forms.residual,
            [self.phi, self.voltage],
            kind="mpi",
            petsc_options_prefix=prefix,
            petsc_options=petsc_solver_options(case),
        )
        compiled = {
            name: dolfinx.fem.form(expr)
            for name, expr in {
                "joule": self.forms.joule_heating * ufl.dx(domain=self.mesh),
                "current_bottom": self.forms.current_bottom * self.ds_bottom,
                "current_top": self.forms.current_top * self.ds_top,
                "power_bottom": self.forms.current_bottom * self.forms.eta_bottom * self.ds_bottom,
                "power_top": self.forms.current_top * self.forms.eta_top * self.ds_top,
            }.items()
        }
        self._post = compiled
        self._kin = (case.kinetics(below.name), case.kinetics(above.name))
        self._interface_dofs = tuple(
            self._dofs_on(facet_tags, item.contact_tag) for item in self.interfaces
        )
        self._accepted = (self.phi.x.array.copy(), self.voltage.x.array.copy())
        self._writer = None
        if outdir is not None and case.outputs.fields and dolfinx.has_adios2:
            self._writer = dolfinx.io.VTXWriter(
                comm, Path(outdir) / "fields" / "electrolyte.bp", [self.phi], engine="BP4"
            )

    # -- set-up helpers ------------------------------------------------------------------------
    def _integral(self, expression: Any) -> float:
        dolfinx = load_dolfinx()
        from mpi4py import MPI

        local = dolfinx.fem.assemble_scalar(dolfinx.fem.form(expression))
        return self.comm.allreduce(local, op=MPI.SUM)

    def _nominal_area(self, stack_mesh: StackMesh) -> float:
        """Projected electrode area: the measure of the bottom collector boundary (m² or m)."""
        import ufl

        from ssbstack.meshing.tags import BOTTOM

        dolfinx = load_dolfinx()
        ds = ufl.Measure("ds", domain=stack_mesh.mesh, subdomain_data=stack_mesh.facet_tags)
        one = dolfinx.fem.Constant(stack_mesh.mesh, dolfinx.default_scalar_type(1.0))
        return self._integral(one * ds(BOTTOM))

    def _kinetics(self, kinetics: Kinetics | None, temperature: float) -> ContactKinetics:
        assert kinetics is not None  # the schema guarantees kinetics on every interface
        return ContactKinetics(
            kinetics.exchange_current(temperature),
            kinetics.alpha_anodic,
            kinetics.alpha_cathodic,
            kinetics.form == "linear",
        )

    def _dofs_on(self, facet_tags: Any, tag: int) -> np.ndarray:
        dolfinx = load_dolfinx()
        fdim = self.mesh.topology.dim - 1
        dofs = dolfinx.fem.locate_dofs_topological(self.space, fdim, facet_tags.find(tag))
        owned = self.space.dofmap.index_map.size_local * self.space.dofmap.index_map_bs
        return dofs[dofs < owned]

    # -- runner interface ----------------------------------------------------------------------
    def columns(self) -> list[str]:
        """Columns this model adds to timeseries.csv."""
        return list(COLUMNS)

    def solve(self, time: float, dt: float, control: Control) -> StepResult:
        """Solve the electrolyte problem for ``control`` (collective)."""
        if control.voltage is None:
            self.galvanostatic.value = 1.0
            self.applied_current.value = control.current_density or 0.0
        else:
            self.galvanostatic.value = 0.0
            self.set_voltage.value = control.voltage
        self.problem.solve()
        solver = self.problem.solver
        reason, iterations = solver.getConvergedReason(), solver.getIterationNumber()
        if reason <= 0:
            return StepResult(
                False, iterations,
                message=f"electrochemistry Newton solve diverged (SNES reason {reason}) after "
                f"{iterations} iterations; try a smaller current step or numerics.linear_solver",
            )
        return StepResult(True, iterations, self._outputs(iterations))

    def _outputs(self, iterations: int) -> dict[str, float]:
        from mpi4py import MPI

        dolfinx = load_dolfinx()

        def total(name: str) -> float:
            return self.comm.allreduce(dolfinx.fem.assemble_scalar(self._post[name]), op=MPI.SUM)

        voltage = float(self.voltage.x.array[0])
        current = total("current_bottom")  # A (per unit depth in 2D)
        current_top = total("current_top")
        mean_density = current / self.nominal_area
        values = {"voltage_V": voltage, "newton_iterations": float(iterations)}
        if abs(current) > 0.0:
            ohmic = total("joule") / current
            values |= {
                "ohmic_V": ohmic,
                "kinetic_bottom_V": total("power_bottom") / current,
                "kinetic_top_V": total("power_top") / current,
                "constriction_V": ohmic - mean_density * self.thickness / self.conductivity,
                "asr_ohm_m2": voltage / mean_density,
            }
        else:
            values |= dict.fromkeys(
                ["ohmic_V", "kinetic_bottom_V", "kinetic_top_V", "constriction_V", "asr_ohm_m2"],
                math.nan,
            )
        for side, dofs, kin, area, integral in zip(
            ("bottom", "top"), self._interface_dofs, self._kin, self.contact_area,
            (current, current_top), strict=True,
        ):
            local = self._local_current(dofs, kin, side)
            peak = self.comm.allreduce(float(np.max(np.abs(local), initial=0.0)), op=MPI.MAX)
            mean = abs(integral) / area
            values[f"mean_current_{side}_A_m2"] = mean
            values[f"max_current_{side}_A_m2"] = peak
            values[f"hot_spot_factor_{side}"] = peak / mean if mean > 0 else math.nan
        values["charge_balance_A"] = current + current_top
        return values

    def _local_current(self, dofs: np.ndarray, kinetics: Kinetics | None, side: str) -> np.ndarray:
        """Anodic current density (A/m²) at the owned contact dofs of one electrode."""
        assert kinetics is not None
        phi_s = float(self.voltage.x.array[0]) if side == "bottom" else 0.0
        eta = phi_s - self.phi.x.array[dofs]
        i0 = kinetics.exchange_current(self.case.conditions.temperature)
        if kinetics.form == "linear":
            return i0 * self.f * eta
        return i0 * (np.exp(kinetics.alpha_anodic * self.f * eta)
                     - np.exp(-kinetics.alpha_cathodic * self.f * eta))

    def accept(self) -> None:
        """Keep the solved state as the initial guess for the next solve."""
        self._accepted = (self.phi.x.array.copy(), self.voltage.x.array.copy())

    def reject(self) -> None:
        """Return to the last accepted state."""
        self.phi.x.array[:] = self._accepted[0]
        self.voltage.x.array[:] = self._accepted[1]

    def write_fields(self, time: float) -> None:
        """Write φ_e to fields/electrolyte.bp (collective)."""
        if self._writer is not None:
            self._writer.write(time)

    def close(self) -> None:
        """Close the field writer (collective)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
