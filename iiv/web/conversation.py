"""An interview page's next steps: the steps its status allows, as forms, and the details form.

Each form posts to `actions.step` with the hash of the note the page was rendered from; what a
step writes and when it applies is decided in `iiv.actions`, not here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from iiv.actions import STEPS
from iiv.note import Note
from iiv.web.pages import csrf_token
from iiv.web.urls import here

Fields = tuple[tuple[str, str], ...]
# The one-click steps, in the order a conversation meets them; `schedule` has its own form.
BUTTONS = ("request", "nudged", "done", "thanked", "declined", "no-reply", "cancelled")
SCHEDULE_LABELS = {"scheduled": "Reschedule", "cancelled": "Schedule again"}


@dataclass(frozen=True)
class StepButton:
    step: str
    label: str
    title: str  # what it writes
    aria_label: str


@dataclass(frozen=True)
class When:
    """The values a date form starts with."""

    date: str
    time: str
    medium: str
    location: str
    goal: str


@dataclass(frozen=True)
class NextSteps:
    action: str
    hidden: Fields  # CSRF token, path, hash, where to return
    status: str
    schedule_label: str | None  # "They said yes", "Reschedule", ...; None: not allowed now
    buttons: tuple[StepButton, ...]
    current: When


def next_steps(note: Note, digest: str) -> NextSteps:
    who = note.title
    buttons = tuple(
        StepButton(name, STEPS[name].label, _writes(name), f"{STEPS[name].label}: {who}")
        for name in BUTTONS
        if STEPS[name].allows(note)
    )
    schedule = STEPS["schedule"].label if STEPS["schedule"].allows(note) else None
    hidden = (("csrf_token", csrf_token()), ("path", note.path), ("hash", digest), ("next", here()))
    return NextSteps(
        action=url_for("actions.step"),
        hidden=hidden,
        status=note.status or "no status",
        schedule_label=SCHEDULE_LABELS.get(note.status or "", schedule) if schedule else None,
        buttons=buttons,
        current=When(
            date=note.date.isoformat() if note.date else "",
            time=note.time or "",
            medium=note.medium or "",
            location=note.location or "",
            goal=note.goal or "",
        ),
    )


def _writes(name: str) -> str:
    return f"Writes {STEPS[name].writes.replace('DATE', 'today')}"
