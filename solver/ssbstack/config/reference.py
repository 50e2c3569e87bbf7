"""The case-file reference (docs/case-reference.md), generated from the schema itself.

``python -m ssbstack.config.reference > docs/case-reference.md`` regenerates it; a test checks
that the committed file is in step with the schema.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from ssbstack.config.base import Section
from ssbstack.config.schema import Case
from ssbstack.units import Unit


def _members(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _sections(annotation: Any) -> list[type[Section]]:
    """The section models an annotation stands for (a model, or a union of models)."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return [m for m in _members(annotation) if isinstance(m, type) and issubclass(m, Section)]


def _nested(annotation: Any) -> tuple[str, list[type[Section]]] | None:
    """('table' | 'named' | 'array', models) when a field holds section(s)."""
    for member in _members(annotation):
        origin, args = typing.get_origin(member), typing.get_args(member)
        if _sections(member):
            return "table", _sections(member)
        if origin is dict and _sections(args[1]):
            return "named", _sections(args[1])
        if origin is list and _sections(args[0]):
            return "array", _sections(args[0])
    return None


def _unit(field: FieldInfo) -> Unit | None:
    """The Unit marker of a quantity field (also inside ``Quantity | None``)."""
    metadata = list(field.metadata)
    for member in _members(field.annotation):
        metadata += list(getattr(member, "__metadata__", ()))
    return next((m for m in metadata if isinstance(m, Unit)), None)


def _type_name(field: FieldInfo) -> str:
    unit = _unit(field)
    container = typing.get_origin(field.annotation)
    if container in (dict, list):
        value = typing.get_args(field.annotation)[-1]
        inner = next((m for m in getattr(value, "__metadata__", ()) if isinstance(m, Unit)), None)
        if inner is not None:
            shape = "table: name →" if container is dict else "list of"
            return f"{shape} {inner.dimension} ({inner.si_unit})"
    if unit is not None:
        optional = type(None) in typing.get_args(field.annotation)
        return f"{unit.dimension} ({unit.si_unit})" + (" or none" if optional else "")
    text = str(field.annotation).replace("typing.", "").replace("ssbstack.config.", "")
    for prefix in ("schema.", "protocol.", "geometry.", "mechanics.", "materials.", "coupling."):
        text = text.replace(prefix, "")
    return text.replace("<class '", "").replace("'>", "").replace("NoneType", "none")


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    if field.default is PydanticUndefined:
        return "(empty)" if field.default_factory is not None else ""
    if isinstance(field.default, BaseModel):
        return "(table defaults)"
    return f"`{field.default!r}`"


def _section(title: str, model: type[BaseModel], lines: list[str]) -> None:
    lines += [f"### `{title}`", "", (model.__doc__ or "").strip().splitlines()[0], "",
              "| key | type | default | description |", "|---|---|---|---|"]
    children: list[tuple[str, type[Section]]] = []
    for name, field in model.model_fields.items():
        nested = _nested(field.annotation)
        if nested is not None:
            kind, models = nested
            path = f"{title}.{name}".lstrip(".")
            child_title = {"table": path, "named": f"{path}.<name>", "array": f"[{path}]"}[kind]
            variants = len(models) > 1
            children += [(f"{child_title} ({m.__name__})" if variants else child_title, m)
                         for m in models]
            kind_text = " or ".join(m.__name__ for m in models) if variants else ""
            type_text = f"table(s) `{child_title}` {kind_text}".strip()
        else:
            type_text = _type_name(field)
        cells = [f"`{name}`", type_text, _default(field), field.description or ""]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines.append("")
    for child_title, child in children:
        _section(child_title, child, lines)


def case_reference() -> str:
    """Markdown reference of every case-file key."""
    lines = [
        "# Case-file reference",
        "",
        "Generated from the schema (`python -m ssbstack.config.reference`); do not edit by hand.",
        "Quantities accept a number in SI units or a string with units (`\"20 um\"`,",
        "`\"0.5 mA/cm2\"`, `\"25 degC\"`, `\"0.36 eV\"`). Any value may be written as",
        "`{ value = ..., status = \"measured\" | \"assumed\" | \"calibrated\" | \"derived\",",
        "note = \"...\" }`.",
        "Top-level keys besides the tables: `extends` (a base case file, relative path).",
        "",
    ]
    _section("", Case, lines)
    return "\n".join(lines).replace("### ``", "### (top level)") + "\n"


if __name__ == "__main__":
    print(case_reference(), end="")
