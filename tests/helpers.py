"""Shared test helpers: build real vaults on disk from a dict."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask.testing import FlaskClient

if TYPE_CHECKING:
    from werkzeug.test import TestResponse

    from iiv.server import Server

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "vault-example"
CHROMIUM = Path("/usr/bin/chromium")
# The README's test command must pass on a machine with nothing else installed: the tests
# that drive git are skipped there (.ci/run installs it, so CI runs them).
requires_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FIRST_SYNC_WAIT = 60.0  # seconds: a bound for slow machines, not a target


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


def files(root: Path) -> dict[str, bytes]:
    """Every file under `root` (vault-relative path → bytes): what a test compares before and
    after something that must change nothing, or only what it says."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def copy_example(tmp_path: Path) -> Path:
    """A private copy of vault-example/ to change freely."""
    target = tmp_path / "vault-example"
    shutil.copytree(EXAMPLE, target)
    return target


@contextmanager
def serving(
    root: Path, index_dir: Path, watch: bool = True, engine: str | None = None
) -> Iterator[Server]:
    """`iiv serve` over `root` in this process, on 127.0.0.1 and a port the system picked,
    once its first sync is done; stopped on exit."""
    from iiv.server import ServeOptions, Server

    options = ServeOptions(
        vault=root, port=0, index_dir=index_dir, watch=watch, reconcile_every=60, engine=engine
    )
    server = Server(options)
    server.start()
    try:
        ready = server.worker.ready.wait(timeout=FIRST_SYNC_WAIT)
        assert ready, f"the first sync did not finish in {FIRST_SYNC_WAIT:.0f} s"
        yield server
    finally:
        server.close()


class LocalClient(FlaskClient):
    """A test client whose requests name 127.0.0.1:8765, the dashboard's address, as Host
    (`app.test_client_class = LocalClient`)."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        kwargs.setdefault("base_url", "http://127.0.0.1:8765")
        return super().open(*args, **kwargs)
