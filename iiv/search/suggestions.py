""" "Did you mean": a query whose unknown words are replaced by close indexed words.

The body is indexed stemmed, and no unstemmed copy is kept for spelling: a close stem is spelled
as it is written in the few notes holding it. The choice is the same whatever the engine: an
engine only answers the questions of a `Lexicon`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from whoosh import query

from iiv.search.analysis import BODY, TEXT
from iiv.search.schema import SCHEMA
from iiv.search.snippets import plain

SPELLING_NOTES = 3  # notes a close stem's spellings are read from


class Lexicon(Protocol):
    """What a suggestion asks of an index."""

    def holds(self, field: str, term: str) -> bool:
        """Whether any note has `term` in `field`."""
        ...

    def near(self, field: str, term: str) -> Iterable[tuple[str, int]]:
        """The terms of `field` within two insertions, deletions or substitutions of `term`
        that start with its first letter, each with the number of notes holding it."""
        ...

    def texts(self, field: str, term: str, notes: int) -> Iterable[str]:
        """The stored text of `field` in the best `notes` notes holding `term`, as a hit shows
        it (without its Markdown, for the body)."""
        ...

    def finds(self, text: str) -> bool:
        """Whether the query `text` finds any note."""
        ...


def suggestion(
    searcher: Any, parsed: query.Query, text: str, parse: Callable[[str], query.Query]
) -> str | None:
    """The query with each word the index lacks replaced by a close one, if that finds notes
    (a Whoosh searcher)."""
    return suggest(_WhooshLexicon(searcher, parse), parsed, text)


def suggest(lexicon: Lexicon, parsed: query.Query, text: str) -> str | None:
    """The query with each word the index lacks replaced by a close one, if that finds notes."""
    spans: dict[tuple[int, int], set[tuple[str, str]]] = {}
    for leaf in parsed.leaves():
        if isinstance(leaf, query.Term | query.Phrase):
            for token in leaf.tokens():
                if token.startchar is not None and token.endchar is not None:
                    span = spans.setdefault((token.startchar, token.endchar), set())
                    span.add((token.fieldname, token.text))
    corrected = text
    for (start, end), terms in sorted(spans.items(), reverse=True):
        if not any(lexicon.holds(field, term) for field, term in terms):
            word = _close_word(lexicon, text[start:end].lower(), {f for f, _ in terms})
            corrected = corrected[:start] + word + corrected[end:] if word else corrected
    if corrected == text or not lexicon.finds(corrected):
        return None
    return corrected


def _close_word(lexicon: Lexicon, word: str, fieldnames: set[str]) -> str | None:
    """The indexed word closest to `word` (a swap of two letters counts as one edit), else None.

    Ties go to the word found in more notes.
    """
    if len(word) < 3 or not word.isalpha():
        return None
    counts: dict[str, int] = {}
    for field in sorted(f for f in fieldnames if f in SCHEMA and SCHEMA[f].scorable):
        for candidate, frequency in _candidates(lexicon, field, word):
            counts[candidate] = counts.get(candidate, 0) + frequency
    counts.pop(word, None)
    if not counts:
        return None
    return min(sorted(counts), key=lambda c: (edits(word, c), -counts[c]))


def _candidates(lexicon: Lexicon, field: str, word: str) -> Iterator[tuple[str, int]]:
    """Words within two edits of `word` in a field, with the number of notes holding them.

    A stemmed field holds stems ("differ"), so the words are read back from notes holding
    the stem ("difference") rather than from a second, unstemmed copy of every body.
    """
    stemmed = getattr(SCHEMA[field], "stemmed", False)
    target = BODY.term(word) if stemmed else word
    if not target:
        return
    for candidate, frequency in lexicon.near(field, target):
        if not stemmed:
            yield candidate, frequency
            continue
        for spelling in _spellings(lexicon, field, candidate):
            yield spelling, frequency


def _spellings(lexicon: Lexicon, field: str, term: str) -> set[str]:
    """How a stemmed term is written in a few of the notes that hold it (lowercase, folded)."""
    found: set[str] = set()
    for text in lexicon.texts(field, term, SPELLING_NOTES):
        for spanned, _, start, end in BODY.spans(text):
            if spanned == term:
                found.add(TEXT.whole(text[start:end]))
    return found


class _WhooshLexicon:
    """A Whoosh searcher's answers."""

    def __init__(self, searcher: Any, parse: Callable[[str], query.Query]) -> None:
        self.searcher, self.reader, self.parse = searcher, searcher.reader(), parse

    def holds(self, field: str, term: str) -> bool:
        return (field, term) in self.reader

    def near(self, field: str, term: str) -> Iterator[tuple[str, int]]:
        for candidate in self.reader.terms_within(field, term, 2, prefix=1):
            yield candidate, self.reader.doc_frequency(field, candidate)

    def texts(self, field: str, term: str, notes: int) -> Iterator[str]:
        for hit in self.searcher.search(query.Term(field, term), limit=notes):
            yield plain(hit.get(field, "")) if field == "body" else hit.get(field, "")

    def finds(self, text: str) -> bool:
        return not self.searcher.search(self.parse(text), limit=1).is_empty()


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
