"""The dashboard's Import page: upload, dry run, apply; with Flask's test client and in Chromium."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from flask.testing import FlaskClient
from playwright.sync_api import Browser, expect

from iiv.server import Server
from tests.helpers import ROOT, files

ORIGIN = {"Origin": "http://127.0.0.1:8765"}
CONNECTIONS = (
    '\ufeffNotes:\n"Some e-mails are missing."\n\n'
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Ada,Lovelace,https://www.linkedin.com/in/ada-lovelace,,Analytical Engines,Analyst,"
    "12 Mar 2024\n"
    "Amara,Okafor,https://www.linkedin.com/in/example-amara-okafor,,Stripe,Engineer,1 Jan 2020\n"
    ",,https://www.linkedin.com/in/private,,,,\n"
)


def csrf(client: FlaskClient) -> str:
    token: str = client.application.extensions["iiv_settings"].csrf_token()
    return token


def upload(client: FlaskClient, data: bytes, kind: str = "linkedin", name: str = "c.csv") -> str:
    form = {"csrf_token": csrf(client), "kind": kind, "file": (io.BytesIO(data), name)}
    response = client.post("/import", data=form, headers=ORIGIN)
    assert response.status_code == 200, response.get_data(as_text=True)[-500:]
    return response.get_data(as_text=True)


def upload_key(page: str) -> str:
    start = page.index('name="upload" value="') + len('name="upload" value="')
    return page[start : page.index('"', start)]


def test_the_dry_run_shows_the_plan_and_writes_nothing(client: FlaskClient, vault: Path) -> None:
    before = files(vault)
    page = upload(client, CONNECTIONS.encode())
    assert '<li class="chip">1 create</li>' in page
    assert '<li class="chip">1 update</li>' in page
    assert '<li class="chip">1 unreadable</li>' in page
    assert (
        "company is &#39;Northwind Robotics&#39; in the vault, &#39;Stripe&#39; in the file; "
        "kept the vault&#39;s"
    ) in page
    assert "no name (LinkedIn leaves some members&#39; names blank)" in page
    assert '<a href="/person/people/Amara%20Okafor.md">' in page
    assert "Apply: write 2 notes" in page
    assert files(vault) == before


def test_apply_writes_the_notes_and_never_the_upload(client: FlaskClient, vault: Path) -> None:
    before = files(vault)
    key = upload_key(upload(client, CONNECTIONS.encode(), name="Connections.csv"))
    response = client.post(
        "/import/apply", data={"csrf_token": csrf(client), "upload": key}, headers=ORIGIN
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Created 1 note, updated 1." in page
    after = files(vault)
    assert set(after) - set(before) == {"people/Ada Lovelace.md"}
    assert {p for p in after if p in before and after[p] != before[p]} == {"people/Amara Okafor.md"}
    assert not any("Connections" in p for p in after)
    assert '<a href="/person/people/Ada%20Lovelace.md">' in page
    assert "Ada Lovelace" in client.get("/person/people/Ada%20Lovelace.md").get_data(as_text=True)
    assert "Analytical Engines" in client.get("/people").get_data(as_text=True)


def test_a_wrong_file_is_one_line(client: FlaskClient) -> None:
    form = {"csrf_token": csrf(client), "kind": "vcard", "file": (io.BytesIO(b"hello"), "x.vcf")}
    response = client.post("/import", data=form, headers=ORIGIN)
    assert response.status_code == 400
    assert "x.vcf: no vCard found (a vCard starts with BEGIN:VCARD)" in response.get_data(
        as_text=True
    )


def test_an_upload_needs_csrf_and_a_same_origin(client: FlaskClient) -> None:
    form = {"kind": "linkedin", "file": (io.BytesIO(CONNECTIONS.encode()), "c.csv")}
    assert client.post("/import", data=form, headers=ORIGIN).status_code == 403
    form = {"csrf_token": csrf(client), "kind": "linkedin", "file": (io.BytesIO(b"x"), "c.csv")}
    response = client.post("/import", data=form, headers={"Origin": "http://evil.example"})
    assert response.status_code == 403


def test_an_upload_over_10_mb_is_refused(client: FlaskClient, vault: Path) -> None:
    before = files(vault)
    # Raw bytes (in memory) rather than a form the test client would spool to a temp file.
    body = b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.vcf"\r\n\r\n'
    body += b"x" * 10_000_001 + b"\r\n--x--\r\n"
    kind = "multipart/form-data; boundary=x"
    response = client.post("/import", data=body, content_type=kind, headers=ORIGIN)
    assert response.status_code == 413
    assert "larger than this page accepts (10 MB)" in response.get_data(as_text=True)
    assert files(vault) == before
    other = {"csrf_token": csrf(client), "what": "x" * 1_100_000}
    assert client.post("/do/record", data=other, headers=ORIGIN).status_code == 413


def test_an_expired_upload_is_one_line(client: FlaskClient) -> None:
    response = client.post(
        "/import/apply", data={"csrf_token": csrf(client), "upload": "gone"}, headers=ORIGIN
    )
    assert response.status_code == 400
    assert (
        "that upload has expired (uploads are kept for 30 minutes): upload it again"
        in response.get_data(as_text=True)
    )


# In Chromium


def test_import_page_in_chromium(chromium: Browser, server: Server, tmp_path: Path) -> None:
    csv = tmp_path / "Connections.csv"
    csv.write_text(CONNECTIONS, encoding="utf-8")
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(server.url + "import")
        page.get_by_label("Kind of file").select_option("linkedin")
        page.get_by_label("File (at most 10 MB)").set_input_files(str(csv))
        page.get_by_role("button", name="Show what would happen").click()
        expect(page.locator(".import-counts")).to_contain_text("1 create")
        expect(page.locator("tr.import-create")).to_contain_text("people/Ada Lovelace.md")
        expect(page.locator("tr.import-unreadable")).to_contain_text("no name")
        if os.environ.get("IIV_SCREENSHOTS") == "1":
            page.screenshot(path=str(ROOT / "docs" / "screenshots" / "import.png"), full_page=True)
        page.get_by_role("button", name="Apply: write 2 notes").click()
        expect(page.locator("h1")).to_have_text("Imported Connections.csv")
        expect(page.locator(".lead")).to_have_text("Created 1 note, updated 1.")
        page.get_by_role("link", name="people/Ada Lovelace.md").click()
        expect(page.locator("h1").first).to_contain_text("Ada Lovelace")
        assert (server.library.root / "people" / "Ada Lovelace.md").exists()
    finally:
        context.close()


def test_calendar_page_in_chromium(chromium: Browser, server: Server) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(server.url + "calendar")
        link = page.get_by_role("link", name="Subscribe in your calendar app")
        expect(link).to_have_attribute(
            "href", re.compile(r"^webcal://127\.0\.0\.1:\d+/calendar\.ics\?token=[\w-]{40,}$")
        )
        if os.environ.get("IIV_SCREENSHOTS") == "1":
            page.screenshot(
                path=str(ROOT / "docs" / "screenshots" / "calendar.png"), full_page=True
            )
        old = page.locator("#feed-http").input_value()
        page.get_by_role("button", name="Make a new calendar address").click()
        expect(page.get_by_role("status")).to_contain_text("A new address was made.")
        assert page.locator("#feed-http").input_value() != old
    finally:
        context.close()
