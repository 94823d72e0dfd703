"""The library: a vault kept in sync with its catalog and full-text index, outside the vault.

One thread writes (`sync`, `rebuild`); any number read (`snapshot`, `search`, `due`, `status`).
Readers get immutable snapshots, so a page never sees half a batch.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from iiv.catalog import Catalog
from iiv.config import Config, load_config
from iiv.errors import BadArgument
from iiv.followups import FollowUp, due_within, followups
from iiv.index import INDEX_VERSION, Index, SearchResult
from iiv.note import Note
from iiv.problem import Problem
from iiv.vault import FileStat, Vault, inside, is_ignored, read_existing, scan, vault_root

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SyncStats:
    added: int = 0
    modified: int = 0
    removed: int = 0

    @property
    def changed(self) -> int:
        return self.added + self.modified + self.removed


def index_folder(root: Path, override: str | Path | None = None) -> Path:
    """Where a vault's index lives: `--index-dir`/`IIV_INDEX_DIR`, else the user's cache folder."""
    if override:
        folder = Path(override).expanduser().resolve()
    else:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", root.name)[:40] or "vault"
        digest = hashlib.sha256(str(root).encode()).hexdigest()[:12]
        folder = cache / "iiv" / f"{slug}-{digest}"
    if folder == root or folder.is_relative_to(root):
        raise BadArgument(f"the index folder {folder} is inside the vault; choose one outside it")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class WriterLock:
    """One writer per index across processes: an advisory lock the OS frees if iiv dies."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "writer.lock"
        self._handle: Any = None

    def acquire(self, timeout: float = 0.0) -> bool:
        handle = open(self.path, "a+")  # noqa: SIM115 - held for the lock's lifetime
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._handle = handle
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    return False
                time.sleep(0.1)

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class Library:
    def __init__(self, root: Path, config: Config, problems: list[Problem], folder: Path) -> None:
        self.root, self.config, self.folder = root, config, folder
        self._config_problems = problems
        self._walk_problems: list[Problem] = []
        self.catalog = Catalog(folder / "catalog.sqlite")
        self.index = Index.open(folder / "whoosh")
        self._entries = self.catalog.load()
        self._write = threading.Lock()
        self._changed = threading.Condition()
        self.generation = 0
        self.last_sync: datetime | None = None
        self.pending = 0
        self.watching = False
        self._indexed = 0 if self.index.needs_rebuild else self.index.count()
        self._due_cache: tuple[Any, list[FollowUp]] | None = None
        self._snapshot = self._make_snapshot()

    @classmethod
    def open(cls, vault_path: str | Path, index_dir: str | Path | None = None) -> Library:
        root = vault_root(vault_path)
        config, problems = load_config(root)
        return cls(root, config, problems, index_folder(root, index_dir))

    def close(self) -> None:
        self.index.close()
        self.catalog.close()

    # Reading: safe from any thread.

    def snapshot(self) -> Vault:
        return self._snapshot

    def search(self, query: str, limit: int = 20, page: int = 1) -> SearchResult:
        return self.index.search(query, limit=limit, page=page)

    def due(self, today: date, within: int) -> list[FollowUp]:
        key = (self.generation, today)
        cached = self._due_cache
        if cached is None or cached[0] != key:
            cached = (key, followups(self._snapshot, today))
            self._due_cache = cached
        return due_within(cached[1], today, within)

    def status(self) -> dict[str, Any]:
        return {
            "notes": len(self._snapshot.notes),
            "indexed": self._indexed,
            "problems": len(self._snapshot.problems),
            "pending": self.pending,
            "last_sync": self.last_sync.isoformat(timespec="seconds") if self.last_sync else None,
            "watching": self.watching,
            "index_version": INDEX_VERSION,
            "generation": self.generation,
        }

    def wait_for_change(self, generation: int, timeout: float) -> int:
        """Block until the generation moves past `generation` or the timeout passes."""
        with self._changed:
            self._changed.wait_for(lambda: self.generation != generation, timeout=timeout)
            return self.generation

    # Writing: one thread at a time.

    def sync(self, paths: Iterable[str] | None = None, progress: Progress | None = None) -> SyncStats:
        """Bring catalog and index up to date: everything (None) or the given vault paths."""
        with self._write:
            return self._sync(paths, progress, rebuild=False)

    def rebuild(self, progress: Progress | None = None) -> SyncStats:
        """Start over: forget the catalog and the index, and read every note again."""
        with self._write:
            self.catalog.clear()
            self._entries = {}
            return self._sync(None, progress, rebuild=True)

    def _sync(self, paths: Iterable[str] | None, progress: Progress | None, rebuild: bool) -> SyncStats:
        rebuild = rebuild or self.index.needs_rebuild
        if paths is None:
            current, self._walk_problems = scan(self.root, self.config)
            known = {p: s for p, (s, _) in self._entries.items()}
            indexed = {} if rebuild else self.index.indexed()
        else:
            current, known = self._stat_paths(paths)
            indexed = None
        stats = self._apply(current, known, indexed, progress, rebuild)
        self.last_sync = datetime.now(timezone.utc)
        return stats

    def _stat_paths(self, paths: Iterable[str]) -> tuple[dict[str, FileStat], dict[str, FileStat]]:
        """The current stats and the known stats of the given paths and of folders among them."""
        current: dict[str, FileStat] = {}
        known: dict[str, FileStat] = {}
        for rel in set(paths):
            rel = rel.strip("/")
            target = self.root / rel
            if target.is_dir() and not target.is_symlink():
                found, _ = scan(target, self.config)
                current.update({f"{rel}/{p}": FileStat(f"{rel}/{p}", s.size, s.mtime_ns)
                                for p, s in found.items() if not is_ignored(f"{rel}/{p}", self.config)})
            elif not is_ignored(rel, self.config) and inside(self.root, target):
                stat = _stat(target, rel)
                if stat:
                    current[rel] = stat
            prefix = rel + "/"
            known.update({p: s for p, (s, _) in self._entries.items() if p == rel or p.startswith(prefix)})
        return current, known

    def _apply(
        self,
        current: dict[str, FileStat],
        known: dict[str, FileStat],
        indexed: dict[str, tuple[int, int]] | None,
        progress: Progress | None,
        rebuild: bool,
    ) -> SyncStats:
        changed = sorted(p for p, s in current.items() if known.get(p) != s)
        if rebuild:
            to_index = sorted(current)
        elif indexed is not None:
            to_index = sorted(p for p, s in current.items() if indexed.get(p) != (s.size, s.mtime_ns))
        else:
            to_index = changed
        removed = [p for p in known if p not in current]
        notes = self._read(set(changed) | set(to_index), progress)
        gone = [p for p in notes if notes[p] is None]
        removed += [p for p in gone if p in known]
        fresh = {p: (current[p], n) for p, n in notes.items() if n is not None}
        self.catalog.apply((fresh[p] for p in changed if p in fresh), removed)
        for path in removed:
            self._entries.pop(path, None)
        self._entries.update({p: fresh[p] for p in changed if p in fresh})
        self._publish()
        self._update_index(fresh, to_index, removed, indexed, rebuild)
        added = sum(1 for p in changed if p not in known and p in fresh)
        modified = sum(1 for p in changed if p in known and p in fresh)
        return SyncStats(added, modified, len(removed))

    def _read(self, paths: set[str], progress: Progress | None) -> dict[str, Note | None]:
        notes: dict[str, Note | None] = {}
        for count, path in enumerate(sorted(paths), 1):
            notes[path] = read_existing(self.root, path)
            if progress and count % 200 == 0:
                progress(count, len(paths))
        if progress:
            progress(len(paths), len(paths))
        return notes

    def _update_index(
        self,
        fresh: dict[str, tuple[FileStat, Note]],
        to_index: list[str],
        removed: list[str],
        indexed: dict[str, tuple[int, int]] | None,
        rebuild: bool,
    ) -> None:
        if rebuild:
            log.info("building the full-text index (%s)", self.index.reason or "new index")
            pairs = ((note, stat) for stat, note in (fresh[p] for p in sorted(fresh)))
            self._indexed = self.index.rebuild(pairs)
        else:
            stale = [p for p in (indexed or {}) if p not in self._entries]
            pairs_ = [(fresh[p][1], fresh[p][0]) for p in to_index if p in fresh]
            if pairs_ or removed or stale:
                self.index.update(pairs_, sorted(set(removed) | set(stale)))
                self._indexed = self.index.count()
        self._publish()

    def _publish(self) -> None:
        self._snapshot = self._make_snapshot()
        with self._changed:
            self.generation += 1
            self._changed.notify_all()

    def _make_snapshot(self) -> Vault:
        notes = {path: note for path, (_, note) in sorted(self._entries.items())}
        problems = tuple(self._config_problems + self._walk_problems)
        return Vault(self.root, self.config, notes, problems)


def _stat(path: Path, rel: str) -> FileStat | None:
    try:
        info = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    return FileStat(rel, info.st_size, info.st_mtime_ns)
