"""What every page shares: the library, the page frame, error pages; and the Problems page.

The other pages live beside this module, one blueprint per area: `today`, `search`, `notes`
(person, interview, note, company) and `actions` (the edit buttons).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    get_flashed_messages,
    jsonify,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException

from iiv import edit
from iiv.dates import BadDate, parse_date
from iiv.errors import BadArgument, EditConflict, IivError, NoteNotFound
from iiv.library import Library
from iiv.note import Note, parse_note
from iiv.problem import CODES_FIRST
from iiv.vault import is_ignored
from iiv.web.security import WebSettings
from iiv.web.urls import here, note_url, safe_next

bp = Blueprint("pages", __name__)
LOOK_AHEAD = timedelta(days=3660)  # the longest `within` of /api/due: ten years


def library() -> Library:
    lib: Library = current_app.extensions["iiv"]
    return lib


def csrf_token() -> str:
    settings: WebSettings = current_app.extensions["iiv_settings"]
    return settings.csrf_token()


def display_day() -> date:
    """`?today=YYYY-MM-DD` (it changes only what is shown), else the real today."""
    text = request.args.get("today", "").strip()
    try:
        return parse_today(text) if text else date.today()
    except BadDate as error:
        raise BadArgument(f"today: {error}") from None


def parse_today(text: str) -> date:
    """A `today` to show what is due on: ten years either side must still be in the calendar."""
    day = parse_date(text)
    if day > date.max - LOOK_AHEAD:
        raise BadDate(f"{text.strip()} is too far in the future")
    if day < date.min + LOOK_AHEAD:
        raise BadDate(f"{text.strip()} is too far in the past")
    return day


def read_note(path: str, kinds: tuple[str, ...] | None = None) -> tuple[Note, str]:
    """The note at `path` as on disk now, with its body, and its hash; 404 unless it is a note
    in the vault (and, given `kinds`, of one of them)."""
    lib = library()
    try:
        data, digest = edit.read(lib.root, path, lib.config)
    except IivError:
        abort(404)
    note = parse_note(path, data, lib.config.kinds)
    if kinds is not None and note.kind not in kinds:
        abort(404)
    return note, digest


@dataclass(frozen=True)
class Chrome:
    """The frame around every page: the vault's name, the problem count."""

    vault_name: str
    problems: int
    notes: int
    section: str
    generation: int  # the library's, when the page was rendered: app.js polls for a newer one
    confirmations: tuple[Confirmation, ...]  # what the last action did, at the top of the page


@dataclass(frozen=True)
class Confirmation:
    """ "Lucía Fernández thanked · Undo": an action's result, with the form that undoes it."""

    message: str
    undo_action: str | None
    undo_fields: tuple[tuple[str, str], ...]


def confirmations() -> tuple[Confirmation, ...]:
    """The confirmations the last action left in the session (read once, then gone); the
    category of each is its journal entry's id, or "undone"."""
    found = []
    for item in get_flashed_messages(with_categories=True):
        category, message = item if isinstance(item, tuple) else ("message", item)
        if not category.isdigit():
            found.append(Confirmation(message, None, ()))
            continue
        fields = (("csrf_token", csrf_token()), ("id", category), ("next", here()))
        found.append(Confirmation(message, url_for("actions.undo_change"), fields))
    return tuple(found)


@bp.app_context_processor
def chrome() -> dict[str, Any]:
    lib = library()
    snapshot = lib.snapshot()
    endpoint = request.endpoint or ""
    return {
        "chrome": Chrome(
            vault_name=lib.root.name,
            problems=len(snapshot.problems),
            notes=len(snapshot.notes),
            section=endpoint.split(".", 1)[0],
            generation=lib.generation,
            confirmations=confirmations(),
        )
    }


def error_page(code: int, title: str, message: str, back: str | None = None) -> tuple[str, int]:
    return render_template("error.html", code=code, title=title, message=message, back=back), code


@bp.app_errorhandler(404)
def not_found(error: HTTPException) -> tuple[str, int] | tuple[Response, int]:
    if request.path.startswith("/api/"):
        return jsonify({"error": "not found"}), 404
    message = "There is no page here, or no note at that path in this vault."
    return error_page(404, "Not found", message)


@bp.app_errorhandler(400)
def bad_request(error: HTTPException) -> tuple[str, int]:
    return error_page(400, "Bad request", "The form or address could not be understood.")


@bp.app_errorhandler(413)
def too_large(error: HTTPException) -> tuple[str, int]:
    limit = request.max_content_length or 0
    message = (
        f"The request is larger than this page accepts ({limit / 1_000_000:g} MB); "
        "nothing was read or changed."
    )
    return error_page(413, "Too large", message)


@bp.app_errorhandler(500)
def server_error(error: HTTPException) -> tuple[str, int]:
    message = "iiv could not show this page. The details are in the server's log."
    return error_page(500, "Something went wrong", message)


@bp.app_errorhandler(EditConflict)
def conflict(error: EditConflict) -> tuple[str, int]:
    path = request.form.get("path") or "The note"
    message = (
        f"{path} changed since this page was loaded; nothing was written. Reload and try again."
    )
    return error_page(409, "Changed on disk", message, safe_next(request.form.get("next")))


@bp.app_errorhandler(NoteNotFound)
def missing(error: NoteNotFound) -> tuple[str, int]:
    return error_page(404, "Not found", str(error))


@bp.app_errorhandler(IivError)
def refused(error: IivError) -> tuple[str, int]:
    if request.method != "POST":
        return error_page(400, "Bad request", str(error))
    return error_page(400, "Nothing was changed", str(error), safe_next(request.form.get("next")))


@dataclass(frozen=True)
class ProblemRow:
    location: str
    message: str
    url: str | None
    urgent: bool  # a conflict copy or conflict markers: data may be lost or counted twice


@bp.get("/problems")
def problems() -> str:
    lib = library()
    snapshot = lib.snapshot()
    rows = []
    for problem in snapshot.problems:
        note = snapshot.notes.get(problem.path)
        readable = note is not None and not is_ignored(problem.path, lib.config)
        url = note_url(problem.path, note.kind) if note is not None and readable else None
        rows.append(
            ProblemRow(problem.location(), problem.message, url, problem.code in CODES_FIRST)
        )
    return render_template("problems.html", rows=rows)
