"""Where iiv keeps what is not the user's: one folder per vault, outside the vault.

It holds the full-text index and catalog (`library`), the undo journal (`journal`), the
dashboard's secret, and the state, lock and journal of `iiv sync` (`gitsync`); all of it can
be deleted, and iiv rebuilds what it needs. It holds the full text of every note, so only its
owner may read it: folders 0700, files 0600, repaired when found wider (an older iiv made them
with the default umask).
"""

from __future__ import annotations

import hashlib
import os
import re
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
