"""The Whoosh engine: a disposable Whoosh index of the notes, in a folder outside the vault.

Anything wrong with the index on disk (missing, damaged, an older format) makes the engine
report `needs_rebuild` instead of raising: the notes are the truth, and a rebuild recreates
the index from them.

Threads: one thread writes; any thread may read. A reader borrows a Whoosh searcher from a
small pool, which renews any a commit (of this or another iiv process) made stale, so a
searcher serves one thread at a time and every read sees the latest commit.

How it writes and reads is its layer's (`iiv.search.layers`): Whoosh's own way, or, on a
Whoosh release they were verified with, iiv's fast paths (`iiv.search._whoosh_private`).
"""

from __future__ import annotations

import logging
import math
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from whoosh import index, query
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, LockError

from iiv.cache import private
from iiv.errors import IivError
from iiv.note import DEFAULT_KINDS, Kinds, Note
from iiv.search import build, folders, merging, processes, queries
from iiv.search.engine import BUSY, LOCK_TIMEOUT
from iiv.search.layers import StockLayer, choose
from iiv.search.results import Hit, SearchResult, notice_of
from iiv.search.schema import document
from iiv.search.snippets import shown
from iiv.search.suggestions import suggestion
from iiv.vault import FileStat

log = logging.getLogger(__name__)
FORMAT = "whoosh"  # what `iiv-index.json` records: both layers write Whoosh's own format
OWN_FILES = re.compile(r"_?MAIN_.*|.*\.tmp")  # Whoosh's files in a folder
IDLE_SEARCHERS = 8  # searchers kept open for the next searches: one per server thread
OPEN_ATTEMPTS = 5  # reads of an index that another process keeps committing to


def open_fast(folder: Path, lock_timeout: float = LOCK_TIMEOUT) -> WhooshEngine:
    """The engine with iiv's fast paths, if verified with the installed Whoosh."""
    return WhooshEngine.open(folder, choose(fast=True), lock_timeout=lock_timeout)


def open_stock(folder: Path, lock_timeout: float = LOCK_TIMEOUT) -> WhooshEngine:
    """The engine with Whoosh's own writer and reader only."""
    return WhooshEngine.open(folder, choose(fast=False), lock_timeout=lock_timeout)


class WhooshEngine:
    """The index in one folder, or the reason it needs rebuilding (a `SearchEngine`)."""

    def __init__(
        self, folder: Path, ix: Any, reason: str | None, layer: StockLayer, lock_timeout: float
    ) -> None:
        self.folder = folder
        self.reason = reason
        self.layer = layer
        self.lock_timeout = lock_timeout
        self.time_budget = queries.TIME_BUDGET
        self._ix = ix
        self._swap = threading.Lock()  # guards self._ix (replaced by rebuild and errors) and:
        self._idle: list[tuple[Any, Any]] = []  # (whoosh index, searcher) not in use
        self._recent = merging.Recent()  # used by the writing thread only
        self._stop = threading.Event()  # set when iiv shuts down: a rebuild then gives up

    @property
    def needs_rebuild(self) -> bool:
        return self.reason is not None

    @classmethod
    def open(
        cls, folder: Path, layer: StockLayer, *, lock_timeout: float = LOCK_TIMEOUT
    ) -> WhooshEngine:
        """The index in `folder`; never raises: a bad index comes back with `needs_rebuild`."""
        folder = Path(folder)
        ix, reason = _open_folder(folder, layer)
        return cls(folder, ix, reason, layer, lock_timeout)

    def close(self) -> None:
        with self._swap:
            ix, self._ix = self._ix, None
            idle, self._idle = self._idle, []
        _close_all(searcher for _, searcher in idle)
        if ix is not None:
            ix.close()

    # Reading

    def count(self) -> int:
        with self._searcher() as searcher:
            return int(searcher.doc_count())

    def indexed(self) -> dict[str, tuple[int, int]]:
        """Path → (size, mtime_ns) of every note the index holds, read from columns."""
        found: dict[str, tuple[int, int]] = {}
        with self._searcher() as searcher:
            for reader, _ in searcher.reader().leaf_readers():
                if not reader.has_column("path"):  # an empty index
                    continue
                live = set(reader.all_doc_ids()) if reader.has_deletions() else None
                columns_ = [reader.column_reader(c) for c in ("path", "size", "mtime_ns")]
                for doc, (path, size, mtime) in enumerate(zip(*columns_, strict=True)):
                    if live is None or doc in live:
                        found[path] = (size, mtime)
        return found

    def stamp(self) -> str:
        """What identifies this index's content: every commit, and every rebuild, changes it."""
        with self._searcher() as searcher:
            reader = searcher.reader()
            leaves = sorted(
                f"{r.segment().segment_id()}-{r.segment().deleted_count()}"
                for r, _ in reader.leaf_readers()
                if r.segment() is not None
            )
            return f"{reader.generation()}:{','.join(leaves)}"

    def search(self, query: str, limit: int = 20, page: int = 1) -> SearchResult:
        """One page of the notes matching `query`, best first; never raises for bad syntax.

        The work is bounded (any web page can make a browser search): wildcards as
        `queries.bounded` says, and the time, `time_budget` seconds, after which the page
        holds what was found by then; `notice` says what was left out."""
        deadline = time.monotonic() + self.time_budget
        parsed = queries.parse(query)
        with self._searcher() as searcher:
            try:
                return self._page(searcher, parsed, query, (max(1, limit), page), deadline)
            except Exception:  # a query whoosh chokes on (not damage): search its words instead
                words = queries.words_only(query)
                return self._page(searcher, words, query, (max(1, limit), page), deadline)

    def _page(
        self,
        searcher: Any,
        parsed: query.Query,
        text: str,
        asked: tuple[int, int],
        deadline: float,
    ) -> SearchResult:
        limit, page = asked
        page = min(max(1, page), max(1, math.ceil(searcher.doc_count() / limit)))
        reader = searcher.reader()
        within, notices = queries.bounded(parsed, queries.whoosh_words(reader), deadline)
        pruned = queries.lean(within, reader)
        found = self.layer.top(searcher, pruned, page, limit, deadline)
        if found.cut_short:
            notices.append(queries.TOO_LONG)
        terms = queries.body_terms(reader, pruned) if found.total else frozenset()
        asking = found.total == 0 and time.monotonic() < deadline
        return SearchResult(
            query=text,
            total=found.total,
            hits=tuple(_hit(score, stored, terms) for score, stored in found.hits),
            page=max(1, found.page),
            pages=found.pages,
            suggestion=suggestion(searcher, parsed, text, queries.parse) if asking else None,
            notice=notice_of(notices),
        )

    @contextmanager
    def _searcher(self) -> Iterator[Any]:
        """A searcher of the latest commit, from a small pool shared by the threads.

        Opening one costs milliseconds and each maps the files anew (memory counted again
        for each), so a few are reused, and renewed after a commit.
        """
        with self._guard():
            ix, searcher = self._borrow()
            try:
                yield searcher
            finally:
                self._give_back(ix, searcher)

    def _borrow(self) -> tuple[Any, Any]:
        """The current index and a searcher of it. A rebuild swapping its folder in while the
        searcher is opened (outside the lock) makes the open fail: then again, with the new
        index; a failure without a swap is the index's."""
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            stale, found = [], None
            with self._swap:
                ix = self._require()
                while self._idle and found is None:
                    owner, searcher = self._idle.pop()
                    if owner is ix:
                        found = searcher
                    else:
                        stale.append(searcher)
            _close_all(stale)
            try:
                return ix, self._opened(ix, found)
            except Exception:
                with self._swap:
                    swapped = self._ix is not ix and self._ix is not None
                if not swapped or attempt == OPEN_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    def _opened(self, ix: Any, idle: Any | None) -> Any:
        """A searcher of `ix`'s latest commit: `idle` renewed, or a new one."""
        if idle is None:
            return ix.searcher()
        try:
            return self.layer.renew(ix, idle)
        except Exception:  # whoosh's own way, which retries when a commit deletes files
            _close_all([idle])
            return ix.searcher()

    def _give_back(self, ix: Any, searcher: Any) -> None:
        with self._swap:
            keep = ix is self._ix and len(self._idle) < IDLE_SEARCHERS
            if keep:
                self._idle.append((ix, searcher))
        if not keep:
            _close_all([searcher])

    def _require(self) -> Any:
        if self._ix is not None:
            return self._ix
        if self.reason:
            raise IivError(f"the search index needs rebuilding: {self.reason}")
        raise IivError("the search index is closed")

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """A whoosh failure means the files are damaged: record it, and ask for a rebuild."""
        try:
            yield
        except IivError:
            raise
        except Exception as error:
            with self._swap:
                self._ix, self.reason = None, f"index unreadable ({_unreadable(error)})"
            raise IivError(f"the search index needs rebuilding: {self.reason}") from error

    # Writing

    def update(self, changed: Sequence[tuple[Note, FileStat]], removed: Iterable[str]) -> None:
        """Replace the changed notes and delete the removed paths, in one commit.

        A path listed twice counts once (the last wins); a path both changed and removed is kept.
        """
        latest = {note.path: (note, stat) for note, stat in changed}
        gone = set(removed) - set(latest)
        if not latest and not gone:
            return
        with self._writer() as (writer, searcher):
            for path in sorted(gone | set(latest)):
                writer.delete_by_term("path", path, searcher=searcher)
            for note, stat in latest.values():
                writer.add_document(**document(note, stat))

    def compact(self, most: int | None = None) -> bool:
        """Merge small segments and purge stale ones; True if there was any to do.

        Saves leave small segments behind (a search looks into each), and replaced notes stay
        in their old segment, marked deleted. Writes wait meanwhile: with `most`, at most that
        many documents are rewritten, to keep it short.
        """
        with self._guard():
            segments = self.layer.segments(self._require())
        if not merging.untidy(segments, most):
            return False
        with self._writer(lambda segments: merging.untidy(segments, most)):
            pass
        self._warm()
        return True

    def _warm(self) -> None:
        """Let the layer prepare for the next searches after a build or a merge (see
        `Postings.warm`)."""
        if not self.layer.warms:
            return
        with self._searcher() as searcher:
            try:
                self.layer.warm(searcher)
            except Exception:  # only speed is lost; a damaged index shows in the next search
                log.warning("could not prepare the index for fast searches", exc_info=True)

    @contextmanager
    def _writer(
        self, merge: Callable[[list[Any]], list[Any]] = merging.small
    ) -> Iterator[tuple[Any, Any]]:
        """A writer, and this thread's searcher when it sees what the writer starts from
        (whoosh would open a searcher of its own to find the documents to delete)."""
        with self._searcher() as searcher, self._guard():
            try:
                writer = self.layer.writer(self._require(), self.lock_timeout)
            except LockError:
                raise IivError(BUSY) from None
            same = searcher.reader().generation() == writer.generation - 1
            try:
                yield writer, searcher if same else None
            except BaseException:
                writer.cancel()
                raise
            try:
                self.layer.commit(writer, merge, self._recent)
            except BaseException:
                with suppress(Exception):  # releases the write lock if commit did not
                    writer.cancel()
                raise
            private(self.folder, depth=1)  # the commit's new files: the owner's only

    def rebuild(
        self,
        notes: Iterable[tuple[Note, FileStat]],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Build a fresh index beside the folder, then swap it in; returns the number of notes.

        Holds the old index's write lock throughout, so no other iiv writes to an index that
        is about to be replaced.
        """
        return self._replace(
            lambda fresh: build.build(fresh, notes, progress, self._stop, self.layer)
        )

    def rebuild_from_files(
        self,
        root: Path,
        files: Sequence[FileStat],
        on_notes: Callable[[dict[str, Note | None]], None],
        progress: Callable[[int], None] | None = None,
        kinds: Kinds = DEFAULT_KINDS,
    ) -> int:
        """`rebuild` from the note files themselves, in worker processes for a big vault.

        The workers read and parse the files and send the notes back first: `on_notes` gets
        them all (None for a file gone meanwhile; bodies left out) while the workers go on to
        index them. `progress` counts the notes read; `kinds` is the vault's `Config.kinds`.
        """

        def in_processes() -> int:
            return self._replace(
                lambda fresh: build.build_in_workers(
                    fresh, (root, kinds), files, on_notes, progress, self._stop
                )
            )

        parallel = len(files) >= build.PARALLEL_FROM and self.layer.parallel_build
        return processes.rebuild_from_files(
            self, in_processes if parallel else None, root, files, on_notes, progress, kinds
        )

    def stop(self) -> None:
        """Make a rebuild in progress (in another thread) give up soon, raising Stopped; the
        index is then left as it was before the rebuild."""
        self._stop.set()

    def tidy(self) -> None:
        """Delete what a rebuild killed midway left beside the index (its `.new` or `.old`
        folder). Only for the one writer: another could be building `.new` right now."""
        folders.remove_leftovers(self.folder, OWN_FILES)

    def _replace(self, make: Callable[[Path], int]) -> int:
        fresh, old = folders.beside(self.folder)
        for folder in (self.folder, fresh, old):
            folders.check_replaceable(folder, OWN_FILES)
        with self.layer.write_lock(self.folder, self.lock_timeout) as let_go:
            try:
                count = make(fresh)
                folders.write_record(fresh, FORMAT)
            except BaseException:
                shutil.rmtree(fresh, ignore_errors=True)
                raise
            let_go()
            private(fresh, depth=1)
            with self._swap:
                folders.swap_in(fresh, self.folder, old)
                self._ix, self.reason = index.open_dir(str(self.folder)), None
            self._recent.forget()
            self.layer.forget()
        self._warm()
        return count


def _close_all(searchers: Iterable[Any]) -> None:
    for searcher in searchers:
        with suppress(Exception):  # a searcher of a deleted or damaged index
            searcher.close()


def _hit(score: float, stored: dict[str, Any], terms: frozenset[str]) -> Hit:
    body = stored.get("body", "")
    return Hit(
        path=stored["path"],
        kind=stored.get("kind", "note"),
        title=stored.get("title", ""),
        score=score,
        snippet=shown(body, terms),
    )


# Opening


def _open_folder(folder: Path, layer: StockLayer) -> tuple[Any, str | None]:
    """(whoosh index, None) when the folder holds a usable index, else (None, why not).

    A writer in another process may commit while this reads, and delete the files of the
    commit being read: a failure is damage only if no commit happened meanwhile.
    """
    for attempt in range(1, OPEN_ATTEMPTS + 1):
        before = layer.generation(folder)
        try:
            reason = folders.record_problem(folder, FORMAT)
            if reason:
                return None, reason
            _check(folder)
            return index.open_dir(str(folder)), None
        except Exception as error:  # anything at all: the index is a cache, so rebuild it
            if attempt < OPEN_ATTEMPTS and layer.generation(folder) != before:
                continue  # a commit replaced the files being read: read the new one
            return None, f"index unreadable ({_unreadable(error)})"
    raise AssertionError("unreachable")


class _TrackingStorage(FileStorage):  # type: ignore[misc]
    """A storage that remembers the files it opens, so that a failed open can close them all."""

    def __init__(self, path: str) -> None:
        super().__init__(path, readonly=True)
        self.opened: list[Any] = []

    def open_file(self, name: str, **kwargs: Any) -> Any:
        file = super().open_file(name, **kwargs)
        self.opened.append(file)
        return file

    def close_all(self) -> None:
        for file in self.opened:
            if not file.is_closed:
                file.close()


def _check(folder: Path) -> None:
    """Read a little of every segment, so that a truncated or missing file shows now."""
    storage = _TrackingStorage(str(folder))
    try:
        with storage.open_index().searcher() as searcher:
            for reader, _ in searcher.reader().leaf_readers():
                for doc in reader.all_doc_ids():
                    reader.stored_fields(doc)
                    reader.column_reader("mtime_ns")[doc]
                    break
            list(searcher.lexicon("kind"))
    finally:
        storage.close_all()


def _unreadable(error: BaseException) -> str:
    if isinstance(error, EmptyIndexError):
        return "its table of contents is missing"
    return folders.unreadable(error)
