"""The debrief after a conversation: takeaways, the people they suggested, what you promised.

Takeaways are appended under the interview's `## Takeaways`, promises become task lines with
dates under `## Follow-ups`, and each person suggested becomes a person note (`introduced_by`
the person you met) with a prospect interview, so that the next request is one click away.
Nothing is rewritten: lines are added, notes are created, all through the safe edit and into
the undo journal. The thank-you is due `thank_you_after` days (one) after the conversation,
as always: the debrief says so.

Pure: `parse` reads the form, `with_debrief` computes the interview's new bytes;
`iiv.applied.record_debrief` writes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from iiv import patch
from iiv.config import Config
from iiv.dates import BadDate, parse_date
from iiv.errors import BadArgument
from iiv.note import Note

MAX_LINES = 20  # of each kind in one debrief
MAX_CHARS = 300  # of one line
PROMISE_DAYS = 7  # a promise without a date is due a week later
BULLET_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?")
DUE_RE = re.compile(r"\s*(?:(?:by|before|on|due)\s+|📅\s*)?(\d{4}-\d{2}-\d{2})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Suggested:
    name: str
    company: str | None


@dataclass(frozen=True)
class Promise:
    text: str
    due: date


@dataclass(frozen=True)
class Debrief:
    takeaways: tuple[str, ...] = ()
    people: tuple[Suggested, ...] = ()
    promises: tuple[Promise, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.takeaways or self.people or self.promises)


def parse(takeaways: str, people: str, promises: str, today: date) -> Debrief:
    """Three texts, one item a line (a leading `- ` is dropped):

    - takeaways, as written;
    - people: `Name` or `Name, Company`;
    - promises: what you promised, optionally ending with a date (`… by 2026-12-05`);
      without one it is due PROMISE_DAYS days after `today`.
    """
    return Debrief(
        takeaways=tuple(_lines(takeaways, "takeaways")),
        people=tuple(_person(line) for line in _lines(people, "people")),
        promises=tuple(_promise(line, today) for line in _lines(promises, "promises")),
    )


def _lines(text: str, what: str) -> list[str]:
    found = [" ".join(BULLET_RE.sub("", line).split()) for line in text.splitlines()]
    found = [line for line in found if line]
    if len(found) > MAX_LINES:
        raise BadArgument(f"{what}: at most {MAX_LINES} lines at once, got {len(found)}")
    for line in found:
        if len(line) > MAX_CHARS:
            raise BadArgument(f"{what}: a line is longer than {MAX_CHARS} characters")
    return found


def _person(line: str) -> Suggested:
    name, _, company = line.partition(",")
    name = name.strip().strip("[]").strip()
    if not name:
        raise BadArgument(f"people: {line!r} has no name (write `Name` or `Name, Company`)")
    return Suggested(name, company.strip() or None)


def _promise(line: str, today: date) -> Promise:
    match = DUE_RE.search(line)
    if match is None:
        return Promise(line, today + timedelta(days=PROMISE_DAYS))
    text = line[: match.start()].strip()
    try:
        due = parse_date(match.group(1))
    except BadDate as error:
        raise BadArgument(f"promises: {error}") from None
    if not text:
        raise BadArgument(f"promises: {line!r} says when but not what")
    return Promise(text, due)


def with_debrief(data: bytes, debrief: Debrief) -> bytes:
    """The interview's bytes with the takeaways and the promises added; nothing else changed."""
    takeaways = [f"- {line}" for line in debrief.takeaways]
    tasks = [f"- [ ] {promise.text} 📅 {promise.due.isoformat()}" for promise in debrief.promises]
    return patch.with_lines_in_section(
        patch.with_lines_in_section(data, "Takeaways", takeaways), "Follow-ups", tasks
    )


def thank_you_due(interview: Note, config: Config) -> date | None:
    """When the thank-you for the conversation is due, unless it was sent."""
    if interview.thanked is not None or interview.date is None:
        return None
    return interview.date + timedelta(days=config.thank_you_after)
