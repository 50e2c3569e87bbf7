"""Axial stiffness of source C's fixed-gap holder from its parts (springs in series / parallel).

    python scripts/holder_stiffness.py [--table docs/holder_stiffness.md]

The load path of the fixed-gap holder (Ham 2024, papers.md §C: 10 mm PEEK die, Ti rods) closes
through: top frame plate (bending + shear) -> rod-end contact -> top Ti rod -> [cell: Li | LPSCl |
Li, meshed] -> bottom Ti rod -> rod-end contact -> bottom frame plate -> tie bolts (in parallel,
tension) -> back to the top plate. Everything is in series except the bolts among themselves.
The cell (both Li foils and the LPSCl pellet) is in the finite-element mesh, so it is NOT counted
here; the PEEK die is not in the axial path (the rods slide in its bore; friction neglected).

Only the 10 mm rod diameter (the die bore) and the materials (Ti rods, PEEK die) are in papers.md;
every other dimension is ASSUMED and printed with its value, a compliant-end and a stiff-end value.
The three totals (nominal, compliant end, stiff end) bracket k for these assumptions, not for
holder designs the assumptions leave out (for example a load cell in the load path: printed as a
separate sensitivity line, not in the total).

Formulas (SI units, stiffness in N/m):
- rod or bolt in tension/compression: k = E A / L;
- frame plate: circular plate of thickness t simply supported on the bolt circle radius a, loaded
  by the rod end (radius r0) at its centre: bending of a point load (Timoshenko & Woinowsky-
  Krieger), w = W a² (3+ν) / (16 π D (1+ν)), D = E t³ / (12 (1-ν²)), plus the thick-plate shear
  deflection w = W ln(a/r0) / (2 π κ G t), κ = 5/6; k = W / w. Continuous support on the bolt
  circle is stiffer than three discrete bolts (the compliant end takes a thinner plate);
- rod-end contact: rigid flat punch of radius r0 on an elastic half-space (Boussinesq/Sneddon),
  k = 2 r0 E*, 1/E* = (1-ν1²)/E1 + (1-ν2²)/E2 (perfectly flat faces; roughness neglected);
- bolt: tensile stress area over the grip length plus 0.4 d for the head and 0.4 d for the nut
  (VDI 2230's substitute lengths, simplified); the clamped plates' own compression is neglected.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MM, GPA = 1e-3, 1e9


@dataclass(frozen=True)
class Dimension:
    """One input: nominal value, compliant-end and stiff-end values (SI), unit label for printing
    (with its scale to SI), and where it comes from."""

    nominal: float
    compliant: float
    stiff: float
    unit: str
    scale: float
    source: str


# Inputs. "papers.md" = stated in /work/shared/docs/papers.md §C; everything else is assumed.
DIMENSIONS: dict[str, Dimension] = {
    "rod diameter": Dimension(10 * MM, 10 * MM, 10 * MM, "mm", MM,
                              "papers.md (10 mm die, Ti rods)"),
    "rod length (each)": Dimension(25 * MM, 40 * MM, 15 * MM, "mm", MM,
                                   "ASSUMED: half a die height plus a protrusion"),
    "E Ti": Dimension(110 * GPA, 105 * GPA, 115 * GPA, "GPa", GPA,
                      "ASSUMED handbook value (Ti grade 2-5: 105-115 GPa)"),
    "nu Ti": Dimension(0.34, 0.34, 0.34, "-", 1.0, "ASSUMED handbook value"),
    "E steel": Dimension(200 * GPA, 193 * GPA, 200 * GPA, "GPa", GPA,
                         "ASSUMED handbook value (stainless 193, carbon steel 200-210)"),
    "nu steel": Dimension(0.30, 0.30, 0.30, "-", 1.0, "ASSUMED handbook value"),
    "plate thickness": Dimension(10 * MM, 6 * MM, 15 * MM, "mm", MM,
                                 "ASSUMED: steel frame plates, not stated"),
    "bolt circle radius": Dimension(25 * MM, 35 * MM, 20 * MM, "mm", MM,
                                    "ASSUMED: bolts outside a ~30-40 mm PEEK die"),
    "bolt count": Dimension(3, 3, 4, "-", 1.0,
                            "ASSUMED: 3, as the spring holder's three springs (papers.md)"),
    "bolt tensile stress area": Dimension(20.5e-6, 14.2e-6, 36.6e-6, "mm2", 1e-6,
                                          "ASSUMED 1/4-20 UNC (20.5 mm2); M5 14.2, M8 36.6"),
    "bolt nominal diameter": Dimension(6.35 * MM, 5 * MM, 8 * MM, "mm", MM,
                                       "ASSUMED, with the stress area"),
    "bolt grip length": Dimension(71 * MM, 100 * MM, 50 * MM, "mm", MM,
                                  "ASSUMED: two rods + cell + two plates"),
}

# A force sensor is not named in papers.md; a pressure read during a fixed-gap hold implies one.
LOAD_CELL = Dimension(1e8, 4e7, 3e8, "N/m", 1.0,
                      "ASSUMED sensitivity only (button load cell, ~20-50 um at 2-5 kN): "
                      "papers.md does not say a load cell is in the load path")


def series(*stiffnesses: float) -> float:
    """Springs in series: 1/k = Σ 1/k_i (N/m)."""
    return 1.0 / sum(1.0 / k for k in stiffnesses)


def parallel(*stiffnesses: float) -> float:
    """Springs in parallel: k = Σ k_i (N/m)."""
    return sum(stiffnesses)


def axial(young: float, area: float, length: float) -> float:
    """Bar in tension/compression: E A / L (N/m); E in Pa, A in m², L in m."""
    return young * area / length


def circle_area(diameter: float) -> float:
    """Area of a circle (m²) of ``diameter`` (m)."""
    return math.pi * diameter**2 / 4.0


def plate_centre(young: float, poisson: float, thickness: float, support_radius: float,
                 load_radius: float) -> float:
    """Centre stiffness (N/m) of a circular plate simply supported at ``support_radius`` under a
    central load spread over ``load_radius``: point-load bending plus thick-plate shear."""
    rigidity = young * thickness**3 / (12.0 * (1.0 - poisson**2))
    bending = support_radius**2 * (3.0 + poisson) / (16.0 * math.pi * rigidity * (1.0 + poisson))
    shear_modulus = young / (2.0 * (1.0 + poisson))
    shear = math.log(support_radius / load_radius) / (2.0 * math.pi * 5.0 / 6.0 * shear_modulus
                                                      * thickness)
    return 1.0 / (bending + shear)


def flat_punch(radius: float, young_1: float, poisson_1: float, young_2: float,
               poisson_2: float) -> float:
    """Rigid flat punch of ``radius`` (m) on an elastic half-space: 2 r E* (N/m)."""
    reduced = 1.0 / ((1.0 - poisson_1**2) / young_1 + (1.0 - poisson_2**2) / young_2)
    return 2.0 * radius * reduced


@dataclass(frozen=True)
class Part:
    """A part (group) of the load path: its stiffness k (N/m), how many, how they are combined."""

    name: str
    single: float
    count: int
    arrangement: str  # "series" or "parallel" (among the count copies)
    formula: str

    @property
    def stiffness(self) -> float:
        """Stiffness of the group (N/m)."""
        copies = [self.single] * self.count
        return series(*copies) if self.arrangement == "series" else parallel(*copies)


def parts(values: dict[str, float]) -> list[Part]:
    """The load path's parts for dimension ``values`` (SI)."""
    radius = values["rod diameter"] / 2.0
    rod = axial(values["E Ti"], circle_area(values["rod diameter"]), values["rod length (each)"])
    contact = flat_punch(radius, values["E Ti"], values["nu Ti"], values["E steel"],
                         values["nu steel"])
    plate = plate_centre(values["E steel"], values["nu steel"], values["plate thickness"],
                         values["bolt circle radius"], radius)
    bolt_length = values["bolt grip length"] + 0.8 * values["bolt nominal diameter"]
    bolt = axial(values["E steel"], values["bolt tensile stress area"], bolt_length)
    return [
        Part("Ti rod (axial)", rod, 2, "series", "E_Ti A_rod / L_rod"),
        Part("rod end on plate (contact)", contact, 2, "series", "2 r0 E* (flat punch)"),
        Part("frame plate (bending + shear)", plate, 2, "series",
             "circular plate, simply supported on the bolt circle"),
        Part("tie bolt (tension)", bolt, int(values["bolt count"]), "parallel",
             "E_steel A_s / (L_grip + 0.8 d)"),
    ]


def total(values: dict[str, float]) -> float:
    """Axial stiffness of the holder (N/m): every part group in series."""
    return series(*(part.stiffness for part in parts(values)))


def values_at(end: str) -> dict[str, float]:
    """Dimension values at ``end``: "nominal", "compliant" or "stiff"."""
    return {name: getattr(dim, end) for name, dim in DIMENSIONS.items()}


def report() -> str:
    """The inputs table, the parts table and the totals, as Markdown."""
    lines = ["## Inputs", "", "| input | nominal | compliant end | stiff end | source |",
             "|---|---|---|---|---|"]
    for name, dim in DIMENSIONS.items():
        cells = [f"{getattr(dim, end) / dim.scale:.4g}" for end in ("nominal", "compliant", "stiff")]
        lines.append(f"| {name} ({dim.unit}) | " + " | ".join(cells) + f" | {dim.source} |")
    ends = ("nominal", "compliant", "stiff")
    groups = {end: parts(values_at(end)) for end in ends}
    lines += ["", "## Parts (load path in series; bolts in parallel among themselves)", "",
              "| part | formula | k of one (N/m) | count | group k, nominal (N/m) | compliant end "
              "| stiff end | share of compliance |", "|---|---|---|---|---|---|---|---|"]
    holder = {end: total(values_at(end)) for end in ends}
    for index, part in enumerate(groups["nominal"]):
        share = holder["nominal"] / part.stiffness
        lines.append(f"| {part.name} | {part.formula} | {part.single:.3g} | {part.count} "
                     f"({part.arrangement}) | {part.stiffness:.3g} | "
                     f"{groups['compliant'][index].stiffness:.3g} | "
                     f"{groups['stiff'][index].stiffness:.3g} | {share:.0%} |")
    lines += ["| Li foils, LPSCl pellet | in the finite-element mesh | - | - | not counted | | | |",
              "| PEEK die | not in the axial load path (rods slide in the bore) | - | - | "
              "not counted | | | |",
              f"| **holder, all in series** | | | | **{holder['nominal']:.3g}** | "
              f"{holder['compliant']:.3g} | {holder['stiff']:.3g} | 100% |", ""]
    with_cell = {end: series(holder[end], getattr(LOAD_CELL, end)) for end in ends}
    lines += [f"Sensitivity (not in the total): a load cell of {LOAD_CELL.nominal:.3g} N/m "
              f"({LOAD_CELL.compliant:.3g}-{LOAD_CELL.stiff:.3g}) in series would give "
              f"{with_cell['nominal']:.3g} N/m ({with_cell['compliant']:.3g}-"
              f"{with_cell['stiff']:.3g}). {LOAD_CELL.source}.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", type=Path, default=None, help="write the tables as Markdown")
    args = parser.parse_args()
    text = report()
    print(text)
    print(f"holder stiffness k = {total(values_at('nominal')):.4g} N/m (nominal)")
    if args.table:
        args.table.parent.mkdir(parents=True, exist_ok=True)
        title = "# Source C fixed-gap holder: axial stiffness from its parts\n\n"
        body = f"Written by `python scripts/holder_stiffness.py --table {args.table}`.\n\n"
        args.table.write_text(title + body + text, encoding="utf-8")


if __name__ == "__main__":
    main()
