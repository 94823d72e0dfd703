"""The whole vault as one snapshot: every parsed note, and what needs them all at once (which
note a link names, who a link's person is, every problem). Pure: it is built from notes that
`iiv.vault` or the catalog read, and never touches a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from iiv.config import Config
from iiv.links import Link, Named, Resolver, find_links, parse_link
from iiv.note import Note
from iiv.problem import Problem, sort_problems

MAX_CANDIDATES_SHOWN = 3  # a name claimed by many notes: the first few, then a count


@dataclass(frozen=True)
class Vault:
    """A snapshot of every note, with what needs the whole vault: link resolution, problems."""

    root: Path
    config: Config
    notes: Mapping[str, Note]
    extra_problems: tuple[Problem, ...] = field(default=())
    # A resolver built for another snapshot whose notes have the same names (see `successor`).
    reused_resolver: Resolver | None = field(default=None, repr=False, compare=False)

    @cached_property
    def resolver(self) -> Resolver:
        if self.reused_resolver is not None:
            return self.reused_resolver
        return Resolver(Named(n.path, n.names) for n in self.notes.values() if not n.conflict_of)

    def successor(
        self, notes: Mapping[str, Note], touched: Mapping[str, Note], problems: tuple[Problem, ...]
    ) -> Vault:
        """The next snapshot: `notes` are this one's with the `touched` ones replaced (none came
        or went). When those keep the names links resolve by, links resolve as here, and this
        one's resolver is kept (a quarter second at 10,000 notes), if it was built."""
        resolver = self.__dict__.get("resolver", self.reused_resolver)
        if resolver is not None and not self._same_names(touched):
            resolver = None
        return Vault(self.root, self.config, notes, problems, resolver)

    def _same_names(self, touched: Mapping[str, Note]) -> bool:
        for path, note in touched.items():
            old = self.notes.get(path)
            if old is None or (old.names, old.conflict_of) != (note.names, note.conflict_of):
                return False
        return True

    @cached_property
    def people(self) -> list[Note]:
        return [n for n in self.notes.values() if n.kind == "person" and not n.conflict_of]

    @cached_property
    def interviews(self) -> list[Note]:
        return [n for n in self.notes.values() if n.kind == "interview" and not n.conflict_of]

    def person(self, link: Link) -> Note | None:
        known = self._persons
        target = link.target
        if target not in known:  # the due list asks for the same few people again and again
            path = self.resolver.resolve(target)
            note = self.notes.get(path) if path else None
            known[target] = note if note is not None and note.kind == "person" else None
        return known[target]

    @cached_property
    def _persons(self) -> dict[str, Note | None]:
        """Link target → the person note it resolves to, as `person` finds them."""
        return {}

    def person_name(self, link: Link) -> str:
        person = self.person(link)
        return person.title if person else link.text

    @cached_property
    def problems(self) -> list[Problem]:
        found = list(self.extra_problems)
        judged: dict[str, str | None] = {}  # link target → what is wrong with it: vaults link
        for note in self.notes.values():  # the same few people again and again
            if note.problems:
                found.extend(note.problems)
            if note.people or note.introduced_by:
                found.extend(self._link_problems(note, judged))
        return sort_problems(found)

    def _link_problems(self, note: Note, judged: dict[str, str | None]) -> Iterable[Problem]:
        for key, link in _person_links(note):
            target = link.target
            if target not in judged:
                judged[target] = self._link_problem(target)
            message = judged[target]
            if message:
                yield Problem(note.path, note.line_of(key), f"{key}: {message}", "link")

    def _link_problem(self, target: str) -> str | None:
        candidates = self.resolver.candidates(target)
        if not candidates:
            hint = f'iiv new person "{target}"'
            return f"[[{target}]] matches no note (create it with: {hint})"
        if self.notes[candidates[0]].kind != "person":
            return f"[[{target}]] is {candidates[0]}, which is not a person note (type: person)"
        if len(candidates) > 1:
            return f"[[{target}]] is ambiguous: {_some(candidates)}; using {candidates[0]}"
        return None


def _some(paths: list[str]) -> str:
    """The first few paths, then how many more: a name may be claimed by hundreds of notes."""
    shown = ", ".join(paths[:MAX_CANDIDATES_SHOWN])
    more = len(paths) - MAX_CANDIDATES_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _person_links(note: Note) -> list[tuple[str, Link]]:
    """Each link to a person with the property that holds it (person, people, introduced_by)."""
    found = [("introduced_by", note.introduced_by)] if note.introduced_by else []
    for key in ("person", "people"):
        targets = {link.target for link in _links_in(note.meta.get(key))}
        found += [(key, link) for link in note.people if link.target in targets]
    return found


def _links_in(value: object) -> list[Link]:
    """The links a raw property value holds (text, a list, or YAML's reading of `[[X]]`)."""
    if isinstance(value, list):
        return [link for item in value for link in _links_in(item)]
    if not isinstance(value, str):
        return []
    single = parse_link(value)
    return find_links(value) or ([single] if single else [])
