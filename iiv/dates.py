"""Dates as notes write them: `YYYY-MM-DD`, optionally with a time."""

from __future__ import annotations

import re
from datetime import date

DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
DATETIME_RE = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})(?:[T ](?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2})?)?"
)


class BadDate(ValueError):
    """Text that should be a date is not one; the message says why."""


def parse_date(text: str) -> date:
    """`2026-11-21` (surrounding spaces allowed) → date; anything else raises BadDate."""
    match = DATE_RE.fullmatch(text.strip())
    if not match:
        raise BadDate(f"expected a date like 2026-11-21, got {text!r}")
    return _real_date(*match.groups(), text=text)


def parse_datetime(text: str) -> tuple[date, str | None]:
    """`2026-12-03`, `2026-12-03 15:30`, `2026-12-03T15:30:00` → (date, "15:30" or None)."""
    match = DATETIME_RE.fullmatch(text.strip())
    if not match:
        raise BadDate(f"expected a date like 2026-11-21 or 2026-11-21 14:30, got {text!r}")
    day = _real_date(*match.group("date").split("-"), text=text)
    if match.group("h") is None:
        return day, None
    hour, minute = int(match.group("h")), int(match.group("m"))
    if hour > 23 or minute > 59:
        raise BadDate(f"{text.strip()!r} is not a real time")
    return day, f"{hour:02d}:{minute:02d}"


def _real_date(year: str, month: str, day: str, *, text: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise BadDate(f"{text.strip()} is not a real date") from None
