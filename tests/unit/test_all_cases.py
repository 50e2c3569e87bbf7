"""Every bundled case file validates and names its source (cases/common holds fragments)."""

from pathlib import Path

import pytest

from ssbstack.config.loader import load_case

CASES = Path(__file__).resolve().parents[2] / "cases"
FILES = sorted(p for p in CASES.rglob("*.toml") if "common" not in p.parts)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CASES)) for p in FILES])
def test_case_validates_and_names_its_source(path):
    case = load_case(path)
    assert case.source.citation
    folder = path.relative_to(CASES).parts[0]
    expected = {"badding2025": "A", "chen2023": "B", "ham2024": "C", "lee2025": "D",
                "verification": "verification"}[folder]
    assert case.source.id == expected
    if expected != "verification":
        statuses = {entry["status"] for entry in case.provenance.values()}
        assert {"measured", "assumed"} <= statuses, "a paper case marks measured and assumed values"
