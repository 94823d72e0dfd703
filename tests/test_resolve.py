"""The Resolve page: a conflict copy beside its note, through Flask's test client."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from iiv.compare import Piece, compare
from iiv.edit import content_hash
from iiv.library import Library
from tests.helpers import make_vault
from tests.web_helpers import form_with_button

HOST = "127.0.0.1:8765"
NOTE = "people/Ada Lovelace.md"
COPY = "people/Ada Lovelace.sync-conflict-20261201-101500-laptop.md"
DROPBOX = "people/Ada Lovelace (Laptop's conflicted copy 2026-12-01).md"
THIS = "---\ntype: person\n---\n# Ada Lovelace\n\nMet at the engine society.\nLikes tea.\n"
OTHER = "---\ntype: person\n---\n# Ada Lovelace\n\nMet at the engine society.\nLikes coffee.\n"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return make_vault(tmp_path, {NOTE: THIS, COPY: OTHER, DROPBOX: OTHER + "From Dropbox.\n"})


def get(client: FlaskClient, url: str) -> TestResponse:
    return client.get(url, headers={"Host": HOST})


def post(client: FlaskClient, url: str, data: dict[str, str]) -> TestResponse:
    headers = {"Host": HOST, "Origin": f"http://{HOST}"}
    return client.post(url, data=data, headers=headers)


def form(client: FlaskClient, copy: str, choice: str, **extra: str) -> TestResponse:
    """Post the Resolve page's form for `choice`, with the fields the page rendered."""
    url = f"/resolve/{quote(copy)}"
    html = get(client, url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    note_hash = re.search(r'name="note_hash" value="([^"]*)"', html)
    copy_hash = re.search(r'name="copy_hash" value="([^"]+)"', html)
    assert token and note_hash and copy_hash
    data = {
        "csrf_token": token.group(1),
        "note_hash": note_hash.group(1),
        "copy_hash": copy_hash.group(1),
        "choice": choice,
        **extra,
    }
    return post(client, url, data)


def test_the_resolve_page_shows_both_versions_with_the_difference_marked(
    client: FlaskClient,
) -> None:
    html = get(client, f"/resolve/{quote(COPY)}").get_data(as_text=True)

    assert "<h1>Resolve people/Ada Lovelace.md</h1>" in html
    assert "1 line differs, marked below." in html
    assert '<tr class="diff-changed"><td class="diff-number">7</td>' in html
    assert "Likes <mark>tea</mark>." in html
    assert "Likes <mark>coffee</mark>." in html
    assert "<script" not in html.split("</head>", 1)[1]


def test_problems_links_each_conflict_copy_to_its_resolve_page(client: FlaskClient) -> None:
    html = get(client, "/problems").get_data(as_text=True)

    links = re.findall(r'<a class="button small primary" href="([^"]+)">Resolve</a>', html)
    assert [unquote(unescape(link)) for link in links] == [
        f"/resolve/{DROPBOX}",
        f"/resolve/{COPY}",
    ]


def test_keep_the_other_version_writes_it_into_the_note_and_deletes_the_copy(
    client: FlaskClient, vault: Path
) -> None:
    response = form(client, COPY, "other", delete_copy="yes")

    assert response.status_code == 303
    assert response.headers["Location"] == f"/person/{quote(NOTE)}"
    assert (vault / NOTE).read_text() == OTHER
    assert not (vault / COPY).exists()
    page = get(client, response.headers["Location"]).get_data(as_text=True)
    assert "Kept the other version of people/Ada Lovelace.md" in page
    assert f"Deleted the conflict copy {COPY}" in page


def test_keep_the_other_version_keeps_the_copy_unless_asked(
    client: FlaskClient, vault: Path
) -> None:
    assert form(client, COPY, "other").status_code == 303
    assert (vault / NOTE).read_text() == OTHER
    assert (vault / COPY).read_text() == OTHER


def test_keep_this_version_deletes_only_the_copy(client: FlaskClient, vault: Path) -> None:
    assert form(client, DROPBOX, "this").status_code == 303
    assert (vault / NOTE).read_text() == THIS
    assert not (vault / DROPBOX).exists()
    assert (vault / COPY).exists()


def test_deleting_the_copy_can_be_undone_byte_for_byte(client: FlaskClient, vault: Path) -> None:
    response = form(client, COPY, "this")
    page = get(client, response.headers["Location"]).get_data(as_text=True)
    assert not (vault / COPY).exists()

    action, data = form_with_button(page, f"Undo: Deleted the conflict copy {COPY}")
    undone = post(client, action, data)

    assert undone.status_code == 303
    assert (vault / COPY).read_bytes() == OTHER.encode()
    assert (vault / NOTE).read_text() == THIS


def test_the_copy_is_not_put_back_over_a_file_that_took_its_name(
    client: FlaskClient, vault: Path
) -> None:
    response = form(client, COPY, "this")
    page = get(client, response.headers["Location"]).get_data(as_text=True)
    (vault / COPY).write_text("A new file of that name.\n")

    action, data = form_with_button(page, f"Undo: Deleted the conflict copy {COPY}")
    refused = post(client, action, data)

    assert refused.status_code == 400
    assert f"{COPY} exists again since iiv deleted it; nothing was undone" in unescape(
        refused.get_data(as_text=True)
    )
    assert (vault / COPY).read_text() == "A new file of that name.\n"


def test_keep_the_other_version_of_a_note_that_is_gone_makes_it_again(
    client: FlaskClient, vault: Path
) -> None:
    (vault / NOTE).unlink()

    response = form(client, COPY, "other", delete_copy="yes")

    assert response.status_code == 303
    assert (vault / NOTE).read_text() == OTHER
    assert not (vault / COPY).exists()
    page = get(client, response.headers["Location"]).get_data(as_text=True)
    assert f'aria-label="Undo: Kept the other version of {NOTE}"' in page


def test_a_note_too_long_to_send_back_in_a_form_is_merged_in_the_editor(
    client: FlaskClient, vault: Path
) -> None:
    (vault / NOTE).write_text(THIS + "長" * 120_000 + "\n")  # 9 bytes each in a form

    html = get(client, f"/resolve/{quote(COPY)}").get_data(as_text=True)

    assert "The note is too long to edit here: merge it in your editor" in html
    assert "<textarea" not in html


def test_merged_by_hand_saves_the_text_with_the_notes_line_endings(
    client: FlaskClient, vault: Path
) -> None:
    merged = THIS.replace("Likes tea.", "Likes tea and coffee.").replace("\n", "\r\n")

    assert form(client, COPY, "merged", text=merged, delete_copy="yes").status_code == 303

    assert (vault / NOTE).read_bytes() == THIS.replace("tea.", "tea and coffee.").encode()
    assert not (vault / COPY).exists()


def test_nothing_is_written_when_the_note_changed_since_the_page_was_shown(
    client: FlaskClient, vault: Path
) -> None:
    url = f"/resolve/{quote(COPY)}"
    html = get(client, url).get_data(as_text=True)
    (vault / NOTE).write_text(THIS + "Saved in the editor meanwhile.\n")
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token
    data = {
        "csrf_token": token.group(1),
        "path": NOTE,
        "note_hash": content_hash(THIS.encode()),
        "copy_hash": content_hash(OTHER.encode()),
        "choice": "other",
        "delete_copy": "yes",
    }

    response = post(client, url, data)

    assert response.status_code == 409
    assert (
        "people/Ada Lovelace.md changed since this page was loaded; nothing was written."
        in response.get_data(as_text=True)
    )
    assert (vault / NOTE).read_text().endswith("Saved in the editor meanwhile.\n")
    assert (vault / COPY).read_text() == OTHER


def test_a_note_that_is_no_conflict_copy_has_no_resolve_page(client: FlaskClient) -> None:
    assert get(client, f"/resolve/{quote(NOTE)}").status_code == 404
    assert get(client, "/resolve/../secret.md").status_code == 404


def test_a_resolve_form_without_the_token_is_refused(client: FlaskClient, vault: Path) -> None:
    data = {"note_hash": content_hash(THIS.encode()), "choice": "this"}
    data["copy_hash"] = content_hash(OTHER.encode())

    assert post(client, f"/resolve/{quote(COPY)}", data).status_code == 403
    assert (vault / COPY).exists()


def test_compare_marks_changed_words_and_lines_only_on_one_side() -> None:
    result = compare("a\nsame\nold words here\n", "same\nnew words here\nextra\n")

    assert [row.kind for row in result.rows] == ["only-this", "same", "changed", "only-other"]
    changed = result.rows[2]
    assert changed.this is not None and changed.other is not None
    assert changed.this.pieces == (Piece("old", True), Piece(" words here", False))
    assert changed.other.pieces == (Piece("new", True), Piece(" words here", False))
    assert result.differences == 3


def test_the_library_fixture_sees_the_conflict_copies(library: Library) -> None:
    copies = sorted(n.path for n in library.snapshot().notes.values() if n.conflict_of)
    assert copies == [DROPBOX, COPY]
