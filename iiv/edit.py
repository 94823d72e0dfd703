"""Writing note files: the one module that changes the user's vault.

An edit changes only the lines it must and keeps every other byte: line endings (CRLF, LF or
mixed), a BOM, the presence or absence of a trailing newline, the file's permission mode.
It is written atomically and refused when the file changed since it was read.

What changes is computed by the pure functions of `iiv.patch` (bytes in, bytes out); the
functions here take a vault root and wrap them with the read, the hash check and the atomic
write of `iiv.atomic`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path, PurePosixPath, PureWindowsPath

from iiv.atomic import (
    conflict_message,
    content_hash,
    create_exclusively,
    create_many_exclusively,
    remove_file,
    replace_if_unchanged,
    replace_many_if_unchanged,
)
from iiv.config import Config
from iiv.errors import BadArgument, EditConflict, EditRefused, IivError, NoteNotFound
from iiv.patch import (
    PropertyValue,
    with_properties,
    with_property,
    with_task_completed,
    with_task_snoozed,
)
from iiv.vault import is_ignored, note_file

NOTES_AT_ONCE = 128  # new notes written, then synced together (each holds a file open)


def read(root: Path, rel_path: str, config: Config | None = None) -> tuple[bytes, str]:
    """A note's bytes and their hash, refusing paths outside the vault or ignored."""
    data = _read_file(note_file(root, rel_path, config), rel_path)
    return data, content_hash(data)


def _read_file(path: Path, rel_path: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise EditRefused(f"{rel_path}: cannot read: {error.strerror}") from None


def complete_task(
    root: Path,
    rel_path: str,
    line: int,
    expected_hash: str,
    today: date,
    config: Config | None = None,
) -> str:
    """Complete the task on 1-based file `line`; returns the file's new hash."""
    change = partial(with_task_completed, line=line, today=today)
    return _apply(root, rel_path, expected_hash, change, f"{rel_path}:{line}", config)


def snooze_task(
    root: Path,
    rel_path: str,
    line: int,
    days: int,
    expected_hash: str,
    today: date,
    config: Config | None = None,
) -> str:
    """Move the task on `line` `days` later; returns the file's new hash."""
    change = partial(with_task_snoozed, line=line, days=days, today=today)
    return _apply(root, rel_path, expected_hash, change, f"{rel_path}:{line}", config)


def set_property(
    root: Path,
    rel_path: str,
    key: str,
    value: PropertyValue,
    expected_hash: str,
    config: Config | None = None,
) -> str:
    """Set front-matter property `key` to `value`; returns the file's new hash."""
    change = partial(with_property, key=key, value=value)
    return _apply(root, rel_path, expected_hash, change, rel_path, config)


def set_properties(
    root: Path,
    rel_path: str,
    values: dict[str, PropertyValue],
    expected_hash: str,
    config: Config | None = None,
) -> str:
    """Set several properties, one line each, in one atomic write; returns the new hash."""
    change = partial(with_properties, values=values)
    return _apply(root, rel_path, expected_hash, change, rel_path, config)


def _apply(
    root: Path,
    rel_path: str,
    expected_hash: str,
    change: Callable[[bytes], bytes],
    where: str,
    config: Config | None,
) -> str:
    return content_hash(rewrite(root, rel_path, expected_hash, change, config, where).after)


@dataclass(frozen=True)
class Rewrite:
    """A note's bytes before and after an edit (the same when there was nothing to change)."""

    path: str
    before: bytes
    after: bytes


def rewrite(
    root: Path,
    rel_path: str,
    expected_hash: str,
    change: Callable[[bytes], bytes],
    config: Config | None = None,
    where: str | None = None,
) -> Rewrite:
    """Replace the note's bytes with `change(bytes)`, atomically, if they still hash to
    `expected_hash`; a refusal from `change` is reported for `where` (default: the path)."""
    path, data = _read_checked(root, rel_path, expected_hash, config)
    new = _changed(data, change, where or rel_path)
    if new != data:
        try:
            replace_if_unchanged(path, new, expected_hash, rel_path)
        except OSError as error:
            message = f"{rel_path}: cannot write: {error.strerror}; nothing was written"
            raise EditRefused(message) from None
    return Rewrite(rel_path, data, new)


def _read_checked(
    root: Path, rel_path: str, expected_hash: str, config: Config | None
) -> tuple[Path, bytes]:
    """The note's real path (a symlinked note stays a symlink) and its bytes, if they still
    hash to `expected_hash`."""
    path = Path(os.path.realpath(note_file(root, rel_path, config)))
    data = _read_file(path, rel_path)
    if content_hash(data) != expected_hash:
        raise EditConflict(conflict_message(rel_path))
    return path, data


def _changed(data: bytes, change: Callable[[bytes], bytes], where: str) -> bytes:
    try:
        return change(data)
    except (EditRefused, NoteNotFound, BadArgument) as error:
        raise type(error)(f"{where}: {error}") from None


def set_properties_in_notes(
    root: Path,
    updates: Sequence[tuple[str, Mapping[str, PropertyValue], str]],
    config: Config | None = None,
) -> list[IivError | None]:
    """`set_properties` for many notes (path, values, expected hash): each is checked and
    written whole or not at all, as `set_properties` does, but the new bytes of all of them
    are synced together (`atomic.replace_many_if_unchanged`). For each note, None when it was
    written (or needed no change), else what stopped it. Keeps one file open per note: pass
    at most `NOTES_AT_ONCE`."""
    prepared = [
        _prepared_rewrite(root, rel, digest, partial(with_properties, values=values), config)
        for rel, values, digest in updates
    ]
    ready = [item for item in prepared if isinstance(item, tuple)]
    written = iter(replace_many_if_unchanged(ready))
    return [next(written) if isinstance(item, tuple) else item for item in prepared]


def _prepared_rewrite(
    root: Path,
    rel_path: str,
    expected_hash: str,
    change: Callable[[bytes], bytes],
    config: Config | None,
) -> tuple[Path, bytes, str, str] | IivError | None:
    """What `replace_many_if_unchanged` needs to write the change; None when the note needs
    none, or the error that stops it."""
    try:
        path, data = _read_checked(root, rel_path, expected_hash, config)
        new = _changed(data, change, rel_path)
    except IivError as error:
        return error
    return None if new == data else (path, new, expected_hash, rel_path)


def remove_note(
    root: Path, rel_path: str, expected_hash: str, config: Config | None = None
) -> None:
    """Delete a note (one iiv created, or a conflict copy resolved) if it still holds exactly
    what was read (`expected_hash`); refused if it changed meanwhile, even in the last instant."""
    path = note_file(root, rel_path, config)
    try:
        remove_file(path, expected_hash)
    except EditConflict:
        raise EditConflict(conflict_message(rel_path)) from None
    except OSError as error:
        raise EditRefused(f"{rel_path}: cannot delete: {error.strerror}") from None


def create_note(root: Path, rel_path: str, text: str | bytes, config: Config | None = None) -> Path:
    """Create a new note, with its folders, never overwriting anything; returns its path.
    Bytes are written as they are (a note put back byte for byte)."""
    rel = _new_note_path(rel_path, config or Config())
    target = root / rel
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    try:
        _check_inside(root, target.parent, rel_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        _check_inside(root, target.parent, rel_path)
        create_exclusively(target, data, rel_path)
    except OSError as error:
        raise EditRefused(f"{rel_path}: cannot create: {error.strerror}") from None
    return target


def create_notes(
    root: Path,
    notes: Sequence[tuple[str, str]],
    config: Config | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[IivError | None]:
    """Create many new notes (path, text), each as `create_note` does: whole or not at all,
    never overwriting, but a batch at a time, synced together (`atomic.create_many_exclusively`).
    Returns, for each note, None when it was created, else what stopped it; `progress` hears of
    each batch."""
    config = config or Config()
    outcomes: list[IivError | None] = []
    for start in range(0, len(notes), NOTES_AT_ONCE):
        batch = notes[start : start + NOTES_AT_ONCE]
        checked = [_checked_new(root, rel, text, config) for rel, text in batch]
        ready = [item for item in checked if not isinstance(item, IivError)]
        written = iter(create_many_exclusively(ready))
        outcomes += [item if isinstance(item, IivError) else next(written) for item in checked]
        if progress:
            progress(len(batch))
    return outcomes


def _checked_new(
    root: Path, rel_path: str, text: str, config: Config
) -> tuple[Path, bytes, str] | IivError:
    """Where a new note goes (its folders made), or why it cannot go there."""
    try:
        target = root / _new_note_path(rel_path, config)
        _check_inside(root, target.parent, rel_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        _check_inside(root, target.parent, rel_path)
    except IivError as error:
        return error
    except OSError as error:
        return EditRefused(f"{rel_path}: cannot create: {error.strerror}")
    return target, text.encode("utf-8"), rel_path


def _new_note_path(rel_path: str, config: Config) -> str:
    rel = rel_path.replace("\\", "/").strip()
    if _escapes(rel):
        raise EditRefused(f"{rel_path}: not inside the vault; give a path like people/Ada.md")
    if is_ignored(rel, config):
        raise EditRefused(
            f"{rel_path}: iiv does not read notes there (a name must end in .md, must not start"
            f" with '.', and must not be in the {config.templates} folder)"
        )
    return rel


def _escapes(rel: str) -> bool:
    parts = PurePosixPath(rel).parts
    absolute = rel.startswith("/") or bool(PureWindowsPath(rel).drive)
    return not parts or absolute or ".." in parts or "\x00" in rel


def _check_inside(root: Path, folder: Path, rel_path: str) -> None:
    """Refuse a folder that leads out of the vault through a symlink."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    real_root = Path(os.path.realpath(root))
    if not Path(os.path.realpath(existing)).is_relative_to(real_root):
        raise EditRefused(f"{rel_path}: that folder leads outside the vault")


__all__ = [
    "complete_task",
    "content_hash",
    "create_note",
    "create_notes",
    "read",
    "remove_note",
    "rewrite",
    "set_properties",
    "set_properties_in_notes",
    "set_property",
    "snooze_task",
]
