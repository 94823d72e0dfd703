"""What iiv does to notes, carried out: written through the safe edit (`iiv.edit`), then
entered in the undo journal (`iiv.journal`).

The core says what changes: `iiv.actions` a step of a conversation, `iiv.debrief` a debrief,
`iiv.patch` a property. Here it is written and journaled, and `Applied` tells the command line
and the dashboard what was done and which journal entry undoes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from iiv import edit
from iiv.actions import Change, Details, change, changed_lines
from iiv.config import Config
from iiv.debrief import Debrief, Suggested, with_debrief
from iiv.errors import BadArgument, EditRefused
from iiv.journal import Journal
from iiv.note import Note, parse_note
from iiv.snapshot import Vault
from iiv.template import NewInterview, new_interview, new_person


@dataclass(frozen=True)
class Applied:
    """What a change did on disk: the note, the lines changed, the journal entry to undo it."""

    path: str
    lines: tuple[int, ...]
    summary: str
    undo: int | None  # None: the note held the values already, nothing was written
    digest: str  # the note's hash now

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "lines": list(self.lines), "undo": self.undo}


def rewrite(
    root: Path,
    path: str,
    expected_hash: str,
    change: Callable[[bytes], bytes],
    summary: str,
    journal: Journal,
    config: Config | None = None,
) -> Applied:
    """Replace a note's bytes with `change(bytes)` if they still hash to `expected_hash`, and
    journal it (see `edit.rewrite` and `journaled`)."""
    journal.check()  # a change that could not be undone is not made
    return journaled(edit.rewrite(root, path, expected_hash, change, config), summary, journal)


def journaled(written: edit.Rewrite, summary: str, journal: Journal) -> Applied:
    """Enter a rewrite in the undo journal; one that changed nothing is not entered."""
    digest = edit.content_hash(written.after)
    if written.after == written.before:
        return Applied(written.path, (), summary, None, digest)
    lines = changed_lines(written.before, written.after)
    entry = journal.record(written.path, summary, written.before, digest, lines)
    return Applied(written.path, lines, summary, entry, digest)


def apply(
    root: Path,
    path: str,
    name: str,
    details: Details,
    expected_hash: str,
    journal: Journal,
    config: Config | None = None,
) -> Applied:
    """Run step `name` on the note at `path` if it still hashes to `expected_hash`."""
    made: list[Change] = []
    kinds = (config or Config()).kinds

    def step(data: bytes) -> bytes:
        made.append(change(name, parse_note(path, data, kinds), data, details))
        return made[-1].after

    where = f"{path}:{details.line}" if details.line is not None else path
    journal.check()  # a change that could not be undone is not made
    written = edit.rewrite(root, path, expected_hash, step, config, where)
    return journaled(written, made[-1].summary, journal)


def create(
    root: Path,
    make: Callable[[], str],
    journal: Journal,
    summary: Callable[[str], str] | None = None,
) -> Applied:
    """Create a note with `make` (which returns its path) and journal it, summarised by
    `summary(path)` ("PATH created" by default); refused, with nothing written, when the
    journal cannot record it."""
    journal.check()  # a note that could not be undone is not created
    path = make()
    return record_created(root, path, summary(path) if summary else f"{path} created", journal)


def record_created(root: Path, path: str, summary: str, journal: Journal) -> Applied:
    """Journal a note iiv just created, so that undo can delete it while it is unchanged."""
    data, digest = edit.read(root, path)
    lines = tuple(range(1, data.count(b"\n") + 1 + (not data.endswith(b"\n"))))
    entry = journal.record(path, summary, None, digest, lines)
    return Applied(path, lines, summary, entry, digest)


@dataclass(frozen=True)
class Recorded:
    """What a debrief wrote: the interview's change, and the notes it created."""

    interview: Applied | None  # None: no takeaway or promise to add
    created: tuple[Applied, ...]
    known: tuple[str, ...]  # people suggested who have a note already


def record_debrief(
    vault: Vault,
    path: str,
    expected_hash: str,
    debrief: Debrief,
    journal: Journal,
    today: date,
) -> Recorded:
    """Write a debrief of the interview at `path`, which must still hash to `expected_hash`."""
    root, config = vault.root, vault.config
    interview = vault.notes.get(path)
    if interview is None or interview.kind != "interview":
        raise EditRefused(f"{path}: a debrief is for an interview note (type: interview)")
    if interview.status != "done":
        status = interview.status or "not set"
        raise EditRefused(f"{path}: its status is {status}; debrief a conversation once it is done")
    if debrief.empty:
        raise BadArgument("nothing to record: add a takeaway, a person or a promise")
    changed = _record_interview(root, config, path, expected_hash, debrief, journal)
    met = vault.person(interview.people[0]) if interview.people else None
    created: list[Applied] = []
    known: list[str] = []
    for person in debrief.people:
        if vault.resolver.candidates(person.name):
            known.append(person.name)
            continue
        created += _record_person(root, config, person, met, journal, today)
    return Recorded(changed, tuple(created), tuple(known))


def _record_interview(
    root: Path, config: Config, path: str, digest: str, debrief: Debrief, journal: Journal
) -> Applied | None:
    if not (debrief.takeaways or debrief.promises):
        return None

    def add(data: bytes) -> bytes:
        return with_debrief(data, debrief)

    return rewrite(root, path, digest, add, f"Debrief recorded in {path}", journal, config)


def _record_person(
    root: Path,
    config: Config,
    person: Suggested,
    met: Note | None,
    journal: Journal,
    today: date,
) -> list[Applied]:
    """A prospect: a person note introduced by the person met, and a prospect interview."""
    extra = {"introduced_by": f"[[{met.stem}]]"} if met else {}
    ask = NewInterview(person.name, status="prospect")
    return [
        create(
            root,
            lambda: new_person(root, config, person.name, person.company, today, extra),
            journal,
        ),
        create(root, lambda: new_interview(root, config, ask, today), journal),
    ]
