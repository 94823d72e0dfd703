"""A hypothesis state machine drives a watched vault; after settling, it equals a fresh rebuild.

Rules create, modify (in place and through a temp name), rename, move and delete notes and
folders while a real watcher and worker run (with the periodic reconcile off, so that only
events can make it converge). After settling, search, the due list and the problems list
must equal those of an index rebuilt from scratch.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from iiv.library import Library
from iiv.worker import Worker
from tests.reliability.harness import count, figures
from tests.sync_helpers import consistent, wait_until

pytestmark = [
    pytest.mark.timeout(3600),
    # Whoosh names segments with the global `random` module from the worker thread, which
    # hypothesis takes for a strategy using `random` when it happens during a draw.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]
TODAY = date(2026, 12, 1)
NAMES = ["ada", "grace", "alan", "barbara", "edsger"]
WORDS = ["kiln", "chisel", "compiler", "mentor", "roadmap"]
FOLDERS = ["people", "interviews", "notes", "notes/deep", "archive"]
QUERIES = [*WORDS, "kind:person", "kind:interview", "status:done", "person:ada", "ki*"]
a_name, a_word, a_folder = (st.sampled_from(v) for v in (NAMES, WORDS, FOLDERS))


def note_text(kind: str, name: str, word: str, day: int) -> str:
    if kind == "person":
        return (
            f"---\ntype: person\nname: {name.title()}\nkeep_in_touch: 30\n"
            f"last_contact: 2026-10-{day:02d}\n---\n# {name}\n{word}\n"
        )
    if kind == "interview":
        return (
            f'---\ntype: interview\nperson: "[[{name}]]"\ndate: 2026-11-{day:02d}\n'
            f"status: done\n---\n- [ ] Send the {word} notes 📅 2026-12-{day:02d}\n"
        )
    if kind == "broken":
        return f"---\ntitle: [unclosed\n---\n{word}\n"
    return f"# {word}\n\nAbout {word}, with [[{name}]].\n"


contents = st.builds(
    note_text,
    st.sampled_from(["person", "interview", "broken", "plain"]),
    a_name,
    a_word,
    st.integers(1, 28),
)


class WatchedVault(RuleBasedStateMachine):
    examples = 0
    checks = 0

    def __init__(self) -> None:
        super().__init__()
        self.base = Path(tempfile.mkdtemp(prefix="iiv-stateful-"))
        self.root = self.base / "vault"
        for folder in FOLDERS:
            (self.root / folder).mkdir(parents=True)
        self.library = Library.open(self.root, self.base / "index")
        self.worker = Worker(self.library, watch=True, reconcile_every=3600)
        self.worker.start()
        assert self.worker.ready.wait(30)
        WatchedVault.examples += 1

    def notes(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*.md") if p.is_file())

    def folders(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_dir())

    @rule(folder=a_folder, name=a_name, text=contents)
    def create(self, folder: str, name: str, text: str) -> None:
        path = self.root / folder / f"{name}.md"
        if path.parent.is_dir():
            path.write_text(text, encoding="utf-8")

    @precondition(lambda self: self.notes())
    @rule(data=st.data(), text=contents, atomic=st.booleans())
    def modify(self, data: st.DataObject, text: str, atomic: bool) -> None:
        path = data.draw(st.sampled_from(self.notes()))
        if atomic:  # as most editors save: a temp name, then a rename over the note
            temp = path.with_name(f".{path.name}.tmp")
            temp.write_text(text, encoding="utf-8")
            os.replace(temp, path)
        else:
            path.write_text(text, encoding="utf-8")

    @precondition(lambda self: self.notes())
    @rule(data=st.data(), name=a_name)
    def rename(self, data: st.DataObject, name: str) -> None:
        path = data.draw(st.sampled_from(self.notes()))
        os.replace(path, path.with_name(f"{name}.md"))

    @precondition(lambda self: self.notes())
    @rule(data=st.data())
    def move(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(self.notes()))
        folder = data.draw(st.sampled_from(self.folders()))
        os.replace(path, folder / path.name)

    @precondition(lambda self: self.notes())
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        data.draw(st.sampled_from(self.notes())).unlink()

    @rule(name=a_name, data=st.data())
    def make_folder(self, name: str, data: st.DataObject) -> None:
        parent = data.draw(st.sampled_from(self.folders()))
        (parent / name).mkdir(exist_ok=True)

    @precondition(lambda self: len(self.folders()) > 1)
    @rule(data=st.data(), name=a_name)
    def rename_folder(self, data: st.DataObject, name: str) -> None:
        folder = data.draw(st.sampled_from(self.folders()[1:]))
        target = folder.parent / f"{name}-dir"
        if not target.exists():
            os.rename(folder, target)

    @precondition(lambda self: len(self.folders()) > 2)
    @rule(data=st.data())
    def move_folder(self, data: st.DataObject) -> None:
        folder = data.draw(st.sampled_from(self.folders()[1:]))
        into = data.draw(st.sampled_from(self.folders()))
        if into != folder and not into.is_relative_to(folder) and not (into / folder.name).exists():
            os.rename(folder, into / folder.name)

    @precondition(lambda self: len(self.folders()) > 1)
    @rule(data=st.data())
    def delete_folder(self, data: st.DataObject) -> None:
        shutil.rmtree(data.draw(st.sampled_from(self.folders()[1:])))

    @rule()
    def settle_and_compare(self) -> None:
        wait_until(
            lambda: self.worker.pending == 0 and consistent(self.library),
            20,
            "the index to equal the files",
        )
        fresh = Library.open(self.root, self.base / f"fresh-{WatchedVault.checks}")
        WatchedVault.checks += 1
        try:
            fresh.rebuild()
            for query in QUERIES:
                got = {hit.path for hit in self.library.search(query, limit=1000).hits}
                assert got == {hit.path for hit in fresh.search(query, limit=1000).hits}, query
            assert self.library.due(TODAY, 30) == fresh.due(TODAY, 30)
            assert self.library.snapshot().problems == fresh.snapshot().problems
        finally:
            fresh.close()

    def teardown(self) -> None:
        try:
            self.settle_and_compare()
        finally:
            self.worker.stop()
            self.library.close()
            shutil.rmtree(self.base, ignore_errors=True)


def test_a_watched_vault_equals_a_fresh_rebuild_after_any_changes() -> None:
    WatchedVault.examples = WatchedVault.checks = 0
    with figures("stateful: watched vault vs fresh rebuild") as record:
        try:
            run_state_machine_as_test(
                WatchedVault,
                settings=settings(
                    max_examples=count(fast=15, long=200),
                    stateful_step_count=count(fast=10, long=30),
                    deadline=None,
                    derandomize=True,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                ),
            )
        except BaseException:
            record.failures = 1
            raise
        finally:
            record.runs = WatchedVault.examples
            record.extra.update(comparisons=WatchedVault.checks)
