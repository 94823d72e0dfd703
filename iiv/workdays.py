"""Business days: Monday to Friday, less the vault's holidays. Pure: no clock, no I/O.

The method counts a request's clock in business days (3 business days before trying the next
contact, 7 before the one nudge): a request sent on a Friday is not late on Monday. A *wait*
is counted in calendar days (`7`, `7 days`) or in business days (`7b`, `7 business days`).

"N business days after D" is the N-th business day after D, D itself not counted: 3 business
days after Friday 20 November 2026 is Wednesday 25 November; after Saturday 21 November it is
Wednesday too. Public holidays of a country come from the `holidays` library, loaded only
when a vault asks for them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property, lru_cache

MAX_WAIT = 36_500  # a hundred years, in either unit: more overflows the calendar
WAIT_RE = re.compile(
    r"(?P<count>\d{1,9})\s*(?:(?P<business>b|bd|business\s+days?)|d|days?)?", re.IGNORECASE
)
OFF_WORDS = ("off", "no", "false", "never")
SATURDAY = 5
ONE_DAY = timedelta(days=1)


class BadWait(ValueError):
    """Text that should be a wait is not one; the message says why."""


@dataclass(frozen=True)
class Wait:
    """A wait of `count` calendar days, or of `count` business days."""

    count: int
    business: bool = False

    def __str__(self) -> str:
        """As a setting writes it: `7` or `7b`."""
        return f"{self.count}b" if self.business else str(self.count)

    def describe(self) -> str:
        """In words: `1 day`, `7 days`, `1 business day`, `3 business days`."""
        unit = "business day" if self.business else "day"
        return f"{self.count} {unit}{'' if self.count == 1 else 's'}"


def parse_wait(value: object) -> Wait:
    """`7`, `"7 days"`, `"7d"` → 7 days; `"7b"`, `"7 business days"` → 7 business days.

    Raises BadWait for anything else, or for more than MAX_WAIT.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise BadWait(f"expected days (7) or business days (7b), got {value!r}")
    match = WAIT_RE.fullmatch(text)
    if match is None:
        raise BadWait(f"expected days (7) or business days (7b), got {value!r}")
    count = int(match.group("count"))
    if count > MAX_WAIT:
        raise BadWait(f"{text} is more than {MAX_WAIT} days")
    return Wait(count, business=match.group("business") is not None)


def is_off(value: object) -> bool:
    """Whether a setting's value turns a step off: `off` (which YAML reads as false), `no`."""
    if isinstance(value, bool):
        return not value
    return isinstance(value, str) and value.strip().lower() in OFF_WORDS


@dataclass(frozen=True)
class Workweek:
    """Which days are business days: Monday to Friday, less `holidays` and, when `country`
    is set (an ISO code such as `GB`, or `US-CA` for a subdivision), its public holidays."""

    holidays: frozenset[date] = frozenset()
    country: str | None = None

    def is_business_day(self, day: date) -> bool:
        return (
            day.weekday() < SATURDAY
            and day not in self.holidays
            and day not in _public_holidays(self.country, day.year)
        )

    def add(self, day: date, count: int) -> date:
        """The `count`-th business day after `day` (`day` itself for 0); held at date.max."""
        found = 0
        while found < count:
            if day == date.max:
                return day
            day += ONE_DAY
            if self.is_business_day(day):
                found += 1
        return day

    def after(self, day: date, wait: Wait) -> date:
        """`day` plus `wait`, counted in its unit; held at the calendar's ends."""
        if wait.business:
            return self.add(day, wait.count)
        try:
            return day + timedelta(days=wait.count)
        except OverflowError:
            return date.max

    def between(self, start: date, end: date) -> int:
        """How many business days fall after `start` and on or before `end` (0 if end <= start).

        Counted with arithmetic, so a span of years costs no more than a span of days.
        """
        if end <= start:
            return 0
        weekdays = _weekdays_upto(end) - _weekdays_upto(start)
        return weekdays - self._holidays_in(start, end)

    def _holidays_in(self, start: date, end: date) -> int:
        """Weekday holidays after `start` and on or before `end`, each counted once."""
        inside = self._sorted_holidays[
            bisect_right(self._sorted_holidays, start) : bisect_right(self._sorted_holidays, end)
        ]
        found = {day for day in inside if day.weekday() < SATURDAY}
        if self.country:
            for year in range(start.year, end.year + 1):
                found.update(
                    day
                    for day in _public_holidays(self.country, year)
                    if start < day <= end and day.weekday() < SATURDAY
                )
        return len(found)

    @cached_property
    def _sorted_holidays(self) -> list[date]:
        return sorted(self.holidays)


def _weekdays_upto(day: date) -> int:
    """Monday-to-Friday days from the calendar's first Monday up to and including `day`."""
    ordinal = day.toordinal() - 1  # 0 is Monday 1 January of year 1
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest + 1, 5)


def country_known(code: str) -> bool:
    """Whether the `holidays` library knows this country (`GB`) or subdivision (`US-CA`)."""
    country, _, subdivision = code.partition("-")
    try:
        import holidays
    except ImportError:  # pragma: no cover: a dependency
        return False
    supported = holidays.list_supported_countries()
    if country not in supported:
        return False
    return not subdivision or subdivision in supported[country]


@lru_cache(maxsize=512)
def _public_holidays(code: str | None, year: int) -> frozenset[date]:
    """A country's public holidays in one year: empty without a country, or where the library
    has no rules for that year."""
    if not code:
        return frozenset()
    import holidays

    country, _, subdivision = code.partition("-")
    try:
        found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    except (NotImplementedError, KeyError, ValueError, OverflowError):
        return frozenset()
    return frozenset(found)
