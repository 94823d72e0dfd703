"""The work one query may cause is bounded, whatever the engine: any web page can make a
browser search, and a wildcard walks the whole vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from iiv.cli import cli
from iiv.search import SearchEngine, open_engine
from iiv.search.queries import MAX_EXPANSION, MAX_WILDCARDS
from tests.helpers import make_vault
from tests.search.notes import entries

WORDS = [f"ka{n:04d}" for n in range(MAX_EXPANSION + 50)]


def indexed(tmp_path: Path, engine_name: str) -> SearchEngine:
    notes = {f"k/{word}.md": f"A note about {word} and kayaks.\n" for word in WORDS}
    notes.update(
        {f"w/{n}.md": f"wolf{n} wombat{n} walrus{n} weasel{n} wren{n} wasp{n}\n" for n in range(3)}
    )
    index = open_engine(tmp_path / "index", engine_name)
    index.rebuild(entries(notes))
    return index


def test_a_wildcard_stands_for_so_many_words_at_most(tmp_path: Path, engine_name: str) -> None:
    index = indexed(tmp_path, engine_name)
    result = index.search("ka*", limit=500)
    assert result.total == MAX_EXPANSION  # the first words, in order: ka0000 to ka0199
    assert {hit.path for hit in result.hits} == {f"k/{word}.md" for word in WORDS[:MAX_EXPANSION]}
    assert result.notice == (
        f"A word with a wildcard stands for more than {MAX_EXPANSION} words: "
        f"the first {MAX_EXPANSION} are searched."
    )
    assert index.search("ka00*").notice is None  # 100 words: all of them
    hundred = index.search("ka00*", limit=200)
    assert {hit.path for hit in hundred.hits} == {f"k/ka00{n:02d}.md" for n in range(100)}


def test_only_so_many_wildcards_are_searched(tmp_path: Path, engine_name: str) -> None:
    index = indexed(tmp_path, engine_name)
    query = "wolf* OR wombat* OR walrus* OR weasel* OR wren* OR wasp*"
    result = index.search(query)
    assert MAX_WILDCARDS == 4
    assert result.notice == "Only the first 4 words with a wildcard are searched."
    assert result.total == 3  # each note holds a word of each
    assert index.search("wren1 wasp*").notice is None


def test_a_search_past_its_time_says_so(tmp_path: Path, engine_name: str) -> None:
    index = indexed(tmp_path, engine_name)
    index.time_budget = 0.0  # type: ignore[attr-defined]
    result = index.search("kayaks")
    assert (result.total, result.hits) == (0, ())
    assert result.notice == "The search took too long: these are the notes found by then."
    assert result.suggestion is None  # no time left to look for one either
    index.time_budget = 5.0  # type: ignore[attr-defined]
    assert (index.search("kayaks").total, index.search("kayaks").notice) == (len(WORDS), None)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return make_vault(tmp_path, {f"k/{word}.md": f"About {word}.\n" for word in WORDS})


def test_the_dashboard_the_api_and_the_command_line_say_what_was_left_out(
    client: FlaskClient, vault: Path, tmp_path: Path
) -> None:
    notice = (
        f"A word with a wildcard stands for more than {MAX_EXPANSION} words: "
        f"the first {MAX_EXPANSION} are searched."
    )
    headers = {"Host": "127.0.0.1:8765"}
    data = client.get("/api/search?q=ka*", headers=headers).get_json()
    assert (data["total"], data["notice"]) == (MAX_EXPANSION, notice)
    page = client.get("/search?q=ka*", headers=headers).get_data(as_text=True)
    assert f'<p class="notice">{notice}</p>' in page
    env = {"IIV_INDEX_DIR": str(tmp_path / "cli-index")}
    result = CliRunner().invoke(cli, ["search", "ka*", "--vault", str(vault)], env=env)
    assert result.exit_code == 0 and result.output.endswith(f"{notice}\n")
