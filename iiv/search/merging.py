"""When the Whoosh engine merges segments: a save merges only small ones, a tidy the rest.

Each commit adds a segment, and a search looks into every segment; replaced notes stay in their
old segment, marked deleted, until it is rewritten. Whoosh's own policy now and then merges big
segments during a one-note save, which holds that save up for seconds on a big vault.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from whoosh.reading import SegmentReader

SMALL_SEGMENT = 215  # documents: segments this small (left by saves) are merged ...
MERGE_AT = 6  # ... this many of a size at a time (sizes 1–5, 6–35, 36–215)
EARLY_PURGE = 2000  # documents: a segment this small is rewritten once a quarter is deleted


def small(segments: list[Any]) -> list[Any]:
    """The segments saves left behind that are worth merging now: `MERGE_AT` of about the same
    size (1–5, 6–35 or 36–215 notes), which become one of the next size; else none.

    So a save mostly merges a few notes and at most 215, while the small segments a search
    looks into stay few (at most 6 of each size) however long saves go on; bigger segments
    wait for a tidy (`untidy`).
    """
    sizes: dict[int, list[Any]] = defaultdict(list)
    for segment in segments:
        if segment.doc_count_all() <= SMALL_SEGMENT:
            sizes[size_class(segment.doc_count_all())].append(segment)
    return next((same for _, same in sorted(sizes.items()) if len(same) >= MERGE_AT), [])


def size_class(documents: int) -> int:
    """0 for 1–5 documents, 1 for 6–35, 2 for 36–215, … (powers of `MERGE_AT`)."""
    size = 0
    while documents >= MERGE_AT:
        documents //= MERGE_AT
        size += 1
    return size


def stale(segment: Any) -> bool:
    """Whether enough of a segment's documents are deleted (a search still walks those) to
    rewrite it: a quarter of a segment of up to `EARLY_PURGE` documents, else half, because
    rewriting a big one takes seconds during which saves wait."""
    documents, deleted = int(segment.doc_count_all()), int(segment.deleted_count())
    return deleted * (4 if documents <= EARLY_PURGE else 2) >= max(1, documents)


def untidy(segments: list[Any], most: int | None = None) -> list[Any]:
    """Segments worth merging: the small ones (under a tenth of all documents) when there are
    several, and the stale ones (see `stale`). With `most`, only those of them, smallest
    first, that hold at most `most` documents in all."""
    total = sum(s.doc_count_all() for s in segments)
    chosen = [s for s in segments if s.doc_count_all() * 10 < total]
    chosen = chosen if len(chosen) > 1 else []
    chosen += [s for s in segments if stale(s) and s not in chosen]
    if most is None:
        return chosen
    within: list[Any] = []
    for segment in sorted(chosen, key=lambda s: s.doc_count_all()):
        most -= segment.doc_count_all()
        if most < 0:
            break
        within.append(segment)
    return within if len(within) > 1 or any(stale(s) for s in within) else []


class Recent:
    """The documents of the small segments this process wrote, by segment.

    Merging a segment the Whoosh way reads back every term of it, ~25 ms a note; a segment
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
        """Merge the chosen segments into the writer's new one; returns the segments to keep.

        A Whoosh merge function (`IndexWriter.commit(mergetype=...)`)."""
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
