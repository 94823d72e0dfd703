"""One note's page: a person, an interview, any other note; and a company's people.

A note page is rendered from the file as it is on disk now, so the hash its forms carry and the
task lines its buttons name always match; the snapshot supplies links between notes.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from iiv.links import Link
from iiv.note import Note
from iiv.snapshot import Vault
from iiv.web.conversation import next_steps
from iiv.web.debrief import debrief_form
from iiv.web.drafts import draft_links
from iiv.web.due import Row, rows
from iiv.web.pages import csrf_token, display_day, library, read_note
from iiv.web.partials import (
    InterviewLine,
    NoteLink,
    day_label,
    interview_lines,
    note_link,
    person_link,
)
from iiv.web.people import PersonPage, interviews_with, person_page
from iiv.web.render import BodyContext, TaskForm, render_body
from iiv.web.urls import here, note_url, obsidian_url

bp = Blueprint("notes", __name__)
EVERYTHING_DUE = 3660  # days ahead: a note page lists its follow-ups whatever their date
INTERVIEW_FIELDS = (
    ("status", "Status"),
    ("medium", "Medium"),
    ("location", "Location"),
    ("goal", "Goal"),
    ("requested", "Requested"),
    ("nudged", "Nudged"),
    ("thanked", "Thanked"),
)


@dataclass(frozen=True)
class NotePage:
    """What every note page shows: title, where the file is, its body and what is due in it."""

    title: str
    kind: str
    path: str
    obsidian_url: str
    body: str  # sanitized HTML
    tags: list[NoteLink]
    followups: list[Row]
    fields: list[tuple[str, str]]
    people: list[NoteLink]
    when: str | None


@bp.get("/person/<note:path>")
def person(path: str) -> str | Response:
    note, digest = _load(path, "person")
    vault = library().snapshot()
    theirs = {interview.path for interview in interviews_with(vault, note.path)}
    page = _note_page(note, digest, vault, fields=[], related=theirs)
    extra: PersonPage = person_page(note, vault, csrf_token(), digest)
    return render_template("person.html", page=page, person=extra)


@bp.get("/interview/<note:path>")
def interview(path: str) -> str | Response:
    note, digest = _load(path, "interview")
    vault = library().snapshot()
    fields = [
        (label, str(getattr(note, key))) for key, label in INTERVIEW_FIELDS if getattr(note, key)
    ]
    page = _note_page(note, digest, vault, fields=fields)
    drafts = draft_links(vault, note) if note.people else []
    form = debrief_form(note, digest)
    steps = next_steps(note, digest)
    return render_template("interview.html", page=page, drafts=drafts, debrief=form, steps=steps)


@bp.get("/note/<note:path>")
def note(path: str) -> str | Response:
    note, digest = _load(path, "note")
    fields = [(key, _shown(value)) for key, value in note.meta.items() if key != "tags"]
    page = _note_page(note, digest, library().snapshot(), fields=fields)
    return render_template("note.html", page=page)


@dataclass(frozen=True)
class CompanyPage:
    name: str
    people: list[tuple[NoteLink, str | None]]  # (person, role)
    interviews: list[InterviewLine]
    note: NoteLink | None  # a note named after the company


@bp.get("/company/<note:name>")
def company(name: str) -> str:
    vault = library().snapshot()
    wanted = name.casefold().strip()
    people = sorted(
        (p for p in vault.people if (p.company or "").casefold() == wanted),
        key=lambda p: p.title.casefold(),
    )
    if not people:
        abort(404)
    paths = {p.path for p in people}
    interviews = [n for n in vault.interviews if _people_paths(vault, n) & paths]
    named = vault.notes.get(vault.resolver.resolve(name) or "")
    page = CompanyPage(
        name=people[0].company or name,
        people=[(note_link(p), p.role) for p in people],
        interviews=interview_lines(vault, interviews),
        note=note_link(named) if named else None,
    )
    return render_template("company.html", page=page)


def _load(path: str, kind: str) -> tuple[Note, str]:
    """The note at `path` as on disk now and its hash; 404 unless it is a note in the vault.

    A note of another kind is redirected to its own page.
    """
    note, digest = read_note(path)
    if note.kind != kind:
        query = request.query_string.decode("latin-1")
        target = note_url(path, note.kind) + (f"?{query}" if query else "")
        abort(redirect(target, 303))
    return note, digest


def _note_page(
    note: Note,
    digest: str,
    vault: Vault,
    fields: list[tuple[str, str]],
    related: Set[str] = frozenset(),
) -> NotePage:
    """The page's common part; its follow-ups are the note's own, those about it (a person's)
    and those in the `related` notes (a person's interviews)."""
    lib = library()
    today = display_day()
    due = [
        item
        for item in lib.due(today, EVERYTHING_DUE)
        if note.path in (item.path, item.person_path) or item.path in related
    ]
    return NotePage(
        title=note.title,
        kind=note.kind,
        path=note.path,
        obsidian_url=obsidian_url(lib.root.name, note.path),
        body=_body(note, digest, vault),
        tags=[NoteLink(f"#{tag}", url_for("search.search", q=f"tag:{tag}")) for tag in note.tags],
        followups=rows(due, vault, today, csrf_token(), here(), on_page=note.path),
        fields=fields,
        people=[person_link(vault, link) for link in note.people],
        when=_when(note),
    )


def _body(note: Note, digest: str, vault: Vault) -> str:
    hidden = (("csrf_token", csrf_token()), ("path", note.path), ("hash", digest), ("next", here()))
    context = BodyContext(
        link_url=lambda link: _link_url(vault, link),
        body_line=note.body_line,
        tasks={task.line: task for task in note.tasks},
        task_form=TaskForm(url_for("actions.complete"), hidden),
    )
    return render_body(note.body, context)


def _link_url(vault: Vault, link: Link) -> str | None:
    target = vault.notes.get(vault.resolver.resolve(link.target) or "")
    return note_url(target.path, target.kind) if target else None


def _people_paths(vault: Vault, interview: Note) -> set[str]:
    found = (vault.person(link) for link in interview.people)
    return {person.path for person in found if person}


def _when(note: Note) -> str | None:
    return day_label(note.date, note.time) if note.date else None


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value)
    return "" if value is None else str(value)
