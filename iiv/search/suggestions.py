""" "Did you mean": a query whose unknown words are replaced by close indexed words.

The body is indexed stemmed, and no unstemmed copy is kept for spelling: a close stem is spelled
as it is written in the few notes holding it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from whoosh import query

from iiv.search.analysis import BODY, TEXT


def suggestion(
    searcher: Any, parsed: query.Query, text: str, parse: Callable[[str], query.Query]
) -> str | None:
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
    if corrected == text or searcher.search(parse(corrected), limit=1).is_empty():
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
    return min(sorted(counts), key=lambda c: (edits(word, c), -counts[c]))


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


def edits(a: str, b: str) -> int:
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
