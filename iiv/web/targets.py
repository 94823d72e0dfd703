"""Targets (`/targets`): the LAMP list of employers, with Motivation and Posting set in place.

A score is one line of a company note (`motivation: 3`), written through the safe edit; an
employer without a note gets `companies/NAME.md` from the company template, and only when a
score is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from iiv import applied, patch
from iiv.errors import BadArgument, EditConflict
from iiv.journal import Journal
from iiv.note import Note
from iiv.snapshot import Vault
from iiv.targets import BATCH, LIST_SIZE, MOTIVATION, POSTING, Target, targets
from iiv.template import new_company
from iiv.web.pages import csrf_token, library
from iiv.web.partials import InterviewLine, NoteLink, interview_line, note_link
from iiv.web.urls import company_url, here, note_url, safe_next

bp = Blueprint("targets", __name__)
SCORES = {"motivation": MOTIVATION, "posting": POSTING}
Choice = tuple[str, str, bool]  # (value, label, selected)


@dataclass(frozen=True)
class Person:
    link: NoteLink
    role: str | None


@dataclass(frozen=True)
class TargetRow:
    rank: int
    name: str
    url: str | None  # the company page (people there), else its note
    note: NoteLink | None
    advocacy: bool
    motivation: list[Choice]
    posting: list[Choice]
    scored: bool
    batch: bool
    people: list[Person]
    requests: list[InterviewLine]
    hidden: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TargetsPage:
    rows: list[TargetRow]
    batch: list[TargetRow]
    scored: int
    advised: int
    batch_size: int
    action: str


@bp.get("/targets")
def targets_page() -> str:
    vault = library().snapshot()
    rows = [_row(vault, target) for target in targets(vault)]
    page = TargetsPage(
        rows=rows,
        batch=[row for row in rows if row.batch],
        scored=sum(1 for row in rows if row.scored),
        advised=LIST_SIZE,
        batch_size=BATCH,
        action=url_for("targets.score"),
    )
    return render_template("targets.html", page=page)


def _row(vault: Vault, target: Target) -> TargetRow:
    note = vault.notes.get(target.note or "")
    digest = note.digest if note else ""
    hidden = (
        ("csrf_token", csrf_token()),
        ("company", target.name),
        ("hash", digest),
        ("next", here()),
    )
    return TargetRow(
        rank=target.rank,
        name=target.name,
        url=company_url(target.name) if target.people else _note_url(note),
        note=note_link(note) if note else None,
        advocacy=target.advocacy,
        motivation=_choices(MOTIVATION, target.motivation),
        posting=_choices(POSTING, target.posting),
        scored=target.motivation is not None,
        batch=target.batch,
        people=[Person(note_link(vault.notes[p]), vault.notes[p].role) for p in target.people],
        requests=[interview_line(vault, vault.notes[path]) for path in target.open_requests],
        hidden=hidden,
    )


def _note_url(note: Note | None) -> str | None:
    return note_url(note.path, note.kind) if note else None


def _choices(values: tuple[int, ...], current: int | None) -> list[Choice]:
    unset = ("", "–", current is None)
    return [unset, *((str(v), str(v), v == current) for v in values)]


@bp.post("/do/score")
def score() -> Response:
    """Set an employer's motivation and posting: only the values that changed are written."""
    lib = library()
    vault = lib.snapshot()
    name = request.form.get("company", "")
    target = next((t for t in targets(vault) if t.name == name), None)
    if target is None:
        raise BadArgument(f"no employer named {name!r} in this vault; reload the page")
    changes = _changes(target)
    journal = Journal(lib.folder)
    said = ", ".join(f"{key} {value}" for key, value in changes.items())
    if target.note is None:
        if request.form.get("hash"):
            raise EditConflict(name)
        if changes:
            made = applied.create(
                lib.root,
                lambda: new_company(lib.root, lib.config, target.name, changes, date.today()),
                journal,
                lambda created: f"{created} created: {said}",
            )
            lib.sync([made.path])
            flash(made.summary, str(made.undo))
    elif changes:
        entry = _write_scores(target.note, request.form.get("hash", ""), changes, journal)
        lib.sync([target.note])
        flash(f"{target.name}: {said}", str(entry))
    back = safe_next(request.form.get("next"), url_for("targets.targets_page"))
    return redirect(back, 303)  # type: ignore[return-value]


def _write_scores(path: str, digest: str, changes: dict[str, str], journal: Journal) -> int | None:
    """Both scores in one safe edit, one line each, journaled for undo; the entry's id."""
    lib = library()

    def change(data: bytes) -> bytes:
        for key, value in changes.items():
            data = patch.with_property(data, key, value)
        return data

    summary = ", ".join(f"{key} {value}" for key, value in changes.items())
    made = applied.rewrite(
        lib.root, path, digest, change, f"{path}: {summary}", journal, lib.config
    )
    return made.undo


def _changes(target: Target) -> dict[str, str]:
    """The scores the form sets to a new value ("" leaves a score as it is)."""
    changes = {}
    for key, allowed in SCORES.items():
        text = request.form.get(key, "").strip()
        if not text:
            continue
        if text not in {str(value) for value in allowed}:
            low, high = allowed[0], allowed[-1]
            shown = text if len(text) <= 20 else text[:20] + "…"
            raise BadArgument(f"{key}: expected a whole number from {low} to {high}, got {shown!r}")
        if int(text) != getattr(target, key):
            changes[key] = text
    return changes
