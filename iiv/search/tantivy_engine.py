"""The tantivy engine: a disposable tantivy index of the notes, in a folder outside the vault.

tantivy (Rust) scores in native code: at 50,000 notes a query for the words most notes hold
costs milliseconds where Whoosh, which scores in Python, costs hundreds. What a user sees is
the same as with Whoosh: the same query parser (`tantivy_queries`), the same terms
(`tantivy_fields`), the same snippets and suggestions. Only the scores' values differ
(tantivy's BM25 is not Whoosh's BM25F), and so may the order of notes of near-equal score.

Writing: one writer at a time, as for Whoosh (iiv's writer lock, then tantivy's own). Each
batch opens the index afresh, so its writer starts from the latest commit on disk, commits,
lets tantivy's merges finish and deletes what no commit uses any longer (a writer that keeps
an old view of the index across processes leaves files behind: paperless-ngx #13679). A
commit replaces `meta.json` atomically: a kill at any moment leaves the last commit, and
files no commit names, which the next writer deletes.

Reading: any thread; each read first checks whether `meta.json` changed (a commit of this
process or another) and reloads the searcher if it did. Each reload (and each index swapped
in) starts a new generation; what a search works out from the searcher alone (the query to
run, the stored fields of a hit) is kept for the next searches of the same generation.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import tantivy
from rapidfuzz.distance import Levenshtein
from tantivy import Query

from iiv.cache import locked
from iiv.errors import IivError, Stopped
from iiv.note import DEFAULT_KINDS, Kinds, Note
from iiv.search import folders, processes, queries
from iiv.search.engine import BUSY, LOCK_TIMEOUT
from iiv.search.results import Hit, SearchResult, notice_of
from iiv.search.snippets import shown
from iiv.search.suggestions import suggest
from iiv.search.tantivy_fields import (
    HAS,
    NUMBER_FIELDS,
    TERM_FIELDS,
    TEXT_FIELDS,
    TOKENIZER,
    Values,
    values,
)
from iiv.search.tantivy_queries import Untranslatable, marks, translate, words
from iiv.vault import FileStat

log = logging.getLogger(__name__)
FORMAT = "tantivy"  # what `iiv-index.json` records
# tantivy's files in a folder: segments (`<id>.<part>`, `<id>.<opstamp>.del`), its table of
# contents and locks, and its temp files
OWN_FILES = re.compile(r"[0-9a-f]{32}\.[a-z0-9.]+|meta\.json|\.managed\.json|\.tantivy-.*|\.tmp.*")
META = "meta.json"
WRITER_LOCK = ".tantivy-writer.lock"
WRITE_HEAP = 20_000_000  # bytes of a one-batch writer (tantivy's least is 15 MB a thread)
BUILD_HEAP = 96_000_000  # bytes of a rebuild's writer, shared by its threads
BUILD_THREADS = 2
PROGRESS_EVERY = 500
OPEN_ATTEMPTS = 5  # reads of an index that another process keeps committing to
SPELLING_DISTANCE = 2
SHOWN_KEPT = 2048  # notes whose stored fields are kept for the next searches
PARSED_KEPT = 256  # query texts whose parse (and plan, in each generation) is kept


def open_tantivy(folder: Path, lock_timeout: float = LOCK_TIMEOUT) -> TantivyEngine:
    """The tantivy engine over `folder` (see `iiv.search.engine.ENGINES`)."""
    return TantivyEngine.open(folder, lock_timeout=lock_timeout)


def make_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name=TOKENIZER)
    for name in (*TERM_FIELDS, HAS):
        builder.add_text_field(name, stored=name == "path", tokenizer_name="raw")
    for name in NUMBER_FIELDS:
        shown = name in ("size", "mtime_ns")
        builder.add_integer_field(name, stored=shown, indexed=not shown, fast=shown)
    for name in ("shown_kind", "shown_title", "shown_text"):
        builder.add_bytes_field(name, stored=True, indexed=False)
    return builder.build()


SCHEMA = make_schema()


class TantivyEngine:
    """The index in one folder, or the reason it needs rebuilding (a `SearchEngine`)."""

    def __init__(
        self, folder: Path, index: tantivy.Index | None, reason: str | None, lock_timeout: float
    ) -> None:
        self.folder = folder
        self.reason = reason
        self.lock_timeout = lock_timeout
        self.time_budget = queries.TIME_BUDGET
        self._index = index
        self._seen = _signature(folder) if index is not None else None
        # guards self._index (replaced by rebuild and errors), its reloads and the generation
        self._swap = threading.Lock()
        self._generation = 0  # moves with every reload and every index swapped in
        self._kept = _Kept(0)
        self._stop = threading.Event()

    @property
    def needs_rebuild(self) -> bool:
        return self.reason is not None

    @classmethod
    def open(cls, folder: Path, *, lock_timeout: float = LOCK_TIMEOUT) -> TantivyEngine:
        """The index in `folder`; never raises: a bad index comes back with `needs_rebuild`."""
        folder = Path(folder)
        index, reason = _open_folder(folder)
        return cls(folder, index, reason, lock_timeout)

    def close(self) -> None:
        with self._swap:
            self._index = None

    # Reading

    def count(self) -> int:
        with self._searcher() as searcher:
            return int(searcher.num_docs)

    def indexed(self) -> dict[str, tuple[int, int]]:
        """Path → (size, mtime_ns) of every note the index holds."""
        with self._searcher() as searcher:
            total = searcher.num_docs
            if not total:
                return {}
            hits = searcher.search(Query.all_query(), total, count=False).hits
            found: dict[str, tuple[int, int]] = {}
            for _, address in hits:
                stored = searcher.doc(address)
                path, size, mtime = (stored.get_first(f) for f in ("path", "size", "mtime_ns"))
                found[str(path)] = (int(size or 0), int(mtime or 0))
            return found

    def stamp(self) -> str:
        """What identifies this index's content: every commit, and every rebuild, changes it."""
        with self._searcher():
            meta = _read_meta(self.folder)
        segments = sorted(
            f"{s['segment_id']}-{(s.get('deletes') or {}).get('num_deleted_docs', 0)}"
            for s in meta.get("segments", [])
        )
        return f"tantivy:{meta.get('opstamp')}:{','.join(segments)}"

    def search(self, query: str, limit: int = 20, page: int = 1) -> SearchResult:
        """One page of the notes matching `query`, best first; never raises for bad syntax."""
        with self._guard():
            generation, searcher = self._current()
            kept = self._kept_for(generation)
            try:
                plan = kept.plans.get(query) or self._plan(searcher, _parse(query), kept, query)
                return self._page(searcher, kept, plan, query, max(1, limit), page)
            except Exception:  # a query tantivy cannot run: search its words, as Whoosh does
                plan = self._plan(searcher, queries.words_only(query), kept, None)
                return self._page(searcher, kept, plan, query, max(1, limit), page)

    def _plan(
        self, searcher: tantivy.Searcher, parsed: Any, kept: _Kept, text: str | None
    ) -> _Plan:
        """What to search for the parsed query, kept under `text` (unless None) for the next
        searches of the same generation when it was settled in time."""
        lexicon = _Lexicon(searcher)
        deadline = time.monotonic() + self.time_budget
        parsed, notices = queries.bounded(parsed, lambda node: words(node, lexicon), deadline)
        if time.monotonic() > deadline or queries.TOO_LONG in notices:
            return _Plan(parsed, None, frozenset(), (*notices, queries.TOO_LONG))
        found = translate(parsed, SCHEMA, lexicon)
        plan = _Plan(parsed, found, marks(parsed, lexicon), tuple(notices))
        if text is not None:
            kept.keep_plan(text, plan)
        return plan

    def _page(
        self,
        searcher: tantivy.Searcher,
        kept: _Kept,
        plan: _Plan,
        text: str,
        limit: int,
        page: int,
    ) -> SearchResult:
        found = plan.found
        if found is None:  # what to search could not be settled in time
            return SearchResult(text, 0, (), 1, 0, None, notice_of(list(plan.notices)))
        last_page = max(1, math.ceil(searcher.num_docs / limit))
        page = min(max(1, page), last_page)
        result = searcher.search(found, limit, count=True, offset=(page - 1) * limit)
        total = int(_count(result) or 0)
        pages = math.ceil(total / limit)
        if total and page > pages:  # past the last page: the last page, as Whoosh gives
            page = pages
            result = searcher.search(found, limit, count=True, offset=(page - 1) * limit)
        terms = plan.terms if total else frozenset()
        return SearchResult(
            query=text,
            total=total,
            hits=tuple(
                _hit(kept.stored(searcher, address), score, terms) for score, address in result.hits
            ),
            page=page,
            pages=pages,
            suggestion=suggest(_Lexicon(searcher), plan.parsed, text) if total == 0 else None,
            notice=notice_of(list(plan.notices)),
        )

    def _kept_for(self, generation: int) -> _Kept:
        """What is kept for the searches of a generation (a searcher's, from `_current`)."""
        kept = self._kept
        if kept.generation == generation:
            return kept
        fresh = _Kept(generation)
        if generation > kept.generation:
            self._kept = fresh
        return fresh

    @contextmanager
    def _searcher(self) -> Iterator[tantivy.Searcher]:
        """A searcher of the latest commit (of this process or another); a tantivy failure
        while it is used means the files are damaged: recorded, and a rebuild asked for."""
        with self._guard():
            yield self._current()[1]

    def _current(self) -> tuple[int, tantivy.Searcher]:
        """The generation and a searcher of it, reloaded first if a commit replaced
        `meta.json`; a commit by another process while reloading (its files deleted under the
        reload) is read again. A reload and the searcher taken after it are one step (under
        the lock): a searcher of a generation is never that of another."""
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            before = _signature(self.folder)
            with self._swap:
                index = self._require()
                if before == self._seen:
                    return self._generation, index.searcher()
                try:
                    index.reload()
                except Exception:
                    if attempt < OPEN_ATTEMPTS and _signature(self.folder) != before:
                        continue
                    raise
                self._seen = before
                self._generation += 1
                return self._generation, index.searcher()
        raise AssertionError("unreachable")

    def _damaged(self, error: BaseException) -> None:
        """A tantivy failure means the files are damaged: record it, and ask for a rebuild."""
        with self._swap:
            self._index, self.reason = None, f"index unreadable ({folders.unreadable(error)})"
        raise IivError(f"the search index needs rebuilding: {self.reason}") from error

    def _require(self) -> tantivy.Index:
        if self._index is not None:
            return self._index
        if self.reason:
            raise IivError(f"the search index needs rebuilding: {self.reason}")
        raise IivError("the search index is closed")

    # Writing

    def update(self, changed: Sequence[tuple[Note, FileStat]], removed: Iterable[str]) -> None:
        """Replace the changed notes and delete the removed paths, in one commit.

        A path listed twice counts once (the last wins); a path both changed and removed is kept.
        """
        latest = {note.path: (note, stat) for note, stat in changed}
        gone = set(removed) - set(latest)
        if not latest and not gone:
            return
        with self._writer() as writer:
            for path in sorted(gone | set(latest)):
                writer.delete_documents_by_term("path", path)
            for note, stat in latest.values():  # each freed once added: a checkout brings
                writer.add_document(_document(values(note, stat)))  # thousands at once

    def compact(self, most: int | None = None) -> bool:
        """Nothing to tidy: each batch lets tantivy's merges finish before it returns."""
        return False

    @contextmanager
    def _writer(self) -> Iterator[tantivy.IndexWriter]:
        """A writer of the index as the latest commit left it; commits when the block ends.
        A tantivy failure means the files are damaged: recorded, and a rebuild asked for."""
        with self._swap:
            self._require()
        with self._guard():
            writer = _lock_writer(_opened(self.folder), WRITE_HEAP, 1, self.lock_timeout)
            try:
                yield writer
                writer.commit()
            except BaseException:
                with suppress(BaseException):
                    writer.rollback()
                _finish(writer)
                raise
            self._seen = None  # the next read reloads
            _finish(writer)
            self._seen = None  # and sees what the merges made too

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except IivError:
            raise
        except BaseException as error:
            if not _damage(error):
                raise
            self._damaged(error)

    def rebuild(
        self,
        notes: Iterable[tuple[Note, FileStat]],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Build a fresh index beside the folder, then swap it in; returns the number of notes.

        Holds the old index's write lock throughout, so no other iiv writes to an index that
        is about to be replaced.
        """
        documents = (values(note, stat) for note, stat in notes)
        return self._replace(lambda fresh: build(fresh, documents, progress, self._stop))

    def rebuild_from_files(
        self,
        root: Path,
        files: Sequence[FileStat],
        on_notes: Callable[[dict[str, Note | None]], None],
        progress: Callable[[int], None] | None = None,
        kinds: Kinds = DEFAULT_KINDS,
    ) -> int:
        """`rebuild` from the note files themselves: `on_notes` gets every note read (None
        for a file gone meanwhile; bodies left out) before the index is complete."""
        from iiv.search import tantivy_build

        def in_processes() -> int:
            return self._replace(
                lambda fresh: tantivy_build.build_in_workers(
                    fresh, (root, kinds), files, on_notes, progress, self._stop
                )
            )

        parallel = len(files) >= tantivy_build.PARALLEL_FROM
        return processes.rebuild_from_files(
            self, in_processes if parallel else None, root, files, on_notes, progress, kinds
        )

    def stop(self) -> None:
        """Make a rebuild in progress (in another thread) give up soon, raising Stopped; the
        index is then left as it was before the rebuild."""
        self._stop.set()

    def tidy(self) -> None:
        """Delete what a rebuild killed midway left beside the index (its `.new` or `.old`
        folder), and what a writer killed midway left in it (files no commit uses). Only for
        the one writer: another could be building `.new` right now."""
        folders.remove_leftovers(self.folder, OWN_FILES)
        if self._index is not None:
            with suppress(IivError, ValueError, OSError):  # busy or damaged: a later writer
                _finish(_lock_writer(_opened(self.folder), WRITE_HEAP, 1, 0.0))

    def _replace(self, make: Callable[[Path], int]) -> int:
        fresh, old = folders.beside(self.folder)
        for folder in (self.folder, fresh, old):
            folders.check_replaceable(folder, OWN_FILES)
        with _write_lock(self.folder, self.lock_timeout):
            try:
                count = make(fresh)
                folders.write_record(fresh, FORMAT)
            except BaseException as error:
                shutil.rmtree(fresh, ignore_errors=True)
                if _damage(error) and not isinstance(error, OSError):
                    raise IivError(f"the search index could not be built: {error}") from error
                raise
        with self._swap:
            folders.swap_in(fresh, self.folder, old)
            self._index, self.reason = _opened(self.folder), None
            self._seen = _signature(self.folder)
            self._generation += 1
        return count


def build(
    folder: Path,
    documents: Iterable[Values],
    progress: Callable[[int], None] | None,
    stop: threading.Event,
) -> int:
    """A new index of the documents in `folder` (emptied first); returns how many."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    index = tantivy.Index(SCHEMA, path=str(folder))
    index.register_tokenizer(TOKENIZER, _terms_tokenizer())
    writer = index.writer(heap_size=BUILD_HEAP, num_threads=BUILD_THREADS)
    count = 0
    try:
        for made in documents:
            if stop.is_set():
                raise Stopped("the index rebuild was stopped")
            writer.add_document(_document(made))
            count += 1
            if progress and count % PROGRESS_EVERY == 0:
                progress(count)
        writer.commit()
    except BaseException:
        with suppress(BaseException):
            writer.rollback()
        _finish(writer)
        raise
    _finish(writer)
    if progress and count % PROGRESS_EVERY:
        progress(count)
    return count


def _count(result: tantivy.SearchResult) -> int:
    """The exact number of matches (`count=True`; missing from tantivy's type hints)."""
    return int(getattr(result, "count", 0) or 0)


def _document(made: Values) -> tantivy.Document:
    return tantivy.Document.from_dict(made, SCHEMA)


@dataclass(frozen=True)
class _Plan:
    """What to search for a query: settled from the query and the searcher's terms alone."""

    parsed: Any  # the Whoosh query, wildcards expanded
    found: Query | None  # what tantivy runs; None when it could not be settled in time
    terms: frozenset[str]  # the body terms a snippet marks
    notices: tuple[str, ...]


@dataclass(frozen=True)
class _Stored:
    """What a hit shows, read from the note's stored fields."""

    path: str
    kind: str
    title: str
    text: str  # without its Markdown


class _Kept:
    """What the searches of one generation keep for the next ones: plans by query text, and
    the stored fields of the notes shown, by address (valid in this generation only)."""

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.plans: dict[str, _Plan] = {}
        self._stored: dict[tuple[int, int], _Stored] = {}

    def keep_plan(self, text: str, plan: _Plan) -> None:
        if len(self.plans) >= PARSED_KEPT:
            self.plans.clear()
        self.plans[text] = plan

    def stored(self, searcher: tantivy.Searcher, address: Any) -> _Stored:
        key = (address.segment_ord, address.doc)
        found = self._stored.get(key)
        if found is None:
            if len(self._stored) >= SHOWN_KEPT:
                self._stored.clear()
            found = self._stored[key] = _read_stored(searcher.doc(address))
        return found


def _read_stored(stored: tantivy.Document) -> _Stored:
    return _Stored(
        path=str(stored.get_first("path")),
        kind=bytes(stored.get_first("shown_kind") or b"note").decode("utf-8"),
        title=bytes(stored.get_first("shown_title") or b"").decode("utf-8"),
        text=bytes(stored.get_first("shown_text") or b"").decode("utf-8"),
    )


def _hit(stored: _Stored, score: float, terms: frozenset[str]) -> Hit:
    return Hit(stored.path, stored.kind, stored.title, float(score), shown(stored.text, terms))


@lru_cache(maxsize=PARSED_KEPT)
def _parse(text: str) -> Any:
    """The query `text` reads as, kept for the same text again: Whoosh's parser takes a
    quarter of a millisecond, and nothing here changes the query it gives (Whoosh's `accept`
    copies what it changes)."""
    return queries.parse(text)


class _Lexicon:
    """What a searcher tells of the terms it holds: for ranges of words, snippets
    (`tantivy_queries.Lexicon`) and suggestions (`suggestions.Lexicon`)."""

    def __init__(self, searcher: tantivy.Searcher) -> None:
        self.searcher = searcher

    def holds(self, field: str, term: str) -> bool:
        if field not in TEXT_FIELDS and field not in TERM_FIELDS:
            return False
        return bool(self.searcher.doc_freq(field, term))

    def starting(self, field: str, prefix: str) -> list[tuple[str, int]]:
        return list(self.searcher.terms_with_prefix(field, prefix))

    def near(self, field: str, term: str) -> Iterator[tuple[str, int]]:
        """As Whoosh's `terms_within(field, term, 2, prefix=1)`: Levenshtein distance."""
        for candidate, notes in self.searcher.terms_with_prefix(field, term[:1]):
            if abs(len(candidate) - len(term)) > SPELLING_DISTANCE:
                continue
            distance = Levenshtein.distance(term, candidate, score_cutoff=SPELLING_DISTANCE)
            if distance <= SPELLING_DISTANCE:
                yield candidate, notes

    def texts(self, field: str, term: str, notes: int) -> Iterator[str]:
        if field != "body":
            return
        found = self.searcher.search(Query.term_query(SCHEMA, field, term), notes, count=False)
        for _, address in found.hits:
            stored = self.searcher.doc(address).get_first("shown_text")
            yield bytes(stored or b"").decode("utf-8")  # without its Markdown, as Whoosh gives it

    def finds(self, text: str) -> bool:
        try:
            found = translate(queries.parse(text), SCHEMA, self)
        except (Untranslatable, ValueError):
            return False
        return bool(_count(self.searcher.search(found, 1, count=True)))


# Opening, writers and locks


def _terms_tokenizer() -> tantivy.TextAnalyzer:
    """A text field's value is its terms separated by spaces: split on them, nothing more."""
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


def _opened(folder: Path) -> tantivy.Index:
    index = tantivy.Index.open(str(folder))
    index.register_tokenizer(TOKENIZER, _terms_tokenizer())
    index.config_reader(reload_policy="manual")
    return index


def _open_folder(folder: Path) -> tuple[tantivy.Index | None, str | None]:
    """(index, None) when the folder holds a usable index, else (None, why not).

    A writer in another process may commit while this reads, and delete the files of the
    commit being read: a failure is damage only if no commit happened meanwhile.
    """
    for attempt in range(1, OPEN_ATTEMPTS + 1):
        before = _signature(folder)
        try:
            reason = folders.record_problem(folder, FORMAT)
            if reason:
                return None, reason
            if not (folder / META).exists():
                return None, f"index unreadable ({META} is missing)"
            index = _opened(folder)
            _check(index)
            return index, None
        except BaseException as error:
            if not _damage(error):
                raise
            if attempt < OPEN_ATTEMPTS and _signature(folder) != before:
                continue
            return None, f"index unreadable ({folders.unreadable(error)})"
    raise AssertionError("unreachable")


def _check(index: tantivy.Index) -> None:
    """Read a little of the index, so that a missing or truncated file shows now."""
    searcher = index.searcher()
    if searcher.num_docs:
        hits = searcher.search(Query.all_query(), 1, count=True).hits
        searcher.doc(hits[0][1])


def _lock_writer(
    index: tantivy.Index, heap: int, threads: int, timeout: float
) -> tantivy.IndexWriter:
    """A writer, waiting up to `timeout` seconds for another one to finish."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return index.writer(heap_size=heap, num_threads=threads)
        except ValueError as error:
            if "LockBusy" not in str(error) or time.monotonic() >= deadline:
                if "LockBusy" in str(error):
                    raise IivError(BUSY) from None
                raise
            time.sleep(0.1)


def _finish(writer: tantivy.IndexWriter) -> None:
    """Let the writer's merges finish, delete the files no commit uses, and let go of the
    write lock."""
    try:
        writer.garbage_collect_files()
    finally:
        writer.wait_merging_threads()


@contextmanager
def _write_lock(folder: Path, timeout: float) -> Iterator[None]:
    """Hold tantivy's write lock on the index in `folder` (against this and other processes),
    if there is one: a rebuild must not replace an index another iiv is writing."""
    lock = folder / WRITER_LOCK
    if not lock.exists():
        yield
        return
    handle = locked(lock, timeout)
    if handle is None:
        raise IivError(BUSY)
    with handle:
        yield


def _signature(folder: Path) -> tuple[int, int, int] | None:
    """What changes with every commit: `meta.json` is replaced whole by each."""
    try:
        found = os.stat(folder / META)
    except OSError:
        return None
    return (found.st_ino, found.st_mtime_ns, found.st_size)


def _read_meta(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / META).read_text(encoding="utf-8"))
    return data


def _damage(error: BaseException) -> bool:
    """Whether the error is tantivy's, which means the files are damaged: its errors
    (ValueError, OSError), and the panics of its Rust code (pyo3's PanicException, which
    derives from BaseException)."""
    if isinstance(error, IivError):
        return False
    return isinstance(error, ValueError | OSError) or type(error).__name__ == "PanicException"
