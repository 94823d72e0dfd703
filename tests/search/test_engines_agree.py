"""Both engines give a user the same answers: the same notes, counts, pages, snippets, kinds,
titles and suggestions, for iiv's whole query syntax, on the example vault and the notes of the
search tests. (Only the scores' values, and so the order of notes, are each engine's own.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iiv.note import Note
from iiv.search import SearchEngine, SearchResult, open_engine
from iiv.vault import FileStat, load_config, read_existing, scan
from tests.helpers import copy_example
from tests.search.notes import NOTE, NOTES, OTHER, OTHER_TEXT, TEXT, entries

pytest.importorskip("tantivy")

QUERIES = [
    "babbage",
    "ada lovelace",
    '"ada lovelace"',
    '"difference engine"',
    "bab*",
    "engine*",
    "int?rview*",
    "t*mas*",
    "coffee AND biography",
    "coffee OR biography",
    "engine NOT coffee",
    "NOT coffee",
    "coffee ANDNOT ada",
    "coffee ANDMAYBE ada",
    "coffee REQUIRE ada",
    "(coffee OR tea) AND NOT ada",
    "person:ada",
    "person:wojcik",
    'person:"Tomasz Wójcik"',
    "company:northwind",
    "company:kestrel",
    'company:"Harbour Maps"',
    "role:engineer",
    "tag:mentor",
    "tag:devrel",
    "tag:ma*",
    "tags:career",
    "kind:person",
    "kind:interview status:done",
    "kind:interview NOT status:done",
    "status:scheduled",
    "medium:coffee",
    "medium:video",
    "date:>2026-06-01",
    "date:<2026-01-01",
    "date:[2026-01-01 to 2026-06-30]",
    "date:2026-11",
    "date:{2026-11-20 to 2026-11-30]",
    "due:2026-12",
    "due:>2026-12-05",
    "title:robotics",
    "names:countess",
    "body:coffee",
    "path:notes/Unsafe.md",
    "*",
    "kind:*",
    "{a to c]",
    "[2025 to 2026]",
    "docs.fennimore.example",
    "字节跳动",
    "字*",
    "zorblatt",
    "snake_case_vorpal",
    "coffee^3 ada",
    "Lovelase",
    "person:Lovelase",
    '"diference engine"',
    "intervew",
    "zzyzx",
    "date:[garbage",
    '"unclosed',
    "a:b:c",
    "((",
    "",
    "the",
]


def vault_notes(root: Path) -> list[tuple[Note, FileStat]]:
    config, _ = load_config(root)
    files, _ = scan(root, config)
    notes = [(read_existing(root, path, config.kinds), files[path]) for path in sorted(files)]
    return [(note, stat) for note, stat in notes if note is not None]


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SearchEngine]]:
    root = copy_example(tmp_path_factory.mktemp("vault"))
    notes = vault_notes(root) + entries({**NOTES, NOTE: TEXT, OTHER: OTHER_TEXT})
    opened = {}
    for name in ("whoosh", "tantivy"):
        opened[name] = open_engine(tmp_path_factory.mktemp(name) / "index", name)
        opened[name].rebuild(notes)
    yield opened
    for engine in opened.values():
        engine.close()


def seen(result: SearchResult) -> dict[str, object]:
    """What a user sees of a result, but for the order of notes and the scores."""
    return {
        "total": result.total,
        "pages": result.pages,
        "page": result.page,
        "suggestion": result.suggestion,
        "hits": sorted((hit.path, hit.kind, hit.title, hit.snippet) for hit in result.hits),
    }


@pytest.mark.parametrize("text", QUERIES)
def test_both_engines_answer_every_query_alike(engines: dict[str, SearchEngine], text: str) -> None:
    whoosh, tantivy = (engines[name].search(text, limit=1000) for name in ("whoosh", "tantivy"))
    assert seen(tantivy) == seen(whoosh)


@pytest.mark.parametrize("text", ["kind:interview", "coffee OR engine", "*"])
def test_both_engines_page_alike(engines: dict[str, SearchEngine], text: str) -> None:
    for page in (1, 2, 3, 99):
        whoosh, tantivy = (
            engines[name].search(text, limit=4, page=page) for name in ("whoosh", "tantivy")
        )
        assert (tantivy.total, tantivy.page, tantivy.pages, len(tantivy.hits)) == (
            whoosh.total,
            whoosh.page,
            whoosh.pages,
            len(whoosh.hits),
        )


def test_a_persons_own_note_ranks_first_on_both_engines(
    engines: dict[str, SearchEngine],
) -> None:
    for text in ("Tomasz Wójcik", "Ada Lovelace", "Grace Liang"):
        firsts = {name: engine.search(text).hits[0].path for name, engine in engines.items()}
        assert firsts["tantivy"] == firsts["whoosh"], text


WORDS = [
    "ada",
    "coffee",
    "engine",
    "team",
    "interview",
    "robotics",
    "tomasz",
    "mentor",
    "career",
    "thank",
    "python",
    "done",
    "questions",
]


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    parts=st.lists(
        st.one_of(
            st.sampled_from(WORDS),
            st.sampled_from(WORDS).map(lambda word: word[:3] + "*"),
            st.sampled_from(WORDS).map(lambda word: f"tag:{word}"),
            st.sampled_from(["AND", "OR", "NOT", "(", ")", '"', "kind:person", "status:done"]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_both_engines_agree_on_any_mix_of_words_and_operators(
    engines: dict[str, SearchEngine], parts: list[str]
) -> None:
    text = " ".join(parts)
    whoosh, tantivy = (engines[name].search(text, limit=1000) for name in ("whoosh", "tantivy"))
    assert seen(tantivy) == seen(whoosh), text
