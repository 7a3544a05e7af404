"""The rules behind the pictures (coaching.insights): periods, the small-numbers rule,
the monthly schedule, the calendar of days reflected, the Rolodex overview."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.insights import (
    MIN_MEMBERS,
    RolodexFacts,
    Tally,
    monthly_key,
    next_monthly,
    referrals_panel,
    reflection_calendar,
    reflections_panel,
    rolodex_overview,
    thanks_panel,
    window,
)

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def test_periods_are_weeks_up_to_a_quarter_and_four_weeks_for_a_year() -> None:
    assert len(window(NOW, 4).buckets) == 4
    assert len(window(NOW, 12).buckets) == 12
    year = window(NOW, 52)
    assert len(year.buckets) == 13 and year.bucket_days == 28
    assert year.buckets[0][0] == year.start and year.buckets[-1][1] == NOW
    with pytest.raises(ValueError):
        window(NOW, 5)


@given(st.integers(min_value=0, max_value=52 * 7 * 24 * 60 - 1), st.sampled_from([4, 12, 52]))
def test_every_instant_in_the_window_falls_in_exactly_its_period(minutes: int, weeks: int) -> None:
    win = window(NOW, weeks)
    instant = NOW - timedelta(minutes=minutes + 1)
    index = win.bucket_of(instant)
    inside = [i for i, (start, end) in enumerate(win.buckets) if start <= instant < end]
    assert (index is None and not inside) or [index] == inside


def test_a_figure_from_four_members_is_hidden_and_from_five_shown() -> None:
    win = window(NOW, 4)
    kinds = {(0, "referral"): 3, (1, "advice"): 2, (2, "support"): 7, (3, "other"): 1}
    four = thanks_panel(win, kinds, [4, 4, 4, 4], 4)
    assert four.hidden and four.facts["total"] is None and four.facts["givers"] is None
    assert all(v is None for row in four.values for v in row)
    five = thanks_panel(win, kinds, [5, 4, 6, 5], MIN_MEMBERS)
    assert not five.hidden and five.facts["total"] == 13 and five.facts["top_kind"] == "support"
    # The week of four givers is hidden; the others are shown.
    assert five.values[1] == (None,) * 5 and five.values[0][0] == 3.0
    assert five.some_hidden


def test_reflections_hide_small_periods_and_small_counts() -> None:
    win = window(NOW, 4)
    periods = [(Tally(40, 8), 20), (Tally(12, 3), 12), (Tally(50, 10), 10), (Tally(0, 0), 0)]
    panel = reflections_panel(win, opted_in=4, periods=periods, reached=10)
    assert [row[0] for row in panel.values] == [0.5, None, 0.2, None]
    assert panel.facts["opted_in"] is None  # four opted in: a figure from four members
    assert panel.facts["share"] == pytest.approx(42 / 102)
    small = reflections_panel(win, opted_in=12, periods=periods, reached=4)
    assert small.hidden and small.facts["share"] is None and small.facts["opted_in"] == 12


def test_referral_outcomes_count_unanswered_as_open() -> None:
    panel = referrals_panel({"met": 3, "client": 2, None: 4, "not_fit": 1}, members=6)
    assert panel.values == ((2.0, 3.0, 1.0, 4.0),)
    assert panel.facts["total"] == 10 and panel.facts["open"] == 4
    hidden = referrals_panel({"met": 3}, members=4)
    assert hidden.hidden and hidden.values == ((None, None, None, None),)


def test_the_monthly_picture_is_the_first_at_nine_local_time() -> None:
    berlin = next_monthly(NOW, "Europe/Berlin")
    assert berlin == datetime(2026, 12, 1, 8, tzinfo=UTC)  # 09:00 CET
    # Across the year's end, and in summer time.
    assert next_monthly(datetime(2026, 12, 31, 23, tzinfo=UTC), "UTC") == datetime(
        2027, 1, 1, 9, tzinfo=UTC
    )
    assert next_monthly(datetime(2026, 5, 3, tzinfo=UTC), "America/New_York") == datetime(
        2026, 6, 1, 13, tzinfo=UTC
    )
    # Late on the 30th in Tokyo is already the 1st there: the next one is a month later.
    assert next_monthly(datetime(2026, 11, 30, 20, tzinfo=UTC), "Asia/Tokyo") == datetime(
        2027, 1, 1, 0, tzinfo=UTC
    )
    assert monthly_key(7, berlin, "Europe/Berlin") == "insights_monthly:7:2026-12"


def test_the_calendar_counts_days_in_the_last_months_only() -> None:
    today = date(2026, 11, 20)  # a Friday
    days = [today, today, today - timedelta(days=3), date(2026, 1, 1), today + timedelta(days=1)]
    cal = reflection_calendar(days, today, weeks=26)
    assert cal.first_monday.weekday() == 0 and cal.first_monday <= today - timedelta(weeks=25)
    assert cal.days == 2  # today (twice) and Tuesday; January and tomorrow are outside
    assert cal.grid[4][-1] == 2 and cal.grid[1][-1] == 1
    assert cal.grid[5][-1] is None and cal.grid[6][-1] is None  # Saturday, Sunday: not yet
    assert sum(1 for row in cal.grid for count in row if count is None) == 2
    months = [month for _, month in cal.month_starts]
    assert months == sorted(set(months)) and months[-1] == 11


def test_the_rolodex_overview_counts_circles_and_orders_drifting() -> None:
    today = date(2026, 11, 20)
    entry = RolodexFacts
    overview = rolodex_overview(
        [
            entry("Ana", True, True, True, 30, today - timedelta(days=45), date(2026, 1, 1)),
            entry("Bea", True, True, False, 7, today - timedelta(days=2), date(2026, 1, 1)),
            entry("Cat", True, False, False, None, None, date(2026, 1, 1)),
            entry("Dee", False, False, False, 14, None, today - timedelta(days=20)),
        ],
        today,
    )
    assert (overview.people, overview.know, overview.like, overview.trust) == (4, 3, 2, 1)
    assert overview.drifting == (("Ana", 15), ("Dee", 6))
    assert (overview.on_track, overview.no_rhythm) == (1, 1)
