"""`mailto:` links: every part percent-encoded, so no value adds fields of its own."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from iiv.library import Library
from iiv.mailto import mailto_url


def test_an_address_cannot_add_fields() -> None:
    url = mailto_url("a@x?bcc=spy@evil&subject=hi")
    assert url == "mailto:a@x%3Fbcc%3Dspy@evil%26subject%3Dhi"
    assert urlsplit(url).query == ""


def test_a_subject_and_body_are_encoded_with_crlf_line_breaks() -> None:
    url = mailto_url(" ada+iiv@example.org ", "Coffee & questions?", "Hi Ada,\nthanks!")
    assert url == (
        "mailto:ada%2Biiv@example.org"
        "?subject=Coffee%20%26%20questions%3F&body=Hi%20Ada%2C%0D%0Athanks%21"
    )
    assert parse_qs(urlsplit(url).query) == {
        "subject": ["Coffee & questions?"],
        "body": ["Hi Ada,\r\nthanks!"],
    }


@pytest.mark.parametrize(
    ("to", "url"),
    [
        ("ada@x.org, bob@y.org", "mailto:ada@x.org,bob@y.org"),
        ("ada@x.org; bob@y.org", "mailto:ada@x.org,bob@y.org"),
        ("ada at x dot org", None),
        ("ada@x.org, nobody", None),
        ("", None),
        ("a@x#frag", "mailto:a@x%23frag"),
    ],
)
def test_addresses(to: str, url: str | None) -> None:
    assert mailto_url(to) == url


def test_a_person_page_links_the_address_encoded(library: Library, client: FlaskClient) -> None:
    note = library.root / "people" / "Mallory.md"
    note.write_text(
        '---\ntype: person\nemail: "a@x?bcc=spy@evil&subject=hi"\n---\n', encoding="utf-8"
    )
    library.sync(["people/Mallory.md"])
    html = client.get("/person/people/Mallory.md", headers={"Host": "127.0.0.1:8765"}).text
    assert 'href="mailto:a@x%3Fbcc%3Dspy@evil%26subject%3Dhi"' in html
    assert "bcc=spy" not in html.replace("a@x?bcc=spy@evil&amp;subject=hi", "")
