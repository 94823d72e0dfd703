"""A contact read from an address book or an export, before it is matched with the vault.

Pure: the readers (`vcard`, `linkedin`, `google`) build `Contact`s from text; this module says
how a contact's fields become a person note's properties, and how values are compared.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from urllib.parse import unquote, urlsplit

from iiv.errors import BadFile
from iiv.patch import PropertyValue

MAX_VALUE = 1000  # characters in one property: more is not a name, a company or an address
MAX_NOTES = 100_000  # characters of a contact's notes, which become the note's body
TAG_SPACES_RE = re.compile(r"\s+")
BIRTHDAY_RE = re.compile(r"(?:(\d{4})|--)-?(\d{2})-?(\d{2})")
LINKEDIN_HOST_RE = re.compile(r"(?:[a-z0-9-]+\.)*linkedin\.com")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # all but tab and the line breaks


@dataclass(frozen=True)
class Contact:
    line: int  # where it starts in its file
    name: str
    aliases: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()  # the preferred one first
    phones: tuple[str, ...] = ()
    linkedin: str | None = None
    urls: tuple[str, ...] = ()  # other web addresses
    company: str | None = None
    department: str | None = None
    role: str | None = None
    location: str | None = None
    tags: tuple[str, ...] = ()
    birthday: str | None = None  # `1990-04-14`, or `--04-14` without a year
    connected_on: str | None = None  # `2024-03-12`
    source: str | None = None
    notes: str = ""  # becomes the body of a new note
    warnings: tuple[str, ...] = ()  # fields that could not be read: left out

    def properties(self) -> dict[str, PropertyValue]:
        """The person note's properties, in the order a new note lists them; empty ones left out."""
        values: dict[str, PropertyValue | None] = {
            "aliases": list(self.aliases),
            "company": self.company,
            "department": self.department,
            "role": self.role,
            "email": self.emails[0] if self.emails else None,
            "other_emails": list(self.emails[1:]),
            "phone": self.phones[0] if self.phones else None,
            "other_phones": list(self.phones[1:]),
            "linkedin": self.linkedin,
            "urls": list(self.urls),
            "location": self.location,
            "tags": list(self.tags),
            "birthday": self.birthday,
            "connected_on": self.connected_on,
            "source": self.source,
        }
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class Unreadable:
    line: int
    message: str


@dataclass(frozen=True)
class ContactFile:
    """What a reader found in one file: the contacts, and what it could not read."""

    contacts: tuple[Contact, ...]
    unreadable: tuple[Unreadable, ...] = ()


def decode(data: bytes, name: str) -> tuple[str, list[Unreadable]]:
    """A file's text: UTF-8 (a BOM allowed) or UTF-16 with its BOM; else one clear line."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError:
            raise BadFile(f"{name}: not valid UTF-16 text") from None
    if b"\x00" in data:
        raise BadFile(f"{name}: a binary file, not text")
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), []
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    message = "not valid UTF-8 (saved in another encoding?): unreadable bytes are shown as �"
    return text, [Unreadable(line, message)]


def one_line(value: str | None) -> str:
    """A value for a one-line property: whitespace (line breaks too) as single spaces, no
    control characters, and Unicode's composed form (a name typed on a Mac may come
    decomposed: `e` and `´`)."""
    text = CONTROL_RE.sub("", " ".join((value or "").split()))
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def notes(text: str) -> str:
    """A contact's notes as a note's body: composed Unicode, `\n` line breaks, no control
    characters (which no editor shows, and NUL makes a file look binary), bounded."""
    lines = unicodedata.normalize("NFC", text).splitlines()
    kept = "\n".join(CONTROL_RE.sub("", line) for line in lines)
    return kept.strip()[:MAX_NOTES]


def phone_number(text: str) -> str:
    """A vCard 4.0 `tel:` URI as the number it holds (`tel:+1-555-0100;ext=7` is
    `+1-555-0100 ext. 7`); any other text as it is."""
    if text[:4].lower() != "tel:":
        return text
    number, _, params = unquote(text[4:]).partition(";")
    extension = next((p[4:] for p in params.split(";") if p.lower().startswith("ext=")), "")
    return f"{number} ext. {extension}" if extension else number


def clean(value: str | None, what: str, warnings: list[str]) -> str | None:
    """A one-line value, or None with a warning when it is too long to be what it claims."""
    text = one_line(value)
    if len(text) > MAX_VALUE:
        warnings.append(f"{what}: longer than {MAX_VALUE} characters: left out")
        return None
    return text or None


def tag(text: str) -> str:
    """A group or category as an Obsidian tag: no `#`, spaces as hyphens."""
    return TAG_SPACES_RE.sub("-", text.strip()).lstrip("#")


def birthday(text: str, omit_year: str | None = None) -> str | None:
    """`1990-04-14`, `19900414`, `--0414`, `--04-14`, Apple's year-less `1604-04-14` (with
    X-APPLE-OMIT-YEAR=1604) → `1990-04-14` or `--04-14`; None when it is not a date."""
    match = BIRTHDAY_RE.fullmatch(text.strip().split("T")[0])
    if not match:
        return None
    year, month, day = match.groups()
    if year and year == omit_year:
        year = None
    try:
        date(int(year or 2000), int(month), int(day))  # 2000: a leap year, for --02-29
    except ValueError:
        return None
    return f"{year}-{month}-{day}" if year else f"--{month}-{day}"


def linkedin_key(url: str | None) -> str | None:
    """A LinkedIn profile URL reduced to what identifies it: `linkedin.com/in/ada-lovelace`,
    whatever its scheme, `www.` or country subdomain, case, escapes, query or final slash."""
    if not url:
        return None
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not LINKEDIN_HOST_RE.fullmatch(host):
        return None
    path = unquote(parts.path).rstrip("/").casefold()
    return f"linkedin.com{path}" if path else None


def is_web_address(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def phone_key(phone: str) -> str:
    """A phone number as compared: its digits, and a leading + ("+44 161 496" is "+44161496")."""
    digits = "".join(char for char in phone if char.isdigit())
    return ("+" if phone.strip().startswith("+") else "") + digits
