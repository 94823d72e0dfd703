"""The LAMP list: the employers you aim at, ranked as the method ranks them. Pure.

Steve Dalton's list (*The 2-Hour Job Search*) scores each employer for **A**dvocacy (is there
any plausible contact: yes or no), **M**otivation (0 to 3, gut feel) and **P**osting (3: relevant
postings, 2: semi-relevant, 1: none), sorts by M, then P, then A, and takes the top five as the
first batch of outreach.

Here a company note (`type: company`) carries `motivation` and `posting`; advocacy is derived:
yes when the vault has a person whose `company:` names the employer. Employers named only in
people's `company:` are listed too, unscored until you score them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date

from iiv.note import Note
from iiv.snapshot import Vault

BATCH = 5  # the first batch of outreach: the top five
LIST_SIZE = 40  # the method's advice: 40 employers or more
MOTIVATION = (0, 1, 2, 3)
POSTING = (1, 2, 3)
ASKABLE = (None, "prospect")  # an interview not asked for yet


@dataclass(frozen=True)
class Target:
    name: str
    note: str | None  # the company note's path, if there is one
    motivation: int | None
    posting: int | None
    people: tuple[str, ...] = ()  # person notes at the employer, by name
    open_requests: tuple[str, ...] = ()  # interviews asked for there and not yet answered
    rank: int = 0  # 1 for the first; set by `rank`

    @property
    def advocacy(self) -> bool:
        return bool(self.people)

    @property
    def batch(self) -> bool:
        """One of the first BATCH, scored: where outreach starts."""
        return 0 < self.rank <= BATCH and self.motivation is not None


def key(name: str) -> str:
    """How employer names are compared: case and spacing do not matter."""
    return " ".join(name.split()).casefold()


def rank(targets: Iterable[Target]) -> list[Target]:
    """M (high first), then P (high first), then A (yes first), then name; an unscored value
    comes after every scored one. Each target gets its place (`rank`, from 1)."""
    ordered = sorted(targets, key=_order)
    return [replace(target, rank=place) for place, target in enumerate(ordered, 1)]


def _order(target: Target) -> tuple[int, int, bool, str, str]:
    motivation = -1 if target.motivation is None else target.motivation
    posting = 0 if target.posting is None else target.posting
    return (-motivation, -posting, not target.advocacy, key(target.name), target.name)


def targets(vault: Vault) -> list[Target]:
    """Every employer of the vault, ranked: company notes and people's `company:` values."""
    companies = _company_notes(vault)
    people = _people_by_employer(vault)
    requests = _open_requests(vault)
    names = {k: note.title for k, note in companies.items()}
    for employer_key, members in people.items():
        names.setdefault(employer_key, _spelling(members))
    found = []
    for employer_key, name in names.items():
        note = companies.get(employer_key)
        members = people.get(employer_key, [])
        found.append(
            Target(
                name=name,
                note=note.path if note else None,
                motivation=note.motivation if note else None,
                posting=note.posting if note else None,
                people=tuple(p.path for p in sorted(members, key=lambda p: key(p.title))),
                open_requests=tuple(sorted(requests.get(employer_key, ()))),
            )
        )
    return rank(found)


class Employers:
    """Who works where, and who has been asked there: what the method's 3B step needs,
    gathered in one pass over the vault."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._aliases = _aliases(vault)
        self._people = _people_by_employer(vault)
        self._notes = _company_notes(vault)
        self._names = {k: note.title for k, note in self._notes.items()}
        self._asks: dict[str, list[tuple[date, str]]] = {}
        self._prospects: dict[str, list[Note]] = {}
        self._met: set[str] = set()  # people with any interview
        for interview in vault.interviews:
            self._add(interview)

    def _add(self, interview: Note) -> None:
        for position, link in enumerate(interview.people):
            person = self._vault.person(link)
            if person is None:
                continue
            self._met.add(person.path)
            employer = self.of(person)
            if employer is None:
                continue
            if interview.requested is not None:
                self._asks.setdefault(employer, []).append((interview.requested, interview.path))
            elif position == 0 and interview.status in ASKABLE:
                self._prospects.setdefault(employer, []).append(interview)

    def of(self, person: Note) -> str | None:
        """The key of a person's employer: that of the company note their `company:` names."""
        if not person.company:
            return None
        return self._aliases.get(key(person.company), key(person.company))

    def name(self, employer: str) -> str:
        if employer in self._names:
            return self._names[employer]
        return _spelling(self._people.get(employer, [])) if employer in self._people else employer

    def note(self, employer: str) -> Note | None:
        """The employer's company note, if it has one."""
        return self._notes.get(employer)

    def people(self, employer: str) -> list[Note]:
        """Everyone there, by name."""
        return sorted(self._people.get(employer, []), key=lambda p: (key(p.title), p.path))

    def asked_since(self, employer: str, day: date, other_than: str) -> bool:
        """Whether a request other than `other_than` went out there on or after `day`."""
        return any(
            asked >= day and path != other_than for asked, path in self._asks.get(employer, [])
        )

    def next_prospect(self, employer: str, exclude: str) -> Note | None:
        """Who to ask next there: a prospect interview (by path), else a person there never
        asked (by name); None when there is nobody."""
        for interview in sorted(self._prospects.get(employer, []), key=lambda n: n.path):
            first = self._vault.person(interview.people[0])
            if first is not None and first.path != exclude:
                return interview
        never = [
            p
            for p in self._people.get(employer, [])
            if p.path != exclude and p.path not in self._met
        ]
        return min(never, key=lambda p: (key(p.title), p.path), default=None)


def parallel_requests(vault: Vault) -> dict[str, list[str]]:
    """Employers with two or more requests waiting at once (the method asks one person at a
    time at each employer): employer name → the interviews, oldest request first."""
    names = {t.name: t.open_requests for t in targets(vault) if len(t.open_requests) > 1}
    return {name: _by_request_date(vault, paths) for name, paths in names.items()}


def _by_request_date(vault: Vault, paths: Iterable[str]) -> list[str]:
    def asked(path: str) -> tuple[str, str]:
        note = vault.notes[path]
        return (note.requested.isoformat() if note.requested else "9999", path)

    return sorted(paths, key=asked)


def _company_notes(vault: Vault) -> dict[str, Note]:
    """Company notes by the key of their name (the first by path when two share a name)."""
    found: dict[str, Note] = {}
    for note in sorted(_companies(vault), key=lambda n: n.path):
        found.setdefault(key(note.title), note)
    return found


def _companies(vault: Vault) -> Iterator[Note]:
    return (n for n in vault.notes.values() if n.is_company and not n.conflict_of)


def _aliases(vault: Vault) -> dict[str, str]:
    """Every name and alias of a company note → the key of its name."""
    found: dict[str, str] = {}
    for name_key, note in _company_notes(vault).items():
        for alias in (note.title, *note.aliases):
            found.setdefault(key(alias), name_key)
    return found


def _people_by_employer(vault: Vault) -> dict[str, list[Note]]:
    aliases = _aliases(vault)
    found: dict[str, list[Note]] = {}
    for person in vault.people:
        if person.company:
            employer = aliases.get(key(person.company), key(person.company))
            found.setdefault(employer, []).append(person)
    return found


def _spelling(people: list[Note]) -> str:
    """The employer's name as most of its people write it (the first in order on a tie)."""
    spellings: dict[str, int] = {}
    for person in sorted(people, key=lambda p: p.path):
        name = " ".join((person.company or "").split())
        spellings[name] = spellings.get(name, 0) + 1
    return max(spellings, key=lambda name: spellings[name])


def _open_requests(vault: Vault) -> dict[str, set[str]]:
    """Employer key → interviews with `status: requested` with someone who works there."""
    aliases = _aliases(vault)
    found: dict[str, set[str]] = {}
    for interview in vault.interviews:
        if interview.status != "requested":
            continue
        for link in interview.people:
            person = vault.person(link)
            if person is not None and person.company:
                employer = aliases.get(key(person.company), key(person.company))
                found.setdefault(employer, set()).add(interview.path)
    return found
