"""Where iiv keeps what is not the user's: one folder per vault, outside the vault.

It holds the full-text index and catalog (`library`), the undo journal (`journal`), the
dashboard's secret, and the state, lock and journal of `iiv sync` (`gitsync`); all of it can
be deleted, and iiv rebuilds what it needs.
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
    folder.mkdir(parents=True, exist_ok=True)
    return folder
