"""The `## Heading` sections of a note's body: `## Questions`, `## Takeaways`, `## Follow-ups`.

Pure: text in, lines out. A section runs from its heading to the next heading of the same or
a higher level (or the end); headings inside fenced code blocks do not count. Headings are
matched case-insensitively, with or without trailing `#`s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
FENCE_RE = re.compile(r"^[ \t>]*(```|~~~)")
ITEM_RE = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(?!\[[^\]]\])(.+)$")
TASK_RE = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+\[[^\]]\]")


@dataclass(frozen=True)
class Section:
    heading: int  # index of the heading line in the body's lines
    end: int  # index of the first line after the section
    level: int


def find_section(lines: list[str], title: str) -> Section | None:
    """The first section titled `title` (any level), or None."""
    wanted = _normal(title)
    fenced = False
    found: tuple[int, int] | None = None
    for index, line in enumerate(lines):
        if FENCE_RE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else HEADING_RE.match(line)
        if match is None:
            continue
        level = len(match.group(1))
        if found is not None and level <= found[1]:
            return Section(found[0], index, found[1])
        if found is None and _normal(match.group(2)) == wanted:
            found = (index, level)
    return Section(found[0], len(lines), found[1]) if found else None


def section_lines(body: str, title: str) -> list[str]:
    """The lines under the heading `title`, without it; empty when there is no such section."""
    lines = body.splitlines()
    section = find_section(lines, title)
    return lines[section.heading + 1 : section.end] if section else []


def items(body: str, title: str) -> list[str]:
    """The list items (not tasks) of a section, as text: `- Write in public` → `Write in public`.

    An item's indented continuation lines are joined to it; nested items are items too.
    """
    found: list[str] = []
    open_item = False
    for line in section_lines(body, title):
        match = ITEM_RE.match(line)
        if match:
            found.append(match.group(1).strip())
            open_item = True
        elif open_item and line[:1] in (" ", "\t") and line.strip() and not TASK_RE.match(line):
            found[-1] = f"{found[-1]} {line.strip()}"
        else:
            open_item = False
    return found


def _normal(title: str) -> str:
    return " ".join(title.split()).casefold()
