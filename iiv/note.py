"""One note: parsing the bytes of a Markdown file with YAML front-matter into a `Note`.

Pure: bytes in, a `Note` out, never an exception. Whatever cannot be understood becomes a
`Problem` on the note, and the note keeps its text so that it stays searchable.
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from datetime import date
from functools import lru_cache
from itertools import repeat
from operator import attrgetter
from pathlib import PurePosixPath
from sys import intern
from typing import Any

from iiv.dates import BadDate, parse_date, parse_datetime
from iiv.frontmatter import front_matter_block, lines_of_keys, read_yaml
from iiv.links import Link, find_links, parse_link
from iiv.problem import Problem
from iiv.tasks import Task, parse_task

KINDS = ("person", "interview")
STATUSES = ("prospect", "requested", "scheduled", "done", "declined", "no-reply", "cancelled")
MAX_NOTE_BYTES = 2_000_000
BOM = b"\xef\xbb\xbf"
FENCE_RE = re.compile(r"^[ \t>]*(```|~~~)")
# A line break, then the start of a line that may matter to `_tasks`: a fence (group 1), or
# the beginning of a task line as `tasks.TASK_RE` reads it (which `parse_task` checks in full).
# Starting with a literal "\n" lets the regex engine skip from line to line.
TASK_OR_FENCE_RE = re.compile(r"\n[ \t>]*(?:(```|~~~)|(?:[-*+]|\d+[.)])[ \t]+\[[^\]\n]\])")
CONFLICT_START = "<<<<<<< "  # the one conflict marker that `_conflict_markers` reports
SYNCTHING_RE = re.compile(r"\.sync-conflict-\d{8}-\d{6}-[A-Za-z0-9]+")
DROPBOX_RE = re.compile(r" \([^()]*conflicted copy[^()]*\)", re.IGNORECASE)
# company and location come first: they may come from kepano's `org` and `loc` instead
TEXT_FIELDS = ("company", "location", "role", "email", "phone", "linkedin", "source")
INTERVIEW_TEXT = ("medium", "goal")
SCORES = {"motivation": (0, 3), "posting": (1, 3)}  # a company's LAMP scores: (lowest, highest)
UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}
DURATION_RE = re.compile(r"(\d+)\s*(?:(day|week|month|year)s?|(d|w|m|y))?", re.IGNORECASE)
TAG_SEPARATORS_RE = re.compile(r"[,\s]+")
SHORT_UNITS = {"d": "day", "w": "week", "m": "month", "y": "year"}
MAX_DURATION_DAYS = 36_500  # a hundred years: more is a typo, and date arithmetic overflows
UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
# Comments, hidden in Obsidian's reading view: `%% ... %%` (Obsidian's own) and `<!-- ... -->`.
COMMENT_RE = re.compile(r"%%.*?%%|<!--.*?-->", re.DOTALL)
# Any `{{...}}` in front-matter is a template placeholder (YAML cannot read it unquoted); in the
# body, only those Obsidian's Templates plugin fills: `{{title}}`, `{{date}}`, `{{date:YYYY}}`.
FRONT_PLACEHOLDER_RE = re.compile(r"\{\{[^{}\n]*\}\}")
BODY_PLACEHOLDER_RE = re.compile(r"\{\{(?:title|date|time)(?::[^{}\n]*)?\}\}", re.IGNORECASE)
CATEGORY_KEYS = ("categories", "category")  # kepano's layout: `categories: ["[[People]]"]`


@dataclass(frozen=True)
class Kinds:
    """Which `categories` mark a note as a person or an interview when it has no `type`
    (kepano's vault layout: `categories: ["[[People]]"]`, `["[[Meetings]]"]`). Compared
    case-insensitively with each category's link target or text."""

    person: tuple[str, ...] = ("People",)
    interview: tuple[str, ...] = ("Meetings",)

    def of(self, category: str) -> str | None:
        name = category.rsplit("/", 1)[-1].strip().casefold()
        if name in {c.casefold() for c in self.person}:
            return "person"
        if name in {c.casefold() for c in self.interview}:
            return "interview"
        return None


DEFAULT_KINDS = Kinds()


_Day = date


@dataclass(frozen=True, slots=True)
class Note:
    """A parsed note. Slots, not a `__dict__` of 37 entries: a snapshot holds every note of the
    vault (1.3 KB less a note, 64 MB at 50,000 notes); pickled as its fields' values in order
    (`__reduce__`), which the catalog stores for each note."""

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
    # company (a plain note with `type: company`): the LAMP list's scores
    motivation: int | None = None
    posting: int | None = None
    # interview
    people: tuple[Link, ...] = ()
    date: date | None = None
    time: str | None = None
    status: str | None = None
    medium: str | None = None
    goal: str | None = None
    requested: _Day | None = None  # not `date`: inside Note, that is the field above
    thanked: _Day | None = None
    nudged: _Day | None = None  # when the one polite follow-up to a request was sent
    reported_back: _Day | None = None  # when you told whoever introduced them how it went
    answered: _Day | None = None  # when the answer to the request came (yes or no)
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
    def is_company(self) -> bool:
        """A plain note with `type: company`: one employer of the LAMP list."""
        return self.kind == "note" and _company_type(self.meta.get("type"))

    @property
    def names(self) -> tuple[str, ...]:
        """The names a link may use for this note (its file name aside)."""
        return (self.title, *self.aliases) if self.kind == "person" else self.aliases

    def line_of(self, key: str) -> int:
        """The file line of a front-matter key, or 1 when it is absent."""
        return self.key_lines.get(key, 1)

    def without_body(self) -> Note:
        """The same note with an empty body: what snapshots and the catalog keep (bodies stay
        on disk). A copy of the fields, not `dataclasses.replace`, which runs `__init__` and
        costs ten times more: a cold start makes one for every note."""
        if not self.body:
            return self
        copy = _made(_values(self))
        _set(copy, "body", "")
        return copy

    def __reduce__(self) -> tuple[Callable[..., Note], tuple[Any, ...]]:
        return _restored, _values(self)


NOTE_FIELDS = tuple(f.name for f in fields(Note))
_values = attrgetter(*NOTE_FIELDS)  # a note → its fields' values, in order, in one C call
_set = object.__setattr__  # past the frozen dataclass's guard, as its own `__init__` does


def _made(values: tuple[Any, ...]) -> Note:
    """The note of `_values`: the fields set in one C loop, without `__init__`'s keyword
    handling and defaults, as a cold start or a catalog's load makes 50,000."""
    note: Note = object.__new__(Note)
    deque(map(_set, repeat(note), NOTE_FIELDS, values), maxlen=0)
    return note


def _restored(*values: Any) -> Note:
    """The note of `_values`, unpickled, sharing what the vault's other notes hold: each
    unpickled note would otherwise hold its own copy of every property name (twice: in `meta`
    and `key_lines`) and of its kind. Notes made from the same template have the same
    `key_lines` (27 different ones for 50,000 notes), which they share, read-only as the
    rest of a note."""
    note = _made(values)
    meta = note.meta
    _set(note, "kind", intern(note.kind))
    _set(note, "meta", dict(zip(map(intern, meta), meta.values(), strict=True)) if meta else NONE)
    _set(note, "key_lines", shared_lines(tuple(note.key_lines.items())))
    return note


NONE: dict[str, Any] = {}  # the properties of every unpickled note without any (read-only)


@lru_cache(maxsize=1024)
def shared_lines(items: tuple[tuple[str, int], ...]) -> dict[str, int]:
    """One `key_lines` for all the notes whose front-matter lays its keys out the same way."""
    return {intern(key): line for key, line in items}


def parse_note(path: str, data: bytes, kinds: Kinds = DEFAULT_KINDS) -> Note:
    """The bytes of the file at vault-relative `path` → a Note, with problems instead of errors.

    `kinds` names the categories that make a note without `type` a person or an interview.
    """
    problems: list[Problem] = []
    text = _decode(path, data, problems)
    lines: list[str] = []
    fm_end, meta_text = 0, None
    if text.startswith("---"):  # else the first line cannot be `---`
        lines = text.split("\n")
        fm_end, meta_text = front_matter_block(path, lines, problems)
    if fm_end:
        body_start = fm_end + 1
        # the lines after the closing one, joined again: the text after the closing line
        body = text[sum(map(len, lines[:body_start])) + body_start :]
    else:
        body_start, body = 0, text
    conflict_line = _conflict_markers(text)
    if conflict_line:
        problems.append(
            Problem(
                path, conflict_line, "git conflict markers: resolve the merge", "conflict-markers"
            )
        )
        if fm_end and conflict_line <= fm_end + 1:
            meta_text = None
    if meta_text is not None and "{{" in meta_text:
        meta_text = _without_placeholders(path, meta_text, problems)
    meta = read_yaml(path, meta_text, problems) if meta_text is not None else {}
    key_lines = shared_lines(tuple(lines_of_keys(lines[1:fm_end]).items())) if fm_end else {}
    values = _Properties(path, meta, key_lines, problems)
    kind = values.kind(kinds)
    body = _readable(path, body, body_start, problems)
    tasks = _tasks(path, body, body_start, problems)
    conflict_of = _conflict_original(path)
    if conflict_of:
        message = (
            f"sync conflict copy of {conflict_of!r}: merge it into the original, then delete it"
        )
        problems.append(Problem(path, None, message, "conflict-copy"))
    stem = _stem(path)
    company = kind == "note" and _company_type(meta.get("type"))
    title = values.text("name" if kind == "person" or company else "title") or stem
    fields_ = (
        values.person()
        if kind == "person"
        else values.interview()
        if kind == "interview"
        else values.company()
        if company
        else {}
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
    elif data[:2] in UTF16_BOMS:
        text = data[2 : len(data) & ~1].decode(UTF16_BOMS[data[:2]], errors="replace")
        return _one_line_ending(text).replace("\x00", "")
    if data.find(b"\x00", 0, 8192) >= 0:
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
    # ASCII bytes stand for themselves in UTF-8: without the byte, the text has no such character
    if b"\r" in data:
        text = _one_line_ending(text)
    return text.replace("\x00", "") if b"\x00" in data else text


def _one_line_ending(text: str) -> str:
    """Every line ending as LF: CRLF (Windows), and a CR alone (classic Mac OS), as editors and
    Obsidian read them."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _without_placeholders(path: str, meta_text: str, problems: list[Problem]) -> str:
    """The front-matter with each `{{placeholder}}` emptied, and a problem for each."""
    for number, line in enumerate(meta_text.split("\n"), 2):
        for found in FRONT_PLACEHOLDER_RE.findall(line):
            problems.append(_placeholder_problem(path, number, found))
    return FRONT_PLACEHOLDER_RE.sub("", meta_text)


def _placeholder_problem(path: str, line: int, placeholder: str) -> Problem:
    message = (
        f"unfilled template placeholder {placeholder}: fill it in, or keep templates"
        " in a folder named templates"
    )
    return Problem(path, line, message, "placeholder")


def _readable(path: str, body: str, start: int, problems: list[Problem]) -> str:
    """The body as it reads: comments blanked (their lines kept, so that line numbers stay),
    and a problem for each unfilled `{{title}}`, `{{date}}` or `{{time}}`."""
    if "%%" in body or "<!--" in body:
        body = _without_comments(body)
    if "{{" in body:
        for match in BODY_PLACEHOLDER_RE.finditer(body):
            line = start + 1 + body.count("\n", 0, match.start())
            problems.append(_placeholder_problem(path, line, match.group(0)))
    return body


def _without_comments(body: str) -> str:
    """`%% ... %%` and `<!-- ... -->` outside fenced code replaced by their line breaks."""
    fenced = _fenced_spans(body)

    def blank(match: re.Match[str]) -> str:
        inside_code = any(a <= match.start() < b for a, b in fenced)
        return match.group(0) if inside_code else "\n" * match.group(0).count("\n")

    return COMMENT_RE.sub(blank, body)


def _fenced_spans(body: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of fenced code blocks (an unclosed one runs to the end)."""
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    offset = 0
    for line in body.split("\n"):
        if FENCE_RE.match(line):
            if opened is None:
                opened = offset
            else:
                spans.append((opened, offset + len(line)))
                opened = None
        offset += len(line) + 1
    if opened is not None:
        spans.append((opened, len(body)))
    return spans


def _char_boundary(data: bytes, end: int) -> int:
    """The largest index <= end that does not fall inside a UTF-8 multi-byte character."""
    start = end
    while start > end - 4 and start > 0 and data[start] & 0xC0 == 0x80:
        start -= 1
    return start


def _conflict_markers(text: str) -> int | None:
    """The line of the first line starting `<<<<<<< `: of git's three conflict markers, the
    only one reported."""
    if text.startswith(CONFLICT_START):
        return 1
    at = text.find("\n" + CONFLICT_START)
    return None if at < 0 else text.count("\n", 0, at) + 2


def _tasks(path: str, body: str, start: int, problems: list[Problem]) -> list[Task]:
    """The task lines of the body outside fenced code; `start` is the index of its first line.

    Only the lines TASK_OR_FENCE_RE finds are looked at: every other line is neither a fence
    (FENCE_RE) nor a task line (a task line also holds `[`).
    """
    tasks: list[Task] = []
    if "[" not in body:
        return tasks
    fenced = False
    number = start + 1  # the file line of `pos`
    pos = 0
    # each match starts at the "\n" before a line: with one "\n" put first, at that line's start
    for match in TASK_OR_FENCE_RE.finditer("\n" + body):
        begin = match.start()
        number += body.count("\n", pos, begin)
        pos = begin
        if match.group(1):
            fenced = not fenced
            continue
        if fenced:
            continue
        end = body.find("\n", begin)
        parsed = parse_task(body[begin:] if end < 0 else body[begin:end], number)
        if parsed:
            task, messages = parsed
            tasks.append(task)
            problems.extend(Problem(path, number, m, "date") for m in messages)
    return tasks


def _name(path: str) -> str:
    """`PurePosixPath(path).name`, without building the path for a plain one."""
    name = path.rpartition("/")[2]
    return name if name and name != "." else PurePosixPath(path).name


def _stem(path: str) -> str:
    """`PurePosixPath(path).stem`, without building the path for a plain one."""
    name = _name(path)
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else PurePosixPath(path).stem


def _conflict_original(path: str) -> str | None:
    name = _name(path)
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

    def kind(self, kinds: Kinds) -> str:
        """`type: person` or `type: interview`; else what the note's categories say; else
        "note". A `type` that is not text is another type (kepano's `type: []`): no problem."""
        value = self.meta.get("type")
        if isinstance(value, str) and value.strip().lower() in KINDS:
            return value.strip().lower()
        for key in CATEGORY_KEYS:
            for category in _texts(self.meta.get(key)):
                link = parse_link(category)
                kind = kinds.of(link.target if link else category)
                if kind:
                    return kind
        return "note"

    def first_text(self, key: str, fallback: str) -> str | None:
        """`key` as text; when it is absent, `fallback` as text or a link's text, or the first
        of a list of them (kepano's `org: ["[[Acme]]"]`)."""
        if self.meta.get(key) not in (None, ""):
            return self.text(key)
        texts = _texts(self.meta.get(fallback))
        if not texts:
            return None
        link = parse_link(texts[0])
        return (link.text if link else texts[0].strip()) or None

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
            items = TAG_SEPARATORS_RE.split(value) if split else [value]
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
        values: dict[str, Any] = {key: self.text(key) for key in TEXT_FIELDS[2:]}
        values["company"] = self.first_text("company", "org")
        values["location"] = self.first_text("location", "loc")
        introduced = self.links("introduced_by")
        values["introduced_by"] = introduced[0] if introduced else None
        values["keep_in_touch"] = self.duration("keep_in_touch")
        values["last_contact"] = self.day("last_contact")
        return values

    def company(self) -> dict[str, Any]:
        return {key: self.score(key, *SCORES[key]) for key in SCORES}

    def score(self, key: str, low: int, high: int) -> int | None:
        value = self.text(key)
        if value is None:
            return None
        digits = value.strip()
        if digits.isascii() and digits.isdigit() and len(digits) < 4 and low <= int(digits) <= high:
            return int(digits)
        self.problem(key, f"expected a whole number from {low} to {high}, got {value!r}")
        return None

    def interview(self) -> dict[str, Any]:
        values: dict[str, Any] = {key: self.text(key) for key in INTERVIEW_TEXT}
        values["company"] = self.first_text("company", "org")
        values["location"] = self.first_text("location", "loc")
        values["people"] = self.links("person") + self.links("people")
        values["date"], values["time"] = self.when("date")
        values["status"] = self.status()
        values["requested"] = self.day("requested")
        values["thanked"] = self.day("thanked")
        values["nudged"] = self.day("nudged")
        values["reported_back"] = self.day("reported_back")
        values["answered"] = self.day("answered")
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


def _company_type(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() == "company"


def _texts(value: Any) -> list[str]:
    """The text items of a property: itself when text, its text items when a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


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
