"""The search index: a disposable Whoosh cache of the notes, kept in a folder outside the vault.

The one module that imports whoosh; whoosh objects never leave it. Anything wrong with the
index on disk (missing, damaged, an older format) makes `Index.open` report `needs_rebuild`
instead of raising: the notes are the truth, and `rebuild` recreates the index from them.

Threads: one thread writes (`update`, `remove_prefix`, `rebuild`); any thread may read. Each
read opens its own whoosh searcher (about a millisecond), so readers share nothing and always
see the latest commit, including one made by another iiv process.
"""

from __future__ import annotations

import html
import json
import math
import re
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from whoosh import columns, fields, highlight, index, qparser, query
from whoosh.analysis import CharsetFilter, IDAnalyzer, StandardAnalyzer, StemmingAnalyzer
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError, LockError
from whoosh.support.charset import accent_map
from whoosh.util.filelock import try_for

from iiv.errors import IivError
from iiv.note import Note
from iiv.vault import FileStat

INDEX_VERSION = 1
VERSION_FILE = "iiv-index.json"
LOCK_TIMEOUT = 10.0  # seconds to wait for another writer before saying the index is busy
MAX_STORED_BODY = 20_000  # characters of body kept for snippets
SNIPPET_CHARS = 200
PROGRESS_EVERY = 500
SEARCH_FIELDS = ("title", "names", "body", "company", "role", "people", "tags")
INDEX_FILE_RE = re.compile(r"_?MAIN_.*|.*\.tmp|" + re.escape(VERSION_FILE))  # whoosh's and ours
BUSY = "the index is busy (another iiv is writing); try again"


@dataclass(frozen=True)
class Hit:
    path: str
    kind: str
    title: str
    score: float
    snippet: str  # HTML: escaped text, matched words in <mark>…</mark>


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    hits: tuple[Hit, ...]
    page: int
    pages: int
    suggestion: str | None  # "did you mean" query text when nothing matched


def _schema(query_only: bool = False) -> fields.Schema:
    """The index's fields; with `query_only`, also `person`, which queries mean names or people."""
    folded = StandardAnalyzer() | CharsetFilter(accent_map)
    stemmed = StemmingAnalyzer() | CharsetFilter(accent_map)
    lowercase_id = IDAnalyzer(lowercase=True)
    schema = fields.Schema(
        path=fields.ID(unique=True, stored=True, sortable=True),
        kind=fields.ID(stored=True, analyzer=lowercase_id),
        title=fields.TEXT(stored=True, field_boost=3.0, analyzer=folded),
        names=fields.TEXT(field_boost=4.0, analyzer=folded),
        company=fields.TEXT(analyzer=folded),
        role=fields.TEXT(analyzer=folded),
        tags=fields.KEYWORD(lowercase=True, commas=True, scorable=True),
        status=fields.ID(analyzer=lowercase_id),
        medium=fields.KEYWORD(lowercase=True, scorable=True),
        people=fields.TEXT(analyzer=folded),
        date=fields.DATETIME(),
        due=fields.DATETIME(),
        body=fields.TEXT(stored=True, analyzer=stemmed, spelling=True),
        size=fields.COLUMN(columns.NumericColumn("q")),
        mtime_ns=fields.COLUMN(columns.NumericColumn("q")),
    )
    if query_only:
        schema.add("person", fields.TEXT(analyzer=folded))
    return schema


SCHEMA = _schema()
QUERY_SCHEMA = _schema(query_only=True)


def _document(note: Note, stat: FileStat) -> dict[str, Any]:
    due = sorted({task.when for task in note.tasks if task.is_open and task.when})
    people = {text for link in note.people for text in (link.target.rsplit("/", 1)[-1], link.label)}
    values: dict[str, Any] = {
        "path": note.path,
        "kind": note.kind,
        "title": note.title,
        "names": "\n".join(note.names) if note.kind == "person" else None,
        "company": note.company,
        "role": note.role,
        "tags": ",".join(note.tags),
        "status": note.status,
        "medium": note.medium,
        "people": "\n".join(sorted(p for p in people if p)),
        "date": _midnight(note.date) if note.date else None,
        "due": [_midnight(day) for day in due],
        "body": note.body,
        "_stored_body": note.body[:MAX_STORED_BODY],
        "size": stat.size,
        "mtime_ns": stat.mtime_ns,
    }
    return {key: value for key, value in values.items() if value not in (None, "", [])}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


class Index:
    """The index in one folder, or the reason it needs rebuilding."""

    def __init__(self, folder: Path, ix: Any, reason: str | None, lock_timeout: float) -> None:
        self.folder = folder
        self.reason = reason
        self.lock_timeout = lock_timeout
        self._ix = ix
        self._swap = threading.Lock()  # guards self._ix, which rebuild and errors replace

    @property
    def needs_rebuild(self) -> bool:
        return self.reason is not None

    @classmethod
    def open(cls, folder: Path, *, lock_timeout: float = LOCK_TIMEOUT) -> Index:
        """The index in `folder`; never raises: a bad index comes back with `needs_rebuild`."""
        folder = Path(folder)
        ix, reason = _open_folder(folder)
        return cls(folder, ix, reason, lock_timeout)

    def close(self) -> None:
        with self._swap:
            ix, self._ix = self._ix, None
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
                paths = reader.column_reader("path")
                sizes = reader.column_reader("size")
                mtimes = reader.column_reader("mtime_ns")
                for doc in reader.all_doc_ids():
                    found[paths[doc]] = (sizes[doc], mtimes[doc])
        return found

    def search(self, query: str, limit: int = 20, page: int = 1) -> SearchResult:
        """One page of the notes matching `query`, best first; never raises for bad syntax."""
        parsed = _parse(query)
        with self._searcher() as searcher:
            try:
                return _page(searcher, parsed, query, max(1, limit), page)
            except Exception:  # a query whoosh chokes on (not damage): search its words instead
                return _page(searcher, _plain(query), query, max(1, limit), page)

    @contextmanager
    def _searcher(self) -> Iterator[Any]:
        with self._guard():
            with self._swap:
                searcher = self._require().searcher()
            try:
                yield searcher
            finally:
                searcher.close()

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
        with self._writer() as writer:
            for path in sorted(gone):
                writer.delete_by_term("path", path)
            for note, stat in latest.values():
                writer.update_document(**_document(note, stat))

    def remove_prefix(self, prefix: str) -> int:
        """Delete every note under the folder `prefix` (removed or renamed); returns how many."""
        with self._writer() as writer:
            return int(writer.delete_by_query(query.Prefix("path", prefix.rstrip("/") + "/")))

    @contextmanager
    def _writer(self) -> Iterator[Any]:
        with self._guard():
            try:
                writer = self._require().writer(timeout=self.lock_timeout, delay=0.1)
            except LockError:
                raise IivError(BUSY) from None
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            try:
                writer.commit()
            except BaseException:
                with suppress(Exception):  # releases the write lock if commit did not
                    writer.cancel()
                raise

    def rebuild(
        self,
        notes: Iterable[tuple[Note, FileStat]],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Build a fresh index beside the folder, then swap it in; returns the number of notes.

        Holds the old index's write lock throughout, so no other iiv writes to an index that
        is about to be replaced.
        """
        fresh, old = (self.folder.with_name(self.folder.name + end) for end in (".new", ".old"))
        for folder in (self.folder, fresh, old):
            _check_replaceable(folder)
        with _write_lock(self.folder, self.lock_timeout):
            try:
                count = _build(fresh, notes, progress)
            except BaseException:
                shutil.rmtree(fresh, ignore_errors=True)
                raise
            with self._swap:
                _swap_in(fresh, self.folder, old)
                self._ix, self.reason = index.open_dir(str(self.folder)), None
        return count


def _build(
    folder: Path, notes: Iterable[tuple[Note, FileStat]], progress: Callable[[int], None] | None
) -> int:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ix = index.create_in(str(folder), SCHEMA)
    writer = ix.writer(limitmb=256)
    count = 0
    try:
        for note, stat in notes:
            writer.add_document(**_document(note, stat))
            count += 1
            if progress and count % PROGRESS_EVERY == 0:
                progress(count)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    (folder / VERSION_FILE).write_text(json.dumps({"version": INDEX_VERSION}), encoding="utf-8")
    if progress and count % PROGRESS_EVERY:
        progress(count)
    return count


def _swap_in(fresh: Path, folder: Path, old: Path) -> None:
    """Rename the old folder away and the new one in, then delete the old one.

    A crash at any point leaves the old index, the new one, or none (which means a rebuild).
    """
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    fresh.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def _check_replaceable(folder: Path) -> None:
    """Refuse to delete a folder holding anything but index files (a mistaken index path)."""
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_dir() and not folder.is_symlink():
        strangers = [p.name for p in folder.iterdir() if not INDEX_FILE_RE.fullmatch(p.name)]
        if not strangers:
            return
    raise IivError(
        f"{folder} is not an iiv index (it holds other files): not replacing it; "
        "point the index at an empty or new folder"
    )


@contextmanager
def _write_lock(folder: Path, timeout: float) -> Iterator[None]:
    """Whoosh's own write lock on an index folder (an OS lock: it dies with its process)."""
    if not folder.is_dir():
        yield
        return
    lock = FileStorage(str(folder)).lock("MAIN_WRITELOCK")  # whoosh's name for it
    if not try_for(lock.acquire, timeout=timeout, delay=0.1):
        raise IivError(BUSY)
    try:
        yield
    finally:
        lock.release()


# Opening


def _open_folder(folder: Path) -> tuple[Any, str | None]:
    """(whoosh index, None) when the folder holds a usable index, else (None, why not)."""
    try:
        reason = _version_problem(folder)
        if reason:
            return None, reason
        _check(folder)
        return index.open_dir(str(folder)), None
    except Exception as error:  # anything at all: the index is a cache, so rebuild it
        return None, f"index unreadable ({_unreadable(error)})"


def _version_problem(folder: Path) -> str | None:
    if not folder.is_dir():
        return "no index yet"
    try:
        version = json.loads((folder / VERSION_FILE).read_text(encoding="utf-8"))["version"]
    except FileNotFoundError:
        return (
            "no index yet" if not any(folder.iterdir()) else f"index unreadable (no {VERSION_FILE})"
        )
    except (OSError, ValueError, TypeError, KeyError) as error:
        return f"index unreadable ({VERSION_FILE} is damaged: {_describe(error)})"
    if not isinstance(version, int):
        return f"index unreadable ({VERSION_FILE} is damaged: no version number)"
    if version != INDEX_VERSION:
        return f"index format changed (version {version} → {INDEX_VERSION})"
    return None


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
    if isinstance(error, FileNotFoundError) and error.filename:
        return f"{Path(str(error.filename)).name} is missing"
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else str(error.strerror)
    return f"damaged files: {_describe(error)}"


def _describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# Queries


def _parse(text: str) -> query.Query:
    parser = qparser.MultifieldParser(SEARCH_FIELDS, QUERY_SCHEMA, group=qparser.AndGroup)
    parser.add_plugin(qparser.FieldAliasPlugin({"tags": ["tag"]}))
    parser.add_plugin(qparser.GtLtPlugin())
    try:
        parsed = parser.parse(text)
    except Exception:  # whoosh raises assorted errors on odd syntax: search the words instead
        return _plain(text)
    return _plain(text) if _has_error(parsed) else parsed.accept(_person_to_fields)


def _has_error(q: query.Query) -> bool:
    return bool(getattr(q, "error", None)) or any(_has_error(child) for child in q.children())


def _person_to_fields(q: query.Query) -> query.Query:
    if getattr(q, "fieldname", None) != "person":
        return q
    copies = []
    for fieldname in ("names", "people"):
        copy = q.copy()
        copy.fieldname = fieldname
        copies.append(copy)
    return query.Or(copies)


def _plain(text: str) -> query.Query:
    """The words of a query that does not parse, each to be found in some searched field."""
    parser = qparser.QueryParser(None, SCHEMA, plugins=[], group=qparser.AndGroup)
    parser.add_plugin(qparser.WhitespacePlugin())
    parser.add_plugin(qparser.MultifieldPlugin(SEARCH_FIELDS))
    return parser.parse(" ".join(re.findall(r"\w+", text)))


# Results


class _MarkFormatter(highlight.Formatter):  # type: ignore[misc]
    """Escapes all text, wraps matched words in <mark>, and shows cut ends with an ellipsis."""

    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text)

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{html.escape(str(highlight.get_text(text, token, replace)))}</mark>"

    def format_fragment(self, fragment: Any, replace: bool = False) -> str:
        """The fragment, stretched to the ends of the text when only punctuation is left out."""
        text = fragment.text
        if not re.search(r"\w", text[: fragment.startchar]):
            fragment.startchar = 0
        if not re.search(r"\w", text[fragment.endchar :]):
            fragment.endchar = len(text)
        inner = str(super().format_fragment(fragment, replace)).strip()
        before = "…" if fragment.startchar > 0 else ""
        after = "…" if fragment.endchar < len(text) else ""
        return before + inner + after


def _highlighter() -> highlight.Highlighter:
    fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)
    return highlight.Highlighter(fragmenter=fragmenter, formatter=_MarkFormatter())


def _page(searcher: Any, parsed: query.Query, text: str, limit: int, page: int) -> SearchResult:
    last_page = max(1, math.ceil(searcher.doc_count() / limit))
    results = searcher.search_page(parsed, min(max(1, page), last_page), pagelen=limit)
    results.results.highlighter = _highlighter()
    total = int(results.total)
    return SearchResult(
        query=text,
        total=total,
        hits=tuple(_hit(hit) for hit in results),
        page=max(1, results.pagenum),
        pages=int(results.pagecount),
        suggestion=_suggestion(searcher, parsed, text) if total == 0 else None,
    )


def _hit(hit: Any) -> Hit:
    body = hit.get("body", "")
    snippet = hit.highlights("body", top=1) if body else ""
    return Hit(
        path=hit["path"],
        kind=hit.get("kind", "note"),
        title=hit.get("title", ""),
        score=float(hit.score or 0.0),
        snippet=snippet or _opening(body),
    )


def _opening(body: str) -> str:
    text = " ".join(body.split())
    if len(text) <= SNIPPET_CHARS:
        return html.escape(text)
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return html.escape(text[: cut if cut > 0 else SNIPPET_CHARS]) + "…"


def _suggestion(searcher: Any, parsed: query.Query, text: str) -> str | None:
    """The query with each word the index lacks replaced by a close one, if that finds notes."""
    reader = searcher.reader()
    spans: dict[tuple[int, int], set[tuple[str, str]]] = {}
    for leaf in parsed.leaves():
        if isinstance(leaf, query.Term | query.Phrase):
            for token in leaf.tokens():
                if token.startchar is not None and token.endchar is not None:
                    span = spans.setdefault((token.startchar, token.endchar), set())
                    span.add((token.fieldname, token.text))
    corrected = text
    for (start, end), terms in sorted(spans.items(), reverse=True):
        if not any(term in reader for term in terms):
            word = _close_word(reader, text[start:end].lower(), {f for f, _ in terms})
            corrected = corrected[:start] + word + corrected[end:] if word else corrected
    if corrected == text or searcher.search(_parse(corrected), limit=1).is_empty():
        return None
    return corrected


def _close_word(reader: Any, word: str, fieldnames: set[str]) -> str | None:
    """The indexed word closest to `word` (a swap of two letters counts as one edit), else None.

    Ties go to the word found in more notes.
    """
    if len(word) < 3 or not word.isalpha():
        return None
    schema = reader.schema
    sources = {schema[f].spelling_fieldname(f) for f in fieldnames if schema[f].scorable}
    counts: dict[str, int] = {}
    for field in sources:
        for candidate in reader.terms_within(field, word, 2, prefix=1):
            counts[candidate] = counts.get(candidate, 0) + reader.doc_frequency(field, candidate)
    counts.pop(word, None)
    if not counts:
        return None
    return min(sorted(counts), key=lambda c: (_edits(word, c), -counts[c]))


def _edits(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps."""
    older: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], older[j - 2] + 1)
        older, previous = previous, row
    return previous[-1]
