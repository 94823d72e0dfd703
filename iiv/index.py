"""The search index: a disposable Whoosh cache of the notes, kept in a folder outside the vault.

The one module that imports whoosh; whoosh objects never leave it. Anything wrong with the
index on disk (missing, damaged, an older format) makes `Index.open` report `needs_rebuild`
instead of raising: the notes are the truth, and `rebuild` recreates the index from them.

Threads: one thread writes (`update`, `remove_prefix`, `rebuild`); any thread may read. A
reader borrows a whoosh searcher from a small pool, which replaces any a commit (of this or
another iiv process) made stale, so a searcher serves one thread at a time and every read
sees the latest commit.

Speed (figures in docs/performance.md): words are analyzed in one pass per field instead of
whoosh's token-by-token filter chain; a big rebuild reads, parses and indexes in worker
processes, one segment each; a save commits a tiny segment and merges only small ones, a few
of a size at a time; snippets are cut from the stored text without re-running the analyzer.
"""

from __future__ import annotations

import gc
import json
import logging
import math
import os
import pickle
import queue as queues
import re
import shutil
import signal
import subprocess
import sys
import threading
import traceback
import zlib
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from whoosh import columns, fields, index, qparser, query
from whoosh.analysis import Analyzer, IDAnalyzer, Token
from whoosh.codec import whoosh3
from whoosh.collectors import TopCollector
from whoosh.filedb import compound
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.index import EmptyIndexError, LockError
from whoosh.reading import MultiReader, SegmentReader
from whoosh.searching import ResultsPage, Searcher
from whoosh.util.filelock import try_for
from whoosh.writing import SegmentWriter

from iiv.errors import IivError, Stopped
from iiv.note import DEFAULT_KINDS, Kinds, Note
from iiv.search.analysis import BODY, TEXT
from iiv.search.snippets import opening, plain, snippet
from iiv.vault import FileStat

log = logging.getLogger(__name__)
INDEX_VERSION = 3
VERSION_FILE = "iiv-index.json"
LOCK_TIMEOUT = 10.0  # seconds to wait for another writer before saying the index is busy
MAX_STORED_BODY = 20_000  # characters of body kept for snippets
PROGRESS_EVERY = 500
SEARCH_FIELDS = ("title", "names", "body", "company", "role", "people", "tags")
INDEX_FILE_RE = re.compile(r"_?MAIN_.*|.*\.tmp|" + re.escape(VERSION_FILE))  # whoosh's and ours
BUSY = "the index is busy (another iiv is writing); try again"
IDLE_SEARCHERS = 8  # searchers kept open for the next searches: one per server thread
PARALLEL_FROM = 500  # notes: a rebuild this big reads, parses and indexes in worker processes
CHUNK = 100  # notes a build worker reads at a time
SEGMENT_DOCS = 6000  # notes a build worker writes to one segment
NICER = 10  # how much a build worker lowers its priority once it has sent its notes
WORKER_MB = 256  # posting buffer of each build worker before it spills to disk
INLINE_BELOW = 2  # postings: a term in fewer notes is kept in its term entry
COMPRESS_FROM = 256  # bytes: smaller postings blocks are stored as they are
COMPRESSION = 1  # zlib level of bigger blocks: the fastest, nearly as small as whoosh's 3
SMALL_SEGMENT = 215  # documents: segments this small (left by saves) are merged ...
MERGE_AT = 6  # ... this many of a size at a time (sizes 1–5, 6–35, 36–215)
EARLY_PURGE = 2000  # documents: a segment this small is rewritten once a quarter is deleted
OPEN_ATTEMPTS = 5  # reads of an index that another process keeps committing to


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

    def to_json(self) -> dict[str, object]:
        """The shape of `/api/search` and `iiv search --json` (documented in the README)."""
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "pages": self.pages,
            "suggestion": self.suggestion,
            "results": [
                {
                    "path": h.path,
                    "kind": h.kind,
                    "title": h.title,
                    "score": round(h.score, 4),
                    "snippet": h.snippet,
                }
                for h in self.hits
            ],
        }


# Whoosh, made faster where it is slow. Both fixes keep its file format.


class _View:
    """A read-only file over a memoryview: reading it copies only what is read."""

    def __init__(self, buffer: Any) -> None:
        self._buffer = buffer
        self._position = 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._position
        end = len(self._buffer) if size is None or size < 0 else start + size
        self._position = min(end, len(self._buffer))
        return bytes(self._buffer[start : self._position])

    def readline(self, size: int | None = -1) -> bytes:
        line = b""
        while not line.endswith(b"\n") and self._position < len(self._buffer):
            block = self.read(256)
            cut = block.find(b"\n")
            if cut >= 0:
                self._position -= len(block) - cut - 1
                block = block[: cut + 1]
            line += block
        return line

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._position, len(self._buffer))[whence]
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        self._buffer = b""


class _BufferFile(BufferFile):  # type: ignore[misc]
    """Whoosh opens each part of a segment as a BufferFile over the segment's memory map, and
    BufferFile copies the part into a BytesIO: tens of MB and ~20 ms per segment for every
    searcher. This one reads from the map."""

    def __init__(self, buf: Any, name: str | None = None, onclose: Any = None) -> None:
        self._buf, self._name, self.onclose = buf, name, onclose
        self.file = _View(buf)
        self.is_real = self.is_closed = False


compound.BufferFile = _BufferFile


def _cached_length_reader(self: Any, fieldname: str, column: Any) -> Any:
    """Remember that a field has no lengths column too: whoosh stats a file for every posting
    of such a field when it writes a segment."""
    if fieldname not in self._readers:
        has = self.has_column(fieldname)
        self._readers[fieldname] = self.column_reader(fieldname, column) if has else None
    return self._readers[fieldname]


whoosh3.W3PerDocReader._cached_reader = _cached_length_reader


def _renewed(ix: Any, searcher: Any, toc: Any) -> Any:
    """A searcher of the commit `toc` that keeps `searcher`'s readers of the segments still
    in it, instead of opening every segment again as whoosh does (about 1 ms each, for every
    searcher, after every save). `searcher` is used up, not closed."""
    leaves = [reader for reader, _ in searcher.reader().leaf_readers()]
    if not all(type(reader) is SegmentReader for reader in leaves):  # an empty index
        searcher.close()
        return ix.searcher()
    old = {reader.segment().segment_id(): reader for reader in leaves}
    readers = []
    try:
        for segment in toc.segments:
            reader = old.pop(segment.segment_id(), None)
            if reader is None:
                reader = SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation)
            else:  # the same files; only the deleted documents may differ
                reader._segment = reader._perdoc._segment = segment
                reader._gen = toc.generation
                reader.__dict__.pop("deleted_docs_set", None)
            readers.append(reader)
    except BaseException:
        old.update((r.segment().segment_id(), r) for r in readers)
        raise
    finally:
        for reader in old.values():
            with suppress(Exception):
                reader.close()
    if not readers:
        return ix.searcher()  # whoosh's EmptyReader
    if len(readers) == 1:
        return Searcher(readers[0], fromindex=ix)
    return Searcher(MultiReader(readers, generation=toc.generation), fromindex=ix)


# Analysis (iiv.search.analysis): one pass per field value when indexing; the same analysis,
# token by token, for queries


class _Analyzer(Analyzer):  # type: ignore[misc]
    """Whoosh's face of iiv's analysis: what queries (and whoosh's own indexing) use."""

    def __init__(self, stemmed: bool) -> None:
        self.stemmed = stemmed

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        analysis = BODY if self.stemmed else TEXT
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:  # a wildcard's or a prefix's text: one term
            spans: Iterable[tuple[str, int, int, int]] = [(analysis.whole(value), 0, 0, len(value))]
        else:
            spans = analysis.spans(value)
        for term, position, start, end in spans:
            token.text, token.boost, token.stopped = term, 1.0, False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


_ONE_POSITION: dict[int, bytes] = {}


class _Text(fields.TEXT):  # type: ignore[misc]
    """A TEXT field indexed in one pass (`Analysis.positions`); queries use `_Analyzer`. A query
    word of several terms (`docs.fennimore.example`, `字节跳动`) is a phrase of them."""

    def __init__(self, stemmed: bool = False, **kwargs: Any) -> None:
        super().__init__(analyzer=_Analyzer(stemmed), **kwargs)
        self.multitoken_query = "phrase"
        self.stemmed = stemmed

    def index(self, value: str, **kwargs: Any) -> list[tuple[bytes, int, float, bytes]]:
        """(term, frequency, weight, encoded positions) for each term, as whoosh's `index`."""
        boost, encode, one = self.format.field_boost, self.format.encode, _ONE_POSITION
        found = (BODY if self.stemmed else TEXT).positions(value)
        postings = []
        for term, positions in found.items():
            count = len(positions)
            if count > 1:
                postings.append((term.encode(), count, count * boost, encode(positions)))
                continue
            encoded = one.get(positions[0])
            if encoded is None:
                encoded = one[positions[0]] = encode(positions)
            postings.append((term.encode(), 1, boost, encoded))
        return postings


def _schema(query_only: bool = False) -> fields.Schema:
    """The index's fields; with `query_only`, also `person`, which queries mean names or people."""
    lowercase_id = IDAnalyzer(lowercase=True)
    schema = fields.Schema(
        path=fields.ID(unique=True, stored=True, sortable=True),
        kind=fields.ID(stored=True, analyzer=lowercase_id),
        title=_Text(stored=True, field_boost=3.0),
        names=_Text(field_boost=4.0),
        company=_Text(),
        role=_Text(),
        tags=fields.KEYWORD(lowercase=True, commas=True, scorable=True),
        status=fields.ID(analyzer=lowercase_id),
        medium=fields.KEYWORD(lowercase=True, scorable=True),
        people=_Text(),
        date=fields.DATETIME(),
        due=fields.DATETIME(),
        body=_Text(stemmed=True, stored=True),
        size=fields.COLUMN(columns.NumericColumn("q")),
        mtime_ns=fields.COLUMN(columns.NumericColumn("q")),
    )
    if query_only:
        schema.add("person", _Text())
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
        "_stored_body": plain(note.body)[:MAX_STORED_BODY],
        "size": stat.size,
        "mtime_ns": stat.mtime_ns,
    }
    return {key: value for key, value in values.items() if value not in (None, "", [])}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


# Writing segments


class _Writer(SegmentWriter):  # type: ignore[misc]
    """Whoosh's segment writer, trimmed to what iiv's schema uses.

    - `add_document` hands a field's postings to the pool in one go, not one call each;
    - the pool groups postings by term as they come (`_Pool`), so none is sorted;
    - the flush reads each field's lengths once, not once per posting;
    - postings are written a term at a time (`_Codec`).
    """

    def __init__(self, ix: Any, temp: str | None = None, **kwargs: Any) -> None:
        super().__init__(ix, codec=_Codec(compression=COMPRESSION), **kwargs)
        self.pool = _Pool()
        self.documents: list[dict[str, Any]] = []  # as added, for `_Recent` (small writes only)
        if temp:  # writers working side by side need their own scratch folders
            self._tempstorage = self.storage.temp_storage(temp)

    def add_document(self, **values: Any) -> None:
        self._check_state()
        docnum, perdoc = self.docnum, self.perdocwriter
        perdoc.start_doc(docnum)
        try:
            for name in sorted(n for n in values if not n.startswith("_")):
                self._add_field(docnum, name, values[name], values.get(f"_stored_{name}"))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1
        if len(self.documents) <= SMALL_SEGMENT:
            self.documents.append(values)

    def _add_field(self, docnum: int, name: str, value: Any, stored: Any) -> None:
        field = self.schema[name]
        length = 0
        if field.indexed:
            postings = list(field.index(value))
            if field.scorable:
                length = sum([posting[1] for posting in postings])
            self.pool.add_field(name, docnum, postings)
        stored = value if stored is None else stored
        self.perdocwriter.add_field(name, field, stored if field.stored else None, length)
        if field.column_type and stored is not None:
            self.perdocwriter.add_column_value(
                name, field.column_type, field.to_column_value(stored)
            )

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = _Lengths(self.per_document_reader()) if self.codec.length_stats else None
        self.fieldwriter.add_grouped(self.schema, lengths, self.pool.groups())
        self.fieldwriter.close()
        if lengths is not None:
            lengths.close()


Posting = tuple[int, float, bytes]  # document number, weight, encoded value


class _Pool:
    """A segment's postings grouped by term as they come, in document order, instead of
    whoosh's pool, which sorts them all at the end (and spills them to disk past a limit:
    build workers write segments small enough to stay in memory)."""

    def __init__(self) -> None:
        self.fieldnames: set[str] = set()
        self._terms: dict[tuple[str, bytes], list[Posting]] = {}

    def add_field(self, field: str, docnum: int, postings: list[tuple[Any, ...]]) -> None:
        self.fieldnames.add(field)
        terms = self._terms
        for term, _, weight, value in postings:
            key = (field, term)
            if key in terms:
                terms[key].append((docnum, weight, value))
            else:
                terms[key] = [(docnum, weight, value)]

    def add(self, item: tuple[Any, ...]) -> None:
        """One posting (field, term, document, weight, value): how whoosh merges segments."""
        field, term, docnum, weight, value = item
        self.fieldnames.add(field)
        self._terms.setdefault((field, term), []).append((docnum, weight, value))

    def groups(self) -> Iterator[tuple[str, bytes, list[Posting]]]:
        for field, term in sorted(self._terms):
            yield field, term, self._terms[field, term]

    def iter_postings(self) -> Iterator[tuple[Any, ...]]:
        for field, term, postings in self.groups():
            for docnum, weight, value in postings:
                yield field, term, docnum, weight, value

    def cleanup(self) -> None:
        self._terms.clear()


class _PostingsWriter(whoosh3.W3PostingsWriter):  # type: ignore[misc]
    """Whoosh's postings writer, taking a term's postings a block at a time, and leaving
    tiny blocks (most terms are rare) uncompressed: zlib costs more than it saves there."""

    _ids: Any  # whoosh's attributes, set by its methods
    _terminfo: Any

    def add_all(self, postings: list[Posting], lengths: list[int | None] | None) -> None:
        """A term's postings, in document order; `lengths` of the field by document."""
        limit = self._blocklimit
        for start in range(0, len(postings), limit):
            if self._ids:
                self._write_block()
            block = postings[start : start + limit]
            ids = [p[0] for p in block]
            self._ids = array("I", ids)
            self._weights = array("f", [p[1] for p in block])
            self._values = [p[2] for p in block if p[2]]
            self._maxweight = max(0.0, max(self._weights))
            found = [n for n in (lengths[d] for d in ids) if n] if lengths else []
            self._minlength = min(found) if found else None
            self._maxlength = max(found) if found else 0

    def finish_postings(self) -> Any:
        """A term in a single note keeps its posting in the term's entry, not in a block of its
        own; whoosh's reader handles both (its writer calls a misspelled method for this)."""
        terminfo, self._terminfo = self._terminfo, None
        if not self._blockcount and len(self._ids) < self._inlinelimit and self._values:
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values)
            return terminfo
        if self._ids:  # (values-less postings stay in blocks: whoosh reads them back as str)
            self._terminfo = terminfo
            self._write_block(last=True)
            self._terminfo = None
        terminfo.set_extent(self._startoffset, self._postfile.tell() - self._startoffset)
        return terminfo

    def _write_block(self, last: bool = False) -> None:
        if not self._blockcount:
            self._postfile.write(whoosh3.WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = pickle.dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), 2)
        level = self._compression if len(data) >= COMPRESS_FROM else 0
        if level:
            data = zlib.compress(data, level)
        info = pickle.dumps(
            (
                len(self._ids),
                self._ids[-1],
                self._maxweight,
                level,
                whoosh3.length_to_byte(self._minlength),
                whoosh3.length_to_byte(self._maxlength),
            ),
            2,
        )
        length = len(info) + len(data)
        self._postfile.write_int(-length if last else length)
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()


class _FieldWriter(whoosh3.W3FieldWriter):  # type: ignore[misc]
    """Writes a segment's postings a term at a time instead of one call per posting."""

    def add_grouped(
        self, schema: Any, lengths: _Lengths | None, groups: Iterable[tuple[str, bytes, Any]]
    ) -> None:
        field, field_lengths = None, None
        for fieldname, term, postings in groups:
            if fieldname != field:
                if field is not None:
                    self.finish_field()
                field = fieldname
                self.start_field(fieldname, schema[fieldname])
                field_lengths = lengths.of(fieldname) if lengths else None
            self.start_term(term)
            self._postwriter.add_all(postings, field_lengths)
            self.finish_term()
        if field is not None:
            self.finish_field()


class _Codec(whoosh3.W3Codec):  # type: ignore[misc]
    """Whoosh's codec (same files, same readers), with the faster writers above."""

    def field_writer(self, storage: Any, segment: Any) -> _FieldWriter:
        return _FieldWriter(self, storage, segment)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> _PostingsWriter:
        return _PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=INLINE_BELOW,
        )


class _Lengths:
    """A segment's field lengths by document, loaded a field at a time, as whoosh reports them."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._fields: dict[str, list[int | None] | None] = {}

    def of(self, fieldname: str) -> list[int | None] | None:
        """The field's length in each document (None: empty), or None without lengths."""
        if fieldname not in self._fields:
            name = whoosh3._lenfield(fieldname)
            column = self._reader._cached_reader(name, whoosh3.LENGTHS_COLUMN)
            self._fields[fieldname] = (
                None
                if column is None
                else [whoosh3.byte_to_length(b) if b else None for b in column]
            )
        return self._fields[fieldname]

    def close(self) -> None:
        self._reader.close()


def _small(segments: list[Any]) -> list[Any]:
    """The segments saves left behind that are worth merging now: `MERGE_AT` of about the same
    size (1–5, 6–35 or 36–215 notes), which become one of the next size; else none.

    So a save mostly merges a few notes and at most 215, while the small segments a search
    looks into stay few (at most 6 of each size) however long saves go on. Whoosh's own policy
    now and then merges big segments during a one-note save, which holds that save up for
    seconds on a big vault; bigger segments wait for `Index.compact`.
    """
    sizes: dict[int, list[Any]] = defaultdict(list)
    for segment in segments:
        if segment.doc_count_all() <= SMALL_SEGMENT:
            sizes[_size_class(segment.doc_count_all())].append(segment)
    return next((same for _, same in sorted(sizes.items()) if len(same) >= MERGE_AT), [])


def _size_class(documents: int) -> int:
    """0 for 1–5 documents, 1 for 6–35, 2 for 36–215, … (powers of `MERGE_AT`)."""
    size = 0
    while documents >= MERGE_AT:
        documents //= MERGE_AT
        size += 1
    return size


def _stale(segment: Any) -> bool:
    """Whether enough of a segment's documents are deleted (a search still walks those) to
    rewrite it: a quarter of a segment of up to `EARLY_PURGE` documents, else half, because
    rewriting a big one takes seconds during which saves wait."""
    documents, deleted = int(segment.doc_count_all()), int(segment.deleted_count())
    return deleted * (4 if documents <= EARLY_PURGE else 2) >= max(1, documents)


def _untidy(segments: list[Any], most: int | None = None) -> list[Any]:
    """Segments worth merging: the small ones (under a tenth of all documents) when there are
    several, and the stale ones (see `_stale`). With `most`, only those of them, smallest
    first, that hold at most `most` documents in all."""
    total = sum(s.doc_count_all() for s in segments)
    small = [s for s in segments if s.doc_count_all() * 10 < total]
    chosen = small if len(small) > 1 else []
    chosen += [s for s in segments if _stale(s) and s not in chosen]
    if most is None:
        return chosen
    within: list[Any] = []
    for segment in sorted(chosen, key=lambda s: s.doc_count_all()):
        most -= segment.doc_count_all()
        if most < 0:
            break
        within.append(segment)
    return within if len(within) > 1 or any(_stale(s) for s in within) else []


class _Recent:
    """The documents of the small segments this process wrote, by segment.

    Merging a segment the whoosh way reads back every term of it, ~25 ms a note; a segment
    whose documents are here is merged by indexing its live documents again, ~2 ms a note.
    """

    def __init__(self) -> None:
        self._documents: dict[str, list[dict[str, Any]]] = {}

    def remember(self, segment: Any, documents: list[dict[str, Any]]) -> None:
        if 0 < len(documents) <= SMALL_SEGMENT:
            self._documents[segment.segment_id()] = documents

    def forget(self) -> None:
        self._documents.clear()

    def merge(self, writer: Any, segments: list[Any], chosen: list[Any]) -> list[Any]:
        """Merge the chosen segments into the writer's new one; returns the segments to keep."""
        for segment in chosen:
            documents = self._documents.pop(segment.segment_id(), None)
            if documents is not None and len(documents) == segment.doc_count_all():
                for number, document in enumerate(documents):
                    if not segment.is_deleted(number):
                        writer.add_document(**document)
                continue
            reader = SegmentReader(writer.storage, writer.schema, segment)
            try:
                writer.add_reader(reader)
            finally:
                reader.close()
        return [s for s in segments if s not in chosen]


class Index:
    """The index in one folder, or the reason it needs rebuilding."""

    def __init__(self, folder: Path, ix: Any, reason: str | None, lock_timeout: float) -> None:
        self.folder = folder
        self.reason = reason
        self.lock_timeout = lock_timeout
        self._ix = ix
        self._swap = threading.Lock()  # guards self._ix (replaced by rebuild and errors) and:
        self._idle: list[tuple[Any, Any]] = []  # (whoosh index, searcher) not in use
        self._last_toc: tuple[Any, int, Any] = (None, -1, None)  # (whoosh index, generation, TOC)
        self._recent = _Recent()  # used by the writing thread only
        self._stop = threading.Event()  # set when iiv shuts down: a rebuild then gives up

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
            idle, self._idle = self._idle, []
            self._last_toc = (None, -1, None)
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
        """One page of the notes matching `query`, best first; never raises for bad syntax."""
        parsed = _parse(query)
        with self._searcher() as searcher:
            try:
                return _page(searcher, parsed, query, max(1, limit), page)
            except Exception:  # a query whoosh chokes on (not damage): search its words instead
                return _page(searcher, _plain(query), query, max(1, limit), page)

    @contextmanager
    def _searcher(self) -> Iterator[Any]:
        """A searcher of the latest commit, from a small pool shared by the threads.

        Opening one costs milliseconds and each maps the files anew (memory counted again
        for each), so a few are reused; after a commit, one is renewed by opening only the
        segments it lacks (`_renewed`).
        """
        with self._guard():
            ix, searcher = self._borrow()
            try:
                yield searcher
            finally:
                self._give_back(ix, searcher)

    def _borrow(self) -> tuple[Any, Any]:
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
        if found is None:
            return ix, ix.searcher()
        generation = ix.latest_generation()
        if found.reader().generation() == generation:
            return ix, found
        try:
            return ix, _renewed(ix, found, self._toc(ix, generation))
        except Exception:  # whoosh's own way, which retries when a commit deletes files
            _close_all([found])
            return ix, ix.searcher()

    def _toc(self, ix: Any, generation: int) -> Any:
        """The segments of a commit, read once for all the searchers renewed to it."""
        with self._swap:
            if self._last_toc[:2] == (ix, generation):
                return self._last_toc[2]
        toc = index.TOC.read(ix.storage, ix.indexname, gen=generation, schema=ix._schema)
        with self._swap:
            self._last_toc = (ix, generation, toc)
        return toc

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
                writer.add_document(**_document(note, stat))

    def remove_prefix(self, prefix: str) -> int:
        """Delete every note under the folder `prefix` (removed or renamed); returns how many."""
        with self._writer() as (writer, searcher):
            folder = query.Prefix("path", prefix.rstrip("/") + "/")
            return int(writer.delete_by_query(folder, searcher=searcher))

    def compact(self, most: int | None = None) -> bool:
        """Merge small segments and purge stale ones; True if there was any to do.

        Saves leave small segments behind (a search looks into each), and replaced notes stay
        in their old segment, marked deleted. Writes wait meanwhile: with `most`, at most that
        many documents are rewritten, to keep it short.
        """
        with self._guard():
            segments = self._require()._segments()
        if not _untidy(segments, most):
            return False
        with self._writer(lambda segments: _untidy(segments, most)):
            pass
        return True

    @contextmanager
    def _writer(
        self, merge: Callable[[list[Any]], list[Any]] = _small
    ) -> Iterator[tuple[Any, Any]]:
        """A writer, and this thread's searcher when it sees what the writer starts from
        (whoosh would open a searcher of its own to find the documents to delete)."""
        with self._searcher() as searcher, self._guard():
            try:
                writer = _Writer(self._require(), timeout=self.lock_timeout, delay=0.1)
            except LockError:
                raise IivError(BUSY) from None
            same = searcher.reader().generation() == writer.generation - 1
            try:
                yield writer, searcher if same else None
            except BaseException:
                writer.cancel()
                raise
            try:
                writer.commit(
                    mergetype=lambda w, segments: self._recent.merge(w, segments, merge(segments))
                )
            except BaseException:
                with suppress(Exception):  # releases the write lock if commit did not
                    writer.cancel()
                raise
            if writer.documents:
                self._recent.remember(writer.newsegment, writer.documents)

    def rebuild(
        self,
        notes: Iterable[tuple[Note, FileStat]],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Build a fresh index beside the folder, then swap it in; returns the number of notes.

        Holds the old index's write lock throughout, so no other iiv writes to an index that
        is about to be replaced.
        """
        return self._replace(lambda fresh: _build(fresh, notes, progress, self._stop))

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
        if len(files) >= PARALLEL_FROM:
            try:
                return self._replace(
                    lambda fresh: _build_in_workers(
                        fresh, (root, kinds), files, on_notes, progress, self._stop
                    )
                )
            except Stopped:
                raise
            except (OSError, IivError) as error:
                if str(error) == BUSY:
                    raise
                log.warning("indexing in one process instead: %s", error)
        return self._rebuild_here(root, files, on_notes, progress, kinds)

    def _rebuild_here(
        self,
        root: Path,
        files: Sequence[FileStat],
        on_notes: Callable[[dict[str, Note | None]], None],
        progress: Callable[[int], None] | None,
        kinds: Kinds,
    ) -> int:
        from iiv.vault import read_existing

        notes = {stat.path: read_existing(root, stat.path, kinds) for stat in files}
        if progress:
            progress(len(notes))
        on_notes({path: note and note.without_body() for path, note in notes.items()})
        pairs = [(notes[s.path], s) for s in files if notes[s.path] is not None]
        return self.rebuild(pairs)  # type: ignore[arg-type]

    def stop(self) -> None:
        """Make a rebuild in progress (in another thread) give up soon, raising Stopped; the
        index is then left as it was before the rebuild."""
        self._stop.set()

    def tidy(self) -> None:
        """Delete what a rebuild killed midway left beside the index (its `.new` or `.old`
        folder). Only for the one writer: another could be building `.new` right now."""
        for leftover in self._beside():
            with suppress(IivError):
                _check_replaceable(leftover)
                if leftover.is_dir():
                    log.info("deleting %s, left by a rebuild that did not finish", leftover)
                    shutil.rmtree(leftover, ignore_errors=True)

    def _beside(self) -> tuple[Path, Path]:
        """The folders a rebuild writes (`.new`) and moves the replaced index to (`.old`)."""
        fresh, old = (self.folder.with_name(self.folder.name + end) for end in (".new", ".old"))
        return fresh, old

    def _replace(self, build: Callable[[Path], int]) -> int:
        fresh, old = self._beside()
        for folder in (self.folder, fresh, old):
            _check_replaceable(folder)
        with _write_lock(self.folder, self.lock_timeout):
            try:
                count = build(fresh)
            except BaseException:
                shutil.rmtree(fresh, ignore_errors=True)
                raise
            with self._swap:
                _swap_in(fresh, self.folder, old)
                self._ix, self.reason = index.open_dir(str(self.folder)), None
            self._recent.forget()
        return count


def _close_all(searchers: Iterable[Any]) -> None:
    for searcher in searchers:
        with suppress(Exception):  # a searcher of a deleted or damaged index
            searcher.close()


# Building


def _create(folder: Path) -> Any:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return index.create_in(str(folder), SCHEMA)


def _stamp(folder: Path) -> None:
    (folder / VERSION_FILE).write_text(json.dumps({"version": INDEX_VERSION}), encoding="utf-8")


def _build(
    folder: Path,
    notes: Iterable[tuple[Note, FileStat]],
    progress: Callable[[int], None] | None,
    stop: threading.Event,
) -> int:
    writer = _Writer(_create(folder), limitmb=256)
    count = 0
    try:
        for note, stat in notes:
            if stop.is_set():
                raise Stopped("the index rebuild was stopped")
            writer.add_document(**_document(note, stat))
            count += 1
            if progress and count % PROGRESS_EVERY == 0:
                progress(count)
    except BaseException:
        writer.cancel()
        raise
    writer.commit(merge=False)
    _stamp(folder)
    if progress and count % PROGRESS_EVERY:
        progress(count)
    return count


def _build_in_workers(
    folder: Path,
    vault: tuple[Path, Kinds],
    files: Sequence[FileStat],
    on_notes: Callable[[dict[str, Note | None]], None],
    progress: Callable[[int], None] | None,
    stop: threading.Event,
) -> int:
    """Worker processes read, parse and index a share of the notes each, as one segment each.

    Fresh interpreters, not forks: the caller has threads, and a fork copies their locks
    mid-use (Python 3.12+ warns); nor multiprocessing's spawn, which re-runs the caller's
    main script in each child.
    """
    ix = _create(folder)
    count = max(1, min(4, os.cpu_count() or 1, math.ceil(len(files) / CHUNK)))
    inbox: queues.Queue[tuple[Any, ...]] = queues.Queue()
    workers: list[_Worker] = []
    try:
        for number in range(count):
            workers.append(_Worker(folder, vault, files[number::count], inbox))
        on_notes(_receive_notes(inbox, workers, len(files), progress, stop))
        segments = [_receive(inbox, workers, "segments", stop) for _ in workers]
    except BaseException:
        for worker in workers:
            worker.process.kill()
        raise
    finally:
        for worker in workers:
            worker.finish()
    _commit_segments(ix, [segment for written, _ in segments for segment in written])
    _stamp(folder)
    return sum(documents for _, documents in segments)


class _Worker:
    """One build process, and a thread that hands it its job and relays its messages
    (pickles on its stdin and stdout), so that the processes all start at once."""

    def __init__(
        self,
        folder: Path,
        vault: tuple[Path, Kinds],
        share: Sequence[FileStat],
        inbox: queues.Queue[Any],
    ) -> None:
        here = os.getcwd()
        env = dict(
            os.environ, PYTHONPATH=os.pathsep.join(os.path.abspath(p or here) for p in sys.path)
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from iiv.index import _work; _work()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        root, kinds = vault
        stats = [(s.path, s.size, s.mtime_ns) for s in share]
        job = (os.getpid(), str(folder), str(root), kinds, stats)
        self._relay = threading.Thread(target=self._run, args=(job, inbox), daemon=True)
        self._relay.start()

    def _run(self, job: tuple[Any, ...], inbox: queues.Queue[Any]) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            with self.process.stdin as stdin:
                pickle.dump(job, stdin)
            while True:
                inbox.put(pickle.load(self.process.stdout))
        except (EOFError, OSError):
            pass
        except Exception:  # a message cut short: the process died; its exit code says more
            pass
        inbox.put(("exit", self.process.wait()))

    def finish(self) -> None:
        self._relay.join(timeout=30)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _receive_notes(
    inbox: queues.Queue[Any],
    workers: list[_Worker],
    expected: int,
    progress: Callable[[int], None] | None,
    stop: threading.Event,
) -> dict[str, Note | None]:
    """Every note the workers read (None: gone meanwhile)."""
    notes: dict[str, Note | None] = {}
    while len(notes) < expected:
        notes.update(_receive(inbox, workers, "notes", stop))
        if progress:
            progress(len(notes))
    return notes


def _receive(
    inbox: queues.Queue[Any], workers: list[_Worker], kind: str, stop: threading.Event
) -> Any:
    """The next message of `kind` from the workers; raise if one failed or all stopped, or if
    iiv is shutting down (the caller then kills the workers)."""
    while True:
        if stop.is_set():
            raise Stopped("the index rebuild was stopped")
        try:
            message = inbox.get(timeout=0.2)
        except queues.Empty:
            if all(worker.process.poll() is not None for worker in workers) and inbox.empty():
                raise IivError("the index build processes stopped before they finished") from None
            continue
        if message[0] == "exit":
            if message[1] != 0:
                raise IivError(f"an index build process stopped (exit status {message[1]})")
            continue
        if message[0] == "error":
            raise IivError(f"an index build process failed:\n{message[1]}")
        if message[0] != kind:
            raise IivError(f"an index build process sent {message[0]!r}, not {kind!r}")
        return message[1] if kind == "notes" else message[1:]


def _work() -> None:
    """A build process (see `_build_in_workers`): a job on stdin; notes, then a segment, out."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, not into the messages

    def send(message: tuple[Any, ...]) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    gc.disable()  # a short life with millions of postings, which hold no cycles: scanning
    # them again and again would double the work
    try:
        parent, folder, root, kinds, share = pickle.load(sys.stdin.buffer)
        _die_with(parent)
        documents = _read_share(Path(root), kinds, share, send)
        with suppress(OSError):  # indexing is background work: the server, which now makes
            os.nice(NICER)  # the due list from the notes sent, goes first for the CPU
        send(("segments", *_write_segments(folder, documents)))
    except BaseException:
        send(("error", traceback.format_exc()))
    out.close()


def _die_with(parent: int) -> None:
    """End this process with its parent (killed or not), rather than index for no one."""
    with suppress(Exception):  # Linux only: elsewhere the worker finishes its share, then exits
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def _read_share(
    root: Path,
    kinds: Kinds,
    share: list[tuple[str, int, int]],
    send: Callable[[tuple[Any, ...]], None],
) -> list[dict[str, Any]]:
    """Read and parse the notes, sending them back (bodies left out: what the catalog stores)
    a chunk at a time, in one pickle, which shares the texts they repeat; then make their
    documents, bodies as UTF-8 (a text with one emoji takes four bytes a character as a str).
    The due list waits for the last note sent, the full-text index for the documents: sending
    comes first."""
    from iiv.vault import read_existing

    read: list[tuple[Note, FileStat]] = []
    for start in range(0, len(share), CHUNK):
        notes: dict[str, Note | None] = {}
        for path, size, mtime_ns in share[start : start + CHUNK]:
            note = read_existing(root, path, kinds)
            if note is not None:
                read.append((note, FileStat(path, size, mtime_ns)))
            notes[path] = note and note.without_body()
        send(("notes", notes))
    documents = []
    read.reverse()
    while read:  # in order, each note freed once its document is made
        note, stat = read.pop()
        document = _document(note, stat)
        document.pop("_stored_body", None)
        document["body"] = document.get("body", "").encode("utf-8")
        documents.append(document)
    return documents


def _write_segments(folder: str, documents: list[dict[str, Any]]) -> tuple[list[Any], int]:
    """Index the documents as segments of SEGMENT_DOCS at most: one big segment costs more
    per note (its postings no longer fit in memory, and whoosh merges them from disk)."""
    segments, count = [], len(documents)
    while documents:
        batch, documents[:SEGMENT_DOCS] = documents[:SEGMENT_DOCS], []  # frees them as it goes
        writer = _Writer(
            index.open_dir(folder), _lk=False, limitmb=WORKER_MB, temp=f"MAIN.{os.getpid()}.tmp"
        )
        try:
            for document in batch:
                body = document.pop("body").decode("utf-8")
                if body:
                    document.update(body=body, _stored_body=plain(body)[:MAX_STORED_BODY])
                writer.add_document(**document)
            segments.append(writer._finalize_segment())
        except BaseException:
            writer.cancel()
            raise
        writer._finish()
    return segments, count


def _commit_segments(ix: Any, segments: list[Any]) -> None:
    """Make the workers' segments the index (what whoosh's multi-segment writer does)."""
    writer = SegmentWriter(ix)
    try:
        writer._close_segment()
        writer._commit_toc(segments)
    finally:
        writer._finish()


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
    """(whoosh index, None) when the folder holds a usable index, else (None, why not).

    A writer in another process may commit while this reads, and delete the files of the
    commit being read: a failure is damage only if no commit happened meanwhile.
    """
    for attempt in range(1, OPEN_ATTEMPTS + 1):
        before = _generation(folder)
        try:
            reason = _version_problem(folder)
            if reason:
                return None, reason
            _check(folder)
            return index.open_dir(str(folder)), None
        except Exception as error:  # anything at all: the index is a cache, so rebuild it
            if attempt < OPEN_ATTEMPTS and _generation(folder) != before:
                continue  # a commit replaced the files being read: read the new one
            return None, f"index unreadable ({_unreadable(error)})"
    raise AssertionError("unreachable")


def _generation(folder: Path) -> int:
    """The number of the latest commit in `folder` (-1 without one), as whoosh finds it."""
    try:
        return int(index.TOC._latest_generation(FileStorage(str(folder)), "MAIN"))
    except OSError:
        return -1


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


def _page(searcher: Any, parsed: query.Query, text: str, limit: int, page: int) -> SearchResult:
    last_page = max(1, math.ceil(searcher.doc_count() / limit))
    pruned = _lean(parsed, searcher.reader())
    page = min(max(1, page), last_page)
    collector = _Counting(page * limit)
    searcher.search_with_collector(pruned, collector)
    results = ResultsPage(collector.results(), page, pagelen=limit)
    total = int(results.total)
    terms = _body_terms(searcher, pruned) if total else frozenset()
    return SearchResult(
        query=text,
        total=total,
        hits=tuple(_hit(hit, terms) for hit in results),
        page=max(1, results.pagenum),
        pages=int(results.pagecount),
        suggestion=_suggestion(searcher, parsed, text) if total == 0 else None,
    )


class _Counting(TopCollector):  # type: ignore[misc]
    """The best `limit` matches, and how many there are, in one pass.

    Whoosh's TopCollector skips blocks and drops parts of the query that can no longer reach
    the best scores found so far, so it then runs the query a second time to count the
    matches: at 10,000 notes that costs more than the skipping saves (70 ms against 125 for
    a common phrase).
    """

    def __init__(self, limit: int) -> None:
        super().__init__(limit=limit, usequality=False)

    def _collect(self, global_docnum: int, score: float) -> float:
        found = super()._collect(global_docnum, score)
        self.minscore = 0  # so that no match goes uncounted
        return float(found)


def _lean(parsed: query.Query, reader: Any) -> query.Query:
    """The same query, cheaper to run: a word or phrase is looked for in every searched field,
    so drop the fields that lack it (keeping one, so that nothing changes), and walk the
    postings of a rare word directly instead of loading every match into an array."""

    rare = reader.doc_count_all() / 20  # notes: fewer matches are walked, not loaded

    def visit(node: query.Query) -> query.Query:
        if isinstance(node, query.And):
            return _beside_rare(node, reader, rare)
        if not isinstance(node, query.Or):
            return node
        children = [c for c in node.subqueries if not _absent(c, reader)] or node.subqueries[:1]
        lean = node.__class__(children, boost=node.boost)
        if sum(child.estimate_size(reader) for child in children) < rare:
            lean.matcher_type = query.Or.DEFAULT_MATCHER
        return lean

    return parsed.accept(visit)


def _beside_rare(node: query.And, reader: Any, rare: float) -> query.Query:
    """Words that must all match: when one is rare, the others are looked for only in the
    notes holding it (walked, skipping ahead), instead of loading and scoring every note that
    holds a common word (`Copperleaf Cloud`: 2,000 notes scored for 77 found)."""
    if min(child.estimate_size(reader) for child in node.subqueries) >= rare:
        return node
    for child in node.subqueries:
        if isinstance(child, query.Or):
            child.matcher_type = query.Or.DEFAULT_MATCHER
    return node


def _absent(node: query.Query, reader: Any) -> bool:
    """A word, or a phrase with a word, that the field lacks: it can match nothing."""
    if isinstance(node, query.Term):
        return (node.fieldname, node.text) not in reader
    if isinstance(node, query.Phrase):
        return any((node.fieldname, word) not in reader for word in node.words)
    return False


def _body_terms(searcher: Any, parsed: query.Query) -> frozenset[str]:
    """The body terms a query looks for, prefixes and wildcards expanded (what to highlight)."""
    # (whoosh skips leaves after the first unless a field is named)
    found = parsed.existing_terms(searcher.reader(), phrases=True, expand=True, fieldname="body")
    return frozenset(term.decode("utf-8") for field, term in found if field == "body")


def _hit(hit: Any, terms: frozenset[str]) -> Hit:
    stored = hit.fields()
    body = stored.get("body", "")
    return Hit(
        path=stored["path"],
        kind=stored.get("kind", "note"),
        title=stored.get("title", ""),
        score=float(hit.score or 0.0),
        snippet=(snippet(body, terms, BODY) if terms else "") or opening(body),
    )


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
            word = _close_word(searcher, text[start:end].lower(), {f for f, _ in terms})
            corrected = corrected[:start] + word + corrected[end:] if word else corrected
    if corrected == text or searcher.search(_parse(corrected), limit=1).is_empty():
        return None
    return corrected


def _close_word(searcher: Any, word: str, fieldnames: set[str]) -> str | None:
    """The indexed word closest to `word` (a swap of two letters counts as one edit), else None.

    Ties go to the word found in more notes.
    """
    if len(word) < 3 or not word.isalpha():
        return None
    schema = searcher.schema
    counts: dict[str, int] = {}
    for field in sorted(f for f in fieldnames if schema[f].scorable):
        for candidate, frequency in _candidates(searcher, field, word):
            counts[candidate] = counts.get(candidate, 0) + frequency
    counts.pop(word, None)
    if not counts:
        return None
    return min(sorted(counts), key=lambda c: (_edits(word, c), -counts[c]))


def _candidates(searcher: Any, field: str, word: str) -> Iterator[tuple[str, int]]:
    """Words within two edits of `word` in a field, with the number of notes holding them.

    A stemmed field holds stems ("differ"), so the words are read back from notes holding
    the stem ("difference") rather than from a second, unstemmed copy of every body.
    """
    reader = searcher.reader()
    stemmed = getattr(searcher.schema[field], "stemmed", False)
    target = BODY.term(word) if stemmed else word
    if not target:
        return
    for candidate in reader.terms_within(field, target, 2, prefix=1):
        frequency = reader.doc_frequency(field, candidate)
        if not stemmed:
            yield candidate, frequency
            continue
        for spelling in _spellings(searcher, field, candidate):
            yield spelling, frequency


def _spellings(searcher: Any, field: str, term: str, notes: int = 3) -> set[str]:
    """How a stemmed term is written in a few of the notes that hold it (lowercase, folded)."""
    found: set[str] = set()
    for hit in searcher.search(query.Term(field, term), limit=notes):
        text = hit.get(field, "")
        for spanned, _, start, end in BODY.spans(text):
            if spanned == term:
                found.add(TEXT.whole(text[start:end]))
    return found


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
