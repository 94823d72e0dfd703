"""Business days and waits: weekends, holidays, month and year ends. Pure."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iiv.workdays import BadWait, Wait, Workweek, is_off, parse_wait

PLAIN = Workweek()
FRI, SAT, SUN, MON = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22), date(2026, 11, 23)


def test_weekends_are_not_business_days() -> None:
    assert [PLAIN.is_business_day(d) for d in (FRI, SAT, SUN, MON)] == [True, False, False, True]


def test_three_business_days_after_a_friday_is_the_wednesday() -> None:
    assert PLAIN.add(FRI, 3) == date(2026, 11, 25)


def test_a_weekend_start_counts_from_the_monday() -> None:
    assert PLAIN.add(SAT, 1) == MON
    assert PLAIN.add(SUN, 3) == date(2026, 11, 25)


def test_zero_business_days_is_the_day_itself_even_on_a_weekend() -> None:
    assert PLAIN.add(SAT, 0) == SAT


def test_seven_business_days_cross_a_month_end() -> None:
    assert PLAIN.add(FRI, 7) == date(2026, 12, 1)


def test_business_days_cross_a_year_end_and_skip_holidays() -> None:
    week = Workweek(frozenset({date(2026, 12, 25), date(2027, 1, 1)}))
    # Wed 23 Dec 2026: Thu 24, (Fri 25 holiday), Mon 28, Tue 29, Wed 30, Thu 31, (Fri 1 holiday)
    assert week.add(date(2026, 12, 23), 5) == date(2026, 12, 31)
    assert week.add(date(2026, 12, 23), 6) == date(2027, 1, 4)


def test_a_holiday_on_a_weekend_changes_nothing() -> None:
    week = Workweek(frozenset({SAT}))
    assert week.add(FRI, 1) == MON
    assert week.between(FRI, MON) == 1


def test_between_counts_business_days_after_the_start_up_to_the_end() -> None:
    assert PLAIN.between(FRI, FRI) == 0
    assert PLAIN.between(FRI, SUN) == 0
    assert PLAIN.between(FRI, MON) == 1
    assert PLAIN.between(MON, FRI) == 0
    assert PLAIN.between(date(2026, 1, 30), date(2026, 3, 2)) == 21  # February and a Monday


def test_between_leaves_out_holidays_in_the_span_only() -> None:
    week = Workweek(frozenset({date(2026, 12, 25), date(2027, 1, 1), date(2027, 6, 1)}))
    assert week.between(date(2026, 12, 24), date(2027, 1, 4)) == 5  # 28, 29, 30, 31 Dec, 4 Jan


def test_public_holidays_come_from_the_country() -> None:
    england = Workweek(country="GB")
    assert not england.is_business_day(date(2026, 12, 25))
    assert not england.is_business_day(date(2026, 12, 28))  # Boxing Day, substitute day
    assert england.add(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert england.between(date(2026, 12, 24), date(2026, 12, 29)) == 1


def test_a_subdivision_has_its_own_holidays() -> None:
    bavaria, berlin = Workweek(country="DE-BY"), Workweek(country="DE-BE")
    epiphany = date(2026, 1, 6)
    assert (bavaria.is_business_day(epiphany), berlin.is_business_day(epiphany)) == (False, True)


def test_adding_stops_at_the_calendars_end() -> None:
    assert PLAIN.add(date.max - timedelta(days=2), 10) == date.max
    assert PLAIN.after(date.max - timedelta(days=2), Wait(10)) == date.max


def test_after_counts_in_the_waits_unit() -> None:
    assert PLAIN.after(FRI, Wait(7)) == date(2026, 11, 27)
    assert PLAIN.after(FRI, Wait(7, business=True)) == date(2026, 12, 1)


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
    st.integers(min_value=0, max_value=60),
)
def test_between_undoes_add(start: date, count: int) -> None:
    end = PLAIN.add(start, count)
    assert PLAIN.between(start, end) == count
    assert count == 0 or PLAIN.is_business_day(end)


@pytest.mark.parametrize(
    ("value", "wait"),
    [
        (7, Wait(7)),
        ("7", Wait(7)),
        ("7 days", Wait(7)),
        ("1 day", Wait(1)),
        ("7d", Wait(7)),
        ("7b", Wait(7, business=True)),
        ("7B", Wait(7, business=True)),
        ("7 business days", Wait(7, business=True)),
        ("1 business day", Wait(1, business=True)),
        ("3bd", Wait(3, business=True)),
        (0, Wait(0)),
    ],
)
def test_parse_wait_reads_days_and_business_days(value: object, wait: Wait) -> None:
    assert parse_wait(value) == wait


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", "expected days (7) or business days (7b), got 'soon'"),
        (-1, "expected days (7) or business days (7b), got -1"),
        (True, "expected days (7) or business days (7b), got True"),
        (1.5, "expected days (7) or business days (7b), got 1.5"),
        ("7 weeks", "expected days (7) or business days (7b), got '7 weeks'"),
        ("40000b", "40000b is more than 36500 days"),
    ],
)
def test_parse_wait_refuses_anything_else_with_a_reason(value: object, message: str) -> None:
    with pytest.raises(BadWait) as raised:
        parse_wait(value)
    assert str(raised.value) == message


def test_waits_read_back_as_written() -> None:
    assert (str(Wait(7)), str(Wait(3, business=True))) == ("7", "3b")
    assert Wait(1, business=True).describe() == "1 business day"
    assert Wait(7).describe() == "7 days"


def test_off_is_what_yaml_reads_as_false_or_the_word() -> None:
    assert [is_off(v) for v in (False, "off", "No", True, "3b", 0)] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
