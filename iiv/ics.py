"""The calendar: follow-ups and interviews as an iCalendar file (RFC 5545), for calendar apps.

Pure: a vault snapshot, `today` and `now` in, bytes out. Follow-ups are all-day events
(floating dates, the same everywhere); interviews with a time are timed events in the vault's
time zone. Each event's UID comes from what it is about (the note's path and the follow-up's
kind, or a task's text), never from a line number, so a subscribed calendar updates an event
when its note changes instead of showing it twice.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event, Todo, vDuration

from iiv.config import Config
from iiv.followups import FollowUp, due_within, followups
from iiv.links import WIKILINK_RE, parse_link
from iiv.note import Note
from iiv.snapshot import Vault

PRODID = "-//iiv//informational interviews//EN"
SHOWN_STATUSES = ("scheduled", "done")  # an interview that was agreed: it belongs in a calendar
REFRESH = timedelta(hours=1)  # how often iiv suggests a subscribed calendar asks again
_Moment = TypeVar("_Moment", date, datetime)
PageUrl = Callable[[str, str], str]  # (note path, note kind) → its dashboard page
PAGES = {"person": "person", "interview": "interview"}  # the dashboard's routes, see iiv/web


@dataclass(frozen=True)
class FeedOptions:
    today: date
    now: datetime  # when the feed is made: every item's DTSTAMP
    zone: ZoneInfo  # for interview times
    page_url: PageUrl
    within: int | None = None  # None: everything; else what falls due by today + within days
    todo: bool = False  # follow-ups also as VTODOs, for apps that show them (Thunderbird)
    name: str = "iiv"


def time_zone(config: Config) -> ZoneInfo:
    """The vault's `timezone:`, else the machine's, else UTC."""
    if config.timezone:
        return ZoneInfo(config.timezone)
    try:
        import tzlocal

        with warnings.catch_warnings():  # tzlocal warns when TZ and /etc disagree
            warnings.simplefilter("ignore")
            return ZoneInfo(tzlocal.get_localzone_name() or "UTC")
    except (ZoneInfoNotFoundError, ValueError, LookupError, OSError):
        return ZoneInfo("UTC")


def dashboard_page(base: str) -> PageUrl:
    """Dashboard links without Flask: the same routes as `iiv.web.urls.note_url`."""

    def page(path: str, kind: str) -> str:
        return f"{base.rstrip('/')}/{PAGES.get(kind, 'note')}/{quote(path, safe='/')}"

    return page


def build_calendar(vault: Vault, options: FeedOptions) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", options.name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    items = _followups(vault, options)
    for item, uid in zip(items, followup_uids(items), strict=True):
        calendar.add_component(_followup_event(item, uid, vault, options))
        if options.todo:
            calendar.add_component(_followup_todo(item, _uid("todo", uid), vault, options))
    for note in _interviews(vault, options):
        calendar.add_component(_interview_event(note, vault, options))
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data


def _followups(vault: Vault, options: FeedOptions) -> list[FollowUp]:
    items = followups(vault, options.today)
    return items if options.within is None else due_within(items, options.today, options.within)


def _later(moment: _Moment, step: timedelta) -> _Moment | None:
    """`moment + step`, or None past the calendar's end (a note may say 9999-12-31)."""
    try:
        return moment + step
    except OverflowError:
        return None


def _interviews(vault: Vault, options: FeedOptions) -> Iterator[Note]:
    within = options.within
    last = None if within is None else _later(options.today, timedelta(days=within)) or date.max
    for note in sorted(vault.interviews, key=lambda n: (n.date or date.min, n.path)):
        if note.status not in SHOWN_STATUSES or note.date is None:
            continue
        if last is None or options.today <= note.date <= last:
            yield note


def followup_uids(items: list[FollowUp]) -> list[str]:
    """Each follow-up's UID: its note and kind, and for a task its text (and which of several
    tasks with that text in the note it is)."""
    seen: Counter[tuple[str, str, str]] = Counter()
    uids: dict[int, str] = {}
    for item in sorted(items, key=lambda i: (i.path, i.line)):
        what = (item.path, item.kind, item.action if item.kind == "task" else "")
        seen[what] += 1
        uids[id(item)] = _uid("follow-up", *what, str(seen[what]))
    return [uids[id(item)] for item in items]


def _uid(*parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:32]
    return f"{digest}@iiv"


def _followup_event(item: FollowUp, uid: str, vault: Vault, options: FeedOptions) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", options.now)
    _add_span(event, item.due, timedelta(days=1))
    event.add("summary", plain(item.action))
    event.add("description", _followup_description(item, vault, options))
    event.add("url", _item_url(item, vault, options))
    event.add("categories", [item.kind])
    event.add("transp", "TRANSPARENT")  # a reminder, not a meeting: the day stays free
    return event


def _followup_todo(item: FollowUp, uid: str, vault: Vault, options: FeedOptions) -> Todo:
    todo = Todo()
    todo.add("uid", uid)
    todo.add("dtstamp", options.now)
    todo.add("due", item.due)
    todo.add("summary", plain(item.action))
    todo.add("description", _followup_description(item, vault, options))
    todo.add("url", _item_url(item, vault, options))
    todo.add("categories", [item.kind])
    todo.add("status", "NEEDS-ACTION")
    return todo


def plain(text: str) -> str:
    """A task's text as a calendar shows it: `[[Ada Lovelace|Ada]]` becomes `Ada`."""

    def shown(match: re.Match[str]) -> str:
        link = parse_link(match.group(0))
        return link.text if link else match.group(0)

    return WIKILINK_RE.sub(shown, text)


def _item_url(item: FollowUp, vault: Vault, options: FeedOptions) -> str:
    note = vault.notes.get(item.path)
    return options.page_url(item.path, note.kind if note else "note")


def _followup_description(item: FollowUp, vault: Vault, options: FeedOptions) -> str:
    lines = [f"With: {item.person}"] if item.person else []
    lines += [f"Note: {item.path}", f"Open in iiv: {_item_url(item, vault, options)}"]
    return "\n".join(lines)


def _interview_event(note: Note, vault: Vault, options: FeedOptions) -> Event:
    assert note.date is not None
    people = ", ".join(vault.person_name(link) for link in note.people) or note.title
    event = Event()
    event.add("uid", _uid("interview", note.path))
    event.add("dtstamp", options.now)
    _add_times(event, note.date, note.time, vault.config, options.zone)
    medium = note.medium or "interview"
    event.add("summary", f"{medium[:1].upper()}{medium[1:]} with {people}")  # "MS Teams" stays
    if note.location:
        event.add("location", note.location)
    url = options.page_url(note.path, "interview")
    event.add("description", _interview_description(note, url))
    event.add("url", url)
    event.add("status", "CONFIRMED")
    return event


def _add_times(event: Event, day: date, clock: str | None, config: Config, zone: ZoneInfo) -> None:
    if clock is None:
        _add_span(event, day, timedelta(days=1))
        return
    hour, minute = (int(part) for part in clock.split(":"))
    start = datetime.combine(day, time(hour, minute), tzinfo=zone)
    _add_span(event, start, timedelta(minutes=config.interview_minutes))


def _add_span(event: Event, start: _Moment, length: timedelta) -> None:
    """DTSTART and DTEND; at the calendar's very end only DTSTART (a day, or an instant)."""
    event.add("dtstart", start)
    end = _later(start, length)
    if end is not None:
        event.add("dtend", end)


def _interview_description(note: Note, url: str) -> str:
    lines = [f"Medium: {note.medium}"] if note.medium else []
    lines += [f"Goal: {note.goal}"] if note.goal else []
    lines += [f"Status: {note.status}", f"Note: {note.path}", f"Open in iiv: {url}"]
    return "\n".join(lines)
