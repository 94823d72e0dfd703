"""The task-line grammar (Obsidian Tasks emoji format, Dataview fields) and the two line edits."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iiv.errors import EditRefused
from iiv.note import parse_note
from iiv.tasks import Task, complete_line, is_task_line, parse_task, snooze_line

TODAY = date(2026, 11, 25)
D = date.fromisoformat


def fields(line: str) -> dict[str, Any]:
    """The parsed task's values that differ from an empty open task, and its problems."""
    parsed = parse_task(line, 7)
    assert parsed is not None, line
    task, problems = parsed
    assert task.line == 7
    blank = Task(line=7, status=" ", description="")
    values = {f.name: getattr(task, f.name) for f in dataclasses.fields(task)}
    found = {k: v for k, v in values.items() if v != getattr(blank, k)}
    if problems:
        found["problems"] = problems
    return found


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("- [ ] Call Ada 📅 2026-11-21", {"description": "Call Ada", "due": D("2026-11-21")}),
        ("- [ ] Call Ada 📆 2026-11-21", {"description": "Call Ada", "due": D("2026-11-21")}),
        ("- [ ] Call Ada 🗓 2026-11-21", {"description": "Call Ada", "due": D("2026-11-21")}),
        ("- [ ] Call Ada ⏳ 2026-11-22", {"description": "Call Ada", "scheduled": D("2026-11-22")}),
        ("- [ ] Call Ada ⌛ 2026-11-22", {"description": "Call Ada", "scheduled": D("2026-11-22")}),
        ("- [ ] Call Ada 🛫 2026-11-01", {"description": "Call Ada", "start": D("2026-11-01")}),
        ("- [ ] Call Ada ➕ 2026-10-01", {"description": "Call Ada", "created": D("2026-10-01")}),
        (
            "- [x] Call Ada ✅ 2026-11-20",
            {"status": "x", "description": "Call Ada", "done": D("2026-11-20")},
        ),
        (
            "- [-] Call Ada ❌ 2026-11-20",
            {"status": "-", "description": "Call Ada", "cancelled": D("2026-11-20")},
        ),
        ("- [ ] Call Ada 🔺", {"description": "Call Ada", "priority": "highest"}),
        ("- [ ] Call Ada ⏫", {"description": "Call Ada", "priority": "high"}),
        ("- [ ] Call Ada 🔼", {"description": "Call Ada", "priority": "medium"}),
        ("- [ ] Call Ada 🔽", {"description": "Call Ada", "priority": "low"}),
        ("- [ ] Call Ada ⏬", {"description": "Call Ada", "priority": "lowest"}),
        (
            "- [ ] Call Ada 🔁 every week 📅 2026-11-21",
            {"description": "Call Ada", "due": D("2026-11-21"), "recurrence": "every week"},
        ),
        (
            "- [ ] Call Ada 🔁 every 2 weeks when done",
            {"description": "Call Ada", "recurrence": "every 2 weeks when done"},
        ),
        ("- [ ] Call Ada 🆔 abc123", {"description": "Call Ada"}),
        ("- [ ] Call Ada ⛔ abc123,def456", {"description": "Call Ada"}),
        ("- [ ] Call Ada 🏁 delete", {"description": "Call Ada"}),
        ("- [ ] Call Ada ^block-1", {"description": "Call Ada"}),
    ],
)
def test_each_emoji_field_is_read(line: str, expected: dict[str, Any]) -> None:
    assert fields(line) == expected


def test_fields_are_read_from_the_end_in_any_order() -> None:
    line = (
        "- [ ] Prepare ⏫ 🔁 every week ✅ 2026-11-20 🛫 2026-11-19 ⏳ 2026-11-20"
        " 📅 2026-11-21 ➕ 2026-11-01"
    )
    assert fields(line) == {
        "description": "Prepare",
        "due": D("2026-11-21"),
        "scheduled": D("2026-11-20"),
        "start": D("2026-11-19"),
        "created": D("2026-11-01"),
        "done": D("2026-11-20"),
        "priority": "high",
        "recurrence": "every week",
    }


def test_a_field_followed_by_prose_is_part_of_the_description() -> None:
    assert fields("- [ ] Call Ada 📅 2026-11-21 after lunch") == {
        "description": "Call Ada 📅 2026-11-21 after lunch"
    }


def test_trailing_tags_stay_in_the_description_in_their_order() -> None:
    line = "- [ ] Call #ada about #work 📅 2026-11-21 #followup ⏫ #career ^blk"
    assert fields(line) == {
        "description": "Call #ada about #work #followup #career",
        "due": D("2026-11-21"),
        "priority": "high",
    }


def test_the_leftmost_of_a_repeated_field_wins_as_in_tasks() -> None:
    line = "- [ ] Call 📅 2026-11-21 ⏫ 📅 2026-12-01 🔽"
    assert fields(line) == {"description": "Call", "due": D("2026-11-21"), "priority": "high"}


def test_a_variation_selector_after_an_emoji_is_accepted() -> None:
    line = "- [ ] Call Ada 🗓\ufe0f 2026-11-21 ⏫\ufe0f 🔁\ufe0f every day"
    assert fields(line) == {
        "description": "Call Ada",
        "due": D("2026-11-21"),
        "priority": "high",
        "recurrence": "every day",
    }


def test_a_date_without_a_space_after_the_emoji_is_read() -> None:
    assert fields("- [ ] Call 📅2026-11-21") == {"description": "Call", "due": D("2026-11-21")}


def test_a_non_breaking_space_after_the_emoji_is_no_field_as_in_tasks() -> None:
    # Obsidian Tasks does not read it either; the text stays in the description.
    assert fields("- [ ] Call Ada 📅\u00a02026-11-21") == {"description": "Call Ada 📅 2026-11-21"}


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("- [ ] Call Ada 📅 2026-02-31", "📅 2026-02-31 is not a real date"),
        ("- [ ] Call Ada ⏳ 2026-13-01", "⏳ 2026-13-01 is not a real date"),
        ("- [ ] Call Ada [due:: 2026-04-31]", "[due::] 2026-04-31 is not a real date"),
    ],
)
def test_an_impossible_date_is_a_problem_and_the_task_is_kept(line: str, problem: str) -> None:
    assert fields(line) == {"description": "Call Ada", "problems": [problem]}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("- [ ] Call [due:: 2026-11-21]", {"due": D("2026-11-21")}),
        ("- [ ] Call (due:: 2026-11-21)", {"due": D("2026-11-21")}),
        ("- [ ] Call [due::2026-11-21]", {"due": D("2026-11-21")}),
        ("- [ ] Call [scheduled:: 2026-11-22]", {"scheduled": D("2026-11-22")}),
        ("- [ ] Call [start:: 2026-11-19]", {"start": D("2026-11-19")}),
        ("- [ ] Call [created:: 2026-11-01]", {"created": D("2026-11-01")}),
        ("- [x] Call [completion:: 2026-11-20]", {"status": "x", "done": D("2026-11-20")}),
        ("- [-] Call [cancelled:: 2026-11-20]", {"status": "-", "cancelled": D("2026-11-20")}),
        ("- [ ] Call [priority:: High]", {"priority": "high"}),
        ("- [ ] Call [repeat:: every week]", {"recurrence": "every week"}),
        (
            "- [ ] Call [Due:: 2026-11-21] (priority:: low)",
            {"due": D("2026-11-21"), "priority": "low"},
        ),
    ],
)
def test_dataview_fields_are_read(line: str, expected: dict[str, Any]) -> None:
    assert fields(line) == {"description": "Call", **expected}


def test_an_emoji_field_wins_over_a_dataview_field() -> None:
    line = "- [ ] Call [due:: 2026-12-01] 📅 2026-11-21"
    assert fields(line) == {"description": "Call", "due": D("2026-11-21")}


@pytest.mark.parametrize(
    "line",
    [
        "- [ ] Use std::vector in C++",
        "- [ ] Read (see notes:: here) and [person:: [[Ada]]]",
        "- [ ] Ask about Foo::Bar and a::b",
    ],
)
def test_double_colons_in_prose_and_unknown_keys_stay_in_the_description(line: str) -> None:
    assert fields(line) == {"description": line[6:]}


@pytest.mark.parametrize(
    ("line", "status"),
    [
        ("- [ ] open", " "),
        ("- [x] done", "x"),
        ("- [X] done", "X"),
        ("- [/] in progress", "/"),
        ("- [-] cancelled", "-"),
        ("- [>] forwarded", ">"),
    ],
)
def test_every_status_character_is_kept(line: str, status: str) -> None:
    parsed = parse_task(line, 1)
    assert parsed is not None
    assert parsed[0].status == status


@pytest.mark.parametrize(
    ("status", "is_open", "is_done"),
    [
        (" ", True, False),
        ("/", True, False),
        ("x", False, True),
        ("X", False, True),
        ("-", False, False),
    ],
)
def test_open_and_done_follow_the_status(status: str, is_open: bool, is_done: bool) -> None:
    task = Task(line=1, status=status, description="x")
    assert (task.is_open, task.is_done) == (is_open, is_done)


def test_when_is_the_due_date_else_the_scheduled_date() -> None:
    assert Task(1, " ", "x", due=D("2026-11-21"), scheduled=D("2026-11-20")).when == D("2026-11-21")
    assert Task(1, " ", "x", scheduled=D("2026-11-20")).when == D("2026-11-20")
    assert Task(1, " ", "x").when is None


@pytest.mark.parametrize(
    "line",
    [
        "  - [ ] indented with spaces",
        "\t- [ ] indented with a tab",
        "> - [ ] in a quote",
        "> > - [ ] in a nested quote",
        ">   * [ ] in a quote with a star",
        "* [ ] star marker",
        "+ [ ] plus marker",
        "1. [ ] numbered",
        "12) [ ] numbered with a parenthesis",
        "- [ ]",
        "- [ ]   ",
    ],
)
def test_task_lines_in_every_list_form(line: str) -> None:
    assert is_task_line(line)
    parsed = parse_task(line, 1)
    assert parsed is not None
    assert parsed[0].description == line.split("]", 1)[1].strip()


@pytest.mark.parametrize(
    "line",
    [
        "",
        "Call Ada 📅 2026-11-21",
        "- Call Ada",
        "- [] Call Ada",
        "-[ ] Call Ada",
        "- [  ] Call Ada",
        "- [ ]Call Ada",
        "[ ] Call Ada",
        "a. [ ] Call Ada",
        "- [[Ada]] is a link, not a checkbox",
    ],
)
def test_lines_that_are_not_tasks(line: str) -> None:
    assert not is_task_line(line)
    assert parse_task(line, 1) is None


def test_a_line_ending_is_not_part_of_the_task() -> None:
    assert fields("- [ ] Call 📅 2026-11-21\r\n") == {"description": "Call", "due": D("2026-11-21")}


def test_tasks_in_fenced_code_blocks_are_ignored() -> None:
    text = (
        "- [ ] real 1\n"
        "```markdown\n- [ ] in backticks\n```\n"
        "~~~\n- [ ] in tildes\n~~~\n"
        "> ```\n> - [ ] in a quoted fence\n> ```\n"
        "- [ ] real 2\n"
        "```\n- [ ] in an unclosed fence\n"
    )
    note = parse_note("x.md", text.encode())
    assert [(t.line, t.description) for t in note.tasks] == [(1, "real 1"), (11, "real 2")]


def test_task_lines_count_from_the_top_of_the_file() -> None:
    note = parse_note("x.md", "---\ntitle: a\n---\n\n- [ ] Call 📅 2026-11-21\n".encode())
    assert [t.line for t in note.tasks] == [5]


def test_hostile_lines_are_read_quickly() -> None:
    # Each used to take seconds or minutes through regex backtracking.
    for line in [
        "- [ ] x" + " [a:: b" * 9000,
        "- [ ] x" + " (a:: b" * 9000,
        "- [ ] a" + " " * 60_000 + "x",
        "- [ ] x 📅" + " " * 60_000 + "2026",
    ]:
        parse_task(line, 1)
        complete_line(line, TODAY)
        snooze_line(line, 3, TODAY)


# Completing a task.


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("- [ ] Call Ada", "- [x] Call Ada ✅ 2026-11-25"),
        ("- [ ] Call Ada 📅 2026-11-21", "- [x] Call Ada 📅 2026-11-21 ✅ 2026-11-25"),
        ("- [/] Draft", "- [x] Draft ✅ 2026-11-25"),
        ("- [ ] Call Ada ^abc-1", "- [x] Call Ada ✅ 2026-11-25 ^abc-1"),
        (
            "- [ ] Call Ada 📅 2026-11-21 ^abc  ",
            "- [x] Call Ada 📅 2026-11-21 ✅ 2026-11-25 ^abc  ",
        ),
        ("- [ ] Call Ada   ", "- [x] Call Ada ✅ 2026-11-25   "),
        ("  > 1. [ ] Call  Ada #work", "  > 1. [x] Call  Ada #work ✅ 2026-11-25"),
        (
            "- [ ] Call 🗓\ufe0f 2026-11-21 ⏫\ufe0f",
            "- [x] Call 🗓\ufe0f 2026-11-21 ⏫\ufe0f ✅ 2026-11-25",
        ),
        ("- [ ] Call Ada 📅 2026-02-31", "- [x] Call Ada 📅 2026-02-31 ✅ 2026-11-25"),
        (
            "- [ ] Call [due:: 2026-11-21]",
            "- [x] Call [due:: 2026-11-21] [completion:: 2026-11-25]",
        ),
    ],
)
def test_completing_marks_done_and_appends_the_date_changing_nothing_else(
    before: str, after: str
) -> None:
    assert complete_line(before, TODAY) == [after]


@pytest.mark.parametrize(
    ("before", "next_line"),
    [
        (
            "- [ ] Call Mum 🔁 every week 📅 2026-11-21",
            "- [ ] Call Mum 🔁 every week 📅 2026-11-28",
        ),
        (
            "- [ ] Water 🔁 every 2 weeks when done 📅 2026-11-21",
            "- [ ] Water 🔁 every 2 weeks when done 📅 2026-12-09",
        ),
        ("- [ ] Review 🔁 every month 📅 2026-11-30", "- [ ] Review 🔁 every month 📅 2026-12-30"),
        ("- [ ] Review 🔁 every month 📅 2026-01-31", "- [ ] Review 🔁 every month 📅 2026-02-28"),
        ("- [ ] Taxes 🔁 every year 📅 2024-02-29", "- [ ] Taxes 🔁 every year 📅 2025-02-28"),
        (
            "- [ ] Stretch 🔁 every 3 days ⏳ 2026-11-24",
            "- [ ] Stretch 🔁 every 3 days ⏳ 2026-11-27",
        ),
        (
            "- [ ] Report 🔁 every week 🛫 2026-11-19 ⏳ 2026-11-20 📅 2026-11-21 ➕ 2026-11-01",
            "- [ ] Report 🔁 every week 🛫 2026-11-26 ⏳ 2026-11-27 📅 2026-11-28 ➕ 2026-11-01",
        ),
        (
            "- [ ] Call Mum 🔁 every week 📅 2026-11-21 ^mum",
            "- [ ] Call Mum 🔁 every week 📅 2026-11-28 ^mum",
        ),
        (
            "- [ ] Call [repeat:: every week] [due:: 2026-11-21]",
            "- [ ] Call [repeat:: every week] [due:: 2026-11-28]",
        ),
        ("- [ ] Undated 🔁 every week", "- [ ] Undated 🔁 every week"),
    ],
)
def test_completing_a_recurring_task_adds_its_next_occurrence_above(
    before: str, next_line: str
) -> None:
    lines = complete_line(before, TODAY)
    assert lines[0] == next_line
    assert len(lines) == 2
    assert lines[1].startswith(before.replace("[ ]", "[x]", 1).split(" ^")[0])


def test_a_recurrence_iiv_cannot_compute_is_refused() -> None:
    with pytest.raises(EditRefused) as refused:
        complete_line("- [ ] Standup 🔁 every week on Monday 📅 2026-11-23", TODAY)
    assert str(refused.value) == (
        "iiv cannot compute the next occurrence of a task repeating 'every week on Monday':"
        " complete it in Obsidian"
    )


@pytest.mark.parametrize("rule", ["every 0 days", "every 00 weeks", "every 0 months when done"])
def test_a_task_repeating_every_0_days_is_a_problem_and_is_not_repeated(rule: str) -> None:
    line = f"- [ ] Water the plants 🔁 {rule} 📅 2026-11-23"
    parsed = parse_task(line, 3)
    assert parsed is not None
    assert parsed[1] == [f"🔁 {rule} repeats on the same day: use a number above 0"]
    with pytest.raises(EditRefused) as refused:
        complete_line(line, TODAY)
    assert str(refused.value) == (
        f"a task repeating {rule!r} would repeat on the same day:"
        " give its 🔁 rule a number above 0 first"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("- [x] Call Ada ✅ 2026-11-20", "the task is already done"),
        ("- [X] Call Ada", "the task is already done"),
        ("- [-] Call Ada", "the task is already marked [-]"),
        ("Call Ada 📅 2026-11-21", "there is no task on that line"),
        ("", "there is no task on that line"),
    ],
)
def test_completing_refuses_a_done_task_or_a_line_without_task(line: str, message: str) -> None:
    with pytest.raises(EditRefused) as refused:
        complete_line(line, TODAY)
    assert str(refused.value) == message


# Snoozing a task.


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("- [ ] Call 📅 2026-12-21", "- [ ] Call 📅 2026-12-24"),
        ("- [ ] Call 📅 2026-11-21", "- [ ] Call 📅 2026-11-28"),  # overdue: from today
        ("- [ ] Call ⏳ 2026-12-21", "- [ ] Call ⏳ 2026-12-24"),
        ("- [ ] Call ⏳ 2026-12-01 📅 2026-12-21 ⏫", "- [ ] Call ⏳ 2026-12-01 📅 2026-12-24 ⏫"),
        ("- [ ] Call", "- [ ] Call 📅 2026-11-28"),
        ("- [ ] Call ^blk", "- [ ] Call 📅 2026-11-28 ^blk"),
        ("- [ ] Call [due:: 2026-12-21]", "- [ ] Call [due:: 2026-12-24]"),
        ("- [ ] Call (scheduled:: 2026-12-21)", "- [ ] Call (scheduled:: 2026-12-24)"),
        ("- [/] Call 📅 2026-12-21", "- [/] Call 📅 2026-12-24"),
        ("- [ ] Call 📅\ufe0f 2026-12-21", "- [ ] Call 📅\ufe0f 2026-12-24"),
        ("- [ ] Call 📅 2026-02-31", "- [ ] Call 📅 2026-11-28"),  # an impossible date is replaced
        ("- [ ] Call [Due:: 2026-12-21]", "- [ ] Call [Due:: 2026-12-24]"),
        (
            "- [ ] Move 📅 2026-12-01 to 📅 2026-12-21",  # the first date is description
            "- [ ] Move 📅 2026-12-01 to 📅 2026-12-24",
        ),
        ("- [ ] #📅2026-12-01📅", "- [ ] #📅2026-12-01📅 📅 2026-11-28"),  # a tag, no date
    ],
)
def test_snoozing_moves_only_the_digits_of_the_date(before: str, after: str) -> None:
    assert snooze_line(before, 3, TODAY) == after


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("- [x] Call 📅 2026-12-21", "only an open task can be snoozed"),
        ("- [-] Call", "only an open task can be snoozed"),
        ("Call 📅 2026-12-21", "there is no task on that line"),
    ],
)
def test_snoozing_refuses_a_closed_task_or_a_line_without_task(line: str, message: str) -> None:
    with pytest.raises(EditRefused) as refused:
        snooze_line(line, 3, TODAY)
    assert str(refused.value) == message


# Properties.

SETTINGS = settings(max_examples=200, deadline=None)
TASK_PIECES = st.sampled_from(
    [
        *"📅📆🗓⏳⌛🛫➕✅❌🔺⏫🔼🔽⏬🔁🆔⛔🏁#^[]():- \t\u00a0\ufe0fx1",
        *["2026-11-21", "2026-02-31", "every week", "every 2 months when done", "due::", "[[Ada]]"],
    ]
)
TASKISH = st.lists(TASK_PIECES, max_size=40).map("".join)
PREFIX = st.sampled_from(["- [ ] ", "- [x] ", "> * [/] ", "1. [-] ", "  + [ ]", ""])


@SETTINGS
@given(PREFIX, st.text(max_size=300) | TASKISH)
def test_parse_task_never_raises(prefix: str, rest: str) -> None:
    parsed = parse_task(prefix + rest, 1)
    if parsed is not None:
        task, problems = parsed
        assert isinstance(task.description, str)
        assert all(isinstance(p, str) for p in problems)


@SETTINGS
@given(st.sampled_from(["- [ ] ", "> * [/] ", "1. [ ] "]), st.text(max_size=200) | TASKISH)
def test_completing_changes_only_the_status_and_adds_the_date(prefix: str, rest: str) -> None:
    line = (prefix + rest).replace("\n", " ").replace("\r", " ")
    try:
        lines = complete_line(line, TODAY)
    except EditRefused:
        return  # a recurrence iiv cannot compute
    done = lines[-1]
    for added in (" ✅ 2026-11-25", " [completion:: 2026-11-25]"):
        if added in done:
            restored = "".join(done.rsplit(added, 1))
            break
    else:
        raise AssertionError(done)
    assert restored.rstrip() == line.replace("[ ]", "[x]", 1).replace("[/]", "[x]", 1).rstrip()
    assert restored == restored.rstrip() + line[len(line.rstrip()) :]


@SETTINGS
@given(st.sampled_from(["- [ ] ", "- [/] "]), st.text(max_size=200) | TASKISH)
def test_snoozing_moves_the_date_the_task_is_read_with(prefix: str, rest: str) -> None:
    line = (prefix + rest).replace("\n", " ").replace("\r", " ")
    parsed = parse_task(line, 1)
    assert parsed is not None
    before = parsed[0].when
    after = parse_task(snooze_line(line, 3, TODAY), 1)
    assert after is not None
    assert after[0].when == max(before or TODAY, TODAY) + timedelta(days=3)
