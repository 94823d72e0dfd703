"""iiv's query syntax, counts, pages, snippets and suggestions, through the engine protocol."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iiv.search import SearchEngine, SearchResult, queries
from tests.search.notes import entry, found


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        ("babbage", {"notes/Reading list.md"}),
        ("BABBAGE", {"notes/Reading list.md"}),
        ('"difference engine"', {"notes/Reading list.md"}),
        ('"engine difference"', set()),
        ("bab*", {"notes/Reading list.md"}),
        ("coffee engines", {"interviews/2026-03-01 Ada.md"}),
        ("coffee AND biography", set()),
        ("coffee OR biography", {"interviews/2026-03-01 Ada.md", "notes/Reading list.md"}),
        ("engine NOT coffee", {"people/Ada Lovelace.md", "notes/Reading list.md"}),
    ],
)
def test_search_finds_words_phrases_prefixes_and_boolean_combinations(
    index: SearchEngine, text: str, paths: set[str]
) -> None:
    assert found(index, text) == paths


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        ("person:ada", {"people/Ada Lovelace.md", "interviews/2026-03-01 Ada.md"}),
        ("person:Martinez", {"people/José Martínez.md", "interviews/2026-11-20 José.md"}),
        ("company:northwind", {"people/José Martínez.md"}),
        ('company:"ANALYTICAL engines"', {"people/Ada Lovelace.md"}),
        ("role:mathematician", {"people/Ada Lovelace.md"}),
        ("tag:MATH", {"people/Ada Lovelace.md", "interviews/2026-03-01 Ada.md"}),
        ("tags:devrel", {"people/José Martínez.md"}),
        ("kind:Person", {"people/Ada Lovelace.md", "people/José Martínez.md"}),
        ("kind:interview status:DONE", {"interviews/2026-03-01 Ada.md"}),
        ("medium:coffee", {"interviews/2026-03-01 Ada.md"}),
        ("medium:Video", {"interviews/2026-11-20 José.md"}),
        ("date:[2026-01-01 to 2026-06-30]", {"interviews/2026-03-01 Ada.md"}),
        ("date:>2026-11-01", {"interviews/2026-11-20 José.md"}),
        ("date:2026-11", {"interviews/2026-11-20 José.md"}),
        ("due:2026-12", {"interviews/2026-03-01 Ada.md"}),
        ("countess", {"people/Ada Lovelace.md"}),
    ],
)
def test_field_filters_match_case_insensitively(
    index: SearchEngine, text: str, paths: set[str]
) -> None:
    assert found(index, text) == paths


def test_accents_fold_and_words_stem(index: SearchEngine) -> None:
    assert found(index, "Jose Martinez") == {
        "people/José Martínez.md",
        "interviews/2026-11-20 José.md",
    }
    assert found(index, "josé") == found(index, "jose")
    assert found(index, "interview") == {"interviews/2026-03-01 Ada.md"}  # "interviewing"
    assert found(index, "programs") == {"people/Ada Lovelace.md"}  # "program"


def test_a_persons_own_note_ranks_above_notes_that_mention_them(index: SearchEngine) -> None:
    hits = index.search("Ada Lovelace").hits
    assert hits[0].path == "people/Ada Lovelace.md"
    assert {hit.path for hit in hits[1:]} == {
        "interviews/2026-03-01 Ada.md",
        "notes/Reading list.md",
    }
    assert (hits[0].kind, hits[0].title) == ("person", "Ada Lovelace")
    assert hits[0].score > hits[1].score


def test_snippets_escape_the_note_and_mark_the_match(index: SearchEngine) -> None:
    (hit,) = index.search("demo").hits
    assert hit.snippet == (
        "Try &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; before the robotics "
        "<mark>demo</mark> &amp; more."
    )


def test_a_match_outside_the_body_shows_the_start_of_the_body(index: SearchEngine) -> None:
    (hit,) = index.search("countess").hits
    assert hit.snippet == "Ada Wrote the first program for the engine."


def test_long_bodies_give_a_short_snippet_around_the_match(index: SearchEngine) -> None:
    text = "filler " * 200 + "the <b>kayak</b> trip " + "more " * 200
    index.update([entry("long.md", text)], [])
    (hit,) = index.search("kayak").hits
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "&lt;b&gt;<mark>kayak</mark>&lt;/b&gt;" in hit.snippet
    assert len(hit.snippet) < 300


def test_words_past_the_stored_text_are_found_and_show_the_opening(index: SearchEngine) -> None:
    text = "Opening words. " + "filler " * 3000 + "kayak"
    index.update([entry("long.md", text)], [])
    (hit,) = index.search("kayak").hits
    assert hit.snippet.startswith("Opening words. filler filler") and hit.snippet.endswith("…")


def test_no_match_suggests_a_close_spelling(index: SearchEngine) -> None:
    result = index.search("Lovelase")
    assert (result.total, result.hits, result.suggestion) == (0, (), "lovelace")
    assert index.search("person:Lovelase").suggestion == "person:lovelace"
    assert index.search('"diference engine"').suggestion == '"difference engine"'
    assert index.search("zzyzx").suggestion is None
    assert index.search("lovelace").suggestion is None


@pytest.mark.parametrize(
    "text",
    [
        '"unclosed',
        "AND",
        "((",
        "date:[garbage",
        ")",
        "OR OR",
        "tag:",
        "date:>",
        "NOT",
        '"',
        "*",
        "title:(",
        "^2",
        "date:[2026 TO",
        "kind:[a TO b]",
        "",
        "   ",
        "person:",
        "a:b:c",
        "\\",
    ],
)
def test_any_query_text_returns_a_result_without_raising(index: SearchEngine, text: str) -> None:
    assert isinstance(index.search(text), SearchResult)


def test_a_query_that_does_not_parse_searches_its_words(index: SearchEngine) -> None:
    index.update([entry("g.md", "Garbage collection date")], [])
    assert found(index, "date:[garbage") == {"g.md"}
    assert "people/Ada Lovelace.md" in found(index, 'ada "lovelace')


def test_results_come_in_pages_with_an_exact_count(index: SearchEngine) -> None:
    index.update([entry(f"k/{n}.md", f"kayak {n}") for n in range(5)], [])
    first = index.search("kayak", limit=2)
    third = index.search("kayak", limit=2, page=3)
    beyond = index.search("kayak", limit=2, page=99)
    assert (first.total, first.pages, first.page, len(first.hits)) == (5, 3, 1, 2)
    assert (third.page, len(third.hits)) == (3, 1)
    assert (beyond.page, beyond.hits) == (3, third.hits)
    pages = [index.search("kayak", limit=2, page=n).hits for n in (1, 2, 3)]
    assert sorted(hit.path for page in pages for hit in page) == [f"k/{n}.md" for n in range(5)]
    assert index.search("zzyzx", limit=2) == SearchResult("zzyzx", 0, (), 1, 0, None)


def test_counts_are_exact_beyond_the_page(index: SearchEngine) -> None:
    index.update([entry(f"k/{n}.md", f"kayak {'canoe ' * (n % 7)}") for n in range(300)], [])
    result = index.search("kayak", limit=3)
    assert (result.total, result.pages, len(result.hits)) == (300, 100, 3)
    assert index.search("kayak canoe", limit=3).total == 300 - 43  # n % 7 == 0: no canoe
    assert index.search('"kayak canoe"', limit=3).total == 257


def test_each_word_is_found_as_a_query_analyzes_it(index: SearchEngine) -> None:
    text = (
        "Straße, José's café: node.js e.g. 3.14 — interviewing ÆSIR programs, naïve CRDTs; "
        "the lighthouse of the kayak keeper"
    )
    index.update([entry("words.md", text)], [])
    for word in re.findall(r"\w+(?:\.\w+)*", text):
        if word.lower() not in ("the", "of"):
            assert "words.md" in found(index, word), word
    assert found(index, '"lighthouse kayak keeper"') == {"words.md"}  # stop words take no place


def _tree(made: Any) -> list[tuple[object, ...]]:
    """A query as its nodes, with what "did you mean" reads of them (where each came from)."""
    node = (type(made).__name__, getattr(made, "fieldname", None), getattr(made, "text", None))
    place = (made.boost, getattr(made, "startchar", None), getattr(made, "endchar", None))
    return [node + place, *(part for child in made.children() for part in _tree(child))]


PLAIN_WORDS = ["team", "Product", "ROSA", "the", "a", "and", "or", "not", "to", "2026", "x"]
PLAIN_WORDS += ["AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE", "TO", "running", "José"]


@settings(max_examples=400, deadline=None)
@given(words=st.lists(st.sampled_from(PLAIN_WORDS), min_size=1, max_size=6))
def test_a_query_of_plain_words_is_what_whoosh_s_parser_makes_of_it(words: list[str]) -> None:
    text = " ".join(words)
    assert _tree(queries.parse(text)) == _tree(queries.parse_by_whoosh(text))
