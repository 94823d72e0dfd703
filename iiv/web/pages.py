"""What every view reads from the running app: the library, what its writing thread is doing,
the CSRF token, the day a page shows, a note as it is on disk now.

The pages live beside this module, one blueprint per area: `today`, `search`, `notes` (person,
interview, note, company), `problems`, `actions` (the edit buttons), `calendar` (the feed
and how to subscribe), `imports` (the Import page) and `api`; what frames every
page (the header's counts, the confirmations, the error pages) is in `frame`.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, current_app, request

from iiv import edit
from iiv.dates import BadDate, parse_date
from iiv.errors import BadArgument, IivError
from iiv.library import Activity, Library
from iiv.note import Note, parse_note
from iiv.web.security import WebSettings

LOOK_AHEAD = timedelta(days=3660)  # the longest `within` of /api/due: ten years


def library() -> Library:
    lib: Library = current_app.extensions["iiv"]
    return lib


def activity() -> Activity:
    """What the thread writing the library reports (idle when none runs)."""
    report: Activity = current_app.extensions["iiv_activity"]()
    return report


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
