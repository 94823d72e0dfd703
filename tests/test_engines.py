"""Choosing the search engine: `search_engine` in iiv.yaml, `--engine`, `IIV_ENGINE`; switching
engines; and a machine without tantivy, where the setting is a problem and Whoosh serves."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from iiv.cli import cli
from iiv.config import SEARCH_ENGINES, parse_config
from iiv.library import Library
from iiv.search import ENGINES
from tests.helpers import make_vault

ROOT = Path(__file__).resolve().parents[1]
MISSING = (
    'search_engine: tantivy needs the tantivy package: pip install "iiv[fast]"; '
    "searching with whoosh"
)
NOTES = {
    "people/Ada Lovelace.md": "---\ntype: person\n---\nWrote the first program.\n",
    "notes/Boats.md": "A kayak trip.\n",
}


@pytest.fixture
def tantivy_vault(tmp_path: Path) -> Path:
    return make_vault(tmp_path, {**NOTES, "iiv.yaml": "me: Sam\nsearch_engine: tantivy\n"})


@pytest.fixture
def without_tantivy(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process as on a machine where tantivy is not installed: importing it fails."""
    for name in [name for name in sys.modules if name.startswith("iiv.search.tantivy")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "tantivy", None)


def iiv(*args: str, **env: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def search(vault: Path, text: str, *options: str, **env: str) -> list[str]:
    index = str(vault.parent / "index")
    found = iiv(
        "search", text, "--json", "--vault", str(vault), "--index-dir", index, *options, **env
    )
    assert found.exit_code == 0, found.output
    return [hit["path"] for hit in json.loads(found.output)["results"]]


def engine_of(folder: Path) -> str:
    return str(json.loads((folder / "iiv-index.json").read_text(encoding="utf-8"))["engine"])


def test_the_settings_know_every_engine_there_is() -> None:
    assert list(SEARCH_ENGINES) == list(ENGINES)


def test_search_engine_in_iiv_yaml_chooses_the_engine(tantivy_vault: Path) -> None:
    pytest.importorskip("tantivy")
    assert search(tantivy_vault, "kayak") == ["notes/Boats.md"]
    index = tantivy_vault.parent / "index"
    assert engine_of(index / "tantivy") == "tantivy"
    assert not (index / "whoosh").exists()
    library = Library.open(tantivy_vault, index)
    assert type(library.index).__name__ == "TantivyEngine"
    assert list(library.snapshot().problems) == []
    library.close()


def test_the_engine_option_and_iiv_engine_override_the_setting(tantivy_vault: Path) -> None:
    pytest.importorskip("tantivy")
    index = tantivy_vault.parent / "index"
    assert search(tantivy_vault, "kayak", "--engine", "whoosh") == ["notes/Boats.md"]
    assert engine_of(index / "whoosh") == "whoosh" and not (index / "tantivy").exists()
    assert search(tantivy_vault, "program", IIV_ENGINE="whoosh-stock") == ["people/Ada Lovelace.md"]
    assert search(tantivy_vault, "trip", IIV_SEARCH_ENGINE="whoosh") == ["notes/Boats.md"]  # #13's
    assert not (index / "tantivy").exists()
    bad = iiv("search", "kayak", "--engine", "lucene", "--vault", str(tantivy_vault))
    assert bad.exit_code == 2 and "'lucene' is not one of 'whoosh', 'whoosh-stock', 'tantivy'" in (
        bad.output
    )


def test_switching_engines_rebuilds_from_the_files_and_back_catches_up(tmp_path: Path) -> None:
    pytest.importorskip("tantivy")
    vault = make_vault(tmp_path, NOTES)
    index = tmp_path / "index"
    assert search(vault, "kayak") == ["notes/Boats.md"]  # whoosh, the default
    (vault / "notes" / "Canoes.md").write_text("A canoe trip.\n", encoding="utf-8")
    assert search(vault, "canoe", "--engine", "tantivy") == ["notes/Canoes.md"]
    assert engine_of(index / "tantivy") == "tantivy"
    (vault / "notes" / "Boats.md").unlink()
    assert search(vault, "trip") == ["notes/Canoes.md"]  # whoosh again, brought up to date
    assert search(vault, "trip", "--engine", "tantivy") == ["notes/Canoes.md"]


def test_iiv_index_builds_the_chosen_engines_index(tantivy_vault: Path) -> None:
    pytest.importorskip("tantivy")
    index = tantivy_vault.parent / "index"
    done = iiv("index", "--vault", str(tantivy_vault), "--index-dir", str(index))
    assert done.exit_code == 0, done.output
    assert done.output.startswith("2 notes indexed: 2 added, 0 modified, 0 removed (")
    assert engine_of(index / "tantivy") == "tantivy"


# Without tantivy


def test_without_tantivy_the_setting_is_a_problem_and_whoosh_serves(
    tantivy_vault: Path, without_tantivy: None
) -> None:
    checked = iiv("check", "--vault", str(tantivy_vault))
    assert checked.exit_code == 1
    assert checked.output.splitlines()[0] == f"iiv.yaml:2: {MISSING}"
    assert search(tantivy_vault, "kayak") == ["notes/Boats.md"]
    index = tantivy_vault.parent / "index"
    assert engine_of(index / "whoosh") == "whoosh" and not (index / "tantivy").exists()
    library = Library.open(tantivy_vault, index)
    assert [str(problem) for problem in library.snapshot().problems] == [f"iiv.yaml:2: {MISSING}"]
    library.close()


def test_without_tantivy_the_engine_option_says_so_and_whoosh_serves(
    tmp_path: Path, without_tantivy: None, caplog: pytest.LogCaptureFixture
) -> None:
    vault = make_vault(tmp_path, NOTES)
    with caplog.at_level(logging.WARNING, logger="iiv.library"):
        library = Library.open(vault, tmp_path / "index", engine="tantivy")
    assert caplog.messages == [
        '--engine tantivy: tantivy needs the tantivy package: pip install "iiv[fast]"; '
        "searching with whoosh"
    ]
    library.sync()
    assert [hit.path for hit in library.search("kayak").hits] == ["notes/Boats.md"]
    library.close()


def test_a_tantivy_that_is_installed_but_cannot_be_imported_leaves_whoosh_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "site"
    (broken / "tantivy").mkdir(parents=True)
    (broken / "tantivy" / "__init__.py").write_text("raise ImportError('a broken build')\n")
    for name in [name for name in sys.modules if name.split(".")[-1].startswith("tantivy")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.syspath_prepend(str(broken))
    vault = make_vault(tmp_path, {**NOTES, "iiv.yaml": "search_engine: tantivy\n"})
    with caplog.at_level(logging.WARNING, logger="iiv.library"):
        library = Library.open(vault, tmp_path / "index")
    assert caplog.messages == [
        "the search engine tantivy cannot be used here: a broken build; searching with whoosh"
    ]
    library.sync()
    assert [hit.path for hit in library.search("kayak").hits] == ["notes/Boats.md"]
    library.close()


def test_iiv_runs_in_a_process_where_tantivy_cannot_be_imported(tantivy_vault: Path) -> None:
    """The commands, in a fresh interpreter in which `import tantivy` fails."""
    index = tantivy_vault.parent / "index"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        code = (
            "import sys; sys.modules['tantivy'] = None; from iiv.cli import main; "
            f"sys.argv = ['iiv', *{list(args)!r}]; main()"
        )
        return subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "IIV_INDEX_DIR": str(index)},
            timeout=120,
        )

    vault = ["--vault", str(tantivy_vault)]
    assert run("check", *vault).stdout.splitlines()[0] == f"iiv.yaml:2: {MISSING}"
    indexed = run("index", *vault)
    assert indexed.returncode == 0 and indexed.stdout.startswith("2 notes indexed"), indexed
    found = run("search", "kayak", "--json", *vault)
    assert json.loads(found.stdout)["total"] == 1, found
    assert engine_of(index / "whoosh") == "whoosh" and not (index / "tantivy").exists()


def test_tantivy_is_an_optional_dependency_only() -> None:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [need for need in project["dependencies"] if need.startswith("tantivy")]
    extras = project["optional-dependencies"]
    assert [need.split(";")[0] for need in extras["fast"]] == [
        "tantivy>=0.27,<0.28",
        "tantivy>=0.26,<0.27",
    ]
    assert [need for need in extras["test"] if need.startswith("tantivy")] == extras["fast"]


def test_an_unknown_search_engine_in_iiv_yaml_is_a_problem() -> None:
    config, problems = parse_config("search_engine: lucene\n")
    assert config.search_engine == "whoosh"
    assert [str(problem) for problem in problems] == [
        "iiv.yaml:1: search_engine: unknown search engine 'lucene'; "
        "choose one of: whoosh, whoosh-stock, tantivy; searching with whoosh"
    ]
