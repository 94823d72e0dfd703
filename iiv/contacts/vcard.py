"""vCard files (2.1, 3.0 and 4.0) in and out, with vobject doing the parsing and the writing.

A file is cut into cards by their BEGIN:VCARD and END:VCARD lines first, so that a card vobject
cannot read is reported with its line and the cards after it are still read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import vobject
from vobject.base import Component, ContentLine

from iiv.contacts.contact import (
    Contact,
    ContactFile,
    Unreadable,
    birthday,
    clean,
    is_web_address,
    linkedin_key,
    notes,
    phone_number,
    tag,
)
from iiv.errors import BadFile
from iiv.note import Note

BEGIN, END = "BEGIN:VCARD", "END:VCARD"


@dataclass
class _Card:
    line: int
    lines: list[str] = field(default_factory=list)
    depth: int = 1


def read_vcards(text: str, name: str = "the file") -> ContactFile:
    """Every card in a vCard file as a contact; each card that cannot be read, with its line."""
    contacts: list[Contact] = []
    unreadable: list[Unreadable] = []
    cards = list(_cards(text, unreadable))
    if not cards:
        raise BadFile(f"{name}: no vCard found (a vCard starts with {BEGIN})")
    for card in cards:
        found = _read_card(card)
        if isinstance(found, Contact):
            contacts.append(found)
        else:
            unreadable.append(found)
    return ContactFile(tuple(contacts), tuple(sorted(unreadable, key=lambda u: u.line)))


def _cards(text: str, unreadable: list[Unreadable]) -> Iterator[_Card]:
    card: _Card | None = None
    stray: int | None = None  # the first line of text found outside any card
    for number, line in enumerate(text.splitlines(), 1):
        word = line.strip().upper()
        if card is None:
            if word == BEGIN:
                card = _Card(number)
            elif line.strip() and stray is None:
                stray = number
                unreadable.append(Unreadable(number, f"text outside a vCard ({BEGIN} … {END})"))
            continue
        card.lines.append(line)
        card.depth += (word == BEGIN) - (word == END)  # a 2.1 AGENT holds a card of its own
        if card.depth == 0:
            yield card
            card, stray = None, None
    if card is not None:
        unreadable.append(Unreadable(card.line, f"vCard never closed with {END}"))


def _read_card(card: _Card) -> Contact | Unreadable:
    text = "\n".join([BEGIN, *card.lines]) + "\n"
    try:
        parsed = vobject.readOne(text, allowQP=True)
        return _contact(parsed, card.line)
    except Exception as error:  # vobject raises many kinds; the card is reported, never fatal
        return Unreadable(_error_line(error, card.line), f"unreadable vCard: {_reason(error)}")


def _error_line(error: Exception, first: int) -> int:
    line = getattr(error, "lineNumber", None)
    return first + int(line) - 1 if isinstance(line, int) else first


def _reason(error: Exception) -> str:
    message = getattr(error, "msg", None) or str(error) or type(error).__name__
    return " ".join(str(message).split())[:200]


def _contact(card: Component, line: int) -> Contact | Unreadable:
    warnings: list[str] = []
    name = clean(_name(card), "FN", warnings)
    if not name:
        return Unreadable(line, "vCard without a name (no FN, N, NICKNAME or EMAIL)")
    urls = _values(card, "url") + _values(card, "x-socialprofile")
    linkedin = next((url for url in urls if linkedin_key(url)), None)
    company, department = _organisation(card)
    return Contact(
        line=line,
        name=name,
        aliases=tuple(_nicknames(card)),
        emails=tuple(_preferred_first(card, "email")),
        phones=tuple(phone_number(tel) for tel in _preferred_first(card, "tel")),
        linkedin=clean(linkedin, "URL", warnings),
        urls=tuple(u for u in urls if not linkedin_key(u) and is_web_address(u)),
        company=clean(company, "ORG", warnings),
        department=clean(department, "ORG", warnings),
        role=clean(_first(card, "title"), "TITLE", warnings),
        location=clean(_city(card), "ADR", warnings),
        tags=tuple(_categories(card)),
        birthday=_birthday(card, warnings),
        notes=_notes(card),
        warnings=tuple(warnings),
    )


def _lines(card: Component, key: str) -> list[ContentLine]:
    found: list[ContentLine] = card.contents.get(key, [])
    return found


def _values(card: Component, key: str) -> list[str]:
    return [text for item in _lines(card, key) if (text := _text(item.value))]


def _first(card: Component, key: str) -> str | None:
    values = _values(card, key)
    return values[0] if values else None


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(part) for part in value).strip()
    return str(value).strip() if isinstance(value, str) else ""


def _name(card: Component) -> str | None:
    full = _first(card, "fn")
    if full:
        return full
    for item in _lines(card, "n"):
        value = item.value
        parts = [value.given, value.additional, value.family] if hasattr(value, "given") else []
        joined = " ".join(_text(part) for part in parts if _text(part))
        if joined:
            return joined
    return next(iter(_nicknames(card)), None) or _first(card, "email")


def _nicknames(card: Component) -> list[str]:
    names = [part.strip() for value in _values(card, "nickname") for part in value.split(",")]
    return [name for name in names if name]


def _preferred_first(card: Component, key: str) -> list[str]:
    items = [item for item in _lines(card, key) if _text(item.value)]
    items.sort(key=lambda item: not _is_preferred(item))  # stable: the file's order otherwise
    seen: dict[str, str] = {}
    for item in items:
        value = " ".join(_text(item.value).split())
        seen.setdefault(value.casefold(), value)
    return list(seen.values())


def _is_preferred(item: ContentLine) -> bool:
    types = [t.lower() for t in item.params.get("TYPE", [])]
    singles = [s.lower() for s in item.singletonparams]
    return "pref" in types or "pref" in singles or item.params.get("PREF", ["0"])[0] == "1"


def _organisation(card: Component) -> tuple[str | None, str | None]:
    for item in _lines(card, "org"):
        value = item.value
        units = [part.strip() for part in value] if isinstance(value, list) else [str(value)]
        units = [unit for unit in units if unit]
        if units:
            return units[0], ", ".join(units[1:]) or None
    return None, None


def _city(card: Component) -> str | None:
    for item in _lines(card, "adr"):
        city = _text(getattr(item.value, "city", ""))
        if city:
            return city
    return None


def _categories(card: Component) -> list[str]:
    tags: list[str] = []
    for item in _lines(card, "categories"):
        value = item.value
        for part in value if isinstance(value, list) else str(value).split(","):
            text = tag(str(part))
            if text and text not in tags:
                tags.append(text)
    return tags


def _birthday(card: Component, warnings: list[str]) -> str | None:
    for item in _lines(card, "bday"):
        text = _text(item.value)
        omit = item.params.get("X-APPLE-OMIT-YEAR", [None])[0]
        day = birthday(text, omit)
        if day is None and text:
            warnings.append(f"BDAY {text[:40]!r} is not a date: left out")
        return day
    return None


def _notes(card: Component) -> str:
    return notes("\n\n".join(_text(item.value) for item in _lines(card, "note")))


# Out: vCard 3.0, what Google's and Apple's contacts apps read best.


def write_vcards(people: list[Note]) -> str:
    """Every person as a vCard 3.0 card (their note's body stays in the vault)."""
    return "".join(_card(person).serialize() for person in people)


def _card(person: Note) -> Component:
    card = vobject.vCard()
    card.add("uid").value = hashlib.sha256(person.path.encode("utf-8")).hexdigest()[:32] + "@iiv"
    name = " ".join(person.title.split())
    card.add("fn").value = name
    given, _, family = name.rpartition(" ")  # a guess, which N needs: FN is what apps show
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    for key, value in _exported(person):
        _add(card, key, value)
    return card


def _exported(person: Note) -> Iterator[tuple[str, Any]]:
    meta = person.meta
    yield from (("nickname", alias) for alias in person.aliases)
    for key, single, extra in (
        ("email", "email", "other_emails"),
        ("tel", "phone", "other_phones"),
    ):
        yield from ((key, value) for value in (*_list(meta.get(single)), *_list(meta.get(extra))))
    if person.company:
        yield (
            "org",
            [person.company, *([meta["department"]] if _text(meta.get("department")) else [])],
        )
    if person.role:
        yield "title", person.role
    urls = [person.linkedin, *_list(meta.get("urls"))]
    yield from (("url", url) for url in urls if url)
    if person.location:
        yield "adr", vobject.vcard.Address(city=person.location)
    if person.tags:
        yield "categories", list(person.tags)
    day = birthday(_text(meta.get("birthday"))) if _text(meta.get("birthday")) else None
    if day:
        yield "bday", day


def _add(card: Component, key: str, value: Any) -> None:
    line = card.add(key)
    line.value = value
    if key == "email":
        line.type_param = "INTERNET"


def _list(value: object) -> list[str]:
    if isinstance(value, list):
        return [text for item in value if (text := _text(item))]
    text = _text(value)
    return [text] if text else []
