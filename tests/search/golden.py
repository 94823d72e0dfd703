"""One scenario run by any engine, whose every answer is written down to compare engines.

A generated vault is built from its files (in worker processes where the engine does that),
changed by a run of saves and a tidy, then asked a mix of queries. `main` runs it in a fresh
interpreter: `python -c "from tests.search.golden import main; main()" ENGINE INDEX VAULT`
prints the answers as JSON, from a process in which no other engine ever ran.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from iiv.search import SearchEngine, open_engine
from iiv.vault import FileStat, load_config, read_existing, scan

NOTES = 600  # enough for a build in worker processes
QUERIES = [
    "team product",
    '"developer relations"',
    "quincunx",
    "tag:mentor",
    "team OR quincunx",
    "product NOT team",
    "prod*",
    "kind:interview status:done",
    "date:>2026-06-01 coffee",
    "person:weber",
    "company:copperleaf",
    "golden",  # a word the saves add
    "teem prodcut",  # misspelled: a suggestion
    'company:"copperleaf cloud"',
    "team^3 product",
    "(team OR product) quincunx",
    "kind:person team",
    '"team product"',
    "people:rosa OR names:weber",
]


def scenario(index_folder: Path, engine_name: str, root: Path) -> dict[str, Any]:
    """The answers after a build from the files (in worker processes where the engine does
    that), then after a build in this process followed by saves, and after a tidy. (Whoosh
    counts replaced notes in its statistics until their segment is merged, so the segments
    must be the same for the scores to be: saves start from a build in one process.)"""
    engine = open_engine(index_folder, engine_name)
    try:
        config, _ = load_config(root)
        files, _ = scan(root, config)
        stats = [files[path] for path in sorted(files)]
        engine.rebuild_from_files(root, stats, lambda notes: None)
        built = _answers(engine)
        notes = [(read_existing(root, stat.path), stat) for stat in stats]
        engine.rebuild([(note, stat) for note, stat in notes if note is not None])
        _saves(engine, root, stats)
        after_saves = _answers(engine)
        engine.compact()
        return {
            "after a build": built,
            "after saves": after_saves,
            "after a tidy": _answers(engine),
        }
    finally:
        engine.close()


def _saves(engine: SearchEngine, root: Path, stats: list[FileStat]) -> None:
    """Twelve commits: notes changed (a word added), removed and new."""
    for step in range(12):
        changed = []
        for stat in stats[step * 7 : step * 7 + 5]:
            note = read_existing(root, stat.path)
            assert note is not None
            changed.append((replace(note, body=note.body + " golden"), stat))
        new = read_existing(root, stats[-1 - step].path)
        assert new is not None
        moved = replace(new, path=f"new/{step}.md")
        changed.append((moved, FileStat(moved.path, 1, step)))
        engine.update(changed, [stats[step * 7 + 6].path])


def _answers(engine: SearchEngine) -> dict[str, Any]:
    answers: dict[str, Any] = {"count": engine.count(), "indexed": sorted(engine.indexed().items())}
    for text in QUERIES:
        result = engine.search(text, limit=1000)
        first = engine.search(text, limit=20)
        hits = {h.path: (h.score, h.kind, h.title, h.snippet) for h in result.hits}
        answers[text] = {
            "total": result.total,
            "pages": result.pages,
            "suggestion": result.suggestion,
            "hits": hits,
            "first page": [(h.path, h.score) for h in first.hits],
            "first page's count": first.total,
        }
    return answers


def main() -> None:
    engine_name, index_folder, root = sys.argv[1:4]
    json.dump(scenario(Path(index_folder), engine_name, Path(root)), sys.stdout)
