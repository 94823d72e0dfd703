"""The catalog of parsed notes: a disposable SQLite cache outside the vault."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from iiv.catalog import CATALOG_VERSION, Catalog
from iiv.note import parse_note
from iiv.vault import FileStat


def stored(catalog: Catalog, path: str, text: str) -> None:
    data = text.encode()
    catalog.apply([(FileStat(path, len(data), 1), parse_note(path, data))], [])


def test_notes_stored_are_loaded_back_without_their_bodies(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite")
    stored(catalog, "a.md", "---\ntype: person\nname: Ada\n---\nA long body.\n")
    ((stat, note),) = catalog.load().values()
    assert stat == FileStat("a.md", 44, 1)
    assert note.title == "Ada" and note.body == ""
    catalog.close()


def test_the_stats_known_are_used_again_when_they_are_the_rows(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite")
    stored(catalog, "a.md", "A.\n")
    stored(catalog, "b.md", "B.\n")
    known = catalog.stats()
    stored(catalog, "b.md", "B, changed.\n")
    loaded = catalog.load(known)
    assert loaded == catalog.load() and loaded["a.md"][0] is known["a.md"]
    assert loaded["b.md"][0] == FileStat("b.md", 12, 1) != known["b.md"]
    catalog.close()


def old_format(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    db.execute("CREATE TABLE notes (path TEXT PRIMARY KEY, old_shape BLOB)")
    db.execute("INSERT INTO meta VALUES ('version', '0/old')")
    db.execute("INSERT INTO notes VALUES ('a.md', x'00')")
    db.commit()
    db.close()


def test_a_catalog_of_another_format_is_emptied_in_place(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    old_format(path)
    inode = path.stat().st_ino
    catalog = Catalog(path)
    assert catalog.load() == {}
    stored(catalog, "b.md", "Plain.\n")
    assert list(catalog.load()) == ["b.md"]
    assert path.stat().st_ino == inode  # not deleted and created again
    catalog.close()


def test_two_iiv_opening_an_old_catalog_at_once_both_keep_working(tmp_path: Path) -> None:
    """An upgrade started by two processes at once: neither deletes the file under the other."""
    path = tmp_path / "catalog.sqlite"
    old_format(path)
    first = Catalog(path)
    stored(first, "a.md", "First.\n")
    second = Catalog(path)  # finds the format already current: keeps what the first stored
    stored(second, "b.md", "Second.\n")
    assert sorted(first.load()) == sorted(second.load()) == ["a.md", "b.md"]
    version = sqlite3.connect(path).execute("SELECT value FROM meta WHERE key = 'version'")
    assert version.fetchone() == (CATALOG_VERSION,)
    first.close()
    second.close()


def test_a_damaged_catalog_file_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    catalog = Catalog(path)
    assert catalog.load() == {}
    stored(catalog, "a.md", "x\n")
    assert list(catalog.load()) == ["a.md"]
    catalog.close()
