"""A vault's settings: defaults, overridden by the optional `iiv.yaml` at the vault's root (read
by `iiv.vault.load_config`; parsed here)."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, fields, replace
from datetime import date
from functools import cache, cached_property
from pathlib import PurePosixPath, PureWindowsPath
from zoneinfo import available_timezones

import yaml

from iiv.dates import BadDate, parse_date
from iiv.note import Kinds
from iiv.problem import Problem
from iiv.workdays import BadWait, Wait, Workweek, country_known, is_off, parse_wait

CONFIG_FILE = "iiv.yaml"
MAX_DAYS = 36_500  # a hundred years: more overflows the calendar
MAX_MINUTES = 24 * 60  # an interview in a calendar lasts at most a day


NUDGE = Wait(7, business=True)  # the method's 3B7: the nudge after 7 business days,
NEXT_CONTACT = Wait(3, business=True)  # the next contact at the company after 3
GIVE_UP = Wait(7)
REPORT_BACK = Wait(2)
MAX_HOLIDAYS = 1000
MAX_ME = 200  # characters of `me:`
# The full-text engines (`iiv.search.ENGINES` has the same names), with the package each needs
# beyond iiv's own dependencies: tantivy comes with the `fast` extra.
SEARCH_ENGINES: dict[str, str | None] = {"whoosh": None, "whoosh-stock": None, "tantivy": "tantivy"}
EXTRA = {"tantivy": "fast"}  # pip install "iiv[fast]"


@dataclass(frozen=True)
class Config:
    thank_you_after: int = 1  # days after a done interview
    nudge_after: Wait = NUDGE  # after a request with no answer: the one nudge
    next_contact_after: Wait | None = NEXT_CONTACT  # try the next contact there; None: off
    give_up_after: Wait = GIVE_UP  # after the nudge, before suggesting `no-reply`
    report_back_after: Wait | None = REPORT_BACK  # after a conversation, tell who introduced you
    prepare_before: int = 1  # days before a scheduled interview
    monthly_goal: int = 2  # interviews a month
    holidays: frozenset[date] = frozenset()  # days that are not business days
    public_holidays: str | None = None  # a country's (`GB`, `US-CA`), from the `holidays` library
    me: str | None = None  # your name, for message drafts
    templates: str = "templates"  # "": none (a setting outside the vault): the built-in ones
    people: str = "people"
    interviews: str = "interviews"
    companies: str = "companies"
    interview_minutes: int = 60  # how long an interview with a time lasts in the calendar
    timezone: str | None = None  # an IANA name for interview times; None: the machine's
    # kepano's layout: notes whose `categories` hold one of these are people or interviews
    person_categories: tuple[str, ...] = ("People",)
    interview_categories: tuple[str, ...] = ("Meetings",)
    search_engine: str = "whoosh"  # one of SEARCH_ENGINES, installed

    @property
    def kinds(self) -> Kinds:
        return Kinds(self.person_categories, self.interview_categories)

    @cached_property
    def workweek(self) -> Workweek:
        """Which days count as business days for this vault."""
        return Workweek(self.holidays, self.public_holidays)


MINUTES = {"interview_minutes"}
NUMBERS = {f.name for f in fields(Config) if f.type == "int"} - MINUTES
FOLDERS = {f.name for f in fields(Config) if f.type == "str"} - {"search_engine"}
WAITS = {f.name for f in fields(Config) if f.type in ("Wait", "Wait | None")}
OPTIONAL_WAITS = {f.name for f in fields(Config) if f.type == "Wait | None"}
NAMES = {f.name for f in fields(Config) if f.type == "tuple[str, ...]"}
TEXTS = {"me"}
ZONES = {"timezone"}
KNOWN = NUMBERS | FOLDERS | NAMES | WAITS | TEXTS | MINUTES | ZONES
KNOWN |= {"holidays", "public_holidays", "search_engine"}


class _Loader(yaml.SafeLoader):
    """YAML as settings are written: dates stay text, so `2026-02-30` is one bad value that
    is reported, not an error that loses every setting."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_config(text: str) -> tuple[Config, list[Problem]]:
    """The text of iiv.yaml → settings, and a problem for each value that cannot be used."""
    config, problems = _parse_config(text)
    return config, [replace(problem, code="settings") for problem in problems]


def _parse_config(text: str) -> tuple[Config, list[Problem]]:
    try:
        data = yaml.load(text, Loader=_Loader)
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
        if key == "holidays":
            found, bad = _holidays(value)
            config = replace(config, holidays=found)
            problems += [Problem(CONFIG_FILE, _line_of_item(text, key, b), m) for b, m in bad]
            continue
        problem = _check(str(key), value)
        if problem:
            problems.append(Problem(CONFIG_FILE, _line_of(text, str(key)), problem))
            if str(key) == "templates" and _outside(value):
                config = replace(config, templates="")
        else:
            config = replace(config, **{str(key): _setting(str(key), value)})  # type: ignore[arg-type]
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
        if _outside(value):
            instead = "the built-in templates" if key == "templates" else key
            return f"{key}: {value} is outside the vault; using {instead}"
        if isinstance(value, str) and value.strip():
            return None
        return f"{key}: expected a folder name inside the vault, got {value!r}"
    if key in NAMES:
        if _names(value):
            return None
        return f"{key}: expected a name or a list of names, got {value!r}"
    if key in WAITS:
        return _check_wait(key, value)
    if key in TEXTS:
        if isinstance(value, str) and value.strip() and len(value) <= MAX_ME:
            return None
        return f"{key}: expected your name as text (at most {MAX_ME} characters), got {value!r}"
    if key == "public_holidays":
        if isinstance(value, str) and country_known(value.strip()):
            return None
        known = "a country code the holidays library knows (GB, US-CA)"
        return f"{key}: expected {known}, got {value!r}"
    if key == "search_engine":
        problem = engine_problem(value.strip() if isinstance(value, str) else repr(value))
        return f"{key}: {problem}; searching with {Config.search_engine}" if problem else None
    known = ", ".join(sorted(KNOWN))
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


def _check_wait(key: str, value: object) -> str | None:
    if key in OPTIONAL_WAITS and is_off(value):
        return None
    try:
        parse_wait(value)
    except BadWait as error:
        if key in OPTIONAL_WAITS and str(error).startswith("expected"):
            return f"{key}: expected days (7), business days (7b) or off, got {value!r}"
        return f"{key}: {error}"
    return None


def _outside(value: object) -> bool:
    """A folder setting that leaves the vault: absolute (`/x`, `~/x`, `C:\\x`) or with `..`."""
    if not isinstance(value, str) or not value.strip():
        return False
    text = value.strip()
    windows = PureWindowsPath(text)
    return (
        text.startswith(("/", "~", "\\"))
        or bool(windows.drive)
        or ".." in PurePosixPath(text.replace("\\", "/")).parts
    )


def _names(value: object) -> tuple[str, ...]:
    """A name or a list of names (each may be written as a link: `"[[People]]"`)."""
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    if not items or not all(isinstance(item, str) and item.strip("[] ") for item in items):
        return ()
    return tuple(str(item).strip().removeprefix("[[").removesuffix("]]") for item in items)


def _setting(key: str, value: object) -> object:
    if key in NAMES:
        return _names(value)
    if key in FOLDERS:
        return str(value).strip().strip("/")
    if key in WAITS:
        return None if key in OPTIONAL_WAITS and is_off(value) else parse_wait(value)
    if key in TEXTS or key in ("public_holidays", "search_engine"):
        return str(value).strip()
    return value


def engine_problem(name: str) -> str | None:
    """Why the full-text engine `name` cannot be used here (unknown, or its package is not
    installed), or None."""
    if name not in SEARCH_ENGINES:
        known = ", ".join(SEARCH_ENGINES)
        return f"unknown search engine {name!r}; choose one of: {known}"
    package = SEARCH_ENGINES[name]
    if package is None or _installed(package):
        return None
    return f'{name} needs the {package} package: pip install "iiv[{EXTRA[name]}]"'


def _installed(package: str) -> bool:
    """Whether `package` can be imported, without importing it."""
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def _holidays(value: object) -> tuple[frozenset[date], list[tuple[str, str]]]:
    """The dates of a `holidays:` list, and (bad item, message) for each item that is not one."""
    if value is None:
        return frozenset(), []
    items = value if isinstance(value, list) else [value]
    found: set[date] = set()
    bad: list[tuple[str, str]] = []
    for item in items[:MAX_HOLIDAYS]:
        try:
            found.add(parse_date(item if isinstance(item, str) else ""))
        except BadDate as error:
            message = str(error) if isinstance(item, str) else f"expected a date, got {item!r}"
            bad.append((str(item), f"holidays: {message}"))
    if len(items) > MAX_HOLIDAYS:
        bad.append(("", f"holidays: more than {MAX_HOLIDAYS} dates; the rest are ignored"))
    return frozenset(found), bad


def _line_of_item(text: str, key: str, item: str) -> int | None:
    """The line of `item` in the list under `key`, else the key's line."""
    start = _line_of(text, key)
    if start is None or not item:
        return start
    for number, line in enumerate(text.splitlines()[start - 1 :], start):
        if item in line and (number == start or line.lstrip().startswith("-")):
            return number
    return start


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"{key}:"):
            return number
    return None
