"""LinkedIn's `Connections.csv`: a "Notes:" preamble, then
`First Name,Last Name,URL,Email Address,Company,Position,Connected On` (older exports lack URL,
Position and Connected On). Most e-mails are empty; some members' names are blank."""

from __future__ import annotations

import re
from datetime import date

from iiv.contacts.contact import Contact, ContactFile, Unreadable, clean, linkedin_key
from iiv.contacts.csvfile import Row, contact_file

SOURCE = "LinkedIn"
MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
DAY_MONTH_YEAR_RE = re.compile(r"(\d{1,2})[ -]([A-Za-z]{3})[a-z]*[ -](\d{2}|\d{4})")
ISO_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
US_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})")


def read_linkedin(text: str, name: str = "the file") -> ContactFile:
    expected = (
        f"{name}: no LinkedIn header (First Name,Last Name,...) in its first lines: "
        "is it the Connections.csv of LinkedIn's data export?"
    )
    return contact_file(text, _is_header, expected, _contact)


def _is_header(names: list[str]) -> bool:
    known = {"URL", "Email Address", "Company", "Position", "Connected On"}
    return "First Name" in names and "Last Name" in names and bool(known & set(names))


def _contact(row: Row) -> Contact | Unreadable:
    values = row.values
    warnings: list[str] = []
    full = f"{values.get('First Name', '')} {values.get('Last Name', '')}"
    name = clean(full, "name", warnings)
    if not name:
        return Unreadable(row.line, "no name (LinkedIn leaves some members' names blank)")
    url = clean(values.get("URL"), "URL", warnings)
    if url and not linkedin_key(url):
        warnings.append(f"URL {url[:60]!r} is not a LinkedIn profile: left out")
        url = None
    email = clean(values.get("Email Address"), "Email Address", warnings)
    return Contact(
        line=row.line,
        name=name,
        emails=(email,) if email else (),
        linkedin=url,
        company=clean(values.get("Company"), "Company", warnings),
        role=clean(values.get("Position"), "Position", warnings),
        connected_on=_connected_on(values.get("Connected On", ""), warnings),
        source=SOURCE,
        warnings=tuple(warnings),
    )


def _connected_on(text: str, warnings: list[str]) -> str | None:
    text = text.strip()
    if not text:
        return None
    day = connected_date(text)
    if day is None:
        warnings.append(f"Connected On {text[:40]!r} is not a date: left out")
        return None
    return day.isoformat()


def connected_date(text: str) -> date | None:
    """`12 Mar 2024` (LinkedIn's), `12-Mar-24`, `2024-03-12` or `3/12/24` (older, US order)."""
    numbers = _date_parts(text.strip())
    if numbers is None:
        return None
    year, month, day = numbers
    try:
        return date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        return None


def _date_parts(text: str) -> tuple[int, int, int] | None:
    if match := DAY_MONTH_YEAR_RE.fullmatch(text):
        month = MONTHS.get(match.group(2).lower())
        return (int(match.group(3)), month, int(match.group(1))) if month else None
    if match := ISO_RE.fullmatch(text):
        return int(match.group(1)), int(match.group(2)), int(match.group(3))
    if match := US_RE.fullmatch(text):
        return int(match.group(3)), int(match.group(1)), int(match.group(2))
    return None
