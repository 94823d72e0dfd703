"""Opening, rebuilding, updating and listing an index, through the engine protocol."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from iiv.errors import BadArgument, IivError
from iiv.note import Note
from iiv.search import ENGINES, INDEX_VERSION, SearchEngine, SearchResult, open_engine
from iiv.vault import FileStat
from tests.search.notes import NOTES, entries, entry, found, searched

# Opening and rebuilding


def test_a_missing_folder_needs_a_rebuild_and_searching_it_says_so(
    tmp_path: Path, engine_name: str
) -> None:
    index = open_engine(tmp_path / "index", engine_name)
    assert (index.needs_rebuild, index.reason) == (True, "no index yet")
    with pytest.raises(IivError) as raised:
        index.search("ada")
    assert str(raised.value) == "the search index needs rebuilding: no index yet"


def test_an_unknown_engine_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(BadArgument) as raised:
        open_engine(tmp_path / "index", "lucene")
    assert str(raised.value) == (
        "unknown search engine 'lucene'; choose one of: whoosh, whoosh-stock, tantivy"
    )


def test_rebuild_swaps_in_a_fresh_index_and_leaves_no_other_folders(
    tmp_path: Path, engine_name: str
) -> None:
    index = open_engine(tmp_path / "index", engine_name)
    beside = index.folder.parent
    (beside / f"{index.folder.name}.new").mkdir(parents=True)  # left by a crashed rebuild
    (beside / f"{index.folder.name}.old").mkdir()
    assert index.rebuild(entries(NOTES)) == len(NOTES)
    assert index.rebuild(entries({"a.md": "alpha"})) == 1
    assert (index.needs_rebuild, index.count(), found(index, "alpha")) == (False, 1, {"a.md"})
    assert sorted(path.name for path in beside.iterdir()) == [index.folder.name]
    record = json.loads((index.folder / "iiv-index.json").read_text(encoding="utf-8"))
    assert record == {"version": INDEX_VERSION, "engine": ENGINES[engine_name].folder}
    assert open_engine(tmp_path / "index", engine_name).count() == 1


def test_an_empty_index_works(tmp_path: Path, engine_name: str) -> None:
    index = open_engine(tmp_path / "index", engine_name)
    assert index.rebuild([]) == 0
    index = open_engine(tmp_path / "index", engine_name)
    assert (index.needs_rebuild, index.count(), index.indexed()) == (False, 0, {})
    assert index.search("ada") == SearchResult("ada", 0, (), 1, 0, None)


def test_rebuild_refuses_to_replace_a_folder_that_is_not_an_index(
    tmp_path: Path, engine_name: str
) -> None:
    index = open_engine(tmp_path / "Documents", engine_name)
    folder = index.folder
    folder.mkdir(parents=True)
    (folder / "thesis.md").write_text("precious", encoding="utf-8")
    index = open_engine(tmp_path / "Documents", engine_name)
    assert index.reason == "index unreadable (no iiv-index.json)"
    with pytest.raises(IivError) as raised:
        index.rebuild(entries(NOTES))
    assert str(raised.value) == (
        f"{folder} is not an iiv index (it holds other files): not replacing it; "
        "point the index at an empty or new folder"
    )
    assert (folder / "thesis.md").read_text(encoding="utf-8") == "precious"
    assert [path.name for path in folder.parent.iterdir()] == [folder.name]


def test_a_closed_index_says_so(index: SearchEngine) -> None:
    index.close()
    with pytest.raises(IivError, match=r"^the search index is closed$"):
        index.search("ada")


def test_rebuild_reports_progress_every_500_notes_and_at_the_end(
    tmp_path: Path, engine_name: str
) -> None:
    index = open_engine(tmp_path / "index", engine_name)
    calls: list[int] = []
    notes = (entry(f"n/{n}.md", f"note {n}") for n in range(1001))
    assert index.rebuild(notes, progress=calls.append) == 1001
    assert calls == [500, 1000, 1001]


def test_a_failed_rebuild_keeps_the_old_index(index: SearchEngine) -> None:
    def failing() -> Iterator[tuple[Note, FileStat]]:
        yield entry("new.md", "new")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        index.rebuild(failing())
    assert found(index, "babbage") == {"notes/Reading list.md"}
    assert found(index, "new") == set()
    assert sorted(path.name for path in index.folder.parent.iterdir()) == [index.folder.name]


def garble_record(folder: Path) -> None:
    (folder / "iiv-index.json").write_text("{not json", encoding="utf-8")


def old_version(folder: Path) -> None:
    (folder / "iiv-index.json").write_text('{"version": 0}', encoding="utf-8")


def other_engine(folder: Path) -> None:
    record = {"version": INDEX_VERSION, "engine": "lucene"}
    (folder / "iiv-index.json").write_text(json.dumps(record), encoding="utf-8")


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (garble_record, "index unreadable (iiv-index.json is damaged: JSONDecodeError: "),
        (old_version, f"index format changed (version 0 → {INDEX_VERSION})"),
        (other_engine, "index written by another engine (lucene, not {format})"),
    ],
)
def test_an_index_of_another_format_or_engine_is_rebuilt(
    index: SearchEngine,
    tmp_path: Path,
    engine_name: str,
    damage: Callable[[Path], None],
    reason: str,
) -> None:
    index.close()
    damage(index.folder)
    damaged = open_engine(tmp_path / "index", engine_name)
    assert damaged.needs_rebuild
    written = ENGINES[engine_name].folder  # what the engine writes in its record
    assert damaged.reason is not None and damaged.reason.startswith(reason.format(format=written))
    assert damaged.rebuild(entries(NOTES)) == len(NOTES)
    assert not damaged.needs_rebuild
    assert found(damaged, "babbage") == {"notes/Reading list.md"}
    assert not open_engine(tmp_path / "index", engine_name).needs_rebuild


# Updating


def test_update_adds_replaces_and_removes_notes_and_indexed_lists_them(
    index: SearchEngine,
) -> None:
    index.update(
        [entry("notes/New.md", "A fresh idea about kayaks", mtime_ns=42)],
        ["notes/Reading list.md"],
    )
    stats = index.indexed()
    assert stats["notes/New.md"] == (len(b"A fresh idea about kayaks"), 42)
    assert "notes/Reading list.md" not in stats
    assert set(stats) == set(NOTES) - {"notes/Reading list.md"} | {"notes/New.md"}
    assert found(index, "kayaks") == {"notes/New.md"}
    assert found(index, "babbage") == set()


def test_a_path_updated_twice_in_one_batch_is_indexed_once_with_the_last_text(
    index: SearchEngine,
) -> None:
    index.update([entry("a.md", "upstream canoe"), entry("a.md", "downstream canoe")], [])
    assert [hit.path for hit in index.search("canoe").hits] == ["a.md"]
    assert (found(index, "downstream"), found(index, "upstream")) == ({"a.md"}, set())
    assert index.count() == len(NOTES) + 1


def test_the_same_search_after_a_save_shows_the_saved_text(index: SearchEngine) -> None:
    # Snippets and parsed queries are kept for the next searches: a save shows at once.
    index.update([entry("a.md", "The canoe was green. A long river trip.")], [])
    assert [(h.path, h.snippet) for h in index.search("canoe").hits] == [
        ("a.md", "The <mark>canoe</mark> was green. A long river trip.")
    ]
    index.update([entry("a.md", "Our canoe is red now.")], [])
    assert [(h.path, h.snippet) for h in index.search("canoe").hits] == [
        ("a.md", "Our <mark>canoe</mark> is red now.")
    ]
    assert [h.snippet for h in index.search("canoe", page=2).hits] == [
        "Our <mark>canoe</mark> is red now."
    ]
    index.update([], ["a.md"])
    assert index.search("canoe").total == 0


def test_a_path_both_changed_and_removed_is_kept(index: SearchEngine) -> None:
    index.update([entry("a.md", "canoe")], ["a.md"])
    assert found(index, "canoe") == {"a.md"}


def test_every_commit_changes_the_stamp(index: SearchEngine) -> None:
    first = index.stamp()
    assert index.stamp() == first
    index.update([entry("a.md", "canoe")], [])
    second = index.stamp()
    index.update([], ["a.md"])
    assert len({first, second, index.stamp()}) == 3


def test_searches_from_several_threads_while_another_thread_writes(index: SearchEngine) -> None:
    errors: list[BaseException] = []
    done = threading.Event()

    def search() -> None:
        while not done.is_set():
            try:
                index.search("robotics OR kayak")
                index.search("kay*")
            except BaseException as error:
                errors.append(error)
                return

    readers = [threading.Thread(target=search) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        for n in range(20):
            index.update([entry(f"k/{n}.md", f"kayak {n}")], [f"k/{n - 1}.md"])
        index.rebuild(entries(NOTES))
        index.update([entry("k/last.md", "kayak")], [])
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert errors == []
    assert found(index, "kayak") == {"k/last.md"}


def test_a_reader_kept_across_commits_sees_each_commit(tmp_path: Path, engine_name: str) -> None:
    index = open_engine(tmp_path / "index", engine_name)
    index.rebuild(entries({f"n/{n}.md": f"kayak number{n}" for n in range(60)}))
    present = {f"n/{n}.md" for n in range(60)}
    for n in range(30):  # replaces, removes and adds, with merges of what saves leave
        index.update(
            [entry(f"n/{n}.md", f"kayak canoe number{n}"), entry(f"m/{n}.md", "kayak")],
            [f"n/{59 - n}.md"],
        )
        present = (present - {f"n/{59 - n}.md"}) | {f"n/{n}.md", f"m/{n}.md"}
        assert {path for path, _ in searched(index, ["kayak"])[0][1]} == present, n
        assert found(index, "canoe") == {f"n/{k}.md" for k in range(n + 1)}
    fresh = open_engine(tmp_path / "index", engine_name)
    assert searched(fresh, ["kayak", "canoe", "number3"]) == searched(
        index, ["kayak", "canoe", "number3"]
    )
    assert index.count() == fresh.count() == len(present)
    index.close()
    fresh.close()


def test_compact_keeps_every_note_findable(tmp_path: Path, engine_name: str) -> None:
    index = open_engine(tmp_path / "index", engine_name)
    index.rebuild(entries({f"n/{n}.md": f"kayak number{n}" for n in range(300)}))
    for n in range(40):
        index.update([entry(f"n/{n}.md", f"kayak canoe number{n}")], [])
    queries = ["kayak", "canoe", "number7"]
    before = [(total, {path for path, _ in hits}) for total, hits in searched(index, queries)]
    index.compact()
    assert not index.compact()  # nothing left to do
    after = [(total, {path for path, _ in hits}) for total, hits in searched(index, queries)]
    assert after == before
    assert [total for total, _ in after] == [300, 40, 1]
    index.close()


def test_a_reader_sees_another_writers_commits_in_the_same_searches_again(
    tmp_path: Path, engine_name: str
) -> None:
    # What a reader keeps for the next searches (parsed queries, expanded wildcards, hits'
    # stored fields and snippets) never hides a commit, of its own or of another writer.
    writer = open_engine(tmp_path / "index", engine_name)
    writer.rebuild(entries({"a.md": "The canoe was green.", "b.md": "A kayak."}))
    reader = open_engine(tmp_path / "index", engine_name)
    queries = ["canoe", "cano*", "kayak OR canoe", "green"]

    def seen() -> list[tuple[int, list[tuple[str, str]]]]:
        results = [reader.search(text) for text in queries]
        return [(r.total, sorted((h.path, h.snippet) for h in r.hits)) for r in results]

    assert seen() == [
        (1, [("a.md", "The <mark>canoe</mark> was green.")]),
        (1, [("a.md", "The <mark>canoe</mark> was green.")]),
        (2, [("a.md", "The <mark>canoe</mark> was green."), ("b.md", "A <mark>kayak</mark>.")]),
        (1, [("a.md", "The canoe was <mark>green</mark>.")]),
    ]
    writer.update([entry("b.md", "Two canoes, now red."), entry("c.md", "canonical")], ["a.md"])
    assert seen() == [
        (1, [("b.md", "Two <mark>canoes</mark>, now red.")]),
        (2, [("b.md", "Two <mark>canoes</mark>, now red."), ("c.md", "<mark>canonical</mark>")]),
        (1, [("b.md", "Two <mark>canoes</mark>, now red.")]),
        (0, []),
    ]
    writer.rebuild(entries({"d.md": "A green canoe."}))
    assert [r[0] for r in seen()] == [1, 1, 1, 1]
    assert {h.path for text in queries for h in reader.search(text).hits} == {"d.md"}
    writer.close()
    reader.close()


# Writing while another process writes

WRITER_LOCKS = {  # the file each engine's writer locks
    "whoosh": "MAIN_WRITELOCK",
    "whoosh-stock": "MAIN_WRITELOCK",
    "tantivy": ".tantivy-writer.lock",
}


def test_a_writer_waits_for_another_process_lock_then_says_the_index_is_busy(
    index: SearchEngine, engine_name: str
) -> None:
    fcntl = pytest.importorskip("fcntl")
    with open(index.folder / WRITER_LOCKS[engine_name], "a+") as other:
        fcntl.flock(other, fcntl.LOCK_EX)
        index.lock_timeout = 0.2  # type: ignore[attr-defined]
        with pytest.raises(IivError) as raised:
            index.update([entry("a.md", "canoe")], [])
        assert str(raised.value) == "the index is busy (another iiv is writing); try again"
        index.lock_timeout = 30.0  # type: ignore[attr-defined]
        threading.Timer(0.2, fcntl.flock, (other, fcntl.LOCK_UN)).start()
        index.update([entry("a.md", "canoe")], [])
    assert found(index, "canoe") == {"a.md"}
    assert not index.needs_rebuild
