"""The catalog: every note's parsed metadata, kept outside the vault in SQLite.

It lets a start where nothing changed serve the due list and the pages without reading a single
note file. Like the full-text index it is a disposable cache: anything wrong with it means it is
rebuilt from the files.
"""

from __future__ import annotations

import logging
import pickle
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from iiv import __version__
from iiv.note import Note
from iiv.vault import FileStat

log = logging.getLogger(__name__)
CATALOG_VERSION = f"1/{__version__}"  # the pickled Note's shape follows the code's version


class Catalog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            db = self._connect()
            version = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            if version and version[0] == CATALOG_VERSION:
                return db
            db.close()
            log.info("catalog format changed: rebuilding it from the notes")
        except sqlite3.DatabaseError as error:
            log.info("catalog unreadable (%s): rebuilding it from the notes", error)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        db = self._connect()
        db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (CATALOG_VERSION,))
        db.commit()
        return db

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS notes (path TEXT PRIMARY KEY, size INTEGER, "
            "mtime_ns INTEGER, note BLOB)"
        )
        return db

    def load(self) -> dict[str, tuple[FileStat, Note]]:
        """Everything the catalog holds; an unreadable row is dropped (and so re-read later)."""
        found: dict[str, tuple[FileStat, Note]] = {}
        with self._lock:
            rows = self._db.execute("SELECT path, size, mtime_ns, note FROM notes").fetchall()
        for path, size, mtime_ns, blob in rows:
            try:
                note = pickle.loads(blob)
            except Exception:  # noqa: BLE001 - a damaged row is re-read from its file
                continue
            found[path] = (FileStat(path, size, mtime_ns), note)
        return found

    def apply(self, changed: Iterable[tuple[FileStat, Note]], removed: Iterable[str]) -> None:
        """Store changed notes (without their bodies) and forget removed ones, in one transaction."""
        rows = [
            (stat.path, stat.size, stat.mtime_ns, pickle.dumps(replace(note, body="")))
            for stat, note in changed
        ]
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany("DELETE FROM notes WHERE path = ?", ((p,) for p in removed))
            self._db.executemany("INSERT OR REPLACE INTO notes VALUES (?, ?, ?, ?)", rows)
            self._db.execute("COMMIT")

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM notes")

    def close(self) -> None:
        with self._lock:
            self._db.close()
