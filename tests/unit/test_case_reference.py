"""docs/case-reference.md is generated from the schema and must be kept in step with it."""

from pathlib import Path

from ssbstack.config.reference import case_reference

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "case-reference.md"


def test_committed_reference_matches_the_schema():
    assert REFERENCE.read_text(encoding="utf-8") == case_reference(), (
        "docs/case-reference.md is out of date: run "
        "`.venv/bin/python -m ssbstack.config.reference > docs/case-reference.md`"
    )


def test_reference_lists_every_table_and_units():
    text = case_reference()
    for heading in ("### `source`", "### `[stack]`", "### `materials.<name>`", "### `protocol`",
                    "### `electrochemistry.kinetics`", "### `numerics`", "### `geometry`"):
        assert heading in text
    assert "| `thickness` | length (m) | **required** |" in text
    assert "0x" not in text  # no object addresses: the file must be reproducible
