"""Wikilinks: parsing `[[Target#Heading|label]]` and resolving targets to notes.

Resolution follows Obsidian: by file name (without `.md`), by a vault path, by a person's `name` or
by one of their `aliases`, case-insensitively. When several notes claim a name, the one with the
shortest path wins (then alphabetical), and the ambiguity is reported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

WIKILINK_RE = re.compile(r"(?P<embed>!?)\[\[(?P<inner>[^\[\]\n]{1,500}?)\]\]")
# The same links without the optional `!` of an embed: a pattern that starts with `[[` lets the
# regex engine jump from one `[[` to the next instead of trying a match at every character.
_INNER_RE = re.compile(r"\[\[([^\[\]\n]{1,500}?)\]\]")


@dataclass(frozen=True, slots=True)
class Link:
    target: str  # the note part, without heading, block or label: "people/Ada Lovelace"
    label: str | None = None
    heading: str | None = None

    def __reduce__(self) -> tuple[Callable[..., Link], tuple[str, str | None, str | None]]:
        # Unpickled through a cache, as parsed ones are: the notes of a vault loaded from the
        # catalog share one Link for each way a name is linked (100,000 links, 6,000 distinct,
        # at 50,000 notes), as they do when parsed.
        return _shared, (self.target, self.label, self.heading)

    @property
    def text(self) -> str:
        """What Obsidian shows for the link."""
        return self.label or self.target.rsplit("/", 1)[-1]


def parse_link(text: str) -> Link | None:
    """One link, written `[[X]]` (the first, amid other words) or bare `X` (as in a YAML
    property), → Link or None if empty."""
    text = text.strip()
    match = WIKILINK_RE.search(text)  # a property may add words: "[[Ada]] (met at PyCon)"
    return _link(match.group("inner")) if match else _read(text)


def _read(inner: str) -> Link | None:
    """The link written `[[inner]]`, or None when it names no target."""
    # inside a Markdown table the pipe is escaped: [[Ada Lovelace\|Ada]]
    target, _, label = inner.replace("\\|", "|").partition("|")
    target, _, heading = target.partition("#")
    target = target.strip()
    if target.lower().endswith(".md"):
        target = target[:-3]
    if not target.strip("[]! "):  # `[[]]`: a placeholder, no target
        return None
    return Link(target=target, label=label.strip() or None, heading=heading.strip() or None)


# Links are immutable and a vault links the same few names again and again; what is inside
# `[[ ]]` is at most 500 characters, so the cache stays small.
_link = lru_cache(maxsize=8192)(_read)


@lru_cache(maxsize=8192)
def _shared(target: str, label: str | None, heading: str | None) -> Link:
    return Link(target, label, heading)


def find_links(text: str) -> list[Link]:
    """Every wikilink in a text, in order (embeds included)."""
    if "[[" not in text:
        return []
    # each match is `[[inner]]`, which parse_link reads as _link(inner)
    links = map(_link, _INNER_RE.findall(text))
    return [link for link in links if link]


def fold(name: str) -> str:
    """The key names are compared by: case-insensitive, Unicode-normalised."""
    if name.isascii():  # NFC leaves ASCII as it is, and casefold() is lower() there
        return name.lower().strip()
    return unicodedata.normalize("NFC", name).casefold().strip()


def loose_fold(name: str) -> str:
    """`fold`, also ignoring accents (and compatibility forms such as `ﬁ`) and repeated spaces:
    how a name someone typed, or an imported contact's, is compared with the vault's people
    ("jose  garcia" is "José García")."""
    folded = " ".join(fold(name).split())
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class Named(NamedTuple):
    """What a note offers to the resolver: its path and the names it may be linked by (a tuple:
    one is made for every note of a snapshot)."""

    path: str
    names: tuple[str, ...]


class Resolver:
    """Maps link targets to note paths. Built once per vault snapshot; lookups are dict hits.

    A file name or path wins over a `name` or alias, as in Obsidian.
    """

    def __init__(self, entries: Iterable[Named]) -> None:
        # A key most often means one path: kept as the text itself (which the cyclic garbage
        # collector need not follow, unlike a set or a list per key), several as a sorted tuple.
        files: dict[str, str | set[str]] = {}
        names: dict[str, str | set[str]] = {}
        for entry in entries:
            path = entry.path
            stem = path[:-3] if path.lower().endswith(".md") else path
            _add(files, fold(stem), path)
            _add(files, fold(stem.rsplit("/", 1)[-1]), path)
            for name in entry.names:
                if name.strip():
                    _add(names, fold(name), path)
        self._files = {key: _best_first(paths) for key, paths in files.items()}
        self._names = {key: _best_first(paths) for key, paths in names.items()}

    def resolve(self, target: str) -> str | None:
        paths = self.candidates(target)
        return paths[0] if paths else None

    def candidates(self, target: str) -> list[str]:
        """Every path a target could mean, best first; more than one means it is ambiguous."""
        key = fold(target)
        paths = self._files.get(key)
        if paths is None:  # else a file name or path: it wins over a name or alias
            paths = self._names.get(key, ())
        return [paths] if isinstance(paths, str) else list(paths)


def _add(index: dict[str, str | set[str]], key: str, path: str) -> None:
    found = index.setdefault(key, path)
    if found is not path and found != path:
        if isinstance(found, str):
            index[key] = {found, path}
        else:
            found.add(path)


def _best_first(paths: str | set[str]) -> str | tuple[str, ...]:
    return paths if isinstance(paths, str) else tuple(sorted(paths, key=_preference))


def _preference(path: str) -> tuple[int, str]:
    return (path.count("/"), path)
