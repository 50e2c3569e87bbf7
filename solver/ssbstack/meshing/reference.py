"""Small reference cases of every geometry kind, used by tests, pictures and ``meshes/``.

``python -m ssbstack.meshing.reference DIR`` writes their meshes (``<name>.msh``, in m) to DIR.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ssbstack.config.loader import build_case, merge
from ssbstack.config.schema import Case

_BASE: dict[str, Any] = {
    "source": {"id": "verification", "citation": "ssbstack reference meshes"},
    "materials": {
        "Li": {"kind": "metal"},
        "Ag": {"kind": "interlayer"},
        "LLZO": {"kind": "electrolyte", "ionic_conductivity": "0.45 mS/cm"},
    },
    "stack": [
        {"name": "bottom_li", "material": "Li", "thickness": "20 um"},
        {"name": "bottom_ag", "material": "Ag", "thickness": "70 nm"},
        {"name": "se", "material": "LLZO", "thickness": "60 um"},
        {"name": "top_li", "material": "Li", "thickness": "20 um"},
    ],
    "electrochemistry": {"enabled": False},
    "protocol": {"steps": ["Rest for 1 minute"]},
}

REFERENCE: dict[str, dict[str, Any]] = {
    "planar2d": {"kind": "planar2d", "width": "100 um", "interfaces": {
        "bottom_li|se": {"morphology": "contact_fraction", "contact_fraction": 0.7,
                         "patch_radius": "5 um", "seed": 1},
        "se|top_li": {"morphology": "single_void", "radius": "10 um"}}},
    "axisymmetric": {"kind": "axisymmetric", "electrode_radius": "150 um",
                     "electrolyte_radius": "200 um", "interfaces": {
                         "bottom_li|se": {"morphology": "contact_fraction",
                                          "contact_fraction": 0.8, "patch_radius": "4 um",
                                          "seed": 2}}},
    "box3d": {"kind": "box3d", "width": "60 um", "mesh": {"interface": "6 um", "bulk": "15 um"},
              "interfaces": {
                  "bottom_li|se": {"morphology": "contact_fraction", "contact_fraction": 0.8,
                                   "patch_radius": "8 um", "seed": 3},
                  "se|top_li": {"morphology": "rough", "amplitude": "2 um",
                                "wavelength": "30 um"}}},
    "disc3d": {"kind": "disc3d", "electrode_radius": "80 um", "electrolyte_radius": "100 um",
               "mesh": {"interface": "10 um", "bulk": "25 um"},
               "interfaces": {"bottom_li|se": {"morphology": "single_void", "radius": "20 um",
                                               "position": ["20 um", "0 um"]}}},
}


def reference_case(kind: str, geometry: dict[str, Any] | None = None, *, replace: bool = False,
                   **extra: Any) -> Case:
    """The reference case of a geometry kind. ``geometry`` keys replace the reference ones (an
    ``interfaces`` table replaces all interfaces; other tables merge key by key) or, with
    ``replace``, the whole section; ``extra`` top-level keys replace the base case's."""
    data = merge(_BASE, {"name": f"reference-{kind}", "geometry": REFERENCE[kind], **extra})
    if replace:
        data["geometry"] = geometry
    elif geometry:
        base = {k: v for k, v in data["geometry"].items()
                if not (k == "interfaces" and "interfaces" in geometry)}
        data["geometry"] = merge(base, geometry)
    return build_case(data, file=f"<reference {kind}>")


# Coarser sizes for the committed files under meshes/ (KB-sized, text .msh).
COARSE: dict[str, dict[str, Any]] = {
    "planar2d": {"mesh": {"interface": "5 um", "bulk": "20 um"}},
    "axisymmetric": {"mesh": {"interface": "5 um", "bulk": "40 um", "edge": "2 um"}},
    "box3d": {"mesh": {"interface": "12 um", "bulk": "30 um", "edge": "4 um"}},
    "disc3d": {"mesh": {"interface": "20 um", "bulk": "40 um", "edge": "8 um"}},
}


def main(outdir: str) -> None:
    """Write ``<kind>.msh`` (coordinates in m) for every reference case, coarsened, and
    ``planar2d.vtu`` (tag-table integers in ``cell_tags``) to ``outdir`` (serial)."""
    from mpi4py import MPI

    from ssbstack.meshing.files import msh_to_meshio
    from ssbstack.meshing.stack import build_mesh

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    for kind in REFERENCE:
        stack_mesh = build_mesh(reference_case(kind, COARSE[kind]), MPI.COMM_SELF, keep_msh=True)
        assert stack_mesh.msh is not None
        (out / f"{kind}.msh").write_bytes(stack_mesh.msh)
        print(f"{kind}: {stack_mesh.quality['cells']} cells")
    msh_to_meshio(out / "planar2d.msh", out / "planar2d.vtu")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "meshes")
