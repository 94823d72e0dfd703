"""Front-matter: the YAML between the `---` lines at the top of a note, read into properties.

Pure: text in, a dict of properties out, with problems instead of errors. Usual front-matter
(`key: value` lines) is read without PyYAML, the rest by a safe loader that keeps every plain
value as text; bounded in size and depth against hostile input. `iiv.note` turns what this
reads into a `Note`.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from iiv.problem import Problem

MAX_ALIASES = 100
MAX_META_NODES = 1000
MAX_DEPTH = 100  # libyaml composes nodes recursively in C: deeper input can crash the process
KEY_RE = re.compile(r"^(?P<key>[^\s#:\-?][^:]*):(?:[ \t]|$)")
ALIAS_RE = re.compile(r"(?:^|[\s\[{,:-])\*[^\s,\[\]{}]+")


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


def front_matter_block(
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


def read_yaml(path: str, text: str, problems: list[Problem]) -> dict[str, Any]:
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
    lines = lines_of_keys(text.split("\n")) if cut else {}
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


def lines_of_keys(fm_lines: list[str]) -> dict[str, int]:
    lines: dict[str, int] = {}
    for number, line in enumerate(fm_lines, 2):
        match = KEY_RE.match(line)
        if match:
            lines.setdefault(match.group("key").strip().strip("'\""), number)
    return lines
