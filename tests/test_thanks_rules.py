"""Thanks rules, without Discord."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coaching.thanks import (
    PastThanks,
    ThanksRefused,
    check_thanks,
    digest_key,
    digest_picks,
    digest_since,
    digest_weeks,
    next_digest_at,
    plan_digest,
    remaining_to_say,
    story_key,
)

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)


def attempt(**overrides: object) -> int:
    arguments: dict[str, object] = {
        "giver_user_id": 1,
        "receiver_user_id": 2,
        "receiver_is_bot": False,
        "receiver_in_server": True,
        "kind": "referral",
        "story": "Thanks for the introduction to Sam!",
        "now": NOW,
        "recent": [],
    }
    arguments.update(overrides)
    return check_thanks(**arguments)  # type: ignore[arg-type]


def refusal(**overrides: object) -> str:
    with pytest.raises(ThanksRefused) as caught:
        attempt(**overrides)
    return caught.value.reason


def test_a_fresh_thanks_is_allowed_and_counts_down() -> None:
    assert attempt() == 9


def test_refusals() -> None:
    assert refusal(receiver_user_id=1) == "self"
    assert refusal(receiver_is_bot=True) == "bot"
    assert refusal(receiver_in_server=False) == "not_member"
    assert refusal(kind="bribe") == "kind"
    assert refusal(story="  short  ") == "too_short"
    assert refusal(story="x" * 1001) == "too_long"


def test_same_story_in_other_words_spacing_or_case_is_a_repeat() -> None:
    past = PastThanks(3, story_key("Thanks for the introduction to Sam!"), NOW - timedelta(hours=1))
    assert refusal(recent=[past], story="thanks  for the INTRODUCTION to sam") == "duplicate"


def test_pair_cooldown_is_twelve_hours() -> None:
    past = PastThanks(2, story_key("an older story"), NOW - timedelta(hours=11, minutes=59))
    assert refusal(recent=[past]) == "cooldown"
    past = PastThanks(2, story_key("an older story"), NOW - timedelta(hours=12))
    assert attempt(recent=[past]) == 8


def test_daily_cap() -> None:
    recent = [
        PastThanks(100 + i, story_key(f"story {i}"), NOW - timedelta(hours=i)) for i in range(10)
    ]
    assert refusal(recent=recent) == "daily_cap"
    assert attempt(recent=recent[:9]) == 0


def test_digest_picks_favour_variety() -> None:
    stories = [(1, "advice", 10), (2, "advice", 11), (3, "referral", 10), (4, "support", 12)]
    assert digest_picks(stories) == [3, 2, 4]


def test_digest_picks_keep_the_referral_stories() -> None:
    # Newer thank-yous of three other kinds used to fill every place.
    stories = [(5, "other", 1), (4, "support", 2), (3, "advice", 3), (2, "referral", 4)]
    assert digest_picks(stories)[0] == 2
    referrals = [(9, "referral", 1), (8, "advice", 2), (7, "referral", 3), (6, "referral", 4)]
    assert digest_picks(referrals) == [9, 7, 6]


def test_what_is_left_today_is_said_only_near_the_cap() -> None:
    assert [remaining_to_say(n) for n in (9, 4, 3, 1, 0)] == [None, None, 3, 1, 0]
    assert digest_picks([]) == []


def test_a_digest_covers_from_the_last_one_and_a_late_one_waits_for_the_next() -> None:
    monday = datetime(2026, 3, 9, 9, tzinfo=UTC)
    first = plan_digest(monday, None, monday)
    assert (first.post, first.since, first.covered_until) == (
        True,
        monday - timedelta(days=7),
        monday,
    )
    # The bot was down at 09:00 and is back at 16:00: nothing posted at an odd hour, and the
    # next digest starts where this one would have.
    late = plan_digest(monday, monday - timedelta(days=7), monday + timedelta(hours=7))
    assert (late.post, late.covered_until) == (False, monday - timedelta(days=7))
    assert digest_since(monday - timedelta(days=60), monday) == monday - timedelta(weeks=4)
    assert digest_weeks(monday, monday - timedelta(days=3)) == 1
    assert digest_weeks(monday, monday - timedelta(days=10)) == 2


def test_the_digest_time_and_key_are_in_the_communitys_zone() -> None:
    after = datetime(2026, 3, 9, 12, tzinfo=UTC)  # a Monday, past 09:00
    due = next_digest_at("Europe/Lisbon", 0, 9, after)
    assert due == datetime(2026, 3, 16, 9, tzinfo=UTC)
    assert digest_key(42, due, "Europe/Lisbon") == "thanks_digest:42:2026-W12"
