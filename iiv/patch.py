"""A note's bytes with only the lines that must change changed: pure, bytes in, bytes out.

Every other byte is kept: line endings (CRLF, LF, a CR alone or mixed), a BOM, the presence or
absence of a trailing newline, comments and the order of the front matter's keys. A task is
ticked or snoozed on its own line (`with_task_completed`, `with_task_snoozed`), lines are added
under a heading (`with_lines_in_section`), properties are set one line each (`with_property`,
`with_properties`), never by writing the YAML block again. `iiv.edit` wraps these with the read,
the hash check and the atomic write.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import yaml

from iiv.errors import BadArgument, EditRefused, NoteNotFound
from iiv.frontmatter import KEY_RE
from iiv.note import BOM, UTF16_BOMS, Note, parse_note
from iiv.sections import find_section
from iiv.tasks import complete_line, is_task_line, snooze_line

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
