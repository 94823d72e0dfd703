"""Golden tests: iiv's fast paths give what Whoosh's own writer and reader give.

The same generated vault is built (in worker processes by the fast layer), built again,
changed by saves, tidied, and searched after each, by the fast layer in
this process and by the stock layer in a fresh interpreter (where the fast layer was never
installed): the answers (counts, every hit with its score and snippet, suggestions, the list of
indexed notes) must be equal, and so must every hit's kind, title and snippet. Scores may
differ by a few parts in a thousand: Whoosh merges a segment by copying each note's field
lengths through their one-byte encoding, where iiv's fast merge indexes the notes again, so
the average lengths BM25 uses differ slightly once small segments are merged. (Hits of
nearly equal score may then come in another order, so hits are compared by path.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks import generate
from tests.search.golden import NOTES, scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("golden") / "vault"
    generate.generate(root, NOTES, seed=7)
    return root


def stock_answers(index_folder: Path, root: Path) -> object:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from tests.search.golden import main; main()",
            "whoosh-stock",
            str(index_folder),
            str(root),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    return json.loads(done.stdout)


def test_the_fast_paths_answer_as_stock_whoosh_does(vault: Path, tmp_path: Path) -> None:
    fast = json.loads(json.dumps(scenario(tmp_path / "fast", "whoosh", vault)))
    stock = stock_answers(tmp_path / "stock", vault)
    assert isinstance(stock, dict)
    for moment in ("after a build", "after saves", "after a tidy"):
        for question, answer in fast[moment].items():
            expected = stock[moment][question]
            if isinstance(answer, dict):
                assert _scores(answer) == pytest.approx(_scores(expected), rel=5e-3), question
                if moment == "after a build":  # the same statistics: the same order
                    _same_order(answer, expected, question)
                answer, expected = _unscored(answer), _unscored(expected)
            assert answer == expected, (moment, question)
    assert fast["after a build"]["team product"]["total"] > 100  # the scenario finds things
    assert fast["after a build"]["golden"]["total"] == 0
    assert fast["after saves"]["golden"]["total"] == 12 * 5  # the changed notes
    assert fast["after saves"]["teem prodcut"]["suggestion"] == "team product"


def _scores(answer: dict[str, Any]) -> dict[str, float]:
    return {path: hit[0] for path, hit in answer["hits"].items()}


def _unscored(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        **answer,
        "hits": {path: hit[1:] for path, hit in answer["hits"].items()},
        "first page": len(answer["first page"]),
    }


def _same_order(fast: dict[str, Any], stock: dict[str, Any], question: str) -> None:
    """The first page's scores in the same order, each hit with its score in both. Hits of
    equal score come in document order, and a build in worker processes numbers the
    documents otherwise: which of equal hits make the page may differ."""
    page, other = fast["first page"], stock["first page"]
    assert [s for _, s in page] == pytest.approx([s for _, s in other], rel=1e-9), question
    for path, score in page:
        assert stock["hits"][path][0] == pytest.approx(score, rel=1e-9), question


def test_common_queries_are_evaluated_as_whoosh_evaluates_them(vault: Path, tmp_path: Path) -> None:
    """On one index, iiv's evaluation from decoded postings and Whoosh's own collector give
    the same pages: the same notes in the same order, the same scores and counts."""
    from iiv.search import open_engine
    from iiv.search.queries import lean, parse
    from iiv.vault import read_existing
    from tests.search.golden import QUERIES, _saves

    engine = open_engine(tmp_path / "index", "whoosh")
    assert engine.layer.name == "fast"  # type: ignore[attr-defined]
    stats = sorted(engine_files(vault), key=lambda stat: stat.path)
    engine.rebuild([(read_existing(vault, s.path), s) for s in stats])  # type: ignore[misc]
    for moment in ("after a build", "after saves"):
        if moment == "after saves":
            _saves(engine, vault, stats)
        for text in QUERIES:
            for page in (1, 3):
                ours = engine.search(text, limit=20, page=page)
                with engine._searcher() as searcher:  # type: ignore[attr-defined]
                    whoosh = searcher.search_page(lean(parse(text), searcher.reader()), page, 20)
                    theirs = [(hit["path"], hit.score) for hit in whoosh]
                    total = len(whoosh.results)
                assert ours.total == total, (moment, text)
                assert [h.path for h in ours.hits] == [p for p, _ in theirs], (moment, text)
                assert [h.score for h in ours.hits] == pytest.approx(
                    [s for _, s in theirs], rel=1e-9
                ), (moment, text)
    engine.close()


def engine_files(root: Path) -> list[Any]:
    from iiv.vault import load_config, scan

    config, _ = load_config(root)
    files, _ = scan(root, config)
    return list(files.values())
