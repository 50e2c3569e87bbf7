"""Load a case: TOML (or a resolved JSON case) → ``extends`` chain → ``--set`` overrides → Case.

- ``extends = "base.toml"`` (path relative to the file) merges this file over its base: tables
  merge key by key, everything else (numbers, strings, lists) replaces.
- ``--set a.b.c=value`` overrides one key; ``value`` is read as a TOML value when it parses as one
  (``3``, ``true``, ``"x"``, ``[1, 2]``), else as a plain string (``20 um``).
- Any value may be annotated ``{ value = ..., status = "measured"|"assumed"|"calibrated"|
  "derived", note = "..." }``; the annotation goes to ``case.provenance`` under the key path.

Every failure raises :class:`~ssbstack.errors.CaseError` naming the file and key path.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ssbstack.config.schema import Case
from ssbstack.errors import CaseError

STATUSES = ("measured", "assumed", "calibrated", "derived")
_ANNOTATION_KEYS = {"value", "status", "note"}


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CaseError("file not found", file=str(path)) from None
    except OSError as exc:
        raise CaseError(f"cannot read: {exc.strerror}", file=str(path)) from None
    except UnicodeDecodeError:
        raise CaseError("not UTF-8 text", file=str(path)) from None
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise CaseError(f"not valid {path.suffix.lstrip('.').upper() or 'TOML'}: {exc}",
                        file=str(path)) from None
    if not isinstance(data, dict):
        raise CaseError("the top level must be a table", file=str(path))
    return data


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep merge: tables merge key by key; other values in ``override`` replace."""
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict) and not _is_annotated(value):
            result[key] = merge(result[key], value)
        else:
            result[key] = value
    return result


def load_raw(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The merged raw table of a case file and its ``extends`` chain."""
    path = path.resolve()
    if path in _chain:
        raise CaseError("extends loops back to itself", file=str(path))
    data = _read(path)
    _resolve_file_paths(data, path.parent)
    parents = data.pop("extends", None)
    if parents is None:
        return data
    if isinstance(parents, str):
        parents = [parents]
    if not (isinstance(parents, list) and parents and all(isinstance(p, str) for p in parents)):
        raise CaseError("extends: must be a file path string or a list of them", file=str(path))
    merged: dict[str, Any] = {}
    for parent in parents:  # later files override earlier ones, this file overrides them all
        parent_path = (path.parent / parent).resolve()
        if not parent_path.exists():
            raise CaseError(f"extends: file '{parent}' not found (looked in {parent_path.parent})",
                            file=str(path))
        merged = merge(merged, load_raw(parent_path, (*_chain, path)))
    return merge(merged, data)


def _resolve_file_paths(data: dict[str, Any], folder: Path) -> None:
    """Make a relative ``geometry.file`` relative to the case file that names it."""
    geometry = data.get("geometry")
    if isinstance(geometry, dict) and isinstance(geometry.get("file"), str):
        target = Path(geometry["file"])
        if not target.is_absolute():
            geometry["file"] = str(folder / target)


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``a.b.c=value`` into a key path and a value."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise CaseError(f"--set '{text}': expected dotted.key=value")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    parts = re.findall(r'"([^"]*)"|([^."]+)', key.strip())
    return [(quoted or plain).strip() for quoted, plain in parts], value


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply ``--set`` overrides (tables along the path are created as needed)."""
    for text in overrides:
        keys, value = parse_override(text)
        node = data
        for depth, key in enumerate(keys[:-1]):
            child = node.setdefault(key, {})
            if not isinstance(child, dict) or _is_annotated(child):
                where = ".".join(keys[: depth + 1])
                raise CaseError(f"--set '{text}': '{where}' is not a table")
            node = child
        node[keys[-1]] = {"value": value, "status": "", "note": "set on the command line (--set)"}
    return data


def _is_annotated(value: Any) -> bool:
    return isinstance(value, dict) and "value" in value and set(value) <= _ANNOTATION_KEYS


def extract_provenance(
    data: Any, path: str = "", found: dict[str, dict[str, str]] | None = None
) -> tuple[Any, dict[str, dict[str, str]]]:
    """Replace ``{value, status, note}`` annotations by their value; collect them by key path."""
    found = {} if found is None else found
    if _is_annotated(data):
        status = data.get("status", "")
        if status and status not in STATUSES:
            raise CaseError(f"status '{status}' is not one of {', '.join(STATUSES)}", key=path)
        found[path] = {"status": status, "note": str(data.get("note", ""))}
        return data["value"], found
    if isinstance(data, dict):
        return {k: extract_provenance(v, f"{path}.{k}" if path else k, found)[0]
                for k, v in data.items()}, found
    if isinstance(data, list):
        return [extract_provenance(v, f"{path}[{i}]", found)[0] for i, v in enumerate(data)], found
    return data, found


def _location(loc: tuple[Any, ...]) -> str:
    """pydantic's error location → 'stack[1].thickness' (union branch names dropped)."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in ("str", "RepeatBlock", "RampBlock") or "[" in str(item):
            continue
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _first_error(error: ValidationError) -> tuple[str, str]:
    items = error.errors(include_url=False)
    # Prefer the most specific error: unions report one error per branch.
    item = max(items, key=lambda e: len(e["loc"]))
    message = str(item["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if item["type"] == "extra_forbidden":
        message = "unknown key"
    elif item["type"] == "missing":
        message = "required key is missing"
    more = f" (and {len(items) - 1} more problems)" if len(items) > 1 else ""
    return _location(item["loc"]), message + more


def build_case(data: dict[str, Any], *, file: str = "<case>") -> Case:
    """Validate a merged raw table into a :class:`Case`."""
    values, provenance = extract_provenance(data)
    values.setdefault("provenance", {})
    values["provenance"] = {**provenance, **values["provenance"]}
    try:
        return Case.model_validate(values)
    except ValidationError as exc:
        key, message = _first_error(exc)
        raise CaseError(message, file=file, key=key or None) from None


def load_case(path: str | Path, overrides: list[str] | None = None) -> Case:
    """Load, merge, override and validate a case file."""
    from ssbstack.meshing.stack import check_geometry

    path = Path(path)
    data = apply_overrides(load_raw(path), list(overrides or []))
    case = build_case(data, file=str(path))
    try:
        check_geometry(case)  # cross-checks of [geometry] against the stack, without gmsh
    except CaseError as exc:
        raise CaseError(exc.detail, file=str(path), key=exc.key) from None
    return case


def resolved_json(case: Case) -> str:
    """The fully resolved case as JSON (SI units), loadable again with :func:`load_case`."""
    return json.dumps(case.model_dump(mode="json"), indent=2, sort_keys=False) + "\n"
