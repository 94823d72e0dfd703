"""What is due: follow-ups computed from a vault snapshot and `today`. Pure: no clock, no I/O."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from iiv.links import find_links
from iiv.note import Note
from iiv.snapshot import Vault

KINDS = ("task", "thank-you", "nudge", "prepare", "keep-in-touch")
URGENCY = ("thank-you", "nudge", "prepare", "task", "keep-in-touch")  # ties on a date: people first
OPEN_INTERVIEW = ("requested", "scheduled")


@dataclass(frozen=True)
class FollowUp:
    path: str
    line: int
    person: str | None
    action: str
    due: date
    kind: str
    overdue: bool
    person_path: str | None = None
    # the step of `actions.STEPS` that completes it; None when nothing recorded in a note does
    step: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "person": self.person,
            "action": self.action,
            "due": self.due.isoformat(),
            "kind": self.kind,
            "overdue": self.overdue,
        }


def followups(vault: Vault, today: date) -> list[FollowUp]:
    """Every follow-up in the vault, whatever its date, most urgent first."""
    items = [
        *_tasks(vault, today),
        *_thank_yous(vault, today),
        *_nudges(vault, today),
        *_preparations(vault, today),
        *_keep_in_touch(vault, today),
    ]
    return sorted(items, key=lambda f: (f.due, URGENCY.index(f.kind), f.path, f.line))


def due_within(items: Iterable[FollowUp], today: date, within: int) -> list[FollowUp]:
    """The overdue ones, those due today and those due in the next `within` days."""
    last = _shift(today, within)
    return [item for item in items if item.due <= last]


def _shift(day: date, days: int) -> date:
    """`day` moved by `days`, held at the calendar's ends (9999-12-31 + 1 is 9999-12-31)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def _item(
    note: Note,
    key: str,
    action: str,
    due: date,
    kind: str,
    today: date,
    people: tuple[str | None, str | None],
    step: str | None,
) -> FollowUp:
    name, person_path = people
    line = note.line_of(key)
    return FollowUp(note.path, line, name, action, due, kind, due < today, person_path, step)


def _people(vault: Vault, note: Note) -> tuple[str | None, str | None]:
    """The display name(s) of an interview's people, and the first one's note path."""
    if not note.people:
        return None, None
    first = vault.person(note.people[0])
    return ", ".join(vault.person_name(link) for link in note.people), first.path if first else None


def _active(vault: Vault) -> Iterator[Note]:
    return (note for note in vault.notes.values() if not note.conflict_of)


def _tasks(vault: Vault, today: date) -> Iterator[FollowUp]:
    for note in _active(vault):
        for task in note.tasks:
            when = task.when
            if task.is_open and when is not None:
                name, path = _task_person(vault, note, task.description)
                yield FollowUp(
                    note.path,
                    task.line,
                    name,
                    task.description or "(task)",
                    when,
                    "task",
                    when < today,
                    path,
                    "complete",
                )


def _task_person(vault: Vault, note: Note, description: str) -> tuple[str | None, str | None]:
    if note.kind == "person":
        return note.title, note.path
    if note.kind == "interview" and note.people:
        return _people(vault, note)
    for link in find_links(description):
        person = vault.person(link)
        if person:
            return person.title, person.path
    return None, None


def _mentions_thanks(text: str) -> bool:
    return "thank" in text.lower()


def _thank_yous(vault: Vault, today: date) -> Iterator[FollowUp]:
    for note in vault.interviews:
        if note.status != "done" or note.date is None or note.thanked is not None:
            continue
        thank_tasks = [t for t in note.tasks if _mentions_thanks(t.description)]
        if any(t.is_done or (t.is_open and t.when) for t in thank_tasks):
            continue
        people = _people(vault, note)
        due = _shift(note.date, vault.config.thank_you_after)
        what = note.medium or "interview"
        action = f"Send a thank-you note to {people[0] or 'them'} for the {what} on {note.date}"
        yield _item(note, "status", action, due, "thank-you", today, people, "thanked")


def _nudges(vault: Vault, today: date) -> Iterator[FollowUp]:
    """A request without an answer: nudge once, then let go. The give-up clock runs from the
    nudge when one is recorded (`nudged`), else from the day the nudge fell due."""
    config = vault.config
    for note in vault.interviews:
        if note.status != "requested" or (note.requested is None and note.nudged is None):
            continue
        people = _people(vault, note)
        who = people[0] or "them"
        if note.nudged is not None:
            give_up = _shift(note.nudged, config.give_up_after)
            action = (
                f"No reply from {who} since you nudged on {note.nudged}: mark the request no-reply"
            )
            yield _item(note, "nudged", action, give_up, "nudge", today, people, "no-reply")
            continue
        assert note.requested is not None
        nudge = _shift(note.requested, config.nudge_after)
        give_up = _shift(nudge, config.give_up_after)
        if today >= give_up:
            action = f"No reply from {who} since {note.requested}: mark the request no-reply"
            yield _item(note, "requested", action, give_up, "nudge", today, people, "no-reply")
        else:
            action = f"Nudge {who} politely: no reply since you asked on {note.requested}"
            yield _item(note, "requested", action, nudge, "nudge", today, people, "nudged")


def _preparations(vault: Vault, today: date) -> Iterator[FollowUp]:
    for note in vault.interviews:
        if note.status != "scheduled" or note.date is None:
            continue
        people = _people(vault, note)
        when = f"{note.date} {note.time}" if note.time else str(note.date)
        what = note.medium or "interview"
        who = people[0] or "them"
        if note.date < today:
            action = (
                f"The {what} with {who} on {when} is still scheduled: mark it done or reschedule"
            )
            yield _item(note, "status", action, note.date, "prepare", today, people, "done")
        else:
            due = _shift(note.date, -vault.config.prepare_before)
            action = f"Prepare for the {what} with {who} on {when}"
            # preparing is not recorded in the note; on the day, the conversation can be done
            step = "done" if note.date <= today else None
            yield _item(note, "date", action, due, "prepare", today, people, step)


def _keep_in_touch(vault: Vault, today: date) -> Iterator[FollowUp]:
    last_done, pending = _contact_history(vault)
    for person in vault.people:
        if person.keep_in_touch is None or person.path in pending:
            continue
        dates = [d for d in (person.last_contact, last_done.get(person.path)) if d]
        last = max(dates) if dates else None
        me = (person.title, person.path)
        if last is None:
            action = f"Get in touch with {person.title}: no contact recorded yet"
            yield _item(
                person, "keep_in_touch", action, today, "keep-in-touch", today, me, "contacted"
            )
            continue
        due = _shift(last, person.keep_in_touch)
        action = f"Get back in touch with {person.title}: last contact {last}"
        yield _item(person, "keep_in_touch", action, due, "keep-in-touch", today, me, "contacted")


def _contact_history(vault: Vault) -> tuple[dict[str, date], set[str]]:
    """Each person's latest done interview, and the people with a request or meeting open."""
    last_done: dict[str, date] = defaultdict(lambda: date.min)
    pending: set[str] = set()
    for note in vault.interviews:
        for link in note.people:
            person = vault.person(link)
            if person is None:
                continue
            if note.status == "done" and note.date:
                last_done[person.path] = max(last_done[person.path], note.date)
            elif note.status in OPEN_INTERVIEW:
                pending.add(person.path)
    return dict(last_done), pending
