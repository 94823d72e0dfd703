"""Shared test helpers: build real vaults on disk from a dict."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "vault-example"


def make_vault(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    """Write `files` (vault-relative path → text or bytes) under tmp_path/vault; return the root."""
    root = tmp_path / "vault"
    root.mkdir(exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root


def copy_example(tmp_path: Path) -> Path:
    """A private copy of vault-example/ to change freely."""
    target = tmp_path / "vault-example"
    shutil.copytree(EXAMPLE, target)
    return target
