"""Syncing a vault over git: the plan, without running anything.

`iiv/gitsync.py` runs a sync with the real `git` (through `iiv/git.py`); this module decides
what that sync writes: how each path both sides changed is settled, how a conflict copy is
named, the commit messages, and the report shown afterwards. The rule: a conflict never stops
a sync and never loses a side. Both sides changed the same lines, or added the same name: the
path keeps this machine's version and the other side's whole version is written beside it,
named like a Syncthing conflict copy (which iiv lists first on Problems). A note deleted on one
side and edited on the other keeps the edit.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Any

REGULAR = ("100644", "100755")  # git's modes of a plain file; 120000 a symlink, 160000 a submodule
MACHINE_TRAILER = "Machine"  # the commit trailer naming the machine a sync ran on
TRAILER_RE = re.compile(rf"^{MACHINE_TRAILER}: (.+)$", re.MULTILINE)
SUBJECT_NAMES = 3  # notes named in a commit's subject line
BODY_LINES = 100  # paths listed in a commit's body


@dataclass(frozen=True)
class Blob:
    """One side's version of a path, as git's index holds it."""

    mode: str
    oid: str

    @property
    def regular(self) -> bool:
        return self.mode in REGULAR


@dataclass(frozen=True)
class Unmerged:
    """A path git's three-way tree merge left for us: each side's version, None if absent."""

    path: str
    base: Blob | None
    ours: Blob | None
    theirs: Blob | None

    @property
    def mergeable(self) -> bool:
        """Text both sides changed from a common version: worth a line-by-line merge."""
        sides = (self.base, self.ours, self.theirs)
        return all(side is not None and side.regular for side in sides)


@dataclass(frozen=True)
class Origin:
    """Where the other side's version of a path comes from: when, and on which machine."""

    when: datetime
    machine: str


@dataclass(frozen=True)
class Resolution:
    """How one unmerged path is settled: what stays at the path, and the copy beside it."""

    path: str
    keep: Blob | None  # None: the path is deleted (both sides deleted it)
    copy_path: str | None = None
    copy: Blob | None = None
    kind: str = "merged"  # merged, both-changed, both-added, deleted-there, deleted-here


def resolve(unmerged: Unmerged, merged: Blob | None, copy_path: str | None) -> Resolution:
    """Settle one path. `merged` is git's line-by-line merge when it had no conflict;
    `copy_path` is where the other side's version goes if it must be kept beside."""
    path, ours, theirs = unmerged.path, unmerged.ours, unmerged.theirs
    if merged is not None:
        return Resolution(path, merged)
    if ours is None or theirs is None:
        kept = ours or theirs
        kind = "deleted-there" if ours is not None else "deleted-here"
        return Resolution(path, kept, kind=kind if kept is not None else "merged")
    kind = "both-changed" if unmerged.base is not None else "both-added"
    if not theirs.regular or copy_path is None:  # a symlink or a submodule: ours stays
        return Resolution(path, ours, kind=kind)
    return Resolution(path, ours, copy_path, theirs, kind)


def conflict_copy_name(path: str, origin: Origin, taken: set[str]) -> str:
    """`NAME.sync-conflict-YYYYMMDD-HHMMSS-DEVICE.ext` beside `path`, as Syncthing names them.

    The time (UTC) and the device come from the other side's version, so that a sync run again
    after an interruption picks the same name; a name in `taken` gets a digit after the device.
    """
    folder, _, name = path.rpartition("/")
    stem, ext = _split_extension(name)
    stamp = origin.when.astimezone(timezone.utc).strftime("%Y%m%d-%H%M%S")
    device = device_id(origin.machine)
    for number in range(1, 1000):
        suffix = device if number == 1 else f"{device}{number}"
        candidate = f"{stem}.sync-conflict-{stamp}-{suffix}{ext}"
        full = f"{folder}/{candidate}" if folder else candidate
        if full not in taken:
            return full
    raise ValueError(f"no free conflict copy name beside {path}")


def _split_extension(name: str) -> tuple[str, str]:
    dot = name.rfind(".")
    return (name[:dot], name[dot:]) if dot > 0 else (name, "")


def device_id(machine: str) -> str:
    """A machine's name as Syncthing's device field allows it: letters and digits."""
    return re.sub(r"[^A-Za-z0-9]", "", machine)[:24] or "unknown"


def machine_of(message: str, fallback: str) -> str:
    """The machine an iiv commit names in its trailer, else `fallback` (a short hash)."""
    found = TRAILER_RE.findall(message)
    return found[-1].strip() if found else fallback


# Commit messages


@dataclass(frozen=True)
class Change:
    """A path changed in a commit, relative to the vault: A(dded), M(odified) or D(eleted)."""

    status: str
    path: str


STATUS_WORDS = {"A": "added", "M": "modified", "D": "deleted", "T": "modified"}


def commit_message(machine: str, changes: list[Change]) -> str:
    """`iiv sync on laptop: Ada Lovelace.md, Welcome.md and 3 more`, every path in the body."""
    names = [PurePosixPath(c.path).name for c in changes[:SUBJECT_NAMES]]
    more = len(changes) - len(names)
    subject = ", ".join(names) + (f" and {more} more" if more else "")
    body = [f"{STATUS_WORDS.get(c.status, 'changed')} {c.path}" for c in changes[:BODY_LINES]]
    if len(changes) > BODY_LINES:
        body.append(f"and {len(changes) - BODY_LINES} more")
    return f"iiv sync on {machine}: {subject}\n\n" + "\n".join(body) + _trailer(machine)


def merge_message(machine: str, remote: str, conflicts: list[Conflict]) -> str:
    """The merge commit's message: what came from where, and each conflict settled."""
    subject = f"iiv sync on {machine}: merge {remote}"
    lines = [conflict.describe() for conflict in conflicts]
    body = "\n\n" + "\n".join(lines) if lines else ""
    return subject + body + _trailer(machine)


def _trailer(machine: str) -> str:
    return f"\n\n{MACHINE_TRAILER}: {machine}\n"


# The report


@dataclass(frozen=True)
class Conflict:
    """A path both sides changed, settled without losing a side (paths vault-relative)."""

    path: str
    kind: str
    copy: str | None = None
    other: str = "the other side"  # the other machine's name, when known

    def describe(self) -> str:
        if self.kind == "deleted-there":
            return f"{self.path}: deleted on {self.other}, edited here; the edit is kept"
        if self.kind == "deleted-here":
            return f"{self.path}: deleted here, edited on {self.other}; the edit is kept"
        what = "added on both sides" if self.kind == "both-added" else "changed on both sides"
        if self.copy is None:
            return f"{self.path}: {what}; this machine's version is kept"
        return (
            f"{self.path}: {what}; this machine's version is kept, "
            f"the version from {self.other} is in {self.copy}"
        )

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "kind": self.kind, "copy": self.copy, "other": self.other}


@dataclass(frozen=True)
class SyncReport:
    """What one `iiv sync` did; paths are relative to the vault."""

    machine: str
    remote: str | None  # "origin/main"; None without a remote
    committed: tuple[str, ...] = ()
    received: tuple[str, ...] = ()
    pushed: int = 0  # commits pushed
    waiting: int = 0  # commits not pushed yet
    conflicts: tuple[Conflict, ...] = ()
    warnings: tuple[str, ...] = ()
    unreached: bool = False  # the remote could not be reached, for the fetch or the push
    when: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def did_nothing(self) -> bool:
        """Nothing to commit, and the remote out of reach: the sync could do nothing at all."""
        return self.unreached and not (self.committed or self.received or self.pushed)

    def summary(self) -> str:
        """One line: `Committed 2 notes, received 3 from origin/main, pushed 2 commits.`"""
        if self.remote is None:
            if not self.committed:
                return "Nothing to commit (no remote: iiv sync keeps a history of the vault only)."
            return f"Committed {_files(self.committed)} (no remote: a history of the vault only)."
        parts = [f"committed {_files(self.committed)}"] if self.committed else []
        if self.received:
            parts.append(f"received {len(self.received)} from {self.remote}")
        if self.pushed:
            parts.append(f"pushed {_count(self.pushed, 'commit')} to {self.remote}")
        if self.waiting and not self.pushed:
            parts.append(f"{_count(self.waiting, 'commit')} waiting to be pushed")
        if not parts and self.unreached:
            return f"Nothing synced: no changes to commit here, and {self.remote} is out of reach."
        if not parts:
            return f"Nothing to sync: the vault is the same as {self.remote}."
        text = ", ".join(parts)
        return text[0].upper() + text[1:] + "."

    def lines(self) -> list[str]:
        """The summary, then each conflict, for the terminal."""
        return [self.summary(), *(f"conflict: {c.describe()}" for c in self.conflicts)]

    def to_json(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "remote": self.remote,
            "committed": list(self.committed),
            "received": list(self.received),
            "pushed": self.pushed,
            "waiting": self.waiting,
            "conflicts": [c.to_json() for c in self.conflicts],
            "warnings": list(self.warnings),
            "when": self.when.isoformat(timespec="seconds"),
        }


def _files(paths: tuple[str, ...]) -> str:
    noun = "note" if all(p.lower().endswith(".md") for p in paths) else "file"
    return _count(len(paths), noun)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def vault_relative(repo_path: str, prefix: str) -> str:
    """A repository path seen from the vault folder `prefix` ("" or "notes/vault/")."""
    if repo_path.startswith(prefix):
        return repo_path[len(prefix) :]
    ups = prefix.rstrip("/").count("/") + 1
    return "../" * ups + repo_path


# What the dashboard shows between syncs: kept beside the index, outside the vault.


@dataclass(frozen=True)
class SyncState:
    last_sync: str | None = None  # ISO time of the last sync that finished
    last_result: str | None = None  # its summary
    waiting: int = 0  # commits waiting to be pushed after it
    remote: str | None = None
    last_error: str | None = None  # the last sync that failed, or warned
    last_error_at: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> SyncState:
        """The state as `to_json` wrote it; what is not a state at all is the state before
        any sync."""
        if not isinstance(data, dict):
            return cls()
        values: dict[str, Any] = {key: data.get(key) for key in cls.__dataclass_fields__}
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def after(self, report: SyncReport) -> SyncState:
        warning = "; ".join(report.warnings) or None
        when = report.when.isoformat(timespec="seconds")
        return SyncState(
            last_sync=when,
            last_result=report.summary(),
            waiting=report.waiting,
            remote=report.remote,
            last_error=warning or self.last_error,
            last_error_at=when if warning else self.last_error_at,
        )

    def failed(self, message: str, when: datetime) -> SyncState:
        at = when.isoformat(timespec="seconds")
        return SyncState(self.last_sync, self.last_result, self.waiting, self.remote, message, at)
