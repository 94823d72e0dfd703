"""Today (`/`): what is due this week with one-click buttons, what is coming, how it is going."""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, render_template, request, url_for
from markupsafe import Markup

from iiv.followups import FollowUp
from iiv.library import Library
from iiv.note import Note
from iiv.practice import PracticeStats, PracticeTotals, practice_totals
from iiv.snapshot import Vault
from iiv.targets import parallel_requests
from iiv.web.due import Row, due_label, rows
from iiv.web.pages import csrf_token, display_day, library
from iiv.web.partials import InterviewLine, NoteLink, day_label, interview_line, note_link
from iiv.web.urls import here

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
class Parallel:
    """Two or more requests waiting at one employer: the method asks one person at a time."""

    company: str
    requests: list[InterviewLine]


@dataclass(frozen=True)
class TodayPage:
    day: str
    day_label: str
    is_real_today: bool
    real_today_url: str
    summary: str
    due: Markup  # the due column (`today_due.html`): each group's title, rows and "show all"
    upcoming: list[InterviewLine]
    contacts: list[Contact]
    stats: PracticeStats
    month: str
    parallel: list[Parallel]


@dataclass(frozen=True)
class DueColumn:
    summary: str
    html: Markup


@bp.get("/")
def today() -> str:
    day = display_day()
    lib = library()
    vault = lib.snapshot()
    derived = _derived(vault)
    due = _due_column(lib, vault, day)
    page = TodayPage(
        day=day.isoformat(),
        day_label=day_label(day),
        is_real_today=day == date.today(),
        real_today_url=url_for("today.today"),
        summary=due.summary,
        due=due.html,
        upcoming=_upcoming(vault, derived.scheduled, day),
        contacts=_contacts(lib.due(day, KEEP_IN_TOUCH_DAYS), vault, day),
        stats=derived.totals.on(day, vault.config.monthly_goal),
        month=f"{day:%B}",
        parallel=derived.parallel,
    )
    return render_template("today.html", page=page)


def _due_column(lib: Library, vault: Vault, day: date) -> DueColumn:
    """The summary and the due column, rendered once for a snapshot, a day and this address.

    The column is a function of the snapshot and the due list, which the library computes
    from it. The library's generation is read before its due list: a due list paired with
    the wrong snapshot while a new one is being published is then kept under a generation
    that no later request reads (the generation moves on as the snapshot is replaced).
    "Show all" (`?all=1`) is not kept: it can be long, and is asked for rarely.
    """
    everything = request.args.get("all") == "1"
    key = (lib.generation, day, day == date.today(), here(), csrf_token())
    if not everything:
        kept = _columns.get(vault, key)
        if kept is not None:
            return kept
    items = lib.due(day, WEEK)
    groups = _groups(items, day)
    sections, pure = _sections(groups, vault, day, everything)
    html = Markup(render_template("today_due.html", sections=sections))
    column = DueColumn(_summary(groups), html)
    if pure and not everything:
        _columns.put(vault, key, column)
    return column


def _groups(items: list[FollowUp], day: date) -> dict[str, list[FollowUp]]:
    """The items of each group (overdue, today, week), in the order of `items`.

    Due lists come sorted by date, most urgent first (`followups`): each group is a slice.
    """
    overdue = bisect_left(items, day, key=_due)
    later = bisect_right(items, day, lo=overdue, key=_due)
    return {"overdue": items[:overdue], "today": items[overdue:later], "week": items[later:]}


def _due(item: FollowUp) -> date:
    return item.due


def _sections(
    groups: dict[str, list[FollowUp]], vault: Vault, day: date, everything: bool
) -> tuple[list[Section], bool]:
    """Each group's rows: the most urgent SHOWN of a long group, all of them with `?all=1`.

    Also whether the rows come from the snapshot alone (every note listed is in it with the
    hash of its bytes), and so may be kept for as long as the snapshot.
    """
    sections = []
    pure = True
    for css, title in GROUPS:
        chosen = groups[css]
        if not chosen:
            continue
        shown = chosen if everything else chosen[:SHOWN]
        pure = pure and all(_known(vault, item.path) for item in shown)
        listed = rows(shown, vault, day, csrf_token(), here())
        more = None if len(shown) == len(chosen) else _all_url(day)
        sections.append(Section(title, css, listed, len(chosen), more))
    return sections, pure


def _known(vault: Vault, path: str) -> bool:
    note = vault.notes.get(path)
    return note is not None and bool(note.digest)


def _all_url(day: date) -> str:
    if day == date.today():
        return url_for("today.today", all="1")
    return url_for("today.today", all="1", today=day.isoformat())


def _summary(groups: dict[str, list[FollowUp]]) -> str:
    overdue, today, later = (len(groups[css]) for css, _ in GROUPS)
    if not overdue + today + later:
        return "Nothing is due this week."
    parts = [f"{overdue} overdue", f"{today} due today", f"{later} later this week"]
    return ", ".join(part for part in parts if not part.startswith("0 ")) + "."


def _upcoming(vault: Vault, scheduled: list[Note], day: date) -> list[InterviewLine]:
    start = bisect_left(scheduled, day, key=_interview_day)
    return [interview_line(vault, note) for note in scheduled[start : start + SIDE_LIST]]


def _contacts(items: list[FollowUp], vault: Vault, day: date) -> list[Contact]:
    """The SIDE_LIST most urgent keep-in-touch items (links are made for those only)."""
    contacts: list[Contact] = []
    for item in items:
        person = vault.notes.get(item.person_path or "")
        if item.kind == "keep-in-touch" and person is not None:
            contacts.append(Contact(note_link(person), due_label(item.due, day), item.due < day))
            if len(contacts) == SIDE_LIST:
                break
    return contacts


@dataclass(frozen=True)
class _Derived:
    """What Today needs from a snapshot whatever the day: computed once a snapshot.

    A snapshot is immutable and replaced whole when the vault changes, so it is the key.
    """

    totals: PracticeTotals
    scheduled: list[Note]  # scheduled interviews with a date, by (date, time, path)
    parallel: list[Parallel]  # employers with two requests waiting at once


class _SnapshotCache:
    """The derived data of the last snapshot asked for, held by a weak reference to it.

    Threads may compute the same value at once on a new snapshot: the last one kept wins, and
    both are right. A snapshot that is gone is never matched (its reference is then dead).
    """

    def __init__(self) -> None:
        self._last: tuple[weakref.ref[Vault], _Derived] | None = None

    def get(self, vault: Vault) -> _Derived:
        last = self._last
        if last is not None and last[0]() is vault:
            return last[1]
        derived = _derive(vault)
        self._last = (weakref.ref(vault), derived)
        return derived


def _derive(vault: Vault) -> _Derived:
    scheduled = [n for n in vault.interviews if n.status == "scheduled" and n.date]
    scheduled.sort(key=lambda n: (_interview_day(n), n.time or "", n.path))
    parallel = [
        Parallel(company, [interview_line(vault, vault.notes[path]) for path in paths])
        for company, paths in sorted(parallel_requests(vault).items())
    ]
    return _Derived(practice_totals(vault), scheduled, parallel)


def _interview_day(note: Note) -> date:
    assert note.date is not None
    return note.date


_derived = _SnapshotCache().get


class _ColumnCache:
    """Due columns of the current snapshot, for a few (generation, day, address) keys.

    Entries are held with a weak reference to their snapshot; putting one for a new snapshot
    drops those of the others, so only the current snapshot's columns stay in memory.
    """

    SIZE = 8

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[weakref.ref[Vault], DueColumn]] = OrderedDict()

    def get(self, vault: Vault, key: Hashable) -> DueColumn | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0]() is not vault:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, vault: Vault, key: Hashable, column: DueColumn) -> None:
        with self._lock:
            for old in [k for k, (ref, _) in self._entries.items() if ref() is not vault]:
                del self._entries[old]
            self._entries[key] = (weakref.ref(vault), column)
            self._entries.move_to_end(key)
            while len(self._entries) > self.SIZE:
                self._entries.popitem(last=False)


_columns = _ColumnCache()
