"""The pipeline (`/pipeline`): the conversations in flight, by status: prospects, requests
waiting for an answer, scheduled ones, and done ones not thanked yet; each with its age and
its next step, with the button that records it when one does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, render_template, url_for

from iiv.actions import STEPS
from iiv.followups import FollowUp, is_thanked
from iiv.note import Note
from iiv.snapshot import Vault
from iiv.web.due import Button, rows
from iiv.web.pages import csrf_token, display_day, library
from iiv.web.partials import NoteLink, day_label, person_link
from iiv.web.urls import here, note_url

bp = Blueprint("pipeline", __name__)
EVERYTHING_DUE = 3660  # days ahead: a card's next step, whenever it is due
COLUMNS = (
    ("prospect", "Prospects", "Not asked yet"),
    ("requested", "Requested", "Waiting for an answer"),
    ("scheduled", "Scheduled", "Agreed, with a date"),
    ("unthanked", "Done, not thanked", "Send the thank-you"),
)


@dataclass(frozen=True)
class Card:
    title: str
    url: str
    people: tuple[NoteLink, ...]
    medium: str | None
    age: str  # "asked 12 days ago", "in 3 days", "met yesterday"
    next_step: str
    next_due: str  # "due in 2 days", or ""
    overdue: bool
    button: Button | None  # records the next step


@dataclass(frozen=True)
class Lane:
    key: str
    title: str
    hint: str
    cards: list[Card]


@bp.get("/pipeline")
def pipeline_page() -> str:
    lib = library()
    vault = lib.snapshot()
    day = display_day()
    first = _first_followups(lib.due(day, EVERYTHING_DUE))
    lanes = [
        Lane(key, title, hint, [_card(vault, note, first.get(note.path), day) for note in notes])
        for (key, title, hint), notes in zip(COLUMNS, _in_flight(vault), strict=True)
    ]
    return render_template("pipeline.html", lanes=lanes, day=day.isoformat())


def _in_flight(vault: Vault) -> list[list[Note]]:
    """The conversations of each lane, oldest first."""
    lanes: dict[str, list[Note]] = {key: [] for key, _, _ in COLUMNS}
    for note in vault.interviews:
        status = note.status or "prospect"
        if status == "done":
            if not is_thanked(note):
                lanes["unthanked"].append(note)
        elif status in lanes:
            lanes[status].append(note)
    return [sorted(notes, key=_started) for notes in lanes.values()]


def _started(note: Note) -> tuple[date, str]:
    return (note.date or note.requested or date.min, note.path)


def _first_followups(items: Iterable[FollowUp]) -> dict[str, FollowUp]:
    """Each note's most urgent follow-up that is about the conversation (not a task in it)."""
    first: dict[str, FollowUp] = {}
    for item in items:
        if item.kind != "task":
            first.setdefault(item.path, item)
    return first


def _card(vault: Vault, note: Note, item: FollowUp | None, day: date) -> Card:
    row = rows([item], vault, day, csrf_token(), here(), on_page=note.path)[0] if item else None
    return Card(
        title=note.title,
        url=note_url(note.path, note.kind),
        people=tuple(person_link(vault, link) for link in note.people),
        medium=note.medium,
        age=_age(note, day),
        next_step=row.action if row else _default_step(note),
        next_due=row.due_label if row else "",
        overdue=bool(row and row.overdue),
        button=row.done if row else _request_button(note),
    )


def _age(note: Note, day: date) -> str:
    status = note.status or "prospect"
    if status == "requested" and note.requested:
        return f"asked {_ago(note.requested, day)}"
    if status == "scheduled" and note.date:
        when = day_label(note.date, note.time)
        return (
            f"{when}, {_ago(note.date, day)}"
            if note.date < day
            else f"{when}, {_in(note.date, day)}"
        )
    if status == "done" and note.date:
        return f"met {_ago(note.date, day)}"
    return "not asked yet"


def _ago(then: date, day: date) -> str:
    days = (day - then).days
    return "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"


def _in(then: date, day: date) -> str:
    days = (then - day).days
    return "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"


def _default_step(note: Note) -> str:
    """What comes next when no follow-up about the conversation is due: a prospect's request,
    a done one's thank-you (when a task of the note holds its date, say); else nothing."""
    status = note.status or "prospect"
    if status == "prospect":
        return "Send the request when the time is right"
    if status == "done":
        return "Send the thank-you"
    return "Nothing due: wait for the date"


def _request_button(note: Note) -> Button | None:
    """A prospect's "Request sent", carrying the hash of the note the snapshot holds."""
    step = STEPS["request"]
    if not note.digest or not step.allows(note):
        return None
    hidden = (
        ("csrf_token", csrf_token()),
        ("path", note.path),
        ("hash", note.digest),
        ("next", here()),
        ("step", step.name),
    )
    title = f"Records it in the note ({step.writes.replace('DATE', 'today')})"
    aria = f"{step.label}: {note.title}"
    return Button(url_for("actions.step"), step.label, title, aria, hidden)
