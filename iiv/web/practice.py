"""The practice (`/practice`): the method's numbers as charts drawn on the server, and as text.

How fast people answer (Boosters, Obligates, Curmudgeons) against the reply rate the method
calls normal, the funnel from prospects to referrals, reply rates by source, medium and
employer, requests and conversations month by month, the streak, and who introduced whom.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, render_template

from iiv.practice import BOOSTER_DAYS, NORMAL_REPLY, Introduction, Report, report
from iiv.snapshot import Vault
from iiv.web.charts import Chart, bars, columns, gauge
from iiv.web.pages import display_day, library
from iiv.web.partials import NoteLink, note_link

bp = Blueprint("practice", __name__)
SPEED_LABELS = (
    ("boosters", "Boosters", f"answered within {BOOSTER_DAYS} business days"),
    ("obligates", "Obligates", "answered later"),
    ("curmudgeons", "Curmudgeons", "never answered (no-reply)"),
    ("waiting", "Waiting", "no answer yet"),
    ("unknown", "Date unknown", "answered on a day not recorded (no answered:)"),
)


@dataclass(frozen=True)
class Tree:
    person: NoteLink
    introduced: list[Tree]


@dataclass(frozen=True)
class PracticePage:
    report: Report
    reply: Chart
    speed: Chart
    speed_rows: list[tuple[str, int, str]]  # (name, count, meaning)
    funnel: Chart
    months: Chart
    introductions: list[Tree]
    normal: tuple[int, int]
    booster_days: int


@bp.get("/practice")
def practice_page() -> str:
    vault = library().snapshot()
    numbers = report(vault, display_day())
    speed_rows = [
        (name, getattr(numbers.speed, key), meaning) for key, name, meaning in SPEED_LABELS
    ]
    page = PracticePage(
        report=numbers,
        reply=_reply_chart(numbers),
        speed=bars(
            [
                (name, count, f"bar-{name.lower().replace(' ', '-')}")
                for name, count, _ in speed_rows
            ],
            "How fast people answered",
            "; ".join(f"{name}: {count} ({meaning})" for name, count, meaning in speed_rows),
        ),
        speed_rows=speed_rows,
        funnel=bars(
            [(stage.capitalize(), count, "bar-funnel") for stage, count in numbers.funnel],
            "From prospects to referrals",
            "; ".join(f"{stage}: {count}" for stage, count in numbers.funnel),
        ),
        months=_months_chart(numbers),
        introductions=[_tree(vault, node) for node in numbers.introductions],
        normal=NORMAL_REPLY,
        booster_days=BOOSTER_DAYS,
    )
    return render_template("practice.html", page=page)


def _reply_chart(numbers: Report) -> Chart:
    rate = numbers.reply_rate
    low, high = NORMAL_REPLY
    said = "no requests yet" if rate is None else f"{rate}% of requests answered"
    return gauge(rate, NORMAL_REPLY, "Reply rate", f"{said}; the method calls {low}–{high}% normal")


def _months_chart(numbers: Report) -> Chart:
    groups = [
        (
            _month_label(month.month),
            [
                (month.requests, "bar-requests", "requests sent"),
                (month.conversations, "bar-conversations", "conversations held"),
            ],
        )
        for month in numbers.months
    ]
    text = "; ".join(
        f"{m.month}: {m.requests} requests, {m.conversations} conversations" for m in numbers.months
    )
    return columns(groups, "Requests and conversations, month by month", text)


def _month_label(month: str) -> str:
    """`2026-11` → `Nov`."""
    return f"{date(int(month[:4]), int(month[5:]), 1):%b}"


def _tree(vault: Vault, node: Introduction) -> Tree:
    person = vault.notes.get(node.path)
    link = note_link(person) if person else NoteLink(node.name, None)
    return Tree(link, [_tree(vault, child) for child in node.introduced])
