"""Devices for the sync tests: a bare remote and clones of it in tmp_path, with real git.

Git gets its identity from the environment (CI's machine has none configured) and reads no
global or system configuration, so that the tests see the same git everywhere.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from iiv.gitsync import SyncOptions, sync_vault
from iiv.sync import SyncReport


def git_env(tmp_path: Path, identity: bool = True) -> dict[str, str]:
    """An environment for git: no user configuration; an identity unless told otherwise."""
    config = tmp_path / "gitconfig"
    config.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "IIV_"))}
    env.update(GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1", LC_ALL="C")
    if identity:
        env.update(
            GIT_AUTHOR_NAME="Ada Tester",
            GIT_AUTHOR_EMAIL="ada@example.org",
            GIT_COMMITTER_NAME="Ada Tester",
            GIT_COMMITTER_EMAIL="ada@example.org",
        )
    return env


def git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
    return result.stdout.strip()


@dataclass
class Device:
    """One machine's clone of the vault: its files, its state folder, its git."""

    name: str
    root: Path  # the vault: the clone's top folder, or a folder in it
    state: Path
    env: dict[str, str]

    def sync(self) -> SyncReport:
        options = SyncOptions(vault=self.root, state=self.state, machine=self.name, env=self.env)
        return sync_vault(options)

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def files(self) -> dict[str, str]:
        """Every file in the vault but git's own, by vault-relative path."""
        return {
            p.relative_to(self.root).as_posix(): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(self.root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(self.root).parts
        }

    def git(self, *args: str) -> str:
        return git(self.root, *args, env=self.env)

    def git_dir(self) -> Path:
        return Path(self.git("rev-parse", "--absolute-git-dir"))

    def clean(self) -> bool:
        """Nothing uncommitted, and git is not in the middle of anything."""
        status = self.git("status", "--porcelain")
        git_dir = Path(self.git("rev-parse", "--absolute-git-dir"))
        busy = [n for n in ("MERGE_HEAD", "rebase-merge", "rebase-apply") if (git_dir / n).exists()]
        return not status and not busy


def remote_and_devices(
    tmp_path: Path,
    names: tuple[str, ...] = ("laptop", "phone"),
    files: dict[str, str] | None = None,
) -> tuple[Path, list[Device]]:
    """A bare remote holding `files` (committed from the first device), and a clone per name."""
    env = git_env(tmp_path)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote), env=env)
    devices = []
    for name in names:
        root = tmp_path / name
        git(tmp_path, "clone", "--quiet", str(remote), str(root), env=env)
        devices.append(Device(name, root, tmp_path / f"{name}-state", env))
    first = devices[0]
    for rel, text in (files or {"Welcome.md": "# Welcome\n"}).items():
        first.write(rel, text)
    first.sync()
    for device in devices[1:]:
        device.sync()
    return remote, devices
