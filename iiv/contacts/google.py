"""Google Contacts' CSV export, in its current layout (`First Name, Middle Name, Last Name, …,
Organization Name, Organization Title, …, Labels, E-mail 1 - Label, E-mail 1 - Value, …`) and
its older one (`Name, Given Name, Family Name, …, Group Membership, E-mail 1 - Type,
E-mail 1 - Value, …, Organization 1 - Name, Organization 1 - Title`).

A cell may hold several values separated by ` ::: `; groups such as `* myContacts` are Google's
own and are not made tags.
"""

from __future__ import annotations

import re

from iiv.contacts.contact import (
    Contact,
    ContactFile,
    Unreadable,
    birthday,
    clean,
    is_web_address,
    linkedin_key,
    notes,
    tag,
)
from iiv.contacts.csvfile import Row, contact_file

SEPARATOR = " ::: "
NUMBERED_RE = re.compile(r"(E-mail|Phone|Website|Address|Organization) (\d+) - (.+)")
NAME_COLUMNS = (
    ("First Name", "Middle Name", "Last Name"),
    ("Given Name", "Additional Name", "Family Name"),
)


def read_google(text: str, name: str = "the file") -> ContactFile:
    expected = (
        f"{name}: no Google Contacts header (First Name, ..., E-mail 1 - Value or Name, "
        "Given Name, ...) in its first lines: is it a Google CSV export?"
    )
    return contact_file(text, _is_header, expected, _contact)


def _is_header(names: list[str]) -> bool:
    current = "First Name" in names and ("Organization Name" in names or "Labels" in names)
    older = "Given Name" in names and "Group Membership" in names
    return current or older or "E-mail 1 - Value" in names


def _contact(row: Row) -> Contact | Unreadable:
    values = row.values
    warnings: list[str] = []
    name = clean(_name(values), "name", warnings)
    emails = _numbered(values, "E-mail", "Value")
    if not name:
        name = emails[0] if emails else None
    if not name:
        return Unreadable(row.line, "no name and no e-mail")
    urls = _numbered(values, "Website", "Value")
    return Contact(
        line=row.line,
        name=name,
        aliases=tuple(_split(values.get("Nickname", ""))),
        emails=tuple(emails),
        phones=tuple(_numbered(values, "Phone", "Value")),
        linkedin=next((url for url in urls if linkedin_key(url)), None),
        urls=tuple(url for url in urls if not linkedin_key(url) and is_web_address(url)),
        company=clean(_organisation(values, "Name"), "Organization Name", warnings),
        department=clean(_organisation(values, "Department"), "Department", warnings),
        role=clean(_organisation(values, "Title"), "Organization Title", warnings),
        location=clean(next(iter(_numbered(values, "Address", "City")), None), "City", warnings),
        tags=tuple(_groups(values)),
        birthday=_birthday(values.get("Birthday", ""), warnings),
        notes=notes(values.get("Notes", "")),
        warnings=tuple(warnings),
    )


def _name(values: dict[str, str]) -> str:
    for columns in NAME_COLUMNS:
        joined = " ".join(values.get(column, "").strip() for column in columns)
        if joined.strip():
            return joined
    return values.get("Name", "") or values.get("File As", "")


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(SEPARATOR) if part.strip()]


def _numbered(values: dict[str, str], what: str, part: str) -> list[str]:
    """Every value of `E-mail 1 - Value`, `E-mail 2 - Value`, ... in order, without repeats."""
    found: list[str] = []
    for column in sorted(values, key=_column_order):
        match = NUMBERED_RE.fullmatch(column)
        if match and match.group(1) == what and match.group(3) == part:
            found += [
                v for v in _split(values[column]) if v.casefold() not in map(str.casefold, found)
            ]
    return found


def _column_order(column: str) -> tuple[int, str]:
    match = NUMBERED_RE.fullmatch(column)
    return (int(match.group(2)), column) if match else (0, column)


def _organisation(values: dict[str, str], part: str) -> str | None:
    current = {"Name": "Organization Name", "Title": "Organization Title"}.get(part)
    cell = values.get(current or f"Organization {part}", "")
    found = _split(cell) or _numbered(values, "Organization", part)
    return found[0] if found else None


def _groups(values: dict[str, str]) -> list[str]:
    cell = values.get("Labels") or values.get("Group Membership") or ""
    return [tag(group) for group in _split(cell) if not group.startswith("*")]


def _birthday(text: str, warnings: list[str]) -> str | None:
    if not text.strip():
        return None
    day = birthday(text)
    if day is None:
        warnings.append(f"Birthday {text.strip()[:40]!r} is not a date: left out")
    return day
