"""The pieces several pages show (`_partials.html`): links to notes and interview lines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from iiv.links import Link
from iiv.note import Note
from iiv.snapshot import Vault
from iiv.web.urls import note_url


@dataclass(frozen=True)
class NoteLink:
    text: str
    url: str | None  # None: the link resolves to no note


@dataclass(frozen=True)
class InterviewLine:
    title: str
    url: str
    when: str
    status: str
    medium: str | None
    people: tuple[NoteLink, ...]


def day_label(day: date, time: str | None = None) -> str:
    """`Thu 3 Dec 2026`, with `, 15:30` when there is a time."""
    text = f"{day:%a} {day.day} {day:%b %Y}"
    return f"{text}, {time}" if time else text


def note_link(note: Note) -> NoteLink:
    return NoteLink(note.title, note_url(note.path, note.kind))


def person_link(vault: Vault, link: Link) -> NoteLink:
    person = vault.person(link)
    return note_link(person) if person else NoteLink(link.text, None)


def interview_line(vault: Vault, note: Note) -> InterviewLine:
    return InterviewLine(
        title=note.title,
        url=note_url(note.path, note.kind),
        when=_when(note),
        status=note.status or "no status",
        medium=note.medium,
        people=tuple(person_link(vault, link) for link in note.people),
    )


def interview_lines(vault: Vault, notes: Iterable[Note]) -> list[InterviewLine]:
    """Newest first: by date, else by the day the request was sent."""
    ordered = sorted(notes, key=lambda n: (n.date or n.requested or date.min, n.time or "", n.path))
    return [interview_line(vault, note) for note in reversed(ordered)]


def _when(note: Note) -> str:
    if note.date:
        return day_label(note.date, note.time)
    if note.requested:
        return f"asked {day_label(note.requested)}"
    return "no date yet"
