"""What a person's page shows besides the note itself: contacts, relations, the timeline."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import url_for

from iiv.links import Link
from iiv.mailto import mailto_url
from iiv.note import Note
from iiv.snapshot import Vault
from iiv.web.actions import NEW_STATUSES
from iiv.web.partials import InterviewLine, NoteLink, interview_lines, note_link, person_link
from iiv.web.urls import company_url


@dataclass(frozen=True)
class Contact:
    label: str
    href: str
    text: str


@dataclass(frozen=True)
class NewInterviewForm:
    action: str
    hidden: tuple[tuple[str, str], ...]
    statuses: tuple[str, ...]


@dataclass(frozen=True)
class PersonPage:
    name: str
    role: str | None
    profile: list[tuple[str, str]]
    company: NoteLink | None
    contacts: list[Contact]
    introduced_by: NoteLink | None
    introduced: list[NoteLink]
    timeline: list[InterviewLine]
    mentions: list[NoteLink]
    new_interview: NewInterviewForm


def person_page(person: Note, vault: Vault, csrf: str) -> PersonPage:
    return PersonPage(
        name=person.title,
        role=person.role,
        profile=_profile(person),
        company=NoteLink(person.company, company_url(person.company)) if person.company else None,
        contacts=contacts(person),
        introduced_by=person_link(vault, person.introduced_by) if person.introduced_by else None,
        introduced=[note_link(p) for p in vault.people if _introduced_by(vault, p, person.path)],
        timeline=interview_lines(vault, interviews_with(vault, person.path)),
        mentions=[note_link(n) for n in vault.notes.values() if _mentions(vault, n, person.path)],
        new_interview=NewInterviewForm(
            url_for("actions.create_interview"),
            (("csrf_token", csrf), ("person", person.path)),
            NEW_STATUSES,
        ),
    )


def contacts(person: Note) -> list[Contact]:
    """Email, phone and LinkedIn as links; LinkedIn only when it is an https:// URL."""
    found = []
    mail = mailto_url(person.email) if person.email else None
    if mail and person.email:
        found.append(Contact("Email", mail, person.email))
    dialable = re.sub(r"[^\d+]", "", person.phone or "")
    if dialable:
        found.append(Contact("Phone", f"tel:{dialable}", person.phone or dialable))
    if person.linkedin and person.linkedin.startswith("https://"):
        found.append(Contact("LinkedIn", person.linkedin, "LinkedIn profile"))
    return found


def _profile(person: Note) -> list[tuple[str, str]]:
    values = [
        ("Location", person.location),
        ("How we met", person.source),
        ("Also known as", ", ".join(person.aliases) if person.aliases else None),
        ("Keep in touch", f"every {person.keep_in_touch} days" if person.keep_in_touch else None),
        ("Last contact", person.last_contact.isoformat() if person.last_contact else None),
    ]
    return [(label, value) for label, value in values if value]


def _introduced_by(vault: Vault, other: Note, path: str) -> bool:
    introducer = vault.person(other.introduced_by) if other.introduced_by else None
    return introducer is not None and introducer.path == path


def interviews_with(vault: Vault, path: str) -> list[Note]:
    return [n for n in vault.interviews if any(_is(vault, link, path) for link in n.people)]


def _mentions(vault: Vault, note: Note, path: str) -> bool:
    return note.path != path and any(
        vault.resolver.resolve(link.target) == path for link in note.links
    )


def _is(vault: Vault, link: Link, path: str) -> bool:
    person = vault.person(link)
    return person is not None and person.path == path
