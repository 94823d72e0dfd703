"""The Sync page and `GET /api/sync`: the state of syncing with git, and Sync now.

`iiv serve` hands the app its `AutoSync` (with `--sync 10m`, it syncs by itself too); an app
made without one (tests, scripts) makes one that syncs only when asked.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, url_for

from iiv.autosync import AutoSync, SyncSettings, SyncView
from iiv.git import in_repository
from iiv.web.pages import csrf_token, library

bp = Blueprint("sync", __name__)
NOW_WAIT = 15.0  # seconds Sync now waits for the sync before showing the page


def autosync() -> AutoSync:
    found = current_app.extensions.get("iiv_sync")
    if not isinstance(found, AutoSync):
        found = AutoSync(library(), SyncSettings())
        current_app.extensions["iiv_sync"] = found
    return found


@dataclass(frozen=True)
class ConflictLink:
    path: str
    original: str
    url: str


@dataclass(frozen=True)
class SyncPage:
    view: SyncView
    schedule: str
    last_sync: str | None
    last_error_at: str | None
    error_is_latest: bool  # the last error came after the last sync that finished
    conflicts: list[ConflictLink]
    csrf_token: str
    in_git: bool
    folder: str  # the vault's folder, quoted for a shell


@bp.get("/sync")
def sync_page() -> str:
    view = autosync().view()
    state = view.state
    page = SyncPage(
        view=view,
        schedule=_schedule(view.every),
        last_sync=_when(state.last_sync),
        last_error_at=_when(state.last_error_at),
        error_is_latest=bool(state.last_error_at)
        and (state.last_sync or "") <= (state.last_error_at or ""),
        conflicts=conflict_links(),
        csrf_token=csrf_token(),
        in_git=in_repository(library().root),
        folder=shlex.quote(str(library().root)),
    )
    return render_template("sync.html", page=page)


@bp.post("/sync")
def sync_now() -> Response:
    syncer = autosync()
    syncer.wait(syncer.request(), timeout=NOW_WAIT)
    return redirect(url_for("sync.sync_page"), 303)  # type: ignore[return-value]


@bp.get("/api/sync")
def sync_status() -> Response:
    view = autosync().view()
    state = view.state
    return jsonify(
        {
            "every": view.every,
            "running": view.running,
            "last_sync": state.last_sync,
            "last_result": state.last_result,
            "waiting": state.waiting,
            "remote": state.remote,
            "conflicts": len(conflict_links()),
            "last_error": state.last_error,
            "last_error_at": state.last_error_at,
        }
    )


def conflict_links() -> list[ConflictLink]:
    snapshot = library().snapshot()
    copies = [n for n in snapshot.notes.values() if n.conflict_of]
    return [
        ConflictLink(n.path, n.conflict_of or "", url_for("resolve.resolve_page", path=n.path))
        for n in sorted(copies, key=lambda n: n.path)
    ]


def _schedule(every: float | None) -> str:
    if every is None:
        return "Syncs when you press Sync now (start iiv serve --sync 10m to sync by itself)."
    minutes = every / 60
    period = f"{minutes:g} minutes" if every >= 60 else f"{every:g} seconds"
    return f"Syncs every {period} once the vault has been quiet a moment, and when iiv stops."


def _when(iso: str | None) -> str | None:
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    local = moment.astimezone()
    ago = datetime.now(timezone.utc) - moment
    return f"{local:%Y-%m-%d %H:%M}{_ago(ago.total_seconds())}"


def _ago(seconds: float) -> str:
    if seconds < 0:
        return ""
    if seconds < 90:
        return " (just now)"
    if seconds < 5400:
        return f" ({round(seconds / 60)} minutes ago)"
    if seconds < 129600:
        return f" ({round(seconds / 3600)} hours ago)"
    return f" ({round(seconds / 86400)} days ago)"
