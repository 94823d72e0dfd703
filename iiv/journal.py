"""The undo journal: every change iiv makes to a note, so that it can be taken back.

It lives outside the vault, beside the index (`cache.index_folder`), in SQLite, which lets the
command line and a running dashboard record into it at once. Each entry keeps the note's exact
bytes before the change (none for a note iiv created) and the hash of the bytes it wrote: an
undo puts the old bytes back only while the file still holds exactly what iiv wrote, and a note
iiv deleted (a conflict copy resolved) only while nothing has taken its name.
The journal is bounded: the newest MAX_ENTRIES entries, and older ones are dropped first when
their saved bytes pass MAX_BYTES.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from iiv import edit
from iiv.config import Config
from iiv.errors import EditConflict, IivError, NoteExists, NoteNotFound, UndoConflict

JOURNAL_FILE = "journal.sqlite"
MAX_ENTRIES = 100
MAX_BYTES = 20_000_000  # the saved "before" bytes of all entries together
SCHEMA = """
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    path TEXT NOT NULL,
    summary TEXT NOT NULL,
    before BLOB,
    after_hash TEXT NOT NULL,
    lines TEXT NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0
)
"""
COLUMNS = "id, at, path, summary, before, after_hash, lines, undone"
DELETED = ""  # the after_hash of a change that deleted the note


class NothingToUndo(IivError):
    """The journal holds no change that can still be undone."""


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime  # when, in UTC
    path: str  # vault-relative
    summary: str  # what the change did, as a confirmation says it: "Lucía Fernández thanked"
    before: bytes | None  # the note's bytes before the change; None: iiv created the note
    after_hash: str  # sha256 of the bytes iiv wrote; DELETED: iiv deleted the note
    lines: tuple[int, ...]  # the lines changed, in the file as written
    undone: bool

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "at": self.at.isoformat(timespec="seconds"),
            "path": self.path,
            "summary": self.summary,
            "lines": list(self.lines),
            "undone": self.undone,
        }


class Journal:
    """A vault's journal, opened for each use: nothing is held open between calls."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / JOURNAL_FILE

    def record(
        self,
        path: str,
        summary: str,
        before: bytes | None,
        after_hash: str,
        lines: tuple[int, ...],
    ) -> int:
        """Add an entry (dropping the oldest beyond the bounds); returns its id."""
        at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        row = (at, path, summary, before, after_hash, ",".join(map(str, lines)))
        with self._db() as db:
            cursor = db.execute(
                "INSERT INTO changes (at, path, summary, before, after_hash, lines)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )
            _trim(db)
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def get(self, entry_id: int) -> Entry:
        with self._db() as db:
            row = db.execute(f"SELECT {COLUMNS} FROM changes WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise NothingToUndo(f"no change {entry_id} in the journal (iiv undo --list shows them)")
        return _entry(row)

    def latest(self) -> Entry:
        """The newest change not undone yet."""
        with self._db() as db:
            row = db.execute(
                f"SELECT {COLUMNS} FROM changes WHERE undone = 0 ORDER BY id DESC LIMIT 1"
            ).fetchone()
        if row is None:
            raise NothingToUndo("nothing to undo: iiv has made no change in this vault lately")
        return _entry(row)

    def recent(self, limit: int = 20) -> list[Entry]:
        """The newest entries first, undone ones included."""
        with self._db() as db:
            rows = db.execute(
                f"SELECT {COLUMNS} FROM changes ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [_entry(row) for row in rows]

    def check(self) -> None:
        """Refuse (IivError) now if the journal cannot record, before a change is written."""
        with self._db():
            pass

    def mark_undone(self, entry_id: int) -> None:
        with self._db() as db:
            db.execute("UPDATE changes SET undone = 1 WHERE id = ?", (entry_id,))

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
                db.execute(SCHEMA)
                yield db
        except sqlite3.DatabaseError as error:
            raise IivError(
                f"the undo journal {self.path} cannot be used: {error}; delete it to start"
                " a new one (what it holds can then no longer be undone)"
            ) from None


def _trim(db: sqlite3.Connection) -> None:
    """Keep the newest MAX_ENTRIES entries, and of those the newest whose saved bytes fit in
    MAX_BYTES (the newest entry always stays, whatever its size)."""
    db.execute(
        "DELETE FROM changes WHERE id <= "
        "(SELECT id FROM changes ORDER BY id DESC LIMIT 1 OFFSET ?)",
        (MAX_ENTRIES,),
    )
    sizes = db.execute(
        "SELECT id, COALESCE(LENGTH(before), 0) FROM changes ORDER BY id DESC"
    ).fetchall()
    total = 0
    for position, (entry_id, size) in enumerate(sizes):
        total += size
        if total > MAX_BYTES and position > 0:
            db.execute("DELETE FROM changes WHERE id <= ?", (entry_id,))
            return


def _entry(row: tuple[object, ...]) -> Entry:
    entry_id, at, path, summary, before, after_hash, lines, undone = row
    assert isinstance(before, bytes | None)
    return Entry(
        id=int(str(entry_id)),
        at=datetime.fromisoformat(str(at)),
        path=str(path),
        summary=str(summary),
        before=before,
        after_hash=str(after_hash),
        lines=tuple(int(n) for n in str(lines).split(",") if n),
        undone=bool(undone),
    )


def undo(
    root: Path, journal: Journal, entry_id: int | None = None, config: Config | None = None
) -> Entry:
    """Put back the note as it was before change `entry_id` (default: the latest not undone),
    only if the file still holds exactly what iiv wrote; a note iiv created is deleted, and one
    it deleted is made again, unless a file has taken its name."""
    entry = journal.latest() if entry_id is None else journal.get(entry_id)
    if entry.undone:
        raise NothingToUndo(f"change {entry.id} ({entry.summary}) was undone already")
    before = entry.before
    try:
        if before is None:
            edit.remove_note(root, entry.path, entry.after_hash, config)
        elif entry.after_hash == DELETED:
            edit.create_note(root, entry.path, before, config)
        else:
            edit.rewrite(root, entry.path, entry.after_hash, lambda _: before, config)
    except EditConflict:
        message = f"{entry.path} changed since iiv wrote it ({entry.summary}); nothing was undone"
        raise UndoConflict(message) from None
    except NoteExists:
        message = f"{entry.path} exists again since iiv deleted it; nothing was undone"
        raise NoteExists(message) from None
    except NoteNotFound:
        raise NoteNotFound(f"{entry.path} is gone; nothing was undone") from None
    journal.mark_undone(entry.id)
    return entry
