"""Every word a note holds is found: through the index, `iiv search`, `/api/search` and the
dashboard; and snippets show the note's text, not its Markdown."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from iiv.cli import cli
from iiv.search import ENGINES, SearchEngine, open_engine, snippets
from iiv.search.analysis import BODY
from iiv.search.snippets import plain
from tests.helpers import make_vault
from tests.search.conftest import ENGINE_NAMES
from tests.search.notes import NOTE, OTHER, OTHER_TEXT, TEXT, entry

WORDS = [
    "zorblatt",
    "quillfeather",
    "snargle",
    "wimbrel",
    "assessment",
    "plumbagor",
    "renderglimmet",
    "fennimore",
    "vorpal",
    "字节",
]
SPELLINGS = [
    "Zorblatt",
    "**zorblatt**",
    "this.file.plumbagor",
    "file.plumbagor",
    "window.renderGlimmet",
    "renderGlimmet(x)",
    "docs.fennimore.example",
    "https://docs.fennimore.example/guide",
    "snake_case_vorpal",
    "case_vorpal",
    '"docs fennimore"',
    "字节跳动",
    "跳动",
    "公司是字节跳动",
    "fennim*",
]


@pytest.fixture(scope="module", params=ENGINE_NAMES)
def index(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[SearchEngine]:
    opened = open_engine(tmp_path_factory.mktemp("words") / "index", request.param)
    opened.rebuild([entry(NOTE, TEXT), entry(OTHER, OTHER_TEXT)])
    yield opened
    opened.close()


def found(index: SearchEngine, query: str) -> set[str]:
    return {hit.path for hit in index.search(query).hits}


@pytest.mark.parametrize("word", WORDS + SPELLINGS)
def test_every_word_is_found_however_markdown_or_punctuation_wraps_it(
    index: SearchEngine, word: str
) -> None:
    assert found(index, word) == {NOTE}


@pytest.mark.parametrize(
    ("query", "paths"),
    [
        ('"fennimore guide"', set()),  # the parts of a name are a phrase, in order
        ("docs.fennimore.guide", set()),
        ("quillworth.other", {OTHER}),
        ("other", {OTHER}),
        ("snake", {NOTE, OTHER}),
        ("字典", {OTHER}),
        ("字*", {NOTE, OTHER}),
        ("节跳动", {NOTE}),
        ("字跳", set()),  # two characters that are not neighbours
        ("zorblatt AND 字节", {NOTE}),
        ("zorblatt NOT 字典", {NOTE}),
    ],
)
def test_parts_phrases_and_query_syntax_keep_their_meaning(
    index: SearchEngine, query: str, paths: set[str]
) -> None:
    assert found(index, query) == paths


def test_a_snippet_shows_the_text_without_its_markdown(index: SearchEngine) -> None:
    (hit,) = index.search("zorblatt").hits
    assert hit.snippet == (
        "Tools we looked at The <mark>zorblatt</mark> framework, quillfeather, snargle and "
        "wimbrel. Assessment: worth a second look. In Dataview, = this.file.plumbagor; in the "
        "page script, window.renderGlimmet(x); the docs…"
    )
    (hit,) = index.search("ada").hits
    assert "Ask which <mark>Ada</mark> meant" in hit.snippet


def test_a_cjk_match_is_marked_once_where_its_pairs_overlap(index: SearchEngine) -> None:
    (hit,) = index.search("字节跳动").hits
    assert hit.snippet.endswith("Ask which Ada meant 公司是<mark>字节跳动</mark>")


def test_plain_text_drops_headings_emphasis_tasks_and_link_brackets() -> None:
    markdown = (
        "## Notes ##\n"
        "> - [x] **Done**: read [the guide](https://example.com/guide) and ![a chart](c.png)\n"
        "1. See [[Questions I ask#Learning a craft]], [[people/Ada|Ada]] and `code`\n"
        "~~old~~ ==new== *a* _b_ snake_case 2*3 a => b \\*literal\\* ^block-1\n"
        "```python\nprint(1)\n```\n"
        "| a | b |\n|---|---|\n"
        "%% a comment %% <https://example.org> end ^id1\n"
        "***\n#tag stays"
    )
    assert plain(markdown) == (
        "Notes Done: read the guide and a chart See Questions I ask > Learning a craft, Ada and "
        "code old new a b snake_case 2*3 a => b *literal* print(1) | a | b | "
        "https://example.org end #tag stays"
    )


# `plain`'s patterns in their plainest forms, each with the replacement it has there: a pattern
# anchored by `^` is tried at every position of a text, `!?\[` and `#+` defeat the fast scan
# for a first character
PLAINEST: dict[re.Pattern[str], tuple[re.Pattern[str], snippets.Replacement] | None] = {
    snippets.FIRST_LINE_START_RE: (re.compile("^" + snippets.LINE_START, re.MULTILINE), ""),
    snippets.NEXT_LINE_START_RE: None,  # the line above does every line
    snippets.HEADING_END_RE: (re.compile(r"[ \t]+#+[ \t]*$", re.MULTILINE), ""),
    snippets.WIKILINK_RE: (
        re.compile(r"!?\[\[([^\[\]|\n]*?)(?:\|([^\[\]\n]*))?\]\]"),
        snippets._wikilink_text,
    ),
    snippets.IMAGE_OR_LINK_RE: (
        re.compile(r"!?\[([^\[\]\n]*)\](?:\([^)\n]*\)|\[[^\[\]\n]*\])"),
        r"\1",
    ),
}


def plainest(markdown: str) -> str:
    text = markdown
    for needed, pattern, replacement in snippets.STEPS:
        if pattern in PLAINEST:
            plainer = PLAINEST[pattern]
            if plainer is not None:
                text = plainer[0].sub(plainer[1], text)
        elif needed(text):
            text = pattern.sub(replacement, text)
    return " ".join(text.split())


MARKDOWN_PIECES = [
    "a", "word", "Ada", "2", "1.", "3)", " ", "  ", "\t", "\n", "\n\n", "#", "##", "###", "#tag",
    ">", "> ", "-", "- ", "*", "+", "- [ ]", "[x]", "[", "]", "[[", "]]", "![", "![[", "|", "(",
    ")", "](", "][", "^", "^id-1", "`", "```", "~~", "==", "_", "**", "%%", "<!--", "-->",
    "<https://x.org>", "\\", "!", ".", ":",
]  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(MARKDOWN_PIECES), max_size=40).map("".join))
def test_plain_text_is_what_the_plainest_patterns_make(markdown: str) -> None:
    assert plain(markdown) == plainest(markdown)


WRAPPINGS = [
    "{}",
    "**{}**",
    "*{}*",
    "_{}_",
    "__{}__",
    "~~{}~~",
    "=={}==",
    "`{}`",
    "({})",
    '"{}"',
    "'{}',",
    "{}.",
    "{}:",
    "[{}](https://example.com)",
    "[[{}]]",
    "[[Note|{}]]",
    "#{}",
    "before.{}.after",
    "x_{}_y",
    "https://{0}.example/{0}",
    "> {}",
    "## {}",
    "- [ ] {}",
    "1. {}",
]
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}
letters_and_digits = st.characters(categories=["L", "N"], exclude_characters="_")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(word=st.text(letters_and_digits, min_size=1, max_size=12))
def test_any_word_of_letters_or_digits_in_any_wrapping_is_found(
    tmp_path: Path, engine_name: str, word: str
) -> None:
    assume(word not in OPERATORS)
    assume(any(True for _ in BODY.spans(word)))  # a stop word ("the") is not indexed
    notes = {
        f"notes/{number}.md": f"Some text, {wrapping.format(word)} and more.\n"
        for number, wrapping in enumerate(WRAPPINGS)
    }
    index = open_engine(tmp_path / "property", engine_name)
    # a fresh index each time: hypothesis seeds `random`, and whoosh names segments with it
    index.rebuild([entry(path, text) for path, text in notes.items()])
    try:
        assert {hit.path for hit in index.search(word, limit=100).hits} == set(notes)
    finally:
        index.close()


# The same cases through the command line, the JSON API and the dashboard


@pytest.fixture(params=ENGINE_NAMES)
def vault(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The notes, in a vault that searches with each engine (`search_engine` in iiv.yaml)."""
    settings = f"search_engine: {request.param}\n"
    return make_vault(tmp_path, {NOTE: TEXT, OTHER: OTHER_TEXT, "iiv.yaml": settings})


@pytest.mark.parametrize("word", WORDS)
def test_iiv_search_finds_every_word(vault: Path, word: str) -> None:
    env = {"IIV_INDEX_DIR": str(vault.parent / "cli-index")}
    result = CliRunner().invoke(cli, ["search", word, "--json", "--vault", str(vault)], env=env)
    assert result.exit_code == 0
    assert [hit["path"] for hit in json.loads(result.output)["results"]] == [NOTE]
    engine = (vault / "iiv.yaml").read_text(encoding="utf-8").split(": ")[1].strip()
    assert (vault.parent / "cli-index" / ENGINES[engine].folder).is_dir()


@pytest.mark.parametrize("word", WORDS)
def test_the_api_and_the_dashboard_find_every_word(client: FlaskClient, word: str) -> None:
    headers = {"Host": "127.0.0.1:8765"}
    data = client.get("/api/search", query_string={"q": word}, headers=headers).get_json()
    assert [hit["path"] for hit in data["results"]] == [NOTE]
    assert "<mark>" in data["results"][0]["snippet"]
    page = client.get("/search", query_string={"q": word}, headers=headers)
    html = page.get_data(as_text=True)
    assert 'href="/note/notes/Tools.md"' in html and "<mark>" in html
    assert "**" not in html.split('class="results"')[1]


@pytest.mark.timeout(30)  # linear: well under a second; quadratic before, minutes
@pytest.mark.parametrize("hostile", ["![" * 50_000, "[^" * 50_000, "![[" * 33_000, "[" * 100_000])
def test_unclosed_brackets_are_read_in_linear_time(hostile: str) -> None:
    assert plain(hostile + " end").endswith("end")


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.one_of(
            st.text(st.characters(categories=["L", "N", "P", "Zs", "M", "S"]), max_size=6),
            st.text(st.characters(max_codepoint=0x7F), max_size=8),
            st.sampled_from(["’", "—", "…", "📅", "✅", " ", "_", "José", "e\u0301", "字节"]),
            st.sampled_from(["²", "ª", "\u0301", "\U0001d165", "Ⅻ", "٣", "\u00a0", "\u200b"]),
        ),
        max_size=20,
    ).map("".join)
)
def test_a_text_whose_words_are_ascii_has_the_same_words_by_the_cheaper_pattern(
    text: str,
) -> None:
    # `ascii_words` decides where spans, positions and tantivy's fields use ASCII_WORD_RE
    from iiv.search.analysis import ASCII_WORD_RE, ascii_words, word_re

    def words(pattern: re.Pattern[str]) -> list[tuple[int, int]]:
        return [found.span() for found in pattern.finditer(text)]

    if ascii_words(text):
        assert words(ASCII_WORD_RE) == words(word_re())


def test_spans_of_a_text_with_ascii_words_and_other_punctuation() -> None:
    text = "Don’t — the Team’s plans… 📅 2026-12-01 snake_case ✅"
    assert [
        (term, position, text[start:end]) for term, position, start, end in BODY.spans(text)
    ] == [
        ("don", 0, "Don"),
        ("t", 1, "t"),
        ("team", 2, "Team"),
        ("s", 3, "s"),
        ("plan", 4, "plans"),
        ("2026", 5, "2026"),
        ("12", 6, "12"),
        ("01", 7, "01"),
        ("snake", 8, "snake"),
        ("case", 9, "case"),
    ]


# English stems with the suffixes Porter's algorithm rewrites, alone and stacked
ROOTS = ["gener", "rel", "capab", "nob", "happ", "form", "nat", "sens", "poss", "agre", "feas"]
ROOTS += ["ration", "condition", "valen", "digit", "hesit", "oper", "formal", "electric"]
ROOTS += ["hope", "bright", "analog", "sensibil", "probab", "abil", "respons", "mobil", "util"]
SUFFIXES = ["", "s", "es", "ies", "ed", "ing", "y", "ly", "ily", "ate", "ation", "ational"]
SUFFIXES += ["ator", "ize", "izer", "ization", "alize", "alism", "aliti", "ality", "ive"]
SUFFIXES += ["iveness", "iviti", "ivity", "ful", "fulness", "ous", "ousness", "ousli", "ously"]
SUFFIXES += ["ence", "enci", "ance", "anci", "able", "ible", "ibility", "ability", "bility"]
SUFFIXES += ["bly", "bli", "ble", "logi", "logy", "ical", "icate", "icity", "ness", "ment"]
SUFFIXES += ["ement", "ant", "al", "er", "ic", "ism", "iti", "ity", "ion", "sion", "tion"]
SUFFIXES += ["ou", "ist", "ite", "e", "ee", "eed", "eedly", "ll", "at", "bl", "iz", "ated"]
SUFFIXES += ["ating", "bled", "bling", "ized", "izing"]
ENDINGS = ["", "s", "ly", "ness", "ing", "ed", "al", "ity", "ation", "ize"]


def test_every_word_of_a_stem_starts_as_word_start_says(example_words: set[str]) -> None:
    # what `Analysis.matching` relies on to look only at the words that can give a term
    import random

    from whoosh.lang.porter import stem

    from iiv.search.analysis import word_start

    rng = random.Random(20261204)
    invented = {
        "".join(rng.choice("abcdeeiilmnorstuvyz") for _ in range(rng.randint(1, 7)))
        + rng.choice(SUFFIXES)
        + rng.choice(ENDINGS)
        for _ in range(30_000)
    }
    words = {r + s + e for r in ROOTS for s in SUFFIXES for e in ENDINGS} | example_words
    for word in words | invented:
        assert word.startswith(word_start(stem(word), stemmed=True)), word
    assert word_start("happi", stemmed=True) == "happ"
    assert word_start("team", stemmed=True) == "team"
    assert word_start("ie", stemmed=True) == "i"
    assert word_start("happi", stemmed=False) == "happi"


@pytest.fixture(scope="module")
def example_words() -> set[str]:
    from iiv.search.analysis import ASCII_WORD_RE
    from tests.helpers import EXAMPLE

    texts = (path.read_text(encoding="utf-8") for path in EXAMPLE.rglob("*.md"))
    return {word.lower() for text in texts for word in ASCII_WORD_RE.findall(text)}


WRITTEN = st.sampled_from(
    [r + s for r in ROOTS[:8] for s in SUFFIXES[::3]]
    + ["Team", "TEAM", "teams", "was", "the", "2026", "x", "José", "字节跳动", "snake_case"]
    + ["Josés", "éteam", "teamé", "team\u0301", "\u0301team", "te\u0301am", "字team", "team字"]
    + ["\u212aelvin", "İstanbul", "Zoë", "ß", "x²", "Ⅻ", "٣", "team\U0001d165s", "İ"]
)


@settings(max_examples=1000, deadline=None)
@given(
    words=st.lists(WRITTEN, min_size=1, max_size=30),
    separators=st.lists(st.sampled_from([" ", "**", ". ", "_", "’", "📅 ", "\n- [ ] ", ""])),
    extra=st.lists(
        st.sampled_from(["team", "rel", "gener", "happi", "jose", "字节", "xyz", "kelvin", "elvin"])
    ),
    stemmed=st.booleans(),
)
def test_matching_finds_what_the_spans_of_the_terms_give(
    words: list[str], separators: list[str], extra: list[str], stemmed: bool
) -> None:
    from iiv.search.analysis import TEXT

    analysis = BODY if stemmed else TEXT
    text = "".join(
        w + (separators[n % len(separators)] if separators else " ") for n, w in enumerate(words)
    )
    spans = list(analysis.spans(text))
    terms = frozenset([term for term, _, _, _ in spans[::2]] + extra)
    expected = [(term, start, end) for term, _, start, end in spans if term in terms]
    assert list(analysis.matching(text, terms)) == expected


def test_lower_casing_what_is_not_a_letter_digit_or_mark_makes_no_ascii() -> None:
    # what lets `Analysis.matching` look for ASCII words in a lower-cased copy of the text
    import sys
    import unicodedata

    for char in map(chr, range(0x80, sys.maxunicode + 1)):
        if char.isalnum() or unicodedata.category(char)[0] == "M":
            continue
        lowered = char.lower()
        assert len(lowered) == 1 and not lowered.isascii(), hex(ord(char))
