"""One conversation, start to finish: the steps between its statuses, and what each writes.

An interview note carries one conversation: prospect → requested → scheduled → done, or
declined, no-reply or cancelled, with reschedules. Each step is a pure function of the note,
its bytes and the details given (`change`): it returns the new bytes and the lines changed,
and changes only the lines it must; `iiv.applied.apply` runs a step through the safe edit and
records it in the undo journal. Which step completes each follow-up is decided where the
follow-up is made (`FollowUp.step`); the command line and the dashboard both read it there.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from iiv import patch
from iiv.errors import BadArgument, EditRefused
from iiv.note import Note
from iiv.tasks import Task


@dataclass(frozen=True)
class Details:
    """What a step records besides itself. `day` is the date it records: when the request was
    sent, the nudge, the thank-you, the contact; for `schedule` and `edit`, the meeting's."""

    day: date | None = None
    time: str | None = None  # HH:MM
    medium: str | None = None
    location: str | None = None
    goal: str | None = None
    line: int | None = None  # the task's line, for `complete` and `snooze`
    days: int | None = None  # for `snooze`: how many days later
    answered: date | None = None  # for `schedule` and `declined`: when a request's answer came


@dataclass(frozen=True)
class SetProperty:
    key: str
    value: str


@dataclass(frozen=True)
class TickTask:
    line: int
    day: date


@dataclass(frozen=True)
class SnoozeTask:
    line: int
    days: int
    today: date


Edit = SetProperty | TickTask | SnoozeTask
Plan = Callable[[Note, Details], tuple[Edit, ...]]


def _nothing_more(note: Note) -> str | None:
    return None


@dataclass(frozen=True)
class Step:
    name: str
    label: str  # on a button: "They said yes"
    summary: str  # a confirmation, with {who}, {day} and {when}: "{who} thanked"
    writes: str  # what it writes, shown on hover and in help
    kind: str  # the kind of note it applies to: interview, person, or any note (a task)
    statuses: tuple[str | None, ...] | None  # the statuses it applies to; None: any
    plan: Plan
    also: Callable[[Note], str | None] = _nothing_more  # any other reason to refuse

    def refusal(self, note: Note) -> str | None:
        """Why the step does not apply to `note`, or None when it does."""
        if self.kind != "note" and note.kind != self.kind:
            kinds = f"{a_note(self.kind)} (type: {self.kind}), not {a_note(note.kind)}"
            return f"{self.name} applies to {kinds}"
        if self.statuses is not None and note.status not in self.statuses:
            allowed = either([s for s in self.statuses if s])
            status = note.status or "not set"
            return f"its status is {status}; {self.name} applies to {allowed} conversations"
        return self.also(note)

    def allows(self, note: Note) -> bool:
        return self.refusal(note) is None


def either(words: list[str]) -> str:
    """`a`, `a or b`, `a, b or c`."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def a_note(kind: str) -> str:
    """`a person note`, `an interview note`, `a plain note`."""
    return {"interview": "an interview note", "person": "a person note"}.get(kind, "a plain note")


@dataclass(frozen=True)
class Change:
    """A step's result: the new bytes, the lines changed in them, and what to tell the user."""

    path: str
    step: str
    after: bytes
    lines: tuple[int, ...]
    summary: str


def change(name: str, note: Note, data: bytes, details: Details) -> Change:
    """Step `name` on `note` (parsed from `data`): the bytes it leads to. Pure.

    Refused (EditRefused, BadArgument) when the step does not apply to the note as it is.
    """
    step = STEPS.get(name)
    if step is None:
        raise BadArgument(f"unknown step {name!r}; known: {', '.join(STEPS)}")
    refusal = step.refusal(note)
    if refusal:
        raise EditRefused(refusal)
    edits = step.plan(note, details)
    after = _applied(data, edits)
    return Change(note.path, name, after, changed_lines(data, after), _summary(step, note, details))


def _applied(data: bytes, edits: tuple[Edit, ...]) -> bytes:
    """Ticks first, from the last line up (a property added to the front-matter would move the
    lines below it), then properties, each one line."""
    for item in sorted(edits, key=lambda e: -e.line if not isinstance(e, SetProperty) else 0):
        if isinstance(item, TickTask):
            data = patch.with_task_completed(data, item.line, item.day)
        elif isinstance(item, SnoozeTask):
            data = patch.with_task_snoozed(data, item.line, item.days, item.today)
        else:
            data = patch.with_property(data, item.key, item.value)
    return data


def changed_lines(before: bytes, after: bytes) -> tuple[int, ...]:
    """The 1-based lines of `after` that are new or different from `before`."""
    old, new = before.split(b"\n"), after.split(b"\n")
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    lines: list[int] = []
    for tag, _, _, start, end in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            lines.extend(range(start + 1, end + 1))
    return tuple(lines)


def _summary(step: Step, note: Note, details: Details) -> str:
    who = ", ".join(link.text for link in note.people) or note.title
    day = details.day.isoformat() if details.day else ""
    when = f"{day} {details.time}" if details.time else day
    if step.kind == "note":  # a task's step
        task = _task_at(note, details.line)
        who = (task.description or "(task)") if task else ""
    return step.summary.format(who=who, day=day, when=when, days=details.days)


# What each step writes. A property already holding the value is left alone.


def _set(note: Note, key: str, value: str | None) -> tuple[Edit, ...]:
    """Set `key` to `value`, unless it holds it already, spaces aside (a form sends a field
    back tidied)."""
    if value is None:
        return ()
    current = note.status if key == "status" else note.meta.get(key)
    same = " ".join(str(current or "").split()) == " ".join(value.split())
    return () if same else (SetProperty(key, value),)


def _set_meeting(note: Note, details: Details, step: str) -> tuple[Edit, ...]:
    """The meeting's date and time, unless the note holds them already, in whichever of the
    forms it may be written (`2026-12-03T15:30`, `2026-12-03 15:30:00`)."""
    when = _meeting(details, step)
    if note.date is not None and (note.date, note.time) == (details.day, details.time):
        return ()
    return (SetProperty("date", when),)


def _day(details: Details, step: str) -> str:
    if details.day is None:
        raise BadArgument(f"{step} needs a date")
    return details.day.isoformat()


def _meeting(details: Details, step: str) -> str:
    day = _day(details, step)
    return f"{day} {details.time}" if details.time else day


def _request(note: Note, details: Details) -> tuple[Edit, ...]:
    return (*_set(note, "status", "requested"), *_set(note, "requested", _day(details, "request")))


def _answered(note: Note, details: Details) -> tuple[Edit, ...]:
    """When the answer to a request came, for the reply-time numbers: recorded once, by the
    step that records the answer, and only when the form or command gives the day."""
    if note.status != "requested" or note.answered is not None or details.answered is None:
        return ()
    return (SetProperty("answered", details.answered.isoformat()),)


def _declined(note: Note, details: Details) -> tuple[Edit, ...]:
    return (*_set(note, "status", "declined"), *_answered(note, details))


def _schedule(note: Note, details: Details) -> tuple[Edit, ...]:
    return (
        *_answered(note, details),
        *_set(note, "status", "scheduled"),
        *_set_meeting(note, details, "schedule"),
        *_set(note, "medium", details.medium or None),
        *_set(note, "location", details.location or None),
    )


def _edit(note: Note, details: Details) -> tuple[Edit, ...]:
    """The edit form: each field given, when it differs; empty text clears a text field."""
    if details.time and not details.day:
        raise BadArgument("a time needs a date")
    return (
        *(_set_meeting(note, details, "edit") if details.day else ()),
        *_set(note, "medium", details.medium),
        *_set(note, "location", details.location),
        *_set(note, "goal", details.goal),
    )


def _status(status: str) -> Plan:
    return lambda note, details: _set(note, "status", status)


def _done(note: Note, details: Details) -> tuple[Edit, ...]:
    """Done on the step's day: dated that day when it had no date, or a later one (it was
    planned for later, and happened by then: the thank-you and follow-ups count from it)."""
    later = note.date is not None and details.day is not None and note.date > details.day
    day = _day(details, "done") if note.date is None or later else None
    return (*_set(note, "status", "done"), *_set(note, "date", day))


def _nudged(note: Note, details: Details) -> tuple[Edit, ...]:
    return _set(note, "nudged", _day(details, "nudged"))


def _reported_back(note: Note, details: Details) -> tuple[Edit, ...]:
    return _set(note, "reported_back", _day(details, "reported-back"))


def _thanked(note: Note, details: Details) -> tuple[Edit, ...]:
    day = _day(details, "thanked")
    task = next((t for t in note.tasks if t.is_open and "thank" in t.description.lower()), None)
    tick = (TickTask(task.line, date.fromisoformat(day)),) if task else ()
    return (*tick, *_set(note, "thanked", day))


def _not_thanked(note: Note) -> str | None:
    return f"the thank-you is recorded already (thanked: {note.thanked})" if note.thanked else None


def _contacted(note: Note, details: Details) -> tuple[Edit, ...]:
    return _set(note, "last_contact", _day(details, "contacted"))


def _complete(note: Note, details: Details) -> tuple[Edit, ...]:
    if details.line is None:
        raise BadArgument("complete needs the task's line")
    # the safe edit refuses a line with no open task, and says why
    return (TickTask(details.line, date.fromisoformat(_day(details, "complete"))),)


def _snooze(note: Note, details: Details) -> tuple[Edit, ...]:
    if details.line is None or not details.days:
        raise BadArgument("snooze needs the task's line and a number of days")
    return (SnoozeTask(details.line, details.days, date.fromisoformat(_day(details, "snooze"))),)


def _task_at(note: Note, line: int | None) -> Task | None:
    return next((t for t in note.tasks if t.line == line), None)


ASKABLE = (None, "prospect")  # an interview without a status is a prospect
STEPS = {
    step.name: step
    for step in (
        Step(
            "request",
            "Request sent",
            "Request to {who} sent on {day}",
            "status: requested, requested: DATE",
            "interview",
            ASKABLE,
            _request,
        ),
        Step(
            "schedule",
            "They said yes",
            "{who} scheduled for {when}",
            "status: scheduled, date: DATE[ HH:MM], medium and location if given, and"
            " answered: today for a request",
            "interview",
            (*ASKABLE, "requested", "scheduled", "cancelled"),
            _schedule,
        ),
        Step(
            "nudged",
            "Nudged",
            "{who} nudged on {day}",
            "nudged: DATE (requested: is kept)",
            "interview",
            ("requested",),
            _nudged,
        ),
        Step(
            "declined",
            "Declined",
            "{who} declined",
            "status: declined (and answered: today, for a request)",
            "interview",
            (*ASKABLE, "requested"),
            _declined,
        ),
        Step(
            "no-reply",
            "No reply",
            "{who} marked no-reply",
            "status: no-reply",
            "interview",
            ("requested",),
            _status("no-reply"),
        ),
        Step(
            "cancelled",
            "Cancelled",
            "Conversation with {who} cancelled",
            "status: cancelled",
            "interview",
            ("scheduled",),
            _status("cancelled"),
        ),
        Step(
            "done",
            "Done",
            "Conversation with {who} done",
            "status: done, and date: DATE if it had none or a later one",
            "interview",
            (*ASKABLE, "requested", "scheduled"),
            _done,
        ),
        Step(
            "thanked",
            "Thanked",
            "{who} thanked",
            "thanked: DATE, and ticks an open thank-you task",
            "interview",
            ("done",),
            _thanked,
            _not_thanked,
        ),
        Step(
            "reported-back",
            "Reported back",
            "Reported back on the conversation with {who}",
            "reported_back: DATE",
            "interview",
            ("done",),
            _reported_back,
        ),
        Step(
            "contacted",
            "Contacted",
            "{who} contacted on {day}",
            "last_contact: DATE",
            "person",
            None,
            _contacted,
        ),
        Step(
            "edit",
            "Save",
            "{who}: details saved",
            "the date, time, medium, location and goal that changed",
            "interview",
            None,
            _edit,
        ),
        Step(
            "complete",
            "Done",
            "Done: {who}",
            "[x] and ✅ DATE on the task line",
            "note",
            None,
            _complete,
        ),
        Step(
            "snooze",
            "Snooze",
            "Snoozed {days} days: {who}",
            "the task's due (else scheduled) date, DAYS later",
            "note",
            None,
            _snooze,
        ),
    )
}
STATUS_STEPS = {"requested": "request", "done": "done"} | {
    status: status for status in ("declined", "no-reply", "cancelled")
}  # `iiv status NOTE STATUS`: the step that sets each status
