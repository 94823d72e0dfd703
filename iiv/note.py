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
# A line break, then the start of a line that may matter to `_tasks`: a fence (group 1), or
# the beginning of a task line as `tasks.TASK_RE` reads it (which `parse_task` checks in full).
# Starting with a literal "\n" lets the regex engine skip from line to line.
TASK_OR_FENCE_RE = re.compile(r"\n[ \t>]*(?:(```|~~~)|(?:[-*+]|\d+[.)])[ \t]+\[[^\]\n]\])")
CONFLICT_START = "<<<<<<< "  # the one conflict marker that `_conflict_markers` reports
CONFLICT_RE = re.compile(r"^(<{7} |={7}$|>{7} )")
KEY_RE = re.compile(r"^(?P<key>[^\s#:\-?][^:]*):(?:[ \t]|$)")
ALIAS_RE = re.compile(r"(?:^|[\s\[{,:-])\*[^\s,\[\]{}]+")
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


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader that reads every plain scalar as text (and empty as null).

    Properties are converted one by one, so YAML 1.1 surprises (`phone: 0171234567` as an
    octal number, `2026-02-30` raising ValueError, `no` as False) never happen.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """Resolver.resolve, quicker for a scalar: the parser calls it for every node."""
        if kind is yaml.ScalarNode and not self.yaml_path_resolvers:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[:1], _WILDCARD):
                    if regexp.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# Resolver.resolve's lookup, done once: the implicit resolvers to try by a plain scalar's first
# character ("" for an empty one), those for any character (key None) included.
_WILDCARD = tuple(_Loader.yaml_implicit_resolvers.get(None, ()))
_IMPLICIT = {
    first: (*resolvers, *_WILDCARD)
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()
    if first is not None
}
_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"


class _Unusual(Exception):
    """A YAML node that `_plain` leaves to PyYAML's constructor."""


def _yaml_load(text: str) -> Any:
    """`yaml.load(text, Loader=_Loader)`, quicker for the usual front-matter.

    Front-matter of simple `key: value` lines is read without PyYAML (see `_simple_mapping`).
    Otherwise, when every node is text, null, a list or a mapping with text or null keys, and
    no node is shared (no `&anchor`), the value is built straight from the nodes; it is what
    PyYAML's SafeConstructor builds for them. Anything else (explicit tags such as `!!int`,
    `!!set` or `!!binary`, merge keys, anchors and aliases) goes to PyYAML's constructor.
    """
    simple = _simple_mapping(text)
    if simple is not None:
        return simple
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "&" not in text:
            try:
                return _plain(node)
            except _Unusual:
                pass
        return loader.construct_document(node)
    finally:
        loader.dispose()


# A line of simple front-matter: a plain key at the start of the line, `:`, then a space or
# the end of the line. The rest of the line is read by `_simple_value`.
SIMPLE_KEY_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]{0,99}):(?= |$)")
# The inside of a simple flow list: `a, b c, "[[Ada]]"`. Each item is double-quoted text
# without `\` or `"`, or plain text of letters, digits and `_.@/+-`, with single spaces inside,
# that starts with a letter or digit.
SIMPLE_ITEM = r'"[^"\\]*"|[^\W_][\w.@/+-]*(?: +[\w.@/+-]+)*'
SIMPLE_ITEMS_RE = re.compile(rf" *(?:(?:{SIMPLE_ITEM})(?: *, *(?:{SIMPLE_ITEM}))*)? *")
SIMPLE_ITEM_RE = re.compile(rf'"([^"\\]*)"|({SIMPLE_ITEM})')


def _simple_mapping(text: str) -> dict[Any, Any] | None:
    """What `yaml.load(text, Loader=_Loader)` returns, for front-matter that is nothing but
    simple `key: value` lines and blank lines; None for anything else (then PyYAML reads it).

    A simple line is a plain key (`[A-Za-z_][A-Za-z0-9_-]*`) at the start of the line, then
    `:` and nothing, or spaces and one value: plain text that starts with a letter or digit
    and holds no `#` (a comment), no `: ` and no final `:` (a mapping); text in double quotes
    without a backslash or `"`; text in single quotes without `'`; or a flow list of such items
    (SIMPLE_ITEMS_RE). Every character is printable (no tab, no control or format character:
    YAML reads them differently or refuses them). Each value is then what YAML reads: the text
    without the spaces around it, quotes or brackets, with plain text that the loader's
    resolvers read as null (`null`, `~`, empty) as None, and a later key overwriting an
    earlier one.
    """
    mapping: dict[Any, Any] = {}
    for line in text.split("\n"):
        if not line:
            continue
        match = SIMPLE_KEY_RE.match(line)
        if match is None or not line.isprintable():
            return None
        value = _simple_value(line[match.end() :].strip(" "))
        if value is _NOT_SIMPLE:
            return None
        mapping[_resolve_plain(match.group(1))] = value
    return mapping or None


_NOT_SIMPLE = object()


def _simple_value(text: str) -> Any:
    """The value a simple line's text after `key:` stands for, or _NOT_SIMPLE."""
    if not text:
        return None
    first, last = text[0], text[-1]
    if first == '"':
        inner = text[1:-1]
        simple = len(text) > 1 and last == '"' and '"' not in inner and "\\" not in inner
        return inner if simple else _NOT_SIMPLE
    if first == "'":
        inner = text[1:-1]
        return inner if len(text) > 1 and last == "'" and "'" not in inner else _NOT_SIMPLE
    if first == "[":
        inner = text[1:-1]
        if last != "]" or not SIMPLE_ITEMS_RE.fullmatch(inner):
            return _NOT_SIMPLE
        return [
            quoted if plain == "" else _resolve_plain(plain)
            for quoted, plain in SIMPLE_ITEM_RE.findall(inner)
        ]
    if first.isalnum() and "#" not in text and ": " not in text and last != ":":
        return _resolve_plain(text)
    return _NOT_SIMPLE


def _resolve_plain(text: str) -> str | None:
    """A plain scalar as _Loader reads it: None when its one implicit resolver, null's, matches;
    else the text."""
    for _, regexp in _IMPLICIT.get(text[:1], _WILDCARD):
        if regexp.match(text):
            return None
    return text


def _plain(node: yaml.Node) -> Any:
    tag = node.tag
    kind = type(node)
    if kind is yaml.ScalarNode:
        if tag == _STR_TAG:
            return node.value
        if tag == _NULL_TAG:
            return None
    elif kind is yaml.MappingNode and tag == _MAP_TAG:
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                raise _Unusual  # a key PyYAML reports as unhashable, or a `!!merge` or `!!value`
            if key_node.tag == _STR_TAG:
                mapping[key_node.value] = _plain(value_node)
            elif key_node.tag == _NULL_TAG:
                mapping[None] = _plain(value_node)
            else:
                raise _Unusual
        return mapping
    elif kind is yaml.SequenceNode and tag == _SEQ_TAG:
        return [_plain(item) for item in node.value]
    raise _Unusual


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
        copy = object.__new__(Note)
        copy.__dict__.update(self.__dict__, body="")
        return copy


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
        fm_end, meta_text = _front_matter_block(path, lines, problems)
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
    meta = _load_yaml(path, meta_text, problems) if meta_text is not None else {}
    key_lines = _key_lines(lines[1:fm_end]) if fm_end else {}
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
    if "*" in text and len(ALIAS_RE.findall(text)) > MAX_ALIASES:
        problems.append(Problem(path, 2, f"front-matter uses more than {MAX_ALIASES} YAML aliases"))
        return {}
    try:
        if _too_deep(text):
            message = f"front-matter is nested more than {MAX_DEPTH} levels deep: not read"
            problems.append(Problem(path, 2, message, "yaml"))
            return {}
        data = _yaml_load(text)
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
    if not isinstance(value, dict | list):
        return value  # one node
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


def _conflict_markers(text: str) -> int | None:
    """The line of the first line starting `<<<<<<< ` (of the lines that CONFLICT_RE matches,
    the only ones reported)."""
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
