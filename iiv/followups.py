"""What is due: follow-ups computed from a vault snapshot and `today`. Pure: no clock, no I/O."""

from __future__ import annotations

from bisect import insort
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import compress
from operator import is_not

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
# What clears a follow-up that no step records in its note (`FollowUp.step` is None), as
# `iiv done` says it; a kind whose follow-ups always name their step needs no line here.
NOT_RECORDED = {
    "prepare": "preparing is not recorded in the note; the reminder goes once the conversation"
    " is done (iiv status NOTE done) or moved (iiv schedule NOTE --date)",
    "next-contact": "asking the next contact is recorded in a conversation with them"
    " (iiv new interview NAME --status requested); the reminder also goes once the request"
    " waiting there is answered or nudged",
}
# ties on a date: people first
URGENCY = ("thank-you", "nudge", "next-contact", "prepare", "report-back", "task", "keep-in-touch")
OPEN_INTERVIEW = ("requested", "scheduled")
SHARED = ("next-contact", "report-back", "keep-in-touch")  # made from many notes at once
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
    return due_list(vault, today).items


@dataclass(frozen=True)
class DueList:
    """Every follow-up of a snapshot on a day, and what it was made from, so that the list
    of the next snapshot is made again only for the notes that changed (see `due_list`)."""

    vault: Vault
    today: date
    by_note: dict[str, tuple[Note, tuple[FollowUp, ...]]]  # each note's own follow-ups
    shared: tuple[FollowUp, ...]  # those that depend on many notes (people and interviews)
    items: list[FollowUp]  # all of them, most urgent first


def due_list(vault: Vault, today: date, previous: DueList | None = None) -> DueList:
    """Every follow-up in the vault, most urgent first; with the list of an earlier snapshot
    of the same vault, made again only where notes changed.

    A note's tasks, thank-you, nudge and preparation depend on it and on the names of the
    people it links to: when no name changed (the snapshot kept its link resolver), only the
    changed notes' are made again. Next contacts, report-backs and keep-in-touch depend on
    the properties of every person, interview and company note (`_facts`): they are made
    again when one of those changed, not when a note's text did.
    """
    if previous is None or not _comparable(previous, vault, today):
        by_note = {path: (note, _own(vault, note, today)) for path, note in vault.notes.items()}
        return _listed(vault, today, by_note, _shared(vault, today))
    known = previous.by_note
    changed = _changed(previous.vault.notes, vault.notes)
    added = sum(path not in known for path in changed)
    gone = (
        [] if len(vault.notes) == len(known) + added else [p for p in known if p not in vault.notes]
    )
    if not changed and not gone:
        return DueList(vault, today, known, previous.shared, previous.items)
    by_note = dict(known)
    for path in gone:
        del by_note[path]
    for path in changed:
        note = vault.notes[path]
        by_note[path] = (note, _own(vault, note, today))
    facts = [(_facts(vault.notes[p]), _facts(known[p][0]) if p in known else None) for p in changed]
    if any(new != old for new, old in facts) or any(_facts(known[p][0]) for p in gone):
        return _listed(vault, today, by_note, _shared(vault, today))
    redone = {*changed, *gone}
    items = [item for item in previous.items if item.path not in redone or item.kind in SHARED]
    for item in sorted((item for path in changed for item in by_note[path][1]), key=_urgency):
        insort(items, item, key=_urgency)  # as a stable sort of all of them would place it
    return DueList(vault, today, by_note, previous.shared, items)


def _changed(before: Mapping[str, Note], after: Mapping[str, Note]) -> list[str]:
    """The paths of `after` whose note is not the same object in `before` (new ones too).

    Snapshots share the notes that did not change, so identity tells; compared in C, without
    a Python loop over every note (a few milliseconds at 50,000 notes, a save's whole budget
    being 50)."""
    paths = after.keys()
    return list(compress(paths, map(is_not, map(before.get, paths), after.values())))


def _comparable(previous: DueList, vault: Vault, today: date) -> bool:
    old = previous.vault
    return (
        previous.today == today
        and (old.root, old.config) == (vault.root, vault.config)
        and old.resolver is vault.resolver
    )


def _facts(note: Note) -> tuple[object, ...] | None:
    """What next contacts, report-backs and keep-in-touch read of a note (besides the names
    links resolve by); None for a note they do not read."""
    if note.kind not in ("person", "interview") and not note.is_company:
        return None
    return (
        note.kind,
        note.is_company,
        note.conflict_of,
        note.title,
        note.aliases,
        note.company,
        note.keep_in_touch,
        note.last_contact,
        note.introduced_by,
        note.people,
        note.status,
        note.date,
        note.requested,
        note.nudged,
        note.reported_back,
        tuple(sorted(note.key_lines.items())),
    )


def _own(vault: Vault, note: Note, today: date) -> tuple[FollowUp, ...]:
    """The follow-ups a note makes by itself (none for a conflict copy)."""
    if note.conflict_of:
        return ()
    if note.kind != "interview":
        return tuple(_tasks(vault, note, today))
    return (
        *_tasks(vault, note, today),
        *_thank_you(vault, note, today),
        *_nudge(vault, note, today),
        *_preparation(vault, note, today),
    )


def _shared(vault: Vault, today: date) -> tuple[FollowUp, ...]:
    return (
        *_next_contacts(vault, today),
        *_report_backs(vault, today),
        *_keep_in_touch(vault, today),
    )


def _listed(
    vault: Vault,
    today: date,
    by_note: dict[str, tuple[Note, tuple[FollowUp, ...]]],
    shared: tuple[FollowUp, ...],
) -> DueList:
    items = [item for _, own in by_note.values() for item in own]
    items += shared
    items.sort(key=_urgency)
    return DueList(vault, today, by_note, shared, items)


def _urgency(item: FollowUp) -> tuple[date, int, str, int]:
    return item.due, URGENCY.index(item.kind), item.path, item.line


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


def _tasks(vault: Vault, note: Note, today: date) -> Iterator[FollowUp]:
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


def is_thanked(note: Note) -> bool:
    """Whether a conversation's thank-you is recorded: `thanked`, or a done task about it."""
    return note.thanked is not None or any(
        t.is_done and _mentions_thanks(t.description) for t in note.tasks
    )


def _thank_you(vault: Vault, note: Note, today: date) -> Iterator[FollowUp]:
    if note.status != "done" or note.date is None or is_thanked(note):
        return
    if any(t.is_open and t.when and _mentions_thanks(t.description) for t in note.tasks):
        return  # that task is listed instead, with its own date
    people = _people(vault, note)
    due = _shift(note.date, vault.config.thank_you_after)
    what = note.medium or "interview"
    action = f"Send a thank-you note to {people[0] or 'them'} for the {what} on {note.date}"
    yield _item(note, "status", action, due, "thank-you", today, people, "thanked")


def _nudge(vault: Vault, note: Note, today: date) -> Iterator[FollowUp]:
    """A request without an answer: nudge once, then let go. The give-up clock runs from the
    nudge when one is recorded (`nudged`), else from the day the nudge fell due."""
    config = vault.config
    if note.status != "requested" or (note.requested is None and note.nudged is None):
        return
    people = _people(vault, note)
    who = people[0] or "them"
    if note.nudged is not None:
        give_up = config.workweek.after(note.nudged, config.give_up_after)
        action = f"No reply from {who} since you nudged on {note.nudged}: mark the request no-reply"
        yield _item(note, "nudged", action, give_up, "nudge", today, people, "no-reply")
        return
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


def _preparation(vault: Vault, note: Note, today: date) -> Iterator[FollowUp]:
    if note.status != "scheduled" or note.date is None:
        return
    people = _people(vault, note)
    when = f"{note.date} {note.time}" if note.time else str(note.date)
    what = note.medium or "interview"
    who = people[0] or "them"
    if note.date < today:
        action = f"The {what} with {who} on {when} is still scheduled: mark it done or reschedule"
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
