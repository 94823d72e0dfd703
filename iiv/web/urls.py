"""The dashboard's addresses: a note's page, Obsidian's URL for it, search links, safe redirects."""

from __future__ import annotations

from urllib.parse import quote

from flask import request, url_for
from werkzeug.routing import PathConverter

PAGE_ENDPOINTS = {"person": "notes.person", "interview": "notes.interview"}


class NotePath(PathConverter):
    """`<note:path>`: a vault path in a URL, like `<path:...>`, but a newline, which a file name
    may hold, matches too."""

    regex = "[^/][\\s\\S]*?"


def note_url(path: str, kind: str) -> str:
    """The page of a note: its person or interview page, else the generic note page."""
    return url_for(PAGE_ENDPOINTS.get(kind, "notes.note"), path=path)


def obsidian_url(vault_name: str, path: str) -> str:
    """`obsidian://open?vault=V&file=F`, the file without `.md`, both URL-encoded."""
    file = path[:-3] if path.lower().endswith(".md") else path
    return f"obsidian://open?vault={quote(vault_name, safe='')}&file={quote(file, safe='')}"


def search_url(query: str, page: int = 1) -> str:
    return url_for("search.search", q=query, page=page if page > 1 else None)


def draft_url(kind: str, path: str) -> str:
    """The draft of a `kind` message about the note at `path`."""
    return url_for("drafts.draft_page", kind=kind, path=path)


def company_url(name: str) -> str:
    return url_for("notes.company", name=name)


def here() -> str:
    """The current page's local URL, query included: where an edit returns to.

    Built again from the route, so that a `?` or `#` in a note's file name stays encoded.
    """
    path = url_for(request.endpoint, **(request.view_args or {})) if request.endpoint else "/"
    query = request.query_string.decode("latin-1")
    return f"{path}?{query}" if query else path


def safe_next(value: str | None, default: str = "/") -> str:
    """A redirect target only if it stays on this site: `/...`, never `//host` or `/\\host`."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if any(ord(char) < 32 or char == "\\" for char in value):
        return default
    return value
