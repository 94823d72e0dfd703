"""Carrying out an import's plan: new person notes created, missing properties added.

Each note is written whole or not at all (`iiv.edit`: a new note appears complete, an update is
an atomic swap refused if the file changed since it was read), a batch at a time, each batch
synced to disk together. Stopped halfway, an import leaves some notes written and the rest
untouched; running it again finds the written ones as matches and completes the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from iiv.config import Config
from iiv.contacts.plan import Addition, NewPerson, Plan
from iiv.edit import NOTES_AT_ONCE, create_notes, set_properties_in_notes
from iiv.errors import IivError
from iiv.patch import with_lines_in_section
from iiv.template import person_text, template_text

NOTES_HEADING = "Notes"  # the person template's section for what you know about them
Progress = Callable[[int], None]  # called with the number of notes done since the last call


@dataclass(frozen=True)
class Imported:
    created: tuple[str, ...]
    updated: tuple[str, ...]
    failed: tuple[str, ...]  # one line each: the note and why nothing was written to it


def apply_plan(
    root: Path, config: Config, plan: Plan, today: date, progress: Progress | None = None
) -> Imported:
    created: list[str] = []
    updated: list[str] = []
    failed: list[str] = []
    template = template_text(root, config, "person")
    for start in range(0, len(plan.new), NOTES_AT_ONCE):
        batch = plan.new[start : start + NOTES_AT_ONCE]
        _create(root, config, [_note(template, person, today) for person in batch], created, failed)
        if progress:
            progress(len(batch))
    for start in range(0, len(plan.additions), NOTES_AT_ONCE):
        additions = plan.additions[start : start + NOTES_AT_ONCE]
        _update(root, config, additions, updated, failed)
        if progress:
            progress(len(additions))
    return Imported(tuple(created), tuple(updated), tuple(failed))


def _update(
    root: Path,
    config: Config,
    additions: Sequence[Addition],
    updated: list[str],
    failed: list[str],
) -> None:
    updates = [(a.path, dict(a.values), a.digest) for a in additions]
    for addition, outcome in zip(
        additions, set_properties_in_notes(root, updates, config), strict=True
    ):
        if outcome is None:
            updated.append(addition.path)
        else:
            failed.append(_failure(addition.path, outcome))


def _note(template: str, person: NewPerson, today: date) -> tuple[str, str | IivError]:
    """The new note's path and text, or why it cannot be made (the template refuses a value)."""
    try:
        text = person_text(template, person.name, dict(person.values), today)
    except IivError as error:
        return person.path, error
    return person.path, _with_body(text, person.body)


def _create(
    root: Path,
    config: Config,
    notes: list[tuple[str, str | IivError]],
    created: list[str],
    failed: list[str],
) -> None:
    ready = [(path, text) for path, text in notes if isinstance(text, str)]
    failed += [_failure(path, text) for path, text in notes if not isinstance(text, str)]
    for (path, _), outcome in zip(ready, create_notes(root, ready, config), strict=True):
        if outcome is None:
            created.append(path)
        else:
            failed.append(_failure(path, outcome))


def _with_body(text: str, body: str) -> str:
    """The new note with the contact's notes under its `## Notes` heading (one is added at the
    end when the template has none)."""
    if not body:
        return text
    lines = ["", *body.split("\n")]
    return with_lines_in_section(text.encode("utf-8"), NOTES_HEADING, lines).decode("utf-8")


def _failure(path: str, error: IivError) -> str:
    message = str(error)
    return message if message.startswith(path) else f"{path}: {message}"
