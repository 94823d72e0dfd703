"""The JSON shapes that the command line and the API share, each built in one place.

The README documents them as a contract: `iiv due --json` and `GET /api/due` print the same
object, as do `iiv check --json` and `GET /api/problems`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol


class Jsonable(Protocol):
    def to_json(self) -> dict[str, object]: ...


def items(values: Iterable[Jsonable]) -> dict[str, Any]:
    """`{"items": [...]}`: a list of problems, or of anything else with `to_json`."""
    return {"items": [value.to_json() for value in values]}


def due(today: date, values: Iterable[Jsonable]) -> dict[str, Any]:
    """`{"today": "YYYY-MM-DD", "items": [...]}`: the due list as of `today`."""
    return {"today": today.isoformat(), **items(values)}
