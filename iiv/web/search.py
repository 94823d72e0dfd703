"""Search (`/search?q=`): results with highlighted snippets, filters, pages, "did you mean"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, render_template, request

from iiv.errors import BadArgument
from iiv.note import STATUSES
from iiv.search import SearchResult
from iiv.snapshot import Vault
from iiv.web.pages import library
from iiv.web.urls import note_url, search_url

bp = Blueprint("search", __name__)
PER_PAGE = 20
MAX_QUERY = 500
FILTERS = ("kind", "tag", "company", "status")
KINDS = (("person", "People"), ("interview", "Interviews"), ("note", "Notes"))
KIND_LABELS = {"person": "Person", "interview": "Interview", "note": "Note"}
EXAMPLES = (
    ("python", "every note that mentions a word (or python's, pythons…)"),
    ('"developer relations"', "an exact phrase"),
    ("kind:person tag:mentor", "people tagged mentor"),
    ('company:"Northwind Robotics"', "people and notes about a company"),
    ("status:requested", "requests still waiting for an answer"),
    ("coffee OR lunch", "either word"),
)


@dataclass(frozen=True)
class Choice:
    label: str
    value: str
    url: str
    active: bool


@dataclass(frozen=True)
class ResultRow:
    title: str
    url: str
    kind: str
    kind_label: str
    path: str
    snippet: str  # HTML from the index: escaped text with <mark>s


@dataclass(frozen=True)
class SearchPage:
    query: str
    total: int
    rows: list[ResultRow]
    page: int
    pages: int
    previous_url: str | None
    next_url: str | None
    suggestion: str | None
    suggestion_url: str | None
    notice: str | None  # what the search left out to stay quick
    kinds: list[Choice]
    statuses: list[Choice]
    tags: list[str]
    tag: str  # the tag the query filters on, if any
    companies: list[str]
    company: str
    examples: list[tuple[str, str, str]]  # (query, url, what it finds)


@bp.get("/search")
def search() -> str:
    query = _query_from_args()
    page_number = _page_number()
    result = library().search(query, limit=PER_PAGE, page=page_number) if query else None
    return render_template("search.html", page=_page(query, result, library().snapshot()))


def checked_query(query: str) -> str:
    """The query, unless it is too long: the index's spelling suggestion for one long word
    costs about half a millisecond a character, and any web page can make a browser ask."""
    if len(query) > MAX_QUERY:
        raise BadArgument(f"q: a query has at most {MAX_QUERY} characters, not {len(query)}")
    return query


def with_filter(query: str, field: str, value: str | None) -> str:
    """The query with its `field:` term replaced by `field:value` (removed when value is None)."""
    pattern = rf'(?<!\S){re.escape(field)}:(?:"[^"]*"|\S+)'
    kept = " ".join(re.sub(pattern, " ", query).split())
    if not value:
        return kept
    cleaned = value.replace('"', " ").strip()
    term = f'{field}:"{cleaned}"' if re.search(r"[\s():]", cleaned) else f"{field}:{cleaned}"
    return f"{kept} {term}".strip()


def _query_from_args() -> str:
    query = " ".join(request.args.get("q", "").split())
    for field in FILTERS:
        if field in request.args:  # from the filter form: set it, or clear it when empty
            query = with_filter(query, field, request.args[field].strip() or None)
    return checked_query(query)


def _page_number() -> int:
    text = request.args.get("page", "1")
    digits = text.isascii() and text.isdigit()  # not "²", which int() refuses
    return max(1, min(int(text[:6]), 10_000)) if digits else 1


def _page(query: str, result: SearchResult | None, vault: Vault) -> SearchPage:
    page, pages = (result.page, result.pages) if result else (1, 0)
    suggestion = result.suggestion if result else None
    return SearchPage(
        query=query,
        total=result.total if result else 0,
        rows=[_row(hit.path, hit.kind, hit.title, hit.snippet) for hit in result.hits]
        if result
        else [],
        page=page,
        pages=pages,
        previous_url=search_url(query, page - 1) if page > 1 else None,
        next_url=search_url(query, page + 1) if page < pages else None,
        suggestion=suggestion,
        suggestion_url=search_url(suggestion) if suggestion else None,
        notice=result.notice if result else None,
        kinds=_choices(query, "kind", (("", "All"), *KINDS)),
        statuses=_choices(query, "status", (("", "Any status"), *((s, s) for s in STATUSES))),
        tags=sorted({tag.lower() for note in vault.notes.values() for tag in note.tags}),
        tag=current_filter(query, "tag"),
        companies=sorted({p.company for p in vault.people if p.company}, key=str.casefold),
        company=current_filter(query, "company"),
        examples=[(q, search_url(q), what) for q, what in EXAMPLES],
    )


def _row(path: str, kind: str, title: str, snippet: str) -> ResultRow:
    return ResultRow(
        title or path, note_url(path, kind), kind, KIND_LABELS.get(kind, kind), path, snippet
    )


def current_filter(query: str, field: str) -> str:
    """The value of the query's `field:` term, lower-cased, or "" without one."""
    found = re.search(rf'(?<!\S){field}:("[^"]*"|\S+)', query)
    return found.group(1).strip('"').lower() if found else ""


def _choices(query: str, field: str, options: tuple[tuple[str, str], ...]) -> list[Choice]:
    chosen = current_filter(query, field)
    return [
        Choice(label, value, search_url(with_filter(query, field, value or None)), chosen == value)
        for value, label in options
    ]
