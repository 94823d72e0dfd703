"""Text formats for people reading a terminal: the due list, search results, check's summary.

Pure functions from values to text, so that every face (the command line today, others later)
prints the same thing. The JSON shapes live in `shapes`.
"""

from __future__ import annotations

import html
import re
import shlex
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from iiv.followups import FollowUp

if TYPE_CHECKING:  # the index loads Whoosh, which `iiv due` must not pay for
    from iiv.contacts.apply import Applied
    from iiv.contacts.plan import Plan
    from iiv.index import SearchResult

SNIPPET_CHARS = 200


def due_list(items: list[FollowUp], today: date, within: int) -> str:
    if not items:
        return f"Nothing due today or in the next {within} days."
    groups = [
        ("Overdue", [i for i in items if i.due < today]),
        (f"Today, {today}", [i for i in items if i.due == today]),
        (f"Next {within} days", [i for i in items if i.due > today]),
    ]
    lines: list[str] = []
    for title, group in groups:
        if group:
            lines.append(f"{title}:" if not lines else f"\n{title}:")
            lines += [
                f"  {i.due}  {i.kind:<13} {i.action}\n{'':16}{i.path}:{i.line}" for i in group
            ]
    return "\n".join(lines)


def search_results(result: SearchResult) -> str:
    if not result.hits:
        hint = f" Did you mean: {result.suggestion}?" if result.suggestion else ""
        return f"No notes match {result.query!r}.{hint}"
    lines = [f"{result.total} {plural(result.total, 'note')} match {result.query!r}:"]
    for hit in result.hits:
        snippet = html.unescape(re.sub(r"</?mark>", "", hit.snippet)).replace("\n", " ")
        lines += [f"\n{hit.title}  ({hit.kind}, {hit.path})", f"  {snippet[:SNIPPET_CHARS]}"]
    if result.pages > 1:
        lines.append(f"\npage {result.page} of {result.pages} (--page N for more)")
    return "\n".join(lines)


def check_summary(problems: int, notes: int) -> str:
    if not problems:
        return f"No problems in {notes} notes."
    return f"{problems} {plural(problems, 'problem')} in {notes} notes."


def import_plan(plan: Plan) -> str:
    """The dry run's table, a row per contact, then each disagreement, left-out field and
    unreadable part as one `FILE:LINE: ...` line."""
    lines = [
        _import_row(row.action, f"{row.file}:{row.line}", row.name, row.path, row.adds)
        for row in plan.rows
    ]
    for row in plan.rows:
        who = f"{row.name}: " if row.name else ""
        lines += [f"{row.file}:{row.line}: {who}{note}" for note in row.notes]
    return "\n".join(lines)


def _import_row(action: str, where: str, name: str, path: str | None, adds: tuple[str, ...]) -> str:
    target = f" → {path}" if path else ""
    added = f" (+ {', '.join(adds)})" if adds else ""
    return f"{action:<10}  {where}  {name}{target}{added}".rstrip()


def import_summary(plan: Plan) -> str:
    counts = ", ".join(
        f"{plan.count(action)} {label}"
        for action, label in (
            ("create", "to create"),
            ("update", "to update"),
            ("duplicate", plural(plan.count("duplicate"), "duplicate")),
            ("unreadable", "unreadable"),
        )
    )
    return f"Dry run: {counts}. Nothing was written; add --apply to write."


def import_result(applied: Applied) -> str:
    created, updated = len(applied.created), len(applied.updated)
    lines = list(applied.failed)
    failed = f"; {len(applied.failed)} not written" if applied.failed else ""
    lines.append(f"Created {created} {plural(created, 'note')}, updated {updated}{failed}.")
    return "\n".join(lines)


def plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"


def git_hint(path: Path) -> str:
    """How to put a new vault under git, for `iiv sync` (README: Devices)."""
    folder = shlex.quote(str(path))
    return (
        f"\nTo keep {path} on several devices, put it under git and sync it:\n"
        f"  git -C {folder} init -b main && iiv sync --vault {folder}\n"
        f"  git -C {folder} remote add origin URL-OF-AN-EMPTY-PRIVATE-REPOSITORY\n"
        f"  git -C {folder} push -u origin main\n"
        "Then on each other device: git clone URL, and iiv sync there (README: Devices)."
    )
