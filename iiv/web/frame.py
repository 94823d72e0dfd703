"""What frames every page of the app: the header's counts and the confirmations of the last
action (a context processor, over the session cookie), and the error pages (error handlers),
for every blueprint alike. `install` adds them to the app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    get_flashed_messages,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.wrappers import Request
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from iiv import shapes
from iiv.errors import EditConflict, IivError, NoteNotFound, UndoConflict
from iiv.web.pages import csrf_token, library
from iiv.web.urls import here, safe_next

BREAK_BEFORE_RE = re.compile(r"([@.])")
DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2})")


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened without its signer when the request has no
    session cookie (nearly every request: only an action's confirmation sets one), as Flask
    then gives an empty session too; Flask makes the signer for every request, a fifth of
    an API request's time in Flask."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def install(app: Flask) -> None:
    app.session_interface = CookieSessions()
    app.context_processor(chrome)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    app.add_template_filter(breakable)
    app.add_template_filter(nowrap_dates)
    app.register_error_handler(404, not_found)
    app.register_error_handler(400, bad_request)
    app.register_error_handler(413, too_large)
    app.register_error_handler(500, server_error)
    app.register_error_handler(EditConflict, conflict)
    app.register_error_handler(NoteNotFound, missing)
    app.register_error_handler(IivError, refused)


@dataclass(frozen=True)
class Chrome:
    """The frame around every page: the vault's name, the problem count."""

    vault_name: str
    problems: int
    notes: int
    section: str
    generation: int  # the library's, when the page was rendered: app.js polls for a newer one
    confirmations: tuple[Confirmation, ...]  # what the last action did, at the top of the page
    csrf_token: str  # this run's, for scripts that post (forms carry their own)


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
            csrf_token=csrf_token(),
        )
    }


def breakable(text: str) -> Markup:
    """Text such as an e-mail address, escaped, that may wrap before each `@` and `.` and
    after each `-` only (with `overflow-wrap: break-word`, never in the middle of a word)."""
    text = BREAK_BEFORE_RE.sub(r"<wbr>\1", str(escape(text)))
    return Markup(text.replace("-", "-<wbr>"))


def nowrap_dates(text: str) -> Markup:
    """Text, escaped, with each `YYYY-MM-DD` kept on one line: Chromium breaks a line after
    a hyphen even between digits ("2026-08-" / "10")."""
    return Markup(DATE_RE.sub(r'<span class="nowrap">\1</span>', str(escape(text))))


def favicon() -> Response:
    """The icon browsers ask for at /favicon.ico when a page names none (an SVG: small, sharp
    at any size, and from this origin, as the Content-Security-Policy wants)."""
    return current_app.send_static_file("favicon.svg")


def error_page(code: int, title: str, message: str, back: str | None = None) -> tuple[str, int]:
    return render_template("error.html", code=code, title=title, message=message, back=back), code


def not_found(error: HTTPException) -> tuple[str, int] | tuple[Response, int]:
    if request.path.startswith("/api/"):
        return jsonify(shapes.error("not found")), 404
    message = "There is no page here, or no note at that path in this vault."
    return error_page(404, "Not found", message)


def bad_request(error: HTTPException) -> tuple[str, int]:
    return error_page(400, "Bad request", "The form or address could not be understood.")


def too_large(error: HTTPException) -> tuple[str, int]:
    limit = request.max_content_length or 0
    message = (
        f"The request is larger than this page accepts ({limit / 1_000_000:g} MB); "
        "nothing was read or changed."
    )
    return error_page(413, "Too large", message)


def server_error(error: HTTPException) -> tuple[str, int]:
    message = "iiv could not show this page. The details are in the server's log."
    return error_page(500, "Something went wrong", message)


def conflict(error: EditConflict) -> tuple[str, int]:
    path = request.form.get("path") or "The note"
    message = (
        f"{path} changed since this page was loaded; nothing was written. Reload and try again."
    )
    if isinstance(error, UndoConflict):  # what matters is the note since iiv wrote it
        message = str(error)
    return error_page(409, "Changed on disk", message, safe_next(request.form.get("next")))


def missing(error: NoteNotFound) -> tuple[str, int]:
    return error_page(404, "Not found", str(error))


def refused(error: IivError) -> tuple[str, int]:
    if request.method != "POST":
        return error_page(400, "Bad request", str(error))
    return error_page(400, "Nothing was changed", str(error), safe_next(request.form.get("next")))
