"""Verification of the roll (``mechanics.roller``) on ``cases/verification/roller_uniform``.

- The assembled Hertz pressure integrates to the line load: ∫ p ds = F' = F / length when the
  contact lies inside the top surface. The √ profile's edge kink is the only quadrature error:
  with a = 60 µm it is 6.3e-3, 2.4e-3, 6.5e-4 on 50, 25, 12.5 µm facets (about O(h^1.5)); the
  check takes 25 µm (3e-3). On the roll-bonding cases (a = 0.5 mm, 15–25 µm) it is smaller.
- Wide contact (a = 100 × the layer width): the pressure is uniform to 1.25e-5 over the layer, so
  an elastic layer bonded to a rigid base with sides on rollers is in uniaxial strain and its
  thickness changes by −p h (1+ν)(1−2ν) / (E (1−ν)), p = p₀ √(1 − (x − x_c)²/a²) at the middle
  (mean thickness change of the two layers over the width, relative error).

Each ``verify_<name>(comm)`` returns ``(reference, computed, rel_error, tolerance)``.
"""

from __future__ import annotations

import math
from typing import Any

from ssbstack.config.loader import load_case
from ssbstack.verification.mechanics import _relative, case_file, run_history

NARROW = ['mechanics.roller.half_width="60 um"']


def line_load_error(comm: Any, overrides: list[str]) -> tuple[float, float, float]:
    """(F', ∫ p ds of the assembled pressure, relative error) at the roll's start position."""
    from ssbstack.meshing.stack import build_mesh
    from ssbstack.numerics.mechanics import MechanicsModel

    case = load_case(case_file("roller_uniform"), NARROW + overrides)
    model = MechanicsModel(case, build_mesh(case, comm), comm)
    reference = case.mechanics.roller.line_load_per_depth()
    computed = model.roller.line_load()
    return reference, computed, _relative(reference, computed)


def verify_line_load(comm: Any) -> tuple[float, float, float, float]:
    """∫ p ds = F / length for a contact inside the surface (a = 60 µm, 25 µm facets;
    relative error 3e-3)."""
    reference, computed, error = line_load_error(comm, [])
    return reference, computed, error, 3e-3


def uniform_compression(comm: Any, overrides: list[str]) -> tuple[float, float, float]:
    """(reference thickness change, computed, relative error), m, under the wide roll."""
    from ssbstack.numerics.roller import thickness_change

    case = load_case(case_file("roller_uniform"), overrides)
    model, _ = run_history(case, comm, [1.0])
    roller = case.mechanics.roller
    material = case.material(case.stack[0].name)
    young, nu = material.youngs_modulus, material.poisson_ratio
    width = case.geometry.width
    middle = roller.centre(1.0) - 0.5 * width
    pressure = roller.peak_pressure() * math.sqrt(1.0 - (middle / roller.contact_half_width()) ** 2)
    height = sum(layer.thickness for layer in case.stack)
    reference = -pressure * height * (1.0 + nu) * (1.0 - 2.0 * nu) / (young * (1.0 - nu))
    computed = sum(thickness_change(model, layer.name, (0.0, width)) for layer in case.stack)
    return reference, computed, _relative(reference, computed)


def verify_uniform_compression(comm: Any) -> tuple[float, float, float, float]:
    """Wide roll on an elastic layer: uniaxial-strain thinning p h (1+ν)(1−2ν)/(E(1−ν))
    (relative error 5e-5: the pressure varies by 1.25e-5 over the layer)."""
    reference, computed, error = uniform_compression(comm, [])
    return reference, computed, error, 5e-5
