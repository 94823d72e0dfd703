"""The task-line grammar: Obsidian Tasks' emoji format and Dataview's inline fields.

Parsing is pure (a line in, a `Task` out); the edit functions return the new text of one
line and leave every byte they do not have to change alone.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, fields
from datetime import date, timedelta
from functools import lru_cache
from operator import attrgetter

from iiv.dates import DATE_RE, BadDate, parse_date
from iiv.errors import EditRefused

TASK_RE = re.compile(
    r"^(?P<indent>[ \t>]*)(?P<marker>[-*+]|\d+[.)])[ \t]+"
    r"\[(?P<status>[^\]])\](?:[ \t]+(?P<rest>.*))?$"
)
VS = "\ufe0f?"  # emoji may carry an invisible variation selector
DATE_FIELDS = {
    "due": "📅📆🗓",
    "scheduled": "⏳⌛",
    "start": "🛫",
    "created": "➕",
    "done": "✅",
    "cancelled": "❌",
}
PRIORITIES = {"🔺": "highest", "⏫": "high", "🔼": "medium", "🔽": "low", "⏬": "lowest"}
DATAVIEW_KEYS = {
    "due": "due",
    "scheduled": "scheduled",
    "start": "start",
    "created": "created",
    "completion": "done",
    "cancelled": "cancelled",
}
DATAVIEW_RE = re.compile(r"[\[(](?P<key>[A-Za-z][\w -]*?)::[ \t]*(?P<value>[^\[\]()]*?)[ \t]*[\])]")
DATE_FIELD_RE = re.compile(
    "(?P<emoji>["
    + "".join(DATE_FIELDS.values())
    + r"])"
    + VS
    + r"[ \t]*(?P<date>\d{4}-\d{2}-\d{2})[ \t]*$"
)
TRAILING = [
    ("priority", re.compile("(?P<value>[" + "".join(PRIORITIES) + "])" + VS + r"[ \t]*$")),
    ("recurrence", re.compile("🔁" + VS + r"[ \t]*(?P<value>[a-zA-Z0-9, !]+?)[ \t]*$")),
    ("id", re.compile("🆔" + VS + r"[ \t]*(?P<value>[a-zA-Z0-9_-]+)[ \t]*$")),
    ("depends", re.compile("⛔" + VS + r"[ \t]*(?P<value>[a-zA-Z0-9_,-]+)[ \t]*$")),
    ("on_completion", re.compile("🏁" + VS + r"[ \t]*(?P<value>[a-zA-Z]+)[ \t]*$")),
    ("tag", re.compile(r"(?:^|[ \t])(?P<value>#[^\s#]+)[ \t]*$")),
    ("block", re.compile(r"(?:^|[ \t])(?P<value>\^[A-Za-z0-9-]+)[ \t]*$")),
]
# The character each TRAILING field needs ("" for priority, read from the end instead).
TRAILING_MARK = {
    "recurrence": "🔁",
    "id": "🆔",
    "depends": "⛔",
    "on_completion": "🏁",
    "tag": "#",
    "block": "^",
}
TRAILING_MARKS = [(name, pattern, TRAILING_MARK.get(name, "")) for name, pattern in TRAILING]
DATE_FIELD_OF = {emoji: name for name, emojis in DATE_FIELDS.items() for emoji in emojis}
BLOCK_ID_RE = re.compile(r"(?<![ \t])[ \t]+\^[A-Za-z0-9-]+[ \t]*$")
OPEN_STATUSES = (" ", "/")
DONE_STATUSES = ("x", "X")


@dataclass(frozen=True, slots=True)
class Task:
    line: int
    status: str
    description: str
    due: date | None = None
    scheduled: date | None = None
    start: date | None = None
    created: date | None = None
    done: date | None = None
    cancelled: date | None = None
    priority: str | None = None
    recurrence: str | None = None

    def __reduce__(self) -> tuple[type[Task], tuple[object, ...]]:
        return Task, _values(self)  # the fields in order (a slotted dataclass has no `__dict__`)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_done(self) -> bool:
        return self.status in DONE_STATUSES

    @property
    def when(self) -> date | None:
        """The date the task is due: its due date, else its scheduled date."""
        return self.due or self.scheduled


_values = attrgetter(*(f.name for f in fields(Task)))


def is_task_line(text: str) -> bool:
    return TASK_RE.match(text) is not None


def parse_task(text: str, line: int) -> tuple[Task, list[str]] | None:
    """One line of a note → (task, problems found in it), or None if it is no task line."""
    match = TASK_RE.match(text.rstrip("\r\n"))
    if not match:
        return None
    fields: dict[str, object] = {}
    problems: list[str] = []
    rest = match.group("rest") or ""
    description, tags = _strip_trailing_fields(rest, fields, problems)
    if "::" in description:
        description = _read_dataview_fields(description, fields, problems)
    description = " ".join([*description.split(), *reversed(tags)])
    task = Task(line, match.group("status"), description, **fields)  # type: ignore[arg-type]
    if task.recurrence and _never_moves(task.recurrence):
        problems.append(f"🔁 {task.recurrence} repeats on the same day: use a number above 0")
    return task, problems


def _never_moves(recurrence: str) -> bool:
    """`every 0 days`: each next occurrence would fall on the same date."""
    rule = RECURRENCE_RE.fullmatch(recurrence.strip())
    return rule is not None and rule.group("n") is not None and not rule.group("n").strip("0")


def _strip_trailing_fields(
    rest: str,
    fields: dict[str, object],
    problems: list[str],
    spans: dict[str, tuple[int, int]] | None = None,
) -> tuple[str, list[str]]:
    tags: list[str] = []
    for _ in range(64):  # a line has few fields; the bound keeps hostile lines cheap
        rest = rest.rstrip()
        # Every field ends the text, so each search below starts where its field may begin
        # at the earliest: it finds what a search of the whole text finds, without trying a
        # match at every character.
        match = DATE_FIELD_RE.search(rest, _date_start(rest))
        if match:
            name = DATE_FIELD_OF[match.group("emoji")]
            fields.pop(name, None)  # read from the end: as in Tasks, the leftmost one wins
            _set_date(fields, problems, name, match.group("emoji"), match.group("date"))
            if spans is not None:
                spans[name] = match.span("date")
            rest = rest[: match.start()]
            continue
        for name, pattern, mark in TRAILING_MARKS:
            # where the field may start at the earliest, or < 0 when `rest` cannot hold it
            if not mark:  # priority: its emoji and a variation selector end the text
                start = max(len(rest) - 2, 0)
            elif mark in "#^":  # tag, block: a space or the start, the last mark, to the end
                start = rest.rfind(mark)
                start = max(start - 1, 0) if start >= 0 else -1
            else:  # the field's emoji comes first
                start = rest.find(mark)
            found = pattern.search(rest, start) if start >= 0 else None
            if found:
                value = found.group("value")
                if name == "tag":
                    tags.append(value)
                elif name == "priority":
                    fields["priority"] = PRIORITIES[value]
                elif name == "recurrence":
                    fields["recurrence"] = value.strip()
                rest = rest[: found.start()]
                break
        else:
            break
    return rest, tags


def _date_start(rest: str) -> int:
    """Where a DATE_FIELD_RE match in `rest` (which ends in no whitespace) may start at the
    earliest: its date is the last 10 characters, after spaces or tabs, a variation selector
    and the emoji."""
    return max(len(rest[:-10].rstrip(" \t")) - 2, 0)


def _read_dataview_fields(text: str, fields: dict[str, object], problems: list[str]) -> str:
    def take(match: re.Match[str]) -> str:
        key = match.group("key").strip().lower()
        value = match.group("value").strip()
        if key in DATAVIEW_KEYS:
            _set_date(fields, problems, DATAVIEW_KEYS[key], f"[{key}::]", value)
        elif key == "priority":
            fields.setdefault("priority", value.lower())
        elif key == "repeat":
            fields.setdefault("recurrence", value)
        else:
            return match.group(0)
        return ""

    return DATAVIEW_RE.sub(take, text)


# dates are immutable and a vault repeats the same few thousand; BadDate is not cached
_parse_date = lru_cache(maxsize=4096)(parse_date)


def _set_date(
    fields: dict[str, object], problems: list[str], name: str, label: str, text: str
) -> None:
    try:
        fields.setdefault(name, _parse_date(text))
    except BadDate:
        problems.append(f"{label} {text} is not a real date")


# Edits: each takes the text of one line (without its line ending) and returns new text.


def complete_line(text: str, today: date) -> list[str]:
    """Mark the task done the way Tasks does; a recurring task gets its next occurrence above."""
    match = TASK_RE.match(text)
    if not match:
        raise EditRefused("there is no task on that line")
    status = match.group("status")
    if status not in OPEN_STATUSES:
        word = "done" if status in DONE_STATUSES else f"marked [{status}]"
        raise EditRefused(f"the task is already {word}")
    done_text = _append_field(_set_status(text, match, "x"), _done_field(text, today))
    parsed = parse_task(text, 0)
    next_text = _next_occurrence(text, parsed[0], today) if parsed else None
    return [next_text, done_text] if next_text else [done_text]


def snooze_line(text: str, days: int, today: date) -> str:
    """Move the task's due (else scheduled) date `days` later, counting from today if overdue."""
    parsed = parse_task(text, 0)
    if parsed is None:
        raise EditRefused("there is no task on that line")
    task = parsed[0]
    if not task.is_open:
        raise EditRefused("only an open task can be snoozed")
    current = task.when
    base = max(current, today) if current else today
    try:
        new = base + timedelta(days=days)
    except OverflowError:
        raise EditRefused(f"the task cannot be moved {days} days past {base}") from None
    if current is None:
        shifted = _shift_dates(text, {"due": new})  # an impossible date written there
        return shifted if shifted != text else _append_field(text, f"📅 {new.isoformat()}")
    return _shift_dates(text, {"due" if task.due else "scheduled": new})


def _set_status(text: str, match: re.Match[str], status: str) -> str:
    start = match.start("status")
    return text[:start] + status + text[start + 1 :]


def _done_field(text: str, today: date) -> str:
    uses_dataview = DATAVIEW_RE.search(text) and not DATE_FIELD_RE.search(text.rstrip())
    stamp = today.isoformat()
    return f"[completion:: {stamp}]" if uses_dataview else f"✅ {stamp}"


def _append_field(text: str, field: str) -> str:
    """Add a field at the end of the line, before a trailing block id, keeping trailing space."""
    stripped = text.rstrip()
    trailing = text[len(stripped) :]
    block = BLOCK_ID_RE.search(stripped)
    if block:
        return stripped[: block.start()] + " " + field + stripped[block.start() :] + trailing
    return stripped + " " + field + trailing


def _shift_dates(text: str, new_dates: dict[str, date]) -> str:
    """Replace the digits of the named date fields (emoji or Dataview) and nothing else."""
    description_end, spans = _date_spans(text)
    day = f"(?P<date>{DATE_RE.pattern})"
    for name, new in new_dates.items():
        keys = "|".join(k for k, v in DATAVIEW_KEYS.items() if v == name)
        dataview = re.compile(rf"[\[(][ \t]*(?:{keys})[ \t]*::[ \t]*{day}[ \t]*[\])]", re.I)
        found = dataview.search(text, 0, description_end)
        span = spans.get(name) or (found.span("date") if found else None)
        if span:
            text = text[: span[0]] + new.isoformat() + text[span[1] :]
    return text


def _date_spans(text: str) -> tuple[int, dict[str, tuple[int, int]]]:
    """Where a task line's description ends, and where the digits of each emoji date are."""
    match = TASK_RE.match(text)
    if not match or match.group("rest") is None:
        return len(text), {}
    spans: dict[str, tuple[int, int]] = {}
    description, _ = _strip_trailing_fields(match.group("rest"), {}, [], spans)
    start = match.start("rest")
    return start + len(description), {k: (start + a, start + b) for k, (a, b) in spans.items()}


RECURRENCE_RE = re.compile(
    r"every\s+(?:(?P<n>\d+)\s+)?(?P<unit>day|week|month|year)s?(?P<when_done>\s+when\s+done)?",
    re.IGNORECASE,
)


def _next_occurrence(text: str, task: Task, today: date) -> str | None:
    """The next instance of a recurring task (`every 2 weeks`), or None if it does not recur."""
    if not task.recurrence:
        return None
    rule = RECURRENCE_RE.fullmatch(task.recurrence.strip())
    if not rule:  # completing it without a next instance would silently end the series
        raise EditRefused(
            f"iiv cannot compute the next occurrence of a task repeating {task.recurrence!r}:"
            " complete it in Obsidian"
        )
    if _never_moves(task.recurrence):
        raise EditRefused(
            f"a task repeating {task.recurrence!r} would repeat on the same day:"
            " give its 🔁 rule a number above 0 first"
        )
    match = TASK_RE.match(text)
    assert match is not None
    fresh = _set_status(text, match, " ")
    dates = (("due", task.due), ("scheduled", task.scheduled), ("start", task.start))
    dated = {k: v for k, v in dates if v}
    if not dated:
        return fresh  # as in Tasks: the next instance of an undated task is undated too
    reference = next(iter(dated.values()))  # as in Tasks: due, else scheduled, else start
    anchor = today if rule.group("when_done") else reference
    try:
        step = _add(anchor, int(rule.group("n") or 1), rule.group("unit").lower()) - reference
        return _shift_dates(fresh, {k: v + step for k, v in dated.items()})
    except (OverflowError, ValueError):  # past year 9999, or more digits than int() reads
        raise EditRefused(
            f"the next occurrence of a task repeating {task.recurrence!r} is past the year 9999:"
            " complete it in Obsidian"
        ) from None


def _add(day: date, count: int, unit: str) -> date:
    if unit == "day":
        return day + timedelta(days=count)
    if unit == "week":
        return day + timedelta(weeks=count)
    months = count * (12 if unit == "year" else 1)
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


__all__ = ["DATE_RE", "Task", "complete_line", "is_task_line", "parse_task", "snooze_line"]
