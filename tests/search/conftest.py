"""The search tests run against the engine protocol, once for each engine behind it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from iiv.search import SearchEngine, open_engine
from tests.search.notes import NOTES, entries

# Every engine the suite runs against. "whoosh-stock" is Whoosh without iiv's fast paths:
# what an unverified Whoosh release gets.
ENGINE_NAMES = ["whoosh", "whoosh-stock"]


@pytest.fixture(params=ENGINE_NAMES)
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def index(tmp_path: Path, engine_name: str) -> Iterator[SearchEngine]:
    """An index of NOTES, by the engine under test, in the test's own folder."""
    opened = open_engine(tmp_path / "index", engine_name)
    opened.rebuild(entries(NOTES))
    yield opened
    opened.close()
