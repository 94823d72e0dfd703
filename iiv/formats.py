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
    from iiv.applied import Applied, Recorded
    from iiv.contacts.apply import Imported
    from iiv.contacts.plan import Plan
    from iiv.journal import Entry
    from iiv.messages import Draft
    from iiv.practice import Introduction, Rate, Report
    from iiv.search import SearchResult
    from iiv.targets import Target

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
    notice = f"\n{result.notice}" if result.notice else ""
    if not result.hits:
        hint = f" Did you mean: {result.suggestion}?" if result.suggestion else ""
        return f"No notes match {result.query!r}.{hint}{notice}"
    lines = [f"{result.total} {plural(result.total, 'note')} match {result.query!r}:"]
    for hit in result.hits:
        snippet = html.unescape(re.sub(r"</?mark>", "", hit.snippet)).replace("\n", " ")
        lines += [f"\n{hit.title}  ({hit.kind}, {hit.path})", f"  {snippet[:SNIPPET_CHARS]}"]
    if result.pages > 1:
        lines.append(f"\npage {result.page} of {result.pages} (--page N for more)")
    return "\n".join(lines) + notice


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


def import_result(applied: Imported) -> str:
    created, updated = len(applied.created), len(applied.updated)
    lines = list(applied.failed)
    failed = f"; {len(applied.failed)} not written" if applied.failed else ""
    lines.append(f"Created {created} {plural(created, 'note')}, updated {updated}{failed}.")
    return "\n".join(lines)


def targets_table(ranked: list[Target], batch: int, advised: int) -> str:
    """The LAMP list as a table: rank, A, M, P, employer, people and open requests."""
    if not ranked:
        return "No employers yet: add a company note (type: company) or a person with a company:."
    lines = [
        f"{len(ranked)} {plural(len(ranked), 'employer')}, ranked by Motivation, Posting and"
        f" Advocacy; the top {batch} are this batch."
        + (f" The method suggests {advised} or more." if len(ranked) < advised else ""),
        "",
        "   #  A  M  P  Employer",
    ]
    for target in ranked:
        lines.append(f"{_target_row(target):<40}{_target_notes(target)}".rstrip())
    return "\n".join(lines)


def _target_row(target: Target) -> str:
    mark = "*" if target.batch else " "
    a = "Y" if target.advocacy else "N"
    m = "-" if target.motivation is None else str(target.motivation)
    p = "-" if target.posting is None else str(target.posting)
    return f"{mark}{target.rank:>3}  {a}  {m}  {p}  {target.name}"


def _target_notes(target: Target) -> str:
    parts = []
    if target.people:
        parts.append(f"{len(target.people)} {plural(len(target.people), 'person')}")
    if target.open_requests:
        count = len(target.open_requests)
        parts.append(f"{count} open {plural(count, 'request')}")
    return "  " + ", ".join(parts) if parts else ""


def draft(message: Draft) -> str:
    """A draft as an e-mail reads, then the checks: `✔ short: 52 words: under 75...`."""
    lines = [f"To: {message.to or '(no email: add email: to their note)'}"]
    lines += [f"Subject: {message.subject}", "", message.body.rstrip("\n"), ""]
    passed = sum(1 for check in message.checks if check.ok)
    lines.append(f"Checks ({passed} of {len(message.checks)} pass):")
    lines += [f"  {'✔' if c.ok else '✘'} {c.name}: {c.why}" for c in message.checks]
    return "\n".join(lines)


def practice(report: Report) -> str:
    """The practice's numbers as text: rates, reply speed, funnel, months, groups, tree."""
    s, speed = report.stats, report.speed
    rate = "no requests yet" if report.reply_rate is None else f"reply rate {report.reply_rate}%"
    lines = [
        f"Requests: {s.requests} sent, {s.answers} answered ({rate}; the method calls 20–40%"
        f" normal), {s.accepted} yes",
        f"Reply speed: {speed.boosters} Boosters (within 3 business days), {speed.obligates}"
        f" Obligates (later), {speed.curmudgeons} Curmudgeons (never), {speed.waiting} waiting"
        + (f", {speed.unknown} answered on a day not recorded" if speed.unknown else ""),
        "Funnel: " + " → ".join(f"{count} {stage}" for stage, count in report.funnel),
        f"This month: {s.done_this_month} of {s.monthly_goal} conversations;"
        f" streak: {s.streak} {plural(s.streak, 'month')}",
        "",
        "Month     requests  conversations",
        *(f"{m.month}  {m.requests:>8}  {m.conversations:>13}" for m in report.months),
    ]
    for title, rates in (
        ("By source", report.by_source),
        ("By medium", report.by_medium),
        ("By employer", report.by_company),
    ):
        lines += ["", f"{title}:", *(_rate_line(rate) for rate in rates)]
    lines += ["", "Introductions:", *_tree_lines(report.introductions, 1)]
    return "\n".join(lines)


def _rate_line(rate: Rate) -> str:
    return f"  {rate.answers}/{rate.requests} ({rate.rate}%)  {rate.name}"


def _tree_lines(nodes: tuple[Introduction, ...], depth: int) -> list[str]:
    lines: list[str] = []
    for node in nodes:
        lines.append("  " * depth + node.name)
        lines += _tree_lines(node.introduced, depth + 1)
    return lines or ["  (nobody yet)"]


def debrief(done: Recorded, thank_you: date | None) -> str:
    """What a debrief wrote, and when the thank-you is due."""
    lines = []
    if done.interview is not None:
        changed = ", ".join(str(line) for line in done.interview.lines)
        lines.append(f"added to {done.interview.path}: lines {changed}")
    lines += [f"created {made.path}" for made in done.created]
    lines += [f"{name}: already in the vault, nothing created" for name in done.known]
    if thank_you is not None:
        lines.append(f"The thank-you is due {thank_you}: iiv draft thank-you NOTE drafts it.")
    return "\n".join(lines)


def plural(count: int, word: str) -> str:
    if count == 1:
        return word
    return "people" if word == "person" else f"{word}s"


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


def applied(done: Applied) -> str:
    """What a step did: `Chiara Bianchi thanked`, then where (`path: line 9`) and how to undo."""
    if done.undo is None:
        return f"Nothing to change: {done.path} says so already."
    lines = ", ".join(map(str, done.lines))
    where = f"{done.path}: {plural(len(done.lines), 'line')} {lines}"
    return f"{done.summary}\n  {where} (iiv undo takes it back)"


def journal(entries: list[Entry]) -> str:
    """`iiv undo --list`: the newest first, with the id `iiv undo ID` takes."""
    if not entries:
        return "No changes recorded in this vault yet."
    rows = []
    for entry in entries:
        when = entry.at.astimezone().strftime("%Y-%m-%d %H:%M")
        undone = " (undone)" if entry.undone else ""
        rows.append(f"{entry.id:>5}  {when}  {entry.summary}{undone}\n{'':24}{entry.path}")
    return "\n".join(rows)
