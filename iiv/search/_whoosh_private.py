"""Every use of Whoosh's private internals, behind a version gate: iiv's fast paths.

Whoosh is correct but slow where iiv leans on it hardest: opening segments, writing postings,
renewing searchers after each save, counting matches. The fixes here rely on how Whoosh is
built inside (private methods and attributes, its postings block format, its lock's file
name), so they are used only on releases they were verified with (`VERIFIED`): any other
Whoosh gets the stock layer (`iiv.search.layers.StockLayer`), slower and never wrong. The
golden tests (tests/search/test_fast_paths.py) compare both on the same notes.

Nothing here changes Whoosh when imported: `install` does, once, when an index is opened.
It replaces two things process-wide, both reading the same bytes as before: how a segment's
parts are read from its memory map, and whether a missing lengths column is remembered.
"""

from __future__ import annotations

import importlib.metadata
import pickle
import threading
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import whoosh
from whoosh import index
from whoosh.codec import whoosh3
from whoosh.collectors import TopCollector
from whoosh.filedb import compound
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.reading import MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.util.filelock import try_for
from whoosh.writing import SegmentWriter

from iiv.errors import IivError
from iiv.search.engine import BUSY
from iiv.search.layers import StockLayer, collected
from iiv.search.merging import SMALL_SEGMENT, Recent
from iiv.search.postings import Page, Postings, Reading, evaluate

# Distributions of the `whoosh` package this module was verified with, and the releases.
VERIFIED: dict[str, Callable[[tuple[int, ...]], bool]] = {
    "whoosh-reloaded": lambda version: version == (2, 7, 5),  # frozen since February 2024
    "whoosh3": lambda version: version[:1] == (3,),  # the classic API and format, 3.x
}
INLINE_BELOW = 2  # postings: a term in fewer notes is kept in its term entry
COMPRESS_FROM = 256  # bytes: smaller postings blocks are stored as they are
COMPRESSION = 1  # zlib level of bigger blocks: the fastest, nearly as small as whoosh's 3
LOCK_NAME = "MAIN_WRITELOCK"  # Whoosh's name for the write lock of an index named MAIN


def is_verified(distribution: str, version: str) -> bool:
    """Whether this module was verified with that release of that Whoosh distribution."""
    check = VERIFIED.get(distribution.lower())
    try:
        numbers = tuple(int(part) for part in version.split(".")[:3])
    except ValueError:  # a pre-release or local version: not verified
        return False
    return check is not None and check(numbers)


def installed() -> tuple[str, str] | None:
    """(distribution, version) of the installed `whoosh` package, if a known one provides it."""
    here = Path(whoosh.__file__).resolve()
    for name in VERIFIED:
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        if Path(str(distribution.locate_file("whoosh/__init__.py"))).resolve() == here:
            return name, distribution.version
    return None


def verified() -> str | None:
    """The installed Whoosh release ("whoosh-reloaded 2.7.5") if verified, else None."""
    found = installed()
    if found is None or not is_verified(*found) or not _has_internals():
        return None
    return f"{found[0]} {found[1]}"


def unverified_reason() -> str:
    found = installed()
    if found is None:
        version = ".".join(map(str, getattr(whoosh, "__version__", ())))
        return f"the installed Whoosh ({version or 'unknown'}) is not a release iiv knows"
    if not is_verified(*found):
        return f"{found[0]} {found[1]} is not a release iiv's fast paths were verified with"
    return f"{found[0]} {found[1]} lacks an internal part iiv's fast paths use"


def _has_internals() -> bool:
    """What this module reaches into is there (a last check, after the version)."""
    parts = [
        (compound, "BufferFile"),
        (whoosh3.W3PerDocReader, "_cached_reader"),
        (whoosh3.W3PostingsWriter, "_write_block"),
        (whoosh3.W3PostingsWriter, "_new_block"),
        (SegmentWriter, "_finalize_segment"),
        (SegmentWriter, "_close_segment"),
        (SegmentWriter, "_commit_toc"),
        (SegmentWriter, "_finish"),
        (index.TOC, "_latest_generation"),
        (TopCollector, "_collect"),
    ]
    return all(hasattr(owner, name) for owner, name in parts)


_installed = threading.Lock()
_done: list[bool] = []


def install() -> FastLayer:
    """Patch Whoosh's two slow paths (once per process) and return the fast layer."""
    with _installed:
        if not _done:
            compound.BufferFile = _BufferFile
            whoosh3.W3PerDocReader._cached_reader = _cached_length_reader
            _done.append(True)
    return FastLayer()


class FastLayer(StockLayer):
    """iiv's writer, searcher renewal, collector and parallel build."""

    name = "fast"
    parallel_build = True
    warms = True

    def __init__(self) -> None:
        self.postings = Postings(_BlockReading())
        self._toc_lock = threading.Lock()
        self._last_toc: tuple[Any, int, Any] = (None, -1, None)  # (index, generation, TOC)

    def writer(self, ix: Any, timeout: float) -> Any:
        return _Writer(ix, timeout=timeout, delay=0.1)

    def build_writer(self, ix: Any) -> Any:
        return _Writer(ix, limitmb=256)

    def commit(self, writer: Any, merge: Callable[[list[Any]], list[Any]], recent: Recent) -> None:
        super().commit(writer, merge, recent)
        if writer.documents:
            recent.remember(writer.newsegment, writer.documents)

    def renew(self, ix: Any, searcher: Any) -> Any:
        generation = ix.latest_generation()
        if searcher.reader().generation() == generation:
            return searcher
        return _renewed(ix, searcher, self._toc(ix, generation))

    def _toc(self, ix: Any, generation: int) -> Any:
        """The segments of a commit, read once for all the searchers renewed to it."""
        with self._toc_lock:
            if self._last_toc[:2] == (ix, generation):
                return self._last_toc[2]
        toc = index.TOC.read(ix.storage, ix.indexname, gen=generation, schema=ix._schema)
        with self._toc_lock:
            self._last_toc = (ix, generation, toc)
        return toc

    def segments(self, ix: Any) -> list[Any]:
        return list(ix._segments())

    def generation(self, folder: Path) -> int:
        try:
            return int(index.TOC._latest_generation(FileStorage(str(folder)), "MAIN"))
        except OSError:
            return -1

    @contextmanager
    def write_lock(self, folder: Path, timeout: float) -> Iterator[Callable[[], None]]:
        """Whoosh's own write lock on an index folder (an OS lock: it dies with its process),
        taken by its file name, so that a damaged index can be locked too, and held until
        the block ends."""
        if not folder.is_dir():
            yield lambda: None
            return
        lock = FileStorage(str(folder)).lock(LOCK_NAME)
        if not try_for(lock.acquire, timeout=timeout, delay=0.1):
            raise IivError(BUSY)
        try:
            yield lambda: None
        finally:
            lock.release()

    def top(self, searcher: Any, parsed: Any, page: int, limit: int, deadline: float) -> Page:
        found = evaluate(self.postings, searcher, parsed, page, limit, deadline)
        if found is not None:
            return found
        return collected(searcher, parsed, page, limit, deadline, _Counting(page * limit))

    def warm(self, searcher: Any) -> None:
        self.postings.warm(searcher)

    def forget(self) -> None:
        self.postings.forget()


class _BlockReading(Reading):
    """Posting lists read a block at a time, and lengths from their column: Whoosh's matcher
    gives one posting a call, and its reader one length a call."""

    def postings(self, reader: Any, field: str, term: bytes) -> tuple[array[int], array[float]]:
        matcher = reader.postings(field, term)
        if type(matcher) is not whoosh3.W3LeafMatcher:  # inlined, or filtered for deletions
            return super().postings(reader, field, term)
        ids, weights = array("I"), array("f")
        while not matcher._atend:
            if matcher._ids is None:
                matcher._read_ids()
            if matcher._weights is None:
                matcher._read_weights()
            ids.extend(matcher._ids)
            weights.extend(matcher._weights)
            matcher._next_block()
        return ids, weights

    def lengths(self, reader: Any, field: str) -> list[int]:
        perdoc: Any = getattr(reader, "_perdoc", None)
        if type(perdoc) is not whoosh3.W3PerDocReader:
            return super().lengths(reader, field)
        column = perdoc._cached_reader(whoosh3._lenfield(field), whoosh3.LENGTHS_COLUMN)
        if column is None:
            return [1] * reader.doc_count_all()
        decoded = [whoosh3.byte_to_length(byte) for byte in range(256)]
        return [decoded[byte] for byte in column]

    def positions(
        self, reader: Any, field: str, term: bytes, docs: list[int]
    ) -> dict[int, tuple[int, ...]]:
        matcher = reader.postings(field, term)
        if type(matcher) is not whoosh3.W3LeafMatcher:
            return super().positions(reader, field, term, docs)
        decode = matcher.format.decoder("positions")
        wanted, found = set(docs), dict[int, tuple[int, ...]]()
        while not matcher._atend and len(found) < len(wanted):
            if matcher._ids is None:
                matcher._read_ids()
            ids = matcher._ids
            if wanted.intersection(ids):
                if matcher._values is None:
                    matcher._read_values()
                for doc, value in zip(ids, matcher._values, strict=True):
                    if doc in wanted:
                        found[doc] = tuple(decode(value))
            matcher._next_block()
        return found


# Reading segments: from the memory map, not a copy


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


def _cached_length_reader(self: Any, fieldname: str, column: Any) -> Any:
    """Remember that a field has no lengths column too: whoosh stats a file for every posting
    of such a field when it merges a segment."""
    if fieldname not in self._readers:
        has = self.has_column(fieldname)
        self._readers[fieldname] = self.column_reader(fieldname, column) if has else None
    return self._readers[fieldname]


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


# Counting while collecting


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
        self.documents: list[dict[str, Any]] = []  # as added, for `Recent` (small writes only)
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


# The parallel build: segments written in worker processes, committed as one index


def write_segment(folder: str, documents: Iterable[dict[str, Any]], temp: str, mb: int) -> Any:
    """Index the documents as one new segment of the index in `folder`, without committing
    it or taking the index's lock (the process that started the build holds it)."""
    writer = _Writer(index.open_dir(folder), _lk=False, limitmb=mb, temp=temp)
    try:
        for document in documents:
            writer.add_document(**document)
        segment = writer._finalize_segment()
    except BaseException:
        writer.cancel()
        raise
    writer._finish()
    return segment


def commit_segments(ix: Any, segments: list[Any]) -> None:
    """Make the workers' segments the index (what whoosh's multi-segment writer does)."""
    writer = SegmentWriter(ix)
    try:
        writer._close_segment()
        writer._commit_toc(segments)
    finally:
        writer._finish()
