"""iiv's query syntax read into Whoosh queries, and those made cheaper to run.

Words, "phrases", AND / OR / NOT, prefix*, `field:value` filters (`tag:` for `tags:`,
`person:` for a person's names or the people a note links to) and `date:>2026-01-01`. A query
that does not parse searches its words instead: no query text is an error.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from whoosh import qparser, query

from iiv.search.schema import QUERY_SCHEMA, SCHEMA, SEARCH_FIELDS

RARE = 20  # a term in fewer than 1/RARE of the notes is rare: walked, not loaded
MAX_WILDCARDS = 4  # words with a wildcard (or a range of words) a query may hold
MAX_EXPANSION = 200  # indexed words one wildcard may stand for, in each field
CHECK_EVERY = 64  # words expanded between two looks at the clock
TIME_BUDGET = 1.0  # seconds one search may take; then it shows what it found by then
TOO_LONG = "the search took too long: these are the notes found by then"


# A query of words and single spaces, the commonest kind: Whoosh's parser would make of it an
# And of one Or per word (the word's term in each searched field), after a quarter of a
# millisecond for two words; `_plain_words` makes the same in a tenth of that. Words the
# parser reads as operators go to the parser.
PLAIN_WORDS_RE = re.compile(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)*")
WORD_RE = re.compile(r"[A-Za-z0-9]+")
OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE", "TO"})


def parse(text: str) -> query.Query:
    if PLAIN_WORDS_RE.fullmatch(text):
        made = _plain_words(text)
        if made is not None:
            return made
    return parse_by_whoosh(text)


def parse_by_whoosh(text: str) -> query.Query:
    """The query Whoosh's parser makes of `text`, with iiv's fields and plugins."""
    parser = qparser.MultifieldParser(SEARCH_FIELDS, QUERY_SCHEMA, group=qparser.AndGroup)
    parser.add_plugin(qparser.FieldAliasPlugin({"tags": ["tag"]}))
    parser.add_plugin(qparser.GtLtPlugin())
    try:
        parsed = parser.parse(text)
    except Exception:  # whoosh raises assorted errors on odd syntax: search the words instead
        return words_only(text)
    return words_only(text) if _has_error(parsed) else parsed.accept(_person_to_fields)


def _plain_words(text: str) -> query.Query | None:
    """The query Whoosh's parser makes of words and single spaces (tests/search/test_queries.py
    compares them), or None for a word it reads otherwise."""
    groups: list[query.Query] = []
    for found in WORD_RE.finditer(text):
        word = found.group()
        if word in OPERATOR_WORDS:
            return None
        terms: list[query.Query] = []
        for field in SEARCH_FIELDS:
            tokens = list(QUERY_SCHEMA[field].process_text(word, mode="query"))
            if len(tokens) > 1:  # a phrase, as the parser would make it
                return None
            if tokens:
                terms.append(_spanning(query.Term(field, tokens[0]), found))
        groups.append(query.Or(terms))
    return query.And(groups).normalize()


def _spanning(made: query.Query, found: re.Match[str]) -> query.Query:
    """`made`, marked as made of the word found (where "did you mean" puts its correction)."""
    made.startchar, made.endchar = found.span()
    return made


def words_only(text: str) -> query.Query:
    """The words of a query that does not parse, each to be found in some searched field."""
    parser = qparser.QueryParser(None, SCHEMA, plugins=[], group=qparser.AndGroup)
    parser.add_plugin(qparser.WhitespacePlugin())
    parser.add_plugin(qparser.MultifieldPlugin(SEARCH_FIELDS))
    return parser.parse(" ".join(re.findall(r"\w+", text)))


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


def lean(parsed: query.Query, reader: Any) -> query.Query:
    """The same query, cheaper to run: a word or phrase is looked for in every searched field,
    so drop the fields that lack it (keeping one, so that nothing changes), and walk the
    postings of a rare word directly instead of loading every match into an array."""

    rare = reader.doc_count_all() / RARE

    def visit(node: query.Query) -> query.Query:
        if isinstance(node, query.And):
            return _beside_rare(node, reader, rare)
        if not isinstance(node, query.Or):
            return node
        children = [c for c in node.subqueries if not _absent(c, reader)] or node.subqueries[:1]
        leaner = node.__class__(children, boost=node.boost)
        if sum(child.estimate_size(reader) for child in children) < rare:
            leaner.matcher_type = query.Or.DEFAULT_MATCHER
        return leaner

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


def body_terms(reader: Any, parsed: query.Query) -> frozenset[str]:
    """The body terms a query looks for, prefixes and wildcards expanded (what to highlight)."""
    # (whoosh skips leaves after the first unless a field is named)
    found = parsed.existing_terms(reader, phrases=True, expand=True, fieldname="body")
    return frozenset(term.decode("utf-8") for field, term in found if field == "body")


Expansion = Callable[[query.MultiTerm], Iterable[str]]  # the indexed words a wildcard stands for


def bounded(
    parsed: query.Query, expand: Expansion, deadline: float
) -> tuple[query.Query, list[str]]:
    """The query with its wildcards bounded, and what was left out, said in words.

    A wildcard walks the vocabulary, and any web page can make a browser send a search, so
    the work one query can cause is bounded, whatever the engine: the first MAX_WILDCARDS
    words with a wildcard (or a range of words) are searched, the others are left out; each
    stands for at most MAX_EXPANSION indexed words in each field, the first of those
    `expand` gives (in order); expanding stops at `deadline` (a `time.monotonic()` value).
    Each wildcard becomes the words it stands for, as Whoosh searches it.
    """
    notices: list[str] = []
    typed: list[str] = []

    def visit(node: query.Query) -> query.Query:
        if not isinstance(node, query.MultiTerm):
            return node
        key = str(getattr(node, "text", None) or node)
        if key not in typed:
            typed.append(key)
        if typed.index(key) >= MAX_WILDCARDS:
            _say(notices, f"only the first {MAX_WILDCARDS} words with a wildcard are searched")
            return query.NullQuery
        return _expanded(node, expand, deadline, notices)

    return parsed.accept(visit).normalize(), notices


def whoosh_words(reader: Any) -> Expansion:
    """The indexed words a Whoosh wildcard stands for, as Whoosh expands it."""

    def expand(node: query.MultiTerm) -> Iterator[str]:
        field = node.field()
        if field in reader.schema:
            from_bytes = reader.schema[field].from_bytes
            yield from (from_bytes(word) for _, word in node.expanded_terms(reader) if word)

    return expand


def _expanded(
    node: query.MultiTerm, expand: Expansion, deadline: float, notices: list[str]
) -> query.Query:
    field = node.field()
    words: list[query.Query] = []
    for number, word in enumerate(expand(node)):
        if number == MAX_EXPANSION:
            _say(
                notices,
                f"a word with a wildcard stands for more than {MAX_EXPANSION} words: "
                f"the first {MAX_EXPANSION} are searched",
            )
            break
        if number % CHECK_EVERY == CHECK_EVERY - 1 and time.monotonic() > deadline:
            _say(notices, TOO_LONG)
            break
        words.append(query.Term(field, word))
    if not words:
        return query.NullQuery
    return words[0] if len(words) == 1 else query.Or(words, boost=node.boost)


def _say(notices: list[str], notice: str) -> None:
    if notice not in notices:
        notices.append(notice)
