"""The JSON shapes that the command line and the API share, each built in one place.

The README documents them as a contract: `iiv due --json` and `GET /api/due` print the same
object, as do `iiv check --json` and `GET /api/problems`; `GET /api/status` is built here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from iiv.contacts.apply import Imported
    from iiv.contacts.plan import Plan
    from iiv.library import Activity, LibraryState
    from iiv.snapshot import Vault
    from iiv.targets import Target


class Jsonable(Protocol):
    def to_json(self) -> dict[str, object]: ...


def items(values: Iterable[Jsonable]) -> dict[str, Any]:
    """`{"items": [...]}`: a list of problems, or of anything else with `to_json`."""
    return {"items": [value.to_json() for value in values]}


def error(message: str) -> dict[str, str]:
    """`{"error": "..."}`: what the API answers a bad request with, one line saying what."""
    return {"error": message}


def due(today: date, values: Iterable[Jsonable]) -> dict[str, Any]:
    """`{"today": "YYYY-MM-DD", "items": [...]}`: the due list as of `today`."""
    return {"today": today.isoformat(), **items(values)}


def import_plan(plan: Plan, applied: Imported | None) -> dict[str, Any]:
    """`{"applied", "counts", "rows": [{"file", "line", "name", "action", "path", "adds",
    "notes"}]}`, and with --apply `created`, `updated` and `failed`."""
    from iiv.contacts.plan import ACTIONS  # vCard and CSV readers: only for an import

    data: dict[str, Any] = {
        "applied": applied is not None,
        "counts": {action: plan.count(action) for action in ACTIONS},
        "rows": [
            {
                "file": row.file,
                "line": row.line,
                "name": row.name,
                "action": row.action,
                "path": row.path,
                "adds": list(row.adds),
                "notes": list(row.notes),
            }
            for row in plan.rows
        ],
    }
    if applied is not None:
        data.update(created=list(applied.created), updated=list(applied.updated))
        data["failed"] = list(applied.failed)
    return data


def status(library: LibraryState, activity: Activity) -> dict[str, Any]:
    """`GET /api/status`: the library's counts, and what its writing thread is doing."""
    last_sync = library.last_sync.isoformat(timespec="seconds") if library.last_sync else None
    return {
        "notes": library.notes,
        "indexed": library.indexed,
        "problems": library.problems,
        "pending": activity.pending,
        "last_sync": last_sync,
        "watching": activity.watching,
        "index_version": library.index_version,
        "generation": library.generation,
    }


def targets(vault: Vault, ranked: Iterable[Target]) -> dict[str, Any]:
    """`{"items": [...]}`: the LAMP list, best first, with each employer's people and requests."""
    return {"items": [_target(vault, target) for target in ranked]}


def _target(vault: Vault, target: Target) -> dict[str, Any]:
    notes = vault.notes
    return {
        "rank": target.rank,
        "company": target.name,
        "note": target.note,
        "motivation": target.motivation,
        "posting": target.posting,
        "advocacy": target.advocacy,
        "batch": target.batch,
        "people": [
            {"path": path, "name": notes[path].title, "role": notes[path].role}
            for path in target.people
        ],
        "open_requests": [
            {
                "path": path,
                "requested": _iso(notes[path].requested),
                "people": [vault.person_name(link) for link in notes[path].people],
            }
            for path in target.open_requests
        ],
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
