"""The vault on disk: which files are notes, reading them, and the whole vault as one snapshot.

This is the one module that reads note files; `edit` is the one that writes them.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from iiv.config import Config, load_config
from iiv.errors import NoteNotFound, VaultNotFound
from iiv.links import Link, Named, Resolver, find_links, parse_link
from iiv.note import Note, parse_note
from iiv.problem import Problem, sort_problems

NOTE_SUFFIX = ".md"


def is_ignored(rel_path: str, config: Config) -> bool:
    """The one ignore rule, for the walk and the watcher alike.

    Skipped: anything under a dot-folder or named with a leading dot (`.git`, `.obsidian`,
    `.trash`, `.stversions`, vim's `.note.md.swp`, Syncthing's `.syncthing.x.tmp`, iiv's own
    temp files), anything not ending in `.md` (vim's `4913` and `note.md~`, Emacs' `#note.md#`),
    and the templates folder.
    """
    parts = _plain_parts(rel_path)
    if parts is None:
        parts = PurePosixPath(rel_path).parts
        if not parts or any(part.startswith(".") for part in parts):
            return True
    name = parts[-1].lower()
    if not name.endswith(NOTE_SUFFIX) or name == NOTE_SUFFIX:
        return True
    return _under(parts, config.templates)


def _plain_parts(rel_path: str) -> tuple[str, ...] | None:
    """`PurePosixPath(rel_path).parts` when no part is empty or starts with "." (then they are
    the text between the slashes), else None."""
    plain = (
        rel_path
        and rel_path[0] != "/"
        and rel_path[-1] != "/"
        and "//" not in rel_path
        and rel_path[0] != "."
        and "/." not in rel_path
    )
    return tuple(rel_path.split("/")) if plain else None


@lru_cache(maxsize=64)
def _folder_parts(folder: str) -> tuple[str, ...]:
    return PurePosixPath(folder).parts


def _under(parts: tuple[str, ...], folder: str) -> bool:
    prefix = _folder_parts(folder)
    return bool(prefix) and parts[: len(prefix)] == prefix and len(parts) > len(prefix)


class FileStat(NamedTuple):
    """What tells a note file's versions apart without reading it (a tuple: there are many)."""

    path: str
    size: int
    mtime_ns: int


def vault_root(path: str | Path) -> Path:
    root = Path(path).expanduser()
    if not root.is_dir():
        raise VaultNotFound(f"no vault at {path}: not a folder (use --vault PATH or set IIV_VAULT)")
    return root.resolve()


def scan(root: Path, config: Config) -> tuple[dict[str, FileStat], list[Problem]]:
    """Every note file's (path, size, mtime) without reading any, and problems with the walk."""
    found: dict[str, FileStat] = {}
    problems: list[Problem] = []
    # folders to read: (folder, its vault-relative path with a final "/", that path's parts)
    pending: list[tuple[str | Path, str, tuple[str, ...]]] = [(root, "", ())]
    templates = config.templates
    while pending:
        folder, prefix, parts = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as error:
            problems.append(Problem(prefix or ".", None, f"cannot read folder: {error.strerror}"))
            continue
        for entry in entries:
            name = entry.name
            if name[0] == ".":  # ignored, and so is everything in a folder named so
                continue
            rel = prefix + name
            try:
                if entry.is_dir(follow_symlinks=False):
                    inner = (*parts, name)
                    if not _under((*inner, "x"), templates):
                        pending.append((entry.path, rel + "/", inner))
                    continue
                # the rest of is_ignored(rel): no part of `rel` starts with "." (those names
                # are skipped above), and no file reached is under the templates folder (it is
                # not entered)
                if not name.lower().endswith(NOTE_SUFFIX):
                    continue
                if entry.is_symlink() and not inside(root, Path(entry.path)):
                    message = "symlink to a file outside the vault: not read"
                    problems.append(Problem(rel, None, message))
                    continue
                info = entry.stat()
            except OSError as error:
                problems.append(Problem(rel, None, f"cannot read: {error.strerror}"))
                continue
            if stat.S_ISREG(info.st_mode):
                found[rel] = FileStat(rel, info.st_size, info.st_mtime_ns)
    return found, problems


def inside(root: Path, path: Path) -> bool:
    try:
        return Path(os.path.realpath(path)).is_relative_to(root)
    except (OSError, ValueError):
        return False


def note_file(root: Path, rel_path: str, config: Config | None = None) -> Path:
    """The file of a vault-relative note path, refusing anything outside the vault or ignored.

    A path as typed may use `\\` and stray spaces; one from a listing is exact, and on POSIX
    a note's name may hold a backslash or start with a space: the exact path is tried first.
    """
    typed = rel_path.replace("\\", "/").strip()
    if typed != rel_path and os.sep == "/":
        with suppress(NoteNotFound):
            return _note_file(root, rel_path, rel_path, config)
    return _note_file(root, typed, rel_path, config)


def _note_file(root: Path, rel: str, rel_path: str, config: Config | None) -> Path:
    parts = PurePosixPath(rel).parts
    bad = not parts or rel.startswith("/") or ".." in parts or "\x00" in rel
    if bad or is_ignored(rel, config or Config()):
        raise NoteNotFound(f"{rel_path}: not a note in this vault")
    path = root / rel
    try:
        found = inside(root, path) and path.is_file()
    except OSError:  # a name longer than the file system allows, say
        found = False
    if not found:
        raise NoteNotFound(f"{rel_path}: no such note in this vault")
    return path


def read_existing(root: Path, rel_path: str) -> Note | None:
    """The note, or None when its file is gone (deleted between the walk and the read)."""
    try:
        data = _read_bytes(root, rel_path)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError:
        return read_note(root, rel_path)
    return parse_note(rel_path, data)


def read_note(root: Path, rel_path: str) -> Note:
    try:
        data = _read_bytes(root, rel_path)
    except OSError as error:
        problem = Problem(rel_path, None, f"cannot read: {error.strerror}", "io")
        return Note(
            path=rel_path,
            kind="note",
            title=PurePosixPath(rel_path).stem,
            body="",
            problems=(problem,),
        )
    return parse_note(rel_path, data)


def _read_bytes(root: Path, rel_path: str) -> bytes:
    """`(root / rel_path).read_bytes()`, quicker: without building a Path for a plain relative
    path (the file is the same), and without a buffer (the file is read whole)."""
    if _plain_parts(rel_path) is None:
        return (root / rel_path).read_bytes()
    with open(os.path.join(root, rel_path), "rb", buffering=0) as file:
        return file.readall()


def load(path: str | Path) -> Vault:
    """Read a whole vault from disk (the CLI's way; the server keeps a live catalog instead)."""
    root = vault_root(path)
    config, problems = load_config(root)
    stats, walk_problems = scan(root, config)
    notes = {rel: read_note(root, rel) for rel in sorted(stats)}
    return Vault(root, config, notes, tuple(problems + walk_problems))


@dataclass(frozen=True)
class Vault:
    """A snapshot of every note, with what needs the whole vault: link resolution, problems."""

    root: Path
    config: Config
    notes: Mapping[str, Note]
    extra_problems: tuple[Problem, ...] = field(default=())

    @cached_property
    def resolver(self) -> Resolver:
        return Resolver(Named(n.path, n.names) for n in self.notes.values() if not n.conflict_of)

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
            return f"[[{target}]] is ambiguous: {', '.join(candidates)}; using {candidates[0]}"
        return None


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
