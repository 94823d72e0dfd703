"""The library: a vault kept in sync with its catalog and full-text index, outside the vault.

It plans each sync: which files changed since the catalog last saw them (a diff of path, size
and mtime), which to read, what to tell the note store (`iiv.store`, which holds the notes and
publishes the snapshots readers get) and the full-text index (`iiv.index`). One thread writes
(`sync`, `rebuild`, `compact`), holding the index's writer lock across processes when opened
with `open_for_writing`; any number read (`snapshot`, `search`, `due`, `state`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO

from iiv.cache import index_folder as index_folder  # where it was first defined
from iiv.cache import locked, private
from iiv.catalog import Catalog
from iiv.config import Config, engine_problem
from iiv.followups import FollowUp
from iiv.note import Note
from iiv.problem import Problem
from iiv.search import (
    DEFAULT_ENGINE,
    INDEX_VERSION,
    EngineUnavailable,
    SearchEngine,
    SearchResult,
    open_engine,
    warm_up,
)
from iiv.snapshot import Vault
from iiv.store import NoteStore, collector_paused
from iiv.vault import (
    FileStat,
    is_ignored,
    load_config,
    read_existing,
    scan,
    template_problems,
    vault_root,
    walk_reads,
)

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


@dataclass(frozen=True)
class LibraryState:
    """What `/api/status` tells of a library (`iiv.shapes.status`)."""

    notes: int
    indexed: int  # notes in the full-text index
    problems: int
    last_sync: datetime | None
    index_version: int
    generation: int  # how many snapshots were published: it moves when anything changed


@dataclass(frozen=True)
class Activity:
    """What the thread writing a library reports of itself (the worker of `iiv serve`)."""

    pending: int = 0  # changes seen and not yet applied
    watching: bool = False


class WriterLock:
    """One writer per index across processes: an advisory lock the OS frees if iiv dies."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "writer.lock"
        self._handle: IO[str] | None = None

    def acquire(self, timeout: float = 0.0) -> bool:
        self._handle = locked(self.path, timeout)
        return self._handle is not None

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class Library:
    def __init__(
        self,
        root: Path,
        config: Config,
        problems: list[Problem],
        folder: Path,
        lock: WriterLock | None = None,
    ) -> None:
        self.root, self.config, self.folder = root, config, folder
        self._writer_lock = lock  # held until `close`
        self._config_problems = problems
        self._walk_problems: list[Problem] = []
        self.catalog = Catalog(folder / "catalog.sqlite")
        self.store = NoteStore(root, config, self.catalog, tuple(problems))
        self.index = _open_index(folder, config.search_engine)
        private(folder)  # the catalog and the index just made: the owner's only
        self._write = threading.Lock()
        self.last_sync: datetime | None = None
        self._indexed = 0 if self.index.needs_rebuild else self.index.count()
        # The index holds exactly the catalog's notes: a start need not read its list of notes.
        self._consistent = not self.index.needs_rebuild and (
            self.catalog.index_stamp() == self.index.stamp()
        )
        # The settings that change how a note reads (its kind): when they differ from those
        # the catalog's notes were read with, the first sync reads every note again.
        self._reading = repr(config.kinds)
        self._reread = self.catalog.setting("reading") not in (None, self._reading)

    @classmethod
    def open(
        cls,
        vault_path: str | Path,
        index_dir: str | Path | None = None,
        engine: str | None = None,
    ) -> Library:
        """The library of a vault, to read, or to write in this process alone; `engine` (the
        `--engine` option, or `IIV_ENGINE`) overrides the vault's `search_engine`."""
        root = vault_root(vault_path)
        config, problems = load_config(root)
        config = _with_engine(config, engine)
        return cls(root, config, problems, index_folder(root, index_dir), None)

    @classmethod
    def open_for_writing(
        cls,
        vault_path: str | Path,
        index_dir: str | Path | None = None,
        wait: float = 0.0,
        waiting: Callable[[], None] | None = None,
        engine: str | None = None,
    ) -> Library | None:
        """The library with its index's writer lock held until `close`, or None when another
        iiv holds the lock for longer than `wait` seconds (`waiting` is called if it must wait).

        The lock is taken first: a library opened before it may describe an index since
        replaced by the other writer.
        """
        root = vault_root(vault_path)
        folder = index_folder(root, index_dir)
        lock = WriterLock(folder)
        if not lock.acquire(timeout=0):
            if wait <= 0:
                return None
            if waiting:
                waiting()
            if not lock.acquire(timeout=wait):
                return None
        try:
            config, problems = load_config(root)
            return cls(root, _with_engine(config, engine), problems, folder, lock)
        except BaseException:
            lock.release()
            raise

    @property
    def writing(self) -> bool:
        """Whether this library holds its index's writer lock."""
        return self._writer_lock is not None

    def stop(self) -> None:
        """Make a rebuild running in another thread give up soon (raising Stopped)."""
        self.index.stop()

    def close(self) -> None:
        self.index.close()
        self.catalog.close()
        if self._writer_lock is not None:
            self._writer_lock.release()

    # Reading: safe from any thread.

    def snapshot(self) -> Vault:
        return self.store.snapshot()

    @property
    def indexed(self) -> int:
        """How many notes the full-text index holds."""
        return self._indexed

    def search(self, query: str, limit: int = 20, page: int = 1) -> SearchResult:
        return self.index.search(query, limit=limit, page=page)

    def warm_up(self) -> bool:
        """Ready the full-text search for its first user (`iiv.search.warm_up`); False when
        its searches failed (no index yet, or a damaged one: the next search shows it)."""
        try:
            warm_up(self.index)
        except Exception as error:  # a damaged index: the worker's reconcile deals with it
            log.debug("warming up the search failed: %s", error)
            return False
        return True

    def due(self, today: date, within: int) -> list[FollowUp]:
        return self.store.due(today, within)

    @property
    def generation(self) -> int:
        """How many snapshots were published: it moves whenever anything changed."""
        return self.store.generation

    def state(self) -> LibraryState:
        snapshot = self.snapshot()
        return LibraryState(
            notes=len(snapshot.notes),
            indexed=self._indexed,
            problems=len(snapshot.problems),
            last_sync=self.last_sync,
            index_version=INDEX_VERSION,
            generation=self.generation,
        )

    # Writing: one thread at a time.

    def compact(self, most: int | None = None) -> bool:
        """Tidy the full-text index (see `SearchEngine.compact`); True if it did."""
        with self._write:
            return not self.index.needs_rebuild and self.index.compact(most)

    def sync(
        self, paths: Iterable[str] | None = None, progress: Progress | None = None
    ) -> SyncStats:
        """Bring catalog and index up to date: everything (None) or the given vault paths."""
        with self._write:
            return self._sync(paths, progress, rebuild=False)

    def rebuild(self, progress: Progress | None = None) -> SyncStats:
        """Start over: forget the catalog and the index, and read every note again."""
        with self._write:
            self.store.clear()
            return self._sync(None, progress, rebuild=True)

    def _sync(
        self, paths: Iterable[str] | None, progress: Progress | None, rebuild: bool
    ) -> SyncStats:
        if self._reread:
            log.info("the settings that say which notes are people and interviews changed")
            self.store.clear()
        rebuild = rebuild or self.index.needs_rebuild or self._reread
        if paths is None or rebuild:
            if self.last_sync is None:
                self.index.tidy()
            walk_problems = self._walk_problems
            current, walked = scan(self.root, self.config)
            self._walk_problems = walked + template_problems(self.root, self.config)
            known = dict(self.store.stats)
            if rebuild:
                stats = self._rebuild(current, known, progress)
            else:
                stats = self._apply(current, known, self._index_stats(), progress)
            if self._walk_problems != walk_problems:
                self._publish()
        else:
            current, known = self._stat_paths(paths)
            stats = self._apply(current, known, None, progress)
        if self._reread or self.last_sync is None:
            self.catalog.remember("reading", self._reading)
            self._reread = False
        self.last_sync = datetime.now(timezone.utc)
        return stats

    def _rebuild(
        self, current: dict[str, FileStat], known: dict[str, FileStat], progress: Progress | None
    ) -> SyncStats:
        """Read every note and build a new index; the due list is served as soon as all are read.

        On a big vault, worker processes read, parse and index (see
        `SearchEngine.rebuild_from_files`).
        """
        files = [current[path] for path in sorted(current)]
        stats = SyncStats()
        later: list[Callable[[], None]] = []  # writing the catalog: while the index is built

        def arrived(notes: dict[str, Note | None]) -> None:
            nonlocal stats
            stats, _, _ = self._take(current, known, notes, later=later)

        log.info("building the full-text index (%s)", self.index.reason or "new index")
        counted = (lambda done: progress(done, len(files))) if progress else None
        self._consistent = False
        with collector_paused():
            try:
                self._indexed = self.index.rebuild_from_files(
                    self.root, files, arrived, counted, self.config.kinds
                )
            finally:  # the catalog holds what the snapshot holds, even if the build failed
                for work in later:
                    work()
            self._caught_up()
            self._publish()
        return stats

    def _index_stats(self) -> dict[str, tuple[int, int]]:
        """Path → (size, mtime_ns) of every note in the index, from the catalog when they agree."""
        if self._consistent:
            return {path: (stat.size, stat.mtime_ns) for path, stat in self.store.stats.items()}
        return self.index.indexed()

    def _caught_up(self) -> None:
        """The index now holds exactly the catalog's notes: stamp it."""
        stamp = self.index.stamp()
        if self.catalog.index_stamp() != stamp:
            self.catalog.mark_indexed(stamp)
        self._consistent = True

    def _stat_paths(self, paths: Iterable[str]) -> tuple[dict[str, FileStat], dict[str, FileStat]]:
        """The current stats and the known stats of the given paths and of folders among them."""
        current: dict[str, FileStat] = {}
        known: dict[str, FileStat] = {}
        folders: list[str] = []  # paths that are or may have been folders
        for rel in {path.strip("/") for path in paths}:
            target = self.root / rel
            if target.is_dir() and not target.is_symlink():
                current.update(self._scan_folder(rel))
                folders.append(rel + "/")
            elif walk_reads(self.root, rel, self.config):
                stat = _stat(target, rel)
                if stat:
                    current[rel] = stat
            if rel in self.store.stats:
                known[rel] = self.store.stats[rel]
            elif rel not in current:
                folders.append(rel + "/")
        if folders:
            prefixes = tuple(folders)
            known.update({p: s for p, s in self.store.stats.items() if p.startswith(prefixes)})
        return current, known

    def _scan_folder(self, rel: str) -> dict[str, FileStat]:
        folder = self.root / rel
        if os.path.realpath(folder) != str(folder):
            return {}  # inside a symlinked folder, which the walk never enters
        found, _ = scan(self.root, self.config, under=rel)
        return {path: stat for path, stat in found.items() if not is_ignored(path, self.config)}

    def _apply(
        self,
        current: dict[str, FileStat],
        known: dict[str, FileStat],
        indexed: dict[str, tuple[int, int]] | None,
        progress: Progress | None,
    ) -> SyncStats:
        changed = {p for p, s in current.items() if known.get(p) != s}
        if indexed is not None:
            stale = {p for p, s in current.items() if indexed.get(p) != (s.size, s.mtime_ns)}
        else:
            stale = changed
        notes = self._read(changed | stale, progress)
        consistent, self._consistent = self._consistent or indexed is not None, False
        stats, removed, fresh = self._take(current, known, notes, publish=False)
        updated = self._update_index(fresh, sorted(stale), removed, indexed)
        if consistent and (updated or stats.changed or indexed is not None):
            self._caught_up()
        self._consistent = consistent
        if updated or stats.changed:
            self._publish()
        return stats

    def _take(
        self,
        current: dict[str, FileStat],
        known: dict[str, FileStat],
        notes: dict[str, Note | None],
        publish: bool = True,
        later: list[Callable[[], None]] | None = None,
    ) -> tuple[SyncStats, list[str], dict[str, tuple[FileStat, Note]]]:
        """Put freshly read notes in the snapshot, then in the catalog (bodies left out of both).

        With `later`, writing the catalog is added to it instead: a cold start serves the due
        list first, and the server's CPU is then wanted for it. Returns the counts, the removed
        paths, and the notes read (with their bodies).
        """
        changed = sorted(p for p, s in current.items() if known.get(p) != s)
        removed = [p for p in known if p not in current]
        removed += [p for p, note in notes.items() if note is None and p in known]
        fresh = {p: (current[p], n) for p, n in notes.items() if n is not None}
        kept = [(fresh[p][0], fresh[p][1].without_body()) for p in changed if p in fresh]
        self.store.remember(kept, removed)
        if publish:
            self._publish()  # before the catalog: serving the change comes first
        if later is None:
            self.store.save(kept, removed)
        else:
            later.append(lambda: self.store.save(kept, removed))
        added = sum(1 for p in changed if p not in known and p in fresh)
        modified = sum(1 for p in changed if p in known and p in fresh)
        return SyncStats(added, modified, len(removed)), removed, fresh

    def _read(self, paths: set[str], progress: Progress | None) -> dict[str, Note | None]:
        notes: dict[str, Note | None] = {}
        for count, path in enumerate(sorted(paths), 1):
            notes[path] = read_existing(self.root, path, self.config.kinds)
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
    ) -> bool:
        """Apply the changes to the full-text index; True if there were any."""
        stale = [p for p in (indexed or {}) if p not in self.store.stats]
        pairs = [(fresh[p][1], fresh[p][0]) for p in to_index if p in fresh]
        if not (pairs or removed or stale):
            return False
        self.index.update(pairs, sorted(set(removed) | set(stale)))
        self._indexed = self.index.count()
        return True

    def _publish(self) -> None:
        self.store.publish(tuple(self._config_problems + self._walk_problems))


def _stat(path: Path, rel: str) -> FileStat | None:
    try:
        info = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    return FileStat(rel, info.st_size, info.st_mtime_ns)


def _with_engine(config: Config, engine: str | None) -> Config:
    """The settings with the engine asked for by the command (`--engine`, `IIV_ENGINE`), if
    it can be used here; else the vault's `search_engine` (a problem of iiv.yaml when it
    cannot be used either, see `iiv.config`), and a warning."""
    if engine is None or engine == config.search_engine:
        return config
    problem = engine_problem(engine)
    if problem:
        log.warning("--engine %s: %s; searching with %s", engine, problem, config.search_engine)
        return config
    return replace(config, search_engine=engine)


def _open_index(folder: Path, engine: str) -> SearchEngine:
    """The index of the engine `engine`, or of Whoosh if that engine's library is installed
    but cannot be imported."""
    try:
        return open_engine(folder, engine)
    except EngineUnavailable as error:
        log.warning("%s; searching with %s", error, DEFAULT_ENGINE)
        return open_engine(folder, DEFAULT_ENGINE)
