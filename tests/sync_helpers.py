"""Helpers for tests of the library, the worker and the watcher: settle, then compare."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from iiv.library import Library
from iiv.vault import load, scan
from iiv.worker import Worker


def wait_until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Poll `condition` until it holds; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")


def found(library: Library, query: str) -> set[str]:
    return {hit.path for hit in library.search(query, limit=200).hits}


def consistent(library: Library) -> bool:
    """The library's catalog and index hold exactly what a fresh read of the vault gives."""
    files, _ = scan(library.root, library.config)
    expected = {p: (s.size, s.mtime_ns) for p, s in files.items()}
    if library.index.indexed() != expected:
        return False
    fresh = load(library.root)
    snapshot = library.snapshot()
    return {p: _comparable(n) for p, n in snapshot.notes.items()} == {
        p: _comparable(n) for p, n in fresh.notes.items()
    }


def _comparable(note: object) -> object:
    from dataclasses import replace

    return replace(note, body="")  # type: ignore[type-var]


def assert_consistent(worker: Worker, timeout: float = 15.0) -> None:
    """Wait until the worker applied every change it saw, and the library is consistent."""
    wait_until(
        lambda: worker.pending == 0 and consistent(worker.library),
        timeout,
        "the index to equal a fresh read of the vault",
    )


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
