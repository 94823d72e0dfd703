"""Shared fixtures, one deriving from the other as in Flask's tutorial:
`example_vault` → `vault` → `library` → `app` → `client`, and `server` → a real dashboard on
127.0.0.1; `chromium` is one headless browser for the whole run.

A test module that needs another vault overrides `vault` (say with `make_vault`), and every
fixture built on it follows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.helpers import CHROMIUM, CHROMIUM_ARGS, LocalClient, copy_example, serving
from tests.web_helpers import PORT

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient
    from playwright.sync_api import Browser

    from iiv.library import Library
    from iiv.server import Server


@pytest.fixture(autouse=True)
def _cache_in_tmp(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """iiv keeps indexes and undo journals under $XDG_CACHE_HOME: in tests, never the real one."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture
def today() -> str:
    """The date the app gives a step taken in this test (ISO), read when the test starts, not
    when it is collected: a run may cross midnight."""
    return date.today().isoformat()


@pytest.fixture
def example_vault(tmp_path: Path) -> Path:
    """A private copy of vault-example/ to change freely."""
    return copy_example(tmp_path)


@pytest.fixture
def vault(example_vault: Path) -> Path:
    return example_vault


@pytest.fixture
def library(vault: Path, tmp_path: Path) -> Iterator[Library]:
    """The vault's library, synced once, with its index in the test's own folder."""
    from iiv.library import Library

    lib = Library.open(vault, index_dir=tmp_path / "index")
    lib.sync()
    yield lib
    lib.close()


@pytest.fixture
def app(library: Library) -> Flask:
    from iiv.web import create_app
    from iiv.web.security import WebSettings

    return create_app(library, WebSettings(port=PORT))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Flask's test client, whose requests name the dashboard's address as Host unless a test
    gives another."""
    app.test_client_class = LocalClient
    return app.test_client()


@pytest.fixture
def server(vault: Path, tmp_path: Path) -> Iterator[Server]:
    """`iiv serve` in this process on 127.0.0.1, on a port the system picked, synced."""
    with serving(vault, tmp_path / "served-index") as running:
        yield running


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium through Playwright; skipped when missing unless IIV_REQUIRE_BROWSER=1."""
    if not CHROMIUM.exists():
        if os.environ.get("IIV_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and IIV_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
