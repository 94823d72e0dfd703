"""Writing note files: the one module that changes the user's vault.

An edit changes only the lines it must and keeps every other byte: line endings (CRLF, LF or
mixed), a BOM, the presence or absence of a trailing newline, the file's permission mode.
It is written atomically and refused when the file changed since it was read.

The pure helpers (`replace_line`, `with_task_completed`, `with_task_snoozed`,
`with_property`) take bytes and return bytes; the functions that take a vault root wrap
them with reading, the hash check and the atomic write.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import hashlib
import os
import re
import secrets
import stat
import struct
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import yaml

from iiv.config import Config
from iiv.errors import (
    BadArgument,
    EditConflict,
    EditRefused,
    IivError,
    NoteExists,
    NoteNotFound,
)
from iiv.note import BOM, KEY_RE, UTF16_BOMS, Note, parse_note
from iiv.tasks import complete_line, is_task_line, snooze_line
from iiv.vault import is_ignored, note_file

NULL_WORDS = ("~", "null", "Null", "NULL")  # read as an empty value, not as text
INDICATORS = tuple("[]{},#*&!|>'\"%@`")  # a plain YAML scalar cannot start with these
LINE_BREAKS = "\r\n\x85\u2028\u2029"  # YAML 1.1 breaks lines on all of these
LINE_END_RE = re.compile(r"(\r\n|\r|\n)")
PROPERTY_NAME_RE = re.compile(r"\w(?:[\w .-]*[\w.-])?")
UNQUOTED_END = re.compile(r"[ \t]#")  # where a comment starts after a plain value
TEMP_NAME_BYTES = 100  # keeps `.{name}.iiv-XXXXXX.tmp` under the 255-byte name limit
TEMP_RE = re.compile(r"\..*\.iiv-[0-9a-f]{6}\.tmp", re.DOTALL)  # what `_temp_name` makes
STALE_TEMP_SECONDS = 60.0
PROC_FD = "/proc/self/fd"  # where Linux names an open file, for linking an unnamed one
# Linux's system call flags: relative to the working folder, swap two names, follow /proc's
# link to an open file, do not follow a symlink, and what statx should fill in (and its size).
AT_FDCWD, RENAME_EXCHANGE, LINK_FOLLOW, AT_SYMLINK_NOFOLLOW = -100, 2, 0x400, 0x100
STATX_BASIC_STATS, STATX_SIZE = 0x7FF, 256
Identity = tuple[int, int, int, int]  # (device, inode, size, mtime in ns): a file, not a name
PropertyValue = str | list[str]  # a property's text, or a list written `[a, b]`
BASE_LOADER = getattr(
    yaml, "CBaseLoader", yaml.BaseLoader
)  # every scalar as text; libyaml's is 20x quicker
NOTES_AT_ONCE = 128  # new notes written, then synced together (each holds a file open)
FLOW_INDICATORS = ",[]{}"  # a plain item of `[a, b]` cannot hold these


# Pure: bytes in, bytes out.


@dataclass
class _Text:
    """A file's text as (content, line ending) pairs, and the BOM it started with."""

    bom: bytes
    lines: list[tuple[str, str]]

    def index(self, line: int) -> int:
        if not 1 <= line <= len(self.lines):
            raise NoteNotFound("no such line")
        return line - 1

    def added_ending(self, index: int) -> str:
        """The ending for a line inserted at `index`: the line before it's, else the usual one."""
        before = self.lines[index - 1][1] if index > 0 else ""
        return before or self.dominant_ending()

    def dominant_ending(self) -> str:
        counts = Counter(ending for _, ending in self.lines if ending)
        return max(("\n", "\r\n", "\r"), key=lambda ending: counts[ending])

    def to_bytes(self) -> bytes:
        return self.bom + "".join(content + end for content, end in self.lines).encode("utf-8")


def _split(data: bytes) -> _Text:
    """Lines as `parse_note` counts them: split at CRLF, LF or a CR alone, kept as the ending."""
    if data[:2] in UTF16_BOMS:
        raise EditRefused("saved as UTF-16: iiv changes only UTF-8 files; save it as UTF-8 first")
    bom = BOM if data.startswith(BOM) else b""
    body = data[len(bom) :]
    if b"\x00" in body:
        raise EditRefused("contains NUL bytes (a binary file?): edit it in your editor first")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise EditRefused("not valid UTF-8: edit it in your editor first") from None
    pieces = LINE_END_RE.split(text)  # [content, ending, content, ending, ..., content]
    lines = list(zip(pieces[0:-1:2], pieces[1::2], strict=True))
    if pieces[-1]:
        lines.append((pieces[-1], ""))
    return _Text(bom, lines)


def replace_line(data: bytes, line: int, new_lines: list[str]) -> bytes:
    """Replace 1-based file `line` with `new_lines`; the last of them takes the old line's place.

    The replaced line keeps its own ending; lines inserted above it take the ending of the
    line before them, else the file's dominant one.
    """
    if not new_lines or any("\n" in new for new in new_lines):
        raise ValueError("new_lines must be one or more lines without line breaks")
    text = _split(data)
    index = text.index(line)
    added = text.added_ending(index)
    ending = text.lines[index][1]
    text.lines[index : index + 1] = [(new, added) for new in new_lines[:-1]]
    text.lines.insert(index + len(new_lines) - 1, (new_lines[-1], ending))
    return text.to_bytes()


def with_task_completed(data: bytes, line: int, today: date) -> bytes:
    """The file with the task on `line` done; a recurring task gets its next occurrence above."""
    return _edit_task(data, line, lambda text: complete_line(text, today))


def with_task_snoozed(data: bytes, line: int, days: int, today: date) -> bytes:
    """The file with the task on `line` due `days` later (counting from today if overdue)."""
    return _edit_task(data, line, lambda text: [snooze_line(text, days, today)])


def _edit_task(data: bytes, line: int, change: Callable[[str], list[str]]) -> bytes:
    text = _split(data)
    content = text.lines[text.index(line)][0]
    if line not in {task.line for task in parse_note("note.md", data).tasks}:
        if is_task_line(content):
            raise EditRefused("that line is in a code block or the front-matter, not a task")
        raise EditRefused("there is no task on that line")
    return replace_line(data, line, change(content))


def with_property(data: bytes, key: str, value: PropertyValue) -> bytes:
    """The file with front-matter property `key` set to `value` (a text, or a list written as
    `[a, b]`), one line changed.

    An existing `key:` line keeps its key text, spacing, trailing comment and ending; a missing
    key is added before the closing `---`; a file without front-matter gets one at the top.
    Refused when the result would not read back as exactly that change.
    """
    return with_properties(data, {key: value})


def with_properties(data: bytes, values: Mapping[str, PropertyValue]) -> bytes:
    """`with_property` for several keys at once: one line each, read back and checked once."""
    for key in values:
        if not PROPERTY_NAME_RE.fullmatch(key):
            raise BadArgument(f"{key!r} is not a property name (letters, digits, spaces, _ . -)")
    text = _split(data)
    before = parse_note("note.md", data)
    close = _front_matter_close(before, text)
    for key, value in values.items():
        scalar = yaml_scalar(value) if isinstance(value, str) else yaml_flow_list(value)
        if close is None:
            ending = text.dominant_ending()
            text.lines[0:0] = [("---", ending), (f"{key}: {scalar}", ending), ("---", ending)]
            close = 2
            continue
        count = len(text.lines)
        _set_in_block(text, close, key, scalar, before)
        close += len(text.lines) - count
    result = text.to_bytes()
    _check_only_keys_changed(before, parse_note("note.md", result), values)
    return result


def _front_matter_close(note: Note, text: _Text) -> int | None:
    """The index of the line closing the front-matter, or None when the file has none."""
    if any(p.code == "conflict-markers" for p in note.problems):
        raise EditRefused("has git conflict markers: resolve the merge first")
    if any(p.code == "yaml" for p in note.problems):
        raise EditRefused("the front-matter is not valid YAML: fix it in your editor first")
    if not text.lines or text.lines[0][0].rstrip() != "---":
        return None
    if note.body_line == 1:
        raise EditRefused("the front-matter on line 1 is never closed with ---: fix it first")
    return note.body_line - 2


def _set_in_block(text: _Text, close: int, key: str, scalar: str, note: Note) -> None:
    found = [i for i in range(1, close) if _line_key(text.lines[i][0]) == key]
    if len(found) > 1:
        raise EditRefused(f"{key} is set {len(found)} times in the front-matter: keep one")
    if not found and key in note.meta:
        raise EditRefused(f"cannot find the line that sets {key}: edit it in your editor")
    if not found:
        text.lines.insert(close, (f"{key}: {scalar}", text.lines[close - 1][1]))
        return
    start = found[0]
    end = _continuation_end(text.lines, start + 1, close)
    text.lines[start:end] = [(_with_value(text.lines[start][0], scalar), text.lines[start][1])]


def _line_key(content: str) -> str | None:
    match = KEY_RE.match(content)
    return match.group("key").strip().strip("'\"") if match else None


def _continuation_end(lines: list[tuple[str, str]], start: int, close: int) -> int:
    """The end of a value's continuation: indented lines and `- item` lines after the key.

    Blank and comment lines between them go with the value; those after it stay.
    """
    end = start
    for index in range(start, close):
        content = lines[index][0]
        if content.strip() and (content[0] in " \t" or re.match(r"-(?:[ \t]|$)", content)):
            end = index + 1
        elif content.strip() and not content.startswith("#"):
            break
    return end


def _with_value(content: str, scalar: str) -> str:
    match = KEY_RE.match(content)
    assert match is not None
    head, rest = content[: match.end()], content[match.end() :]
    old = rest.lstrip(" \t")
    gap = rest[: len(rest) - len(old)]
    if not gap and not head.endswith((" ", "\t")):
        gap = " "
    tail = _after_value(old)
    if tail.startswith("#"):
        tail = " " + tail
    return head + gap + scalar + tail


def _after_value(old: str) -> str:
    """What follows the old value on its line and is kept: a comment or trailing spaces."""
    if not old or old.startswith("#"):
        return old
    if old[0] in "'\"":
        end = _closing_quote(old)
        return old[end + 1 :] if end is not None else ""
    if old[0] in "[{|>&*!":
        return ""  # a collection, block scalar, anchor or tag: replaced whole
    comment = UNQUOTED_END.search(old)
    value = old[: comment.start()] if comment else old
    return old[len(value.rstrip(" \t")) :]


def _closing_quote(old: str) -> int | None:
    quote, index = old[0], 1
    while index < len(old):
        char = old[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote and quote == "'" and old[index + 1 : index + 2] == "'":
            index += 2
            continue
        if char == quote:
            return index
        index += 1
    return None


def _check_only_keys_changed(
    before: Note, after: Note, values: Mapping[str, PropertyValue]
) -> None:
    others_before = {k: _comparable(v) for k, v in before.meta.items() if k not in values}
    others_after = {k: _comparable(v) for k, v in after.meta.items() if k not in values}
    broken = any(p.code == "yaml" for p in after.problems)
    wrong = [key for key, value in values.items() if after.meta.get(key) != value]
    if broken or wrong or others_before != others_after:
        key = wrong[0] if wrong else next(iter(values))
        raise EditRefused(f"cannot set {key} without rewriting the front-matter: edit it yourself")


def _comparable(value: object) -> object:
    """A property value, ignoring final newlines: a block scalar (`|`) that ends the YAML
    gains one when a line is added after it, a quirk of how the block is read, not a change."""
    if isinstance(value, str):
        return value.rstrip("\n")
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    return value


def yaml_scalar(value: str) -> str:
    """`value` as a YAML scalar: plain when it reads back as the same text, else double-quoted."""
    return value if _is_plain(value) else _double_quoted(value)


def yaml_flow_list(items: list[str]) -> str:
    """`[a, "b, c"]`: each item plain when it reads back as the same text, else double-quoted."""
    return "[" + ", ".join(_flow_item(item) for item in items) + "]"


def _flow_item(item: str) -> str:
    plain = _is_plain(item) and not any(char in FLOW_INDICATORS for char in item)
    return item if plain else _double_quoted(item)


def _is_plain(value: str) -> bool:
    if not value or value in NULL_WORDS or value != value.strip(" \t"):
        return False
    if value.startswith(INDICATORS) or ": " in value or " #" in value or value.endswith(":"):
        return False
    if any(char in LINE_BREAKS or not _printable(char) for char in value if char != "\t"):
        return False
    try:
        return bool(yaml.load(f"k: {value}", Loader=BASE_LOADER) == {"k": value})
    except yaml.YAMLError:
        return False


def _double_quoted(value: str) -> str:
    return '"' + "".join(_escaped(char) for char in value) + '"'


def _escaped(char: str) -> str:
    if char in '"\\':
        return "\\" + char
    if char == "\t":
        return "\\t"
    if _printable(char) and char not in LINE_BREAKS:
        return char
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _printable(char: str) -> bool:
    """YAML's printable set: anything else must be escaped."""
    code = ord(char)
    return (
        0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
        or code >= 0x10000
    )


# On disk.


def content_hash(data: bytes) -> str:
    """The sha256 hex digest of a file's bytes: what an edit checks against."""
    return hashlib.sha256(data).hexdigest()


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
    # Write to the real file, so a symlinked note stays a symlink.
    path = Path(os.path.realpath(note_file(root, rel_path, config)))
    data = _read_file(path, rel_path)
    if content_hash(data) != expected_hash:
        raise EditConflict(_conflict_message(rel_path))
    try:
        new = change(data)
    except (EditRefused, NoteNotFound, BadArgument) as error:
        raise type(error)(f"{where or rel_path}: {error}") from None
    if new != data:
        try:
            _replace_atomically(path, new, expected_hash, rel_path)
        except OSError as error:
            message = f"{rel_path}: cannot write: {error.strerror}; nothing was written"
            raise EditRefused(message) from None
    return Rewrite(rel_path, data, new)


def remove_note(
    root: Path, rel_path: str, expected_hash: str, config: Config | None = None
) -> None:
    """Delete a note iiv created, if it still holds exactly what iiv wrote (`expected_hash`)."""
    path = note_file(root, rel_path, config)
    if content_hash(_read_file(path, rel_path)) != expected_hash:
        raise EditConflict(_conflict_message(rel_path))
    try:
        path.unlink()
    except OSError as error:
        raise EditRefused(f"{rel_path}: cannot delete: {error.strerror}") from None
    _fsync_folder(path.parent)


def _conflict_message(rel_path: str) -> str:
    return f"{rel_path} changed since it was read; nothing was written. Reload and try again."


def _replace_atomically(path: Path, data: bytes, expected_hash: str, rel_path: str) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    _remove_stale_temps(path.parent)
    fd, temp = _written_temp(path, data, mode)
    try:
        checked = _checked_file(path, expected_hash, rel_path)
        temp, replaced = _swap_in(fd, temp, path, checked)
        if temp and replaced not in (None, checked):  # an editor saved meanwhile
            _put_back(temp, path, os.fstat(fd).st_ino)
            raise EditConflict(_conflict_message(rel_path))
    finally:
        os.close(fd)
        if temp:  # the file replaced, or ours when nothing was; usually deleted already
            with suppress(OSError):
                os.unlink(temp)
    _fsync_folder(path.parent)


def _checked_file(path: Path, expected_hash: str, rel_path: str) -> Identity:
    """The identity of the file at `path`, once its content is checked against the hash."""
    with path.open("rb") as file:
        data = file.read()
        info = os.fstat(file.fileno())
    if content_hash(data) != expected_hash:
        raise EditConflict(_conflict_message(rel_path))
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns


def _swap_in(
    fd: int, temp: Path | None, path: Path, checked: Identity
) -> tuple[Path | None, Identity | None]:
    """Put the new file (`fd`, unnamed or named `temp`) in the place of `path`.

    A check made before a rename leaves an instant in which an editor's save can land and be
    replaced unseen. On Linux the new file is named, exchanged with `path`, and the file it
    replaced checked and deleted if it is the one `checked`, in C calls that keep the GIL: the
    temp name lasts three system calls (some 50 µs), which a watcher thread woken by it would
    otherwise stretch to milliseconds. Returns that name if still there, and the identity of
    the file replaced (None after a plain rename, where there is no exchange).
    """
    libc = _libc()
    if libc is None:
        temp = temp or _name_unnamed(fd, path)
        os.replace(temp, path)
        return None, None
    proc = os.open(PROC_FD, os.O_RDONLY | os.O_DIRECTORY) if temp is None else AT_FDCWD
    try:
        for _ in range(100):
            name = temp or _temp_name(path)
            if temp or libc.linkat(proc, b"%d" % fd, AT_FDCWD, os.fsencode(name), LINK_FOLLOW) == 0:
                return name, _exchange_and_drop(libc, name, path, checked)
            if ctypes.get_errno() != errno.EEXIST:
                raise _c_error(name)
        raise FileExistsError(f"no free temporary name beside {path.name}")
    finally:
        if temp is None:
            os.close(proc)


def _exchange_and_drop(libc: Any, name: Path, path: Path, checked: Identity) -> Identity | None:
    """Exchange `name` with `path`; delete `name` if it then holds the file `checked`."""
    source, target = os.fsencode(name), os.fsencode(path)
    if libc.renameat2(AT_FDCWD, source, AT_FDCWD, target, RENAME_EXCHANGE) != 0:
        if ctypes.get_errno() not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise _c_error(path)
        os.replace(name, path)  # a file system without the exchange
        return None
    buffer = ctypes.create_string_buffer(STATX_SIZE)
    if libc.statx(AT_FDCWD, source, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buffer) != 0:
        info = os.stat(name, follow_symlinks=False)
        return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns
    replaced = _statx_identity(buffer.raw)
    if replaced == checked:
        libc.unlink(source)
    return replaced


def _statx_identity(raw: bytes) -> Identity:
    """(device, inode, size, mtime in ns) from a `struct statx`, the same on every Linux."""
    inode, size = struct.unpack_from("=QQ", raw, 32)
    seconds, nanoseconds = struct.unpack_from("=qI", raw, 112)
    major, minor = struct.unpack_from("=II", raw, 136)
    return os.makedev(major, minor), inode, size, seconds * 1_000_000_000 + nanoseconds


def _put_back(temp: Path, path: Path, placed: int) -> None:
    """Exchange again until `path` holds the newest file that is not ours.

    `temp` holds the file that `path` held; if `path` was saved again meanwhile, the exchange
    brings that newer file to `temp`, and the next one puts it in place in turn.
    """
    libc = _libc()
    for _ in range(100):
        moving = os.stat(temp).st_ino
        swapped = libc.renameat2(
            AT_FDCWD, os.fsencode(temp), AT_FDCWD, os.fsencode(path), RENAME_EXCHANGE
        )
        if swapped != 0:
            raise _c_error(path)
        if os.stat(temp).st_ino == placed:  # nobody saved since the last exchange
            return
        placed = moving


def _c_error(path: Path) -> OSError:
    code = ctypes.get_errno()
    return OSError(code, os.strerror(code), str(path))


@functools.cache
def _libc() -> Any:
    """Linux's C library for `_swap_in`, or None (another system, or a C library too old).

    Loaded as PyDLL, which keeps the GIL through each call: no other thread runs in between.
    """
    path_at = (ctypes.c_int, ctypes.c_char_p)  # a folder descriptor and a path in it
    signatures = {
        "linkat": (*path_at, *path_at, ctypes.c_int),
        "renameat2": (*path_at, *path_at, ctypes.c_uint),
        "statx": (*path_at, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p),
        "unlink": (ctypes.c_char_p,),
    }
    try:
        libc = ctypes.PyDLL(None, use_errno=True)
        for name, argtypes in signatures.items():
            function = getattr(libc, name)
            function.argtypes, function.restype = argtypes, ctypes.c_int
    except (AttributeError, OSError, TypeError):
        return None
    return libc


def _written_temp(
    target: Path, data: bytes, mode: int | None, sync: bool = True
) -> tuple[int, Path | None]:
    """An open file beside `target` holding `data`, synced (unless the caller syncs it), with
    `mode` (None: a new file's).

    Where the system allows (Linux's O_TMPFILE) the file has no name (None) until it is
    linked: a crash while it is written leaves nothing in the vault. Elsewhere it is a hidden
    temp file from the start, which a later edit in that folder removes if a crash left it.
    """
    created = 0o666 if mode is None else 0o600
    fd = _open_unnamed(target.parent, created)
    temp = None
    if fd is None:
        fd, temp = _temp_file(target, created)
    try:
        _write_all(fd, data, sync)
        if mode is not None:
            os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        if temp:
            with suppress(OSError):
                os.unlink(temp)
        raise
    return fd, temp


def _open_unnamed(folder: Path, mode: int) -> int | None:
    """A new file in `folder` without a name (O_TMPFILE), or None where there is no such thing."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir(PROC_FD):
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, mode)
    except OSError as error:
        if error.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            return None  # a file system without it (FAT, NFS, an old kernel)
        raise


def _name_unnamed(fd: int, target: Path) -> Path:
    """Give the unnamed file `fd` a temp name beside `target`, ready to be renamed over it."""
    for _ in range(100):
        temp = _temp_name(target)
        with suppress(FileExistsError):
            _link_unnamed(fd, temp)
            return temp
    raise FileExistsError(f"no free temporary name beside {target.name}")


def _link_unnamed(fd: int, name: Path) -> None:
    """Give the unnamed open file `fd` the name `name`; fails if that name exists."""
    folder = os.open(PROC_FD, os.O_RDONLY | os.O_DIRECTORY)
    try:  # linkat(AT_SYMLINK_FOLLOW): a plain link() would link /proc's symlink itself
        os.link(str(fd), name, src_dir_fd=folder, follow_symlinks=True)
    finally:
        os.close(folder)


def _temp_file(target: Path, mode: int) -> tuple[int, Path]:
    """A new hidden file beside `target`, which the vault walk and the watcher ignore."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp = _temp_name(target)
        with suppress(FileExistsError):
            return os.open(temp, flags, mode), temp
    raise FileExistsError(f"no free temporary name beside {target.name}")


def _temp_name(target: Path) -> Path:
    name = target.name.encode("utf-8")[:TEMP_NAME_BYTES].decode("utf-8", "ignore")
    return target.parent / f".{name}.iiv-{secrets.token_hex(3)}.tmp"


def _remove_stale_temps(folder: Path) -> None:
    """Remove iiv temp files that a crash left in `folder`: no edit takes a minute."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    with suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if TEMP_RE.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                with suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(entry.path)


def _write_all(fd: int, data: bytes, sync: bool = True) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    if sync:
        os.fsync(fd)


def _write_and_close(fd: int, data: bytes) -> None:
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable; some systems (Windows) cannot open a folder, and need not."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def create_note(root: Path, rel_path: str, text: str, config: Config | None = None) -> Path:
    """Create a new note, with its folders, never overwriting anything; returns its path."""
    rel = _new_note_path(rel_path, config or Config())
    target = root / rel
    try:
        _check_inside(root, target.parent, rel_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        _check_inside(root, target.parent, rel_path)
        _create_exclusively(target, text.encode("utf-8"), rel_path)
    except OSError as error:
        raise EditRefused(f"{rel_path}: cannot create: {error.strerror}") from None
    _fsync_folder(target.parent)
    return target


def create_notes(
    root: Path,
    notes: Sequence[tuple[str, str]],
    config: Config | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[IivError | None]:
    """Create many new notes (path, text), each as `create_note` does: whole or not at all,
    never overwriting. A batch is written first and synced together, then each note is linked
    to its name: one wait for the disk per batch instead of two per note. Returns, for each
    note, None when it was created, else what stopped it; `progress` hears of each batch."""
    config = config or Config()
    outcomes: list[IivError | None] = []
    for start in range(0, len(notes), NOTES_AT_ONCE):
        batch = notes[start : start + NOTES_AT_ONCE]
        outcomes += _create_batch(root, batch, config)
        if progress:
            progress(len(batch))
    return outcomes


@dataclass
class _Unlinked:
    """A new note's bytes, written and open, waiting to be synced and linked to its name."""

    target: Path
    rel_path: str
    data: bytes
    fd: int
    temp: Path | None


def _create_batch(
    root: Path, notes: Sequence[tuple[str, str]], config: Config
) -> list[IivError | None]:
    cleaned: set[Path] = set()
    written = [_write_unlinked(root, rel, text, config, cleaned) for rel, text in notes]
    ready = [item for item in written if isinstance(item, _Unlinked)]
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:  # the file system commits them together
            list(pool.map(os.fsync, [item.fd for item in ready]))
        outcomes = [_link(item) if isinstance(item, _Unlinked) else item for item in written]
    except OSError as error:  # the disk failed the sync: nothing of this batch is linked
        reason = error.strerror or str(error)
        outcomes = [EditRefused(f"{rel}: cannot create: {reason}") for rel, _ in notes]
    finally:
        for item in ready:
            _discard(item)
    for folder in {item.target.parent for item in ready}:
        _fsync_folder(folder)
    return outcomes


def _write_unlinked(
    root: Path, rel_path: str, text: str, config: Config, cleaned: set[Path]
) -> _Unlinked | IivError:
    try:
        rel = _new_note_path(rel_path, config)
        target = root / rel
        _check_inside(root, target.parent, rel_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        _check_inside(root, target.parent, rel_path)
        if target.parent not in cleaned:
            _remove_stale_temps(target.parent)
            cleaned.add(target.parent)
        data = text.encode("utf-8")
        fd, temp = _written_temp(target, data, None, sync=False)
    except IivError as error:
        return error
    except OSError as error:
        return EditRefused(f"{rel_path}: cannot create: {error.strerror}")
    return _Unlinked(target, rel_path, data, fd, temp)


def _link(item: _Unlinked) -> IivError | None:
    try:
        if item.temp:
            os.link(item.temp, item.target)
        else:
            _link_unnamed(item.fd, item.target)
    except FileExistsError:
        return NoteExists(_exists_message(item.rel_path))
    except OSError:  # no hard links here (FAT, some network drives)
        try:
            _write_new(item.target, item.data, item.rel_path)
        except NoteExists as error:
            return error
        except OSError as error:
            return EditRefused(f"{item.rel_path}: cannot create: {error.strerror}")
    return None


def _discard(item: _Unlinked) -> None:
    os.close(item.fd)
    if item.temp:
        with suppress(OSError):
            os.unlink(item.temp)


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


def _create_exclusively(target: Path, data: bytes, rel_path: str) -> None:
    """Write the note without a name, then link it to `target`: it appears whole or not at all."""
    _remove_stale_temps(target.parent)
    fd, temp = _written_temp(target, data, None)
    try:
        if temp:
            os.link(temp, target)
        else:
            _link_unnamed(fd, target)
    except FileExistsError:
        raise NoteExists(_exists_message(rel_path)) from None
    except OSError:  # no hard links here (FAT, some network drives)
        _write_new(target, data, rel_path)
    finally:
        os.close(fd)
        if temp:
            with suppress(OSError):
                os.unlink(temp)


def _write_new(target: Path, data: bytes, rel_path: str) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(target, flags, 0o666)
    except FileExistsError:
        raise NoteExists(_exists_message(rel_path)) from None
    try:
        _write_and_close(fd, data)
    except BaseException:
        with suppress(OSError):
            os.unlink(target)
        raise


def _exists_message(rel_path: str) -> str:
    return f"{rel_path} already exists; nothing was written. Choose another name."


__all__ = [
    "complete_task",
    "content_hash",
    "create_note",
    "create_notes",
    "read",
    "remove_note",
    "replace_line",
    "rewrite",
    "set_properties",
    "set_property",
    "snooze_task",
    "with_properties",
    "with_property",
    "with_task_completed",
    "with_task_snoozed",
    "yaml_flow_list",
    "yaml_scalar",
]
