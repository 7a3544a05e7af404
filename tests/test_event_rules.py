"""The events' rules: when the nudge and the debrief are due (DST-safe), what Discord's news
means, who she met, and what organizers may see."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.events import (
    DEBRIEF_CATCHUP,
    DEFAULT_LENGTH,
    MAX_PEOPLE,
    EventInfo,
    Person,
    Status,
    TooManyPeople,
    Tracked,
    came_back,
    debrief_key,
    debrief_on_time,
    follow,
    follow_up_day,
    ideal_nudge,
    nudge_again,
    nudge_at,
    nudge_key,
    organizer_summary,
    people_met,
    questions_for,
    welcome_back,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2031, 3, 20, 12, 0, tzinfo=UTC)


def at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


# -- the nudge ----------------------------------------------------------------------------------


def test_nudge_is_her_time_on_the_last_day_leaving_twelve_hours() -> None:
    start = at(date(2031, 3, 25), time(18, 30), BERLIN)
    assert ideal_nudge(start, BERLIN, time(9)) == at(date(2031, 3, 24), time(9), BERLIN)
    # An evening person: the evening before, 23 hours ahead.
    assert ideal_nudge(start, BERLIN, time(19, 30)) == at(date(2031, 3, 24), time(19, 30), BERLIN)
    # A breakfast event: her 07:00 that day is too close, so the day before.
    breakfast = at(date(2031, 3, 25), time(8), BERLIN)
    assert ideal_nudge(breakfast, BERLIN, time(7)) == at(date(2031, 3, 24), time(7), BERLIN)


def test_nudge_keeps_wall_clock_time_across_dst() -> None:
    # Clocks go forward on Sunday 30 March 2031 in Berlin: 09:00 that day is 07:00 UTC.
    monday = at(date(2031, 3, 31), time(18, 30), BERLIN)
    assert ideal_nudge(monday, BERLIN, time(9)) == datetime(2031, 3, 30, 7, tzinfo=UTC)
    # ... and back on Sunday 26 October: 09:00 is 08:00 UTC again.
    autumn = at(date(2031, 10, 27), time(18, 30), BERLIN)
    assert ideal_nudge(autumn, BERLIN, time(9)) == datetime(2031, 10, 26, 8, tzinfo=UTC)


def test_a_time_that_does_not_exist_moves_to_the_first_minute_after() -> None:
    sunday = at(date(2031, 3, 30), time(18, 30), BERLIN)
    # 02:30 doesn't exist on 30 March in Berlin: 03:00 CEST (01:00 UTC).
    assert ideal_nudge(sunday, BERLIN, time(2, 30)) == datetime(2031, 3, 30, 1, tzinfo=UTC)
    # 02:30 happens twice on 26 October: the first one (CEST, 00:30 UTC).
    autumn = at(date(2031, 10, 26), time(18, 30), BERLIN)
    assert ideal_nudge(autumn, BERLIN, time(2, 30)) == datetime(2031, 10, 26, 0, 30, tzinfo=UTC)


@given(
    zone=st.sampled_from(
        ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kathmandu", "UTC"]
    ),
    start=st.datetimes(min_value=datetime(2030, 1, 1), max_value=datetime(2032, 12, 31)),
    clock=st.times(),
)
def test_the_nudge_lands_about_a_day_ahead(zone: str, start: datetime, clock: time) -> None:
    begins = start.replace(tzinfo=UTC)
    nudge = ideal_nudge(begins, ZoneInfo(zone), clock.replace(second=0, microsecond=0))
    # At least 12 hours ahead, and at most 36 (a day and a half; 37 across a DST change).
    assert timedelta(hours=12) <= begins - nudge <= timedelta(hours=37)


def test_a_missed_nudge_goes_in_waking_hours_or_not_at_all() -> None:
    start = datetime(2031, 6, 11, 18, tzinfo=UTC)
    utc = ZoneInfo("UTC")
    ideal = datetime(2031, 6, 10, 9, tzinfo=UTC)
    assert nudge_at(start, utc, time(9), datetime(2031, 6, 9, 12, tzinfo=UTC)) == ideal
    # A little late (a busy tick): now.
    late = ideal + timedelta(minutes=20)
    assert nudge_at(start, utc, time(9), late) == late
    # Much later, in the afternoon: now.
    afternoon = datetime(2031, 6, 10, 15, tzinfo=UTC)
    assert nudge_at(start, utc, time(9), afternoon) == afternoon
    # In the night: her next 08:00.
    night = datetime(2031, 6, 11, 2, tzinfo=UTC)
    assert nudge_at(start, utc, time(9), night) == datetime(2031, 6, 11, 8, tzinfo=UTC)
    # Within the last hour before the start: no nudge at all.
    assert nudge_at(start, utc, time(9), start - timedelta(minutes=30)) is None
    # A night before a 08:30 event: 08:00 would leave half an hour, so nothing.
    early = datetime(2031, 6, 11, 8, 30, tzinfo=UTC)
    assert nudge_at(early, utc, time(9), datetime(2031, 6, 11, 1, tzinfo=UTC)) is None


def test_a_far_move_earns_a_new_nudge() -> None:
    start = datetime(2031, 6, 11, 18, tzinfo=UTC)
    assert nudge_again(start, start + timedelta(days=2))
    assert nudge_again(start, start - timedelta(hours=12))
    assert not nudge_again(start, start + timedelta(hours=1))
    assert nudge_key(1, 2, start) != nudge_key(1, 2, start + timedelta(days=2))
    assert debrief_key(1, 2) == "event_debrief:1:2"


def test_two_different_questions_stable_per_member_and_event() -> None:
    keys = [f"q{n}" for n in range(12)]
    pairs = {questions_for(member, 7, keys) for member in range(200)}
    assert all(first != second for first, second in pairs)
    assert len(pairs) > 30  # varied
    assert questions_for(5, 7, keys) == questions_for(5, 7, list(reversed(keys)))
    with pytest.raises(ValueError):
        questions_for(1, 1, ["only"])


def test_welcome_back_after_a_long_gap_only() -> None:
    now = datetime(2031, 6, 1, tzinfo=UTC)
    assert came_back(now - timedelta(days=120), now)
    assert not came_back(now - timedelta(days=30), now)
    assert not came_back(None, now)
    assert welcome_back([now, now - timedelta(days=200)], now)
    assert not welcome_back([now - timedelta(days=60), now - timedelta(days=400)], now)
    assert not welcome_back([now], now)


# -- Discord's news -----------------------------------------------------------------------------


def news(status: Status = Status.SCHEDULED, start: datetime = NOW, hours: float = 2) -> EventInfo:
    return EventInfo(1, 2, "Breakfast", start, start + timedelta(hours=hours), status)


def tracked(followed: object, start: datetime = NOW, debriefed: datetime | None = None) -> Tracked:
    return Tracked(
        start=start,
        end=start + timedelta(hours=2),
        status=followed.status,  # type: ignore[attr-defined]
        ended_at=followed.ended_at,  # type: ignore[attr-defined]
        debrief_due_at=followed.debrief_due_at,  # type: ignore[attr-defined]
        debriefed_at=debriefed,
    )


def test_debrief_is_due_at_the_end_time_or_when_an_organizer_ends_it() -> None:
    created = follow(None, news(), NOW)
    assert created.debrief_due_at == NOW + timedelta(hours=2) and not created.moved
    ended_early = follow(tracked(created), news(Status.COMPLETED), NOW + timedelta(minutes=45))
    assert ended_early.debrief_due_at == NOW + timedelta(minutes=45)
    assert ended_early.ended_at == NOW + timedelta(minutes=45)
    # Ending it late changes nothing: due at the end time (planned then, or caught up).
    ended_late = follow(tracked(created), news(Status.COMPLETED), NOW + timedelta(hours=5))
    assert ended_late.debrief_due_at == NOW + timedelta(hours=2)
    no_end = EventInfo(1, 2, "Voice chat", NOW, None, Status.SCHEDULED)
    assert follow(None, no_end, NOW).debrief_due_at == NOW + DEFAULT_LENGTH


def test_a_moved_event_moves_its_debrief() -> None:
    created = follow(None, news(), NOW)
    later = NOW + timedelta(days=1)
    moved = follow(tracked(created), news(start=later), NOW)
    assert moved.moved and moved.debrief_due_at == later + timedelta(hours=2)


def test_called_off_events_have_nothing_due_ever_again() -> None:
    created = follow(None, news(), NOW)
    for status in (Status.CANCELED, Status.DELETED):
        off = follow(tracked(created), news(status), NOW)
        assert off.called_off and off.debrief_due_at is None
        again = follow(tracked(off), news(Status.COMPLETED), NOW)
        assert not again.called_off and again.debrief_due_at is None
        assert again.status == status


def test_a_planned_debrief_is_never_due_again() -> None:
    created = follow(None, news(), NOW)
    done = tracked(created, debriefed=NOW + timedelta(hours=2))
    assert follow(done, news(Status.COMPLETED), NOW + timedelta(hours=3)).debrief_due_at is None


def test_the_catch_up_window() -> None:
    assert debrief_on_time(NOW, NOW + DEBRIEF_CATCHUP)
    assert not debrief_on_time(NOW, NOW + DEBRIEF_CATCHUP + timedelta(seconds=1))


# -- after ---------------------------------------------------------------------------------------


def test_follow_ups_in_two_days_or_three_around_weekends() -> None:
    assert follow_up_day(date(2031, 6, 2)) == date(2031, 6, 4)  # Monday -> Wednesday
    assert follow_up_day(date(2031, 6, 6)) == date(2031, 6, 9)  # Friday -> Monday, not Sunday
    assert follow_up_day(date(2031, 6, 7)) == date(2031, 6, 9)  # Saturday -> Monday
    # Thursday: both Saturday and Sunday are weekend days; two days it is.
    assert follow_up_day(date(2031, 6, 5)) == date(2031, 6, 7)


def test_people_met_each_once_never_herself() -> None:
    ines = Person("Ines", 22)
    known = {"ines": ines, "priya": Person("Priya", 33)}
    found = people_met(
        [ines, Person("Maya", 11)], "  Rui   from the bakery \npriya, ines\n\n", known, herself=11
    )
    assert found == [ines, Person("Rui from the bakery"), Person("Priya", 33)]
    assert people_met([], "Sam\nsam", {}, herself=1) == [Person("Sam")]
    with pytest.raises(TooManyPeople):
        people_met([], "\n".join(f"Guest {n}" for n in range(MAX_PEOPLE + 1)), {}, herself=1)
    assert len(people_met([], "x" * 300, {}, herself=1)[0].name) == 100


def test_organizers_see_nothing_below_five() -> None:
    assert organizer_summary(4, 10, 4) is None
    summary = organizer_summary(5, 12, 3)
    assert summary is not None
    assert (summary.debriefed, summary.connections, summary.followed_up_share) == (5, 12, 60)


# -- reading Discord ----------------------------------------------------------------------------


def test_interest_frames_are_read_from_the_raw_gateway_stream() -> None:
    from cogs.events.sync import info_from_payload, interest_frame

    add = (
        '{"t":"GUILD_SCHEDULED_EVENT_USER_ADD","s":9,"op":0,"d":{"guild_scheduled_event_id":'
        '"3","user_id":"4","guild_id":"2"}}'
    )
    assert interest_frame(add) == (2, 3, 4, True)
    assert interest_frame(add.replace("_ADD", "_REMOVE").encode()) == (2, 3, 4, False)
    assert interest_frame('{"t":"MESSAGE_CREATE","d":{"content":"hi"}}') is None
    # A message that merely mentions the event name is not an interest frame.
    quoted = '{"t":"MESSAGE_CREATE","d":{"content":"GUILD_SCHEDULED_EVENT_USER_ADD"}}'
    assert interest_frame(quoted) is None
    event = info_from_payload(
        {
            "id": "3",
            "guild_id": "2",
            "name": "Breakfast",
            "scheduled_start_time": "2031-05-06T17:00:00+00:00",
            "scheduled_end_time": None,
            "status": 2,
            "entity_metadata": None,
            "creator_id": "9",
        }
    )
    assert (event.status, event.end, event.location, event.creator_id) == (
        Status.ACTIVE,
        None,
        None,
        9,
    )
