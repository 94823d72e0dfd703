"""People: the list of everyone (`/people`, sortable and filterable), the form that adds a
person, and what a person's page shows besides the note itself: contacts, relations, the
timeline.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from iiv.actions import STEPS
from iiv.applied import create
from iiv.errors import BadArgument, NoteExists, NoteNotFound
from iiv.followups import FollowUp
from iiv.links import Link
from iiv.mailto import mailto_url
from iiv.names import find_person, loose
from iiv.note import Note, parse_note
from iiv.snapshot import Vault
from iiv.template import new_person
from iiv.web.actions import NEW_STATUSES, journal
from iiv.web.due import due_label
from iiv.web.pages import csrf_token, display_day, library
from iiv.web.partials import InterviewLine, NoteLink, interview_lines, note_link, person_link
from iiv.web.tables import Column, Sort, chosen_sort, columns, sorted_rows
from iiv.web.urls import company_url, here, note_url

bp = Blueprint("people", __name__)
EVERYTHING_DUE = 3660  # days ahead: a person's next follow-up, whenever it is
LIST_COLUMNS = (
    ("name", "Name"),
    ("company", "Company"),
    ("role", "Role"),
    ("last", "Last contact"),
    ("next", "Next follow-up"),
    ("conversations", "Conversations"),
)
DESCENDING_FIRST = ("last", "conversations")
MAX_FIELD = 300  # characters of a field of the add-person form
FIELDS = ("company", "role", "email", "linkedin", "source", "introduced_by", "keep_in_touch")


@dataclass(frozen=True)
class PersonRow:
    person: NoteLink
    company: NoteLink | None
    role: str
    last_contact: str  # YYYY-MM-DD, or "" when never
    next_due: str  # YYYY-MM-DD of the next follow-up, or ""
    next_label: str  # "due in 3 days: Nudge Chiara politely ..."
    next_overdue: bool
    conversations: int
    tags: tuple[NoteLink, ...]


@dataclass(frozen=True)
class AddPersonForm:
    action: str
    hidden: tuple[tuple[str, str], ...]
    names: tuple[str, ...]  # everyone's name, offered for "introduced by"


@dataclass(frozen=True)
class PeopleList:
    rows: list[PersonRow]
    columns: list[Column]
    total: int  # people in the vault, before the filter
    query: str
    tag: str
    tags: list[str]  # every tag people carry, for the filter
    sort: str
    order: str
    form: AddPersonForm


@bp.get("/people")
def people_list() -> str:
    lib = library()
    vault = lib.snapshot()
    day = display_day()
    sort = chosen_sort([key for key, _ in LIST_COLUMNS], "name", DESCENDING_FIRST)
    query, tag = request.args.get("q", "").strip()[:200], request.args.get("tag", "").strip()
    everyone = person_rows(vault, lib.due(day, EVERYTHING_DUE), day)
    shown = [row for row in everyone if _matches(row, query, tag)]
    page = PeopleList(
        rows=sorted_rows(shown, _sort_key(sort), sort, lambda row: row.person.text.casefold()),
        columns=columns(LIST_COLUMNS, sort, DESCENDING_FIRST),
        total=len(everyone),
        query=query,
        tag=tag,
        tags=sorted({t.text for row in everyone for t in row.tags}, key=str.casefold),
        sort=sort.key,
        order="desc" if sort.descending else "asc",
        form=AddPersonForm(
            url_for("people.add_person"),
            (("csrf_token", csrf_token()), ("next", here())),
            tuple(sorted((p.title for p in vault.people), key=str.casefold)),
        ),
    )
    return render_template("people.html", page=page)


def person_rows(vault: Vault, due: Iterable[FollowUp], day: date) -> list[PersonRow]:
    """A row per person: their conversations, last contact and next follow-up."""
    count, last = conversation_history(vault)
    upcoming: dict[str, FollowUp] = {}
    for item in due:  # most urgent first: the first one of each person is their next
        if item.person_path:
            upcoming.setdefault(item.person_path, item)
    return [
        _person_row(p, count[p.path], last.get(p.path), upcoming.get(p.path), day)
        for p in vault.people
    ]


def conversation_history(vault: Vault) -> tuple[Counter[str], dict[str, date]]:
    """How many conversations each person (by path) has, and their last contact: the later of
    `last_contact` and their latest done conversation."""
    count: Counter[str] = Counter()
    last = {p.path: p.last_contact for p in vault.people if p.last_contact}
    for note in vault.interviews:
        for path in {p.path for p in map(vault.person, note.people) if p is not None}:
            count[path] += 1
            if note.status == "done" and note.date and note.date > last.get(path, date.min):
                last[path] = note.date
    return count, last


def _person_row(
    person: Note, count: int, last: date | None, item: FollowUp | None, day: date
) -> PersonRow:
    return PersonRow(
        person=note_link(person),
        company=NoteLink(person.company, company_url(person.company)) if person.company else None,
        role=person.role or "",
        last_contact=last.isoformat() if last else "",
        next_due=item.due.isoformat() if item else "",
        next_label=f"{due_label(item.due, day)}: {item.action}" if item else "",
        next_overdue=bool(item and item.due < day),
        conversations=count,
        tags=tuple(NoteLink(t, url_for("people.people_list", tag=t)) for t in person.tags),
    )


def _sort_key(sort: Sort) -> Callable[[PersonRow], str | int]:
    keys: dict[str, Callable[[PersonRow], str | int]] = {
        "name": lambda row: row.person.text.casefold(),
        "company": lambda row: row.company.text.casefold() if row.company else "",
        "role": lambda row: row.role.casefold(),
        "last": lambda row: row.last_contact,
        "next": lambda row: row.next_due,
        "conversations": lambda row: row.conversations,
    }
    return keys[sort.key]


def _matches(row: PersonRow, query: str, tag: str) -> bool:
    """Whether a row passes the filter: words found in its name, company, role or tags
    (ignoring case and accents), and the tag asked for."""
    if tag and loose(tag) not in {loose(t.text) for t in row.tags}:
        return False
    company = row.company.text if row.company else ""
    text = loose(" ".join([row.person.text, company, row.role, *(t.text for t in row.tags)]))
    return all(word in text for word in loose(query).split())


@bp.post("/people/new")
def add_person() -> Response:
    """Create a person note from the template with the form's properties; undoable."""
    lib = library()
    vault = lib.snapshot()
    name = _field("name")
    if not name:
        raise BadArgument("name: a person needs a name")
    _not_known(vault, name)
    values = {key: _field(key) for key in FIELDS}
    extra = _properties(vault, values)
    company = values["company"] or None

    def make() -> str:
        return new_person(lib.root, lib.config, name, company, date.today(), extra)

    made = create(lib.root, make, journal(), lambda _: f"{name} added")
    lib.sync([made.path])
    flash(made.summary, str(made.undo))
    return redirect(note_url(made.path, "person"), 303)  # type: ignore[return-value]


def _field(name: str) -> str:
    return " ".join(request.form.get(name, "").split())[:MAX_FIELD]


def _not_known(vault: Vault, name: str) -> None:
    try:
        known = find_person(vault, name)
    except (NoteNotFound, BadArgument):  # nobody by that name (or only plain notes)
        return
    raise NoteExists(f"{name} is already in the vault: {known.path}; nothing was written")


def _properties(vault: Vault, values: dict[str, str]) -> dict[str, str]:
    """The form's values as properties, each checked: a bad one is refused with its reason."""
    extra = {key: values[key] for key in ("role", "source") if values[key]}
    if values["email"]:
        if "@" not in values["email"]:
            raise BadArgument(f"email: {values['email']!r} is not an email address")
        extra["email"] = values["email"]
    if values["linkedin"]:
        if not values["linkedin"].startswith("https://"):
            raise BadArgument("linkedin: give the profile's address, starting with https://")
        extra["linkedin"] = values["linkedin"]
    if values["introduced_by"]:
        try:
            introducer = find_person(vault, values["introduced_by"])
        except NoteNotFound as error:
            raise BadArgument(f"introduced by: {error}") from None
        extra["introduced_by"] = f"[[{introducer.stem}]]"
    if values["keep_in_touch"]:
        extra["keep_in_touch"] = _keep_in_touch(values["keep_in_touch"])
    return extra


def _keep_in_touch(text: str) -> str:
    """A duration as a person note reads it (90, 6 weeks, 3 months), else refused."""
    data = f"---\ntype: person\nkeep_in_touch: {text}\n---\n".encode()
    problems = parse_note("check.md", data).problems
    if problems or not re.fullmatch(r"[\w ]+", text):
        raise BadArgument(
            f"keep_in_touch: expected a number of days, or 6 weeks, 3 months; got {text!r}"
        )
    return text


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
class ContactedForm:
    """The step "contacted": last_contact set to the day given (today unless changed)."""

    action: str
    hidden: tuple[tuple[str, str], ...]
    today: str
    writes: str


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
    contacted: ContactedForm


def person_page(person: Note, vault: Vault, csrf: str, digest: str) -> PersonPage:
    """What a person's page shows besides the note; its forms carry the hash `digest` of the
    note as read for the page."""
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
        contacted=_contacted_form(person, csrf, digest),
    )


def _contacted_form(person: Note, csrf: str, digest: str) -> ContactedForm:
    step = STEPS["contacted"]
    hidden = (
        ("csrf_token", csrf),
        ("path", person.path),
        ("hash", digest),
        ("next", here()),
        ("step", step.name),
    )
    writes = f"Writes {step.writes.replace('DATE', 'the date')}"
    return ContactedForm(url_for("actions.step"), hidden, date.today().isoformat(), writes)


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
