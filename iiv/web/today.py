"""Today (`/`): what is due this week with one-click buttons, what is coming, how it is going."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, render_template, request, url_for

from iiv.followups import FollowUp
from iiv.vault import Vault
from iiv.web.due import Row, due_label, rows
from iiv.web.pages import csrf_token, display_day, library
from iiv.web.partials import InterviewLine, NoteLink, day_label, interview_line
from iiv.web.stats import PracticeStats, practice_stats
from iiv.web.urls import here, note_url

bp = Blueprint("today", __name__)
WEEK = 7
KEEP_IN_TOUCH_DAYS = 60
SIDE_LIST = 6
SHOWN = 50  # rows listed per group before "show all": a page that stays quick at any size
GROUPS = (("overdue", "Overdue"), ("today", "Due today"), ("week", "Later this week"))


@dataclass(frozen=True)
class Section:
    title: str
    css: str
    rows: list[Row]
    total: int  # rows in the group; only the first SHOWN are listed unless all are asked for
    more_url: str | None = None


@dataclass(frozen=True)
class Contact:
    person: NoteLink
    due_label: str
    overdue: bool


@dataclass(frozen=True)
class TodayPage:
    day: str
    day_label: str
    is_real_today: bool
    real_today_url: str
    summary: str
    sections: list[Section]
    upcoming: list[InterviewLine]
    contacts: list[Contact]
    stats: PracticeStats
    month: str


@bp.get("/")
def today() -> str:
    day = display_day()
    lib = library()
    vault = lib.snapshot()
    items = lib.due(day, WEEK)
    page = TodayPage(
        day=day.isoformat(),
        day_label=day_label(day),
        is_real_today=day == date.today(),
        real_today_url=url_for("today.today"),
        summary=_summary(items, day),
        sections=_sections(items, vault, day),
        upcoming=_upcoming(vault, day),
        contacts=_contacts(lib.due(day, KEEP_IN_TOUCH_DAYS), vault, day),
        stats=practice_stats(vault, day),
        month=f"{day:%B}",
    )
    return render_template("today.html", page=page)


def _sections(items: list[FollowUp], vault: Vault, day: date) -> list[Section]:
    """Each group's rows: the most urgent SHOWN of a long group, all of them with `?all=1`."""
    everything = request.args.get("all") == "1"
    sections = []
    for css, title in GROUPS:
        chosen = [item for item in items if _group(item.due, day) == css]
        if not chosen:
            continue
        shown = chosen if everything else chosen[:SHOWN]
        listed = rows(shown, vault, day, csrf_token(), here())
        more = None if len(shown) == len(chosen) else _all_url(day)
        sections.append(Section(title, css, listed, len(chosen), more))
    return sections


def _all_url(day: date) -> str:
    if day == date.today():
        return url_for("today.today", all="1")
    return url_for("today.today", all="1", today=day.isoformat())


def _group(due: date, day: date) -> str:
    return "overdue" if due < day else "today" if due == day else "week"


def _summary(items: list[FollowUp], day: date) -> str:
    overdue = sum(1 for item in items if item.due < day)
    today = sum(1 for item in items if item.due == day)
    later = len(items) - overdue - today
    if not items:
        return "Nothing is due this week."
    parts = [f"{overdue} overdue", f"{today} due today", f"{later} later this week"]
    return ", ".join(part for part in parts if not part.startswith("0 ")) + "."


def _upcoming(vault: Vault, day: date) -> list[InterviewLine]:
    coming = [n for n in vault.interviews if n.status == "scheduled" and n.date and n.date >= day]
    coming.sort(key=lambda n: (n.date or day, n.time or "", n.path))
    return [interview_line(vault, note) for note in coming[:SIDE_LIST]]


def _contacts(items: list[FollowUp], vault: Vault, day: date) -> list[Contact]:
    contacts = []
    for item in items:
        person = vault.notes.get(item.person_path or "")
        if item.kind == "keep-in-touch" and person is not None:
            link = NoteLink(person.title, note_url(person.path, person.kind))
            contacts.append(Contact(link, due_label(item.due, day), item.due < day))
    return contacts[:SIDE_LIST]
