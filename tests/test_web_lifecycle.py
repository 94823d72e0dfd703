"""One conversation from the browser, through Flask's test client: an interview's next steps and
details form, People (with adding a person), Companies and Pipeline, each action confirmed and
undoable."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from html import unescape
from itertools import zip_longest
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from iiv.cli import cli
from iiv.library import Library
from tests.helpers import make_vault
from tests.web_helpers import form_with_button, get, post, post_forms, text, web_client

CHIARA = "interviews/2026-11-20 Chiara Bianchi.md"
LUCIA = "interviews/2026-11-28 Lucía Fernández.md"
KENJI = "interviews/2026-12-03 Kenji Watanabe and Amara Okafor.md"
MARGIT = "interviews/2026-08-25 Margit Halvorsen.md"
INES = "interviews/2026-11-30 Ines Carvalho.md"


def page(path: str) -> str:
    return f"/interview/{quote(path)}"


def changes(before: bytes, after: bytes) -> list[tuple[str, str]]:
    """(old, new) for each line that differs; a line added shows as ("", new)."""
    old, new = before.decode().split("\n"), after.decode().split("\n")
    found: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            found += zip_longest(old[i1:i2], new[j1:j2], fillvalue="")
    return found


def labels(html: str) -> list[str]:
    return [b.get("aria-label") or "" for f in post_forms(html) for b in f.buttons]


def confirmation(html: str) -> str:
    found = re.search(r'<div class="confirmation" role="status">\s*<p>(.*?)</p>', html)
    return found.group(1) if found else ""


# The interview page


@pytest.mark.parametrize(
    ("path", "buttons"),
    [
        (
            CHIARA,
            [
                "They said yes: 2026-11-20 Chiara Bianchi",
                "Nudged: 2026-11-20 Chiara Bianchi",
                "Done: 2026-11-20 Chiara Bianchi",
                "Declined: 2026-11-20 Chiara Bianchi",
                "No reply: 2026-11-20 Chiara Bianchi",
            ],
        ),
        (
            KENJI,
            [
                "Reschedule: 2026-12-03 Kenji Watanabe and Amara Okafor",
                "Done: 2026-12-03 Kenji Watanabe and Amara Okafor",
                "Cancelled: 2026-12-03 Kenji Watanabe and Amara Okafor",
            ],
        ),
        (LUCIA, ["Thanked: 2026-11-28 Lucía Fernández"]),
        (
            INES,
            [
                "They said yes: 2026-11-30 Ines Carvalho",
                "Request sent: 2026-11-30 Ines Carvalho",
                "Done: 2026-11-30 Ines Carvalho",
                "Declined: 2026-11-30 Ines Carvalho",
            ],
        ),
        (MARGIT, []),
    ],
)
def test_the_interview_page_offers_the_steps_its_status_allows(
    client: FlaskClient, path: str, buttons: list[str]
) -> None:
    html = text(get(client, page(path)))
    steps = html.split('id="steps-h"', 1)[1].split("</section>", 1)[0]
    assert labels(steps) == buttons
    if not buttons:
        assert "Nothing left to record for this conversation." in steps


def test_they_said_yes_changes_status_and_date_and_is_undone_byte_for_byte(
    client: FlaskClient, vault: Path, today: str
) -> None:
    before = (vault / CHIARA).read_bytes()
    action, data = form_with_button(
        text(get(client, page(CHIARA))), "They said yes: 2026-11-20 Chiara Bianchi"
    )
    data.update({"date": "2026-12-10", "time": "14:00", "medium": "video"})
    response = post(client, action, data)
    assert response.status_code == 303 and response.headers["Location"] == page(CHIARA)
    after = (vault / CHIARA).read_bytes()
    # one note: its status and date, and (for the reply-time numbers) when the answer came
    assert sorted(changes(before, after)) == [
        ("", f"answered: {today}"),
        ("", "date: 2026-12-10 14:00"),
        ("status: requested", "status: scheduled"),
    ]
    html = text(get(client, page(CHIARA)))
    assert confirmation(html) == "Chiara Bianchi scheduled for 2026-12-10 14:00"
    action, data = form_with_button(html, "Undo: Chiara Bianchi scheduled for 2026-12-10 14:00")
    assert post(client, action, data).status_code == 303
    assert (vault / CHIARA).read_bytes() == before
    assert confirmation(text(get(client, page(CHIARA)))) == (
        "Undone: Chiara Bianchi scheduled for 2026-12-10 14:00"
    )


@pytest.mark.parametrize(
    ("label", "change"),
    [
        ("Nudged: 2026-11-20 Chiara Bianchi", ("", "nudged: TODAY")),
        ("Declined: 2026-11-20 Chiara Bianchi", ("status: requested", "status: declined")),
        ("No reply: 2026-11-20 Chiara Bianchi", ("status: requested", "status: no-reply")),
        ("Done: 2026-11-20 Chiara Bianchi", ("status: requested", "status: done")),
    ],
)
def test_each_step_button_writes_its_lines(
    client: FlaskClient, vault: Path, label: str, change: tuple[str, str], today: str
) -> None:
    before = (vault / CHIARA).read_bytes()
    action, data = form_with_button(text(get(client, page(CHIARA))), label)
    assert post(client, action, data).status_code == 303
    old, new = change
    assert (old, new.replace("TODAY", today)) in changes(before, (vault / CHIARA).read_bytes())


def test_the_details_form_saves_only_the_changed_lines(client: FlaskClient, vault: Path) -> None:
    before = (vault / KENJI).read_bytes()
    html = text(get(client, page(KENJI)))
    action, data = form_with_button(
        html, "Save the details of 2026-12-03 Kenji Watanabe and Amara Okafor"
    )
    data.update(
        {
            "date": html_value(html, "edit-date"),
            "time": html_value(html, "edit-time"),
            "medium": html_value(html, "edit-medium"),
            "location": "Northwind Robotics, the demo lab",
            "goal": html_value(html, "edit-goal"),
        }
    )
    assert post(client, action, data).status_code == 303
    found = changes(before, (vault / KENJI).read_bytes())
    assert len(found) == 1 and found[0][1] == "location: Northwind Robotics, the demo lab"
    assert confirmation(text(get(client, page(KENJI)))) == (
        "Kenji Watanabe, Amara Okafor: details saved"
    )


def test_the_details_form_sent_back_unchanged_writes_nothing(
    client: FlaskClient, vault: Path, library: Library
) -> None:
    """A date written with a T or seconds, and a medium with two spaces, are what the form
    shows: sent back as they are, they match the note and no line is rewritten."""
    note = vault / KENJI
    written = note.read_bytes().replace(b"date: 2026-12-03 15:30", b"date: 2026-12-03T15:30:00")
    note.write_bytes(written.replace(b"medium: office visit", b"medium: office  visit"))
    library.sync([KENJI])
    before = note.read_bytes()
    label = "Save the details of 2026-12-03 Kenji Watanabe and Amara Okafor"
    html = text(get(client, page(KENJI)))
    action, data = form_with_button(html, label)
    fields = ("date", "time", "medium", "location", "goal")
    data.update({name: html_value(html, f"edit-{name}") for name in fields})
    assert post(client, action, data).status_code == 303
    assert note.read_bytes() == before
    assert confirmation(text(get(client, page(KENJI)))) == (
        "Nothing to change: Kenji Watanabe, Amara Okafor: details saved"
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date", "", "schedule needs a date"),
        ("date", "2026-12-32", "date: 2026-12-32 is not a real date"),
        ("time", "25:00", "time: expected a time like 14:30, got &#39;25:00&#39;"),
        ("medium", "x" * 2001, "medium: at most 2,000 characters, got 2,001"),
    ],
)
def test_they_said_yes_with_a_bad_field_is_refused_and_nothing_is_written(
    client: FlaskClient, vault: Path, field: str, value: str, message: str
) -> None:
    before = (vault / CHIARA).read_bytes()
    action, data = form_with_button(
        text(get(client, page(CHIARA))), "They said yes: 2026-11-20 Chiara Bianchi"
    )
    data.update({"date": "2026-12-10", "time": "14:00", "medium": "video", field: value})
    response = post(client, action, data)
    assert response.status_code == 400
    assert message in text(response)
    assert (vault / CHIARA).read_bytes() == before


def html_value(html: str, field_id: str) -> str:
    """The value a page's field starts with, as the browser would send it back."""
    found = re.search(rf'id="{field_id}" [^>]*value="([^"]*)"', html)
    assert found is not None
    return unescape(found.group(1))


@pytest.mark.parametrize(
    ("label", "data", "change"),
    [
        (
            "Reschedule: 2026-12-03 Kenji Watanabe and Amara Okafor",
            {"date": "2026-12-08", "time": "15:30", "medium": "office visit"},
            [("date: 2026-12-03 15:30", "date: 2026-12-08 15:30")],
        ),
        (
            "Cancelled: 2026-12-03 Kenji Watanabe and Amara Okafor",
            {},
            [("status: scheduled", "status: cancelled")],
        ),
        (
            "Done: 2026-12-03 Kenji Watanabe and Amara Okafor",
            {},
            [("status: scheduled", "status: done")],
        ),
    ],
)
def test_a_scheduled_conversation_is_moved_cancelled_or_done_from_its_page(
    client: FlaskClient,
    vault: Path,
    label: str,
    data: dict[str, str],
    change: list[tuple[str, str]],
) -> None:
    before = (vault / KENJI).read_bytes()
    action, form = form_with_button(text(get(client, page(KENJI))), label)
    assert post(client, action, {**form, **data}).status_code == 303
    assert changes(before, (vault / KENJI).read_bytes()) == change


def test_request_sent_from_a_prospects_page(client: FlaskClient, vault: Path, today: str) -> None:
    before = (vault / INES).read_bytes()
    assert click_on(client, INES, "Request sent: 2026-11-30 Ines Carvalho").status_code == 303
    assert changes(before, (vault / INES).read_bytes()) == [
        ("status: prospect", "status: requested"),
        ("", f"requested: {today}"),
    ]
    assert (
        confirmation(text(get(client, page(INES)))) == f"Request to Ines Carvalho sent on {today}"
    )


def test_a_change_made_in_the_browser_is_undone_from_the_terminal(
    client: FlaskClient, vault: Path, library: Library, today: str
) -> None:
    before = (vault / CHIARA).read_bytes()
    assert click_on(client, CHIARA, "Nudged: 2026-11-20 Chiara Bianchi").status_code == 303
    result = CliRunner().invoke(
        cli, ["undo", "--vault", str(vault), "--index-dir", str(library.folder)]
    )
    assert (result.exit_code, result.output) == (
        0,
        f"Undone: Chiara Bianchi nudged on {today} ({CHIARA})\n",
    )
    assert (vault / CHIARA).read_bytes() == before


def test_undo_of_a_note_changed_since_is_409_and_changes_nothing(
    client: FlaskClient, vault: Path, today: str
) -> None:
    assert click_on(client, CHIARA, "Nudged: 2026-11-20 Chiara Bianchi").status_code == 303
    html = text(get(client, page(CHIARA)))
    with open(vault / CHIARA, "a", encoding="utf-8") as handle:
        handle.write("She replied on LinkedIn.\n")
    edited = (vault / CHIARA).read_bytes()
    response = post(client, *form_with_button(html, f"Undo: Chiara Bianchi nudged on {today}"))
    assert response.status_code == 409
    assert (
        f"{CHIARA} changed since iiv wrote it (Chiara Bianchi nudged on {today});"
        " nothing was undone"
    ) in text(response)
    assert (vault / CHIARA).read_bytes() == edited


def test_a_step_on_a_note_changed_since_the_page_is_409(client: FlaskClient, vault: Path) -> None:
    action, data = form_with_button(
        text(get(client, page(CHIARA))), "Nudged: 2026-11-20 Chiara Bianchi"
    )
    with open(vault / CHIARA, "a", encoding="utf-8") as handle:
        handle.write("She replied on LinkedIn.\n")
    edited = (vault / CHIARA).read_bytes()
    response = post(client, action, data)
    assert response.status_code == 409
    assert (vault / CHIARA).read_bytes() == edited


def test_a_step_that_no_longer_applies_is_refused_with_its_reason(
    client: FlaskClient, vault: Path
) -> None:
    assert click_on(client, CHIARA, "Declined: 2026-11-20 Chiara Bianchi").status_code == 303
    action, data = form_with_button(
        text(get(client, page(CHIARA))), "Save the details of 2026-11-20 Chiara Bianchi"
    )
    before = (vault / CHIARA).read_bytes()
    response = post(client, action, {**data, "step": "nudged"})  # a form from an older page
    assert response.status_code == 400
    assert f"{CHIARA}: its status is declined; nudged applies to requested conversations" in text(
        response
    )
    assert (vault / CHIARA).read_bytes() == before


def click_on(client: FlaskClient, path: str, label: str) -> TestResponse:
    return post(client, *form_with_button(text(get(client, page(path))), label))


# People


def test_people_lists_everyone_with_last_contact_and_next_follow_up(client: FlaskClient) -> None:
    html = text(get(client, "/people?today=2026-12-01"))
    assert '<p class="lead">14 people, with their last contact and what is next.</p>' in html
    row = html.split(">Chiara Bianchi</a>", 1)[1].split("</tr>", 1)[0]
    assert 'href="/company/Northwind%20Robotics">Northwind Robotics</a>' in row
    assert "Community manager" in row
    assert "due today: Nudge Chiara Bianchi politely: no reply since you asked on 2026-11-20" in row
    farah = html.split(">Farah Haddad</a>", 1)[1].split("</tr>", 1)[0]
    assert '<td class="nowrap">2026-08-10</td>' in farah and "is-late" in farah


def names_in_order(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/person/[^"]+">([^<]+)</a>', html)


def test_people_sort_by_any_column_both_ways(client: FlaskClient) -> None:
    by_name = names_in_order(text(get(client, "/people")))
    assert by_name == sorted(by_name, key=str.casefold) and len(by_name) == 14
    assert names_in_order(text(get(client, "/people?sort=name&order=desc"))) == by_name[::-1]
    latest = names_in_order(text(get(client, "/people?sort=last")))
    assert latest[0] == "Lucía Fernández"
    most = text(get(client, "/people?sort=conversations"))
    assert names_in_order(most)[0] == "Tomasz Wójcik"
    assert 'aria-sort="descending"><a href="/people?sort=conversations&amp;order=asc"' in most
    assert get(client, "/people?sort=__class__&order=sideways").status_code == 200


def test_people_filter_by_words_and_tag(client: FlaskClient) -> None:
    html = text(get(client, "/people?q=northwind+advocate"))
    assert names_in_order(html) == ["Amara Okafor"]
    assert names_in_order(text(get(client, "/people?q=lucia"))) == ["Lucía Fernández"]
    tagged = names_in_order(text(get(client, "/people?tag=devrel")))
    assert "Kenji Watanabe" in tagged and "Tomasz Wójcik" not in tagged
    nobody = text(get(client, "/people?q=zzz"))
    assert "Nobody matches “zzz”." in nobody


def add_form(client: FlaskClient) -> tuple[str, dict[str, str]]:
    return form_with_button(text(get(client, "/people")), "Add the person")


def test_adding_a_person_writes_their_note_and_can_be_undone(
    client: FlaskClient, vault: Path
) -> None:
    action, data = add_form(client)
    data.update(
        {
            "name": "Ada Lovelace",
            "company": "Analytical Engines",
            "role": "Head of research",
            "email": "ada@analytical-engines.example",
            "linkedin": "https://www.linkedin.com/in/ada",
            "source": "Her talk at the engines meetup",
            "introduced_by": "kenji watanabe",
            "keep_in_touch": "3 months",
        }
    )
    response = post(client, action, data)
    assert response.headers["Location"] == "/person/people/Ada%20Lovelace.md"
    note = (vault / "people/Ada Lovelace.md").read_text(encoding="utf-8")
    for line in (
        'name: "Ada Lovelace"',
        "company: Analytical Engines",
        "role: Head of research",
        "email: ada@analytical-engines.example",
        "linkedin: https://www.linkedin.com/in/ada",
        "source: Her talk at the engines meetup",
        'introduced_by: "[[Kenji Watanabe]]"',
        "keep_in_touch: 3 months",
    ):
        assert line in note.splitlines()
    html = text(get(client, response.headers["Location"]))
    assert confirmation(html) == "Ada Lovelace added"
    assert 'Introduced by <a href="/person/people/Kenji%20Watanabe.md">Kenji Watanabe</a>' in html
    action, undo = form_with_button(html, "Undo: Ada Lovelace added")
    post(client, action, undo)
    assert not (vault / "people/Ada Lovelace.md").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "name: a person needs a name"),
        (
            "name",
            "chiara bianchi",
            "chiara bianchi is already in the vault: people/Chiara Bianchi.md; nothing was written",
        ),
        (
            "linkedin",
            "linkedin.com/in/ada",
            "linkedin: give the profile&#39;s address, starting with https://",
        ),
        ("email", "ada", "email: &#39;ada&#39; is not an email address"),
        (
            "introduced_by",
            "Kenji Watanbe",
            "introduced by: no person &#39;Kenji Watanbe&#39;; did you mean Kenji Watanabe?",
        ),
        (
            "keep_in_touch",
            "often",
            "keep_in_touch: expected a number of days, or 6 weeks, 3 months; got &#39;often&#39;",
        ),
    ],
)
def test_a_bad_person_is_refused_and_nothing_is_written(
    client: FlaskClient, vault: Path, field: str, value: str, message: str
) -> None:
    action, data = add_form(client)
    data.update({"name": "Ada Lovelace", field: value})
    before = sorted(p.name for p in (vault / "people").iterdir())
    response = post(client, action, data)
    assert response.status_code == 400
    assert message in text(response)
    assert sorted(p.name for p in (vault / "people").iterdir()) == before


def test_contacted_from_a_person_page_writes_last_contact_and_is_undone(
    client: FlaskClient, vault: Path, today: str
) -> None:
    farah = "people/Farah Haddad.md"
    before = (vault / farah).read_bytes()
    html = text(get(client, f"/person/{quote(farah)}"))
    action, data = form_with_button(html, "Contacted: Farah Haddad")
    assert html_value(html, "contacted-date") == today
    response = post(client, action, {**data, "date": "2026-11-30"})
    assert response.headers["Location"] == f"/person/{quote(farah)}"
    assert changes(before, (vault / farah).read_bytes()) == [("", "last_contact: 2026-11-30")]
    html = text(get(client, f"/person/{quote(farah)}"))
    assert confirmation(html) == "Farah Haddad contacted on 2026-11-30"
    post(client, *form_with_button(html, "Undo: Farah Haddad contacted on 2026-11-30"))
    assert (vault / farah).read_bytes() == before


# Companies and Pipeline


def test_companies_list_each_with_people_conversations_and_last_contact(
    client: FlaskClient,
) -> None:
    html = text(get(client, "/companies"))
    row = html.split('<a href="/company/Northwind%20Robotics">Northwind Robotics</a>', 1)[1]
    row = row.split("</tr>", 1)[0]
    for name in ("Amara Okafor", "Chiara Bianchi", "Kenji Watanabe", "Margit Halvorsen"):
        assert f">{name}</a>" in row
    assert '<td class="num">7</td>' in row and "2026-10-14" in row
    assert get(client, "/company/Northwind%20Robotics").status_code == 200


def lane(html: str, key: str) -> str:
    return html.split(f'class="lane lane-{key}"', 1)[1].split("</section>", 1)[0]


def test_the_pipeline_shows_each_conversation_in_flight_with_age_and_next_step(
    client: FlaskClient,
) -> None:
    html = text(get(client, "/pipeline?today=2026-12-01"))
    assert "2026-11-30 Ines Carvalho" in lane(html, "prospect")
    requested = lane(html, "requested")
    assert "asked 11 days ago" in requested
    assert "Nudge Chiara Bianchi politely: no reply since you asked on 2026-11-20" in requested
    scheduled = lane(html, "scheduled")
    assert "Thu 3 Dec 2026, 15:30, in 2 days" in scheduled
    assert "Prepare for the office visit" in scheduled
    unthanked = lane(html, "unthanked")
    assert "met 3 days ago" in unthanked and "Send a thank-you note to Lucía" in unthanked
    assert labels(unthanked) == [
        "Thanked: Send a thank-you note to Lucía Fernández for the video on 2026-11-28"
    ]


def test_a_thank_you_ticked_as_a_task_is_thanked_in_the_pipeline(tmp_path: Path) -> None:
    def done(tasks: str, more: str = "") -> str:
        return (
            '---\ntype: interview\nperson: "[[Ada]]"\nstatus: done\n'
            f"date: 2026-11-20\n{more}---\n## Follow-ups\n{tasks}"
        )

    root = make_vault(
        tmp_path,
        {
            "people/Ada.md": "---\ntype: person\n---\n",
            "interviews/2026-11-20 ticked.md": done("- [x] Send a thank-you note ✅ 2026-11-21\n"),
            "interviews/2026-11-20 dated.md": done("- [ ] Send a thank-you card 📅 2026-12-03\n"),
            "interviews/2026-11-20 thanked.md": done("", "thanked: 2026-11-21\n"),
            "interviews/2026-11-20 not yet.md": done(""),
        },
    )
    with web_client(root, tmp_path) as client:
        unthanked = lane(text(get(client, "/pipeline?today=2026-12-01")), "unthanked")
    assert re.findall(r'class="card-title" href="[^"]+">([^<]+)</a>', unthanked) == [
        "2026-11-20 dated",
        "2026-11-20 not yet",
    ]
    dated = unthanked.split("2026-11-20 dated", 1)[1].split("</li>", 1)[0]
    assert "Send the thank-you" in dated


def test_a_pipeline_button_records_the_next_step(
    client: FlaskClient, vault: Path, today: str
) -> None:
    before = (vault / INES).read_bytes()
    action, data = form_with_button(
        text(get(client, "/pipeline?today=2026-12-01")), "Request sent: 2026-11-30 Ines Carvalho"
    )
    assert data["next"] == "/pipeline?today=2026-12-01"
    assert post(client, action, data).status_code == 303
    assert changes(before, (vault / INES).read_bytes()) == [
        ("status: prospect", "status: requested"),
        ("", f"requested: {today}"),
    ]


def test_the_navigation_has_the_five_places(client: FlaskClient) -> None:
    html = text(get(client, "/people"))
    nav = html.split('<nav class="nav" aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    found = re.findall(r'<a href="([^"]+)"[^>]*>([A-Za-z]+)', nav)
    for place in (
        ("/", "Today"),
        ("/people", "People"),
        ("/companies", "Companies"),
        ("/pipeline", "Pipeline"),
        ("/problems", "Problems"),
    ):
        assert place in found
    assert '<a href="/people" aria-current="page">People</a>' in nav


def test_the_example_request_is_scheduled_done_and_thanked_from_the_page_each_undoable(
    client: FlaskClient, vault: Path, today: str
) -> None:
    versions = [(vault / CHIARA).read_bytes()]
    action, data = form_with_button(
        text(get(client, page(CHIARA))), "They said yes: 2026-11-20 Chiara Bianchi"
    )
    post(client, action, {**data, "date": "2026-12-02", "time": "10:00", "medium": "video"})
    versions.append((vault / CHIARA).read_bytes())
    assert click_on(client, CHIARA, "Done: 2026-11-20 Chiara Bianchi").status_code == 303
    versions.append((vault / CHIARA).read_bytes())
    assert changes(versions[1], versions[2]) == [("status: scheduled", "status: done")]
    assert click_on(client, CHIARA, "Thanked: 2026-11-20 Chiara Bianchi").status_code == 303
    versions.append((vault / CHIARA).read_bytes())
    assert changes(versions[2], versions[3]) == [("", f"thanked: {today}")]
    action, data = form_with_button(text(get(client, page(CHIARA))), "Undo: Chiara Bianchi thanked")
    assert post(client, action, data).status_code == 303
    assert (vault / CHIARA).read_bytes() == versions[2]
    for entry, version in ((2, versions[1]), (1, versions[0])):  # the journal's ids, newest first
        assert post(client, action, {**data, "id": str(entry)}).status_code == 303
        assert (vault / CHIARA).read_bytes() == version
