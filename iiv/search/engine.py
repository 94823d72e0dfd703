"""The engine protocol: what the rest of iiv asks of a full-text index, naming no engine's types.

An engine is chosen by name (`ENGINES`) and keeps its files in a folder of its own inside
iiv's index folder, named for its file format. The folder's `iiv-index.json` records the
format version and the engine that wrote it (see `iiv.search.folders`): a folder written by an
older iiv or by another engine is rebuilt from the notes, by itself.

Threads: one thread writes (`update`, `rebuild`, `rebuild_from_files`,
`compact`); any thread may read (`search`, `count`, `indexed`, `stamp`), and each read sees
the latest commit, of this process or another.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from iiv.errors import BadArgument, IivError
from iiv.note import DEFAULT_KINDS, Kinds, Note
from iiv.search.results import SearchResult
from iiv.vault import FileStat

LOCK_TIMEOUT = 10.0  # seconds to wait for another writer before saying the index is busy
DEFAULT_ENGINE = "whoosh"
BUSY = "the index is busy (another iiv is writing); try again"
# a word, then a phrase and a filter (the query parser's way): what the first searches ready
# does not depend on the words
WARM_UP_QUERIES = ("note", '"note taking" OR tag:note')


class SearchEngine(Protocol):
    """A full-text index of the notes in one folder, or the reason it needs rebuilding.

    Opening never raises: a missing, damaged or outdated index comes back with `reason` set,
    and every read then raises IivError until `rebuild` or `rebuild_from_files` succeeds.
    """

    folder: Path
    reason: str | None

    @property
    def needs_rebuild(self) -> bool: ...

    def count(self) -> int:
        """How many notes the index holds."""
        ...

    def indexed(self) -> dict[str, tuple[int, int]]:
        """Path → (size, mtime_ns) of every note the index holds."""
        ...

    def stamp(self) -> str:
        """What identifies the index's content: every commit, and every rebuild, changes it."""
        ...

    def search(self, query: str, limit: int = 20, page: int = 1) -> SearchResult:
        """One page of the notes matching `query` (iiv's query syntax, see the README), best
        first, with snippets, the exact count and, when nothing matches, a suggestion.
        Never raises for bad syntax. The work is bounded (wildcards, time); the result's
        `notice` says what was left out."""
        ...

    def update(self, changed: Sequence[tuple[Note, FileStat]], removed: Iterable[str]) -> None:
        """Replace the changed notes and delete the removed paths, in one commit. A path
        listed twice counts once (the last wins); a path both changed and removed is kept."""
        ...

    def rebuild(
        self,
        notes: Iterable[tuple[Note, FileStat]],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Build a fresh index beside the folder, then swap it in; returns the number of
        notes. The old index stays if the build fails."""
        ...

    def rebuild_from_files(
        self,
        root: Path,
        files: Sequence[FileStat],
        on_notes: Callable[[dict[str, Note | None]], None],
        progress: Callable[[int], None] | None = None,
        kinds: Kinds = DEFAULT_KINDS,
    ) -> int:
        """`rebuild` from the note files themselves: `on_notes` gets every note read (None for
        a file gone meanwhile; bodies left out) as soon as all are read, before the index is
        complete; `progress` counts the notes read."""
        ...

    def compact(self, most: int | None = None) -> bool:
        """Tidy what saves left behind; with `most`, rewrite at most that many notes. True if
        there was anything to do."""
        ...

    def tidy(self) -> None:
        """Delete what a rebuild killed midway left beside the folder (for the one writer)."""
        ...

    def stop(self) -> None:
        """Make a rebuild running in another thread give up soon, raising Stopped."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class EngineSpec:
    """An engine iiv can use: its folder (named for its file format) and where it lives."""

    folder: str
    module: str  # imported when an index is opened, so that importing iiv loads no engine
    opener: str  # the module's function (folder, lock_timeout) → SearchEngine
    summary: str


ENGINES = {
    "whoosh": EngineSpec(
        "whoosh",
        "iiv.search.whoosh_engine",
        "open_fast",
        "Whoosh, with iiv's fast paths where the installed Whoosh was verified",
    ),
    "whoosh-stock": EngineSpec(
        "whoosh",
        "iiv.search.whoosh_engine",
        "open_stock",
        "Whoosh's own writer and reader only: slower, the same index and results",
    ),
    "tantivy": EngineSpec(
        "tantivy",
        "iiv.search.tantivy_engine",
        "open_tantivy",
        "tantivy (Rust): for very large vaults; needs the tantivy package (iiv[fast])",
    ),
}


def engine_folder(index_folder: Path, name: str = DEFAULT_ENGINE) -> Path:
    """The folder inside iiv's index folder where the engine `name` keeps its files."""
    return Path(index_folder) / _spec(name).folder


class EngineUnavailable(IivError):
    """The engine's library cannot be imported here (not installed, or broken)."""


def open_engine(
    index_folder: Path, name: str = DEFAULT_ENGINE, *, lock_timeout: float = LOCK_TIMEOUT
) -> SearchEngine:
    """The engine `name` over its folder inside `index_folder`; never raises for a bad index
    (see `SearchEngine`), only for an unknown name or an engine that cannot be imported."""
    spec = _spec(name)
    try:
        module = importlib.import_module(spec.module)
    except ImportError as error:
        raise EngineUnavailable(f"the search engine {name} cannot be used here: {error}") from None
    opener = getattr(module, spec.opener)
    engine: SearchEngine = opener(engine_folder(index_folder, name), lock_timeout)
    return engine


def warm_up(engine: SearchEngine) -> None:
    """Do once what a process's first search would do, so that the user's first search answers
    as fast as the next: compile the pattern of Unicode words (10 to 15 ms) and search (the
    engine's searcher, the query parser, the snippets' code)."""
    from iiv.search.analysis import word_re  # imports Whoosh's word lists: not before it is used

    word_re()
    for text in WARM_UP_QUERIES:
        engine.search(text)


def _spec(name: str) -> EngineSpec:
    try:
        return ENGINES[name]
    except KeyError:
        known = ", ".join(ENGINES)
        raise BadArgument(f"unknown search engine {name!r}; choose one of: {known}") from None
