"""A problem found in a note: where it is and what is wrong, in plain English."""

from __future__ import annotations

from dataclasses import dataclass

# Problems are listed most serious first: data that may be lost or counted twice.
CODES_FIRST = ("conflict-copy", "conflict-markers")
# Each kind of problem (its code) as the Problems page groups them, in this order.
KINDS = {
    "conflict-copy": "Sync conflict copies",
    "conflict-markers": "Git conflict markers",
    "settings": "Settings in iiv.yaml",
    "templates": "Templates",
    "yaml": "Front-matter that is not valid YAML",
    "placeholder": "Unfilled template placeholders",
    "format": "Property values",
    "date": "Task dates and repeats",
    "link": "Links to people",
    "walk": "Files and folders not read",
    "io": "Files that cannot be read",
    "encoding": "Not UTF-8",
    "binary": "Binary files",
    "large": "Very large files",
}


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    message: str
    code: str = "format"

    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "message": self.message}


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Conflict copies and conflict markers first, then by path and line."""

    def key(p: Problem) -> tuple[int, str, int]:
        return (0 if p.code in CODES_FIRST else 1, p.path, p.line or 0)

    return sorted(problems, key=key)


def kind_label(code: str) -> str:
    """What a problem's code is about, in words (the Problems page's group heading)."""
    return KINDS.get(code, "Other problems")
