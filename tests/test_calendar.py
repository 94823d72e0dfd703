"""The calendar: `iiv calendar` and the served feed, parsed back with icalendar."""

from __future__ import annotations

import stat
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from icalendar import Calendar

from iiv.cli import cli
from iiv.config import parse_config
from iiv.followups import followups
from iiv.ics import FeedOptions, build_calendar, dashboard_page, plain, time_zone
from iiv.vault import load
from iiv.workdays import Wait
from tests.helpers import make_vault

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
KENJI = "interviews/2026-12-03 Kenji Watanabe and Amara Okafor.md"


def feed(root: Path, **changes: object) -> Calendar:
    vault = load(root)
    options = FeedOptions(
        today=TODAY,
        now=NOW,
        zone=time_zone(vault.config),
        page_url=dashboard_page("http://127.0.0.1:8765/"),
    )
    return Calendar.from_ical(build_calendar(vault, replace(options, **changes)))  # type: ignore[arg-type]


def events(calendar: Calendar) -> dict[str, object]:
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def uids(calendar: Calendar) -> dict[str, str]:
    return {str(event["SUMMARY"]): str(event["UID"]) for event in calendar.walk("VEVENT")}


def test_one_event_per_followup_and_agreed_interview(example_vault: Path) -> None:
    calendar = feed(example_vault)
    vault = load(example_vault)
    expected_followups = len(followups(vault, TODAY))
    agreed = [n for n in vault.interviews if n.status in ("scheduled", "done") and n.date]
    found = calendar.walk("VEVENT")
    assert len(found) == expected_followups + len(agreed)
    assert len({str(event["UID"]) for event in found}) == len(found)
    assert all(event["DTSTAMP"].dt == NOW for event in found)
    assert str(calendar["X-WR-CALNAME"]) == "iiv"


def test_followups_are_floating_all_day_events(example_vault: Path) -> None:
    event = events(feed(example_vault))[
        "Nudge Chiara Bianchi politely: no reply since you asked on 2026-11-20"
    ]
    assert event["DTSTART"].dt == date(2026, 12, 1)  # a date: no time, no zone
    assert event["DTEND"].dt == date(2026, 12, 2)
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert str(event["DESCRIPTION"]) == (
        "With: Chiara Bianchi\nNote: interviews/2026-11-20 Chiara Bianchi.md\n"
        "Open in iiv: http://127.0.0.1:8765/interview/interviews/2026-11-20%20Chiara%20Bianchi.md"
    )


def test_a_timed_interview_uses_the_vault_time_zone_and_length(example_vault: Path) -> None:
    (example_vault / "iiv.yaml").write_text(
        "timezone: Europe/London\ninterview_minutes: 45\n", encoding="utf-8"
    )
    event = events(feed(example_vault))["Office visit with Kenji Watanabe, Amara Okafor"]
    start = event["DTSTART"].dt
    assert start == datetime(2026, 12, 3, 15, 30, tzinfo=ZoneInfo("Europe/London"))
    assert str(start.tzinfo) == "Europe/London"
    assert event["DTEND"].dt - start == timedelta(minutes=45)
    assert str(event["LOCATION"]) == "Northwind Robotics, Cotton Street, Ancoats"
    assert str(event["DESCRIPTION"]).startswith("Medium: office visit\nGoal: ")


def test_without_a_timezone_setting_the_machines_is_used(example_vault: Path) -> None:
    vault = load(example_vault)
    assert vault.config.timezone is None
    assert time_zone(vault.config).key  # an IANA name, whatever this machine's is


def test_a_bad_timezone_is_a_listed_problem() -> None:
    config, problems = parse_config("nudge_after: 3\ntimezone: Mars/Olympus_Mons\n")
    assert config.timezone is None and config.nudge_after == Wait(3)
    assert [str(p) for p in problems] == [
        "iiv.yaml:2: timezone: 'Mars/Olympus_Mons' is not an IANA time zone name "
        "(like Europe/London or UTC)"
    ]
    _, problems = parse_config("interview_minutes: 0\n")
    assert [p.message for p in problems] == [
        "interview_minutes: expected a number of minutes from 1 to 1440, got 0"
    ]


def test_uids_are_the_same_from_one_run_to_the_next(example_vault: Path) -> None:
    first = uids(feed(example_vault))
    later = uids(feed(example_vault, now=NOW + timedelta(hours=3)))
    assert first == later


def test_uids_survive_an_unrelated_edit_and_a_snooze(example_vault: Path) -> None:
    before = uids(feed(example_vault))
    note = example_vault / KENJI
    text = note.read_text(encoding="utf-8")
    # Lines above every task and property: each line number in the note changes.
    note.write_text(text.replace("---\n", "---\n# a comment\n", 1), encoding="utf-8")
    grace = example_vault / "interviews/2026-09-29 Grace Liang.md"
    grace_text = grace.read_text(encoding="utf-8")
    grace.write_text(
        grace_text.replace("## Follow-ups", "## Follow-ups\n\nA new paragraph.\n").replace(
            "📅 2026-11-20", "📅 2026-11-23"
        ),
        encoding="utf-8",
    )
    after = uids(feed(example_vault))
    assert after == before
    moved = events(feed(example_vault))[
        "Send Grace Liang the meetup recording once it is published"
    ]
    assert moved["DTSTART"].dt == date(2026, 11, 23)


def test_two_tasks_with_the_same_text_keep_distinct_uids(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {"notes/a.md": "- [ ] Call back 📅 2026-12-02\n- [ ] Call back 📅 2026-12-09\n"},
    )
    found = feed(root).walk("VEVENT")
    assert len({str(event["UID"]) for event in found}) == 2


def test_todo_adds_a_vtodo_per_followup(example_vault: Path) -> None:
    calendar = feed(example_vault, todo=True)
    todos = calendar.walk("VTODO")
    assert len(todos) == len(followups(load(example_vault), TODAY))
    event_uids = {str(event["UID"]) for event in calendar.walk("VEVENT")}
    assert not event_uids & {str(todo["UID"]) for todo in todos}
    assert all(str(todo["STATUS"]) == "NEEDS-ACTION" for todo in todos)


def test_within_keeps_overdue_and_the_next_days(example_vault: Path) -> None:
    calendar = feed(example_vault, within=2)
    days = [event["DTSTART"].dt for event in calendar.walk("VEVENT")]
    as_dates = [d.date() if isinstance(d, datetime) else d for d in days]
    assert max(as_dates) == date(2026, 12, 3) and min(as_dates) < TODAY
    assert "Office visit with Kenji Watanabe, Amara Okafor" in events(calendar)


def test_task_links_show_as_their_text() -> None:
    assert plain("Ask [[Sam Ortiz|Sam]] and [[people/Ada]] about it") == "Ask Sam and Ada about it"


def test_calendar_command_writes_the_file(example_vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "iiv.ics"
    out.parent.mkdir()
    args = ["calendar", "--vault", str(example_vault), "--out", str(out), "--today", "2026-12-01"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out}\n"
    calendar = Calendar.from_ical(out.read_bytes())
    assert str(calendar["X-WR-CALNAME"]) == "iiv: vault-example"
    assert list(out.parent.iterdir()) == [out]  # no temporary file left
    printed = CliRunner().invoke(cli, ["calendar", "--vault", str(example_vault), "--todo"])
    assert printed.exit_code == 0 and printed.output.startswith("BEGIN:VCALENDAR")
    assert "BEGIN:VTODO" in printed.output


# The served feed


def token_of(client: FlaskClient) -> str:
    page = client.get("/calendar").get_data(as_text=True)
    start = page.index("/calendar.ics?token=") + len("/calendar.ics?token=")
    return page[start : page.index('"', start)]


def test_the_feed_needs_its_token(client: FlaskClient) -> None:
    assert client.get("/calendar.ics").status_code == 404
    assert client.get("/calendar.ics?token=wrong").status_code == 404
    token = token_of(client)
    response = client.get(f"/calendar.ics?token={token}")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert calendar.walk("VEVENT")
    assert not calendar.walk("VTODO")
    assert Calendar.from_ical(client.get(f"/calendar.ics?token={token}&todo=1").data).walk("VTODO")
    link = str(calendar.walk("VEVENT")[0]["URL"])
    assert link.startswith("http://127.0.0.1:8765/")


def test_the_token_lives_outside_the_vault(
    client: FlaskClient, vault: Path, tmp_path: Path
) -> None:
    token = token_of(client)
    path = tmp_path / "index" / "calendar-token"
    assert path.read_text(encoding="ascii").strip() == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not any(token in p.read_text(errors="replace") for p in vault.rglob("*") if p.is_file())


def test_the_calendar_page_shows_how_to_subscribe(client: FlaskClient) -> None:
    page = client.get("/calendar").get_data(as_text=True)
    token = token_of(client)
    assert f'href="webcal://127.0.0.1:8765/calendar.ics?token={token}"' in page
    for app in ("Apple Calendar (macOS)", "Thunderbird", "Outlook (classic, Windows)"):
        assert f"<h3>{app}</h3>" in page


def test_regenerating_the_token_needs_csrf_and_cuts_off_the_old_one(client: FlaskClient) -> None:
    old = token_of(client)
    origin = {"Origin": "http://127.0.0.1:8765"}
    refused = client.post("/calendar/token", headers=origin)
    assert refused.status_code == 403 and token_of(client) == old
    csrf = client.application.extensions["iiv_settings"].csrf_token()
    response = client.post("/calendar/token", data={"csrf_token": csrf}, headers=origin)
    assert response.status_code == 303
    assert response.headers["Location"] == "/calendar?renewed=1"
    new = token_of(client)
    assert new != old
    assert client.get(f"/calendar.ics?token={old}").status_code == 404
    assert client.get(f"/calendar.ics?token={new}").status_code == 200
    assert "A new address was made." in client.get("/calendar?renewed=1").get_data(as_text=True)


@pytest.mark.parametrize("host", ["evil.example", "192.168.1.20:8765"])
def test_the_feed_refuses_a_foreign_host(client: FlaskClient, host: str) -> None:
    token = token_of(client)
    response = client.get(f"/calendar.ics?token={token}", headers={"Host": host})
    assert response.status_code == 421


def test_an_interviews_medium_keeps_its_capitals_and_location(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Noor Aziz.md": "---\ntype: person\n---\n",
            "i.md": (
                "---\ntype: interview\nperson: '[[Noor Aziz]]'\nstatus: scheduled\n"
                "date: 2026-12-02 09:00\nmedium: MS Teams\nlocation: 'https://teams.example/x'\n---\n"
            ),
        },
    )
    event = events(feed(root))["MS Teams with Noor Aziz"]
    assert str(event["LOCATION"]) == "https://teams.example/x"
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=60)


def test_dates_at_the_calendars_ends_do_not_break_the_feed(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "a.md": "- [ ] The end 📅 9999-12-31\n- [ ] The start 📅 0001-01-01\n",
            "i.md": "---\ntype: interview\nstatus: scheduled\ndate: 9999-12-31 23:30\n---\n",
        },
    )
    found = events(feed(root, today=date(9999, 12, 30), within=10))
    assert found["The end"]["DTSTART"].dt == date(9999, 12, 31)
    assert "DTEND" not in found["The end"]
    assert found["The start"]["DTEND"].dt == date(1, 1, 2)
    assert "Interview with i" in found
