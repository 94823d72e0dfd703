"""What an import would do: each contact matched with the vault's people, as a table of rows.

Pure: a vault snapshot and the contacts read from a file in, a `Plan` out. A person is matched
by LinkedIn profile, then by e-mail, then by name or alias; a match only gains the properties it
lacks, and where the file disagrees with the vault the vault's value is kept and the row says so.
Contacts that match no one become new notes, with file names no other note has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePosixPath

from iiv.config import Config
from iiv.contacts.contact import Contact, ContactFile, linkedin_key, phone_key
from iiv.errors import BadArgument
from iiv.links import fold, loose_fold
from iiv.note import Note
from iiv.patch import PropertyValue
from iiv.snapshot import Vault
from iiv.template import unique_file_name

ACTIONS = ("create", "update", "duplicate", "unreadable")
NEVER_DISAGREE = ("source",)  # how you found someone: the vault's own story, never a conflict
Values = tuple[tuple[str, PropertyValue], ...]


@dataclass(frozen=True)
class Row:
    """One contact (or one unreadable part of the file) and what the import does with it."""

    file: str
    line: int
    name: str
    action: str  # one of ACTIONS
    path: str | None = None  # the note created, updated or matched
    adds: tuple[str, ...] = ()  # the properties it writes
    notes: tuple[str, ...] = ()  # disagreements kept, fields left out, why it was unreadable


@dataclass(frozen=True)
class NewPerson:
    path: str
    name: str
    values: Values
    body: str


@dataclass(frozen=True)
class Addition:
    """Properties a person note lacks, to add to the file as it was read (its hash)."""

    path: str
    digest: str
    values: Values


@dataclass(frozen=True)
class Plan:
    rows: tuple[Row, ...]
    new: tuple[NewPerson, ...] = ()
    additions: tuple[Addition, ...] = ()

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def writes(self) -> int:
        """How many notes --apply would create or change."""
        return len(self.new) + len(self.additions)


@dataclass
class _Person:
    """A match target: a person note of the vault, or one this import creates."""

    path: str
    name: str
    values: dict[str, PropertyValue]
    digest: str | None = None  # None: created by this import
    origin: str = ""  # for one created by this import: where its contact is, `FILE:LINE`
    adds: dict[str, PropertyValue] = field(default_factory=dict)
    body: str = ""


def plan_import(vault: Vault, files: Sequence[tuple[str, ContactFile]]) -> Plan:
    """What importing these files (name, contacts) would do, rows in file and line order."""
    people = [_from_note(note) for note in vault.people]
    matcher = _Matcher(people)
    taken = {fold(PurePosixPath(path).stem) for path in vault.notes}
    rows: list[Row] = []
    created: list[_Person] = []
    for name, found in files:
        file_rows = [
            Row(name, u.line, "", "unreadable", notes=(u.message,)) for u in found.unreadable
        ]
        for contact in found.contacts:
            row, new = _plan_one(name, contact, matcher, vault.config, taken)
            file_rows.append(row)
            if new is not None:
                created.append(new)
                matcher.add(new)
                taken.add(fold(PurePosixPath(new.path).stem))
        rows += sorted(file_rows, key=lambda row: row.line)
    return Plan(
        rows=tuple(rows),
        new=tuple(NewPerson(p.path, p.name, tuple(p.values.items()), p.body) for p in created),
        additions=tuple(
            Addition(p.path, p.digest, tuple(p.adds.items())) for p in people if p.adds and p.digest
        ),
    )


def _plan_one(
    file: str, contact: Contact, matcher: _Matcher, config: Config, taken: set[str]
) -> tuple[Row, _Person | None]:
    row = partial(Row, file, contact.line, contact.name)
    warnings = contact.warnings
    matches = matcher.find(contact)
    if len(matches) > 1:
        paths = ", ".join(p.path for p in matches)
        note = f"matches {len(matches)} people in the vault ({paths}): nothing changed"
        return row("duplicate", notes=(note, *warnings)), None
    if not matches:
        try:
            stem = unique_file_name(contact.name, taken)
        except BadArgument as error:
            return row("unreadable", notes=(str(error),)), None
        path = f"{config.people}/{stem}.md"
        values = contact.properties()
        new = _Person(
            path, contact.name, values, origin=f"{file}:{contact.line}", body=contact.notes
        )
        return row("create", path, tuple(values), warnings), new
    person = matches[0]
    adds, disagreements = _merge(person, contact)
    notes = (*disagreements, *warnings)
    if person.digest is None:
        return row(
            "duplicate", person.path, adds, (f"same person as {person.origin}", *notes)
        ), None
    return row("update" if adds else "duplicate", person.path, adds, notes), None


def _from_note(note: Note) -> _Person:
    values: dict[str, PropertyValue] = {}
    for key, value in note.meta.items():
        if isinstance(value, str) and value.strip():
            values[key] = value.strip()
        elif isinstance(value, list) and any(isinstance(v, str) and v.strip() for v in value):
            values[key] = [str(v).strip() for v in value if isinstance(v, str) and v.strip()]
    values["name"] = note.title
    return _Person(note.path, note.title, values, note.digest)


class _Matcher:
    """People by LinkedIn profile, by e-mail and by name or alias."""

    def __init__(self, people: Iterable[_Person]) -> None:
        self.by_linkedin: dict[str, list[_Person]] = {}
        self.by_email: dict[str, list[_Person]] = {}
        self.by_name: dict[str, list[_Person]] = {}
        for person in people:
            self.add(person)

    def add(self, person: _Person) -> None:
        key = linkedin_key(_text(person.values.get("linkedin")))
        if key:
            self.by_linkedin.setdefault(key, []).append(person)
        for email in _emails(person.values):
            self.by_email.setdefault(email.casefold(), []).append(person)
        stem = PurePosixPath(person.path).stem
        names = {loose_fold(n) for n in (person.name, stem, *_list(person.values.get("aliases")))}
        for name in names - {""}:
            self.by_name.setdefault(name, []).append(person)

    def find(self, contact: Contact) -> list[_Person]:
        key = linkedin_key(contact.linkedin)
        if key and key in self.by_linkedin:
            return self.by_linkedin[key]
        for email in contact.emails:
            if email.casefold() in self.by_email:
                return self.by_email[email.casefold()]
        named = self.by_name.get(loose_fold(contact.name), [])
        return [person for person in named if not _other_profile(person, key)]


def _other_profile(person: _Person, key: str | None) -> bool:
    """Both have a LinkedIn profile, and not the same: two people who share a name."""
    theirs = linkedin_key(_text(person.values.get("linkedin")))
    return bool(key and theirs and key != theirs)


def _merge(person: _Person, contact: Contact) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Add what the person lacks (recorded in `person.adds`); say where the file disagrees."""
    proposed = _proposed(person, contact)
    added: list[str] = []
    disagreements: list[str] = []
    for key, value in proposed.items():
        have = person.values.get(key)
        if have is None:
            person.values[key] = value
            person.adds[key] = value
            added.append(key)
        elif key not in NEVER_DISAGREE and not _agrees(key, have, value):
            disagreements.append(
                f"{key} is {_shown(have)} in the vault, {_shown(value)} in the file; "
                "kept the vault's"
            )
    return tuple(added), tuple(disagreements)


def _proposed(person: _Person, contact: Contact) -> dict[str, PropertyValue]:
    """The contact's properties. People have several e-mails and phones: one the person has
    already is not proposed again, and the file's others are further ones (`other_emails`,
    `other_phones`), not a disagreement with the one the note names."""
    values = contact.properties()
    for single, extra, items, key in (
        ("email", "other_emails", contact.emails, str.casefold),
        ("phone", "other_phones", contact.phones, phone_key),
    ):
        first = _list(person.values.get(single))  # `email: [a, b]` is written by hand too
        known = {key(item) for item in (*first, *_list(person.values.get(extra)))}
        if not known:
            continue
        values.pop(single, None)
        values.pop(extra, None)
        rest = [item for item in items if key(item) not in known]
        if rest and not first:
            values[single], rest = rest[0], rest[1:]
        if rest:
            values[extra] = rest
    return values


def _agrees(key: str, have: PropertyValue, value: PropertyValue) -> bool:
    if isinstance(value, list):
        mine = {loose_fold(item) for item in _list(have)}
        return all(loose_fold(item) in mine for item in value)
    compare: Callable[[str], object] = {
        "linkedin": linkedin_key,
        "phone": phone_key,
        "email": str.casefold,
    }.get(key, loose_fold)
    return compare(_text(have)) == compare(value)


def _shown(value: PropertyValue) -> str:
    text = ", ".join(value) if isinstance(value, list) else value
    return f"'{text if len(text) <= 80 else text[:79] + '…'}'"


def _text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return value if isinstance(value, str) else ""


def _list(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, str) and value.strip():
        return [part.strip() for part in value.split(",") if part.strip()]
    return []


def _emails(values: dict[str, PropertyValue]) -> list[str]:
    return [*_list(values.get("email")), *_list(values.get("other_emails"))]
