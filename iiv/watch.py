"""Watching the vault with watchdog: the one module that imports it.

Callbacks only record vault-relative paths; the worker decides what to do with them. Trouble
that may have lost events (a queue overflow, an observer that died) raises an alarm, after
which the worker reconciles the whole vault. watchdog reports an overflow with an
`EventsLostEvent`; before it had one (watchdog 7.1), only its log said so.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import watchdog.events
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

log = logging.getLogger(__name__)
EventsLost: type[FileSystemEvent] | None = getattr(watchdog.events, "EventsLostEvent", None)
OVERFLOW = "the event queue overflowed"
# Opening, reading and attribute changes never change a note; a folder's own "modified"
# event repeats what its files' events say. Filtering them cuts a git checkout's storm to a third.
EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileClosedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    *([EventsLost] if EventsLost else []),  # a watch gets it only if its filter lists it
]


class _Recorder(FileSystemEventHandler):
    def __init__(
        self, root: Path, record: Callable[[str], None], alarm: Callable[[str], None]
    ) -> None:
        self.root = str(root)
        self.record, self.alarm = record, alarm

    def on_events_lost(self, event: FileSystemEvent) -> None:
        self.alarm(OVERFLOW)

    def on_any_event(self, event: FileSystemEvent) -> None:
        if EventsLost and isinstance(event, EventsLost):
            return  # its path is the watched folder's, not a changed one: see on_events_lost
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            rel = self._relative(raw)
            if rel is not None:
                self.record(rel)

    def _relative(self, raw: str | bytes) -> str | None:
        path = raw.decode() if isinstance(raw, bytes) else raw
        if not path or not path.startswith(self.root + "/"):
            return None
        rel = path[len(self.root) + 1 :]
        # Dot-folders (.git above all) are never notes: drop their events at once.
        if any(part.startswith(".") for part in PurePosixPath(rel).parts):
            return None
        return rel


class _AlarmOnOverflow(logging.Handler):
    """Before watchdog had `EventsLostEvent`, its inotify observer only logged an overflow."""

    def __init__(self, alarm: Callable[[str], None]) -> None:
        super().__init__(logging.WARNING)
        self.alarm = alarm

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.alarm(OVERFLOW)


class Watcher:
    def __init__(
        self, root: Path, record: Callable[[str], None], alarm: Callable[[str], None]
    ) -> None:
        self.root, self.record, self.alarm = root, record, alarm
        self.mode = "off"
        self._observer: BaseObserver | None = None
        self._overflow = None if EventsLost else _AlarmOnOverflow(alarm)

    def start(self) -> None:
        if self._overflow:
            logging.getLogger("watchdog.observers").addHandler(self._overflow)
        try:
            self._observer = self._start(Observer())
            self.mode = "native"
        except OSError as error:
            if error.errno not in (errno.ENOSPC, errno.EMFILE, errno.ENOMEM):
                raise
            log.warning("the system's file-watch limit is reached: watching by polling instead")
            self._observer = self._start(PollingObserver(timeout=1.0))
            self.mode = "polling"

    def _start(self, observer: BaseObserver) -> BaseObserver:
        handler = _Recorder(self.root, self.record, self.alarm)
        observer.schedule(handler, str(self.root), recursive=True, event_filter=EVENTS)
        observer.daemon = True
        observer.start()
        return observer

    @property
    def alive(self) -> bool:
        return self._observer is not None and self._observer.is_alive()

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        if self._overflow:
            logging.getLogger("watchdog.observers").removeHandler(self._overflow)
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None
        self.mode = "off"
