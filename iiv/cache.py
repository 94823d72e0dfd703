"""Where iiv keeps what is not the user's: one folder per vault, outside the vault.

It holds the full-text index and catalog (`library`), the undo journal (`journal`), the
dashboard's secret, the state, lock and journal of `iiv sync` (`gitsync`), and which `iiv
serve` runs (`serving.json`); all of it can be deleted, and iiv rebuilds what it needs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from iiv.errors import BadArgument


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
    folder.mkdir(parents=True, exist_ok=True)
    return folder


SERVING_FILE = "serving.json"  # which `iiv serve` holds this vault's index, and where


@dataclass(frozen=True)
class Serving:
    """A running `iiv serve`: its process and the address it answers on."""

    pid: int
    url: str


def record_serving(folder: Path, serving: Serving) -> None:
    """Say, beside the index, which process serves the vault (readable by its owner only)."""
    path = folder / SERVING_FILE
    temporary = path.with_name(f".{SERVING_FILE}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"pid": serving.pid, "url": serving.url}, handle)
    os.replace(temporary, path)


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
