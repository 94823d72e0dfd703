"""An engine's folder on disk, whatever the engine: what wrote it, and replacing it whole.

`iiv-index.json` records the index format version and the engine that wrote the folder; a
rebuild writes a fresh folder beside the old one (`.new`) and swaps it in by renames, so a crash
leaves the old index, the new one, or none, never half of one.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from contextlib import suppress
from pathlib import Path

from iiv.errors import IivError

INDEX_VERSION = 5  # of the documents and their analysis, whatever the engine
RECORD = "iiv-index.json"
log = logging.getLogger(__name__)


def write_record(folder: Path, engine: str) -> None:
    record = {"version": INDEX_VERSION, "engine": engine}
    (folder / RECORD).write_text(json.dumps(record), encoding="utf-8")


def record_problem(folder: Path, engine: str) -> str | None:
    """Why the folder cannot be used as `engine`'s index as it is, or None."""
    if not folder.is_dir():
        return "no index yet"
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        version = record["version"]
    except FileNotFoundError:
        return "no index yet" if not any(folder.iterdir()) else f"index unreadable (no {RECORD})"
    except (OSError, ValueError, TypeError, KeyError) as error:
        return f"index unreadable ({RECORD} is damaged: {describe(error)})"
    if not isinstance(version, int):
        return f"index unreadable ({RECORD} is damaged: no version number)"
    if version != INDEX_VERSION:
        return f"index format changed (version {version} → {INDEX_VERSION})"
    written_by = record.get("engine")
    if written_by != engine:
        return f"index written by another engine ({written_by}, not {engine})"
    return None


def beside(folder: Path) -> tuple[Path, Path]:
    """The folders a rebuild writes (`.new`) and moves the replaced index to (`.old`)."""
    fresh, old = (folder.with_name(folder.name + end) for end in (".new", ".old"))
    return fresh, old


def swap_in(fresh: Path, folder: Path, old: Path) -> None:
    """Rename the old folder away and the new one in, then delete the old one.

    A crash at any point leaves the old index, the new one, or none (which means a rebuild).
    """
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    fresh.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def check_replaceable(folder: Path, own_files: re.Pattern[str]) -> None:
    """Refuse to delete a folder holding anything but the engine's files and the record (a
    mistaken index path)."""
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_dir() and not folder.is_symlink():
        strangers = [
            p.name for p in folder.iterdir() if p.name != RECORD and not own_files.fullmatch(p.name)
        ]
        if not strangers:
            return
    raise IivError(
        f"{folder} is not an iiv index (it holds other files): not replacing it; "
        "point the index at an empty or new folder"
    )


def remove_leftovers(folder: Path, own_files: re.Pattern[str]) -> None:
    """Delete what a rebuild killed midway left beside `folder` (its `.new` or `.old` folder),
    when it holds only the engine's files. Only for the one writer: another could be building
    `.new` right now."""
    for leftover in beside(folder):
        with suppress(IivError):
            check_replaceable(leftover, own_files)
            if leftover.is_dir():
                log.info("deleting %s, left by a rebuild that did not finish", leftover)
                shutil.rmtree(leftover, ignore_errors=True)


def unreadable(error: BaseException) -> str:
    """Why an index's files could not be read, in a few words: a missing file, the system's
    own words, or the error itself."""
    if isinstance(error, FileNotFoundError) and error.filename:
        return f"{Path(str(error.filename)).name} is missing"
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else str(error.strerror)
    return f"damaged files: {describe(error)}"


def describe(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
