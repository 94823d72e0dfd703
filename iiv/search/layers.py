"""How the Whoosh engine writes and reads: Whoosh's own way, or iiv's faster one where verified.

`StockLayer` uses only Whoosh's public API. `FastLayer` (in `_whoosh_private`, the one module
that touches Whoosh's internals) is used only on a Whoosh release it was verified with
(`_whoosh_private.verified`); it is installed explicitly when an index is opened, never when
a module is imported. Both write the same index format and give the same search results; the
golden tests (tests/search/test_fast_paths.py) compare them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.collectors import TimeLimit, TimeLimitCollector, TopCollector
from whoosh.index import LockError
from whoosh.searching import ResultsPage

from iiv.errors import IivError
from iiv.search.engine import BUSY
from iiv.search.merging import Recent
from iiv.search.postings import Page
from iiv.search.schema import shown

log = logging.getLogger(__name__)
BUILD_MB = 256  # posting buffer of a one-process build before it spills to disk


class StockLayer:
    """Whoosh's own writer, reader, searcher renewal and collector."""

    name = "stock"
    parallel_build = False  # building in worker processes needs the fast writer
    warms = False  # whether `warm` does anything

    def writer(self, ix: Any, timeout: float) -> Any:
        return ix.writer(timeout=timeout, delay=0.1)

    def build_writer(self, ix: Any) -> Any:
        return ix.writer(limitmb=BUILD_MB)

    def commit(self, writer: Any, merge: Callable[[list[Any]], list[Any]], recent: Recent) -> None:
        """Commit, merging the segments `merge` chooses."""
        writer.commit(mergetype=lambda w, segments: recent.merge(w, segments, merge(segments)))

    def renew(self, ix: Any, searcher: Any) -> Any:
        """A searcher of the latest commit, in place of `searcher`.

        Not `Searcher.refresh`: with the reader it reuses, it also keeps every segment of the
        old commit, so replaced notes are counted twice (whoosh-reloaded 2.7.5)."""
        if searcher.reader().generation() == ix.latest_generation():
            return searcher
        searcher.close()
        return ix.searcher()

    def segments(self, ix: Any) -> list[Any]:
        with ix.searcher() as searcher:
            return [reader.segment() for reader, _ in searcher.reader().leaf_readers()]

    def generation(self, folder: Path) -> int:
        """The number of the latest commit in `folder`, or -1 without a readable one."""
        try:
            return int(index.open_dir(str(folder)).latest_generation())
        except Exception:
            return -1

    @contextmanager
    def write_lock(self, folder: Path, timeout: float) -> Iterator[Callable[[], None]]:
        """Hold the index's write lock (against this and other processes), if the index can
        be opened, until the block ends or it calls the function it gets: it must, before the
        folder is replaced (the writer holding the lock keeps its scratch files there)."""
        try:
            ix = index.open_dir(str(folder))
        except Exception:  # no index, or a damaged one, which is being replaced
            yield lambda: None
            return
        try:
            writer = ix.writer(timeout=timeout, delay=0.1)
        except LockError:
            ix.close()
            raise IivError(BUSY) from None
        held = [writer]

        def let_go() -> None:
            while held:
                held.pop().cancel()
            ix.close()

        try:
            yield let_go
        finally:
            let_go()

    def top(self, searcher: Any, parsed: Any, page: int, limit: int, deadline: float) -> Page:
        """The page of best matches, and the exact count; what was found by `deadline` (a
        `time.monotonic()` value) if the search takes longer."""
        # without block skipping and matcher replacement, which drop notes that cannot reach
        # the page and so would leave them uncounted
        every = TopCollector(limit=page * limit, usequality=False, replace=0)
        return collected(searcher, parsed, page, limit, deadline, every)

    def warm(self, searcher: Any) -> None:
        """Prepare for the first searches after a build or a merge (nothing, here)."""

    def forget(self) -> None:
        """Drop what was kept of an index that has been replaced (nothing, here)."""


def collected(
    searcher: Any, parsed: Any, page: int, limit: int, deadline: float, collector: Any
) -> Page:
    """The page Whoosh's `collector` finds (it must count every match), stopped at `deadline`
    with what it found by then."""
    timelimit = deadline - time.monotonic()
    if timelimit <= 0:  # the time was spent before the search began (expanding wildcards)
        return Page(0, 0, 0, [], cut_short=True)
    # (no SIGALRM: it would interrupt whichever thread of the server runs when it comes)
    timed = TimeLimitCollector(collector, timelimit=timelimit, use_alarm=False)
    cut = False
    try:
        searcher.search_with_collector(parsed, timed)
    except TimeLimit:
        cut = True
    results = ResultsPage(timed.results(), page, pagelen=limit)
    hits = [(float(hit.score or 0.0), shown(hit.fields())) for hit in results]
    return Page(int(results.total), int(results.pagenum), int(results.pagecount), hits, cut)


def choose(fast: bool) -> StockLayer:
    """The fast layer when asked for and verified with the installed Whoosh, else stock."""
    if not fast:
        return StockLayer()
    from iiv.search import _whoosh_private

    release = _whoosh_private.verified()
    if release is None:
        log.info("using Whoosh's stock writer and reader: %s", _whoosh_private.unverified_reason())
        return StockLayer()
    return _whoosh_private.install()
