"""The Resolve page: a conflict copy (git's, Syncthing's or Dropbox's) beside its note.

Both versions side by side with their differences marked; "Keep this version" (the note as
it is, the copy deleted), "Keep the other version" (the copy's text into the note) and "I
merged them by hand" (the text typed in the form into the note). Every write goes through the
safe edit with the hash of the file the page was rendered from, and the copy is deleted only
when the form asks it to be. Each change, the copy's deletion too, goes into the undo journal.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote_plus

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from iiv import edit
from iiv.compare import Comparison, compare
from iiv.errors import BadArgument, EditConflict, IivError, NoteNotFound
from iiv.journal import DELETED, Journal
from iiv.note import parse_note
from iiv.web.pages import csrf_token, library
from iiv.web.urls import note_url

bp = Blueprint("resolve", __name__)
MAX_FORM_TEXT = 500_000  # characters of a note offered for merging in the page's text box
FORM_FIELDS = 2_000  # bytes of the merge form besides its text: token, hashes, choice
PLAIN = "resolved"  # the flash category of a confirmation without an Undo


@dataclass(frozen=True)
class Version:
    path: str
    data: bytes | None  # None: no such file
    digest: str  # "" when absent

    @property
    def text(self) -> str | None:
        return _text(self.data) if self.data is not None else None


@dataclass(frozen=True)
class ResolvePage:
    copy: Version
    note: Version
    comparison: Comparison
    csrf_token: str
    merge_text: str | None  # what the merge box starts with; None when too long for a form
    note_url: str | None
    action: str  # where the forms post


@bp.get("/resolve/<note:path>")
def resolve_page(path: str) -> str:
    copy, note = _versions(path)
    comparison = compare(note.text or "", copy.text or "")
    start = note.text if note.text is not None else copy.text
    page = ResolvePage(
        copy=copy,
        note=note,
        comparison=comparison,
        csrf_token=csrf_token(),
        merge_text=start if start is not None and _fits_a_form(start) else None,
        note_url=_page_of(note.path) if note.text is not None else None,
        action=url_for("resolve.resolve", path=path),
    )
    return render_template("resolve.html", page=page)


def _fits_a_form(text: str) -> bool:
    """Whether the text, sent back as a browser sends a form (CRLF lines, percent-encoded),
    stays within the largest request the app accepts."""
    if len(text) > MAX_FORM_TEXT:
        return False
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    sent = len(quote_plus(text.replace("\r\n", "\n").replace("\n", "\r\n")))
    return limit is None or sent + FORM_FIELDS <= limit


@bp.post("/resolve/<note:path>")
def resolve(path: str) -> Response:
    copy, note = _versions(path)
    form = request.form
    if form.get("copy_hash") != copy.digest or form.get("note_hash") != note.digest:
        raise EditConflict(f"{note.path} or {copy.path}")
    choice = form.get("choice", "")
    if choice == "this":
        _delete_copy(copy)
    elif choice == "other":
        _write_note(note, _copy_bytes(copy), f"Kept the other version of {note.path}")
        _maybe_delete_copy(copy)
    elif choice == "merged":
        _write_note(note, _merged(form.get("text", ""), note), f"Saved the merged {note.path}")
        _maybe_delete_copy(copy)
    else:
        raise BadArgument("unknown choice; reload the page and try again")
    library().sync([note.path, copy.path])
    target = _page_of(note.path) if (library().root / note.path).exists() else "/problems"
    return redirect(target, 303)  # type: ignore[return-value]


def _versions(path: str) -> tuple[Version, Version]:
    """The conflict copy at `path` and its note (404 unless `path` is a conflict copy)."""
    lib = library()
    try:
        data, digest = edit.read(lib.root, path, lib.config)
    except IivError:
        abort(404)
    original = parse_note(path, data).conflict_of
    if not original:
        abort(404)
    folder = str(PurePosixPath(path).parent)
    note_path = original if folder == "." else f"{folder}/{original}"
    copy = Version(path, data, digest)
    try:
        note_data, note_digest = edit.read(lib.root, note_path, lib.config)
        return copy, Version(note_path, note_data, note_digest)
    except NoteNotFound:
        return copy, Version(note_path, None, "")


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace").removeprefix("\ufeff")


def _copy_bytes(copy: Version) -> bytes:
    lib = library()
    data, digest = edit.read(lib.root, copy.path, lib.config)
    if digest != copy.digest:
        raise EditConflict(copy.path)
    return data


def _merged(text: str, note: Version) -> bytes:
    """The form's text, with the note's line endings: a browser sends CRLF."""
    if not text.strip():
        raise BadArgument("the merged note is empty; nothing was written")
    if note.text is None or "\r\n" not in note.text:
        text = text.replace("\r\n", "\n")
    return text.encode("utf-8")


def _write_note(note: Version, data: bytes, summary: str) -> None:
    lib = library()
    if note.data is None:
        edit.create_note(lib.root, note.path, data, lib.config)
        _journal(note.path, summary, None, edit.content_hash(data))
        return
    done = edit.rewrite(lib.root, note.path, note.digest, lambda _old: data, lib.config)
    if done.after != done.before:
        _journal(note.path, summary, done.before, edit.content_hash(done.after))
    else:
        flash(f"{summary}: it was already so", PLAIN)


def _journal(path: str, summary: str, before: bytes | None, after_hash: str) -> None:
    """Record the change for undo, and confirm it with its Undo button."""
    entry = Journal(library().folder).record(path, summary, before, after_hash, ())
    flash(summary, str(entry))


def _maybe_delete_copy(copy: Version) -> None:
    if request.form.get("delete_copy") == "yes":
        _delete_copy(copy)


def _delete_copy(copy: Version) -> None:
    lib = library()
    edit.remove_note(lib.root, copy.path, copy.digest, lib.config)
    _journal(copy.path, f"Deleted the conflict copy {copy.path}", copy.data, DELETED)


def _page_of(path: str) -> str:
    lib = library()
    note = lib.snapshot().notes.get(path)
    return note_url(path, note.kind if note else "note")
