"""Sortable tables without JavaScript: each column's header is a link that sorts by it.

`?sort=KEY&order=asc|desc` names the sort; the other query parameters (filters) are kept.
Rows whose value is missing sort last, whichever the order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import request, url_for

Row = TypeVar("Row")
Key = Callable[[Row], object]  # a row's value for a column; None or "" when it has none


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    url: str  # the link in its header: sort by it, or the other way when it is the sort
    sort: str | None  # "ascending" or "descending" when the table is sorted by it (aria-sort)


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool


def chosen_sort(keys: Sequence[str], default: str, descending_first: Sequence[str]) -> Sort:
    """The sort asked for in the query, else `default`; an unknown key is the default."""
    key = request.args.get("sort", default)
    if key not in keys:
        key = default
    order = request.args.get("order")
    descending = order == "desc" if order in ("asc", "desc") else key in descending_first
    return Sort(key, descending)


def columns(
    labels: Sequence[tuple[str, str]], sort: Sort, descending_first: Sequence[str]
) -> list[Column]:
    """The header of each column, with the link that sorts by it."""
    found = []
    for key, label in labels:
        if key == sort.key:
            order = "asc" if sort.descending else "desc"
            state: str | None = "descending" if sort.descending else "ascending"
        else:
            order = "desc" if key in descending_first else "asc"
            state = None
        found.append(Column(key, label, _url(key, order), state))
    return found


def _url(key: str, order: str) -> str:
    kept: dict[str, Any] = {
        k: v for k, v in request.args.items() if k not in ("sort", "order") and v
    }
    endpoint = request.endpoint or "today.today"
    return url_for(endpoint, **{**kept, "sort": key, "order": order})


def sorted_rows(rows: list[Row], key: Key[Row], sort: Sort, tie: Key[Row]) -> list[Row]:
    """`rows` by `key` (then `tie`, always ascending), missing values last."""
    present = [row for row in rows if key(row) not in (None, "")]
    missing = [row for row in rows if key(row) in (None, "")]
    present.sort(key=lambda row: str(tie(row)))
    present.sort(key=lambda row: key(row), reverse=sort.descending)  # type: ignore[arg-type, return-value]
    missing.sort(key=lambda row: str(tie(row)))
    return present + missing
