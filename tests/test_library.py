"""The library: sync as a diff of (path, size, mtime), the catalog and index outside the vault."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from iiv.errors import BadArgument, Stopped
from iiv.library import Library, SyncStats, index_folder
from tests.helpers import copy_example, make_vault
from tests.sync_helpers import consistent, found

PERSON = "---\ntype: person\nname: Ada Lovelace\ncompany: Analytical Engines\n---\nMathematician.\n"


def open_library(root: Path, tmp_path: Path) -> Library:
    return Library.open(root, tmp_path / "index")


def test_first_sync_adds_every_note_and_second_changes_nothing(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"people/Ada.md": PERSON, "notes/a.md": "# A\nhello world\n"})
    library = open_library(root, tmp_path)
    assert library.sync() == SyncStats(added=2, modified=0, removed=0)
    assert library.sync() == SyncStats()
    assert found(library, "mathematician") == {"people/Ada.md"}
    assert library.state().notes == 2 and library.state().indexed == 2


def test_sync_reports_modified_and_removed(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"a.md": "alpha\n", "b.md": "beta\n"})
    library = open_library(root, tmp_path)
    library.sync()
    (root / "a.md").write_text("alpha gamma and more\n")
    (root / "b.md").unlink()
    assert library.sync() == SyncStats(added=0, modified=1, removed=1)
    assert found(library, "gamma") == {"a.md"}
    assert found(library, "beta") == set()


def test_a_start_where_nothing_changed_reads_no_note_file(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"a.md": "original words\n"})
    Library.open(root, tmp_path / "index").sync()
    note = root / "a.md"
    stat = note.stat()
    note.write_text("replaced words\n")  # same size: only a read would notice
    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    library = Library.open(root, tmp_path / "index")
    assert library.sync() == SyncStats()
    assert library.snapshot().notes["a.md"].title == "a"
    assert found(library, "original") == {"a.md"}


def test_a_restart_serves_the_due_list_from_the_catalog(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    Library.open(root, tmp_path / "index").sync()
    library = Library.open(root, tmp_path / "index")  # no sync: catalog only
    kinds = {item.kind for item in library.due(date(2026, 12, 1), 7)}
    assert kinds == {
        "task",
        "thank-you",
        "nudge",
        "next-contact",
        "prepare",
        "report-back",
        "keep-in-touch",
    }


def test_the_index_lives_outside_the_vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_vault(tmp_path, {"a.md": "x\n"})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = index_folder(root)
    assert folder.parent == tmp_path / "cache" / "iiv" and folder.name.startswith("vault-")
    Library.open(root).sync()
    assert sorted(p.name for p in root.iterdir()) == ["a.md"]
    with pytest.raises(BadArgument, match="inside the vault"):
        index_folder(root, root / ".iiv")


@pytest.mark.parametrize("damage", ["truncate", "delete", "version", "garbage-catalog"])
def test_a_damaged_index_is_rebuilt_from_the_files(tmp_path: Path, damage: str) -> None:
    root = copy_example(tmp_path)
    folder = tmp_path / "index"
    Library.open(root, folder).sync()
    whoosh = folder / "whoosh"
    segments = sorted(p for p in whoosh.iterdir() if p.suffix in (".seg", ".trm", ".pst", ".toc"))
    if damage == "truncate":
        for path in segments:
            path.write_bytes(path.read_bytes()[:10])
    elif damage == "delete":
        for path in segments:
            path.unlink()
    elif damage == "version":
        (whoosh / "iiv-index.json").write_text('{"version": -1}')
    else:
        (folder / "catalog.sqlite").write_bytes(b"not a database at all" * 100)
    library = Library.open(root, folder)
    library.sync()
    assert consistent(library)
    assert found(library, "woodworking")


def test_folders_left_by_a_killed_rebuild_are_deleted_by_the_next_writer(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"a.md": "first\n"})
    folder = tmp_path / "index"
    Library.open(root, folder).sync()
    for leftover in ("whoosh.new", "whoosh.old"):
        (folder / leftover).mkdir()
        (folder / leftover / "_MAIN_1.toc").write_bytes(b"half written")
    (folder / "whoosh.mine").mkdir()  # not iiv's: left alone
    library = Library.open(root, folder)
    library.sync()
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == ["whoosh", "whoosh.mine"]
    assert found(library, "first") == {"a.md"}


@pytest.mark.parametrize("notes", [3, 600])  # built here, and in worker processes
def test_a_stopped_library_gives_up_its_rebuild_and_keeps_the_old_index(
    tmp_path: Path, notes: int
) -> None:
    root = make_vault(tmp_path, {f"n{i}.md": f"note {i} about looms\n" for i in range(notes)})
    folder = tmp_path / "index"
    Library.open(root, folder).sync()
    library = Library.open(root, folder)
    library.stop()  # as iiv serve does on Ctrl+C, while its worker thread rebuilds
    with pytest.raises(Stopped):
        library.rebuild()
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == ["whoosh"]
    library.close()
    reopened = Library.open(root, folder)
    assert reopened.index.count() == notes and found(reopened, "n0")
    reopened.close()


def test_a_stale_lock_left_by_a_killed_process_does_not_block(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"a.md": "first\n"})
    folder = tmp_path / "index"
    Library.open(root, folder).sync()
    (folder / "whoosh" / "WRITELOCK").write_text("")
    (folder / "writer.lock").write_text("12345")
    (root / "a.md").write_text("second version\n")
    library = Library.open(root, folder)
    assert library.sync().modified == 1
    assert found(library, "second") == {"a.md"}


def test_rebuild_starts_over(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"a.md": "x\n", "b.md": "y\n"})
    library = open_library(root, tmp_path)
    library.sync()
    assert library.rebuild() == SyncStats(added=2)
    assert consistent(library)


def test_changed_category_settings_read_every_note_again(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"Ada.md": '---\ncategories: ["[[Contacts]]"]\n---\nAda\n'})
    library = open_library(root, tmp_path)
    library.sync()
    assert library.snapshot().notes["Ada.md"].kind == "note"
    library.close()

    (root / "iiv.yaml").write_text("person_categories: Contacts\n", encoding="utf-8")
    library = open_library(root, tmp_path)
    library.sync()

    assert [n.path for n in library.snapshot().people] == ["Ada.md"]
    assert [hit.kind for hit in library.search("ada").hits] == ["person"]
    library.close()
    assert [n.path for n in open_library(root, tmp_path).snapshot().people] == ["Ada.md"]


def test_symlinks_the_walk_does_not_follow_are_not_read_by_a_sync_of_paths(
    tmp_path: Path,
) -> None:
    files = {".obsidian/workspace.md": "layout secret", "people/Ada.md": PERSON}
    root = make_vault(tmp_path, dict(files))
    library = open_library(root, tmp_path)
    library.sync()
    (root / "x.md").symlink_to(root / ".obsidian" / "workspace.md")
    (root / "again").symlink_to(root / "people", target_is_directory=True)
    library.sync(["x.md", "again", "again/Ada.md"])
    assert sorted(library.snapshot().notes) == ["people/Ada.md"]
    assert found(library, "secret") == set()
    library.close()
