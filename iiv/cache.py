"""Where iiv keeps what is not the user's: one folder per vault, outside the vault.

It holds the full-text index and catalog (`library`), the undo journal (`journal`), the
dashboard's secret, the state, lock and journal of `iiv sync` (`gitsync`), and which `iiv
serve` runs (`serving.json`); all of it can be deleted, and iiv rebuilds what it needs. It
holds the full text of every note, so only its owner may read it: folders 0700, files 0600,
repaired when found wider (an older iiv made them with the default umask).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from iiv.errors import BadArgument
from iiv.sync import SyncState


def index_folder(root: Path, override: str | Path | None = None) -> Path:
    """Where a vault's index lives: `--index-dir`/`IIV_INDEX_DIR`, else the user's cache folder."""
    if override:
        folder = Path(override).expanduser().resolve()
    else:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", root.name)[:40] or "vault"
        digest = hashlib.sha256(str(root).encode()).hexdigest()[:12]
        folder = cache / "iiv" / f"{slug}-{digest}"
    if folder == root or folder.is_relative_to(root):
        raise BadArgument(f"the index folder {folder} is inside the vault; choose one outside it")
    if not override:
        private(folder.parent)
    private(folder)
    return folder


FOLDER_MODE, FILE_MODE = 0o700, 0o600


def private(folder: Path, depth: int = 3) -> None:
    """Make `folder` (created if missing) readable by its owner only, and what it holds, to
    `depth` levels: folders 0700, files 0600. Only what is wider is changed; symlinks inside
    are left alone (and not followed)."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    _narrow(folder, FOLDER_MODE)
    if depth > 0:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    private(Path(entry.path), depth - 1)
                elif entry.is_file(follow_symlinks=False):
                    _narrow(Path(entry.path), FILE_MODE)


def _narrow(path: Path, mode: int) -> None:
    try:
        current = path.lstat().st_mode & 0o777
        if current & ~mode:
            os.chmod(path, current & mode)
    except FileNotFoundError:  # gone meanwhile
        pass


def locked(path: Path, wait: float) -> IO[str] | None:
    """The file at `path` (made if missing) open and locked by this process alone, waiting at
    most `wait` seconds for another holder; None if it still holds it then. An advisory lock,
    which closing the file lets go of, and which the OS frees if the process dies."""
    handle = open(path, "a+")  # noqa: SIM115 - held for the lock's lifetime
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.close()
                return None
            time.sleep(0.1)


SERVING_FILE = "serving.json"  # which `iiv serve` holds this vault's index, and where


@dataclass(frozen=True)
class Serving:
    """A running `iiv serve`: its process and the address it answers on."""

    pid: int
    url: str


def write_private(path: Path, text: str) -> None:
    """Replace the file at `path` with `text` at once (a reader sees the old file or the new,
    never half of one), readable by its owner only."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def record_serving(folder: Path, serving: Serving) -> None:
    """Say, beside the index, which process serves the vault (readable by its owner only)."""
    write_private(folder / SERVING_FILE, json.dumps({"pid": serving.pid, "url": serving.url}))


def current_serving(folder: Path) -> Serving | None:
    """The `iiv serve` recorded beside the index, if its process still runs."""
    try:
        data = json.loads((folder / SERVING_FILE).read_text(encoding="utf-8"))
        serving = Serving(int(data["pid"]), str(data["url"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return serving if _alive(serving.pid) else None


def forget_serving(folder: Path, pid: int) -> None:
    """Remove the record, if it is this process's."""
    recorded = current_serving(folder)
    if recorded is not None and recorded.pid == pid:
        (folder / SERVING_FILE).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


SYNC_STATE_FILE = "sync.json"  # what the dashboard shows of `iiv sync` between syncs


def sync_state(folder: Path) -> SyncState:
    """The state of syncing recorded beside the index; before any sync, an empty one."""
    try:
        data = json.loads((folder / SYNC_STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return SyncState()
    return SyncState.from_json(data)


def record_sync_state(folder: Path, state: SyncState) -> None:
    write_private(folder / SYNC_STATE_FILE, json.dumps(state.to_json(), indent=1))
