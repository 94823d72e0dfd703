"""Syncing from the dashboard: Sync now, the Sync page, `/api/sync`, `iiv serve --sync`, and a
conflict made by real git resolved in Chromium."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, expect

from iiv.autosync import AutoSync, SyncSettings, parse_every
from iiv.errors import IivError
from iiv.library import Library
from iiv.web import create_app
from iiv.web.security import WebSettings
from tests.devices import Device, remote_and_devices
from tests.helpers import ROOT, requires_git, serving

pytestmark = requires_git

HOST = "127.0.0.1:8765"
ADA = "# Ada Lovelace\n\nFirst line.\nSecond line.\nThird line.\n"


@pytest.fixture
def devices(tmp_path: Path) -> tuple[Device, Device]:
    _remote, (laptop, phone) = remote_and_devices(tmp_path, files={"people/Ada.md": ADA})
    return laptop, phone


@pytest.fixture
def phone_app(devices: tuple[Device, Device], tmp_path: Path) -> Iterator[Flask]:
    """The dashboard over the phone's vault, syncing with the test's git environment."""
    _laptop, phone = devices
    library = Library.open(phone.root, index_dir=tmp_path / "phone-index")
    library.sync()
    app = create_app(library, WebSettings(port=8765))
    syncer = AutoSync(library, SyncSettings(machine="phone", env=phone.env))
    app.extensions["iiv_sync"] = syncer
    yield app
    syncer.stop()
    library.close()


def get(client: FlaskClient, url: str, host: str = HOST) -> str:
    response = client.get(url, headers={"Host": host})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def sync_now(client: FlaskClient, host: str = HOST) -> int:
    token = re.search(r'name="csrf_token" value="([^"]+)"', get(client, "/sync", host))
    assert token
    headers = {"Host": host, "Origin": f"http://{host}"}
    response = client.post("/sync", data={"csrf_token": token.group(1)}, headers=headers)
    return response.status_code


def test_sync_now_syncs_and_the_page_shows_what_it_did(
    phone_app: Flask, devices: tuple[Device, Device]
) -> None:
    laptop, phone = devices
    client = phone_app.test_client()
    phone.write("notes/From the phone.md", "# Written on the phone\n")

    assert sync_now(client) == 303

    page = get(client, "/sync")
    assert re.search(r"<dd>[^<]*: Committed 1 note, pushed 1 commit to origin/main\.</dd>", page)
    assert "<dt>Commits waiting to be pushed</dt>\n    <dd>0 (to origin/main)</dd>" in page
    assert "<dt>Last error</dt>\n    <dd>none</dd>" in page
    laptop.sync()
    assert laptop.read("notes/From the phone.md") == "# Written on the phone\n"
    status = phone_app.test_client().get("/api/sync", headers={"Host": HOST}).get_json()
    assert {k: status[k] for k in ("every", "running", "waiting", "remote", "conflicts")} == {
        "every": None,
        "running": False,
        "waiting": 0,
        "remote": "origin/main",
        "conflicts": 0,
    }
    assert status["last_result"] == "Committed 1 note, pushed 1 commit to origin/main."


def test_the_sync_page_shows_the_last_error_and_the_commits_waiting(
    phone_app: Flask, devices: tuple[Device, Device], tmp_path: Path
) -> None:
    _laptop, phone = devices
    client = phone_app.test_client()
    phone.git("remote", "set-url", "origin", str(tmp_path / "gone.git"))
    phone.write("notes/Offline.md", "# Offline\n")

    sync_now(client)

    page = get(client, "/sync")
    assert "<dd>1 (to origin/main)</dd>" in page
    assert re.search(r'<dd class="sync-error">[^<]*: could not reach origin \(', page)
    assert "will push on the next sync</dd>" in page


def test_sync_now_is_refused_without_the_csrf_token(phone_app: Flask) -> None:
    headers = {"Host": HOST, "Origin": f"http://{HOST}"}
    response = phone_app.test_client().post("/sync", data={}, headers=headers)
    assert response.status_code == 403


def test_the_sync_page_of_a_vault_outside_git_says_how_to_start(client: FlaskClient) -> None:
    page = get(client, "/sync")
    assert "This vault is not in a git repository yet" in page
    assert " init -b main\niiv sync --vault " in page


def test_serve_sync_syncs_once_the_vault_is_quiet_and_once_more_on_stop(
    devices: tuple[Device, Device], tmp_path: Path
) -> None:
    laptop, phone = devices
    library = Library.open(phone.root, index_dir=tmp_path / "phone-index")
    library.sync()
    settings = SyncSettings(every=0.5, quiet=0.2, machine="phone", env=phone.env)
    syncer = AutoSync(library, settings)
    try:
        phone.write("notes/First.md", "# First\n")
        syncer.start()
        deadline = time.monotonic() + 30
        while "notes/First.md" not in phone.git("ls-tree", "-r", "--name-only", "origin/main"):
            assert time.monotonic() < deadline, "no sync within 30 s"
            time.sleep(0.05)
        phone.write("notes/Last.md", "# Written just before iiv stops\n")
    finally:
        syncer.stop()
        library.close()
    laptop.sync()
    assert laptop.read("notes/First.md") == "# First\n"
    assert laptop.read("notes/Last.md") == "# Written just before iiv stops\n"


def test_what_sync_now_pulls_in_is_applied_by_the_watcher(
    devices: tuple[Device, Device], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop, phone = devices
    for key, value in phone.env.items():  # the server's sync runs git with the test's setup
        monkeypatch.setenv(key, value)
    laptop.write("notes/From the laptop.md", "# From the laptop\n\nzanzibar\n")
    laptop.sync()
    with serving(phone.root, tmp_path / "phone-index") as server:
        client = server.app.test_client()
        host = urlsplit(server.url).netloc

        assert sync_now(client, host) == 303

        deadline = time.monotonic() + 15
        while client.get("/api/search?q=zanzibar", headers={"Host": host}).json["total"] != 1:
            assert time.monotonic() < deadline, "the pulled note was not indexed within 15 s"
            time.sleep(0.05)
    assert phone.read("notes/From the laptop.md") == "# From the laptop\n\nzanzibar\n"


@pytest.mark.parametrize(
    ("text", "seconds"), [("10m", 600.0), ("30s", 30.0), ("1h", 3600.0), ("15", 900.0)]
)
def test_serve_sync_takes_a_period(text: str, seconds: float) -> None:
    assert parse_every(text) == seconds


def test_serve_sync_refuses_a_period_it_cannot_read() -> None:
    with pytest.raises(IivError) as raised:
        parse_every("often")
    assert str(raised.value) == "--sync: expected a period like 10m, 30s or 1h, got 'often'"


def test_a_git_conflict_is_listed_and_resolved_in_chromium(
    devices: tuple[Device, Device], chromium: Browser, tmp_path: Path
) -> None:
    laptop, phone = devices
    laptop.write("people/Ada.md", ADA.replace("Second line.", "Second line, from the laptop."))
    phone.write("people/Ada.md", ADA.replace("Second line.", "Second line, from the phone."))
    laptop.sync()
    (conflict,) = phone.sync().conflicts
    assert phone.clean()
    with serving(phone.root, phone.state) as server:  # the index beside the sync state
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(server.url + "sync")
        expect(page.locator("#sync-conflicts")).to_have_text("Conflicts")
        if os.environ.get("IIV_SCREENSHOTS") == "1":  # docs/screenshots/, as test_browser does
            page.screenshot(path=str(ROOT / "docs" / "screenshots" / "sync.png"))
        page.goto(server.url + "problems")
        row = page.locator("li.problem").first
        expect(row).to_contain_text(conflict.copy or "")
        row.get_by_role("link", name="Resolve").click()
        expect(page.locator("h1")).to_have_text("Resolve people/Ada.md")
        expect(page.locator("tr.diff-changed mark")).to_have_text(["phone", "laptop"])
        page.get_by_role("button", name="Keep the other version").click()
        expect(page.locator(".confirmation").first).to_contain_text(
            "Kept the other version of people/Ada.md"
        )
        assert [e for e in errors if "Content Security Policy" in e] == []
        context.close()
    assert "from the laptop" in phone.read("people/Ada.md")
    assert conflict.copy is not None and not (phone.root / conflict.copy).exists()
    phone.sync()
    laptop.sync()
    assert laptop.files() == phone.files()
    assert "sync-conflict" not in " ".join(laptop.files())
