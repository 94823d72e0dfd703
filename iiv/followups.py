"""What is due: follow-ups computed from a vault snapshot and `today`. Pure: no clock, no I/O."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from iiv.links import find_links
from iiv.note import Note
from iiv.snapshot import Vault
from iiv.targets import Employers

LABELS = {  # every kind of follow-up, as the dashboard names it
    "task": "Task",
    "thank-you": "Thank-you",
    "nudge": "Nudge",
    "next-contact": "Next contact",
    "prepare": "Prepare",
    "report-back": "Report back",
    "keep-in-touch": "Keep in touch",
}
KINDS = tuple(LABELS)
# ties on a date: people first
URGENCY = ("thank-you", "nudge", "next-contact", "prepare", "report-back", "task", "keep-in-touch")
OPEN_INTERVIEW = ("requested", "scheduled")
REPORT_BACK_HORIZON = 90  # days: older conversations are history, not a report-back to send


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
        *_next_contacts(vault, today),
        *_preparations(vault, today),
        *_report_backs(vault, today),
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
            give_up = config.workweek.after(note.nudged, config.give_up_after)
            action = (
                f"No reply from {who} since you nudged on {note.nudged}: mark the request no-reply"
            )
            yield _item(note, "nudged", action, give_up, "nudge", today, people, "no-reply")
            continue
        assert note.requested is not None
        nudge = config.workweek.after(note.requested, config.nudge_after)
        give_up = config.workweek.after(nudge, config.give_up_after)
        if today >= give_up:
            action = f"No reply from {who} since {note.requested}: mark the request no-reply"
            yield _item(note, "requested", action, give_up, "nudge", today, people, "no-reply")
        else:
            action = f"Nudge {who} politely: no reply since you asked on {note.requested}"
            yield _item(note, "requested", action, nudge, "nudge", today, people, "nudged")


def _next_contacts(vault: Vault, today: date) -> Iterator[FollowUp]:
    """The method's 3B step: no answer after `next_contact_after` (3 business days), try the
    next person at the same employer, one at a time; until the nudge falls due, or another
    request there has gone out since."""
    config = vault.config
    wait = config.next_contact_after
    waiting = [
        (n, n.requested)
        for n in vault.interviews
        if n.status == "requested" and n.requested is not None and n.nudged is None
    ]
    if wait is None or not waiting:
        return
    employers = Employers(vault)  # who works where: built only when a request is waiting
    for note, asked in waiting:
        person = vault.person(note.people[0]) if note.people else None
        employer = employers.of(person) if person else None
        if person is None or employer is None:
            continue
        if today >= config.workweek.after(asked, config.nudge_after):
            continue
        if employers.asked_since(employer, asked, note.path):
            continue
        due = config.workweek.after(asked, wait)
        yield _next_contact(vault, employers, note, person, employer, due, today)


def _next_contact(
    vault: Vault,
    employers: Employers,
    request: Note,
    person: Note,
    employer: str,
    due: date,
    today: date,
) -> FollowUp:
    """ "Try the next contact at COMPANY: NAME", on the next prospect's note (whose "Request
    sent" then completes it), else "find another contact at COMPANY" on the request."""
    company = employers.name(employer)
    since = f"no reply from {person.title} since {request.requested}"
    prospect = employers.next_prospect(employer, exclude=person.path)
    if prospect is None:
        action = f"Find another contact at {company}: {since}"
        me = (person.title, person.path)
        return _item(request, "requested", action, due, "next-contact", today, me, None)
    who = (
        _people(vault, prospect)
        if prospect.kind == "interview"
        else (prospect.title, prospect.path)
    )
    action = f"Try the next contact at {company}, {who[0]}: {since}"
    if prospect.kind == "interview":
        return _item(prospect, "status", action, due, "next-contact", today, who, "request")
    return _item(prospect, "company", action, due, "next-contact", today, who, None)


def _report_backs(vault: Vault, today: date) -> Iterator[FollowUp]:
    """Close the referral loop: after a conversation with someone introduced by X, tell X how
    it went, unless `reported_back` is recorded or X has been in touch since."""
    wait = vault.config.report_back_after
    if wait is None:
        return
    last_done, _ = _contact_history(vault)
    horizon = _shift(today, -REPORT_BACK_HORIZON)
    for note in vault.interviews:
        if note.status != "done" or note.date is None or note.reported_back is not None:
            continue
        if note.date < horizon:
            continue
        person = vault.person(note.people[0]) if note.people else None
        introducer = vault.person(person.introduced_by) if person and person.introduced_by else None
        if person is None or introducer is None or introducer is person:
            continue
        contacts = [d for d in (introducer.last_contact, last_done.get(introducer.path)) if d]
        if contacts and max(contacts) > note.date:
            continue
        due = vault.config.workweek.after(note.date, wait)
        action = f"Tell {introducer.title} how the conversation with {person.title} went"
        them = (introducer.title, introducer.path)
        # on the line naming whom the conversation was with: the thank-you has `status`, and
        # `iiv done PATH:LINE` tells the rows of a note apart by their line
        key = "person" if "person" in note.key_lines else "people"
        yield _item(note, key, action, due, "report-back", today, them, "reported-back")


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
