"""Reflection rules: days, rotation, streaks and wall-clock scheduling (pure functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coaching import reflections as rules
from coaching.dates import DateOutOfRange, InvalidDate, parse_date
from coaching.reflections import (
    ALL_DAYS,
    DAILY,
    WEEKDAYS_MASK,
    WEEKENDS_MASK,
    WEEKLY,
    InvalidDays,
    Schedule,
    SubscriptionChange,
    describe_days,
    next_send,
    parse_days,
    prompt_for,
    weekly_streak,
)
from coaching.timezones import zone_entries


@pytest.mark.parametrize(
    ("typed", "mask"),
    [
        ("daily", ALL_DAYS),
        ("Weekdays", WEEKDAYS_MASK),
        ("weekends", WEEKENDS_MASK),
        ("mon,wed,fri", 0b10101),
        ("Tue and Thu", 0b1010),
        ("sunday", 0b1000000),
    ],
)
def test_days(typed: str, mask: int) -> None:
    assert parse_days(typed) == mask


@pytest.mark.parametrize("typed", ["funday", "", "mon,funday", ",,,"])
def test_bad_days(typed: str) -> None:
    with pytest.raises(InvalidDays):
        parse_days(typed)


def test_describe_days() -> None:
    assert describe_days(ALL_DAYS) == "every day"
    assert describe_days(0b10101) == "Mon, Wed, Fri"


def test_dates_members_type() -> None:
    today = date(2026, 11, 21)  # a Saturday
    assert parse_date("3d", today) == date(2026, 11, 24)
    assert parse_date("2w", today) == date(2026, 12, 5)
    assert parse_date("friday", today) == date(2026, 11, 27)
    assert parse_date("next week", today) == date(2026, 11, 23)
    assert parse_date("2026-12-01", today) == date(2026, 12, 1)
    assert parse_date("tmrw", today) == date(2026, 11, 22)
    assert parse_date("this weekend", today) == today  # it is the weekend
    assert parse_date("weekend", date(2026, 11, 18)) == today  # from a Wednesday: Saturday
    assert parse_date("end of month", today) == date(2026, 11, 30)
    assert parse_date("end of the month", date(2026, 12, 7)) == date(2026, 12, 31)
    assert parse_date("12/25/2026", today) == date(2026, 12, 25)  # month first: must be
    assert parse_date("05/12/2026", today) == date(2026, 12, 5)  # day first otherwise
    assert parse_date("24.12.", today) == date(2026, 12, 24)
    for bad in ("someday", "2026-02-30", "", "9999d", "0000-01-01", "13/13/2026", "24..12"):
        with pytest.raises(InvalidDate):
            parse_date(bad, today)


@pytest.mark.parametrize(
    "text", ["9999-12-30", "9999-12-31", "31.12.9999", "999m", "2029-11-22", "0001-01-01"]
)
def test_dates_stay_within_a_few_years(text: str) -> None:
    today = date(2026, 11, 21)
    with pytest.raises(DateOutOfRange) as refused:
        parse_date(text, today)
    assert refused.value.latest == date(2029, 11, 21)
    assert refused.value.earliest == date(1976, 11, 21)


def test_the_last_date_within_reach_is_accepted() -> None:
    today = date(2026, 11, 21)
    assert parse_date("2029-11-21", today) == date(2029, 11, 21)
    assert parse_date("156w", today) == date(2029, 11, 17)
    assert parse_date("1976-11-21", today) == date(1976, 11, 21)


@given(st.integers(min_value=1, max_value=200), st.integers(min_value=0, max_value=10**9))
def test_rotation_shows_every_prompt_once_per_pass(count: int, member: int) -> None:
    keys = [f"theme__{i:03d}" for i in range(count)]
    for cycle in range(2):
        seen = [prompt_for(cycle * count + i, member, keys) for i in range(count)]
        assert sorted(seen) == keys


def test_rotation_differs_between_members() -> None:
    keys = [f"k{i}" for i in range(80)]
    firsts = {prompt_for(0, member, keys) for member in range(200)}
    assert len(firsts) > 30


def test_weekly_streak() -> None:
    today = date(2026, 11, 21)  # Saturday
    this_week, last_week = date(2026, 11, 18), date(2026, 11, 12)
    assert weekly_streak({this_week, last_week, date(2026, 11, 3)}, today) == 3
    assert weekly_streak({last_week}, today) == 1  # this week can still continue it
    assert weekly_streak({date(2026, 10, 1)}, today) == 0
    assert weekly_streak(set(), today) == 0


ZONES = [entry.key for entry in zone_entries()]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.integers(min_value=0, max_value=23),
    st.integers(min_value=0, max_value=59),
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31)),
    st.integers(min_value=1, max_value=127),
)
def test_next_send_is_the_wall_clock_time_or_just_after_a_gap(
    zone: str, hour: int, minute: int, after: datetime, days: int
) -> None:
    schedule = Schedule(timezone=zone, time_of_day=time(hour, minute), days=days)
    start = after.replace(tzinfo=UTC)
    result = next_send(start, schedule)
    assert result is not None
    instant, day = result
    assert instant > start
    local = instant.astimezone(ZoneInfo(zone))
    assert local.date() == day and days & (1 << day.weekday())
    wanted = datetime.combine(day, time(hour, minute))
    shown = local.replace(tzinfo=None)
    # Exactly the time, or (in a DST gap) the first valid minute after it.
    assert shown == wanted or timedelta(0) < shown - wanted <= timedelta(hours=3)
    # Never two on one date: the next after this one is on a later local date.
    following = next_send(instant, schedule, last_sent_on=day)
    assert following is not None and following[1] > day


def test_weekly_waits_seven_days_and_quiet_days_are_skipped() -> None:
    schedule = Schedule(timezone="UTC", time_of_day=time(9), cadence=WEEKLY)
    after = datetime(2026, 3, 2, 10, tzinfo=UTC)
    result = next_send(after, schedule, last_sent_on=date(2026, 3, 2))
    assert result is not None and result[1] == date(2026, 3, 9)
    daily = Schedule(timezone="UTC", time_of_day=time(9))
    quiet = next_send(after, daily, quiet_days={date(2026, 3, 3)})
    assert quiet is not None and quiet[1] == date(2026, 3, 4)
    paused = Schedule(timezone="UTC", time_of_day=time(9), paused_until=date(2026, 3, 10))
    resumed = next_send(after, paused)
    assert resumed is not None and resumed[1] == date(2026, 3, 10)


def test_a_change_names_only_the_fields_it_sets() -> None:
    assert SubscriptionChange().fields() == {}
    assert SubscriptionChange(paused_until=None, days=3).fields() == {
        "days": 3,
        "paused_until": None,
    }


def test_starting_again_keeps_the_cadence_of_an_active_subscription() -> None:
    asked = SubscriptionChange(time_of_day="08:30")
    active = rules.start(asked, already_active=True, display_name="Maya " * 30)
    assert active.fields() == {
        "active": True,
        "display_name": ("Maya " * 30)[:100],
        "time_of_day": "08:30",
        "paused_until": None,
    }
    fresh = rules.start(asked, already_active=False, display_name="Maya")
    assert fresh.fields()["cadence"] == DAILY
    assert fresh.fields()["unanswered"] == 0 and fresh.fields()["backoff_state"] is None


def test_choosing_a_cadence_settles_the_write_less_question() -> None:
    assert rules.settings(SubscriptionChange(days=1)).fields() == {"days": 1}
    assert rules.settings(SubscriptionChange(cadence=WEEKLY)).fields() == {
        "cadence": WEEKLY,
        "backoff_state": "settled",
    }


def test_the_answers_to_write_less_often() -> None:
    today = date(2026, 3, 9)
    settled = {"unanswered": 0, "backoff_state": "settled"}
    assert rules.backoff_choice("weekly", today).fields() == {**settled, "cadence": WEEKLY}
    assert rules.backoff_choice("daily", today).fields() == {**settled, "cadence": DAILY}
    assert rules.backoff_choice("pause", today).fields() == {
        **settled,
        "paused_until": date(2026, 3, 23),
    }
    assert rules.backoff_choice("stop", today).fields() == {**settled, "active": False}
    assert rules.pause_from_prompt(today).fields() == {
        "paused_until": date(2026, 3, 16),
        "unanswered": 0,
    }


def test_why_the_next_prompt_after_a_pause_comes_later() -> None:
    friday = date(2026, 6, 12)
    weekdays = Schedule(timezone="UTC", time_of_day=time(9), days=WEEKDAYS_MASK)
    monday = friday + timedelta(days=3)
    assert rules.why_later(friday, friday, weekdays) is None
    assert rules.why_later(friday, monday, weekdays, quiet_days={friday}) == "quiet"
    assert rules.why_later(friday + timedelta(days=1), monday, weekdays) == "not_your_day"
    weekly = Schedule(timezone="UTC", time_of_day=time(9), cadence=WEEKLY)
    assert rules.why_later(friday, monday, weekly, last_sent_on=friday - timedelta(3)) == "weekly"
    assert rules.describe_date(friday) == "Friday 12 June 2026"


def test_resume_turns_a_stopped_subscription_on_again_as_it_was() -> None:
    assert rules.RESUMED.fields() == {"active": True, "paused_until": None, "unanswered": 0}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in two weeks", date(2026, 12, 5)),
        ("a fortnight", date(2026, 12, 5)),
        ("in three days", date(2026, 11, 24)),
        ("next month", date(2026, 12, 21)),
        ("a month from now", date(2026, 12, 21)),
        ("12 December", date(2026, 12, 12)),
        ("dec 12", date(2026, 12, 12)),
        ("the 15th", date(2026, 12, 15)),  # the next 15th
        ("1 March", date(2027, 3, 1)),  # the next one, not last March
    ],
)
def test_dates_written_in_words(text: str, expected: date) -> None:
    assert parse_date(text, date(2026, 11, 21)) == expected


@pytest.mark.parametrize("text", ["banana", "whenever works", "42", "1/2/3/4", "soonish"])
def test_words_that_are_no_date_are_refused(text: str) -> None:
    with pytest.raises(InvalidDate):
        parse_date(text, date(2026, 11, 21))
