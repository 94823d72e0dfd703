"""iiv reads properties as python-frontmatter does for every well-formed note.

iiv has its own reader (python-frontmatter hides a BOM, non-mapping front-matter and impossible
dates, and its writer re-serialises YAML), so this checks the two agree where both can read.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import frontmatter
import pytest

from iiv.note import parse_note
from tests.helpers import EXAMPLE

NOTES = sorted(p for p in EXAMPLE.rglob("*.md") if "templates" not in p.parts)


def plain(value: object) -> object:
    """YAML's typed reading of a value, as the text iiv keeps."""
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value if value is None else str(value)


@pytest.mark.parametrize("path", NOTES, ids=lambda p: p.relative_to(EXAMPLE).as_posix())
def test_properties_match_python_frontmatter(path: Path) -> None:
    theirs = frontmatter.load(path)
    ours = parse_note(path.relative_to(EXAMPLE).as_posix(), path.read_bytes())
    assert ours.problems == ()
    assert {key: plain(value) for key, value in theirs.metadata.items()} == ours.meta
    assert ours.body.strip() == theirs.content.strip()
