"""The dashboard through Flask's test client: pages, edit buttons, and every refusal."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from iiv.library import Library
from iiv.practice import practice_stats, streak
from iiv.vault import load
from iiv.web import create_app
from iiv.web.render import BodyContext, TaskForm, render_body
from iiv.web.search import with_filter
from iiv.web.security import WebSettings
from iiv.web.urls import note_url, obsidian_url, safe_next
from tests.helpers import copy_example, make_vault
from tests.web_helpers import (
    BASE,
    HOST,
    click,
    form_with_button,
    get,
    post,
    post_forms,
    text,
    web_client,
)

GRACE = "interviews/2026-09-29 Grace Liang.md"
GRACE_TASK = "Done: Send Grace Liang the meetup recording once it is published"
KENJI_VISIT = "interviews/2026-12-03 Kenji Watanabe and Amara Okafor.md"
XSS = "<script>alert(1)</script>"


# Fixtures and helpers


@pytest.fixture(scope="module")
def reader_library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    """One example vault for the tests that only read, set up once for all of them."""
    tmp = tmp_path_factory.mktemp("reader")
    lib = Library.open(copy_example(tmp), index_dir=tmp / "index")
    lib.sync()
    yield lib
    lib.close()


@pytest.fixture(scope="module")
def reader(reader_library: Library) -> FlaskClient:
    return create_app(reader_library, WebSettings(port=8765)).test_client()


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.splitlines(), after.splitlines()
    assert len(old) == len(new), "lines were added or removed"
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


def page_url(kind: str, path: str) -> str:
    prefix = {"person": "person", "interview": "interview"}.get(kind, "note")
    return f"/{prefix}/{quote(path)}"


# Pages


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?today=2026-12-01",
        "/search",
        "/search?q=tutorial",
        "/search?q=tutorial&kind=person",
        "/search?q=tutorial&page=2",
        "/search?q=pythn",
        "/search?q=kind:interview&status=done&company=Northwind+Robotics&tag=devrel",
        "/problems",
        "/company/Northwind%20Robotics",
        "/company/northwind%20robotics",
        "/static/style.css",
        "/static/app.js",
    ],
)
def test_page_renders(reader: FlaskClient, url: str) -> None:
    assert get(reader, url).status_code == 200


def test_every_note_in_the_example_vault_has_a_page(
    reader: FlaskClient, reader_library: Library
) -> None:
    for note in reader_library.snapshot().notes.values():
        response = get(reader, page_url(note.kind, note.path))
        assert response.status_code == 200, note.path
        assert "Open in Obsidian" in text(response)


def test_a_note_asked_for_as_another_kind_redirects_to_its_own_page(reader: FlaskClient) -> None:
    response = get(reader, "/person/Welcome.md")
    assert response.status_code == 303
    assert response.headers["Location"] == "/note/Welcome.md"


def test_today_lists_what_is_due_with_people_and_notes(reader: FlaskClient) -> None:
    html = text(get(reader, "/?today=2026-12-01"))
    assert "8 overdue, 2 due today, 6 later this week." in html
    assert 'Showing what is due as of <span class="nowrap">2026-12-01</span>.' in html
    farah = html.index("Get back in touch with Farah Haddad: last contact 2026-08-10")
    grace = html.index("Send Grace Liang the meetup recording once it is published")
    week = html.index("Ask Sam for feedback on the RoboDevCon talk abstract")
    assert farah < grace < week
    assert 'href="/person/people/Farah%20Haddad.md"' in html
    assert f'href="/interview/{quote(GRACE)}"' in html
    assert ">23 days overdue<" in html


def test_today_offers_the_right_button_for_each_kind(reader: FlaskClient) -> None:
    html = text(get(reader, "/?today=2026-12-01"))
    labels = {b.get("aria-label") for f in post_forms(html) for b in f.buttons}
    assert "Thanked: Send a thank-you note to Lucía Fernández for the video on 2026-11-28" in labels
    assert (
        "No reply: No reply from Oluwaseun Adeyemi since 2026-11-05: mark the request no-reply"
        in labels
    )
    assert "Nudged: Nudge Chiara Bianchi politely: no reply since you asked on 2026-11-20" in labels
    assert "Contacted: Get back in touch with Farah Haddad: last contact 2026-08-10" in labels
    assert GRACE_TASK in labels
    assert f"Snooze 3 days: {GRACE_TASK.removeprefix('Done: ')}" in labels
    assert not any(label and label.startswith("Done: Prepare") for label in labels)


def test_today_shows_upcoming_interviews_and_the_practice_at_a_glance(reader: FlaskClient) -> None:
    html = text(get(reader, "/?today=2026-12-01"))
    assert "Thu 3 Dec 2026, 15:30" in html
    assert '<span class="stat-number">0</span> of 2 interviews done' in html
    assert '<span class="stat-number">4</span> months in a row with an interview' in html
    assert '<span class="stat-number">17</span> · 13 answered' in html
    assert '<span class="stat-number">92%</span> · 12 yes of 13 answers' in html


def test_today_refuses_a_date_that_is_not_one(reader: FlaskClient) -> None:
    response = get(reader, "/?today=2026-02-30")
    assert response.status_code == 400
    assert "today: 2026-02-30 is not a real date" in text(response)


def test_person_page_shows_profile_relations_and_timeline(reader: FlaskClient) -> None:
    html = text(get(reader, "/person/people/Amara%20Okafor.md"))
    assert 'href="mailto:amara.okafor@northwind-robotics.example"' in html
    assert 'href="https://www.linkedin.com/in/example-amara-okafor"' in html
    assert 'Introduced by <a href="/person/people/Sam%20Ortiz.md">Sam Ortiz</a>' in html
    assert (
        'Introduced you to <a href="/person/people/Kenji%20Watanabe.md">Kenji Watanabe</a>' in html
    )
    assert html.index("2026-12-03 Kenji Watanabe and Amara Okafor") < html.index(
        "2026-05-06 Amara Okafor"
    )
    assert 'href="/company/Northwind%20Robotics"' in html
    assert "obsidian://open?vault=vault-example&amp;file=people%2FAmara%20Okafor" in html
    assert "New interview with Amara Okafor" in html


def test_the_profile_box_shows_the_company_when_only_that_is_set(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada.md": "---\ntype: person\ncompany: Analytical Engines\n---\n",
            "people/Bob.md": "---\ntype: person\n---\n",
        },
    )
    with web_client(root, tmp_path) as client:
        ada = text(get(client, "/person/people/Ada.md"))
        bob = text(get(client, "/person/people/Bob.md"))
    profile = ada[ada.index('id="profile-h"') : ada.index('id="new-h"')]
    assert (
        '<dt>Company</dt><dd><a href="/company/Analytical%20Engines">Analytical Engines</a></dd>'
        in profile
    )
    assert "Nothing recorded yet" not in profile
    profile = bob[bob.index('id="profile-h"') : bob.index('id="new-h"')]
    assert "Nothing recorded yet: add <code>company</code>" in profile


def test_person_page_lists_follow_ups_from_their_interviews(reader: FlaskClient) -> None:
    html = text(get(reader, f"/person/{quote('people/Lucía Fernández.md')}?today=2026-12-01"))
    followups = html[html.index("Open follow-ups") : html.index('<h2 id="timeline-h">')]
    assert "Send a thank-you note to Lucía Fernández for the video on 2026-11-28" in followups
    assert ">Thanked</button>" in followups and "2 days overdue" in followups


def test_person_page_lists_notes_that_mention_them(reader: FlaskClient) -> None:
    html = text(get(reader, "/person/people/Amara%20Okafor.md"))
    mentions = html[html.index("Mentioned in") :]
    assert 'href="/note/notes/Northwind%20Robotics.md"' in mentions


def test_interview_page_renders_markdown_wikilinks_and_task_buttons(reader: FlaskClient) -> None:
    html = text(get(reader, f"/interview/{quote(KENJI_VISIT)}"))
    assert "<h3>Questions</h3>" in html
    assert (
        f'<a class="wikilink" href="/interview/{quote("interviews/2026-10-14 Kenji Watanabe.md")}">'
        in html
    )
    assert (
        'aria-label="Mark done: Rehearse the five-minute demo of the exactly-once tutorial"' in html
    )
    assert 'With <a href="/person/people/Kenji%20Watanabe.md">Kenji Watanabe</a>' in html


def test_company_page_lists_its_people_and_their_interviews(reader: FlaskClient) -> None:
    html = text(get(reader, "/company/northwind%20robotics"))
    assert "<h1>Northwind Robotics</h1>" in html
    assert ">Amara Okafor</a>" in html and ">Kenji Watanabe</a>" in html
    assert '<span class="nowrap">2026-10-14</span> Kenji Watanabe' in html
    assert get(reader, "/company/Nobody%20Inc").status_code == 404


def test_search_shows_highlighted_results_filters_and_pages(reader: FlaskClient) -> None:
    html = text(get(reader, "/search?q=tutorial"))
    assert "<mark>tutorial</mark>" in html
    assert 'href="/search?q=tutorial+kind:person"' in html
    interviews = text(get(reader, "/search?q=kind:interview"))
    assert "24 notes match" in interviews and "page 1 of 2" in interviews
    assert 'href="/search?q=kind:interview&amp;page=2" rel="next"' in interviews
    filtered = text(
        get(reader, "/search?q=tutorial+tag:devrel&status=&tag=&company=Northwind+Robotics")
    )
    assert 'value="tutorial company:&#34;Northwind Robotics&#34;"' in filtered
    assert "<option selected>Northwind Robotics</option>" in filtered
    people = text(get(reader, "/search?q=tutorial&kind=person"))
    assert 'value="tutorial kind:person"' in people
    assert "/interview/" not in people.split('class="results"')[1]


def test_search_suggests_a_spelling_and_helps_when_empty(reader: FlaskClient) -> None:
    assert 'Did you mean <a href="/search?q=python" class="suggestion">python</a>?' in text(
        get(reader, "/search?q=pythn")
    )
    empty = text(get(reader, "/search"))
    assert "Search every note, person and interview." in empty
    assert 'href="/search?q=kind:person+tag:mentor"' in empty


def test_problems_page_lists_conflicts_first(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/ada.md": "---\ntype: person\nkeep_in_touch: often\n---\n",
            "people/zed.sync-conflict-20261121-101500-ABCDEF7.md": "---\ntype: person\n---\n",
        },
    )
    with web_client(root, tmp_path) as client:
        html = text(get(client, "/problems"))
    conflict = html.index("zed.sync-conflict-20261121-101500-ABCDEF7.md")
    assert conflict < html.index("people/ada.md:3")
    assert "keep_in_touch: expected a number of days, got &#39;often&#39;" in html


def test_every_page_names_its_icon_and_favicon_ico_answers(reader: FlaskClient) -> None:
    html = text(get(reader, "/"))
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    icon = get(reader, "/favicon.ico")
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    assert icon.data.startswith(b"<svg") and b"<script" not in icon.data
    assert icon.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_problems_page_groups_by_kind_and_pages_thousands(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        f"broken/{n:04}.md": f"---\ntype: person\nkeep_in_touch: often {n}\n---\n"
        for n in range(2_500)
    }
    files.update({f"dated/{n}.md": "- [ ] x 📅 2026-02-30\n" for n in range(3)})
    files["iiv.yaml"] = "nudge_after: soon\n"
    root = make_vault(tmp_path, files)
    with web_client(root, tmp_path) as client:
        first = get(client, "/problems")
        html = text(first)
        assert len(first.data) < 100_000  # 100 of 2,504 problems
        assert "2504 things iiv could not read as meant." in html
        assert re.findall(r'class="chip" href="([^"]+)"[^>]*>([^<]+)<', html) == [
            ("/problems", "All: 2504"),
            ("/problems?kind=settings", "Settings in iiv.yaml: 1"),
            ("/problems?kind=format", "Property values: 2500"),
            ("/problems?kind=date", "Task dates and repeats: 3"),
        ]
        assert html.count('class="problem"') == 100 and "Page 1 of 26" in html
        assert 'href="/problems?page=2" rel="next"' in html
        dates = text(get(client, "/problems?kind=date"))
        assert dates.count('class="problem"') == 3 and "Page 1 of" not in dates
        assert "dated/0.md:1" in dates and "broken/" not in dates
        last = text(get(client, "/problems?kind=format&page=99"))
        assert "Page 25 of 25" in last and "broken/2499.md:3" in last
        assert 'href="/problems?kind=format&amp;page=24" rel="prev"' in last


# Edits


def test_done_on_a_task_changes_exactly_that_line(
    client: FlaskClient, vault: Path, today: str
) -> None:
    before = (vault / GRACE).read_text(encoding="utf-8")
    response = click(client, "/?today=2026-12-01", GRACE_TASK)
    assert response.status_code == 303
    assert response.headers["Location"] == "/?today=2026-12-01"
    after = (vault / GRACE).read_text(encoding="utf-8")
    [(old, new)] = changed_lines(before, after)
    assert (
        old.startswith("- [ ] Send [[Grace Liang]]")
        and new == old.replace("[ ]", "[x]", 1) + f" ✅ {today}"
    )
    assert GRACE_TASK not in text(get(client, "/?today=2026-12-01"))


def test_a_stale_hash_is_refused_with_409_and_nothing_written(
    client: FlaskClient, vault: Path
) -> None:
    action, data = form_with_button(text(get(client, "/?today=2026-12-01")), GRACE_TASK)
    with open(vault / GRACE, "a", encoding="utf-8") as handle:
        handle.write("\nA line added in the editor.\n")
    before = (vault / GRACE).read_bytes()
    response = post(client, action, data)
    assert response.status_code == 409
    assert (
        f"{GRACE} changed since this page was loaded; nothing was written. Reload and try again."
        in text(response)
    )
    assert (vault / GRACE).read_bytes() == before


def test_snooze_moves_the_task_date_only(client: FlaskClient, vault: Path) -> None:
    before = (vault / GRACE).read_text(encoding="utf-8")
    label = f"Snooze 7 days: {GRACE_TASK.removeprefix('Done: ')}"
    assert click(client, "/?today=2026-12-01", label).status_code == 303
    [(old, new)] = changed_lines(before, (vault / GRACE).read_text(encoding="utf-8"))
    assert re.sub(r"\d{4}-\d{2}-\d{2}", "D", old) == re.sub(r"\d{4}-\d{2}-\d{2}", "D", new)


@pytest.mark.parametrize(
    ("label", "path", "line"),
    [
        (
            "Thanked: Send a thank-you note to Lucía Fernández for the video on 2026-11-28",
            "interviews/2026-11-28 Lucía Fernández.md",
            "thanked: TODAY",
        ),
        (
            "Nudged: Nudge Chiara Bianchi politely: no reply since you asked on 2026-11-20",
            "interviews/2026-11-20 Chiara Bianchi.md",
            "nudged: TODAY",
        ),
        (
            "No reply: No reply from Oluwaseun Adeyemi since 2026-11-05: mark the request no-reply",
            "interviews/2026-11-05 Oluwaseun Adeyemi.md",
            "status: no-reply",
        ),
        (
            "Contacted: Get back in touch with Farah Haddad: last contact 2026-08-10",
            "people/Farah Haddad.md",
            "last_contact: TODAY",
        ),
    ],
)
def test_follow_up_buttons_record_one_property(
    client: FlaskClient, vault: Path, label: str, path: str, line: str, today: str
) -> None:
    before = (vault / path).read_text(encoding="utf-8")
    assert click(client, "/?today=2026-12-01", label).status_code == 303
    after = (vault / path).read_text(encoding="utf-8")
    assert line.replace("TODAY", today) in after.splitlines()
    old, new = before.splitlines(), after.splitlines()
    assert len(new) - len(old) in (0, 1) and len(set(new) - set(old)) == 1


def test_an_action_is_confirmed_at_the_top_and_undone_byte_for_byte(
    client: FlaskClient, vault: Path
) -> None:
    path = "interviews/2026-11-28 Lucía Fernández.md"
    before = (vault / path).read_bytes()
    label = "Thanked: Send a thank-you note to Lucía Fernández for the video on 2026-11-28"
    response = click(client, "/?today=2026-12-01", label)
    assert response.headers["Location"] == "/?today=2026-12-01"
    html = text(get(client, "/?today=2026-12-01"))
    assert '<div class="confirmation" role="status">\n    <p>Lucía Fernández thanked</p>' in html
    assert (vault / path).read_bytes() != before
    action, data = form_with_button(html, "Undo: Lucía Fernández thanked")
    assert data["next"] == "/?today=2026-12-01"
    assert post(client, action, data).status_code == 303
    assert (vault / path).read_bytes() == before
    html = text(get(client, "/?today=2026-12-01"))
    assert "<p>Undone: Lucía Fernández thanked</p>" in html
    assert "Undo:" not in html
    assert "Lucía Fernández thanked" not in text(get(client, "/?today=2026-12-01"))


def test_undo_refuses_when_the_note_changed_since(
    client: FlaskClient, vault: Path, today: str
) -> None:
    path = "people/Farah Haddad.md"
    click(
        client,
        "/?today=2026-12-01",
        "Contacted: Get back in touch with Farah Haddad: last contact 2026-08-10",
    )
    action, data = form_with_button(
        text(get(client, "/")), f"Undo: Farah Haddad contacted on {today}"
    )
    with open(vault / path, "a", encoding="utf-8") as handle:
        handle.write("Typed in the editor.\n")
    edited = (vault / path).read_bytes()
    response = post(client, action, data)
    assert response.status_code == 409
    assert (vault / path).read_bytes() == edited


def test_mark_done_on_a_past_scheduled_interview_sets_status_done(
    client: FlaskClient, vault: Path
) -> None:
    label = (
        "Done: The office visit with Kenji Watanabe, Amara Okafor on 2026-12-03 15:30 "
        "is still scheduled: mark it done or reschedule"
    )
    assert click(client, "/?today=2026-12-05", label).status_code == 303
    assert "status: done" in (vault / KENJI_VISIT).read_text(encoding="utf-8").splitlines()


def test_task_checkbox_on_a_note_page_completes_the_task(
    client: FlaskClient, vault: Path, today: str
) -> None:
    before = (vault / KENJI_VISIT).read_text(encoding="utf-8")
    label = "Mark done: Rehearse the five-minute demo of the exactly-once tutorial"
    response = click(client, f"/interview/{quote(KENJI_VISIT)}", label)
    assert response.headers["Location"] == f"/interview/{quote(KENJI_VISIT)}"
    [(old, new)] = changed_lines(before, (vault / KENJI_VISIT).read_text(encoding="utf-8"))
    assert new == old.replace("- [ ]", "- [x]") + f" ✅ {today}"


def test_a_note_named_with_url_characters_round_trips(tmp_path: Path, today: str) -> None:
    rel = "notes/Q&A #1? 100%.md"
    root = make_vault(tmp_path, {rel: "# Q&A\n\n- [ ] Write the answers 📅 2026-12-01\n"})
    page = f"/note/{quote(rel)}"
    with web_client(root, tmp_path) as client:
        assert get(client, page).status_code == 200
        response = click(client, page, "Mark done: Write the answers")
        assert unquote(response.headers["Location"]) == f"/note/{rel}"
        assert get(client, response.headers["Location"]).status_code == 200
    assert f"- [x] Write the answers 📅 2026-12-01 ✅ {today}" in (root / rel).read_text("utf-8")


def test_new_interview_from_a_person_page_creates_the_note(
    client: FlaskClient, vault: Path
) -> None:
    html = text(get(client, "/person/people/Amara%20Okafor.md"))
    form = next(f for f in post_forms(html) if f.action == "/do/new-interview")
    action, data = form.action, dict(form.fields)
    data.update({"date": "2026-12-10", "time": "09:30", "status": "scheduled", "medium": "coffee"})
    response = post(client, action, data)
    rel = "interviews/2026-12-10 Amara Okafor.md"
    assert response.status_code == 303
    assert response.headers["Location"] == f"/interview/{quote(rel)}"
    lines = (vault / rel).read_text(encoding="utf-8").splitlines()
    assert 'person: "[[Amara Okafor]]"' in lines
    assert {"date: 2026-12-10 09:30", "status: scheduled", "medium: coffee"} <= set(lines)
    assert get(client, response.headers["Location"]).status_code == 200
    assert "2026-12-10 Amara Okafor" in text(get(client, "/person/people/Amara%20Okafor.md"))


def test_a_task_that_is_not_there_is_a_400_with_the_reason(
    client: FlaskClient, vault: Path
) -> None:
    action, data = form_with_button(text(get(client, "/?today=2026-12-01")), GRACE_TASK)
    data["line"] = "1"
    response = post(client, action, data)
    assert response.status_code == 400
    assert f"{GRACE}:1: there is no task on that line" in text(response)


@pytest.mark.parametrize(
    "target", ["//evil.com/", "https://evil.com/", "/\\evil.com", "javascript:x"]
)
def test_redirects_after_an_edit_stay_on_this_site(client: FlaskClient, target: str) -> None:
    action, data = form_with_button(text(get(client, "/?today=2026-12-01")), GRACE_TASK)
    data["next"] = target
    response = post(client, action, data)
    assert response.headers["Location"] == "/"


# Refusals


@pytest.mark.parametrize(
    "host",
    [
        "evil.com",
        "127.0.0.1.evil.com",
        "localhost:9999",
        "attacker.localhost:8765",
        "evil.com:8765",
        "127.0.0.1",
        "[::1]:9999",
    ],
)
@pytest.mark.parametrize(
    "url",
    ["/", "/static/style.css", "/no/such/page", "/problems", "/person/people/Amara%20Okafor.md"],
)
def test_hostile_host_headers_are_refused(reader: FlaskClient, host: str, url: str) -> None:
    response = get(reader, url, host=host)
    assert response.status_code == 421
    assert "Amara" not in text(response)


def test_loopback_host_names_are_accepted(reader: FlaskClient) -> None:
    for host in ("localhost:8765", "127.0.0.1:8765", "[::1]:8765"):
        assert get(reader, "/", host=host).status_code == 200


@pytest.mark.parametrize(
    ("csrf", "origin", "fetch_site"),
    [
        (None, BASE, None),
        ("wrong", BASE, None),
        ("right", "http://evil.com", None),
        ("right", "http://evil.com", "same-origin"),
        ("right", "http://127.0.0.1:9999", None),
        ("right", "null", None),
        ("right", "null", "cross-site"),
        ("right", "null", "same-site"),
        ("right", None, None),
        ("right", None, "same-origin"),
        (None, "null", "same-origin"),
    ],
)
def test_state_changes_need_the_token_and_a_same_origin(
    client: FlaskClient, vault: Path, csrf: str | None, origin: str | None, fetch_site: str | None
) -> None:
    action, data = form_with_button(text(get(client, "/?today=2026-12-01")), GRACE_TASK)
    if csrf is None:
        del data["csrf_token"]
    elif csrf == "wrong":
        data["csrf_token"] = "0" * 64
    before = (vault / GRACE).read_bytes()
    headers = {"Sec-Fetch-Site": fetch_site} if fetch_site else {}
    response = post(client, action, data, origin=origin, **headers)
    assert response.status_code == 403
    assert (vault / GRACE).read_bytes() == before


def test_a_form_from_our_page_under_no_referrer_is_accepted(client: FlaskClient) -> None:
    """What Chromium sends for our own form: `Origin: null`, `Sec-Fetch-Site: same-origin`."""
    action, data = form_with_button(text(get(client, "/?today=2026-12-01")), GRACE_TASK)
    response = post(client, action, data, origin="null", **{"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 303


def test_get_never_edits(reader: FlaskClient) -> None:
    assert get(reader, "/do/complete").status_code == 405


@pytest.mark.parametrize(
    "url",
    [
        "/note/../outside.md",
        "/note/%2e%2e/outside.md",
        "/note/people/%2e%2e/%2e%2e/outside.md",
        "/note/..%2foutside.md",
        "/note//etc/passwd",
        "/note/%2Fetc%2Fpasswd",
        "/person/.obsidian/workspace.md",
        "/note/.obsidian/workspace.md",
        "/note/people/escape.md",
        "/note/iiv.yaml",
        "/note/templates/person.md",
        "/note/people",
        "/interview/no/such.md",
    ],
)
def test_paths_outside_the_vault_or_ignored_are_404(
    client: FlaskClient, vault: Path, url: str
) -> None:
    (vault.parent / "outside.md").write_text("# SECRET-OUTSIDE\n", encoding="utf-8")
    (vault / ".obsidian").mkdir()
    (vault / ".obsidian" / "workspace.md").write_text("# HIDDEN-NOTE\n", encoding="utf-8")
    os.symlink(vault.parent / "outside.md", vault / "people" / "escape.md")
    response = get(client, url, follow=True)  # `//` is merged into `/` by a redirect first
    assert response.status_code == 404
    assert "SECRET-OUTSIDE" not in text(response) and "HIDDEN-NOTE" not in text(response)
    assert "<h1>Not found</h1>" in text(response)


def test_an_edit_to_a_path_outside_the_vault_is_404(client: FlaskClient, vault: Path) -> None:
    outside = vault.parent / "outside.md"
    outside.write_text("- [ ] secret 📅 2026-12-01\n", encoding="utf-8")
    action, data = form_with_button(text(get(client, "/?today=2026-12-01")), GRACE_TASK)
    data.update({"path": "../outside.md", "line": "1"})
    assert post(client, action, data).status_code == 404
    assert outside.read_text(encoding="utf-8") == "- [ ] secret 📅 2026-12-01\n"


def test_security_headers_are_on_pages_files_and_errors(reader: FlaskClient) -> None:
    for url in ("/", "/static/app.js", "/no/such/page", "/api/status"):
        response = get(reader, url, Origin="http://evil.com")
        csp = response.headers["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", csp)
        assert script_src and "'unsafe-inline'" not in script_src.group(1)
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert not any(h.lower().startswith("access-control-") for h, _ in response.headers)


def test_error_pages_are_html_without_a_traceback(app: Flask) -> None:
    def broken() -> str:
        raise RuntimeError("secret detail")

    app.add_url_rule("/broken", "broken", broken)
    response = app.test_client().get("/broken", headers={"Host": HOST})
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "Something went wrong" in text(response)
    assert "secret detail" not in text(response) and "Traceback" not in text(response)


# Hostile notes


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    return make_vault(
        tmp_path,
        {
            "people/Eve.md": (
                "---\ntype: person\nname: \"Eve <script>alert('name')</script>\"\n"
                "company: \"<img src=x onerror=alert('company')>\"\nlinkedin: javascript:alert(1)\n"
                'email: "x@example.com\\" onmouseover=\\"alert(1)"\n'
                'tags: ["<b>bold</b>"]\nkeep_in_touch: 1\n---\n'
                f"Body {XSS} and <img src=x onerror=alert('body')>\n\n"
                "[click](javascript:alert('link')) [data](data:text/html,<script>x</script>)\n\n"
                "[[<script>alert('wiki')</script>]] [[Eve|<img src=x onerror=alert(2)>]]\n\n"
                f"- [ ] Reply to {XSS} 📅 2026-12-01\n"
            ),
            f"notes/{XSS.replace('/', ' ')}.md": f"# {XSS}\n\n{XSS} searchable\n",
            "interviews/i.md": (
                '---\ntype: interview\nperson: "[[Eve]]"\nstatus: scheduled\ndate: 2026-12-02\n'
                f'goal: "{XSS}"\ntitle: "{XSS}"\n---\n{XSS}\n'
            ),
        },
    )


def test_hostile_text_is_escaped_everywhere(hostile: Path, tmp_path: Path) -> None:
    with web_client(hostile, tmp_path) as client:
        pages = [
            "/?today=2026-12-01",
            "/person/people/Eve.md",
            "/interview/interviews/i.md",
            f"/note/{quote('notes/' + XSS.replace('/', ' ') + '.md')}",
            "/search?q=script",
            "/search?q=searchable",
            "/problems",
            f"/company/{quote('<img src=x onerror=alert(1)>')}",
        ]
        for url in pages:
            html = text(get(client, url))
            assert "<script>" not in html.replace('<script src="/static/app.js" defer>', "")
            assert "<img" not in html and "<b>bold" not in html, url
            assert 'href="javascript:' not in html and 'href="data:' not in html, url
            assert 'onmouseover="' not in html, url
        assert "&lt;script&gt;" in text(get(client, "/search?q=searchable"))


# Pure pieces


def test_practice_stats_of_the_example_vault() -> None:
    stats = practice_stats(load(copy_example_root()), date(2026, 12, 1))
    assert (stats.requests, stats.answers, stats.accepted, stats.acceptance) == (17, 13, 12, 92)
    assert (stats.done_this_month, stats.monthly_goal, stats.streak) == (0, 2, 4)
    november = practice_stats(load(copy_example_root()), date(2026, 11, 30))
    assert (november.done_this_month, november.streak) == (1, 4)


def copy_example_root() -> Path:
    return Path(__file__).resolve().parent.parent / "vault-example"


def test_practice_stats_count_requests_answers_and_yeses(tmp_path: Path) -> None:
    def interview(front: str) -> str:
        return f"---\ntype: interview\n{front}---\n"

    root = make_vault(
        tmp_path,
        {
            "a.md": interview("status: done\ndate: 2026-03-02\nrequested: 2026-02-20\n"),
            "b.md": interview("status: declined\n"),
            "c.md": interview("status: requested\nrequested: 2026-03-01\n"),
            "d.md": interview("status: no-reply\n"),
            "e.md": interview("status: done\ndate: 2026-01-15\n"),  # arranged without an ask
            "f.md": interview("status: prospect\n"),
        },
    )
    stats = practice_stats(load(root), date(2026, 3, 10))
    assert (stats.requests, stats.answers, stats.accepted, stats.acceptance) == (4, 2, 1, 50)
    assert (stats.done_this_month, stats.streak) == (1, 1)
    (tmp_path / "empty").mkdir()
    empty = make_vault(tmp_path / "empty", {"p.md": interview("status: prospect\n")})
    assert practice_stats(load(empty), date(2026, 3, 1)).acceptance is None


def test_streak_ends_this_month_or_last() -> None:
    march = 2026 * 12 + 2
    assert streak({march, march - 1, march - 2, march - 4}, march) == 3
    assert streak({march - 1, march - 2}, march) == 2
    assert streak({march - 2}, march) == 0
    assert streak(set(), march) == 0


def test_with_filter_replaces_a_field_term() -> None:
    assert with_filter("ada", "kind", "person") == "ada kind:person"
    assert with_filter("ada kind:note", "kind", "person") == "ada kind:person"
    assert with_filter('ada company:"Old Co"', "company", "New Co") == 'ada company:"New Co"'
    assert with_filter("ada kind:person", "kind", None) == "ada"


def test_markdown_is_sanitized_and_wikilinks_resolve() -> None:
    body = (
        f"{XSS}\n\n[a](javascript:alert(1)) [b](JAVASCRIPT:x) [c](vbscript:x) "
        "[d](data:text/html,x)\n\n[[Ada]] [[Nobody|<i>x</i>]]\n\n- [ ] open\n- [x] done\n"
    )
    context = BodyContext(
        link_url=lambda link: "/person/people/Ada.md" if link.target == "Ada" else None,
        tasks={},
    )
    html = str(render_body(body, context))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "href" not in html.replace('href="/person/people/Ada.md"', "")
    assert (
        '<span class="wikilink unresolved" title="No note named Nobody">&lt;i&gt;x&lt;/i&gt;</span>'
        in html
    )
    assert "<form" not in html


def test_task_buttons_carry_the_form_fields_and_the_file_line() -> None:
    from iiv.note import parse_note

    note = parse_note("n.md", b"---\ntype: note\n---\n# N\n\n- [ ] open one\n- [x] done one\n")
    form = TaskForm("/do/complete", (("csrf_token", "t"), ("path", "n.md"), ("hash", "h")))
    html = str(
        render_body(
            note.body,
            BodyContext(
                link_url=lambda link: None,
                body_line=note.body_line,
                tasks={t.line: t for t in note.tasks},
                task_form=form,
            ),
        )
    )
    assert html.count("<form") == 1
    assert '<input type="hidden" name="line" value="6">' in html
    assert 'aria-label="Mark done: open one"' in html


def test_urls(app: Flask) -> None:
    assert obsidian_url("My Vault", "people/Ada & Bo.md") == (
        "obsidian://open?vault=My%20Vault&file=people%2FAda%20%26%20Bo"
    )
    assert safe_next("/person/x?y=1") == "/person/x?y=1"
    assert [safe_next(v) for v in ("//x", "/\\x", "http://x", "", None, "/a\nb")] == ["/"] * 6
    with app.test_request_context("/", base_url=BASE):
        assert note_url("people/A b#c?.md", "person") == "/person/people/A%20b%23c%3F.md"


def test_today_lists_the_most_urgent_fifty_of_a_long_group_and_links_to_all(
    vault: Path, library: Library, client: FlaskClient
) -> None:
    lines = "".join(f"- [ ] Old task {n} 📅 2026-10-{n % 28 + 1:02d}\n" for n in range(70))
    (vault / "backlog.md").write_text(lines, encoding="utf-8")
    library.sync(["backlog.md"])
    overdue = sum(1 for item in library.due(date(2026, 12, 1), 7) if item.due < date(2026, 12, 1))
    page = text(get(client, "/?today=2026-12-01"))
    assert len(set(re.findall(r"Old task (\d+)", page))) == 50  # October: the most overdue
    assert f"Show all {overdue} ({overdue - 50} more)" in page
    everything = text(get(client, "/?all=1&today=2026-12-01"))
    assert len(set(re.findall(r"Old task (\d+)", everything))) == 70
    assert "Show all" not in everything


@pytest.mark.parametrize("cookie", [None, "", "not-signed", "signed"])
def test_the_session_opens_as_flasks_own_signed_cookie_session(
    app: Flask, cookie: str | None
) -> None:
    from flask.sessions import SecureCookieSessionInterface

    from iiv.web.frame import CookieSessions

    stock = SecureCookieSessionInterface()
    name = stock.get_cookie_name(app)
    signed = cookie == "signed"
    if signed:
        signer = stock.get_signing_serializer(app)
        assert signer is not None
        cookie = signer.dumps({"_flashes": [("message", "Done: a step")]})
    headers = {"Cookie": f"{name}={cookie}"} if cookie is not None else {}
    with app.test_request_context("/", headers=headers) as context:
        ours = CookieSessions().open_session(app, context.request)
        theirs = stock.open_session(app, context.request)
    assert (type(ours), dict(ours or {}), ours is None) == (
        type(theirs),
        dict(theirs or {}),
        theirs is None,
    )
    assert dict(ours or {}) == ({"_flashes": [("message", "Done: a step")]} if signed else {})
    assert isinstance(app.session_interface, CookieSessions)
