"""Finding a note from what someone typed: a vault path, a file name, a person's name or alias.

Names match case- and accent-insensitively ("lucia fernandez" is Lucía Fernández). A name two
notes claim lists the candidates; a misspelling suggests the closest names, scored by
rapidfuzz (a maintained C library for fuzzy matching, quick on thousands of names). For a
step on a conversation, a person's name means their latest conversation the step applies to.
Pure: a vault snapshot in, a note out, or an error that says what to type instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from rapidfuzz import fuzz, process

from iiv.actions import Step, a_note, either
from iiv.errors import BadArgument, NoteNotFound
from iiv.links import loose_fold
from iiv.note import Note
from iiv.snapshot import Vault

MAX_CANDIDATES = 10
MAX_SUGGESTIONS = 3
SIMILAR = 80  # the rapidfuzz WRatio score (0-100) from which a name is suggested

loose = loose_fold  # the one name-folding rule, in links; contact matching uses it too


def find_person(vault: Vault, text: str) -> Note:
    """The person note `text` names: its path, file name, name or one of its aliases."""
    found = _matches(vault, text)
    people = [note for note in found if note.kind == "person"]
    if not people and found:
        note = found[0]
        raise BadArgument(f"{note.path} is {a_note(note.kind)}, not a person note (type: person)")
    return _one(vault, text, people, "person")


def find_conversation(vault: Vault, text: str, step: Step) -> Note:
    """The interview note `text` names, or the latest conversation with the person it names
    that `step` applies to."""
    found = _matches(vault, text)
    interviews = [note for note in found if note.kind == "interview"]
    if interviews:
        return _one(vault, text, interviews, "interview")
    person = find_person(vault, text)
    theirs = conversations(vault, person)
    fitting = [note for note in theirs if step.allows(note)]
    if fitting:
        return fitting[-1]
    if not theirs:
        hint = f'iiv new interview "{person.title}"'
        raise NoteNotFound(f"{person.title} has no conversation yet; start one with: {hint}")
    latest = theirs[-1]
    reason = step.refusal(latest)
    who = f"{person.title} has no conversation that {step.name} applies to"
    raise BadArgument(f"{who}; the latest, {latest.path}: {reason}")


def conversations(vault: Vault, person: Note) -> list[Note]:
    """The interviews with `person`, oldest first (by date, else the day they were asked)."""
    theirs = [note for note in vault.interviews if _with(vault, note, person.path)]
    return sorted(theirs, key=lambda n: (n.date or n.requested or date.min, n.time or "", n.path))


def _with(vault: Vault, interview: Note, path: str) -> bool:
    return any(
        (p := vault.person(link)) is not None and p.path == path for link in interview.people
    )


def _matches(vault: Vault, text: str) -> list[Note]:
    """The notes `text` names exactly (a path), else by file name, name or alias ignoring case,
    else ignoring accents too; best first."""
    typed = text.replace("\\", "/").strip()
    for path in (typed, f"{typed}.md"):
        if path in vault.notes and not vault.notes[path].conflict_of:
            return [vault.notes[path]]
    paths = vault.resolver.candidates(typed)
    if not paths:
        key = loose(typed)
        paths = sorted(
            {path for path, names in _names(vault) if any(loose(n) == key for n in names)}
        )
    return [vault.notes[path] for path in paths if path in vault.notes]


def _names(vault: Vault) -> Iterable[tuple[str, tuple[str, ...]]]:
    for note in vault.notes.values():
        if not note.conflict_of:
            yield note.path, (note.stem, *note.names)


def _one(vault: Vault, text: str, found: list[Note], kind: str) -> Note:
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        paths = [note.path for note in found]
        shown = ", ".join(paths[:MAX_CANDIDATES])
        more = f" and {len(paths) - MAX_CANDIDATES} more" if len(paths) > MAX_CANDIDATES else ""
        raise BadArgument(f"{text!r} is ambiguous: {shown}{more}; give the note's path")
    raise NoteNotFound(not_found(vault, text, kind))


def not_found(vault: Vault, text: str, kind: str) -> str:
    """`no person 'Pryia Shah'; did you mean Priya Shah?`, or how to create one."""
    close = suggestions(vault, text, kind)
    if close:
        return f"no {kind} {text!r}; did you mean {either(close)}?"
    if kind == "person":
        return f'no person {text!r} in this vault (create one with: iiv new person "{text}")'
    return f"no {kind} {text!r} in this vault (give a path like people/Ada Lovelace.md)"


def suggestions(vault: Vault, text: str, kind: str) -> list[str]:
    """The names most like `text`, one per note (people's names and aliases; for any note,
    file names too), best first."""
    names: list[str] = []
    keys: list[str] = []
    owners: list[str] = []
    for note in vault.notes.values():
        if note.conflict_of or (kind == "person" and note.kind != "person"):
            continue
        for name in note.names if note.kind == "person" else (note.stem, *note.names):
            names.append(name)
            keys.append(loose(name))
            owners.append(note.path)
    found = process.extract(loose(text), keys, scorer=fuzz.WRatio, limit=None, score_cutoff=SIMILAR)
    best: dict[str, str] = {}  # note path → its best-scoring name, in the order found
    for _key, _score, index in found:
        best.setdefault(owners[index], names[index])
    return list(best.values())[:MAX_SUGGESTIONS]
