"""Wikilinks: parsing `[[Target#Heading|label]]` and resolving targets to notes.

Resolution follows Obsidian: by file name (without `.md`), by a vault path, by a person's `name` or
by one of their `aliases`, case-insensitively. When several notes claim a name, the one with the
shortest path wins (then alphabetical), and the ambiguity is reported.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

WIKILINK_RE = re.compile(r"(?P<embed>!?)\[\[(?P<inner>[^\[\]\n]{1,500}?)\]\]")


@dataclass(frozen=True)
class Link:
    target: str  # the note part, without heading, block or label: "people/Ada Lovelace"
    label: str | None = None
    heading: str | None = None

    @property
    def text(self) -> str:
        """What Obsidian shows for the link."""
        return self.label or self.target.rsplit("/", 1)[-1]


def parse_link(text: str) -> Link | None:
    """One link, written `[[X]]` (the first, amid other words) or bare `X` (as in a YAML
    property), → Link or None if empty."""
    text = text.strip()
    match = WIKILINK_RE.search(text)  # a property may add words: "[[Ada]] (met at PyCon)"
    inner = match.group("inner") if match else text
    # inside a Markdown table the pipe is escaped: [[Ada Lovelace\|Ada]]
    target, _, label = inner.replace("\\|", "|").partition("|")
    target, _, heading = target.partition("#")
    target = target.strip()
    if target.lower().endswith(".md"):
        target = target[:-3]
    if not target.strip("[]! "):  # `[[]]`: a placeholder, no target
        return None
    return Link(target=target, label=label.strip() or None, heading=heading.strip() or None)


def find_links(text: str) -> list[Link]:
    """Every wikilink in a text, in order (embeds included)."""
    links = (parse_link(m.group(0).lstrip("!")) for m in WIKILINK_RE.finditer(text))
    return [link for link in links if link]


def fold(name: str) -> str:
    """The key names are compared by: case-insensitive, Unicode-normalised."""
    return unicodedata.normalize("NFC", name).casefold().strip()


@dataclass(frozen=True)
class Named:
    """What a note offers to the resolver: its path and the names it may be linked by."""

    path: str
    names: tuple[str, ...]


class Resolver:
    """Maps link targets to note paths. Built once per vault snapshot; lookups are dict hits.

    A file name or path wins over a `name` or alias, as in Obsidian.
    """

    def __init__(self, entries: Iterable[Named]) -> None:
        files: dict[str, set[str]] = defaultdict(set)
        names: dict[str, set[str]] = defaultdict(set)
        for entry in entries:
            stem = entry.path[:-3] if entry.path.lower().endswith(".md") else entry.path
            files[fold(stem)].add(entry.path)
            files[fold(stem.rsplit("/", 1)[-1])].add(entry.path)
            for name in entry.names:
                if name.strip():
                    names[fold(name)].add(entry.path)
        self._files = {key: sorted(paths, key=_preference) for key, paths in files.items()}
        self._names = {key: sorted(paths, key=_preference) for key, paths in names.items()}

    def resolve(self, target: str) -> str | None:
        paths = self.candidates(target)
        return paths[0] if paths else None

    def candidates(self, target: str) -> list[str]:
        """Every path a target could mean, best first; more than one means it is ambiguous."""
        key = fold(target)
        return list(self._files.get(key) or self._names.get(key) or [])


def _preference(path: str) -> tuple[int, str]:
    return (path.count("/"), path)
