"""The Import page: upload a vCard file or a LinkedIn or Google CSV, see the dry run, apply it.

The upload is kept in this process's memory between the dry run and the apply (a few at a
time, for half an hour), never on disk and never in the vault; applying plans again against
the vault as it is then, so what is written is what the vault needs at that moment.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath

from flask import Blueprint, current_app, render_template, request
from flask.blueprints import BlueprintSetupState

from iiv.contacts import KINDS, read_contacts
from iiv.contacts.apply import Imported, apply_plan
from iiv.contacts.plan import Plan, Row, plan_import
from iiv.errors import BadArgument
from iiv.web.pages import csrf_token, library
from iiv.web.security import allows_upload
from iiv.web.urls import note_url

bp = Blueprint("imports", __name__)
MAX_UPLOAD = 10_000_000  # bytes: LinkedIn's export of 30,000 connections is about 4 MB
KEPT_UPLOADS = 4
KEEP_FOR = 30 * 60.0  # seconds between a dry run and its apply
SHOWN_ROWS = 1000  # rows of the table a page shows; the counts cover them all
KIND_LABELS = {
    "vcard": "vCard file (.vcf)",
    "linkedin": "LinkedIn Connections.csv",
    "google": "Google Contacts CSV",
}


@dataclass(frozen=True)
class Upload:
    kind: str
    name: str
    data: bytes
    at: float


class Uploads:
    """The last few uploads, by a random key, in memory."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, Upload] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, upload: Upload) -> str:
        key = secrets.token_urlsafe(16)
        with self._lock:
            self._items[key] = upload
            while len(self._items) > KEPT_UPLOADS:
                self._items.popitem(last=False)
        return key

    def get(self, key: str) -> Upload | None:
        with self._lock:
            upload = self._items.get(key)
        if upload is None or time.monotonic() - upload.at > KEEP_FOR:
            return None
        return upload


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    state.app.extensions["iiv_uploads"] = Uploads()


def _uploads() -> Uploads:
    uploads: Uploads = current_app.extensions["iiv_uploads"]
    return uploads


@dataclass(frozen=True)
class TableRow:
    line: int
    action: str
    name: str
    path: str | None
    url: str | None  # the note's page, when it exists already
    adds: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Preview:
    upload_key: str
    file: str
    kind: str
    counts: tuple[tuple[str, int], ...]
    rows: tuple[TableRow, ...]
    hidden_rows: int
    writes: int


@bp.get("/import")
def page() -> str:
    return render_template("import.html", kinds=KIND_LABELS, token=csrf_token(), preview=None)


@bp.post("/import")
@allows_upload(MAX_UPLOAD)
def preview() -> str:
    kind = request.form.get("kind", "")
    if kind not in KINDS:
        raise BadArgument("choose what kind of file it is: vCard, LinkedIn or Google")
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        raise BadArgument("choose a file to import")
    name = PurePath(sent.filename.replace("\\", "/")).name[:100] or "upload"
    upload = Upload(kind, name, sent.read(), time.monotonic())  # bounded by MAX_UPLOAD
    key = _uploads().put(upload)
    plan = _plan(upload)
    shown = _preview(key, upload, plan)
    return render_template("import.html", kinds=KIND_LABELS, token=csrf_token(), preview=shown)


@bp.post("/import/apply")
def apply() -> str:
    upload = _uploads().get(request.form.get("upload", ""))
    if upload is None:
        raise BadArgument(
            "that upload has expired (uploads are kept for 30 minutes): upload it again"
        )
    lib = library()
    plan = _plan(upload)
    applied = apply_plan(lib.root, lib.config, plan, date.today())
    lib.sync([*applied.created, *applied.updated])  # the links of the page below work at once
    return render_template("import_done.html", file=upload.name, applied=_done(applied))


def _plan(upload: Upload) -> Plan:
    found = read_contacts(upload.kind, upload.data, upload.name)
    return plan_import(library().snapshot(), [(upload.name, found)])


def _preview(key: str, upload: Upload, plan: Plan) -> Preview:
    existing = library().snapshot().notes
    rows = tuple(_table_row(row, row.path in existing) for row in plan.rows[:SHOWN_ROWS])
    return Preview(
        upload_key=key,
        file=upload.name,
        kind=KIND_LABELS[upload.kind],
        counts=tuple(
            (action, plan.count(action))
            for action in ("create", "update", "duplicate", "unreadable")
        ),
        rows=rows,
        hidden_rows=max(0, len(plan.rows) - SHOWN_ROWS),
        writes=plan.writes,
    )


def _table_row(row: Row, exists: bool) -> TableRow:
    url = note_url(row.path, "person") if exists and row.path else None
    return TableRow(row.line, row.action, row.name, row.path, url, ", ".join(row.adds), row.notes)


@dataclass(frozen=True)
class Done:
    created: tuple[tuple[str, str], ...]  # (path, its page)
    updated: tuple[tuple[str, str], ...]
    failed: tuple[str, ...]


def _done(applied: Imported) -> Done:
    return Done(
        created=tuple((path, note_url(path, "person")) for path in applied.created),
        updated=tuple((path, note_url(path, "person")) for path in applied.updated),
        failed=applied.failed,
    )
