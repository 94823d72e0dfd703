"""Hostile input: every nasty file gives a listed problem or a correct note, never a crash.

The corpus (tests/reliability/corpus/) goes through the parser one file at a time, with its
time and peak memory measured; through `iiv check` as a subprocess; and through a real
Library (sync, search, due) and the dashboard's page for every note. Property tests extend
the ones beside each module (tests/test_note.py, test_tasks.py, test_links.py, test_edit.py)
with what the corpus taught: hostile pieces, line endings, NFD names, the calendar's ends.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from iiv.errors import EditRefused
from iiv.library import Library
from iiv.links import Named, Resolver, fold
from iiv.note import Note, parse_note
from iiv.patch import with_property, with_task_completed
from iiv.problem import Problem
from iiv.tasks import complete_line, parse_task, snooze_line
from iiv.vault import load, scan
from iiv.web import create_app
from iiv.web.search import MAX_QUERY
from iiv.web.security import WebSettings
from tests.reliability.corpus import HostileVault, build_vault, expected, write_expected
from tests.reliability.harness import figures

UPDATE = os.environ.get("IIV_UPDATE_GOLDEN") == "1"
MAX_PARSE_SECONDS = 2.0  # per file: a hang or a quadratic blow-up, not a benchmark
MAX_PEAK_BYTES = 64_000_000  # per file: a 10 MB file is read from its first 2 MB only
MIN_FILES = 60
HOST = "127.0.0.1:8765"
TODAY = date(2026, 12, 1)
QUERIES = [
    "walnut",
    "corpus",
    '"unclosed',
    "(",
    ")",
    "*",
    "?",
    "AND",
    "NOT OR",
    "tag:",
    "person:[[x",
    "date:[2026 to",
    "date:>9999-99-99",
    "kind:",
    "José",
    "jose",
    "zoë",
    "\u202e",
    "\x00",
    "<script>",
    "a" * 600,
    "[" * 500,
    "k:" * 300,
]


@dataclass(frozen=True)
class Corpus:
    vault: HostileVault
    files: dict[str, bytes]  # every regular note file the walk finds: vault path → bytes


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    vault = build_vault(tmp_path_factory.mktemp("hostile"))
    stats, _ = scan(vault.root, load(vault.root).config)
    files = {rel: (vault.root / rel).read_bytes() for rel in sorted(stats)}
    return Corpus(vault, files)


def found(root: Path) -> dict[str, dict[str, object]]:
    """Every path the vault lists: its kind and title (for a note) and its problems."""
    vault = load(root)
    result: dict[str, dict[str, object]] = defaultdict(dict)
    for note in vault.notes.values():
        result[note.path].update(kind=note.kind, title=note.title, problems=[])
    for problem in vault.problems:
        entry = result[problem.path]
        entry.setdefault("problems", [])
        entry["problems"].append(_wording(problem))  # type: ignore[attr-defined]
    return dict(result)


def _wording(problem: Problem) -> str:
    return f"{problem.line}: {problem.message}" if problem.line else problem.message


# The corpus, file by file.


def test_the_corpus_has_enough_hostile_files(corpus: Corpus) -> None:
    assert len(corpus.files) >= MIN_FILES
    assert len(expected()) >= MIN_FILES


def test_every_file_parses_in_bounded_time_and_memory(corpus: Corpus) -> None:
    slow, worst = [], (0.0, 0)
    with figures("hostile-parse") as record:
        for rel, data in corpus.files.items():
            started = time.perf_counter()
            note = parse_note(rel, data)
            seconds = time.perf_counter() - started
            tracemalloc.start()  # a second parse, traced: tracing slows many small allocations
            try:
                parse_note(rel, data)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert all(isinstance(p, Problem) and p.path == rel for p in note.problems), rel
            record.seconds.append(seconds)
            worst = (max(worst[0], seconds), max(worst[1], peak))
            if seconds > MAX_PARSE_SECONDS or peak > MAX_PEAK_BYTES:
                slow.append(f"{rel!r}: {seconds:.2f} s, {peak / 1e6:.1f} MB")
        record.runs, record.failures = len(corpus.files), len(slow)
        record.extra.update(max_peak_mb=round(worst[1] / 1e6, 1))
    assert slow == []


def test_every_file_is_a_listed_problem_or_a_correct_note(corpus: Corpus) -> None:
    actual = found(corpus.vault.root)
    if UPDATE:
        write_expected(actual)
    assert actual == expected()


def test_nothing_outside_the_vault_or_ignored_is_read(corpus: Corpus) -> None:
    vault = load(corpus.vault.root)
    assert not any(corpus.vault.secret in note.title + note.body for note in vault.notes.values())
    listed = set(vault.notes)
    assert not any(part.startswith(".") for rel in listed for part in rel.split("/"))
    assert not any(rel.startswith(("templates/", "links/folder-")) for rel in listed)
    assert {"backup.md~", "#autosave.md#", "image.png", "names/pipe.md"}.isdisjoint(listed)
    assert not Path("/tmp/iiv-pwned").exists()  # yaml/python-object-tag.md ran nothing


def test_iiv_check_lists_every_problem_and_exits_1(corpus: Corpus, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONWARNINGS": "error"}
    args = [sys.executable, "-m", "iiv", "check", "--vault", str(corpus.vault.root)]
    text = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, check=False)
    data = subprocess.run(
        [*args, "--json"], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert (text.returncode, data.returncode) == (1, 1)
    for output in (text.stdout + text.stderr, data.stdout + data.stderr):
        assert "Traceback" not in output
    listed = defaultdict(list)
    for item in json.loads(data.stdout)["items"]:
        problem = Problem(item["path"], item["line"], item["message"])
        listed[problem.path].append(_wording(problem))
        assert str(problem) in text.stdout
    wanted = {path: entry["problems"] for path, entry in expected().items() if entry["problems"]}
    assert dict(listed) == wanted


# The corpus through a real Library and the dashboard.


@pytest.fixture(scope="module")
def library(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    lib = Library.open(corpus.vault.root, tmp_path_factory.mktemp("hostile-index"))
    try:
        lib.sync()
        yield lib
    finally:
        lib.close()


def test_the_library_indexes_every_note_once(library: Library, corpus: Corpus) -> None:
    stats, _ = scan(library.root, library.config)
    assert library.index.indexed() == {p: (s.size, s.mtime_ns) for p, s in stats.items()}
    fresh = {p: replace(n, body="") for p, n in load(library.root).notes.items()}
    assert {p: replace(n, body="") for p, n in library.snapshot().notes.items()} == fresh
    assert {hit.path for hit in library.search("walnut", limit=50).hits} == {
        "yaml/template-placeholder.md"
    }


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
def test_search_takes_any_query(library: Library, query: str) -> None:
    result = library.search(query, limit=20, page=1)
    assert result.total >= 0 and all(hit.path in library.snapshot().notes for hit in result.hits)


@pytest.mark.parametrize("day", [TODAY, date(1900, 1, 1), date(9000, 1, 1)])
def test_due_lists_the_corpus_tasks_on_any_day(library: Library, day: date) -> None:
    items = library.due(day, 3660)
    assert all(item.path in library.snapshot().notes for item in items)
    assert any(item.path == "size/many-tasks.md" for item in items) == (day >= TODAY)


def test_every_page_of_the_dashboard_answers_without_an_error(library: Library) -> None:
    client = create_app(library, WebSettings(port=8765)).test_client()
    vault = library.snapshot()
    prefixes = {"person": "person", "interview": "interview"}
    urls = [
        "/",
        "/?today=2026-12-01",
        "/problems",
        "/api/problems",
        "/api/due?today=2026-12-01",
        "/api/status",
    ]
    urls += [f"/{prefixes.get(n.kind, 'note')}/{quote(n.path)}" for n in vault.notes.values()]
    urls += [f"/company/{quote(p.company, safe='')}" for p in vault.people if p.company]
    expected = dict.fromkeys(urls, 200)
    for query in QUERIES:  # a query too long is refused, with a 400
        status = 400 if len(" ".join(query.split())) > MAX_QUERY else 200
        expected[f"/search?q={quote(query)}"] = expected[f"/api/search?q={quote(query)}"] = status
    failed = []
    for url, status in expected.items():
        started = time.perf_counter()
        response = client.get(url, headers={"Host": HOST})
        seconds = time.perf_counter() - started
        if response.status_code != status or seconds > 10:
            failed.append(f"{url[:120]}: {response.status_code} in {seconds:.1f} s")
    assert failed == []


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("/?today=9999-12-31", 400, "today: 9999-12-31 is too far in the future"),
        ("/api/due?today=9999-12-31", 400, "today: 9999-12-31 is too far in the future"),
        ("/api/due?today=9990-06-01&within=3660", 400, "is too far in the future"),
        ("/?today=0001-01-01", 400, "today: 0001-01-01 is too far in the past"),
        (
            "/?today=1900-01-01",
            200,
            'Showing what is due as of <span class="nowrap">1900-01-01</span>.',
        ),
        ("/?today=2026-02-30", 400, "today: 2026-02-30 is not a real date"),
        ("/?today=%00", 400, "today: expected a date like 2026-11-21"),
        ("/search?q=corpus&page=%C2%B2", 200, "corpus"),
        ("/search?q=corpus&page=" + "9" * 5000, 200, "corpus"),
        ("/api/search?q=corpus&page=" + "9" * 5000 + "&limit=-1", 200, '"query":"corpus"'),
        ("/api/due?within=" + "9" * 5000, 200, '"items"'),
        ("/api/search?q=" + "a" * 501, 400, "q: a query has at most 500 characters, not 501"),
        ("/search?q=x&tag=" + "b" * 600, 400, "q: a query has at most 500 characters"),
        ("/search?q=%00%0a%0d", 200, "Search"),
    ],
)
def test_hostile_arguments_are_refused_or_read_never_an_error(
    library: Library, url: str, status: int, says: str
) -> None:
    client = create_app(library, WebSettings(port=8765)).test_client()
    response = client.get(url, headers={"Host": HOST})
    assert response.status_code == status
    assert says in response.get_data(as_text=True)


# Vaults that once took down every due list: iiv/followups.py added days without bound, and
# iiv/config.py read iiv.yaml with a loader whose explicit tags raised ValueError.
CALENDAR_ENDS = {
    "thank-you after 9999-12-31": {
        "i.md": "---\ntype: interview\nstatus: done\ndate: 9999-12-31\n---\n"
    },
    "keep in touch past 9999": {
        "p.md": "---\ntype: person\nkeep_in_touch: 30\nlast_contact: 9999-12-20\n---\n"
    },
    "nudge after 9999-12-30": {
        "i.md": "---\ntype: interview\nstatus: requested\nrequested: 9999-12-30\n---\n"
    },
    "iiv.yaml: an explicit tag that does not fit": {
        "iiv.yaml": "nudge_after: !!int abc\n",
        "a.md": "# A\n",
    },
    "iiv.yaml: a huge number of days": {
        "iiv.yaml": "prepare_before: 99999999999\n",
        "i.md": "---\ntype: interview\nstatus: scheduled\ndate: 2026-12-10\n---\n",
    },
}


@pytest.mark.parametrize("files", CALENDAR_ENDS.values(), ids=CALENDAR_ENDS.keys())
def test_due_survives_the_ends_of_the_calendar(tmp_path: Path, files: dict[str, str]) -> None:
    from iiv.followups import followups

    for rel, text in files.items():
        (tmp_path / rel).write_text(text, encoding="utf-8")
    assert isinstance(followups(load(tmp_path), TODAY), list)


# Properties: what the corpus taught, over random input.

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HOSTILE_PIECES = [
    "---",
    "...",
    "\n",
    " ",
    "\t",
    "\u00a0",
    "\ufeff",
    "\u2028",
    "\u0085",
    "\x00",
    "\x07",
    "\ufffd",
    "type: person",
    "type: interview",
    "name: ",
    "keep_in_touch: ",
    "99999999999 years",
    "date: ",
    "9999-12-31",
    "0000-00-00",
    "2026-02-30",
    "status: done",
    "person: ",
    "[[Ada]]",
    '"[[Ada]]"',
    "{{date}}",
    "&a ",
    "*a",
    "!!binary aGk=",
    "!!int 1",
    "!!set {a}",
    "? [a]",
    "[",
    "]",
    "{",
    "}",
    "<<<<<<< HEAD",
    "=======",
    ">>>>>>> b",
    "- [ ] ",
    "- [x] ",
    "📅 ",
    "🔁 every 9 years ",
    "#tag",
    "^id",
    "```",
    "# heading",
    "José",
    unicodedata.normalize("NFD", "José"),
    "<script>",
]
HOSTILE_TEXT = st.lists(st.sampled_from(HOSTILE_PIECES), max_size=60).map("".join)


def _lines(data: bytes) -> int:
    return data.count(b"\n") + 1


@SETTINGS
@given(HOSTILE_TEXT)
def test_problems_point_at_lines_of_the_file(text: str) -> None:
    data = text.encode()
    note = parse_note("x.md", data)
    assert all(p.line is None or 1 <= p.line <= _lines(data) for p in note.problems)
    assert all(1 <= task.line <= _lines(data) for task in note.tasks)
    assert note.body_line <= _lines(data)


@SETTINGS
@given(HOSTILE_TEXT)
def test_crlf_and_a_bom_read_like_lf(text: str) -> None:
    assume("\r" not in text and not text.startswith("\ufeff"))

    def read(data: bytes) -> Note:
        return replace(parse_note("x.md", data), digest="")  # the bytes differ, by design

    plain = read(text.encode())
    assert read(text.replace("\n", "\r\n").encode()) == plain
    assert read(("\ufeff" + text).encode()) == plain


@SETTINGS
@given(HOSTILE_TEXT, st.sampled_from(["- [ ] ", "- [/] ", "> * [ ] "]))
def test_editing_any_task_line_refuses_or_changes_that_line(text: str, prefix: str) -> None:
    line = (prefix + text).replace("\n", " ").replace("\r", " ")
    for edit in (lambda: complete_line(line, TODAY), lambda: [snooze_line(line, 7, TODAY)]):
        try:
            lines = edit()
        except EditRefused:
            continue
        assert 1 <= len(lines) <= 2 and all("\n" not in new for new in lines)


@SETTINGS
@given(st.sampled_from(["📅", "⏳", "[due::", "[scheduled::"]), st.dates(), st.integers(1, 365))
def test_snoozing_near_the_end_of_the_calendar_refuses_instead_of_raising(
    field: str, day: date, days: int
) -> None:
    close = "]" if field.startswith("[") else ""
    line = f"- [ ] Task {field} {day.isoformat()}{close}"
    try:
        moved = parse_task(snooze_line(line, days, TODAY), 1)
    except EditRefused as error:
        assert "cannot be moved" in str(error)
        assert max(day, TODAY) > date.max - timedelta(days=days)
        return
    assert moved is not None and moved[0].when == max(day, TODAY) + timedelta(days=days)


Form = Literal["NFC", "NFD"]
ACCENTED = st.text(alphabet="aeiouAZ éÉüÜñÑçÇåÅöØß-", min_size=1, max_size=10).filter(str.strip)


@SETTINGS
@given(
    st.lists(st.tuples(st.sampled_from(["", "people/", "a/b/"]), ACCENTED), min_size=1, max_size=6),
    st.sampled_from(["NFC", "NFD"]),
    st.sampled_from(["NFC", "NFD"]),
)
def test_a_name_resolves_in_either_unicode_normal_form(
    entries: list[tuple[str, str]], on_disk: Form, in_link: Form
) -> None:
    paths = {unicodedata.normalize(on_disk, f"{folder}{stem}.md") for folder, stem in entries}
    resolver = Resolver(Named(path, ()) for path in paths)
    for _, stem in entries:
        target = unicodedata.normalize(in_link, stem)
        found = resolver.resolve(target)
        assert found in paths and found is not None
        assert fold(found[:-3].rsplit("/", 1)[-1]) == fold(stem)
        assert found == resolver.candidates(target)[0]


VALUE = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@SETTINGS
@given(VALUE, st.sampled_from(["", "---\ntype: interview\n---\n", "---\r\nthanked: x\r\n---\r\n"]))
def test_any_property_value_is_written_so_that_it_reads_back(value: str, start: str) -> None:
    data = (start + "# Body\n").encode()
    try:
        after = with_property(data, "thanked", value)
    except EditRefused:
        return
    note = parse_note("x.md", after)
    assert [p for p in note.problems if p.code == "yaml"] == []
    assert note.meta.get("thanked") == value


def test_every_open_task_of_the_corpus_completes_on_its_own_line_or_is_refused(
    corpus: Corpus,
) -> None:
    for rel, data in corpus.files.items():
        note = parse_note(rel, data)
        for task in note.tasks[:10]:
            if not task.is_open:
                continue
            try:
                after = with_task_completed(data, task.line, TODAY)
            except EditRefused:
                continue
            _assert_one_line_changed(rel, data, after, task.line)


def _assert_one_line_changed(rel: str, before: bytes, after: bytes, line: int) -> None:
    # lines as iiv counts them: ended by CRLF, LF or a CR alone
    old, new = re.split(rb"\r\n|\r|\n", before), re.split(rb"\r\n|\r|\n", after)
    inserted = len(new) - len(old)  # a recurring task's next occurrence goes above it
    assert inserted in (0, 1), rel
    assert new[: line - 1] == old[: line - 1] and new[line + inserted :] == old[line:], rel
    assert parse_note(rel, after).tasks, rel


def test_setting_a_property_on_every_corpus_note_reads_back_or_is_refused(corpus: Corpus) -> None:
    for rel, data in corpus.files.items():
        try:
            after = with_property(data, "thanked", "2026-12-01")
        except EditRefused:
            continue
        note: Note = parse_note(rel, after)
        assert note.meta.get("thanked") == "2026-12-01", rel
