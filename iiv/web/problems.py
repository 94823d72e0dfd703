"""The Problems page: every note iiv could not fully read, conflict copies first."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template

from iiv.problem import CODES_FIRST
from iiv.vault import is_ignored
from iiv.web.pages import library
from iiv.web.urls import note_url

bp = Blueprint("problems", __name__)


@dataclass(frozen=True)
class ProblemRow:
    location: str
    message: str
    url: str | None
    urgent: bool  # a conflict copy or conflict markers: data may be lost or counted twice


@bp.get("/problems")
def problems() -> str:
    lib = library()
    snapshot = lib.snapshot()
    rows = []
    for problem in snapshot.problems:
        note = snapshot.notes.get(problem.path)
        readable = note is not None and not is_ignored(problem.path, lib.config)
        url = note_url(problem.path, note.kind) if note is not None and readable else None
        rows.append(
            ProblemRow(problem.location(), problem.message, url, problem.code in CODES_FIRST)
        )
    return render_template("problems.html", rows=rows)
