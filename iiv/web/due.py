"""Follow-ups as the dashboard lists them: plain rows with the buttons that act on each.

A row's buttons carry the hash of the version of its note the snapshot was parsed from, so a
button never edits a note that changed since: the edit refuses (409) and nothing is written.
Rows are made from the snapshot alone; only a note parsed before hashes were kept is read again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import url_for

from iiv import edit
from iiv.actions import STEPS
from iiv.errors import IivError
from iiv.followups import LABELS, FollowUp
from iiv.messages import suggested_kind
from iiv.note import Note, parse_note
from iiv.snapshot import Vault
from iiv.web.partials import NoteLink, person_link
from iiv.web.render import plain_text
from iiv.web.urls import draft_url, note_url

SNOOZE_DAYS = (1, 3, 7)
Fields = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Button:
    """One POST form with one submit button."""

    action: str
    label: str
    title: str  # what it writes, shown on hover
    aria_label: str
    hidden: Fields


@dataclass(frozen=True)
class Snooze:
    action: str
    hidden: Fields
    choices: tuple[tuple[str, str, str], ...]  # (days, label, aria-label)


@dataclass(frozen=True)
class Row:
    kind: str
    kind_label: str
    action: str
    people: tuple[NoteLink, ...]
    due: str
    due_label: str
    overdue: bool
    note_title: str
    note_url: str
    show_note: bool  # whether to say which note: not on its own page, nor for a person's own
    on_page: bool  # listed on the note's own page: no need for an Open button
    done: Button | None
    snooze: Snooze | None
    draft: str | None = None  # the page with a draft of the message this follow-up calls for


def due_label(due: date, today: date) -> str:
    days = (due - today).days
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    if days == -1:
        return "1 day overdue"
    return f"{-days} days overdue" if days < 0 else f"due in {days} days"


def rows(
    items: Iterable[FollowUp],
    vault: Vault,
    today: date,
    csrf: str,
    back: str,
    on_page: str | None = None,
) -> list[Row]:
    """The rows for `items`; each note is read once for the hash its buttons carry.

    `on_page` is the path of the note whose page lists them, which the rows need not link to.
    """
    items = list(items)
    disk = _read_notes(vault, {item.path for item in items})
    return [
        _row(item, vault, today, _Form(csrf, back, disk.get(item.path)), on_page) for item in items
    ]


@dataclass(frozen=True)
class _Form:
    csrf: str
    back: str
    disk: tuple[Note, str] | None  # the note as on disk now, and its hash

    def hidden(self, path: str, *more: tuple[str, str]) -> Fields:
        digest = self.disk[1] if self.disk else ""
        base = (("csrf_token", self.csrf), ("path", path), ("hash", digest), ("next", self.back))
        return (*base, *more)


def _read_notes(vault: Vault, paths: set[str]) -> dict[str, tuple[Note, str]]:
    found: dict[str, tuple[Note, str]] = {}
    for path in sorted(paths):
        known = vault.notes.get(path)
        if known is not None and known.digest:
            found[path] = (known, known.digest)
            continue
        try:
            data, digest = edit.read(vault.root, path, vault.config)
        except IivError:
            continue
        found[path] = (parse_note(path, data, vault.config.kinds), digest)
    return found


def _row(item: FollowUp, vault: Vault, today: date, form: _Form, on_page: str | None) -> Row:
    note = vault.notes.get(item.path)
    action = plain_text(item.action)
    done, snooze = _buttons(item, action, form) if form.disk else (None, None)
    return Row(
        kind=item.kind,
        kind_label=LABELS.get(item.kind, item.kind),
        action=action,
        people=_people(item, vault, note),
        due=item.due.isoformat(),
        due_label=due_label(item.due, today),
        overdue=item.due < today,
        note_title=note.title if note else item.path,
        note_url=note_url(item.path, note.kind if note else "note"),
        show_note=item.path not in (on_page, item.person_path),
        on_page=item.path == on_page,
        done=done,
        snooze=snooze,
        draft=_draft(item, form.disk[0] if form.disk else note, vault),
    )


DRAFTS = {"thank-you": "thank-you", "report-back": "report-back"}


def _draft(item: FollowUp, note: Note | None, vault: Vault) -> str | None:
    """A draft of the message a follow-up calls for: a thank-you, a nudge (not once it is time
    to give up), a report-back, the request to the next contact at an employer."""
    if note is None:
        return None
    if item.kind == "nudge":
        return draft_url("nudge", item.path) if item.step == "nudged" else None
    if item.kind == "next-contact":
        asking = note.kind == "person" or note.status in (None, "prospect")
        kind = suggested_kind(vault, note) if asking else None
        return draft_url(kind, item.path) if kind else None
    kind = DRAFTS.get(item.kind)
    return draft_url(kind, item.path) if kind else None


def _people(item: FollowUp, vault: Vault, note: Note | None) -> tuple[NoteLink, ...]:
    """Who the follow-up is about: an interview's people, else the one person it names."""
    if note is not None and note.kind == "interview" and note.people:
        return tuple(person_link(vault, link) for link in note.people)
    if item.person is None:
        return ()
    url = note_url(item.person_path, "person") if item.person_path else None
    return (NoteLink(item.person, url),)


def _buttons(item: FollowUp, action: str, form: _Form) -> tuple[Button | None, Snooze | None]:
    """The row's Done, for the step that completes it (`FollowUp.step`) if it still applies to
    the note as it is on disk; a task also gets Snooze."""
    assert form.disk is not None
    note = form.disk[0]
    if item.kind == "task":
        return _task_buttons(item, action, note, form)
    step = STEPS.get(item.step or "")
    if step is None or not step.allows(note):
        return None, None
    hidden = form.hidden(item.path, ("step", step.name))
    title = f"Records it in the note ({step.writes.replace('DATE', 'today')})"
    aria = f"{step.label}: {action}"
    return Button(url_for("actions.step"), step.label, title, aria, hidden), None


def _task_buttons(
    item: FollowUp, action: str, note: Note, form: _Form
) -> tuple[Button | None, Snooze | None]:
    task = next((t for t in note.tasks if t.line == item.line), None)
    if task is None or not task.is_open or (task.description or "(task)") != item.action:
        return None, None  # the file changed since the snapshot; the page refreshes soon
    hidden = form.hidden(item.path, ("line", str(item.line)))
    done = Button(
        url_for("actions.complete"),
        "Done",
        "Ticks the task: [x] and ✅ today",
        f"Done: {action}",
        hidden,
    )
    choices = tuple(
        (str(days), f"+{days}d", f"Snooze {days} day{'s' if days > 1 else ''}: {action}")
        for days in SNOOZE_DAYS
    )
    return done, Snooze(url_for("actions.snooze"), hidden, choices)
