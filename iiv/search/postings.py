"""Common queries answered from decoded postings kept per segment: words most notes hold, fast.

Whoosh decodes a term's postings and scores them one at a time in Python for every search:
for words half the notes contain, that is most of a search's time, every time. Its segments
never change once written, so what is decoded from one (a term's documents and weights, the
positions phrases need, each field's lengths, a document's stored fields) is kept here, by
segment, and survives every commit that only adds segments; so do a term's scores, until a
commit changes the statistics they come from (the number of notes, the average length).

The query shapes iiv's parser makes (words and phrases in several fields, AND, OR, NOT, with
boosts) are evaluated here, scored as Whoosh's BM25F scores them: each word in each field
`idf × tf × (K1 + 1) / (tf + K1 × (1 − B + B × length / average length))`, summed; a phrase
is checked only in the notes holding all its words. Any other query (prefixes, wildcards,
ranges) is left to Whoosh (`evaluate` returns None). The golden tests compare both.

Only the fast layer uses this; everything read here goes through Whoosh's public API.
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from whoosh import query
from whoosh.scoring import BM25F

from iiv.search.schema import shown

Docs = dict[int, float]  # document → score, in one segment
STORED_PER_SEGMENT = 2_000  # stored fields kept for each segment (the hits shown)
POSTINGS_PER_SEGMENT = 4_000_000  # postings kept for each segment (about 40 MB at most)
POSITIONS_PER_SEGMENT = 200_000  # documents' positions kept for each segment
PHRASES_PER_SEGMENT = 256  # phrases whose matching documents are kept for each segment
WARM_TERMS = 32  # the most common terms of each field decoded after a build or a merge
WARM_FIELDS = ("body", "title")


@dataclass(frozen=True)
class Page:
    """One page of best matches (score, stored fields), and the exact count."""

    total: int
    page: int
    pages: int
    hits: list[tuple[float, dict[str, Any]]]
    cut_short: bool = False  # the search took too long: what was found by then


class _Segment:
    """What has been decoded from one segment. Threads share it: a value decoded twice at
    once is decoded twice, the same, and one of the two is kept."""

    def __init__(self, reading: Reading) -> None:
        self.reading = reading
        self.postings: dict[tuple[str, bytes], tuple[array[int], array[float]]] = {}
        self.positions: dict[tuple[str, bytes], dict[int, tuple[int, ...]]] = {}
        self.lengths: dict[str, list[int]] = {}
        self.scores: dict[tuple[str, bytes], tuple[tuple[float, float], list[float]]] = {}
        self.stored: dict[int, dict[str, Any]] = {}
        self.phrases: dict[tuple[str, tuple[bytes, ...]], frozenset[int]] = {}
        self.deleted: tuple[int, frozenset[int]] = (-1, frozenset())
        self.decoded = 0  # postings kept
        self.positioned = 0  # documents whose positions are kept


class Reading:
    """How posting lists and lengths are read from a segment: through Whoosh's public API,
    one posting at a time (the fast layer reads whole blocks and columns)."""

    def postings(self, reader: Any, field: str, term: bytes) -> tuple[array[int], array[float]]:
        """A term's documents and weights (32-bit floats, as Whoosh keeps them)."""
        ids, weights = array("I"), array("f")
        matcher = reader.postings(field, term)
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return ids, weights

    def lengths(self, reader: Any, field: str) -> list[int]:
        """The field's length in each document, as Whoosh's scorer reads it."""
        length = reader.doc_field_length
        return [length(doc, field, 1) for doc in range(reader.doc_count_all())]

    def positions(
        self, reader: Any, field: str, term: bytes, docs: list[int]
    ) -> dict[int, tuple[int, ...]]:
        """The term's positions in each of the documents (sorted), which all hold it."""
        matcher = reader.postings(field, term)
        found = {}
        for doc in docs:
            matcher.skip_to(doc)
            found[doc] = tuple(matcher.value_as("positions"))
        return found


class Postings:
    """The decoded postings of the segments of one index, by segment id."""

    def __init__(self, reading: Reading | None = None) -> None:
        self.reading = reading or Reading()
        self._segments: dict[str, _Segment] = {}
        self._lock = threading.Lock()

    def segments(self, readers: Iterable[Any]) -> list[_Segment]:
        """The caches of these segment readers; those of segments no longer in use go."""
        ids = [reader.segment().segment_id() for reader in readers]
        with self._lock:
            for gone in set(self._segments) - set(ids):
                del self._segments[gone]
            return [
                self._segments.get(i) or self._segments.setdefault(i, _Segment(self.reading))
                for i in ids
            ]

    def forget(self) -> None:
        with self._lock:
            self._segments.clear()

    def warm(self, searcher: Any) -> None:
        """Decode the most common terms of the body and the title, and the fields' lengths,
        so that the first searches for common words after a build or a merge are fast."""
        leaves = _leaves(searcher)
        caches = self.segments(reader for reader, _ in leaves)
        top = searcher.reader()
        for field in WARM_FIELDS:
            terms = [term for _, term in top.most_frequent_terms(field, WARM_TERMS)]
            for (reader, _), cache in zip(leaves, caches, strict=True):
                _lengths(cache, reader, field)
                for term in terms:
                    _decoded(cache, reader, field, term)


def evaluate(
    postings: Postings, searcher: Any, parsed: query.Query, page: int, limit: int, deadline: float
) -> Page | None:
    """The page of `parsed`'s best matches, as Whoosh's collector would find them (best
    first, equal scores in document order), or None for a query this does not evaluate.

    Past `deadline` (a `time.monotonic()` value), no more terms are read: the page holds what
    was found by then (never a note that does not match) and says it was cut short."""
    if not _supported(parsed, searcher.schema) or not isinstance(searcher.weighting, BM25F):
        return None
    leaves = _leaves(searcher)
    caches = postings.segments(reader for reader, _ in leaves)
    stats = _Stats(searcher, deadline)
    found: list[tuple[float, int]] = []
    where: list[tuple[int, Any, _Segment]] = []
    total = 0
    for (reader, offset), cache in zip(leaves, caches, strict=True):
        docs = _docs(parsed, _Leaf(reader, cache, stats))
        deleted = _deleted(cache, reader)
        if deleted:
            docs = {doc: score for doc, score in docs.items() if doc not in deleted}
        total += len(docs)
        found += heapq.nlargest(page * limit, ((s, -(offset + d)) for d, s in docs.items()))
        where.append((offset, reader, cache))
    pages = math.ceil(total / limit)
    page = min(pages, page)
    best = heapq.nlargest(page * limit, found)[max(0, (page - 1) * limit) :]
    hits = [(score, _stored(where, -negated)) for score, negated in best]
    return Page(total, page, pages, hits, stats.late)


def _leaves(searcher: Any) -> list[tuple[Any, int]]:
    """The segment readers and their first document numbers (none for an empty index)."""
    leaves = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]
    return [(reader, offset) for reader, offset in leaves if reader.segment() is not None]


def _supported(node: query.Query, schema: Any) -> bool:
    if isinstance(node, query.Term):
        return node.fieldname in schema and isinstance(node.text, str)
    if isinstance(node, query.Phrase):
        if node.fieldname not in schema or node.slop != 1 or not node.words:
            return False
        field_format = schema[node.fieldname].format
        return bool(field_format and field_format.supports("positions"))
    if type(node) is query.Or:
        return all(_supported(c, schema) and not isinstance(c, query.Not) for c in node.subqueries)
    if type(node) is query.And:
        children = node.subqueries
        nots = [c for c in children if isinstance(c, query.Not)]
        return len(nots) < len(children) and all(
            _supported(c.query if isinstance(c, query.Not) else c, schema) for c in children
        )
    return False


class _Stats:
    """The statistics scores come from, of the whole index (Whoosh's parent searcher)."""

    def __init__(self, searcher: Any, deadline: float) -> None:
        self.searcher = searcher
        self.weighting = searcher.weighting
        self.deadline = deadline
        self.late = False  # the deadline passed: terms were left unread

    def in_time(self) -> bool:
        if not self.late and time.monotonic() > self.deadline:
            self.late = True
        return not self.late

    def idf(self, field: str, term: bytes) -> float:
        return float(self.searcher.idf(field, term))

    def average_length(self, field: str) -> float:
        return float(self.searcher.avg_field_length(field) or 1)

    def b(self) -> float:
        """BM25F's B: iiv sets none of its own for a field."""
        return float(self.weighting.B)


@dataclass(frozen=True)
class _Leaf:
    reader: Any
    cache: _Segment
    stats: _Stats


def _docs(node: query.Query, leaf: _Leaf) -> Docs:
    """Document → score in one segment, as Whoosh's matchers score them."""
    if isinstance(node, query.Term):
        docs = _term(leaf, node.fieldname, node.text)
    elif isinstance(node, query.Phrase):
        docs = _phrase(leaf, node)
    elif isinstance(node, query.Or):
        docs = _union([_docs(child, leaf) for child in node.subqueries])
    else:
        docs = _intersection(node, leaf)
    if node.boost != 1.0:
        docs = {doc: score * node.boost for doc, score in docs.items()}
    return docs


def _union(parts: list[Docs]) -> Docs:
    parts = [part for part in parts if part]
    if not parts:
        return {}
    biggest = max(range(len(parts)), key=lambda n: len(parts[n]))
    docs = dict(parts[biggest])
    for number, part in enumerate(parts):
        if number != biggest:
            for doc, score in part.items():
                docs[doc] = docs[doc] + score if doc in docs else score
    return docs


def _intersection(node: query.Query, leaf: _Leaf) -> Docs:
    """The documents matching every part but the NOT ones, scored as the sum of the parts';
    Whoosh scores each NOT part as one more (it matches the documents without its words)."""
    positive = [c for c in node.subqueries if not isinstance(c, query.Not)]
    negative = [c.query for c in node.subqueries if isinstance(c, query.Not)]
    parts = sorted((_docs(child, leaf) for child in positive), key=len)
    docs = parts[0]
    for part in parts[1:]:
        if not docs:
            break
        docs = {doc: score + part[doc] for doc, score in docs.items() if doc in part}
    for child in negative:
        if docs:
            excluded = _docs(child, leaf)
            if leaf.stats.late:  # what to leave out is not all known: nothing is sure
                return {}
            docs = {doc: score + 1.0 for doc, score in docs.items() if doc not in excluded}
    return docs


def _term(leaf: _Leaf, field: str, text: str) -> Docs:
    """The term's documents and scores; none once the deadline passed."""
    if not leaf.stats.in_time():
        return {}
    term = leaf.stats.searcher.schema[field].to_bytes(text)
    ids, scores = _scored(leaf, field, term)
    return dict(zip(ids, scores, strict=True))


def _scored(leaf: _Leaf, field: str, term: bytes) -> tuple[array[int], list[float]]:
    """A term's documents in this segment and their scores (kept until the statistics move)."""
    ids, weights = _decoded(leaf.cache, leaf.reader, field, term)
    if not ids:
        return ids, []
    if not leaf.stats.searcher.schema[field].scorable:
        return ids, list(weights)
    stats = leaf.stats
    key = (stats.idf(field, term), stats.average_length(field))
    known = leaf.cache.scores.get((field, term))
    if known is not None and known[0] == key:
        return ids, known[1]
    idf, average = key
    b, k1 = stats.b(), float(stats.weighting.K1)
    lengths = _lengths(leaf.cache, leaf.reader, field)
    scores = [
        idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths[doc] / average)))
        for doc, tf in zip(ids, weights, strict=True)
    ]
    leaf.cache.scores[field, term] = (key, scores)
    return ids, scores


def _decoded(cache: _Segment, reader: Any, field: str, term: bytes) -> tuple[Any, Any]:
    """A term's documents and weights in the segment, decoded once."""
    known = cache.postings.get((field, term))
    if known is not None:
        return known
    if cache.decoded > POSTINGS_PER_SEGMENT:
        cache.postings.clear()
        cache.scores.clear()
        cache.decoded = 0
    ids, weights = array("I"), array("f")
    if (field, term) in reader:
        ids, weights = cache.reading.postings(reader, field, term)
    cache.postings[field, term] = (ids, weights)
    cache.decoded += len(ids)
    return ids, weights


def _lengths(cache: _Segment, reader: Any, field: str) -> list[int]:
    """The field's length in each document of the segment, as Whoosh's scorer reads it."""
    known = cache.lengths.get(field)
    if known is None:
        known = cache.lengths[field] = cache.reading.lengths(reader, field)
    return known


def _phrase(leaf: _Leaf, node: query.Phrase) -> Docs:
    """Documents holding the words next to each other, in order; scored as the sum of the
    words' scores, as Whoosh scores a phrase. Which documents hold the phrase is kept with
    the segment (it never changes); only the scores are summed again."""
    field = node.fieldname
    to_bytes = leaf.stats.searcher.schema[field].to_bytes
    terms = tuple(to_bytes(word) for word in node.words)
    parts = [_term(leaf, field, word) for word in node.words]
    phrases = leaf.cache.phrases
    matching = phrases.get((field, terms))
    if matching is None:
        matching = frozenset(_matching(leaf, field, terms, parts))
        if len(phrases) >= PHRASES_PER_SEGMENT:
            phrases.clear()
        phrases[field, terms] = matching
    return {doc: sum(part[doc] for part in parts) for doc in matching}


def _matching(leaf: _Leaf, field: str, terms: tuple[bytes, ...], parts: list[Docs]) -> set[int]:
    """The documents holding every word, and in them the words in order, side by side."""
    smallest = sorted(parts, key=len)[:1]
    candidates: set[int] = set(smallest[0]) if smallest else set()
    for part in parts:
        candidates &= part.keys()
    if len(terms) > 1 and candidates:
        positions = [_positions(leaf, field, term, candidates) for term in terms]
        candidates = {doc for doc in candidates if _in_order([p[doc] for p in positions])}
    return candidates


def _in_order(positions: list[tuple[int, ...]]) -> bool:
    """Whether some position of the first word is followed by the next words, one each."""
    starts = set(positions[0])
    for offset, later in enumerate(positions[1:], 1):
        starts &= {p - offset for p in later}
        if not starts:
            return False
    return True


def _positions(
    leaf: _Leaf, field: str, term: bytes, docs: Iterable[int]
) -> dict[int, tuple[int, ...]]:
    """The term's positions in the given documents (decoded once each)."""
    cache = leaf.cache
    known = cache.positions.setdefault((field, term), {})
    missing = sorted(doc for doc in docs if doc not in known)
    if missing:
        if cache.positioned > POSITIONS_PER_SEGMENT:
            cache.positions.clear()
            cache.positioned = 0
            known = cache.positions.setdefault((field, term), {})
            missing = sorted(docs)
        known.update(cache.reading.positions(leaf.reader, field, term, missing))
        cache.positioned += len(missing)
    return known


def _deleted(cache: _Segment, reader: Any) -> frozenset[int]:
    if not reader.has_deletions():
        return frozenset()
    segment = reader.segment()
    count = int(segment.deleted_count())
    if cache.deleted[0] != count:
        cache.deleted = (count, frozenset(segment.deleted_docs()))
    return cache.deleted[1]


def _stored(where: list[tuple[int, Any, _Segment]], docnum: int) -> dict[str, Any]:
    """The stored fields of a document (global number) as a hit shows them, kept for its
    segment."""
    for offset, reader, cache in reversed(where):
        if docnum >= offset:
            local = docnum - offset
            fields = cache.stored.get(local)
            if fields is None:
                if len(cache.stored) >= STORED_PER_SEGMENT:
                    cache.stored.clear()
                fields = cache.stored[local] = shown(reader.stored_fields(local))
            return fields
    raise IndexError(docnum)
