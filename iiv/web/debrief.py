"""The debrief form of a done conversation (on its interview page) and what it writes.

`security.install` has already checked the Host, a same-origin Origin and the CSRF token; the
form carries the hash of the note it was rendered from, so a note changed since is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, request, url_for

from iiv.applied import Recorded, record_debrief
from iiv.debrief import parse, thank_you_due
from iiv.errors import NoteNotFound
from iiv.journal import Journal
from iiv.note import Note
from iiv.vault import note_file
from iiv.web.pages import csrf_token, library
from iiv.web.urls import here, safe_next

bp = Blueprint("debrief", __name__)
MAX_FIELD = 10_000  # characters of one of the form's boxes
INFORMATION = "debrief"  # a flash category without an Undo: not a number


@dataclass(frozen=True)
class DebriefForm:
    action: str
    hidden: tuple[tuple[str, str], ...]


def debrief_form(note: Note, digest: str) -> DebriefForm | None:
    """The form for a done conversation; None for any other."""
    if note.kind != "interview" or note.status != "done":
        return None
    hidden = (("csrf_token", csrf_token()), ("path", note.path), ("hash", digest), ("next", here()))
    return DebriefForm(url_for("debrief.save"), hidden)


@bp.post("/do/debrief")
def save() -> Response:
    lib = library()
    path = request.form.get("path", "")
    try:
        note_file(lib.root, path, lib.config)
    except NoteNotFound:
        abort(404)
    found = parse(_field("takeaways"), _field("people"), _field("promises"), date.today())
    vault = lib.snapshot()
    done = record_debrief(
        vault, path, request.form.get("hash", ""), found, Journal(lib.folder), date.today()
    )
    lib.sync([path, *(made.path for made in done.created)])
    _confirm(done, thank_you_due(vault.notes[path], lib.config))
    return redirect(safe_next(request.form.get("next")), 303)  # type: ignore[return-value]


def _field(name: str) -> str:
    return request.form.get(name, "")[:MAX_FIELD]


def _confirm(done: Recorded, thank_you: date | None) -> None:
    parts = []
    if done.interview is not None:
        count = len(done.interview.lines)
        parts.append(f"{count} line{'s' if count != 1 else ''} added")
    if done.created:
        parts.append(
            f"{len(done.created) // 2} prospect{'s' if len(done.created) > 2 else ''} created"
        )
    if done.known:
        parts.append(f"already in the vault: {', '.join(done.known)}")
    message = "Debrief recorded: " + "; ".join(parts)
    undo = done.interview.undo if done.interview else None
    flash(message, str(undo) if undo is not None else INFORMATION)
    if thank_you is not None:
        flash(
            f"The thank-you is due {thank_you}: the Thank-you draft is on this page.", INFORMATION
        )
