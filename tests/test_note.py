"""Parsing one note: golden files for whole notes, exact problems for every kind of bad input."""

from __future__ import annotations

import dataclasses
import json
import os
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iiv.links import Link
from iiv.note import MAX_NOTE_BYTES, Kinds, Note, parse_note
from iiv.problem import Problem
from tests.helpers import EXAMPLE

NOTES = Path(__file__).parent / "notes"
GOLDEN = sorted(NOTES.glob("*.md"))
# IIV_UPDATE_GOLDEN=1 rewrites the expected files; read the diff before keeping it.
UPDATE = os.environ.get("IIV_UPDATE_GOLDEN") == "1"


def note_to_json(value: Any) -> Any:
    """A Note (or any part of one) as plain JSON values, for the golden files."""
    if isinstance(value, Problem):
        return {"line": value.line, "message": value.message}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [f.name for f in dataclasses.fields(value) if f.name != "digest"]  # tested below
        return {name: note_to_json(getattr(value, name)) for name in names}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [note_to_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): note_to_json(item) for key, item in value.items()}
    return value


def messages(note: Note) -> list[tuple[int | None, str]]:
    return [(p.line, p.message) for p in note.problems]


@pytest.mark.parametrize("source", GOLDEN, ids=[p.name for p in GOLDEN])
def test_note_matches_its_golden_file(source: Path) -> None:
    expected_file = source.with_name(source.name[: -len(".md")] + ".expected.json")
    actual = note_to_json(parse_note(source.name, source.read_bytes()))
    if UPDATE:
        text = json.dumps(actual, indent=2, ensure_ascii=False) + "\n"
        expected_file.write_text(text, encoding="utf-8")
    assert actual == json.loads(expected_file.read_text(encoding="utf-8"))


def test_every_golden_file_has_its_note() -> None:
    sources = {p.name[: -len(".md")] for p in GOLDEN}
    expected = {p.name[: -len(".expected.json")] for p in NOTES.glob("*.expected.json")}
    assert expected == sources
    assert len(sources) >= 12


def test_note_to_json_turns_values_into_plain_json() -> None:
    note = parse_note(
        "x.md", b'---\ntype: person\nintroduced_by: "[[Ada|A]]"\nlast_contact: 2026-01-02\n---\n'
    )
    data = note_to_json(note)
    assert data["introduced_by"] == {"target": "Ada", "label": "A", "heading": None}
    assert data["last_contact"] == "2026-01-02"
    assert data["aliases"] == []
    assert json.loads(json.dumps(data)) == data


# Invalid YAML: one case for each kind of error PyYAML raises.


@pytest.mark.parametrize(
    ("front_matter", "line", "message"),
    [
        pytest.param(
            "title: a\n  b: c",
            3,
            "invalid YAML front-matter: mapping values are not allowed in this context",
            id="scanner",
        ),
        pytest.param(
            "title: @home",
            2,
            "invalid YAML front-matter: found character that cannot start any token",
            id="scanner-reserved-character",
        ),
        pytest.param(
            "tags:\n- a\nb",
            4,
            "invalid YAML front-matter: could not find expected ':'",
            id="scanner-simple-key",
        ),
        pytest.param(
            "type: person\ntitle: \x1b[31mred",
            3,
            "invalid YAML front-matter: control characters are not allowed (U+001B)",
            id="reader",
        ),
        pytest.param(
            "type: person\n- a",
            3,
            "invalid YAML front-matter: did not find expected key",
            id="parser",
        ),
        pytest.param(
            "type: person\nfriend: *ada",
            3,
            "invalid YAML front-matter: found undefined alias",
            id="composer",
        ),
        pytest.param(
            "run: !!python/object/apply:os.system [echo]",
            2,
            "invalid YAML front-matter: could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/object/apply:os.system'",
            id="constructor",
        ),
        pytest.param(
            "type:\tperson\n\tname: Ada",
            3,
            "invalid YAML front-matter: found a tab character that violates indentation",
            id="tab-indentation",
        ),
    ],
)
def test_invalid_yaml_is_a_problem_and_the_body_stays(
    front_matter: str, line: int, message: str
) -> None:
    note = parse_note("people/ada.md", f"---\n{front_matter}\n---\nAda's text\n".encode())
    assert messages(note) == [(line, message)]
    assert note.problems[0].path == "people/ada.md"
    assert note.kind == "note"
    assert note.meta == {}
    assert note.body == "Ada's text\n"


def test_a_yaml_problem_keeps_the_tasks_and_links_of_the_body() -> None:
    data = "---\ndate: [\n---\nSee [[Ada]]\n- [ ] Call 📅 2026-12-01\n".encode()
    note = parse_note("x.md", data)
    assert [link.target for link in note.links] == ["Ada"]
    assert [(t.line, t.due) for t in note.tasks] == [(5, date(2026, 12, 1))]


PLACEHOLDER = (
    "unfilled template placeholder {}: fill it in, or keep templates in a folder named templates"
)


@pytest.mark.parametrize(
    ("front_matter", "problems"),
    [
        ("type: person\ndate: {{date}}", [(3, "{{date}}")]),
        ('type: person\nname: "{{title}}"', [(3, "{{title}}")]),
        (
            "type: person\ncreated: {{date:YYYY-MM-DD}}T{{time}}",
            [(3, "{{date:YYYY-MM-DD}}"), (3, "{{time}}")],
        ),
    ],
)
def test_an_unfilled_placeholder_is_reported_as_one_and_the_rest_is_read(
    front_matter: str, problems: list[tuple[int, str]]
) -> None:
    note = parse_note("people/ada.md", f"---\n{front_matter}\n---\nAda's text\n".encode())
    assert messages(note) == [(line, PLACEHOLDER.format(text)) for line, text in problems]
    assert note.kind == "person"
    assert note.title == "ada"


def test_unfilled_placeholders_in_the_body_are_reported_outside_code() -> None:
    text = "---\ntype: person\n---\n# {{title}}\n\nOn {{date:YYYY-MM-DD}}.\n`{{ user }}` {{name}}\n"
    note = parse_note("x.md", text.encode())
    assert messages(note) == [
        (4, PLACEHOLDER.format("{{title}}")),
        (6, PLACEHOLDER.format("{{date:YYYY-MM-DD}}")),
    ]


def test_comments_are_not_part_of_the_body_and_keep_its_line_numbers() -> None:
    text = (
        "---\ntype: person\n---\n%% How we met, what they do. %%\n"
        "Met at the meetup. <!-- a note to self\nover two lines -->\n"
        "%%\n- [ ] hidden task 📅 2026-12-01\n%%\n"
        "```\n%% code stays %%\n```\n- [ ] Call [[Ada]] 📅 2026-12-02\n"
    )
    note = parse_note("x.md", text.encode())
    blanked = "\nMet at the meetup. \n\n\n\n\n"
    assert note.body == blanked + "```\n%% code stays %%\n```\n- [ ] Call [[Ada]] 📅 2026-12-02\n"
    assert [(t.line, t.due) for t in note.tasks] == [(13, date(2026, 12, 2))]
    assert [link.target for link in note.links] == ["Ada"]


@pytest.mark.parametrize(
    ("front_matter", "message"),
    [
        ("- a\n- b", "front-matter is a list, not properties (`key: value` lines)"),
        ("just a sentence", "front-matter is a single value, not properties (`key: value` lines)"),
        ("'quoted'", "front-matter is a single value, not properties (`key: value` lines)"),
    ],
)
def test_front_matter_that_is_not_a_mapping_is_a_problem(front_matter: str, message: str) -> None:
    note = parse_note("x.md", f"---\n{front_matter}\n---\nbody\n".encode())
    assert messages(note) == [(2, message)]
    assert note.meta == {}
    assert note.body == "body\n"


@pytest.mark.parametrize("data", [b"---\n---\nbody\n", b"---\n\n   \n---\nbody\n"])
def test_empty_front_matter_is_a_problem(data: bytes) -> None:
    note = parse_note("x.md", data)
    message = "empty front-matter (--- then ---): add properties or remove both lines"
    assert messages(note) == [(1, message)]
    assert note.body == "body\n"


def test_front_matter_with_only_comments_is_no_problem() -> None:
    note = parse_note("x.md", b"---\n# nothing yet\n---\nbody\n")
    assert note.problems == ()
    assert note.body == "body\n"


@pytest.mark.parametrize(
    "data",
    [
        b"---\ntype: person\nname: Bob\n",
        b"---\ntype: person\n\n# Bob\n\nMet at the meetup.\n",
        b"---\ntype: person\n\n# Bob\nMet at the meetup.\n\n---\n\nMore text.\n",
    ],
)
def test_unclosed_front_matter_is_a_problem_and_the_whole_file_is_the_body(data: bytes) -> None:
    note = parse_note("people/bob.md", data)
    message = "front-matter opened with --- on line 1 is never closed with ---"
    assert messages(note) == [(1, message)]
    assert note.body == data.decode()
    assert note.body_line == 1
    assert note.kind == "note"


@pytest.mark.parametrize(
    "front_matter",
    ["type: person\n\n# Contact\nemail: bob@example.com", "type: person\n\n# The end"],
)
def test_a_yaml_comment_after_a_blank_line_does_not_end_the_front_matter(
    front_matter: str,
) -> None:
    note = parse_note("people/bob.md", f"---\n{front_matter}\n---\n# Bob\n".encode())
    assert note.problems == ()
    assert (note.kind, note.body) == ("person", "# Bob\n")


def test_front_matter_may_close_with_three_dots() -> None:
    note = parse_note("x.md", b"---\ntype: person\n...\nbody\n")
    assert (note.kind, note.body, note.problems) == ("person", "body\n", ())


# Values of the wrong type, impossible dates.


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("keep_in_touch: often", "keep_in_touch: expected a number of days, got 'often'"),
        ("keep_in_touch: 0", "keep_in_touch: expected a number of days, got '0'"),
        ("last_contact: 2026-02-30", "last_contact: 2026-02-30 is not a real date"),
        (
            "last_contact: yesterday",
            "last_contact: expected a date like 2026-11-21, got 'yesterday'",
        ),
        ("company: [A, B]", "company: expected text, got a list"),
        ("email: {work: a@b}", "email: expected text, got a set of properties"),
        ("tags: [[a, b]]", "tags: expected a list of text, got a list"),
        (
            "introduced_by: {name: Ada}",
            'introduced_by: expected a link like "[[Ada Lovelace]]", got a set of properties',
        ),
        (
            "introduced_by: [[Ada]]",
            'introduced_by: put the link in quotes: "[[Ada]]" (YAML reads [[ ]] as a list)',
        ),
    ],
)
def test_a_person_value_of_the_wrong_type_is_a_problem_on_its_line(
    lines: str, message: str
) -> None:
    note = parse_note("people/ada.md", f"---\ntype: person\nname: Ada\n{lines}\n---\n".encode())
    assert messages(note) == [(4, message)]
    assert note.kind == "person"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("date: 2026-02-30", "date: 2026-02-30 is not a real date"),
        ("date: 2026-12-03 25:00", "date: '2026-12-03 25:00' is not a real time"),
        (
            "date: next Tuesday",
            "date: expected a date like 2026-11-21 or 2026-11-21 14:30, got 'next Tuesday'",
        ),
        ("requested: 2026-13-01", "requested: 2026-13-01 is not a real date"),
        ("thanked: 2026-04-31", "thanked: 2026-04-31 is not a real date"),
        (
            "status: maybe",
            "status: 'maybe' is not one of prospect, requested, scheduled, done, declined,"
            " no-reply, cancelled",
        ),
        (
            "person: {name: Ada}",
            'person: expected a link like "[[Ada Lovelace]]", got a set of properties',
        ),
        (
            "person: [[Ada]]",
            'person: put the link in quotes: "[[Ada]]" (YAML reads [[ ]] as a list)',
        ),
    ],
)
def test_an_interview_value_of_the_wrong_type_is_a_problem_on_its_line(
    lines: str, message: str
) -> None:
    note = parse_note("interviews/x.md", f"---\ntype: interview\n{lines}\n---\n".encode())
    assert messages(note) == [(3, message)]


def test_an_unquoted_link_is_still_read() -> None:
    data = b"---\ntype: interview\npeople:\n  - [[Ada]]\n---\n"
    note = parse_note("x.md", data)
    assert note.people == (Link("Ada"),)
    assert messages(note) == [
        (3, 'people: put the link in quotes: "[[Ada]]" (YAML reads [[ ]] as a list)')
    ]


def test_every_unquoted_link_of_a_list_is_read() -> None:
    data = b"---\ntype: interview\npeople:\n  - [[Ada]]\n  - [[Bob]]\n---\n"
    note = parse_note("x.md", data)
    assert note.people == (Link("Ada"), Link("Bob"))
    assert len(note.problems) == 2


def test_several_links_in_one_text_value_are_each_read() -> None:
    data = b'---\ntype: interview\npeople: "[[Ada]], [[Bob|Robert]]"\n---\n'
    note = parse_note("x.md", data)
    assert note.people == (Link("Ada"), Link("Bob", label="Robert"))
    assert note.problems == ()


def test_the_line_of_a_quoted_key_is_found() -> None:
    note = parse_note("x.md", b'---\ntype: person\n"keep_in_touch": often\n---\n')
    assert messages(note) == [(3, "keep_in_touch: expected a number of days, got 'often'")]


def test_an_impossible_task_date_is_a_problem_and_the_task_stays() -> None:
    data = "---\ntype: person\n---\n- [ ] Call Ada 📅 2026-02-31\n".encode()
    note = parse_note("people/ada.md", data)
    assert messages(note) == [(4, "📅 2026-02-31 is not a real date")]
    assert [(t.description, t.due) for t in note.tasks] == [("Call Ada", None)]


@pytest.mark.parametrize(
    ("value", "days"),
    [("90", 90), ("90 days", 90), ("1 day", 1), ("6 weeks", 42), ("3 months", 90), ("1 year", 365)],
)
def test_keep_in_touch_accepts_days_weeks_months_and_years(value: str, days: int) -> None:
    note = parse_note("x.md", f"---\ntype: person\nkeep_in_touch: {value}\n---\n".encode())
    assert (note.keep_in_touch, note.problems) == (days, ())


@pytest.mark.parametrize(
    ("value", "day", "time"),
    [
        ("2026-12-03", date(2026, 12, 3), None),
        ("2026-12-03 15:30", date(2026, 12, 3), "15:30"),
        ("2026-12-03T15:30:00", date(2026, 12, 3), "15:30"),
        ("2026-12-03 9:05:00", date(2026, 12, 3), "09:05"),
        ('"2026-12-03"', date(2026, 12, 3), None),
    ],
)
def test_an_interview_date_may_carry_a_time(value: str, day: date, time: str | None) -> None:
    note = parse_note("x.md", f"---\ntype: interview\ndate: {value}\n---\n".encode())
    assert (note.date, note.time, note.problems) == (day, time, ())


# YAML 1.1 surprises: every plain scalar is text.


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("0171234567", "0171234567"),
        ("09", "09"),
        ("6.0", "6.0"),
        ("2024-06-14 23:02", "2024-06-14 23:02"),
        ("2026-02-30", "2026-02-30"),
        ("no", "no"),
        ("yes", "yes"),
        ("on", "on"),
        ("1_000", "1_000"),
        ("0x1F", "0x1F"),
        (".inf", ".inf"),
        ("1:30", "1:30"),
    ],
)
def test_plain_scalars_stay_text(value: str, text: str) -> None:
    note = parse_note("x.md", f"---\nphone: {value}\ntitle: {value}\n---\n".encode())
    assert note.meta == {"phone": text, "title": text}
    assert note.title == text
    assert note.problems == ()


@pytest.mark.parametrize("value", ["", "~", "null"])
def test_an_empty_value_counts_as_absent(value: str) -> None:
    note = parse_note("people/ada.md", f"---\ntype: person\ncompany: {value}\n---\n".encode())
    assert (note.company, note.problems) == (None, ())


# Bytes: encodings, line endings, sizes.


def test_non_utf8_bytes_are_a_problem_and_the_rest_is_read() -> None:
    note = parse_note("notes/old.md", b"---\ntitle: Caf\xe9\n---\nna\xefve text\n")
    assert messages(note) == [
        (2, "not valid UTF-8 (saved in another encoding?): unreadable bytes are shown as �")
    ]
    assert note.title == "Caf�"
    assert note.body == "na�ve text\n"


def test_a_bom_before_the_front_matter_is_skipped() -> None:
    note = parse_note("x.md", b"\xef\xbb\xbf---\ntype: person\nname: Ada\n---\nbody\n")
    assert (note.kind, note.title, note.body, note.problems) == ("person", "Ada", "body\n", ())


def test_cr_only_line_endings_keep_the_front_matter() -> None:
    data = b"---\rtype: person\rname: Ada\r---\rText\r- [ ] Call \xf0\x9f\x93\x85 2026-12-01\r"
    note = parse_note("ada.md", data)
    assert (note.kind, note.title, note.problems) == ("person", "Ada", ())
    assert [(t.line, t.due) for t in note.tasks] == [(6, date(2026, 12, 1))]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_is_decoded(encoding: str) -> None:
    bom = b"\xff\xfe" if encoding == "utf-16-le" else b"\xfe\xff"
    text = "---\r\ntype: person\r\nname: José\r\n---\r\n- [ ] Call 📅 2026-12-01\r\n"
    note = parse_note("jose.md", bom + text.encode(encoding))
    assert (note.kind, note.title, note.problems) == ("person", "José", ())
    assert [(t.line, t.due) for t in note.tasks] == [(5, date(2026, 12, 1))]


def test_kepanos_categories_make_people_and_meetings() -> None:
    person = parse_note(
        "References/Steph Ango.md",
        b'---\ncategory:\n  - "[[People]]"\ntype: []\norg:\n  - "[[Obsidian]]"\nloc: SF\n---\n',
    )
    assert (person.kind, person.title, person.company, person.location) == (
        "person",
        "Steph Ango",
        "Obsidian",
        "SF",
    )
    assert person.problems == ()
    meeting = parse_note(
        "Meetings/2024-06-14 Sync.md",
        b'---\ncategories: "[[Meetings]]"\ntype: []\ndate: 2024-06-14\n'
        b'people: ["[[Steph Ango]]"]\norg: "[[Obsidian]]"\n---\n',
    )
    assert (meeting.kind, meeting.date, meeting.company) == (
        "interview",
        date(2024, 6, 14),
        "Obsidian",
    )
    assert [link.target for link in meeting.people] == ["Steph Ango"]
    assert meeting.problems == ()


def test_category_names_come_from_the_settings() -> None:
    data = b'---\ncategories: ["[[Contacts]]", "[[Work]]"]\n---\n'
    assert parse_note("x.md", data).kind == "note"
    assert parse_note("x.md", data, Kinds(person=("contacts",))).kind == "person"
    assert (
        parse_note("x.md", b"---\ncategories: Calls\n---\n", Kinds(interview=("Calls",))).kind
        == "interview"
    )
    assert (
        parse_note(
            "x.md", b"---\ntype: person\ncategories: Calls\n---\n", Kinds(interview=("Calls",))
        ).kind
        == "person"
    )


def test_crlf_line_endings_are_read_like_lf() -> None:
    data = b"---\r\ntype: person\r\nname: Ada\r\n---\r\n- [ ] Call \xf0\x9f\x93\x85 2026-12-01\r\n"
    note = parse_note("x.md", data)
    assert (note.kind, note.title, note.problems) == ("person", "Ada", ())
    assert note.body == "- [ ] Call 📅 2026-12-01\n"
    assert [(t.line, t.due) for t in note.tasks] == [(5, date(2026, 12, 1))]


def test_mixed_line_endings_are_read_like_lf() -> None:
    data = b"---\r\ntype: person\nname: Ada\r\n---\nline one\r\nline two\n"
    note = parse_note("x.md", data)
    assert (note.kind, note.title, note.problems) == ("person", "Ada", ())
    assert note.body == "line one\nline two\n"
    assert note.body_line == 5


def test_an_empty_file_is_an_empty_note_without_problems() -> None:
    note = parse_note("notes/empty.md", b"")
    assert (note.kind, note.title, note.body, note.meta) == ("note", "empty", "", {})
    assert note.problems == ()


def test_a_binary_file_named_md_is_a_problem_and_not_indexed() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"
    note = parse_note("image.md", png)
    assert messages(note) == [(None, "binary file, not Markdown text: not indexed")]
    assert (note.body, note.tasks, note.links) == ("", (), ())


def test_nul_bytes_at_the_start_mean_binary() -> None:
    note = parse_note("x.md", b"---\ntitle: a\n---\nhello\x00world\n")
    assert messages(note) == [(None, "binary file, not Markdown text: not indexed")]


def test_a_stray_nul_byte_far_into_a_text_file_is_dropped() -> None:
    data = b"---\ntitle: a\n---\n" + b"text\n" * 2000 + b"hello\x00world\n"
    note = parse_note("x.md", data)
    assert note.problems == ()
    assert note.title == "a"
    assert note.body.endswith("text\nhelloworld\n")


def test_a_very_large_file_is_indexed_from_its_beginning() -> None:
    line = b"The quick brown fox jumps over the lazy dog, again and again and again.\n"
    data = b"---\ntitle: Export\n---\nFIRST\n" + line * (10_000_000 // len(line) + 1) + b"LAST\n"
    assert len(data) > 10_000_000
    note = parse_note("export.md", data)
    assert messages(note) == [(None, "very large file: only its first 2 MB is indexed")]
    assert note.title == "Export"
    assert note.body.startswith("FIRST\n")
    assert "LAST" not in note.body
    assert note.body.endswith(line.decode().rstrip("\n"))  # cut at a line end
    assert len(note.body.encode()) < MAX_NOTE_BYTES


def test_a_very_large_file_of_one_line_is_not_cut_inside_a_character() -> None:
    note = parse_note("export.md", "€".encode() * 4_000_000)
    assert messages(note) == [(None, "very large file: only its first 2 MB is indexed")]
    assert set(note.body) == {"€"}


def test_a_line_of_60000_characters_is_read() -> None:
    long_line = "word " * 12_000
    data = f"---\ntitle: Long\n---\n- [ ] {long_line}📅 2026-12-01\n{long_line}[[Ada]]\n"
    note = parse_note("x.md", data.encode())
    assert note.problems == ()
    assert [t.due for t in note.tasks] == [date(2026, 12, 1)]
    assert note.links == (Link("Ada"),)


def test_a_yaml_alias_bomb_is_refused_quickly() -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for name, previous in zip("bcdefghij", "abcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 12) + "]")
    note = parse_note("notes/bomb.md", ("---\n" + "\n".join(levels) + "\n---\nbody\n").encode())
    assert messages(note) == [(2, "front-matter uses more than 100 YAML aliases")]
    assert note.meta == {}
    assert note.body == "body\n"


def test_a_yaml_alias_bomb_under_the_alias_limit_is_cut_and_reported() -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for name, previous in zip("bcdefghi", "abcdefgh", strict=True):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    tracemalloc.start()
    try:
        note = parse_note("notes/bomb.md", ("---\n" + "\n".join(levels) + "\n---\nbody\n").encode())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000  # 9**9 strings if expanded
    too_big = "too large or too deeply nested to read (YAML aliases?)"
    assert messages(note) == [
        (line, f"{key}: {too_big}") for line, key in zip(range(5, 11), "defghi", strict=True)
    ]
    assert note.meta["i"] == "(too large to show)"
    assert json.dumps(note.meta)  # small enough to store


@pytest.mark.parametrize("nesting", ["[" * 50_000, "- " * 50_000 + "x", "{a: " * 50_000])
def test_deeply_nested_yaml_is_refused_without_crashing(nesting: str) -> None:
    note = parse_note("x.md", f"---\n{nesting}\n---\nbody\n".encode())
    assert messages(note) == [(2, "front-matter is nested more than 100 levels deep: not read")]
    assert note.body == "body\n"


# Conflicts: git markers and sync-tool copies.


def test_git_conflict_markers_in_the_front_matter_drop_its_properties() -> None:
    data = b"---\ntype: person\n<<<<<<< HEAD\nname: Eve\n=======\nname: Eva\n>>>>>>> b\n---\nbody\n"
    note = parse_note("people/eve.md", data)
    assert messages(note) == [(3, "git conflict markers: resolve the merge")]
    assert note.problems[0].code == "conflict-markers"
    assert (note.meta, note.kind, note.body) == ({}, "note", "body\n")


def test_git_conflict_markers_that_swallow_the_closing_line() -> None:
    data = b"---\n<<<<<<< HEAD\ntitle: a\n---\nbody A\n=======\ntitle: b\n---\nbody B\n>>>>>>> x\n"
    note = parse_note("x.md", data)
    assert messages(note) == [(2, "git conflict markers: resolve the merge")]
    assert note.meta == {}
    assert "body A" in note.body


def test_git_conflict_markers_in_the_body_keep_the_properties() -> None:
    data = b"---\ntitle: a\n---\n<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> x\n"
    note = parse_note("x.md", data)
    assert messages(note) == [(4, "git conflict markers: resolve the merge")]
    assert note.title == "a"


def test_a_setext_heading_underline_is_no_conflict_marker() -> None:
    note = parse_note("x.md", b"Title\n=======\n\ntext\n")
    assert note.problems == ()


@pytest.mark.parametrize(
    ("path", "original"),
    [
        ("people/ada.sync-conflict-20261121-101500-ABCDEF7.md", "ada.md"),
        ("people/ada (Laptop's conflicted copy 2026-11-21).md", "ada.md"),
        ("people/ada (conflicted copy 2026-11-21).md", "ada.md"),
    ],
)
def test_a_sync_conflict_copy_is_a_problem(path: str, original: str) -> None:
    note = parse_note(path, b"---\ntype: person\n---\n")
    message = f"sync conflict copy of {original!r}: merge it into the original, then delete it"
    assert messages(note) == [(None, message)]
    assert note.problems[0].code == "conflict-copy"
    assert note.conflict_of == original


# Properties read per kind.


def test_a_person_note_reads_its_properties() -> None:
    data = (
        b'---\ntype: Person\nname: Ada Lovelace\naliases: [Ada]\ntags: "mentor, #maths"\n'
        b'introduced_by: "[[Charles Babbage]]"\nlast_contact: 2026-10-02\n---\n'
    )
    note = parse_note("people/ada.md", data)
    assert note.kind == "person"
    assert note.title == "Ada Lovelace"
    assert note.names == ("Ada Lovelace", "Ada")
    assert note.tags == ("mentor", "maths")
    assert note.introduced_by == Link("Charles Babbage")
    assert note.last_contact == date(2026, 10, 2)
    assert note.line_of("aliases") == 4
    assert note.line_of("absent") == 1


def test_a_person_without_name_is_named_by_its_file() -> None:
    note = parse_note("people/Ada Lovelace.md", b"---\ntype: person\n---\n")
    assert (note.title, note.stem, note.names) == (
        "Ada Lovelace",
        "Ada Lovelace",
        ("Ada Lovelace",),
    )


def test_an_interview_reads_person_and_people_together() -> None:
    data = b'---\ntype: interview\nperson: "[[Ada]]"\npeople: ["[[Bob]]", "[[Cy#Notes|C]]"]\n---\n'
    note = parse_note("x.md", data)
    assert note.people == (Link("Ada"), Link("Bob"), Link("Cy", label="C", heading="Notes"))


def test_another_type_is_a_plain_note_with_its_properties_kept() -> None:
    note = parse_note("notes/acme.md", b"---\ntype: company\ncompany: Acme\n---\n")
    assert (note.kind, note.company, note.meta["company"]) == ("note", None, "Acme")


# Properties: nothing raises.

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.binary(max_size=2000))
def test_parse_note_never_raises_on_bytes(data: bytes) -> None:
    note = parse_note("x.md", data)
    assert all(isinstance(p, Problem) for p in note.problems)


YAML_PIECES = [*"-:[]{}#&*!|>'\"%@`?,. \t\nab1", "{{", "---", "\n---\n", "📅", "\r\n", "\ufeff"]
YAMLISH = st.lists(st.sampled_from(YAML_PIECES), max_size=100).map("".join)


@SETTINGS
@given(st.text(max_size=500) | st.builds(lambda s: "---\n" + s, YAMLISH))
def test_parse_note_never_raises_on_text(text: str) -> None:
    note = parse_note("x.md", text.encode())
    assert isinstance(note.body, str)
    json.dumps(note_to_json(note), default=str)


@pytest.mark.parametrize(
    ("value", "days"),
    [
        ("90", 90),
        ("10d", 10),
        ("6w", 42),
        ("6 weeks", 42),
        ("3m", 90),
        ("3 months", 90),
        ("1y", 365),
        ("1 Year", 365),
    ],
)
def test_keep_in_touch_reads_days_weeks_months_and_years(value: str, days: int) -> None:
    note = parse_note("p.md", f"---\ntype: person\nkeep_in_touch: {value}\n---\n".encode())
    assert (note.keep_in_touch, note.problems) == (days, ())


def test_a_note_carries_the_hash_an_edit_expects() -> None:
    from iiv.edit import content_hash

    data = b"---\ntype: person\n---\nbody\n"
    assert parse_note("p.md", data).digest == content_hash(data)


def test_without_body_is_the_same_note_with_an_empty_body() -> None:
    from dataclasses import replace

    note = parse_note("people/Ada.md", b"---\ntype: person\nname: Ada\n---\nMet at [[PyCon]].\n")
    bare = note.without_body()
    assert bare == replace(note, body="") and bare.body == "" and note.body
    assert bare.without_body() is bare


@pytest.mark.parametrize("path", [*GOLDEN, *sorted(EXAMPLE.rglob("*.md"))], ids=str)
def test_a_note_pickles_as_the_dataclass_would(path: Path) -> None:
    """Notes pickle as their fields' values (`Note.__reduce__`, for the catalog): what comes
    back is what `dataclasses.replace` makes, field for field, bodies kept or left out."""
    import pickle

    note = parse_note(path.name, path.read_bytes())
    for kept in (note, note.without_body()):
        back = pickle.loads(pickle.dumps(kept))
        assert back == kept and back == dataclasses.replace(kept)
        assert [type(getattr(back, f.name)) for f in dataclasses.fields(Note)] == [
            type(getattr(kept, f.name)) for f in dataclasses.fields(Note)
        ]
    assert note.without_body() == dataclasses.replace(note, body="")


def test_unpickled_notes_share_what_they_hold_alike() -> None:
    """A snapshot loaded from the catalog holds 50,000 notes: two notes of one template share
    their `key_lines`, the names of their properties, and their links to the same person."""
    import pickle

    def loaded(path: str, data: str) -> Note:
        return pickle.loads(pickle.dumps(parse_note(path, data.encode())))

    text = "---\ntype: interview\nperson: '[[Ada]]'\ndate: 2026-12-0{}\n---\nWith [[Ada]].\n"
    one, two = loaded("a.md", text.format(1)), loaded("b.md", text.format(2))
    assert one.key_lines is two.key_lines and one.key_lines == {"type": 2, "person": 3, "date": 4}
    assert [a is b for a, b in zip(one.meta, two.meta, strict=True)] == [True, True, True]
    assert one.links[0] is two.links[0] and one.people[0] is two.links[0]
    assert one.date != two.date and one.kind is two.kind
