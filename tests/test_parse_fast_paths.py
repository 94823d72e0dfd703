"""The quick paths of parsing and walking read exactly what the plain readings they replace read.

Each reference below is the straightforward reading iiv used before (PyYAML for every
front-matter, a regex tried at every character, `PurePosixPath` for every path); the tests
compare the two on generated input full of the characters that matter to each grammar.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iiv import frontmatter
from iiv import note as note_module
from iiv.config import Config
from iiv.dates import BadDate, parse_date
from iiv.links import WIKILINK_RE, Link, Named, Resolver, find_links, fold, parse_link
from iiv.note import FENCE_RE, Note, parse_note
from iiv.problem import Problem
from iiv.tasks import (
    DATAVIEW_KEYS,
    DATAVIEW_RE,
    DATE_FIELD_RE,
    DATE_FIELDS,
    PRIORITIES,
    TASK_RE,
    TRAILING,
    Task,
    _date_spans,
    parse_task,
)
from iiv.vault import FileStat, inside, is_ignored, read_existing, read_note, scan

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))


def pieces(*parts: str) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(parts), max_size=40).map("".join)


# YAML front-matter: the loader reads every plain scalar as text.


class ReferenceLoader(yaml.CSafeLoader):  # type: ignore[misc]
    """The loader as it was: PyYAML's own resolver and constructor, null the only implicit tag."""


ReferenceLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def loaded(load: Any, text: str) -> tuple[str, Any]:
    try:
        return "value", load(text)
    except Exception as error:  # the same error, with the same message, either way
        return type(error).__name__, str(error)


def assert_same_yaml(text: str) -> None:
    expected = loaded(lambda t: yaml.load(t, Loader=ReferenceLoader), text)
    found = loaded(frontmatter._yaml_load, text)
    assert found == expected
    assert repr(found) == repr(expected)  # None is not "None", a list is not a tuple


KEYS = ["type", "name", "tags", "a", "_x", "a-b", "k9", "null", "Null", "~", "N", "a b", "x" * 101]
SEPARATORS = [": ", ":", ":  ", " : ", ":\t", ": "]
VALUE_PIECES = (
    *"abcXYZ019_ .,/@+-:#\"'[]{}!&*|>%?`~\\\t\r",
    "null",
    "Null",
    "~",
    "é",
    "日",
    "📅",
    "\u00a0",
    "\u2028",
    "\ufeff",
    "\x85",
    "\u0301",
    "\x7f",
    "\u200b",
    "[[",
    "]]",
    ": ",
    " #",
    ", ",
    "- ",
    "\n",
    "\n  ",
    "\n- ",
    "---",
    "...",
    "<<",
    "!!str ",
    "!!int ",
    "!!set ",
    "&a ",
    "*a",
    "2026-02-30",
)
VALUES = pieces(*VALUE_PIECES) | st.builds(
    lambda first, rest, quote: quote[0] + first + rest + quote[1],
    st.sampled_from([*"aZ7é", "[["]),
    pieces(*VALUE_PIECES),
    st.sampled_from([("", ""), ('"', '"'), ("'", "'"), ("[", "]"), ("[ ", " ]"), ('["', '"]')]),
)
LINES = st.builds(
    lambda key, sep, value, end: key + sep + value + end,
    st.sampled_from(KEYS),
    st.sampled_from(SEPARATORS),
    VALUES,
    st.sampled_from(["", " ", "  ", "\t"]),
) | st.sampled_from(["", " ", "# comment", "- a", "  b: c", "---", "%YAML 1.1"])
FRONT_MATTERS = st.lists(LINES, min_size=1, max_size=6).map("\n".join)


@SETTINGS
@given(FRONT_MATTERS)
def test_front_matter_reads_as_pyyaml_reads_it(text: str) -> None:
    assert_same_yaml(text)


@SETTINGS
@given(
    st.lists(st.sampled_from(["a", "B c", "null", "2026-01-01", '"[[Ada]]"', "x.y@z"]), max_size=5)
)
def test_a_flow_list_reads_as_pyyaml_reads_it(items: list[str]) -> None:
    for separator in (", ", ",", " , "):
        assert_same_yaml("tags: [" + separator.join(items) + "]\nname: Ada")


@pytest.mark.parametrize(
    "text",
    [
        "type: person\nname: Ada Lovelace\ntags: [a, b c]\nperson: \"[[Ada]]\"\nz: 'q'",
        "a:\nb: null\nc: ~\nNULL: x\nd: Null",
        "url: https://example.org/a?b=c:d\nurl: again",  # a later key wins, in the first place
        "a: b: c",
        "a: x:",
        "a: x # comment",
        "a: C#",
        "a: [x, ]",
        "a: [x: y]",
        'a: "x\\ty"',
        "a: 'it''s'",
        "a: -1",
        "a: 'x' y",
        "tags:\n- a\n- b",
        "a: [[Ada]]",
        "a: !!int 3\nb: !!set {x, y}\nc: !!binary aGk=",
        "a: &x [1, 2]\nb: *x",
        "base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2",
        "!!merge <<: {a: 1}",
        "? [a, b]\n: c",
        "a: {b: [c, {d: e}]}",
        "a: x\n  continued",
        "a: x\tb",
        "a: x\u2028y",
        "\ufeffa: b",
        "a: b\n\n\nc: d",
        "a:  spaced  ",
        "a: x  y",
        "a: [ ]\nb: []",
        "- a\n- b",
        "just text",
        "",
        "\n\n",
    ],
)
def test_special_front_matter_reads_as_pyyaml_reads_it(text: str) -> None:
    assert_same_yaml(text)


# Wikilinks.


def reference_parse_link(text: str) -> Link | None:
    text = text.strip()
    match = WIKILINK_RE.search(text)
    inner = match.group("inner") if match else text
    target, _, label = inner.replace("\\|", "|").partition("|")
    target, _, heading = target.partition("#")
    target = target.strip()
    if target.lower().endswith(".md"):
        target = target[:-3]
    if not target.strip("[]! "):
        return None
    return Link(target=target, label=label.strip() or None, heading=heading.strip() or None)


def reference_find_links(text: str) -> list[Link]:
    links = (reference_parse_link(m.group(0).lstrip("!")) for m in WIKILINK_RE.finditer(text))
    return [link for link in links if link]


LINK_TEXT = pieces(*"[]!|#\\ \na.", "[[", "]]", "![[", "Ada", ".md", "x" * 300)


@SETTINGS
@given(LINK_TEXT)
def test_links_are_found_as_before(text: str) -> None:
    assert find_links(text) == reference_find_links(text)
    assert parse_link(text) == reference_parse_link(text)


# Task lines, fences and conflict markers.


def reference_parse_task(text: str, line: int) -> tuple[Task, list[str]] | None:
    match = TASK_RE.match(text.rstrip("\r\n"))
    if not match:
        return None
    fields: dict[str, Any] = {}
    problems: list[str] = []
    description, tags = reference_strip(match.group("rest") or "", fields, problems, None)
    description = reference_dataview(description, fields, problems)
    description = " ".join([*description.split(), *reversed(tags)])
    return Task(line, match.group("status"), description, **fields), problems


def reference_set_date(
    fields: dict[str, Any], problems: list[str], name: str, label: str, text: str
) -> None:
    try:
        fields.setdefault(name, parse_date(text))
    except BadDate:
        problems.append(f"{label} {text} is not a real date")


def reference_strip(
    rest: str, fields: dict[str, Any], problems: list[str], spans: dict[str, Any] | None
) -> tuple[str, list[str]]:
    tags: list[str] = []
    for _ in range(64):
        rest = rest.rstrip()
        match = DATE_FIELD_RE.search(rest)
        if match:
            name = next(k for k, emojis in DATE_FIELDS.items() if match.group("emoji") in emojis)
            fields.pop(name, None)
            reference_set_date(fields, problems, name, match.group("emoji"), match.group("date"))
            if spans is not None:
                spans[name] = match.span("date")
            rest = rest[: match.start()]
            continue
        for name, pattern in TRAILING:
            found = pattern.search(rest)
            if found:
                value = found.group("value")
                if name == "tag":
                    tags.append(value)
                elif name == "priority":
                    fields["priority"] = PRIORITIES[value]
                elif name == "recurrence":
                    fields["recurrence"] = value.strip()
                rest = rest[: found.start()]
                break
        else:
            break
    return rest, tags


def reference_dataview(text: str, fields: dict[str, Any], problems: list[str]) -> str:
    def take(match: re.Match[str]) -> str:
        key = match.group("key").strip().lower()
        value = match.group("value").strip()
        if key in DATAVIEW_KEYS:
            reference_set_date(fields, problems, DATAVIEW_KEYS[key], f"[{key}::]", value)
        elif key == "priority":
            fields.setdefault("priority", value.lower())
        elif key == "repeat":
            fields.setdefault("recurrence", value)
        else:
            return match.group(0)
        return ""

    return DATAVIEW_RE.sub(take, text)


TASK_PIECES = (
    "word",
    " ",
    "  ",
    "\t",
    "#",
    "#tag",
    "^",
    "^b-1",
    "2026-01-01",
    "2026-02-30",
    "٢٠٢٦-٠١-٠١",
    *"📅📆🗓⏳⌛🛫➕✅❌🔺⏫🔼🔽⏬🔁🆔⛔🏁",
    "\ufe0f",
    "every week",
    "abc",
    ",",
    "!",
    "[due:: 2026-01-02]",
    "(priority:: high)",
    "[repeat:: every day]",
    "[[Ada]]",
    "\r",
)
TASK_LINES = st.builds(
    lambda start, rest: start + rest,
    st.sampled_from(["- [ ] ", "* [x] ", "1. [/] ", "  > - [-] ", "+ [X]", "-[ ] ", "- [ ]", "x "]),
    pieces(*TASK_PIECES),
)


@SETTINGS
@given(TASK_LINES)
def test_task_lines_are_read_as_before(line: str) -> None:
    assert parse_task(line, 3) == reference_parse_task(line, 3)
    match = TASK_RE.match(line)
    if match and match.group("rest") is not None:  # the spans the edits change
        spans: dict[str, Any] = {}
        reference_strip(match.group("rest"), {}, [], spans)
        start = match.start("rest")
        assert _date_spans(line)[1] == {k: (start + a, start + b) for k, (a, b) in spans.items()}


def reference_tasks(path: str, lines: list[str], start: int) -> tuple[list[Task], list[Problem]]:
    tasks: list[Task] = []
    problems: list[Problem] = []
    fenced = False
    for index in range(start, len(lines)):
        line = lines[index]
        if FENCE_RE.match(line):
            fenced = not fenced
            continue
        if fenced or "[" not in line:
            continue
        parsed = reference_parse_task(line, index + 1)
        if parsed:
            task, messages = parsed
            tasks.append(task)
            problems.extend(Problem(path, index + 1, m, "date") for m in messages)
    return tasks, problems


def reference_conflict(lines: list[str]) -> int | None:
    for number, line in enumerate(lines, 1):
        if re.match(r"^(<{7} |={7}$|>{7} )", line) and line.startswith("<"):
            return number
    return None


BODY_LINES = st.lists(
    st.sampled_from(
        [
            "",
            "text",
            "```",
            "~~~ python",
            "> ```",
            " ~~~",
            "<<<<<<< HEAD",
            "<<<<<<<",
            "=======",
            ">>>>>>> x",
            "---",
            "...",
            "# heading",
            "type: person",
            "- [[Ada]] met",
            "- [ ] Call [[Ada]] 📅 2026-12-01",
            "- [x] done ✅ 2026-02-30",
            "  > 1. [/] nested ⏳ 2026-12-02 #t",
            "* [ ]",
            "- [ ]\r",
            "- [\n]",
            "\r",
        ]
    ),
    max_size=30,
).map("\n".join)


@SETTINGS
@given(BODY_LINES, st.sampled_from(["", "---\ntype: person\n---\n", "---\na: [\n---\n", "---\n"]))
def test_tasks_and_conflict_markers_are_found_as_before(body: str, front: str) -> None:
    note = parse_note("n.md", (front + body).encode())
    text = note_module._decode("n.md", (front + body).encode(), [])  # CRLF read as LF
    lines = text.split("\n")
    end, _ = frontmatter.front_matter_block("n.md", lines, [])
    start = end + 1 if end else 0
    assert note.body == "\n".join(lines[start:])
    assert note.body_line == start + 1
    tasks, problems = reference_tasks("n.md", lines, start)
    assert note.tasks == tuple(tasks)
    assert [p for p in note.problems if p.code == "date"] == problems
    assert note_module._conflict_markers(text) == reference_conflict(lines)


# Paths.


def reference_is_ignored(rel_path: str, config: Config) -> bool:
    parts = PurePosixPath(rel_path).parts
    if not parts or any(part.startswith(".") for part in parts):
        return True
    if not parts[-1].lower().endswith(".md") or parts[-1].lower() == ".md":
        return True
    prefix = PurePosixPath(config.templates).parts
    if bool(prefix) and parts[: len(prefix)] == prefix and len(parts) > len(prefix):
        return True
    return any(re.fullmatch(r"[\W\d_]*templates?", part, re.I) for part in parts[:-1])


PATH_PARTS = ["a", "b.md", "B.MD", ".x", ".md", ".", "..", "", "templates", "t", "a b", "x.md~"]
PATHS = st.lists(st.sampled_from(PATH_PARTS), max_size=5).map("/".join)
PATHS = PATHS | st.builds(lambda p: "/" + p, PATHS) | st.builds(lambda p: p + "/", PATHS)


@SETTINGS
@given(PATHS, st.sampled_from(["templates", "./templates", "templates/", "a/t", "/abs", "", "."]))
def test_the_ignore_rule_reads_paths_as_before(path: str, templates: str) -> None:
    config = Config(templates=templates)
    assert is_ignored(path, config) == reference_is_ignored(path, config)


@SETTINGS
@given(PATHS)
def test_a_note_is_named_by_its_file_as_before(path: str) -> None:
    assert note_module._name(path) == PurePosixPath(path).name
    assert note_module._stem(path) == PurePosixPath(path).stem


def reference_scan(root: Path, config: Config) -> tuple[dict[str, FileStat], list[Problem]]:
    found: dict[str, FileStat] = {}
    problems: list[Problem] = []
    pending = [(root, "")]
    prefix_parts = PurePosixPath(config.templates).parts

    def under(parts: tuple[str, ...]) -> bool:
        n = len(prefix_parts)
        return bool(prefix_parts) and parts[:n] == prefix_parts and len(parts) > n

    while pending:
        folder, prefix = pending.pop()
        for entry in list(os.scandir(folder)):
            rel = prefix + entry.name
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not reference_is_ignored(rel + "/x.md", config):
                        pending.append((Path(entry.path), rel + "/"))
                    continue
                if entry.is_symlink():
                    if reference_is_ignored(rel + "/x.md", config):
                        continue
                    problem = reference_symlink_problem(root, config, rel, Path(entry.path))
                    if problem:
                        problems.append(Problem(rel, None, problem, "walk"))
                        continue
                if reference_is_ignored(rel, config):
                    continue
                info = entry.stat()
            except OSError as error:
                problems.append(Problem(rel, None, f"cannot read: {error.strerror}", "walk"))
                continue
            if stat.S_ISREG(info.st_mode):
                found[rel] = FileStat(rel, info.st_size, info.st_mtime_ns)
    return found, problems


def reference_symlink_problem(root: Path, config: Config, rel: str, path: Path) -> str | None:
    real = path.resolve()
    if real.is_dir():
        if not real.is_relative_to(root):
            return "symlink to a folder outside the vault: not read"
        target = real.relative_to(root).as_posix()
        if target == ".":
            return "symlink to the vault's own folder: not followed (its notes are read there)"
        if reference_is_ignored(target + "/x.md", config):
            return f"symlink to {target}/, a folder iiv skips: not read"
        return f"symlink to the folder {target}/: not followed (its notes are read there)"
    if reference_is_ignored(rel, config):
        return None
    if not inside(root, path):
        return "symlink to a file outside the vault: not read"
    target = real.relative_to(root).as_posix()
    if target != rel and real.exists() and reference_is_ignored(target, config):
        return f"symlink to {target}, a file iiv skips: not read"
    return None


TREE_NAMES = ["a", "b.md", "B.MD", ".h", ".h.md", "templates", "t", "x.md~", "sub", ".md"]
TREES = st.lists(st.lists(st.sampled_from(TREE_NAMES), min_size=1, max_size=4), max_size=12)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(TREES, st.sampled_from(["templates", "./templates", "sub/templates", "t/", "/abs", "."]))
def test_the_walk_finds_what_it_found_before(tree: list[list[str]], templates: str) -> None:
    config = Config(templates=templates)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder).resolve()
        for parts in tree:
            path = root.joinpath(*parts)
            with contextlib.suppress(OSError):  # a name already taken by a file or a folder
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("x")
        assert scan(root, config) == reference_scan(root, config)
        assert list(scan(root, config)[0]) == list(reference_scan(root, config)[0])


def test_the_walk_treats_symlinks_as_before(tmp_path: Path) -> None:
    root, outside = tmp_path / "vault", tmp_path / "outside"
    (root / "people").mkdir(parents=True)
    outside.mkdir()
    (root / "people" / "ada.md").write_text("x")
    (outside / "far.md").write_text("x")
    links = {
        "in.md": root / "people" / "ada.md",
        "out.md": outside / "far.md",
        "folder.md": root / "people",
        "outfolder": outside,
        "broken.md": root / "gone.md",
        "people/.hidden.md": root / "people" / "ada.md",
        "hidden.md": root / ".obsidian" / "app.md",
        "templates": outside,
        "loop": root,
    }
    (root / ".obsidian").mkdir()
    (root / ".obsidian" / "app.md").write_text("x")
    for name, target in links.items():
        (root / name).symlink_to(target)
    assert scan(root, Config()) == reference_scan(root, Config())


def reference_read_existing(root: Path, rel_path: str) -> Note | None:
    try:
        data = (root / rel_path).read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as error:
        problem = Problem(rel_path, None, f"cannot read: {error.strerror}", "io")
        return Note(rel_path, "note", PurePosixPath(rel_path).stem, "", problems=(problem,))
    return parse_note(rel_path, data)


@pytest.mark.parametrize(
    "rel_path",
    [
        "a.md",
        "people/ada.md",
        "people//ada.md",
        "./a.md",
        "people/../a.md",
        "people/",
        "people",
        "people/.hidden.md",
        "people/ada.md/x",
        "missing.md",
        "../outside.md",
        "",
    ],
)
def test_a_note_file_is_read_as_before(tmp_path: Path, rel_path: str) -> None:
    root = tmp_path / "vault"
    (root / "people").mkdir(parents=True)
    (root / "a.md").write_bytes(b"---\ntype: person\n---\n- [ ] x \xf0\x9f\x93\x85 2026-12-01\r\n")
    (root / "people" / "ada.md").write_bytes(b"[[Bob]]")
    (root / "people" / ".hidden.md").write_bytes(b"hidden")
    (tmp_path / "outside.md").write_bytes(b"outside")
    assert read_existing(root, rel_path) == reference_read_existing(root, rel_path)
    expected = reference_read_existing(root, rel_path)
    if expected is not None:
        assert read_note(root, rel_path) == expected


# Link resolution.


def reference_fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold().strip()


class ReferenceResolver:
    def __init__(self, entries: Iterable[Named]) -> None:
        files: dict[str, set[str]] = defaultdict(set)
        names: dict[str, set[str]] = defaultdict(set)
        for entry in entries:
            stem = entry.path[:-3] if entry.path.lower().endswith(".md") else entry.path
            files[reference_fold(stem)].add(entry.path)
            files[reference_fold(stem.rsplit("/", 1)[-1])].add(entry.path)
            for name in entry.names:
                if name.strip():
                    names[reference_fold(name)].add(entry.path)
        order = lambda path: (path.count("/"), path)  # noqa: E731
        self.files = {key: sorted(paths, key=order) for key, paths in files.items()}
        self.names = {key: sorted(paths, key=order) for key, paths in names.items()}

    def candidates(self, target: str) -> list[str]:
        key = reference_fold(target)
        return list(self.files.get(key) or self.names.get(key) or [])


NAMES = st.sampled_from(
    ["Ada", "ADA", " ada ", "Zoë", "Zoe\u0301", "Straße", "STRASSE", "İ", "ǅ", "x", ""]
)
ENTRIES = st.lists(
    st.builds(
        lambda folder, name, suffix, names: Named(folder + name + suffix, tuple(names)),
        st.sampled_from(["", "people/", "a/b/", "Archive/"]),
        NAMES,
        st.sampled_from([".md", ".MD", ""]),
        st.lists(NAMES, max_size=3),
    ),
    max_size=12,
)


@SETTINGS
@given(
    ENTRIES, st.lists(NAMES | st.sampled_from(["people/Ada", "a/b/zoë", "archive/ada"]), max_size=8)
)
def test_links_resolve_as_before(entries: list[Named], targets: list[str]) -> None:
    resolver, reference = Resolver(entries), ReferenceResolver(entries)
    for target in [*targets, *(e.path for e in entries), *(n for e in entries for n in e.names)]:
        assert fold(target) == reference_fold(target)
        assert resolver.candidates(target) == reference.candidates(target)
        assert resolver.resolve(target) == (reference.candidates(target) or [None])[0]


def test_a_date_read_twice_is_the_same_date() -> None:
    first = parse_task("- [ ] a 📅 2026-12-01", 1)
    again = parse_task("- [ ] b 📅 2026-12-01", 2)
    assert first and again and first[0].due == again[0].due == date(2026, 12, 1)
    assert parse_task("- [ ] c 📅 2026-02-30", 3) == (
        Task(3, " ", "c"),
        ["📅 2026-02-30 is not a real date"],
    )
