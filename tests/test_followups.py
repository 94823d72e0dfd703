"""Each follow-up rule, with `today` injected."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from iiv.followups import due_within, followups
from iiv.vault import load
from tests.helpers import make_vault

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


def test_nudge_after_a_week_then_suggest_no_reply_after_another(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada Lovelace.md": ADA.replace("keep_in_touch: 90\n", ""),
            "interviews/a.md": interview("status: requested\nrequested: 2026-11-20\n"),
        },
    )
    assert items(root, date(2026, 11, 26)) == [
        (
            "nudge",
            "2026-11-27",
            "Nudge Ada Lovelace politely: no reply since you asked on 2026-11-20",
            "Ada Lovelace",
            5,
        )
    ]
    assert items(root, date(2026, 12, 4)) == [
        (
            "nudge",
            "2026-12-04",
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
