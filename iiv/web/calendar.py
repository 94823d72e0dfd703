"""The calendar feed (`/calendar.ics?token=…`) and the page that tells how to subscribe to it.

Calendar apps cannot keep a cookie or send a CSRF token, so the feed has a secret of its own:
a per-vault token kept beside the index (never in the vault), in a file only its owner can
read. Without the right token the feed does not exist (404); regenerating the token cuts off
every calendar subscribed with the old one.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from iiv.cache import write_private
from iiv.ics import FeedOptions, build_calendar, time_zone
from iiv.web.pages import csrf_token, display_day, library
from iiv.web.security import own_secret
from iiv.web.urls import note_url

bp = Blueprint("calendar", __name__)
TOKEN_FILE = "calendar-token"


def feed_token(folder: Path) -> str:
    """The vault's calendar token, made on first use."""
    try:
        token = (folder / TOKEN_FILE).read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        token = ""
    return token if len(token) >= 32 else renew_feed_token(folder)


def renew_feed_token(folder: Path) -> str:
    """A new calendar token, replacing the old one atomically (mode 0600)."""
    token = secrets.token_urlsafe(32)
    write_private(folder / TOKEN_FILE, token + "\n")
    return token


@dataclass(frozen=True)
class Subscription:
    """The addresses the calendar page shows."""

    webcal: str
    http: str
    with_tasks: str
    download: str
    csrf_token: str


@bp.get("/calendar.ics")
@own_secret
def feed() -> Response:
    lib = library()
    given = request.args.get("token", "")
    if not hmac.compare_digest(given.encode(), feed_token(lib.folder).encode()):
        abort(404)
    vault = lib.snapshot()
    base = request.host_url.rstrip("/")
    options = FeedOptions(
        today=display_day(),
        now=datetime.now(timezone.utc),
        zone=time_zone(vault.config),
        page_url=lambda path, kind: base + note_url(path, kind),
        todo=request.args.get("todo") == "1",
        name=f"iiv: {lib.root.name}",
    )
    response = Response(build_calendar(vault, options), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="iiv.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/calendar")
def page() -> str:
    token = feed_token(library().folder)
    http = url_for("calendar.feed", token=token, _external=True)
    subscription = Subscription(
        webcal="webcal://" + http.split("://", 1)[1],
        http=http,
        with_tasks=url_for("calendar.feed", token=token, todo=1, _external=True),
        download=url_for("calendar.feed", token=token),
        csrf_token=csrf_token(),
    )
    renewed = request.args.get("renewed") == "1"
    return render_template("calendar.html", feed=subscription, renewed=renewed)


@bp.post("/calendar/token")
def regenerate() -> Response:
    renew_feed_token(library().folder)
    return redirect(url_for("calendar.page", renewed=1), 303)  # type: ignore[return-value]
