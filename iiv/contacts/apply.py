"""Carrying out an import's plan: new person notes created, missing properties added.

Each note is written whole or not at all (`iiv.edit`: a new note appears complete, an update is
an atomic swap refused if the file changed since it was read). Stopped halfway, an import leaves
some notes written and the rest untouched; running it again finds the written ones as matches and
completes the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from iiv.config import Config
from iiv.contacts.plan import Plan
from iiv.edit import create_note, set_properties
from iiv.errors import IivError
from iiv.template import person_text

Progress = Callable[[int], None]  # called with the number of notes done since the last call


@dataclass(frozen=True)
class Applied:
    created: tuple[str, ...]
    updated: tuple[str, ...]
    failed: tuple[str, ...]  # one line each: the note and why nothing was written to it


def apply_plan(
    root: Path, config: Config, plan: Plan, today: date, progress: Progress | None = None
) -> Applied:
    created: list[str] = []
    updated: list[str] = []
    failed: list[str] = []
    for person in plan.new:
        try:
            text = person_text(root, config, person.name, dict(person.values), today)
            create_note(root, person.path, _with_body(text, person.body), config)
            created.append(person.path)
        except IivError as error:
            failed.append(_failure(person.path, error))
        if progress:
            progress(1)
    for addition in plan.additions:
        try:
            set_properties(root, addition.path, dict(addition.values), addition.digest, config)
            updated.append(addition.path)
        except IivError as error:
            failed.append(_failure(addition.path, error))
        if progress:
            progress(1)
    return Applied(tuple(created), tuple(updated), tuple(failed))


def _with_body(text: str, body: str) -> str:
    if not body:
        return text
    return text.rstrip("\n") + "\n\n" + body.rstrip("\n") + "\n"


def _failure(path: str, error: IivError) -> str:
    message = str(error)
    return message if message.startswith(path) else f"{path}: {message}"
