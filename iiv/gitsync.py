"""`iiv sync`: commit the vault, bring in the remote's changes, push; nothing ever lost.

The merge is built outside the working tree (a three-way tree merge in a private index, each
path both sides changed settled by `iiv/sync.py`), committed, and then brought into the vault
file by file through `iiv/atomic.py`'s compare-and-swap writes, each refusing a file the user
changed meanwhile; the branch moves last. So the repository is never left mid-merge: a sync
killed at any moment leaves either the old commit with some files already new (the next sync
commits them, and the merge that follows finds both sides agree), or the finished merge.

A journal beside the index records the git process each step runs. The next sync, finding it,
waits for that process (or stops it) and deletes the lock files it left in `.git`.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import secrets
import shutil
import socket
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any

from iiv import atomic
from iiv.atomic import TEMP_RE
from iiv.cache import locked, record_sync_state, sync_state
from iiv.errors import EditConflict, IivError
from iiv.git import (
    LOCAL_TIMEOUT,
    NETWORK_TIMEOUT,
    Git,
    GitError,
    GitTimeout,
    Repo,
    TreeChange,
    Upstream,
    environment,
)
from iiv.sync import (
    Blob,
    Change,
    Conflict,
    Origin,
    Resolution,
    SyncReport,
    Unmerged,
    commit_message,
    conflict_copy_name,
    machine_of,
    merge_message,
    resolve,
    vault_relative,
)

ROUNDS = 3  # merges tried when the vault or the remote moves during a sync
LOCK_WAIT = 30.0  # seconds `iiv sync` waits for another sync of the same vault
ORPHAN_WAIT = 30.0  # seconds to wait for the git process an interrupted sync left running
TEMP_GLOB = "**/.*.iiv-??????.tmp"  # iiv's own temp files (`edit.TEMP_RE`): never committed
SUBMODULE = "160000"


class Busy(IivError):
    """Another sync of this vault is running."""


@dataclass(frozen=True)
class SyncOptions:
    vault: Path
    state: Path  # a folder outside the vault, beside the index: lock, journal, state
    machine: str
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    lock_wait: float = LOCK_WAIT
    timeout: float | None = None  # per git call, instead of iiv.git's defaults
    network_timeout: float | None = None


def machine_name(env: Mapping[str, str]) -> str:
    """`IIV_MACHINE`, else the host's name without its domain."""
    return env.get("IIV_MACHINE", "").strip() or socket.gethostname().split(".")[0] or "unknown"


def sync_vault(options: SyncOptions) -> SyncReport:
    """Run one sync; refusals and failures raise IivError, saved as the state's last error."""
    with sync_lock(options.state, options.lock_wait):
        journal = Journal(options.state / "sync.journal")
        try:
            report = _run(options, journal)
        except IivError as error:
            if not isinstance(error, GitTimeout):  # a git stopped at its timeout may leave
                journal.end()  # locks: the journal stays, and the next sync removes them
            when = datetime.now(timezone.utc)
            record_sync_state(options.state, sync_state(options.state).failed(str(error), when))
            raise
        journal.end()
        record_sync_state(options.state, sync_state(options.state).after(report))
        return report


def _run(options: SyncOptions, journal: Journal) -> SyncReport:
    repo = Repo.discover(options.vault, environment(options.env))
    git = Git(
        repo.top,
        _ssh_env(repo, environment(options.env)),
        timeout=options.timeout or LOCAL_TIMEOUT,
        network_timeout=options.network_timeout or NETWORK_TIMEOUT,
        on_start=journal.started,
    )
    repo = repo.with_git(git)
    recover(repo, journal, options.state)
    journal.begin()
    return _Sync(repo, options, journal).run()


def _ssh_env(repo: Repo, env: dict[str, str]) -> dict[str, str]:
    """ssh in batch mode (it fails rather than asks), unless the user chose an ssh command."""
    if not ({"GIT_SSH", "GIT_SSH_COMMAND"} & env.keys()) and repo.config("core.sshCommand") is None:
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    return env


@contextmanager
def sync_lock(folder: Path, wait: float) -> Iterator[None]:
    """One sync of a vault at a time, across processes (the OS frees it if iiv dies)."""
    folder.mkdir(parents=True, exist_ok=True)
    handle = locked(folder / "sync.lock", wait)
    if handle is None:
        raise Busy("another iiv sync of this vault is running; try again when it is done")
    with handle:
        yield


# The journal: what an interrupted sync was doing


class Journal:
    """A small file saying a sync is under way, and which git process it last started."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._record: dict[str, Any] = {}

    def begin(self) -> None:
        self._record = {"pid": os.getpid(), "started": time.time()}
        self._write()

    def started(self, pid: int, command: str) -> None:
        if self._record:
            calls = self._record.get("calls", 0) + 1
            self._record.update(git=pid, git_start=_start_time(pid), command=command, calls=calls)
            self._write()

    def writing(self, folders: set[str]) -> None:
        """Note the folders the sync is about to write notes in (its temp files may be left)."""
        if self._record:
            self._record["folders"] = sorted(folders)
            self._write()

    def end(self) -> None:
        self._record = {}
        with suppress(FileNotFoundError):
            self.path.unlink()

    def interrupted(self) -> dict[str, Any] | None:
        """What the interrupted sync recorded, with `updated`: when it last started a git."""
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
            updated = self.path.stat().st_mtime
        except (OSError, ValueError):
            return None
        return {**record, "updated": updated} if isinstance(record, dict) else None

    def _write(self) -> None:
        temp = self.path.with_name(self.path.name + ".new")
        temp.write_text(json.dumps(self._record), encoding="utf-8")
        os.replace(temp, self.path)


def _start_time(pid: int) -> str | None:
    """When a process started (from /proc), so that a reused pid is not taken for it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def _alive(pid: int, start: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # not ours
    return start is None or _start_time(pid) == start


def recover(repo: Repo, journal: Journal, state: Path) -> None:
    """After a sync was interrupted: let its git process end, then delete the locks it left."""
    record = journal.interrupted()
    if record is not None:
        pid, start = record.get("git"), record.get("git_start")
        if isinstance(pid, int) and _alive(pid, start):
            _end_process(pid, start)
        # Its git made them after the sync began, and at most a timeout after its last start.
        since = float(record.get("started", 0)) - 2.0
        until = float(record["updated"]) + max(LOCAL_TIMEOUT, NETWORK_TIMEOUT) + 2.0
        for left in stale_locks(repo, since, until) + temp_files(repo, record, since, until):
            with suppress(FileNotFoundError):
                left.unlink()
    # A sync's private indexes, their locks and the files it checks out: nothing to keep.
    shutil.rmtree(work_folder(state), ignore_errors=True)
    with suppress(FileNotFoundError):
        (state / "sync.journal.new").unlink()


def work_folder(state: Path) -> Path:
    """Where a sync keeps its scratch files, beside the index: emptied at every start."""
    return state / "sync-work"


def _end_process(pid: int, start: str | None) -> None:
    deadline = time.monotonic() + ORPHAN_WAIT
    while _alive(pid, start) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid, start):
        with suppress(OSError):
            os.killpg(pid, 9)
        deadline = time.monotonic() + 5
        while _alive(pid, start) and time.monotonic() < deadline:
            time.sleep(0.05)


def temp_files(repo: Repo, record: dict[str, Any], since: float, until: float) -> list[Path]:
    """iiv's temp files in the folders the interrupted sync was writing in, named or renamed
    while it ran (a rename sets the time of change): a kill in an atomic write's instant leaves
    one, holding a version that git has too."""
    found = []
    for folder in record.get("folders", []):
        with suppress(OSError), os.scandir(repo.top / folder) as entries:
            for entry in entries:
                if TEMP_RE.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                    changed = entry.stat(follow_symlinks=False).st_ctime
                    if since <= changed <= until:
                        found.append(Path(entry.path))
    return found


def stale_locks(repo: Repo, since: float, until: float) -> list[Path]:
    """Lock files git creates, made between `since` and `until`: the interrupted sync's."""
    found: set[Path] = set()
    for folder in {repo.git_dir, repo.common_dir}:
        found.update(folder.glob("*.lock"))
    for sub in ("refs", "objects/info", "logs"):
        found.update((repo.common_dir / sub).rglob("*.lock"))
    stale = []
    for path in sorted(found):
        with suppress(OSError):
            if path.is_file() and since <= path.stat().st_mtime <= until:
                stale.append(path)
    return stale


# One sync


class _Moved(Exception):
    """The vault changed under the sync while bringing in the merge: commit, and merge again."""


class _Sync:
    def __init__(self, repo: Repo, options: SyncOptions, journal: Journal) -> None:
        self.repo, self.options, self.journal = repo, options, journal
        self.machine = options.machine
        self.work = work_folder(options.state)
        self.work.mkdir(parents=True, exist_ok=True)
        self.committed: list[str] = []
        self.received: list[str] = []
        self.conflicts: list[Conflict] = []
        self.warnings: list[str] = []
        self.unreached = False  # the fetch or the push could not reach the remote
        self.pushed = 0
        self.identity: dict[str, str] = {}
        self.branch = ""

    def run(self) -> SyncReport:
        self.branch = self._check()
        self.identity = self._identity()
        remotes = self.repo.remotes()
        upstream = self.repo.upstream(self.branch)
        if remotes and upstream is None and self.repo.head() is not None:
            raise IivError(self._no_upstream(remotes))
        self._commit()
        if not remotes:
            return self._report(None)
        if upstream is None:
            raise IivError(self._no_upstream(remotes))
        self._exchange(upstream)
        return self._report(upstream)

    def _check(self) -> str:
        busy = self.repo.busy()
        if busy:
            what, how = busy
            raise IivError(f"the repository is in the middle of {what}: {how}; then iiv sync")
        branch = self.repo.branch()
        if branch is None:
            raise IivError(
                "HEAD is detached (no branch is checked out): check out your branch, "
                f"e.g. {self.repo.command('switch main')}, then iiv sync"
            )
        return branch

    def _no_upstream(self, remotes: list[str]) -> str:
        remote = "origin" if "origin" in remotes else remotes[0]
        push = self.repo.command(f"push -u {remote} {self.branch}")
        return (
            f"the branch {self.branch} has no upstream to sync with: run {push} once, then iiv sync"
        )

    def _identity(self) -> dict[str, str]:
        """git's own identity; without one, the login name at this machine (README: Devices)."""
        if self.repo.has_identity():
            return {}
        login = _login()
        return {"user.name": login, "user.email": f"{login}@{self.machine}"}

    # Step 1: commit

    def _commit(self) -> None:
        self.repo.stage_vault([TEMP_GLOB])
        head = self.repo.head()
        staged = self.repo.staged(head)
        if not staged:
            return
        changes = [Change(s, vault_relative(p, self.repo.prefix)) for s, p in staged]
        self.repo.commit_vault(commit_message(self.machine, changes), self.identity)
        self.committed += [c.path for c in changes if c.path not in self.committed]

    # Steps 2 and 3: pull, push

    def _exchange(self, upstream: Upstream) -> None:
        for _ in range(ROUNDS):
            try:
                theirs = self.repo.fetch(upstream)
            except GitError as error:
                self.warnings.append(_will_push(f"could not reach {upstream.remote}", error))
                self.unreached = True
                return
            try:
                if theirs is not None:
                    self._merge(upstream, theirs)
            except _Moved:
                self._commit()
                continue
            if self._push(upstream, theirs):
                return
        self.warnings.append(
            "the vault or the remote kept changing during the sync: "
            "what is left will sync on the next sync"
        )

    def _push(self, upstream: Upstream, theirs: str | None) -> bool:
        """Push what the remote lacks; False when it moved on meanwhile (merge again)."""
        waiting = self.repo.count("HEAD", theirs)
        if not waiting:
            return True
        try:
            outcome = self.repo.push(self.branch, upstream)
        except GitError as error:
            self.warnings.append(_will_push(f"could not push to {upstream.remote}", error))
            self.unreached = True
            return True
        if outcome == "rejected":
            return False
        self.pushed += waiting
        return True

    def _merge(self, upstream: Upstream, theirs: str) -> None:
        ours = self.repo.head()
        if ours == theirs or (ours is not None and self.repo.is_ancestor(theirs, ours)):
            return
        if ours is None or self.repo.is_ancestor(ours, theirs):
            target = theirs
        else:
            target = self._merge_commit(upstream, ours, theirs)
        self._bring_in(ours, target, upstream)

    def _merge_commit(self, upstream: Upstream, ours: str, theirs: str) -> str:
        index = self.work / "merge.index"
        with suppress(FileNotFoundError):
            index.unlink()
        base = self.repo.merge_base(ours, theirs) or self.repo.empty_tree()
        unmerged = self.repo.read_merge(index, base, ours, theirs)
        taken = self._paths(index)
        resolutions = [self._settle(u, theirs, taken, index.parent) for u in unmerged]
        self._refuse_outside(resolutions, upstream)
        entries = [(r.path, r.keep) for r in resolutions]
        entries += [(r.copy_path, r.copy) for r in resolutions if r.copy_path and r.copy]
        self.repo.set_entries(index, entries)
        tree = self.repo.write_tree(index)
        conflicts = [self._conflict(r, theirs) for r in resolutions if r.kind != "merged"]
        message = merge_message(self.machine, upstream.label, conflicts)
        commit = self.repo.commit_tree(tree, [ours, theirs], message, self.identity)
        index.unlink()
        self.conflicts += conflicts
        return commit

    def _refuse_outside(self, resolutions: list[Resolution], upstream: Upstream) -> None:
        """A file outside the vault that both sides changed is the user's to merge: iiv
        writes and commits nothing there (its own commit of the vault stays)."""
        for resolution in resolutions:
            if resolution.kind != "merged" and not resolution.path.startswith(self.repo.prefix):
                where = vault_relative(resolution.path, self.repo.prefix)
                raise GitError(
                    f"{where} (outside the vault) was changed both here and on "
                    f"{upstream.label}: merge them with {self.repo.command('pull --no-rebase')}, "
                    "then iiv sync"
                )

    def _paths(self, index: Path) -> dict[str, str]:
        out = self.repo.git.run("ls-files", "-s", "-z", env={"GIT_INDEX_FILE": str(index)}).out
        paths = {}
        for entry in out.decode("utf-8", "surrogateescape").split("\0"):
            if entry:
                info, path = entry.split("\t", 1)
                paths[path] = info.split()[1]
        return paths

    def _settle(
        self, unmerged: Unmerged, theirs: str, taken: dict[str, str], scratch: Path
    ) -> Resolution:
        merged = None
        if unmerged.mergeable:
            folder = scratch / "merge-files"
            folder.mkdir(exist_ok=True)
            try:
                merged = self.repo.merge_text(unmerged, folder)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        copy = None
        if merged is None and unmerged.ours and unmerged.theirs:
            when, message, short = self.repo.last_change(theirs, unmerged.path)
            other = {p for p, oid in taken.items() if oid != unmerged.theirs.oid}
            origin = Origin(when, machine_of(message, short))
            copy = conflict_copy_name(unmerged.path, origin, other)
            taken[copy] = unmerged.theirs.oid
        return resolve(unmerged, merged, copy)

    def _conflict(self, resolution: Resolution, theirs: str) -> Conflict:
        _when, message, short = self.repo.last_change(theirs, resolution.path)
        prefix = self.repo.prefix
        copy = vault_relative(resolution.copy_path, prefix) if resolution.copy_path else None
        return Conflict(
            vault_relative(resolution.path, prefix),
            resolution.kind,
            copy,
            machine_of(message, short),
        )

    # Bringing the merge into the vault

    def _bring_in(self, ours: str | None, target: str, upstream: Upstream) -> None:
        changes = [
            c
            for c in self.repo.changes(ours or self.repo.empty_tree(), target)
            if SUBMODULE not in (c.old and c.old.mode, c.new and c.new.mode)
        ]
        current = {c.path: self._current(c, upstream) for c in changes}
        todo = [c for c in changes if current[c.path] is not _DONE]
        self.journal.writing({str(PurePosixPath(c.path).parent) for c in todo})
        folder = self.work / "checkout"
        shutil.rmtree(folder, ignore_errors=True)
        written = [c.path for c in todo if c.new is not None]
        if written:
            self.repo.check_out(target, written, self.work / "target.index", folder)
        for change in sorted(todo, key=lambda c: c.new is not None):  # deletions first
            self._write(change, current[change.path], folder)
        shutil.rmtree(folder, ignore_errors=True)
        self.repo.set_entries(None, [(c.path, c.new) for c in changes])
        try:
            self.repo.move_branch(self.branch, target, ours, f"iiv sync: {upstream.label}")
        except GitError:
            raise _Moved from None  # a commit meanwhile: the next round merges it
        prefix = self.repo.prefix
        received = [vault_relative(c.path, prefix) for c in changes if c.path.startswith(prefix)]
        self.received += [p for p in received if p not in self.received]

    def _current(self, change: TreeChange, upstream: Upstream) -> bytes | object | None:
        """The file's bytes if it is as `change.old` says (None: absent); _DONE if it is already
        as `change.new` says; raises _Moved if it is neither (changed since the commit)."""
        data = _read(self.repo.top / change.path)
        if self._same(change.path, change.old, data):
            return data
        if self._same(change.path, change.new, data):
            return _DONE
        where = vault_relative(change.path, self.repo.prefix)
        if change.old is None and data is not None and self.repo.ignored(change.path):
            raise GitError(
                f"{where} exists here, ignored by .gitignore, and {upstream.label} has another "
                "one: move it away, then iiv sync"
            )
        if not change.path.startswith(self.repo.prefix):  # never committed by iiv: the user's
            raise GitError(
                f"{where} (outside the vault) has changes here that are not committed, and "
                f"{upstream.label} changed it too: commit or stash them, then iiv sync"
            )
        raise _Moved  # saved since the commit: the next round commits it, then merges

    def _same(self, path: str, blob: Blob | None, data: bytes | None) -> bool:
        if blob is None or data is None:
            return blob is None and data is None
        if _blob_id(data, len(blob.oid)) == blob.oid:
            return True
        return blob.regular and self.repo.blob_id(path, data) == blob.oid  # clean filters

    def _write(self, change: TreeChange, data: Any, folder: Path) -> None:
        path = self.repo.top / change.path
        expected = atomic.content_hash(data) if isinstance(data, bytes) else None
        try:
            if change.new is None:
                if expected is not None:
                    atomic.remove_file(path, expected)
                    _remove_empty_folders(path.parent, self.repo.top)
            elif change.new.mode == "120000":
                _replace_symlink(path, folder / change.path)
            else:
                new = (folder / change.path).read_bytes()
                atomic.write_file(path, new, expected, change.new.mode == "100755")
        except EditConflict:
            raise _Moved from None

    def _report(self, upstream: Upstream | None) -> SyncReport:
        return SyncReport(
            machine=self.machine,
            remote=upstream.label if upstream else None,
            committed=tuple(self.committed),
            received=tuple(self.received),
            pushed=self.pushed,
            waiting=self.repo.waiting(upstream) if upstream else 0,
            conflicts=tuple(self.conflicts),
            warnings=tuple(self.warnings),
            unreached=self.unreached,
        )


_DONE = object()


def _will_push(what: str, error: GitError) -> str:
    return f"{what} ({error}): the changes are committed here and will push on the next sync"


def _read(path: Path) -> bytes | None:
    """A file's bytes, a symlink's target, or None when there is nothing there."""
    try:
        if path.is_symlink():
            return os.fsencode(os.readlink(path))
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError:
        raise _Moved from None


def _blob_id(data: bytes, length: int) -> str:
    algorithm = hashlib.sha1 if length == 40 else hashlib.sha256
    return algorithm(b"blob %d\0" % len(data) + data).hexdigest()


def _replace_symlink(path: Path, made: Path) -> None:
    temp = path.with_name(f".{path.name}.iiv-{secrets.token_hex(3)}.tmp")  # atomic.TEMP_RE
    with suppress(FileNotFoundError):
        temp.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(os.readlink(made), temp)
    os.replace(temp, path)


def _remove_empty_folders(folder: Path, top: Path) -> None:
    while folder != top and folder.is_relative_to(top):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "iiv"


__all__ = ["SyncOptions", "machine_name", "stale_locks", "sync_vault"]
