"""The edit buttons: POST endpoints that change one note through `iiv.edit`, then redirect back.

`security.install` has already checked the Host, a same-origin Origin and the CSRF token.
Each form also carries the hash of the file the page was rendered from, so an edit to a file
that changed meanwhile is refused (409) and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, abort, redirect, request

from iiv import edit
from iiv.dates import BadDate, parse_date, parse_datetime
from iiv.errors import BadArgument, EditConflict, EditRefused, NoteNotFound
from iiv.note import Note, parse_note
from iiv.template import NewInterview, new_interview
from iiv.vault import note_file
from iiv.web.pages import library
from iiv.web.urls import note_url, safe_next

bp = Blueprint("actions", __name__, url_prefix="/do")
NEW_STATUSES = ("scheduled", "requested", "prospect", "done")
MAX_MEDIUM = 100


@dataclass(frozen=True)
class Record:
    """A follow-up's "done" that sets one property: on which notes, and what it writes."""

    label: str
    key: str
    value: str | None  # None: today's date
    kind: str
    status: str | None  # the status the note must still have

    def applies(self, note: Note) -> bool:
        return note.kind == self.kind and (self.status is None or note.status == self.status)

    def describe(self) -> str:
        return f"sets {self.key}: {self.value or 'today'}"


RECORDS = {
    "thanked": Record("Thanked", "thanked", None, "interview", "done"),
    "nudged": Record("Nudged", "requested", None, "interview", "requested"),
    "no-reply": Record("Mark no-reply", "status", "no-reply", "interview", "requested"),
    "held": Record("Mark done", "status", "done", "interview", "scheduled"),
    "contacted": Record("Contacted", "last_contact", None, "person", None),
}


@bp.post("/complete")
def complete() -> Response:
    path, digest = _target()
    lib = library()
    edit.complete_task(lib.root, path, _number("line", 10**7), digest, date.today(), lib.config)
    return _back_to_page(path)


@bp.post("/snooze")
def snooze() -> Response:
    path, digest = _target()
    lib = library()
    line, days = _number("line", 10**7), _number("days", 365)
    edit.snooze_task(lib.root, path, line, days, digest, date.today(), lib.config)
    return _back_to_page(path)


@bp.post("/record")
def record() -> Response:
    path, digest = _target()
    chosen = RECORDS.get(request.form.get("what", ""))
    if chosen is None:
        raise BadArgument("unknown action; reload the page and try again")
    lib = library()
    data, current = edit.read(lib.root, path, lib.config)
    if current != digest:
        raise EditConflict(path)
    if not chosen.applies(parse_note(path, data, lib.config.kinds)):
        raise EditRefused(f"{path}: that follow-up no longer applies; nothing was written")
    value = chosen.value or date.today().isoformat()
    edit.set_property(lib.root, path, chosen.key, value, digest, lib.config)
    return _back_to_page(path)


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
    rel = new_interview(lib.root, lib.config, new, date.today())
    lib.sync([rel])
    return redirect(note_url(rel, "interview"), 303)  # type: ignore[return-value]


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


def _back_to_page(path: str) -> Response:
    library().sync([path])
    return redirect(_next(), 303)  # type: ignore[return-value]
