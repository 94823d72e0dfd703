"""The `git` command: the one module that runs it.

Every call has a timeout, never prompts, and uses the user's own ssh agent and credential
helpers: git runs in a session of its own, so that neither it nor ssh can open the terminal,
with `GIT_TERMINAL_PROMPT=0`, no askpass program, and ssh in batch mode unless the user chose
an ssh command. A call that runs too long is stopped, with the processes it started.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from iiv.errors import IivError
from iiv.sync import Blob, Unmerged

LOCAL_TIMEOUT = 120.0  # seconds for a command that only reads and writes this repository
NETWORK_TIMEOUT = 120.0  # seconds for a fetch or a push
STOP_GRACE = 3.0  # seconds a stopped git gets to clean up before it is killed
CONFIG = (
    "core.quotePath=false",
    "gc.autoDetach=false",  # housekeeping runs inside the call, within its timeout
    "maintenance.autoDetach=false",
    "advice.detachedHead=false",
)
UNREADABLE_REMOTE = "fatal: Could not read from remote repository."
BUSY_FILES = {  # what git leaves in its folder while an operation waits for the user
    "MERGE_HEAD": ("a merge", "finish it with git commit, or undo it with git merge --abort"),
    "rebase-merge": ("a rebase", "git rebase --continue, or git rebase --abort"),
    "rebase-apply": (
        "a rebase or git am",
        "git rebase --continue (or git am --continue), or --abort",
    ),
    "CHERRY_PICK_HEAD": ("a cherry-pick", "git cherry-pick --continue, or --abort"),
    "REVERT_HEAD": ("a revert", "git revert --continue, or --abort"),
    "BISECT_LOG": ("a bisect", "git bisect reset"),
}


class GitError(IivError):
    """A git command failed; the message is git's own last line of complaint."""


class GitTimeout(GitError):
    """A git command ran past its timeout and was stopped."""


class NotARepository(IivError):
    """The vault is not inside a git repository."""


@dataclass(frozen=True)
class Result:
    code: int
    out: bytes
    err: str

    @property
    def text(self) -> str:
        return self.out.decode("utf-8", "surrogateescape").strip()


def environment(base: Mapping[str, str]) -> dict[str, str]:
    """The environment for git: the user's own (ssh agent, credential helpers), never prompting."""
    env = dict(base)
    env.update(
        GIT_TERMINAL_PROMPT="0",
        SSH_ASKPASS_REQUIRE="never",
        GCM_INTERACTIVE="never",  # Git Credential Manager
        LC_ALL="C",  # git's messages in English, as iiv quotes them
    )
    env.setdefault("GIT_ASKPASS", "")  # empty: no askpass program (an explicit one is kept)
    return env


@dataclass(frozen=True)
class Git:
    """Runs `git -C cwd ...`; `on_start` learns each process started: its pid and command."""

    cwd: Path
    env: Mapping[str, str]
    timeout: float = LOCAL_TIMEOUT
    network_timeout: float = NETWORK_TIMEOUT
    on_start: Callable[[int, str], None] | None = None

    def run(
        self,
        *args: str,
        input: bytes | None = None,
        network: bool = False,
        check: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> Result:
        argv = ["git", *_config_options(CONFIG), *args]
        timeout = self.network_timeout if network else self.timeout
        try:
            proc = subprocess.Popen(
                argv,
                cwd=self.cwd,
                env={**self.env, **(env or {})},
                stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # no terminal to prompt on; stopped as a group
            )
        except FileNotFoundError:
            raise GitError("git is not installed: iiv sync runs the git command") from None
        if self.on_start is not None:
            self.on_start(proc.pid, _name(args))
        out, err = _communicate(proc, input, timeout, _name(args))
        result = Result(proc.returncode, out, err.decode("utf-8", "replace"))
        if check and result.code != 0:
            raise GitError(f"git {_name(args)}: {complaint(result.err)}")
        return result

    def text(self, *args: str, **options: object) -> str:
        return self.run(*args, **options).text  # type: ignore[arg-type]


def _name(args: tuple[str, ...]) -> str:
    """The git command among its arguments: `commit` in `-c user.name=x commit ...`."""
    words = iter(args)
    for word in words:
        if word == "-c":
            next(words, None)
        else:
            return word
    return "git"


def _communicate(
    proc: subprocess.Popen[bytes], input: bytes | None, timeout: float, name: str
) -> tuple[bytes, bytes]:
    try:
        return proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        raise GitTimeout(
            f"git {name} did not finish within {timeout:.0f} s and was stopped"
        ) from None
    except BaseException:  # Ctrl+C, or iiv stopping: git's session does not get the signal
        _stop(proc)
        raise


def _stop(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, 30.0)):
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.communicate(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def complaint(stderr: str) -> str:
    """git's reason, in one line: its last `fatal:` or `error:` line, else its last line; when
    that line is git's general word on a remote it could not read, the line before it says why
    (ssh's `Connection refused`, a path that is no repository)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    marked = [i for i, line in enumerate(lines) if line.startswith(("fatal:", "error:"))]
    if not lines:
        return "failed"
    last = marked[-1] if marked else len(lines) - 1
    if lines[last] == UNREADABLE_REMOTE and last > 0:
        last -= 1
    return re.sub(r"^(fatal|error): ", "", lines[last])


# The repository


@dataclass(frozen=True)
class TreeChange:
    """One path that differs between two trees (`git diff-tree`); a None blob: absent."""

    path: str
    old: Blob | None
    new: Blob | None


@dataclass(frozen=True)
class Upstream:
    remote: str
    merge: str  # the remote branch, like refs/heads/main

    @property
    def label(self) -> str:
        return f"{self.remote}/{self.merge.removeprefix('refs/heads/')}"


class Repo:
    """A git repository holding the vault; paths are relative to its top folder."""

    def __init__(self, git: Git, top: Path, prefix: str, git_dir: Path, common_dir: Path) -> None:
        self.git, self.top, self.prefix = git, top, prefix
        self.git_dir, self.common_dir = git_dir, common_dir
        self._empty: str | None = None

    @classmethod
    def discover(cls, vault: Path, env: Mapping[str, str], **options: object) -> Repo:
        """The repository the vault folder is in; `prefix` is the vault's folder in it."""
        probe = Git(vault, env)
        result = probe.run(
            "rev-parse",
            "--show-toplevel",
            "--show-prefix",
            "--absolute-git-dir",
            "--git-common-dir",
            check=False,
        )
        lines = result.out.decode("utf-8", "surrogateescape").splitlines()
        if result.code != 0 or len(lines) < 4:
            if "not a git repository" in result.err:
                raise NotARepository(not_a_repository(vault))
            raise GitError(f"git rev-parse: {complaint(result.err)}")
        top = Path(lines[0])
        common = Path(lines[3]) if Path(lines[3]).is_absolute() else vault / lines[3]
        git = Git(top, env, **options)  # type: ignore[arg-type]
        return cls(git, top, lines[1], Path(lines[2]), common.resolve())

    def with_git(self, git: Git) -> Repo:
        return Repo(git, self.top, self.prefix, self.git_dir, self.common_dir)

    @property
    def vault_pathspec(self) -> str:
        return f":(top,literal){self.prefix}" if self.prefix else ":(top)"

    def command(self, text: str) -> str:
        """A git command line for the user to run, from any folder."""
        return f"git -C {shlex.quote(str(self.top))} {text}"

    # What state it is in

    def busy(self) -> tuple[str, str] | None:
        """(operation, how to finish it) when git waits for the user to finish something."""
        for name, what in BUSY_FILES.items():
            if (self.git_dir / name).exists():
                return what
        return None

    def branch(self) -> str | None:
        """The checked-out branch, or None on a detached HEAD."""
        result = self.git.run("symbolic-ref", "-q", "--short", "HEAD", check=False)
        return result.text if result.code == 0 else None

    def head(self) -> str | None:
        """HEAD's commit, or None before the first commit."""
        result = self.git.run("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
        return result.text if result.code == 0 else None

    def remotes(self) -> list[str]:
        return self.git.text("remote").split()

    def upstream(self, branch: str) -> Upstream | None:
        remote = self.config(f"branch.{branch}.remote")
        merge = self.config(f"branch.{branch}.merge")
        return Upstream(remote, merge) if remote and merge else None

    def config(self, key: str) -> str | None:
        result = self.git.run("config", "--get", key, check=False)
        return result.text if result.code == 0 else None

    def has_identity(self) -> bool:
        ok = (
            self.git.run("var", v, check=False).code == 0
            for v in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT")
        )
        return all(ok)

    def ignored(self, path: str) -> bool:
        """Whether .gitignore excludes `path` (relative to the top folder, git's working one)."""
        return self.git.run("check-ignore", "-q", "--", path, check=False).code == 0

    def empty_tree(self) -> str:
        if self._empty is None:
            self._empty = self.git.text("mktree", input=b"")
        return self._empty

    # Committing the vault

    def stage_vault(self, exclude: Iterable[str]) -> None:
        pathspecs = [self.vault_pathspec, *(f":(top,exclude,glob){p}" for p in exclude)]
        self.git.run("add", "--all", "--", *pathspecs)

    def staged(self, head: str | None) -> list[tuple[str, str]]:
        """(status letter, path) of each change staged under the vault, against `head`."""
        against = head or self.empty_tree()
        out = self.git.run(
            "diff",
            "--cached",
            "--name-status",
            "--no-renames",
            "-z",
            against,
            "--",
            self.vault_pathspec,
        ).out
        fields = out.decode("utf-8", "surrogateescape").split("\0")
        return [(fields[i][:1], fields[i + 1]) for i in range(0, len(fields) - 1, 2)]

    def commit_vault(self, message: str, identity: Mapping[str, str]) -> str:
        """Commit what is staged under the vault only (other staged paths stay staged)."""
        options = _config_options(f"{k}={v}" for k, v in identity.items())
        self.git.run(
            *options,
            "commit",
            "--quiet",
            "--no-verify",
            "--file=-",
            "--",
            self.vault_pathspec,
            input=message.encode("utf-8"),
        )
        head = self.head()
        assert head is not None
        return head

    # Talking to the remote

    def fetch(self, upstream: Upstream) -> str | None:
        """The remote branch's commit after fetching it; None when it does not exist yet."""
        result = self.git.run(
            "fetch",
            "--quiet",
            "--no-tags",
            upstream.remote,
            upstream.merge,
            network=True,
            check=False,
        )
        if result.code != 0:
            if "couldn't find remote ref" in result.err:
                return None
            raise GitError(complaint(result.err))
        return self.git.text("rev-parse", "--verify", "FETCH_HEAD^{commit}")

    def push(self, branch: str, upstream: Upstream) -> str:
        """Push; returns "pushed", "rejected" (the remote moved on), else raises GitError."""
        result = self.git.run(
            "push",
            "--porcelain",
            upstream.remote,
            f"refs/heads/{branch}:{upstream.merge}",
            network=True,
            check=False,
        )
        if result.code == 0:
            return "pushed"
        if _remote_moved(result.text + result.err):
            return "rejected"
        reasons = re.findall(r"^!\t[^\t]*\t(.*)$", result.text, re.MULTILINE)
        raise GitError(reasons[0] if reasons else complaint(result.err))

    def count(self, head: str, exclude: str | None) -> int:
        """Commits in `head`'s history that are not in `exclude`'s."""
        if self.head() is None:
            return 0
        others = ["--not", exclude] if exclude else []
        return int(self.git.text("rev-list", "--count", head, *others))

    def waiting(self, upstream: Upstream | None) -> int:
        """Commits on HEAD that no remote-tracking branch has yet."""
        if self.head() is None:
            return 0
        others = ["--remotes"] if upstream is None else [f"--remotes={upstream.remote}"]
        return int(self.git.text("rev-list", "--count", "HEAD", "--not", *others) or 0)

    # Merging

    def is_ancestor(self, older: str, newer: str) -> bool:
        return self.git.run("merge-base", "--is-ancestor", older, newer, check=False).code == 0

    def merge_base(self, a: str, b: str) -> str | None:
        result = self.git.run("merge-base", a, b, check=False)
        return result.text if result.code == 0 else None

    def read_merge(self, index: Path, base: str, ours: str, theirs: str) -> list[Unmerged]:
        """Three-way merge of trees into a private index; the paths left unmerged."""
        env = {"GIT_INDEX_FILE": str(index)}
        self.git.run("read-tree", "-i", "-m", "--aggressive", base, ours, theirs, env=env)
        out = self.git.run("ls-files", "--unmerged", "-z", env=env).out
        stages: dict[str, dict[int, Blob]] = {}
        for entry in out.decode("utf-8", "surrogateescape").split("\0"):
            if entry:
                info, path = entry.split("\t", 1)
                mode, oid, stage = info.split()
                stages.setdefault(path, {})[int(stage)] = Blob(mode, oid)
        return [Unmerged(p, s.get(1), s.get(2), s.get(3)) for p, s in sorted(stages.items())]

    def merge_text(self, unmerged: Unmerged, scratch: Path) -> Blob | None:
        """git's line-by-line merge of a path both sides changed; None if lines conflict."""
        assert unmerged.base and unmerged.ours and unmerged.theirs
        files = []
        for name, blob in (
            ("ours", unmerged.ours),
            ("base", unmerged.base),
            ("theirs", unmerged.theirs),
        ):
            target = scratch / name
            target.write_bytes(self.git.run("cat-file", "blob", blob.oid).out)
            files.append(str(target))
        result = self.git.run("merge-file", "-p", *files, check=False)
        if result.code != 0:
            return None
        oid = self.git.text("hash-object", "-w", "--stdin", input=result.out)
        return Blob(unmerged.ours.mode, oid)

    def last_change(self, commit: str, path: str) -> tuple[datetime, str, str]:
        """When `path` last changed on `commit`'s history: (time, commit message, short hash)."""
        out = self.git.text(
            "log", "-1", "--format=%ct%x00%h%x00%B", commit, "--", f":(top,literal){path}"
        )
        stamp, short, message = [*out.split("\0", 2), "", ""][:3]
        when = datetime.fromtimestamp(int(stamp or 0), timezone.utc)
        return when, message, short

    def set_entries(self, index: Path | None, entries: Iterable[tuple[str, Blob | None]]) -> None:
        """Set each path to a blob (stage 0), or remove it (None), in an index file (None:
        the repository's own index)."""
        zero = "0" * len(self.empty_tree())  # git's hash: SHA-1 or SHA-256
        lines = [
            f"{blob.mode} {blob.oid} 0\t{path}" if blob else f"0 {zero} 0\t{path}"
            for path, blob in entries
        ]
        if lines:
            data = ("\0".join(lines) + "\0").encode("utf-8", "surrogateescape")
            env = {"GIT_INDEX_FILE": str(index)} if index is not None else None
            self.git.run("update-index", "-z", "--index-info", input=data, env=env)

    def write_tree(self, index: Path) -> str:
        return self.git.text("write-tree", env={"GIT_INDEX_FILE": str(index)})

    def commit_tree(
        self, tree: str, parents: list[str], message: str, identity: Mapping[str, str]
    ) -> str:
        options = _config_options(f"{k}={v}" for k, v in identity.items())
        flags = [flag for parent in parents for flag in ("-p", parent)]
        return self.git.text(
            *options, "commit-tree", tree, *flags, "-F", "-", input=message.encode("utf-8")
        )

    def changes(self, old: str, new: str) -> list[TreeChange]:
        """Every path that differs between two trees or commits."""
        out = self.git.run("diff-tree", "-r", "-z", "--no-renames", old, new).out
        fields = out.decode("utf-8", "surrogateescape").split("\0")
        found = []
        for i in range(0, len(fields) - 1, 2):
            old_mode, new_mode, old_oid, new_oid, _ = fields[i].lstrip(":").split()
            before = Blob(old_mode, old_oid) if old_mode != "000000" else None
            after = Blob(new_mode, new_oid) if new_mode != "000000" else None
            found.append(TreeChange(fields[i + 1], before, after))
        return found

    def check_out(self, commit: str, paths: list[str], index: Path, folder: Path) -> None:
        """Write `paths` as `commit` has them under `folder`, filters applied as a checkout does."""
        env = {"GIT_INDEX_FILE": str(index)}
        self.git.run("read-tree", commit, env=env)
        data = "".join(f"{p}\0" for p in paths).encode("utf-8", "surrogateescape")
        self.git.run(
            "checkout-index", "--force", f"--prefix={folder}/", "-z", "--stdin", input=data, env=env
        )

    def blob_id(self, path: str, data: bytes) -> str:
        """The blob git would store for `data` at `path` (its clean filters applied)."""
        return self.git.text("hash-object", f"--path={path}", "--stdin", input=data)

    def move_branch(self, branch: str, new: str, old: str | None, message: str) -> None:
        """Move the branch from `old` (None: from nothing) to `new`; fails if it moved meanwhile."""
        zero = "0" * len(new)
        self.git.run("update-ref", "-m", message, f"refs/heads/{branch}", new, old or zero)


def _config_options(settings: Iterable[str]) -> list[str]:
    return [part for setting in settings for part in ("-c", setting)]


def _remote_moved(output: str) -> bool:
    """Whether a push failed because the remote branch moved on since it was fetched (and not,
    say, because of a lock file another push left on the remote)."""
    if any(reason in output for reason in ("(fetch first)", "(non-fast-forward)", "(stale info)")):
        return True
    return "(failed to update ref)" in output and "but expected" in output


def in_repository(folder: Path) -> bool:
    """Whether a folder is in a git repository: a `.git` in it or a folder above (no git run)."""
    here = folder.resolve()
    return any((each / ".git").exists() for each in (here, *here.parents))


def not_a_repository(vault: Path) -> str:
    folder = shlex.quote(str(vault))
    return (
        f"{vault} is not in a git repository: to keep it in git, run "
        f"git -C {folder} init, then iiv sync (README: Devices)"
    )


__all__ = [
    "Git",
    "GitError",
    "GitTimeout",
    "NotARepository",
    "Repo",
    "TreeChange",
    "Upstream",
    "in_repository",
]
