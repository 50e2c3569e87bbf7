"""Verification checks run by ``ssbstack verify``: exact or manufactured answers with tolerances.

Each physics area has a module here (``electrochemistry``, ``mechanics``, ...). Every public
function named ``verify_<name>(comm)`` is a check: it returns ``(reference, computed, rel_error,
tolerance)`` (floats; for a convergence-rate check the reference is the optimal rate). Checks are
collective: every rank calls every check.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Check = Callable[[Any], tuple[float, float, float, float]]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check."""

    name: str
    reference: float
    computed: float
    rel_error: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return self.rel_error <= self.tolerance


def discover() -> dict[str, Check]:
    """All checks of all modules in this package, keyed '<module>.<name>'."""
    checks: dict[str, Check] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for attribute, function in vars(module).items():
            if attribute.startswith("verify_") and callable(function):
                checks[f"{module_info.name}.{attribute.removeprefix('verify_')}"] = function
    return checks


def run_check(name: str, check: Check, comm: Any) -> CheckResult:
    """Run one check (collective)."""
    reference, computed, rel_error, tolerance = check(comm)
    return CheckResult(name, float(reference), float(computed), float(rel_error), float(tolerance))
