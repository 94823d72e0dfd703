"""A vault's settings: defaults, overridden by the optional `iiv.yaml` at the vault's root."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import cache
from pathlib import Path
from zoneinfo import available_timezones

import yaml

from iiv.problem import Problem

CONFIG_FILE = "iiv.yaml"
MAX_DAYS = 36_500  # a hundred years: more overflows the calendar
MAX_MINUTES = 24 * 60  # an interview in a calendar lasts at most a day


@dataclass(frozen=True)
class Config:
    thank_you_after: int = 1  # days after a done interview
    nudge_after: int = 7  # days after a request with no answer
    give_up_after: int = 7  # days after the nudge before suggesting `no-reply`
    prepare_before: int = 1  # days before a scheduled interview
    monthly_goal: int = 2  # interviews a month
    templates: str = "templates"
    people: str = "people"
    interviews: str = "interviews"
    interview_minutes: int = 60  # how long an interview with a time lasts in the calendar
    timezone: str | None = None  # an IANA name for interview times; None: the machine's


MINUTES = {"interview_minutes"}
NUMBERS = {f.name for f in fields(Config) if f.type == "int"} - MINUTES
FOLDERS = {f.name for f in fields(Config) if f.type == "str"}
ZONES = {"timezone"}


def parse_config(text: str) -> tuple[Config, list[Problem]]:
    """The text of iiv.yaml → settings, and a problem for each value that cannot be used."""
    try:
        data = yaml.safe_load(text)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError):
        # an explicit tag whose value does not fit it: `nudge_after: !!int soon`
        message = "invalid YAML: a value does not fit its !! tag; using defaults"
        return Config(), [Problem(CONFIG_FILE, None, message)]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        reason = getattr(error, "problem", None) or "invalid YAML"
        return Config(), [Problem(CONFIG_FILE, line, f"invalid YAML: {reason}; using defaults")]
    if data is None:
        return Config(), []
    if not isinstance(data, dict):
        return Config(), [Problem(CONFIG_FILE, 1, "expected settings as `key: value` lines")]
    config, problems = Config(), []
    for key, value in data.items():
        problem = _check(str(key), value)
        if problem:
            problems.append(Problem(CONFIG_FILE, _line_of(text, str(key)), problem))
        else:
            config = replace(config, **{str(key): value})
    return config, problems


def _check(key: str, value: object) -> str | None:
    if key in MINUTES:
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_MINUTES:
            return None
        return f"{key}: expected a number of minutes from 1 to {MAX_MINUTES}, got {value!r}"
    if key in ZONES:
        return None if isinstance(value, str) and is_time_zone(value) else _bad_zone(key, value)
    if key in NUMBERS:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return None if value <= MAX_DAYS else f"{key}: {value} is more than {MAX_DAYS} days"
        return f"{key}: expected a whole number (0 or more), got {value!r}"
    if key in FOLDERS:
        if isinstance(value, str) and value.strip() and ".." not in Path(value).parts:
            return None
        return f"{key}: expected a folder name inside the vault, got {value!r}"
    known = ", ".join(sorted(NUMBERS | FOLDERS | MINUTES | ZONES))
    return f"{key}: unknown setting (known: {known})"


def is_time_zone(name: str) -> bool:
    """An IANA time zone name this machine knows (`Europe/London`, `UTC`)."""
    return name in _time_zones()


@cache
def _time_zones() -> frozenset[str]:
    # The list, not ZoneInfo(name): that also opens folders and stray files of the zone database.
    return frozenset(available_timezones())


def _bad_zone(key: str, value: object) -> str:
    return f"{key}: {value!r} is not an IANA time zone name (like Europe/London or UTC)"


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"{key}:"):
            return number
    return None


def load_config(root: Path) -> tuple[Config, list[Problem]]:
    path = root / CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(), []
    except (OSError, UnicodeDecodeError) as error:
        return Config(), [Problem(CONFIG_FILE, None, f"cannot read: {error}; using defaults")]
    return parse_config(text)
