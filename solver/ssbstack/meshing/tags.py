"""The one tag table: names ↔ integers for cells and facets, shared by meshing, physics and output.

Numbering (stable, derived from the stack order, bottom → top):
- cells: meshed layer k (0-based, sheets skipped) → ``k + 1``, named after the layer;
- outer boundaries: ``bottom`` = 1 (collector under the first layer), ``top`` = 2 (collector on
  the last layer), ``side`` = 3 (lateral surface; in 2D/3D RVEs the sides that are not periodic);
  ``axis`` = 4 (the symmetry axis of an axisymmetric mesh);
- the interface between meshed layers k and k+1: contact facets ``100 + k`` named ``"lower|upper"``,
  void (gap) facets ``200 + k`` named ``"lower|upper:void"``. No current or traction crosses a
  void facet. When mechanics splits an interface (frictionless contact), its nodes are duplicated
  and the lower layer's side of it gets its own facets: ``300 + k`` (contact, named
  ``"lower|upper:lower"``) and ``400 + k`` (void, ``"lower|upper:void:lower"``); the upper side
  keeps ``100 + k`` / ``200 + k``. Thin layers between them (below the sheet threshold) are not
  meshed; the interface carries them in ``sheets`` and physics gives it their sheet properties.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BOTTOM = 1
TOP = 2
SIDE = 3
AXIS = 4
CONTACT_BASE = 100
VOID_BASE = 200
LOWER_CONTACT_BASE = 300
LOWER_VOID_BASE = 400


@dataclass(frozen=True)
class Interface:
    """The interface between two meshed layers, with the sheet layers squeezed into it."""

    lower: str
    upper: str
    contact_tag: int
    void_tag: int
    sheets: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.lower}|{self.upper}"

    @property
    def void_name(self) -> str:
        return f"{self.name}:void"

    @property
    def lower_contact_tag(self) -> int:
        """Tag of the lower layer's contact facets once the interface is split."""
        return self.contact_tag - CONTACT_BASE + LOWER_CONTACT_BASE

    @property
    def lower_void_tag(self) -> int:
        """Tag of the lower layer's void facets once the interface is split."""
        return self.void_tag - VOID_BASE + LOWER_VOID_BASE

    def side_tags(self, layer: str, split: bool) -> tuple[int, int]:
        """(contact, void) facet tags of the interface as ``layer``'s cells see it: the upper
        layer always has ``100 + k`` / ``200 + k``; the lower layer has them too unless the
        interface is ``split``, then ``300 + k`` / ``400 + k``."""
        if layer not in (self.lower, self.upper):
            raise KeyError(f"layer '{layer}' is not on interface '{self.name}'")
        if split and layer == self.lower:
            return self.lower_contact_tag, self.lower_void_tag
        return self.contact_tag, self.void_tag


@dataclass(frozen=True)
class TagTable:
    """Cell and facet tags of one stack mesh."""

    layers: tuple[str, ...]
    interfaces: tuple[Interface, ...]

    @classmethod
    def from_stack(cls, layers: Sequence[tuple[str, float]], sheet_threshold: float) -> TagTable:
        """Build the table from ``(name, thickness_m)`` pairs, bottom → top.

        Layers thinner than ``sheet_threshold`` (m) become sheets of the interface they sit in.
        The first and last layers are always meshed.
        """
        meshed: list[str] = []
        pending_sheets: list[str] = []
        sheets_between: list[tuple[str, ...]] = []
        for i, (name, thickness) in enumerate(layers):
            is_end = i in (0, len(layers) - 1)
            if thickness < sheet_threshold and not is_end:
                pending_sheets.append(name)
                continue
            if meshed:
                sheets_between.append(tuple(pending_sheets))
            pending_sheets = []
            meshed.append(name)
        interfaces = tuple(
            Interface(meshed[k], meshed[k + 1], CONTACT_BASE + k, VOID_BASE + k, sheets_between[k])
            for k in range(len(meshed) - 1)
        )
        return cls(tuple(meshed), interfaces)

    def cell(self, layer: str) -> int:
        """Cell tag of a meshed layer."""
        try:
            return self.layers.index(layer) + 1
        except ValueError:
            meshed = ", ".join(self.layers)
            raise KeyError(f"no meshed layer '{layer}' (meshed: {meshed})") from None

    def interface(self, lower: str, upper: str | None = None) -> Interface:
        """The interface named ``"lower|upper"`` (or given as two layer names)."""
        name = lower if upper is None else f"{lower}|{upper}"
        for item in self.interfaces:
            if item.name == name:
                return item
        known = ", ".join(i.name for i in self.interfaces)
        raise KeyError(f"no interface '{name}' (known: {known})")

    def cell_groups(self) -> dict[str, int]:
        """Physical-group names of cells → tags."""
        return {name: self.cell(name) for name in self.layers}

    def facet_groups(self) -> dict[str, int]:
        """Physical-group names of facets → tags (outer boundaries, contact and void facets)."""
        groups = {"bottom": BOTTOM, "top": TOP, "side": SIDE, "axis": AXIS}
        for item in self.interfaces:
            groups[item.name] = item.contact_tag
            groups[item.void_name] = item.void_tag
        return groups
