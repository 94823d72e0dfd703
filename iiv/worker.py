"""The worker: the one thread that writes the catalog and the index while `iiv serve` runs.

It applies what the watcher recorded in coalesced batches, and reconciles the whole vault at
start, periodically and after any alarm, so that the index converges even when events are lost.
Once changes stop for a moment, and every few seconds while they go on, it tidies the index
(merging what saves left behind, and purging replaced notes), so that a save itself only ever
writes a tiny segment and searches stay as fast as before.
"""

from __future__ import annotations

import logging
import threading
import time

from iiv.errors import Stopped
from iiv.library import Activity, Library
from iiv.watch import Watcher

log = logging.getLogger(__name__)
BUSY_TIDY = 1000  # documents a tidy rewrites at most while changes go on (about half a second)


class Worker:
    def __init__(
        self,
        library: Library,
        watch: bool = True,
        reconcile_every: float = 60.0,
        debounce: float = 0.05,
        max_delay: float = 0.3,
        tidy_after: float = 2.0,
        tidy_every: float = 10.0,
    ) -> None:
        self.library = library
        self.reconcile_every = reconcile_every
        self.debounce, self.max_delay = debounce, max_delay
        self.tidy_after = tidy_after  # seconds without changes before tidying the index
        self.tidy_every = tidy_every  # seconds between tidies while changes keep coming
        self._untidy = False  # changes were applied since the last tidy
        self._untidy_since = 0.0  # when the first of them was
        self.watcher = Watcher(library.root, self.record, self.alarm) if watch else None
        self._paths: set[str] = set()
        self._pending = 0  # changes seen and not yet applied; a full sync counts one
        self._watching = False
        self._streaming = False  # saves come faster than they are applied: batch them
        self._full = True  # the first job: a full sync
        self._rebuild = False  # the next full sync starts the index over (`iiv index --rebuild`)
        self._wake = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="iiv-worker", daemon=True)
        self.ready = threading.Event()  # set after the first full sync

    def start(self) -> None:
        if self.watcher:
            self.watcher.start()
            self._watching = True
        self._thread.start()

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        self.library.stop()  # a first full build can take a minute: give it up
        if self.watcher:
            self.watcher.stop()
        self._watching = False
        self._thread.join(timeout=30)

    @property
    def pending(self) -> int:
        """How many changes were seen and not yet applied: 0 once every one is."""
        return self._pending

    def activity(self) -> Activity:
        return Activity(pending=self._pending, watching=self._watching)

    def record(self, path: str) -> None:
        with self._wake:
            self._paths.add(path)
            self._pending = len(self._paths)
            self._wake.notify_all()

    def rebuild(self) -> None:
        """Read every note again and build a new index, as `iiv index --rebuild` asks (only
        this thread may write the index while the server runs). Called from the server's
        signal handler: it only sets flags and wakes this thread."""
        self._rebuild = self._full = True
        with self._wake:
            self._wake.notify_all()

    def alarm(self, reason: str) -> None:
        log.warning("%s: reconciling the whole vault", reason)
        with self._wake:
            self._full = True
            self._wake.notify_all()

    def _run(self) -> None:
        last_full = 0.0
        # Before the first sync, whose end a client may take for the moment to search: from a
        # warm start the index is there already. Else again once the first sync built it.
        warmed = self.library.warm_up()
        while True:
            batch, full = self._next_batch(last_full)
            if batch is None:
                return
            first = False
            try:
                if full and self._rebuild:
                    self._rebuild = False
                    log.info("rebuilding the index, as iiv index --rebuild asked")
                    self._applied(self.library.rebuild().changed > 0)
                    last_full = time.monotonic()
                elif full:
                    self._check_watcher()
                    self._applied(self.library.sync().changed > 0)
                    last_full = time.monotonic()
                    first = not self.ready.is_set()
                elif batch:
                    self.library.sync(batch)
                    self._applied(True)
                    # One save arriving meanwhile is no stream: it may answer this batch,
                    # whose saves are searchable before it ends.
                    with self._wake:
                        self._streaming = len(batch) > 1 or len(self._paths) > 1
                else:
                    self._untidy = False
                    with self._wake:
                        busy = bool(self._paths)  # changes go on: keep it short
                    self.library.compact(BUSY_TIDY if busy else None)
            except Stopped:
                return
            except Exception:  # the worker survives; a full reconcile repairs
                log.exception("sync failed; the whole vault will be reconciled")
                with self._wake:
                    self._full = True
                time.sleep(1.0)
            finally:
                with self._wake:
                    self._pending = len(self._paths)
            if first:  # ready once `pending` no longer counts the first sync
                self.ready.set()
                warmed = warmed or self.library.warm_up()

    def _applied(self, changed: bool) -> None:
        if changed and not self._untidy:
            self._untidy, self._untidy_since = True, time.monotonic()

    def _next_batch(self, last_full: float) -> tuple[set[str] | None, bool]:
        """Wait for work; coalesce a burst of paths into one batch.

        An empty batch means time to tidy: nothing changed for `tidy_after` seconds, or changes
        have gone on for `tidy_every` seconds.
        """
        with self._wake:
            while not (self._paths or self._full or self._stopping):
                remaining = last_full + self.reconcile_every - time.monotonic()
                if remaining <= 0:
                    self._full = True
                    break
                if self._untidy and not self._wake.wait(timeout=min(remaining, self.tidy_after)):
                    return set(), False
                if not self._untidy:
                    self._wake.wait(timeout=remaining)
            if self._stopping:
                return None, False
            if self._untidy and time.monotonic() - self._untidy_since >= self.tidy_every:
                return set(), False
            if not self._full:
                self._settle()
            batch, full = self._paths, self._full
            self._paths, self._full = set(), False
            self._pending = len(batch) + (1 if full else 0)
            return batch, full

    def _settle(self) -> None:
        """Wait until no new path arrives for `debounce` seconds, at most `max_delay` in all.

        While saves stream in (the last batch held several, or several came while it was
        applied), wait the whole `max_delay`: fewer, bigger commits leave the server's time to
        the readers, and each save is still searchable within a second.
        """
        deadline = time.monotonic() + self.max_delay
        while not self._stopping:
            seen = len(self._paths)
            self._wake.wait(timeout=min(self.debounce, max(0.0, deadline - time.monotonic())))
            if time.monotonic() >= deadline or (len(self._paths) == seen and not self._streaming):
                return

    def _check_watcher(self) -> None:
        if self.watcher and not self.watcher.alive:
            log.warning("the file watcher stopped: restarting it")
            self.watcher.restart()
