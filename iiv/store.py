"""The notes a library holds, and the snapshots its readers get.

The catalog (SQLite, beside the index) keeps each note file's stat and parsed note, bodies left
out. The store holds them in memory, loaded from the catalog when first needed, and publishes
them as immutable `Vault` snapshots, so that a page never sees half a batch. The library's one
writing thread calls `remember`, `save`, `publish` and `clear`; any thread reads `snapshot` and
`due`.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from iiv.catalog import Catalog
from iiv.config import Config
from iiv.followups import DueList, FollowUp, due_list, due_within
from iiv.note import Note
from iiv.problem import Problem
from iiv.snapshot import Vault
from iiv.vault import FileStat

Entry = tuple[FileStat, Note]  # a note file as the catalog knows it, and its note (no body)


class NoteStore:
    def __init__(
        self, root: Path, config: Config, catalog: Catalog, problems: tuple[Problem, ...]
    ) -> None:
        self.root, self.config, self.catalog = root, config, catalog
        self.generation = 0  # how many snapshots were published
        self._problems = problems  # beside the notes' own: the config's and the walk's
        self._due: DueList | None = None  # of the last snapshot asked for, and its day
        self._reorder, self._touched = True, dict[str, Note]()
        # What the catalog knows of each note file; its notes are loaded when first needed, so
        # that a start where nothing changed (`iiv index`) unpickles none.
        self.stats: dict[str, FileStat] = catalog.stats()
        self._loaded: dict[str, Entry] | None = None
        self._snapshot: Vault | None = None
        self._lock = threading.RLock()  # guards the three above against lazy loading

    # Reading: safe from any thread.

    def snapshot(self) -> Vault:
        snapshot = self._snapshot
        if snapshot is None:  # the first one
            with self._lock:
                if self._snapshot is None:
                    self._snapshot = self._make_snapshot()
                snapshot = self._snapshot
        return snapshot

    def due(self, today: date, within: int) -> list[FollowUp]:
        """The due list, kept for one snapshot and one day; for the next snapshot, made again
        only for the notes that changed (see `followups.due_list`)."""
        snapshot = self.snapshot()
        known = self._due
        if known is None or known.vault is not snapshot or known.today != today:
            known = self._due = due_list(snapshot, today, previous=known)
        return due_within(known.items, today, within)

    # Writing: the library's writing thread only.

    def clear(self) -> None:
        """Forget every note, in memory and in the catalog."""
        self.catalog.clear()
        with self._lock:
            self._loaded, self.stats, self._reorder = {}, {}, True

    def remember(self, kept: list[Entry], removed: list[str]) -> None:
        """Update the entries; the next snapshot copies the last one when no path came or went."""
        if not (kept or removed):
            return
        with self._lock:
            entries = self._entries()
            for path in removed:
                self.stats.pop(path, None)
                self._reorder |= entries.pop(path, None) is not None
            for stat, note in kept:
                self._reorder |= stat.path not in entries
                entries[stat.path] = (stat, note)
                self.stats[stat.path] = stat
                self._touched[stat.path] = note

    def save(self, kept: list[Entry], removed: list[str]) -> None:
        """Write what `remember` took to the catalog."""
        self.catalog.apply(kept, removed)

    def publish(self, problems: tuple[Problem, ...] | None = None) -> None:
        """Make the entries, and `problems` if given, the snapshot readers get."""
        with self._lock:
            if problems is not None:
                self._problems = problems
            self._snapshot = self._make_snapshot()
            self.generation += 1

    def _entries(self) -> dict[str, Entry]:
        """Every note's stat and note (bodies left out), loaded from the catalog when first
        needed. A row that cannot be read is forgotten, so that the next full sync reads its
        file again. The caller holds `_lock`."""
        if self._loaded is None:
            with collector_paused():
                self._loaded = self.catalog.load(self.stats)
            if len(self._loaded) != len(self.stats):  # rebound, not changed: the writer
                loaded = self._loaded  # thread may be reading the old one
                self.stats = {p: s for p, s in self.stats.items() if p in loaded}
        return self._loaded

    def _make_snapshot(self) -> Vault:
        """The next snapshot (the caller holds `_lock`)."""
        previous = self._snapshot
        touched = self._touched
        self._touched = {}
        if self._reorder or previous is None:
            self._reorder = False
            notes = {path: note for path, (_, note) in sorted(self._entries().items())}
            return Vault(self.root, self.config, notes, self._problems)
        notes = dict(previous.notes)
        notes.update(touched)
        return previous.successor(notes, touched, self._problems)


@contextmanager
def collector_paused() -> Iterator[None]:
    """While thousands of notes arrive at once: the cyclic garbage collector would scan them
    again and again as they pile up (a third of the time to load them), and they hold no
    cycles. It is on again afterwards, as it was; whether to exempt the notes from its scans
    for good (`gc.freeze`) is for the process to choose (`iiv serve` does)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
