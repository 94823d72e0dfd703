"""Writing note files: the one module that changes the user's vault.

An edit changes only the lines it must and keeps every other byte: line endings (CRLF, LF or
mixed), a BOM, the presence or absence of a trailing newline, the file's permission mode.
It is written atomically and refused when the file changed since it was read.

The pure helpers (`replace_line`, `with_task_completed`, `with_task_snoozed`,
`with_property`) take bytes and return bytes; the functions that take a vault root wrap
them with reading, the hash check and the atomic write of `iiv.atomic`.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path, PurePosixPath, PureWindowsPath

import yaml

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
from iiv.frontmatter import KEY_RE
from iiv.note import BOM, UTF16_BOMS, Note, parse_note
from iiv.sections import find_section
from iiv.tasks import complete_line, is_task_line, snooze_line
from iiv.vault import is_ignored, note_file

NULL_WORDS = ("~", "null", "Null", "NULL")  # read as an empty value, not as text
INDICATORS = tuple("[]{},#*&!|>'\"%@`")  # a plain YAML scalar cannot start with these
LINE_BREAKS = "\r\n\x85\u2028\u2029"  # YAML 1.1 breaks lines on all of these
LINE_END_RE = re.compile(r"(\r\n|\r|\n)")
PROPERTY_NAME_RE = re.compile(r"\w(?:[\w .-]*[\w.-])?")
UNQUOTED_END = re.compile(r"[ \t]#")  # where a comment starts after a plain value
PropertyValue = str | list[str]  # a property's text, or a list written `[a, b]`
FLOW_INDICATORS = ",[]{}"  # a plain item of `[a, b]` cannot hold these
# Every scalar as text; libyaml's loader when there is one, 20 times quicker.
BASE_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
NOTES_AT_ONCE = 128  # new notes written, then synced together (each holds a file open)


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


def with_lines_in_section(data: bytes, title: str, new_lines: list[str]) -> bytes:
    """The file with `new_lines` added at the end of its `## title` section (after the
    section's last line that is not blank), or, without one, a new section at the end.
    Every other line is kept as it was."""
    if any(LINE_END_RE.search(line) for line in new_lines):
        raise ValueError("new_lines must be lines without line breaks")
    if not new_lines:
        return data
    text = _split(data)
    note = parse_note("note.md", data)
    start = note.body_line - 1  # the body's first line, as an index
    body = [content for content, _ in text.lines[start:]]
    section = find_section(body, title)
    ending = text.dominant_ending()
    if section is None:
        if text.lines and text.lines[-1][1] == "":
            text.lines[-1] = (text.lines[-1][0], ending)
        gap = [("", ending)] if text.lines and text.lines[-1][0].strip() else []
        text.lines += [*gap, (f"## {title}", ending), *((line, ending) for line in new_lines)]
        return text.to_bytes()
    last = section.heading
    for index in range(section.heading + 1, section.end):
        if body[index].strip():
            last = index
    at = start + last + 1
    if at == len(text.lines) and text.lines[-1][1] == "":
        text.lines[-1] = (text.lines[-1][0], ending)
        text.lines += [(line, ending) for line in new_lines[:-1]] + [(new_lines[-1], "")]
        return text.to_bytes()
    text.lines[at:at] = [(line, text.added_ending(at)) for line in new_lines]
    return text.to_bytes()


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
    "replace_line",
    "rewrite",
    "set_properties",
    "set_properties_in_notes",
    "set_property",
    "snooze_task",
    "with_lines_in_section",
    "with_properties",
    "with_property",
    "with_task_completed",
    "with_task_snoozed",
    "yaml_flow_list",
    "yaml_scalar",
]
