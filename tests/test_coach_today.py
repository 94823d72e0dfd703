"""Today's rows for the method's follow-ups: each has its step and its draft."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import quote

from flask.testing import FlaskClient

from tests.web_helpers import click, get, post_forms, text

NEXT = (
    "Try the next contact at Harbour Maps, Noor Aziz:"
    " no reply from Tobias Lindqvist since 2026-11-25"
)
REPORT = "Tell Kenji Watanabe how the conversation with Lucía Fernández went"
NOOR = "interviews/2026-11-25 Noor Aziz.md"
LUCIA = "interviews/2026-11-28 Lucía Fernández.md"


def test_the_next_contact_row_drafts_the_request_and_records_it(
    client: FlaskClient, vault: Path
) -> None:
    page = text(get(client, "/?today=2026-12-01"))
    assert f'href="/draft/request/{quote(NOOR)}" aria-label="Draft: {NEXT}"' in page
    before = (vault / NOOR).read_text(encoding="utf-8").splitlines()
    assert click(client, "/?today=2026-12-01", f"Request sent: {NEXT}").status_code == 303
    after = (vault / NOOR).read_text(encoding="utf-8").splitlines()
    assert [line for line in after if line not in before] == [
        "status: requested",
        f"requested: {date.today()}",
    ]


def test_the_report_back_row_records_reported_back(client: FlaskClient, vault: Path) -> None:
    page = text(get(client, "/?today=2026-12-01"))
    assert f'href="/draft/report-back/{quote(LUCIA)}" aria-label="Draft: {REPORT}"' in page
    before = (vault / LUCIA).read_text(encoding="utf-8").splitlines()
    assert click(client, "/?today=2026-12-01", f"Reported back: {REPORT}").status_code == 303
    after = (vault / LUCIA).read_text(encoding="utf-8").splitlines()
    assert [line for line in after if line not in before] == [f"reported_back: {date.today()}"]
    labels = {
        b.get("aria-label")
        for f in post_forms(text(get(client, "/?today=2026-12-01")))
        for b in f.buttons
    }
    assert f"Reported back: {REPORT}" not in labels
