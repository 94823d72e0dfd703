"""The edit buttons: POST endpoints that run one step on one note, then redirect back.

`security.install` has already checked the Host, a same-origin Origin and the CSRF token.
Each form also carries the hash of the file the page was rendered from, so an edit to a file
that changed meanwhile is refused (409) and nothing is written. Every change goes into the undo
journal, and the page it returns to confirms it with an Undo button (a message carried in the
session: it works without JavaScript).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, request

from iiv import applied
from iiv.actions import STEPS, Details
from iiv.applied import Applied
from iiv.dates import BadDate, parse_date, parse_datetime
from iiv.errors import BadArgument, NoteNotFound
from iiv.journal import Journal, undo
from iiv.template import NewInterview, new_interview
from iiv.vault import note_file
from iiv.web.pages import library
from iiv.web.urls import note_url, safe_next

bp = Blueprint("actions", __name__, url_prefix="/do")
NEW_STATUSES = ("scheduled", "requested", "prospect", "done")
MAX_TEXT = 2_000  # characters of a medium, location or goal sent by a form: refused beyond
MAX_MEDIUM = 100
UNDONE = "undone"  # the flash category of an undo's confirmation (others carry the entry's id)


def journal() -> Journal:
    return Journal(library().folder)


@bp.post("/complete")
def complete() -> Response:
    details = Details(date.today(), line=_number("line", 10**7))
    return _run("complete", details)


@bp.post("/snooze")
def snooze() -> Response:
    details = Details(date.today(), line=_number("line", 10**7), days=_number("days", 365))
    return _run("snooze", details)


@bp.post("/step")
def step() -> Response:
    """A step of a conversation, or a follow-up's "done": `step` names it, the form gives the
    date (default today), time, medium, location and goal it records."""
    name = request.form.get("step", "")
    if name not in STEPS or STEPS[name].kind == "note":
        raise BadArgument("unknown action; reload the page and try again")
    return _run(name, _details(name))


@bp.post("/undo")
def undo_change() -> Response:
    lib = library()
    entry = undo(lib.root, journal(), _number("id", 10**9 - 1), lib.config)
    lib.sync([entry.path])
    flash(f"Undone: {entry.summary}", UNDONE)
    return redirect(_next(), 303)  # type: ignore[return-value]


def _run(name: str, details: Details) -> Response:
    path, digest = _target()
    lib = library()
    done = applied.apply(lib.root, path, name, details, digest, journal(), lib.config)
    return _back_to_page(done)


def _details(name: str) -> Details:
    day = _form_date()
    if day is None and name not in ("edit", "schedule"):  # these two record the meeting's
        day = date.today()
    return Details(
        day=day,
        time=_form_time(),
        medium=_form_text("medium"),
        location=_form_text("location"),
        goal=_form_text("goal"),
        answered=date.today() if name in ("schedule", "declined") else None,
    )


def _form_text(name: str) -> str | None:
    """A one-line text field, spaces tidied; None when the form has no such field. Never cut:
    a field sent back unchanged must match the note, or a line would be rewritten."""
    if name not in request.form:
        return None
    text = " ".join(request.form[name].split())
    if len(text) > MAX_TEXT:
        raise BadArgument(f"{name}: at most {MAX_TEXT:,} characters, got {len(text):,}")
    return text


@bp.post("/new-interview")
def create_interview() -> Response:
    lib = library()
    person = lib.snapshot().notes.get(request.form["person"])
    if person is None or person.kind != "person":
        abort(404)
    status = request.form.get("status") or None
    if status is not None and status not in NEW_STATUSES:
        raise BadArgument(f"status must be one of {', '.join(NEW_STATUSES)}")
    medium = " ".join(request.form.get("medium", "").split())[:MAX_MEDIUM] or None
    new = NewInterview(person.stem, _form_date(), _form_time(), status, medium)
    made = applied.create(
        lib.root, lambda: new_interview(lib.root, lib.config, new, date.today()), journal()
    )
    lib.sync([made.path])
    flash(made.summary, str(made.undo))
    return redirect(note_url(made.path, "interview"), 303)  # type: ignore[return-value]


def _target() -> tuple[str, str]:
    """The form's note path (404 unless it is a note inside the vault) and its expected hash."""
    path = request.form["path"]
    lib = library()
    try:
        note_file(lib.root, path, lib.config)
    except NoteNotFound:
        abort(404)
    return path, request.form["hash"]


def _number(name: str, highest: int) -> int:
    text = request.form.get(name, "")
    # ASCII digits only: "²".isdigit() holds but int() refuses it, and so a 5,000-digit number
    if not (text.isascii() and text.isdigit() and len(text) <= 9) or not 1 <= int(text) <= highest:
        raise BadArgument(f"{name}: expected a whole number from 1 to {highest}, got {text!r}")
    return int(text)


def _form_date() -> date | None:
    text = request.form.get("date", "").strip()
    try:
        return parse_date(text) if text else None
    except BadDate as error:
        raise BadArgument(f"date: {error}") from None


def _form_time() -> str | None:
    text = request.form.get("time", "").strip()
    if not text:
        return None
    try:
        return parse_datetime(f"2000-01-01 {text}")[1]
    except BadDate:
        raise BadArgument(f"time: expected a time like 14:30, got {text!r}") from None


def _next() -> str:
    return safe_next(request.form.get("next"))


def _back_to_page(done: Applied) -> Response:
    library().sync([done.path])
    if done.undo is None:
        flash(f"Nothing to change: {done.summary}", UNDONE)
    else:
        flash(done.summary, str(done.undo))
    return redirect(_next(), 303)  # type: ignore[return-value]
