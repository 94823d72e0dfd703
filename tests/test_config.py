"""iiv.yaml: every setting read, every bad value one problem with its line, defaults kept."""

from __future__ import annotations

from datetime import date

from iiv.config import Config, parse_config
from iiv.workdays import Wait


def problems(text: str) -> list[str]:
    return [str(problem) for problem in parse_config(text)[1]]


def test_an_empty_file_gives_the_defaults_of_the_method() -> None:
    config, found = parse_config("")
    assert found == []
    assert (config.nudge_after, config.next_contact_after) == (Wait(7, True), Wait(3, True))
    assert (config.give_up_after, config.report_back_after) == (Wait(7), Wait(2))
    assert (config.holidays, config.public_holidays, config.me) == (frozenset(), None, None)


def test_existing_vaults_keep_their_whole_days() -> None:
    config, found = parse_config("nudge_after: 7\ngive_up_after: 10\n")
    assert found == []
    assert (config.nudge_after, config.give_up_after) == (Wait(7), Wait(10))


def test_waits_accept_business_days_and_off() -> None:
    text = "nudge_after: 7 business days\nnext_contact_after: off\nreport_back_after: 1b\n"
    config, found = parse_config(text)
    assert found == []
    assert config.nudge_after == Wait(7, business=True)
    assert config.next_contact_after is None
    assert config.report_back_after == Wait(1, business=True)


def test_holidays_and_a_country_make_the_workweek() -> None:
    text = "holidays:\n  - 2026-12-24\n  - 2026-12-31\npublic_holidays: GB\nme: Sam Rivera\n"
    config, found = parse_config(text)
    assert found == []
    assert config.holidays == frozenset({date(2026, 12, 24), date(2026, 12, 31)})
    assert config.me == "Sam Rivera"
    assert config.workweek.add(date(2026, 12, 23), 1) == date(2026, 12, 29)


def test_bad_values_are_problems_with_their_lines_and_the_rest_is_used() -> None:
    text = (
        "nudge_after: soon\n"
        "next_contact_after: maybe\n"
        "give_up_after: 40000b\n"
        "holidays:\n"
        "  - 2026-12-25\n"
        "  - 2026-02-30\n"
        "  - tomorrow\n"
        "public_holidays: Atlantis\n"
        "me: [Sam]\n"
        "monthly_goal: 3\n"
    )
    config, _ = parse_config(text)
    assert problems(text) == [
        "iiv.yaml:1: nudge_after: expected days (7) or business days (7b), got 'soon'",
        "iiv.yaml:2: next_contact_after: expected days (7), business days (7b) or off, got 'maybe'",
        "iiv.yaml:3: give_up_after: 40000b is more than 36500 days",
        "iiv.yaml:6: holidays: 2026-02-30 is not a real date",
        "iiv.yaml:7: holidays: expected a date like 2026-11-21, got 'tomorrow'",
        "iiv.yaml:8: public_holidays: expected a country code the holidays library knows"
        " (GB, US-CA), got 'Atlantis'",
        "iiv.yaml:9: me: expected your name as text (at most 200 characters), got ['Sam']",
    ]
    assert config == Config(holidays=frozenset({date(2026, 12, 25)}), monthly_goal=3)


def test_a_date_typo_no_longer_loses_every_setting() -> None:
    config, found = parse_config("holidays: [2026-02-30]\nmonthly_goal: 4\n")
    assert [str(p) for p in found] == ["iiv.yaml:1: holidays: 2026-02-30 is not a real date"]
    assert config.monthly_goal == 4
