"""The Problems page: every note iiv could not fully read, grouped by kind, conflicts first.

A vault may hold thousands of problems: the page shows how many of each kind there are, and
one page of one kind (or of all) at a time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask import Blueprint, render_template, request, url_for

from iiv.problem import CODES_FIRST, KINDS, Problem, kind_label
from iiv.snapshot import Vault
from iiv.vault import is_ignored
from iiv.web.pages import library
from iiv.web.urls import note_url

bp = Blueprint("problems", __name__)
PER_PAGE = 100


@dataclass(frozen=True)
class ProblemRow:
    location: str
    message: str
    url: str | None
    urgent: bool  # a conflict copy or conflict markers: data may be lost or counted twice
    resolve_url: str | None = None  # a conflict copy's Resolve page


@dataclass(frozen=True)
class KindCount:
    label: str
    count: int
    url: str
    current: bool


@dataclass(frozen=True)
class ProblemsPage:
    total: int
    kinds: list[KindCount]  # with the whole list first, when there are several kinds
    kind: str | None  # the label of the kind shown, None for all
    rows: list[ProblemRow]
    page: int
    pages: int
    first: int  # the number of the first row shown, from 1
    previous_url: str | None
    next_url: str | None


@bp.get("/problems")
def problems() -> str:
    snapshot = library().snapshot()
    everything = snapshot.problems
    counts = Counter(problem.code for problem in everything)
    code = request.args.get("kind")
    code = code if code in counts else None
    chosen = [p for p in everything if p.code == code] if code else everything
    pages = max(1, -(-len(chosen) // PER_PAGE))
    page = min(_page_number(), pages)
    shown = chosen[(page - 1) * PER_PAGE : page * PER_PAGE]
    view = ProblemsPage(
        total=len(everything),
        kinds=_kinds(counts, code),
        kind=kind_label(code) if code else None,
        rows=[_row(snapshot, problem) for problem in shown],
        page=page,
        pages=pages,
        first=(page - 1) * PER_PAGE + 1,
        previous_url=_url(code, page - 1) if page > 1 else None,
        next_url=_url(code, page + 1) if page < pages else None,
    )
    return render_template("problems.html", page=view)


def _kinds(counts: Counter[str], current: str | None) -> list[KindCount]:
    order = {code: number for number, code in enumerate(KINDS)}
    codes = sorted(counts, key=lambda code: (order.get(code, len(order)), code))
    found = [KindCount(kind_label(c), counts[c], _url(c, 1), c == current) for c in codes]
    if len(found) > 1:
        found.insert(0, KindCount("All", sum(counts.values()), _url(None, 1), current is None))
    return found


def _row(snapshot: Vault, problem: Problem) -> ProblemRow:
    note = snapshot.notes.get(problem.path)
    readable = note is not None and not is_ignored(problem.path, snapshot.config)
    url = note_url(problem.path, note.kind) if note is not None and readable else None
    copy = url is not None and problem.code == "conflict-copy"
    resolve = url_for("resolve.resolve_page", path=problem.path) if copy else None
    urgent = problem.code in CODES_FIRST
    return ProblemRow(problem.location(), problem.message, url, urgent, resolve)


def _page_number() -> int:
    text = request.args.get("page", "")
    number = int(text) if text.isascii() and text.isdigit() and 0 < len(text) < 7 else 1
    return max(number, 1)


def _url(code: str | None, page: int) -> str:
    return url_for("problems.problems", kind=code, page=page if page > 1 else None)
