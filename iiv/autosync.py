"""Syncing with git while `iiv serve` runs: `--sync 10m`, and the dashboard's Sync now.

One thread runs `iiv sync` (`iiv/gitsync.py`) when the vault has been quiet for a moment (no
change seen by the watcher for `quiet` seconds), at most once every `every` seconds, whenever
Sync now asks, and once more when the server stops. What a pull changes in the vault, the
watcher applies like any other change.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from iiv.cache import sync_state
from iiv.errors import IivError
from iiv.gitsync import Busy, SyncOptions, machine_name, sync_vault
from iiv.library import Activity, Library
from iiv.sync import SyncReport, SyncState

log = logging.getLogger(__name__)
QUIET = 5.0  # seconds without a change before a scheduled sync starts
POLL = 0.5  # seconds between looks at the vault's quiet
STOP_NETWORK_TIMEOUT = 20.0  # seconds for the fetch and push of the sync on stop


@dataclass(frozen=True)
class SyncSettings:
    every: float | None = None  # seconds between scheduled syncs; None: only when asked
    quiet: float = QUIET
    machine: str = ""
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass(frozen=True)
class SyncView:
    """What the dashboard shows of syncing."""

    every: float | None
    running: bool
    state: SyncState


class AutoSync:
    def __init__(
        self,
        library: Library,
        settings: SyncSettings,
        activity: Callable[[], Activity] = Activity,  # the worker's: changes not yet applied
    ) -> None:
        self.library = library
        self.settings = settings
        self.activity = activity
        self.machine = settings.machine or machine_name(settings.env)
        self._wake = threading.Condition()
        self._requested = 0  # Sync now presses not yet served
        self._done = 0  # syncs finished (or failed)
        self._running = False
        self._stopping = False
        self._last_try = 0.0
        self._thread: threading.Thread | None = None

    @property
    def state_folder(self) -> Path:
        return self.library.folder

    def start(self) -> None:
        with self._wake:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="iiv-sync", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        """Stop the thread (a sync under way finishes first); with --sync, sync once more."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=300)
        if self.settings.every is not None:
            self._sync(network_timeout=STOP_NETWORK_TIMEOUT)

    def request(self) -> int:
        """Ask for a sync now; returns a ticket for `wait`."""
        self.start()
        with self._wake:
            self._requested += 1
            self._wake.notify_all()
            return self._done + 1 + (1 if self._running else 0)

    def wait(self, ticket: int, timeout: float) -> bool:
        """Wait until the sync that `request` returned `ticket` for has finished."""
        with self._wake:
            return self._wake.wait_for(lambda: self._done >= ticket, timeout=timeout)

    def view(self) -> SyncView:
        with self._wake:
            running = self._running
        return SyncView(self.settings.every, running, sync_state(self.state_folder))

    def _run(self) -> None:
        changed_at, generation = time.monotonic(), self.library.generation
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._stopping or self._requested > 0, timeout=POLL)
                if self._stopping:
                    return
                asked = self._requested > 0
                self._requested = 0
            if self.library.generation != generation or self.activity().pending:
                changed_at, generation = time.monotonic(), self.library.generation
            if asked or self._due(changed_at):
                self._sync()

    def _due(self, changed_at: float) -> bool:
        every = self.settings.every
        now = time.monotonic()
        quiet = now - changed_at >= self.settings.quiet
        return every is not None and quiet and now - self._last_try >= every

    def _sync(self, network_timeout: float | None = None) -> SyncReport | None:
        with self._wake:
            self._running = True
        self._last_try = time.monotonic()
        options = SyncOptions(
            vault=self.library.root,
            state=self.state_folder,
            machine=self.machine,
            env=self.settings.env,
            lock_wait=0.0,
            network_timeout=network_timeout,
        )
        try:
            report = sync_vault(options)
            for warning in report.warnings:
                log.warning("sync: %s", warning)
            return report
        except Busy:
            return None  # another iiv sync of this vault is at it
        except IivError as error:
            log.warning("sync: %s", error)
            return None
        except Exception:  # the server survives; the state file says it failed
            log.exception("sync failed")
            return None
        finally:
            with self._wake:
                self._running = False
                self._done += 1
                self._wake.notify_all()


def parse_every(text: str) -> float:
    """`10m`, `30s`, `1h` or a number of minutes, as seconds (at least 10 s)."""
    units = {"s": 1, "m": 60, "h": 3600}
    value = text.strip().lower()
    unit = units.get(value[-1:])
    number = value[:-1] if unit else value
    try:
        seconds = float(number) * (unit or 60)
    except ValueError:
        raise IivError(f"--sync: expected a period like 10m, 30s or 1h, got {text!r}") from None
    if not 10 <= seconds <= 7 * 86400:
        raise IivError(f"--sync: {text} is out of range (10s to 7 days)")
    return seconds


__all__ = ["AutoSync", "SyncSettings", "SyncView", "parse_every"]
