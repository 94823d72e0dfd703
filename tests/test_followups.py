"""Each follow-up rule, with `today` injected."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from iiv.followups import due_list, due_within, followups
from iiv.note import parse_note
from iiv.snapshot import Vault
from iiv.vault import load
from tests.helpers import EXAMPLE, make_vault

ADA = "---\ntype: person\nname: Ada Lovelace\naliases: [Ada]\nkeep_in_touch: 90\n---\n"


def items(root: Path, today: date) -> list[tuple[str, str, str, str | None, int]]:
    return [
        (f.kind, f.due.isoformat(), f.action, f.person, f.line)
        for f in followups(load(root), today)
    ]


def interview(front: str, body: str = "") -> str:
    return f'---\ntype: interview\nperson: "[[Ada]]"\n{front}---\n{body}'


def test_open_task_with_due_date_is_listed_with_its_line(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "todo.md": "# Todo\n\n- [ ] Email [[Ada]] the article 📅 2026-11-30\n"
            "- [x] Old 📅 2026-11-01 ✅ 2026-11-01\n- [-] Dropped 📅 2026-11-02\n"
            "- [ ] Someday, no date\n- [/] Half done ⏳ 2026-12-02\n",
            "people/Ada Lovelace.md": "---\ntype: person\naliases: [Ada]\n---\n",
        },
    )
    assert items(root, date(2026, 12, 1)) == [
        ("task", "2026-11-30", "Email [[Ada]] the article", "Ada Lovelace", 3),
        ("task", "2026-12-02", "Half done", None, 7),
    ]


def test_thank_you_is_due_the_day_after_a_done_interview(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada Lovelace.md": ADA.replace("keep_in_touch: 90\n", ""),
            "interviews/i.md": interview("date: 2026-11-28\nstatus: done\nmedium: coffee\n"),
        },
    )
    assert items(root, date(2026, 12, 1)) == [
        (
            "thank-you",
            "2026-11-29",
            "Send a thank-you note to Ada Lovelace for the coffee on 2026-11-28",
            "Ada Lovelace",
            5,
        )
    ]


def test_thank_you_is_not_due_once_thanked_or_a_thank_you_task_is_done(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada Lovelace.md": ADA.replace("keep_in_touch: 90\n", ""),
            "interviews/a.md": interview("date: 2026-11-28\nstatus: done\nthanked: 2026-11-28\n"),
            "interviews/b.md": interview(
                "date: 2026-11-28\nstatus: done\n", "- [x] Send a thank-you note ✅ 2026-11-29\n"
            ),
        },
    )
    assert items(root, date(2026, 12, 1)) == []


def test_open_thank_you_task_with_a_date_replaces_the_rule(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada Lovelace.md": ADA.replace("keep_in_touch: 90\n", ""),
            "interviews/a.md": interview(
                "date: 2026-11-28\nstatus: done\n", "- [ ] Send a thank-you card 📅 2026-12-03\n"
            ),
        },
    )
    assert [i[0] for i in items(root, date(2026, 12, 1))] == ["task"]


def test_nudge_after_seven_business_days_then_suggest_no_reply_a_week_later(
    tmp_path: Path,
) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada Lovelace.md": ADA.replace("keep_in_touch: 90\n", ""),
            "interviews/a.md": interview("status: requested\nrequested: 2026-11-20\n"),
        },
    )
    # asked on Friday 20 November: 7 business days later is Tuesday 1 December
    assert items(root, date(2026, 11, 26)) == [
        (
            "nudge",
            "2026-12-01",
            "Nudge Ada Lovelace politely: no reply since you asked on 2026-11-20",
            "Ada Lovelace",
            5,
        )
    ]
    assert items(root, date(2026, 12, 8)) == [
        (
            "nudge",
            "2026-12-08",
            "No reply from Ada Lovelace since 2026-11-20: mark the request no-reply",
            "Ada Lovelace",
            5,
        )
    ]


def test_a_recorded_nudge_starts_the_give_up_clock(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada Lovelace.md": ADA.replace("keep_in_touch: 90\n", ""),
            "interviews/a.md": interview(
                "status: requested\nrequested: 2026-11-20\nnudged: 2026-11-30\n"
            ),
        },
    )
    expected = (
        "nudge",
        "2026-12-07",
        "No reply from Ada Lovelace since you nudged on 2026-11-30: mark the request no-reply",
        "Ada Lovelace",
        6,
    )
    assert items(root, date(2026, 12, 1)) == [expected]
    assert items(root, date(2026, 12, 10)) == [expected]


def test_each_follow_up_names_the_step_that_completes_it(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada Lovelace.md": ADA,
            "people/Bob.md": "---\ntype: person\nkeep_in_touch: 30\n---\n",
            "interviews/a.md": interview("status: requested\nrequested: 2026-11-20\n"),
            "interviews/b.md": interview("status: requested\nrequested: 2026-11-01\n"),
            "interviews/c.md": interview("status: done\ndate: 2026-11-28\n"),
            "interviews/d.md": interview("status: scheduled\ndate: 2026-11-29\n"),
            "interviews/e.md": interview("status: scheduled\ndate: 2026-12-01 16:00\n"),
            "interviews/f.md": interview("status: scheduled\ndate: 2026-12-03\n"),
            "todo.md": "- [ ] Write to [[Ada]] 📅 2026-12-02\n",
        },
    )
    steps = {(f.path, f.kind): f.step for f in followups(load(root), date(2026, 12, 1))}
    assert steps == {
        ("interviews/a.md", "nudge"): "nudged",
        ("interviews/b.md", "nudge"): "no-reply",
        ("interviews/c.md", "thank-you"): "thanked",
        ("interviews/d.md", "prepare"): "done",
        ("interviews/e.md", "prepare"): "done",
        ("interviews/f.md", "prepare"): None,
        ("todo.md", "task"): "complete",
        ("people/Bob.md", "keep-in-touch"): "contacted",
    }


def test_intervals_come_from_the_vault_config(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "iiv.yaml": "nudge_after: 3\nthank_you_after: 2\n",
            "people/Ada Lovelace.md": ADA.replace("keep_in_touch: 90\n", ""),
            "interviews/a.md": interview("status: requested\nrequested: 2026-11-20\n"),
            "interviews/b.md": interview("status: done\ndate: 2026-11-20\n"),
        },
    )
    assert [(k, d) for k, d, *_ in items(root, date(2026, 11, 21))] == [
        ("thank-you", "2026-11-22"),
        ("nudge", "2026-11-23"),
    ]


def test_business_day_waits_skip_the_vaults_holidays(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "iiv.yaml": "nudge_after: 3 business days\ngive_up_after: 2b\n"
            "holidays: [2026-12-24, 2026-12-25]\n",
            "people/Ada Lovelace.md": ADA.replace("keep_in_touch: 90\n", ""),
            "interviews/a.md": interview("status: requested\nrequested: 2026-12-22\n"),
        },
    )
    # Tue 22 Dec: Wed 23, (Thu 24, Fri 25 holidays, a weekend), Mon 28, Tue 29 is the third
    assert [(k, d) for k, d, *_ in items(root, date(2026, 12, 22))] == [("nudge", "2026-12-29")]
    # then two more: Wed 30, Thu 31
    assert [(k, d) for k, d, *_ in items(root, date(2026, 12, 31))] == [("nudge", "2026-12-31")]


def test_prepare_the_day_before_a_scheduled_interview(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada Lovelace.md": ADA,
            "interviews/a.md": interview(
                "date: 2026-12-03 15:30\nstatus: scheduled\nmedium: video\n"
            ),
        },
    )
    assert items(root, date(2026, 12, 1)) == [
        (
            "prepare",
            "2026-12-02",
            "Prepare for the video with Ada Lovelace on 2026-12-03 15:30",
            "Ada Lovelace",
            4,
        )
    ]


def test_a_past_interview_still_scheduled_asks_to_be_marked_done(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada Lovelace.md": ADA.replace("keep_in_touch: 90\n", ""),
            "interviews/a.md": interview("date: 2026-11-20\nstatus: scheduled\n"),
        },
    )
    assert items(root, date(2026, 12, 1)) == [
        (
            "prepare",
            "2026-11-20",
            "The interview with Ada Lovelace on 2026-11-20 is still scheduled: "
            "mark it done or reschedule",
            "Ada Lovelace",
            5,
        )
    ]


def test_keep_in_touch_counts_from_the_latest_done_interview(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada Lovelace.md": ADA.replace("90", "90\nlast_contact: 2026-07-01"),
            "interviews/a.md": interview("date: 2026-08-10\nstatus: done\nthanked: 2026-08-10\n"),
        },
    )
    assert items(root, date(2026, 12, 1)) == [
        (
            "keep-in-touch",
            "2026-11-08",
            "Get back in touch with Ada Lovelace: last contact 2026-08-10",
            "Ada Lovelace",
            5,
        )
    ]


def test_keep_in_touch_waits_while_a_request_is_open(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada Lovelace.md": ADA,
            "interviews/a.md": interview("status: requested\nrequested: 2026-11-30\n"),
        },
    )
    assert [i[0] for i in items(root, date(2026, 12, 1))] == ["nudge"]


def test_never_contacted_person_with_cadence_is_due_today(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"people/Ada Lovelace.md": ADA})
    assert items(root, date(2026, 12, 1)) == [
        (
            "keep-in-touch",
            "2026-12-01",
            "Get in touch with Ada Lovelace: no contact recorded yet",
            "Ada Lovelace",
            5,
        )
    ]


def test_conflict_copy_never_counts_its_follow_ups_twice(tmp_path: Path) -> None:
    task = "- [ ] Call back 📅 2026-11-30\n"
    root = make_vault(
        tmp_path,
        {
            "todo.md": task,
            "todo.sync-conflict-20261120-101010-ABCDEFG.md": task,
            "todo (Laptop's conflicted copy 2026-11-20).md": task,
        },
    )
    assert [f.path for f in followups(load(root), date(2026, 12, 1))] == ["todo.md"]


def test_due_within_keeps_overdue_today_and_the_window(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {"t.md": "".join(f"- [ ] Task {day} 📅 2026-12-{day:02d}\n" for day in (1, 5, 8, 9, 20))},
    )
    today = date(2026, 12, 5)
    listed = due_within(followups(load(root), today), today, 3)
    assert [(f.action, f.overdue) for f in listed] == [
        ("Task 1", True),
        ("Task 5", False),
        ("Task 8", False),
    ]


def test_most_urgent_first(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada Lovelace.md": ADA.replace("keep_in_touch: 90\n", ""),
            "b.md": "- [ ] Later 📅 2026-12-03\n",
            "a.md": "- [ ] Sooner 📅 2026-11-29\n",
            "interviews/a.md": interview("date: 2026-11-28\nstatus: done\n"),
        },
    )
    assert [(k, d) for k, d, *_ in items(root, date(2026, 12, 1))] == [
        ("thank-you", "2026-11-29"),
        ("task", "2026-11-29"),
        ("task", "2026-12-03"),
    ]


NORTHWIND = {
    "people/Kenji.md": "---\ntype: person\nname: Kenji\ncompany: Northwind\n---\n",
    "people/Chiara.md": "---\ntype: person\nname: Chiara\ncompany: northwind\n---\n",
    "people/Amara.md": "---\ntype: person\nname: Amara\ncompany: Northwind\n---\n",
}


def ask(person: str, front: str) -> str:
    return f'---\ntype: interview\nperson: "[[{person}]]"\n{front}---\n'


def test_three_business_days_without_an_answer_name_the_next_prospect(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            **NORTHWIND,
            "interviews/ask kenji.md": ask("Kenji", "status: requested\nrequested: 2026-11-20\n"),
            "interviews/ask chiara.md": ask("Chiara", "status: prospect\n"),
        },
    )
    # Friday 20 November: the 3B step on Wednesday 25, the nudge (7B) on Tuesday 1 December
    assert items(root, date(2026, 11, 24)) == [
        (
            "next-contact",
            "2026-11-25",
            "Try the next contact at Northwind, Chiara: no reply from Kenji since 2026-11-20",
            "Chiara",
            4,
        ),
        (
            "nudge",
            "2026-12-01",
            "Nudge Kenji politely: no reply since you asked on 2026-11-20",
            "Kenji",
            5,
        ),
    ]
    [step] = [f.step for f in followups(load(root), date(2026, 11, 24)) if f.kind == "next-contact"]
    assert step == "request"  # "Request sent" on Chiara's note completes it
    assert [f.kind for f in followups(load(root), date(2026, 12, 1))] == ["nudge"]


def test_a_person_never_asked_is_the_next_contact_else_find_another(tmp_path: Path) -> None:
    files = {
        **NORTHWIND,
        "interviews/ask kenji.md": ask("Kenji", "status: requested\nrequested: 2026-11-20\n"),
        "interviews/ask chiara.md": ask("Chiara", "status: declined\nrequested: 2026-10-01\n"),
    }
    root = make_vault(tmp_path, files)
    [item] = [f for f in followups(load(root), date(2026, 11, 26)) if f.kind == "next-contact"]
    assert (item.path, item.action) == (
        "people/Amara.md",
        "Try the next contact at Northwind, Amara: no reply from Kenji since 2026-11-20",
    )
    (root / "interviews/ask amara.md").write_text(
        ask("Amara", "status: declined\nrequested: 2026-10-02\n"), encoding="utf-8"
    )
    [item] = [f for f in followups(load(root), date(2026, 11, 26)) if f.kind == "next-contact"]
    assert (item.path, item.action) == (
        "interviews/ask kenji.md",
        "Find another contact at Northwind: no reply from Kenji since 2026-11-20",
    )


def test_the_next_contact_step_ends_once_another_request_went_out(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            **NORTHWIND,
            "interviews/ask kenji.md": ask("Kenji", "status: requested\nrequested: 2026-11-20\n"),
            "interviews/ask chiara.md": ask("Chiara", "status: requested\nrequested: 2026-11-25\n"),
        },
    )
    steps = [
        f.action for f in followups(load(root), date(2026, 11, 26)) if f.kind == "next-contact"
    ]
    assert steps == [
        "Try the next contact at Northwind, Amara: no reply from Chiara since 2026-11-25"
    ]


def test_next_contact_after_off_turns_the_step_off(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            **NORTHWIND,
            "iiv.yaml": "next_contact_after: off\n",
            "interviews/ask kenji.md": ask("Kenji", "status: requested\nrequested: 2026-11-20\n"),
        },
    )
    assert [f.kind for f in followups(load(root), date(2026, 11, 26))] == ["nudge"]


INTRODUCED = {
    "people/Ada.md": "---\ntype: person\nname: Ada\n---\n",
    "people/Bob.md": '---\ntype: person\nname: Bob\nintroduced_by: "[[Ada]]"\n---\n',
}


def test_after_a_conversation_tell_whoever_introduced_them(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {**INTRODUCED, "interviews/ask bob.md": ask("Bob", "status: done\ndate: 2026-11-27\n")},
    )
    report = [i for i in items(root, date(2026, 12, 1)) if i[0] == "report-back"]
    assert report == [
        ("report-back", "2026-11-29", "Tell Ada how the conversation with Bob went", "Ada", 3)
    ]
    [item] = [f for f in followups(load(root), date(2026, 12, 1)) if f.kind == "report-back"]
    assert (item.step, item.person_path) == ("reported-back", "people/Ada.md")


def test_no_report_back_once_recorded_or_in_touch_since_or_long_ago(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada.md": "---\ntype: person\nname: Ada\nlast_contact: 2026-11-28\n---\n",
            "people/Bob.md": INTRODUCED["people/Bob.md"],
            "interviews/a.md": ask("Bob", "status: done\ndate: 2026-11-20\nthanked: 2026-11-20\n"),
            "interviews/b.md": ask(
                "Bob",
                "status: done\ndate: 2026-11-29\nthanked: 2026-11-29\nreported_back: 2026-11-30\n",
            ),
            "interviews/c.md": ask("Bob", "status: done\ndate: 2026-06-01\nthanked: 2026-06-01\n"),
        },
    )
    assert items(root, date(2026, 12, 1)) == []


# The due list of the next snapshot, made again only where notes changed


def _changed(vault: Vault, path: str, text: str) -> Vault:
    """The next snapshot, as the store makes it, with one note rewritten."""
    note = parse_note(path, text.encode("utf-8"), vault.config.kinds)
    notes = {**vault.notes, path: note}
    return vault.successor(notes, {path: note}, vault.problems)


def _edited(path: str, old: str, new: str, again: bool) -> tuple[str, str, bool]:
    text = (EXAMPLE / path).read_text(encoding="utf-8")
    assert old in text
    return path, text.replace(old, new), again


EXAMPLE_CHANGES = [
    ("notes/Questions I ask.md", "- [ ] Ask [[Grace Liang]] about talks 📅 2026-12-02\n", False),
    _edited(
        "interviews/2026-11-30 Ines Carvalho.md", "status: ", "status: done\nold_status: ", True
    ),
    _edited("people/Sam Ortiz.md", "keep_in_touch: 3 months", "keep_in_touch: 2 weeks", True),
    _edited("companies/Lumen Automata.md", "motivation: 1", "motivation: 3", False),
    _edited("people/Sam Ortiz.md", "role: Staff engineer", "role: Principal engineer", False),
]


@pytest.mark.parametrize(("path", "text", "shared_again"), EXAMPLE_CHANGES)
def test_the_next_due_list_made_from_the_last_equals_one_made_from_scratch(
    path: str, text: str, shared_again: bool
) -> None:
    today = date(2026, 12, 1)
    before = load(EXAMPLE)
    assert path in before.notes
    first = due_list(before, today)
    after = _changed(before, path, text)
    again = due_list(after, today, previous=first)
    assert again.items == followups(after, today)
    reused = sum(again.by_note[p] is first.by_note[p] for p in before.notes)
    assert reused == len(before.notes) - 1  # every other note's follow-ups were kept
    assert (again.shared is not first.shared) == shared_again


EDITS = [
    ("\n---\n", "\n---\nA new line of text.\n"),
    ("status: ", "status: done\nold: "),
    ("status: ", "status: requested\nrequested: 2026-11-20\nold: "),
    ("date: ", "date: 2026-11-25\nold: "),
    ("company: ", "company: Lumen Automata\nold: "),
    ("keep_in_touch: ", "keep_in_touch: 1 week\nold: "),
    ("last_contact: ", "last_contact: 2026-01-01\nold: "),
    ("type: ", "type: note\nold: "),
    ("- [ ] ", "- [x] "),
]


def test_any_edit_of_any_example_note_gives_the_due_list_made_from_scratch() -> None:
    today = date(2026, 12, 1)
    before = load(EXAMPLE)
    first = due_list(before, today)
    tried = 0
    for path in sorted(before.notes):
        text = (EXAMPLE / path).read_text(encoding="utf-8")
        for old, new in EDITS:
            if old in text:
                after = _changed(before, path, text.replace(old, new, 1))
                again = due_list(after, today, previous=first).items
                assert again == followups(after, today), (path, new)
                tried += 1
    assert tried > 150


def test_a_note_gone_and_one_new_in_one_snapshot_give_the_due_list_made_from_scratch() -> None:
    today = date(2026, 12, 1)
    before = load(EXAMPLE)
    first = due_list(before, today)
    gone = next(item.path for item in first.items if item.path.startswith("notes/"))
    new = parse_note("notes/New.md", b"- [ ] Send the deck \xf0\x9f\x93\x85 2026-11-30\n")
    notes = {**{p: n for p, n in before.notes.items() if p != gone}, new.path: new}
    after = Vault(before.root, before.config, notes, before.problems, before.resolver)
    again = due_list(after, today, previous=first).items
    assert again == followups(after, today)
    assert not any(item.path == gone for item in again)
    assert [item.action for item in again if item.path == new.path] == ["Send the deck"]


def test_a_new_day_or_new_names_make_the_due_list_again() -> None:
    before = load(EXAMPLE)
    first = due_list(before, date(2026, 12, 1))
    next_day = due_list(before, date(2026, 12, 2), previous=first)
    assert next_day.items == followups(before, date(2026, 12, 2))
    assert all(next_day.by_note[p] is not first.by_note[p] for p in before.notes)
    renamed = _changed(
        before, "people/Sam Ortiz.md", "---\ntype: person\nname: Samuel Ortiz\n---\n"
    )
    again = due_list(renamed, date(2026, 12, 1), previous=first)
    assert again.items == followups(renamed, date(2026, 12, 1))
    assert not any(again.by_note[p] is first.by_note[p] for p in before.notes)
