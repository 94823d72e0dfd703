"""Wikilinks: parsing `[[Target#Heading|label]]` and resolving targets to note paths."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iiv.links import Link, Named, Resolver, find_links, fold, parse_link


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("[[Ada Lovelace]]", Link("Ada Lovelace")),
        ("[[people/Ada Lovelace]]", Link("people/Ada Lovelace")),
        ("[[Ada Lovelace|Ada]]", Link("Ada Lovelace", label="Ada")),
        ("[[Ada Lovelace#Notes]]", Link("Ada Lovelace", heading="Notes")),
        ("[[Ada Lovelace#^block-1]]", Link("Ada Lovelace", heading="^block-1")),
        (
            "[[Ada Lovelace#Notes|her notes]]",
            Link("Ada Lovelace", label="her notes", heading="Notes"),
        ),
        ("![[diagram.png]]", Link("diagram.png")),
        ("[[Ada Lovelace.md]]", Link("Ada Lovelace")),
        ("[[ Ada Lovelace ]]", Link("Ada Lovelace")),
        ("  [[Ada]]  ", Link("Ada")),
        ("Ada Lovelace", Link("Ada Lovelace")),
        ("people/Ada Lovelace.md", Link("people/Ada Lovelace")),
        ("[[Ada Lovelace\\|Ada]]", Link("Ada Lovelace", label="Ada")),  # inside a table
        ("[[Ada]] (met at PyCon)", Link("Ada")),
        ("[[a|b|c]]", Link("a", label="b|c")),
    ],
)
def test_parse_link_reads_every_form(text: str, link: Link) -> None:
    assert parse_link(text) == link


@pytest.mark.parametrize(
    "text", ["", "   ", "[[]]", "[[ ]]", "[[|label]]", "[[#Heading]]", "[[.md]]"]
)
def test_parse_link_of_nothing_is_none(text: str) -> None:
    assert parse_link(text) is None


@pytest.mark.parametrize(
    ("link", "text"),
    [
        (Link("people/Ada Lovelace"), "Ada Lovelace"),
        (Link("people/Ada Lovelace", label="Ada"), "Ada"),
        (Link("Ada", heading="Notes"), "Ada"),
    ],
)
def test_a_link_shows_its_label_else_its_file_name(link: Link, text: str) -> None:
    assert link.text == text


def test_find_links_returns_every_link_in_order() -> None:
    text = "See [[Ada]], ![[chart.png]] and [[people/Bob|Bob]].\nAlso [[Cy#Intro]] and [[]]."
    assert find_links(text) == [
        Link("Ada"),
        Link("chart.png"),
        Link("people/Bob", label="Bob"),
        Link("Cy", heading="Intro"),
    ]


def test_find_links_ignores_brackets_that_are_no_link() -> None:
    text = "[Ada](https://example.com) [[not\nclosed]] [[" + "x" * 501 + "]] [single] [[[Inner]]]"
    assert find_links(text) == [Link("Inner")]


def test_fold_ignores_case_and_unicode_composition() -> None:
    composed, decomposed = "Lucía", unicodedata.normalize("NFD", "Lucía")
    assert composed != decomposed
    assert fold(composed) == fold(decomposed) == fold("LUCÍA ") == "lucía"


ENTRIES = [
    Named("people/Ada Lovelace.md", ("Ada Lovelace", "Ada", "Countess")),
    Named("Ada.md", ()),
    Named("people/Bob.md", ("Robert Brown", "Bob")),
    Named("archive/Bob.md", ("Old Bob",)),
    Named("people/Carol.md", ("Robert",)),
    Named("notes/Robert.md", ()),
    Named("people/Dan.md", ("Danny",)),
    Named("people/Eve.md", ("Danny",)),
    Named("a/b/Deep.md", ()),
    Named("people/Lucía Fernández.md", ("Lucía Fernández",)),
]


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("Ada Lovelace", "people/Ada Lovelace.md"),  # file name
        ("ada lovelace", "people/Ada Lovelace.md"),  # any case
        ("people/Ada Lovelace", "people/Ada Lovelace.md"),  # vault path
        ("PEOPLE/ada lovelace", "people/Ada Lovelace.md"),
        ("Countess", "people/Ada Lovelace.md"),  # alias
        ("Robert Brown", "people/Bob.md"),  # name
        ("a/b/Deep", "a/b/Deep.md"),
        ("Deep", "a/b/Deep.md"),
        (unicodedata.normalize("NFD", "lucía fernández"), "people/Lucía Fernández.md"),
        ("Nobody", None),
        ("b/Deep", None),  # a partial path is no vault path
    ],
)
def test_resolve_by_file_name_path_name_or_alias(target: str, path: str | None) -> None:
    assert Resolver(ENTRIES).resolve(target) == path


def test_a_file_name_wins_over_a_name_or_alias() -> None:
    resolver = Resolver(ENTRIES)
    assert resolver.candidates("Ada") == ["Ada.md"]  # not the alias of people/Ada Lovelace.md
    assert resolver.candidates("Robert") == ["notes/Robert.md"]  # not the alias of Carol


def test_an_ambiguous_name_resolves_to_the_shortest_path_then_alphabetical() -> None:
    resolver = Resolver(ENTRIES)
    assert resolver.candidates("Bob") == ["archive/Bob.md", "people/Bob.md"]
    assert resolver.resolve("Bob") == "archive/Bob.md"
    assert resolver.candidates("Danny") == ["people/Dan.md", "people/Eve.md"]
    shallow = Resolver([Named("people/x/Zed.md", ()), Named("Zed.md", ())])
    assert shallow.candidates("zed") == ["Zed.md", "people/x/Zed.md"]


def test_blank_names_claim_nothing() -> None:
    resolver = Resolver([Named("people/Ada.md", ("", "  "))])
    assert resolver.candidates("") == []
    assert resolver.resolve("Ada") == "people/Ada.md"


# Properties.

SETTINGS = settings(max_examples=200, deadline=None)


@SETTINGS
@given(
    st.text(max_size=300)
    | st.lists(st.sampled_from(list("[]|#^!.md a/")), max_size=40).map("".join)
)
def test_parse_link_never_raises(text: str) -> None:
    link = parse_link(text)
    if link is not None:
        assert link.target.strip()
        assert isinstance(link.text, str)
    assert all(isinstance(found, Link) for found in find_links(text))


NAME = st.text(alphabet="abcABCéÉßẞ -_0", min_size=1, max_size=8)
ENTRY = st.tuples(
    st.sampled_from(["", "people/", "archive/", "a/b/"]), NAME, st.lists(NAME, max_size=3)
)


@SETTINGS
@given(st.lists(ENTRY, min_size=1, max_size=8))
def test_every_name_of_an_entry_resolves_to_a_path_claimed_by_that_name(
    raw: list[tuple[str, str, list[str]]],
) -> None:
    entries = {f"{folder}{stem}.md": tuple(names) for folder, stem, names in raw}
    resolver = Resolver(Named(path, names) for path, names in entries.items())

    def file_claims(path: str, key: str) -> bool:
        stem = path[: -len(".md")]
        return key in (fold(stem), fold(stem.rsplit("/", 1)[-1]))

    for path, names in entries.items():
        for claim in (path[: -len(".md")], *names):
            key = fold(claim)
            if not key:
                continue
            for spelling in (claim, claim.swapcase(), claim.upper()):
                if fold(spelling) != key:
                    continue  # e.g. "ß".upper() is "SS": another name
                found = resolver.resolve(spelling)
                assert found is not None
                by_file = [p for p in entries if file_claims(p, key)]
                if by_file:  # a file name wins
                    assert file_claims(found, key)
                    assert found == min(by_file, key=lambda p: (p.count("/"), p))
                else:
                    assert key in {fold(n) for n in entries[found]}
