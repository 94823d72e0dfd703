"""One note: parsing the bytes of a Markdown file with YAML front-matter into a `Note`.

Pure: bytes in, a `Note` out, never an exception. Whatever cannot be understood becomes a
`Problem` on the note, and the note keeps its text so that it stays searchable.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from typing import Any

import yaml

from iiv.dates import BadDate, parse_date, parse_datetime
from iiv.links import Link, find_links, parse_link
from iiv.problem import Problem
from iiv.tasks import Task, parse_task

KINDS = ("person", "interview")
STATUSES = ("prospect", "requested", "scheduled", "done", "declined", "no-reply", "cancelled")
MAX_NOTE_BYTES = 2_000_000
MAX_ALIASES = 100
MAX_META_NODES = 1000
MAX_DEPTH = 100  # libyaml composes nodes recursively in C: deeper input can crash the process
BOM = b"\xef\xbb\xbf"
FENCE_RE = re.compile(r"^[ \t>]*(```|~~~)")
CONFLICT_RE = re.compile(r"^(<{7} |={7}$|>{7} )")
KEY_RE = re.compile(r"^(?P<key>[^\s#:\-?][^:]*):(?:[ \t]|$)")
ALIAS_RE = re.compile(r"(?:^|[\s\[{,:-])\*[^\s,\[\]{}]+")
SYNCTHING_RE = re.compile(r"\.sync-conflict-\d{8}-\d{6}-[A-Za-z0-9]+")
DROPBOX_RE = re.compile(r" \([^()]*conflicted copy[^()]*\)", re.IGNORECASE)
TEXT_FIELDS = ("company", "role", "email", "phone", "linkedin", "location", "source")
INTERVIEW_TEXT = ("medium", "location", "goal")
UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}
DURATION_RE = re.compile(r"(\d+)\s*(?:(day|week|month|year)s?|(d|w|m|y))?", re.IGNORECASE)
SHORT_UNITS = {"d": "day", "w": "week", "m": "month", "y": "year"}
MAX_DURATION_DAYS = 36_500  # a hundred years: more is a typo, and date arithmetic overflows


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader that reads every plain scalar as text (and empty as null).

    Properties are converted one by one, so YAML 1.1 surprises (`phone: 0171234567` as an
    octal number, `2026-02-30` raising ValueError, `no` as False) never happen.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


_Day = date


@dataclass(frozen=True)
class Note:
    path: str  # vault-relative, "/" separators
    kind: str  # "person", "interview" or "note"
    title: str
    body: str  # the text after the front-matter (all of it when that cannot be read)
    body_line: int = 1  # the file line the body starts on
    meta: dict[str, Any] = field(default_factory=dict, hash=False)
    key_lines: dict[str, int] = field(default_factory=dict, hash=False)
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    # person
    company: str | None = None
    role: str | None = None
    email: str | None = None
    phone: str | None = None
    linkedin: str | None = None
    location: str | None = None
    source: str | None = None
    introduced_by: Link | None = None
    keep_in_touch: int | None = None
    last_contact: date | None = None
    # interview
    people: tuple[Link, ...] = ()
    date: date | None = None
    time: str | None = None
    status: str | None = None
    medium: str | None = None
    goal: str | None = None
    requested: _Day | None = None  # not `date`: inside Note, that is the field above
    thanked: _Day | None = None
    # everywhere
    tasks: tuple[Task, ...] = ()
    links: tuple[Link, ...] = ()
    conflict_of: str | None = None  # the original's file name, for a sync-tool conflict copy
    problems: tuple[Problem, ...] = ()
    digest: str = ""  # sha256 of the bytes parsed: the version a page shows and an edit expects

    @property
    def stem(self) -> str:
        return PurePosixPath(self.path).stem

    @property
    def names(self) -> tuple[str, ...]:
        """The names a link may use for this note (its file name aside)."""
        return (self.title, *self.aliases) if self.kind == "person" else self.aliases

    def line_of(self, key: str) -> int:
        """The file line of a front-matter key, or 1 when it is absent."""
        return self.key_lines.get(key, 1)


def parse_note(path: str, data: bytes) -> Note:
    """The bytes of the file at vault-relative `path` → a Note, with problems instead of errors."""
    problems: list[Problem] = []
    text = _decode(path, data, problems)
    lines = text.split("\n")
    fm_end, meta_text = _front_matter_block(path, lines, problems)
    body_start = fm_end + 1 if fm_end else 0
    body = "\n".join(lines[body_start:])
    conflict_line = _conflict_markers(lines)
    if conflict_line:
        problems.append(
            Problem(
                path, conflict_line, "git conflict markers: resolve the merge", "conflict-markers"
            )
        )
        if fm_end and conflict_line <= fm_end + 1:
            meta_text = None
    meta = _load_yaml(path, meta_text, problems) if meta_text is not None else {}
    key_lines = _key_lines(lines[1:fm_end]) if fm_end else {}
    values = _Properties(path, meta, key_lines, problems)
    kind = values.kind()
    tasks = _tasks(path, lines, body_start, problems)
    conflict_of = _conflict_original(path)
    if conflict_of:
        message = (
            f"sync conflict copy of {conflict_of!r}: merge it into the original, then delete it"
        )
        problems.append(Problem(path, None, message, "conflict-copy"))
    stem = PurePosixPath(path).stem
    title = values.text("name" if kind == "person" else "title") or stem
    fields_ = (
        values.person() if kind == "person" else values.interview() if kind == "interview" else {}
    )
    return Note(
        path=path,
        kind=kind,
        title=title,
        body=body,
        body_line=body_start + 1,
        meta=meta,
        key_lines=key_lines,
        aliases=values.strings("aliases", split=False),
        tags=values.strings("tags", split=True),
        tasks=tuple(tasks),
        links=tuple(find_links(body)),
        conflict_of=conflict_of,
        problems=tuple(problems),
        digest=hashlib.sha256(data).hexdigest(),
        **fields_,
    )


def _decode(path: str, data: bytes, problems: list[Problem]) -> str:
    if len(data) > MAX_NOTE_BYTES:
        cut = data.rfind(b"\n", 0, MAX_NOTE_BYTES)
        data = data[: cut if cut > 0 else _char_boundary(data, MAX_NOTE_BYTES)]
        message = f"very large file: only its first {MAX_NOTE_BYTES // 1_000_000} MB is indexed"
        problems.append(Problem(path, None, message, "large"))
    if data.startswith(BOM):
        data = data[len(BOM) :]
    if b"\x00" in data[:8192]:
        problems.append(
            Problem(path, None, "binary file, not Markdown text: not indexed", "binary")
        )
        return ""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        message = "not valid UTF-8 (saved in another encoding?): unreadable bytes are shown as �"
        problems.append(Problem(path, line, message, "encoding"))
        text = data.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\x00", "")


def _char_boundary(data: bytes, end: int) -> int:
    """The largest index <= end that does not fall inside a UTF-8 multi-byte character."""
    start = end
    while start > end - 4 and start > 0 and data[start] & 0xC0 == 0x80:
        start -= 1
    return start


def _front_matter_block(
    path: str, lines: list[str], problems: list[Problem]
) -> tuple[int, str | None]:
    """(index of the closing `---` line, the YAML between) or (0, None) without front-matter."""
    if not lines or lines[0].rstrip() != "---":
        return 0, None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            yaml_text = "\n".join(lines[1:index])
            if not yaml_text.strip():
                message = "empty front-matter (--- then ---): add properties or remove both lines"
                problems.append(Problem(path, 1, message))
            return index, yaml_text
        if _heading_after_blank(lines, index):
            break  # the block was never closed
    message = "front-matter opened with --- on line 1 is never closed with ---"
    problems.append(Problem(path, 1, message))
    return 0, None


def _heading_after_blank(lines: list[str], index: int) -> bool:
    """A Markdown heading after a blank line, not followed by more `key:` lines (a YAML comment)."""
    if not lines[index].startswith(("# ", "## ")) or index < 2 or lines[index - 1].strip():
        return False
    # no slice of the rest: a file of many such headings would take quadratic time
    after = (lines[i] for i in range(index + 1, len(lines)))
    following = next((line for line in after if line.strip()), "")
    return following.rstrip() not in ("---", "...") and not KEY_RE.match(following)


def _load_yaml(path: str, text: str, problems: list[Problem]) -> dict[str, Any]:
    if len(ALIAS_RE.findall(text)) > MAX_ALIASES:
        problems.append(Problem(path, 2, f"front-matter uses more than {MAX_ALIASES} YAML aliases"))
        return {}
    try:
        if _too_deep(text):
            message = f"front-matter is nested more than {MAX_DEPTH} levels deep: not read"
            problems.append(Problem(path, 2, message, "yaml"))
            return {}
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        problems.append(_yaml_problem(path, error, text))
        return {}
    except yaml.reader.ReaderError as error:  # its position counts bytes or characters
        line = text[: max(text.find(chr(error.character)), 0)].count("\n") + 2
        message = f"invalid YAML front-matter: {error.reason} (U+{error.character:04X})"
        problems.append(Problem(path, line, message, "yaml"))
        return {}
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as error:
        problems.append(Problem(path, 2, f"invalid YAML front-matter: {error}", "yaml"))
        return {}
    except (AttributeError, KeyError, IndexError, OverflowError):  # `!!bool maybe`, `!!int +_`
        message = "invalid YAML front-matter: a value does not fit its !! tag"
        problems.append(Problem(path, 2, message, "yaml"))
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        message = f"front-matter is {kind}, not properties (`key: value` lines)"
        problems.append(Problem(path, 2, message, "yaml"))
        return {}
    return _bounded_meta(path, text, data, problems)


def _too_deep(text: str) -> bool:
    """Whether collections nest deeper than MAX_DEPTH; each level needs one of `[{-?:`."""
    if sum(text.count(char) for char in "[{-?:") <= MAX_DEPTH:
        return False
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return True
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as error:
        # PyYAML 6.0.4 and later stop at a nesting limit of their own while scanning ahead
        if "nesting depth" in str(error):
            return True
        raise
    return False


def _bounded_meta(
    path: str, text: str, data: dict[Any, Any], problems: list[Problem]
) -> dict[str, Any]:
    meta = {str(key): _bounded(value) for key, value in data.items()}
    cut = [str(key) for key, value in data.items() if meta[str(key)] is not value]
    lines = _key_lines(text.split("\n")) if cut else {}
    for key in cut:
        message = f"{key}: too large or too deeply nested to read (YAML aliases?)"
        problems.append(Problem(path, lines.get(key, 2), message, "yaml"))
    return meta


def _bounded(value: Any) -> Any:
    """The value itself, unless nesting or aliases make it too big to show or store."""
    budget = [MAX_META_NODES]

    def count(item: Any, depth: int) -> None:
        budget[0] -= 1
        if budget[0] < 0 or depth > 20:
            raise OverflowError
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        for child in children:
            count(child, depth + 1)

    try:
        count(value, 0)
    except OverflowError:
        return "(too large to show)"
    return value


def _yaml_problem(path: str, error: yaml.MarkedYAMLError, text: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    lines = text.split("\n")
    index = min(mark.line, len(lines) - 1) if mark else 0  # the end of input: its last line
    reason = error.problem or error.context or "cannot be read"
    near = "\n".join(lines[max(index - 1, 0) : index + 1])
    hint = ""
    if "{{" in near or "found unhashable key" in reason:
        hint = " (a template placeholder like {{date}} must be quoted or filled in)"
    return Problem(path, index + 2, f"invalid YAML front-matter: {reason}{hint}", "yaml")


def _key_lines(fm_lines: list[str]) -> dict[str, int]:
    lines: dict[str, int] = {}
    for number, line in enumerate(fm_lines, 2):
        match = KEY_RE.match(line)
        if match:
            lines.setdefault(match.group("key").strip().strip("'\""), number)
    return lines


def _conflict_markers(lines: list[str]) -> int | None:
    for number, line in enumerate(lines, 1):
        if CONFLICT_RE.match(line) and line.startswith("<"):
            return number
    return None


def _tasks(path: str, lines: list[str], start: int, problems: list[Problem]) -> list[Task]:
    tasks: list[Task] = []
    fenced = False
    for index in range(start, len(lines)):
        line = lines[index]
        if FENCE_RE.match(line):
            fenced = not fenced
            continue
        if fenced or "[" not in line:
            continue
        parsed = parse_task(line, index + 1)
        if parsed:
            task, messages = parsed
            tasks.append(task)
            problems.extend(Problem(path, index + 1, m, "date") for m in messages)
    return tasks


def _conflict_original(path: str) -> str | None:
    name = PurePosixPath(path).name
    for pattern in (SYNCTHING_RE, DROPBOX_RE):
        if pattern.search(name):
            return pattern.sub("", name, count=1)
    return None


class _Properties:
    """Reads typed values out of the front-matter, recording a problem for each bad one."""

    def __init__(
        self, path: str, meta: dict[str, Any], lines: dict[str, int], problems: list[Problem]
    ) -> None:
        self.path, self.meta, self.lines, self.problems = path, meta, lines, problems

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.path, self.lines.get(key, 2), f"{key}: {message}"))

    def kind(self) -> str:
        value = self.text("type")
        return value.lower() if value and value.lower() in KINDS else "note"

    def text(self, key: str) -> str | None:
        value = self.meta.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            return value.strip() or None
        self.problem(key, f"expected text, got {_describe(value)}")
        return None

    def strings(self, key: str, split: bool) -> tuple[str, ...]:
        value = self.meta.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            items = re.split(r"[,\s]+", value) if split else [value]
        elif isinstance(value, list) and all(isinstance(v, str | type(None)) for v in value):
            items = [v for v in value if v]
        else:
            self.problem(key, f"expected a list of text, got {_describe(value)}")
            return ()
        cleaned = (item.strip().lstrip("#") if split else item.strip() for item in items)
        return tuple(item for item in cleaned if item)

    def day(self, key: str) -> date | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            return parse_date(value) if len(value.strip()) <= 10 else parse_datetime(value)[0]
        except BadDate as error:
            self.problem(key, str(error))
            return None

    def link(self, key: str, value: Any) -> Link | None:
        if isinstance(value, list) and _unquoted_link(value):
            inner = value[0][0]
            self.problem(key, f'put the link in quotes: "[[{inner}]]" (YAML reads [[ ]] as a list)')
            return parse_link(inner)
        if isinstance(value, str):
            return parse_link(value)
        self.problem(key, f'expected a link like "[[Ada Lovelace]]", got {_describe(value)}')
        return None

    def links(self, key: str) -> tuple[Link, ...]:
        value = self.meta.get(key)
        if value is None or value == "":
            return ()
        found: Iterator[Link | None]
        if isinstance(value, list) and not _unquoted_link(value):
            found = (self.link(key, item) for item in value if item is not None)
        elif isinstance(value, str) and len(find_links(value)) > 1:
            found = iter(find_links(value))
        else:
            found = iter([self.link(key, value)])
        return tuple(link for link in found if link)

    def person(self) -> dict[str, Any]:
        values: dict[str, Any] = {key: self.text(key) for key in TEXT_FIELDS}
        introduced = self.links("introduced_by")
        values["introduced_by"] = introduced[0] if introduced else None
        values["keep_in_touch"] = self.duration("keep_in_touch")
        values["last_contact"] = self.day("last_contact")
        return values

    def interview(self) -> dict[str, Any]:
        values: dict[str, Any] = {key: self.text(key) for key in INTERVIEW_TEXT}
        values["people"] = self.links("person") + self.links("people")
        values["date"], values["time"] = self.when("date")
        values["status"] = self.status()
        values["requested"] = self.day("requested")
        values["thanked"] = self.day("thanked")
        return values

    def when(self, key: str) -> tuple[date | None, str | None]:
        value = self.text(key)
        if value is None:
            return None, None
        try:
            return parse_datetime(value)
        except BadDate as error:
            self.problem(key, str(error))
            return None, None

    def status(self) -> str | None:
        value = self.text("status")
        if value is None:
            return None
        if value.lower() in STATUSES:
            return value.lower()
        self.problem("status", f"{value!r} is not one of {', '.join(STATUSES)}")
        return None

    def duration(self, key: str) -> int | None:
        value = self.text(key)
        if value is None:
            return None
        match = DURATION_RE.fullmatch(value.strip())
        digits = match.group(1).lstrip("0") if match else ""
        if match is None or not digits:
            self.problem(key, f"expected a number of days, got {value!r}")
            return None
        unit = (match.group(2) or SHORT_UNITS.get((match.group(3) or "d").lower(), "day")).lower()
        # digits counted first: int() refuses more than 4300 of them
        days = int(digits) * UNITS[unit] if len(digits) < 9 else MAX_DURATION_DAYS + 1
        if days > MAX_DURATION_DAYS:
            self.problem(key, f"{value.strip()} is more than {MAX_DURATION_DAYS // 365} years")
            return None
        return days


def _unquoted_link(value: list[Any]) -> bool:
    """`[[Ada]]` unquoted, as YAML reads it: a list holding one list holding one text."""
    inner = value[0] if len(value) == 1 else None
    return isinstance(inner, list) and len(inner) == 1 and isinstance(inner[0], str)


def _describe(value: object) -> str:
    if isinstance(value, list | set):  # `!!set`: its repr's order changes from run to run
        return "a list"
    if isinstance(value, dict):
        return "a set of properties"
    if isinstance(value, bytes):
        return "binary data (!!binary)"
    return repr(value)
