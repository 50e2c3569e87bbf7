"""A short stripping ramp on the cheap study RVE (cases/verification/coupled_rve_ccd.toml) with a
CCD target: the case the CCD scripts' tests run."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = """extends = "{base}"
name = "rve-ccd-script-test"
{extra}
[protocol]
steps = [{{ ramp = "0.2 to 1 mA/cm2 by 0.2 mA/cm2", cycles = 1, steps = ["Strip for 10 seconds"] }}]
[targets.ccd]
value = {target}
unit = "mA/cm2"
"""


def write_study_case(path: Path, target: float, extra: str = "") -> Path:
    """Write the case to ``path`` (``extra``: more TOML tables, e.g. [coupling.vacancy])."""
    base = ROOT / "cases" / "verification" / "coupled_rve_ccd.toml"
    path.write_text(TEMPLATE.format(base=base.as_posix(), extra=extra, target=target))
    return path
