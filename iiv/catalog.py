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
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from iiv import __version__
from iiv.note import Note
from iiv.vault import FileStat

log = logging.getLogger(__name__)
OPEN_ATTEMPTS = 100  # 5 s of waiting for other iiv processes creating the catalog
CATALOG_VERSION = f"4/{__version__}"  # the pickled Note's shape follows the code's version
NOTES_COLUMNS = "(path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, note BLOB)"


class Catalog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            db = self._connect_when_free()
            version = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            if version and version[0] == CATALOG_VERSION:
                return db
            log.info("catalog format changed: reading the notes again")
            _renew(db)
            return db
        except sqlite3.DatabaseError as error:
            log.info("catalog unreadable (%s): rebuilding it from the notes", error)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        db = self._connect()
        db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (CATALOG_VERSION,))
        db.commit()
        return db

    def _connect_when_free(self) -> sqlite3.Connection:
        """A connection, the catalog claimed with our version if it is new. Several iiv opening
        a new catalog at once get "locked" from SQLite at once, not a damaged file: wait."""
        for _ in range(OPEN_ATTEMPTS):
            db = None
            try:
                db = self._connect()
                db.execute("INSERT OR IGNORE INTO meta VALUES ('version', ?)", (CATALOG_VERSION,))
                return db
            except sqlite3.OperationalError:
                if db is not None:
                    db.close()
                time.sleep(0.05)
        return self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute(f"CREATE TABLE IF NOT EXISTS notes {NOTES_COLUMNS}")
        return db

    def stats(self) -> dict[str, FileStat]:
        """The path, size and modification time of every note held, without its note."""
        with self._lock:
            rows = self._db.execute("SELECT path, size, mtime_ns FROM notes").fetchall()
        return {path: FileStat(path, size, mtime_ns) for path, size, mtime_ns in rows}

    def load(self, known: Mapping[str, FileStat] | None = None) -> dict[str, tuple[FileStat, Note]]:
        """Everything the catalog holds; an unreadable row is dropped (and so re-read later).

        The rows are unpickled as they are read, not after all were fetched (at 50,000 notes
        the whole table is 31 MB). A stat in `known` (what `stats` gave) that is the row's is
        used again rather than made twice."""
        found: dict[str, tuple[FileStat, Note]] = {}
        loads, same = pickle.loads, (known or {}).get
        with self._lock:
            for path, size, mtime_ns, blob in self._db.execute(
                "SELECT path, size, mtime_ns, note FROM notes"
            ):
                try:
                    note = loads(blob)
                except Exception:  # a damaged row is re-read from its file
                    continue
                stat = same(path)
                if stat is None or stat.size != size or stat.mtime_ns != mtime_ns:
                    stat = FileStat(path, size, mtime_ns)
                found[stat.path] = (stat, note)
        return found

    def apply(self, changed: Iterable[tuple[FileStat, Note]], removed: Iterable[str]) -> None:
        """Store changed notes (bodies left out) and forget removed ones, in one transaction."""
        rows = [(stat.path, stat.size, stat.mtime_ns, _pickle(note)) for stat, note in changed]
        removed = list(removed)
        if not rows and not removed:
            return
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM meta WHERE key = 'index'")
            self._db.executemany("DELETE FROM notes WHERE path = ?", ((p,) for p in removed))
            self._db.executemany("INSERT OR REPLACE INTO notes VALUES (?, ?, ?, ?)", rows)
            self._db.execute("COMMIT")

    def clear(self) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM meta WHERE key = 'index'")
            self._db.execute("DELETE FROM notes")
            self._db.execute("COMMIT")

    def index_stamp(self) -> str | None:
        """The stamp of the full-text index when it last held exactly these notes, if it did."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'index'").fetchone()
        return row[0] if row else None

    def mark_indexed(self, stamp: str) -> None:
        """Record that the index with this stamp holds exactly the notes stored here.

        Any later change to the notes forgets it, until the index has caught up again.
        """
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('index', ?)", (stamp,))

    def setting(self, key: str) -> str | None:
        """A value remembered with `remember` (such as the settings the notes were read with)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (f"setting:{key}",))
            found = row.fetchone()
        return found[0] if found else None

    def remember(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"setting:{key}", value))

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _renew(db: sqlite3.Connection) -> None:
    """Empty a catalog of another format in one transaction, in place: other iiv processes
    may have it open, so its files are never deleted under them. The first to get here
    empties it; the others then find it already in this format."""
    db.execute("BEGIN IMMEDIATE")
    try:
        version = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        if not version or version[0] != CATALOG_VERSION:
            db.execute("DROP TABLE IF EXISTS notes")
            db.execute(f"CREATE TABLE notes {NOTES_COLUMNS}")
            db.execute("DELETE FROM meta")
            db.execute("INSERT INTO meta VALUES ('version', ?)", (CATALOG_VERSION,))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _pickle(note: Note) -> bytes:
    return pickle.dumps(note.without_body())
