"""Companies (`/companies`): each employer your people work at, with its people, its
conversations and the last contact there; each links to the company's own page.

A company is the `company` property of person notes, compared ignoring case and accents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, render_template

from iiv.names import loose
from iiv.note import Note
from iiv.snapshot import Vault
from iiv.web.pages import library
from iiv.web.partials import NoteLink, note_link
from iiv.web.people import conversation_history
from iiv.web.tables import Column, Sort, chosen_sort, columns, sorted_rows
from iiv.web.urls import company_url

bp = Blueprint("companies", __name__)
LIST_COLUMNS = (
    ("name", "Company"),
    ("people", "People"),
    ("conversations", "Conversations"),
    ("last", "Last contact"),
)
DESCENDING_FIRST = ("people", "conversations", "last")


@dataclass(frozen=True)
class CompanyRow:
    name: str
    url: str
    people: tuple[NoteLink, ...]
    conversations: int
    last_contact: str  # YYYY-MM-DD, or "" when never


@dataclass(frozen=True)
class CompaniesPage:
    rows: list[CompanyRow]
    columns: list[Column]
    people: int  # people with a company
    without: int  # people without one


@bp.get("/companies")
def companies_page() -> str:
    vault = library().snapshot()
    sort = chosen_sort([key for key, _ in LIST_COLUMNS], "name", DESCENDING_FIRST)
    rows = company_rows(vault)
    page = CompaniesPage(
        rows=sorted_rows(rows, _sort_key(sort), sort, lambda row: row.name.casefold()),
        columns=columns(LIST_COLUMNS, sort, DESCENDING_FIRST),
        people=sum(len(row.people) for row in rows),
        without=sum(1 for person in vault.people if not person.company),
    )
    return render_template("companies.html", page=page)


def company_rows(vault: Vault) -> list[CompanyRow]:
    """One row per company; a company spelt several ways is named as most of its people do."""
    groups: dict[str, list[Note]] = {}
    for person in vault.people:
        if person.company:
            groups.setdefault(loose(person.company), []).append(person)
    count, last = conversation_history(vault)
    return [_row(people, count, last) for people in groups.values()]


def _row(people: list[Note], count: dict[str, int], last: dict[str, date]) -> CompanyRow:
    spellings = [person.company or "" for person in people]
    name = max(sorted(set(spellings)), key=spellings.count)
    people = sorted(people, key=lambda p: p.title.casefold())
    contacts = [last[p.path] for p in people if p.path in last]
    return CompanyRow(
        name=name,
        url=company_url(name),
        people=tuple(note_link(p) for p in people),
        conversations=sum(count.get(p.path, 0) for p in people),
        last_contact=max(contacts).isoformat() if contacts else "",
    )


def _sort_key(sort: Sort) -> Callable[[CompanyRow], str | int]:
    keys: dict[str, Callable[[CompanyRow], str | int]] = {
        "name": lambda row: row.name.casefold(),
        "people": lambda row: len(row.people),
        "conversations": lambda row: row.conversations,
        "last": lambda row: row.last_contact,
    }
    return keys[sort.key]
