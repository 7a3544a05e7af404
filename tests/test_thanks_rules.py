"""Thanks rules, without Discord."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coaching.thanks import PastThanks, ThanksRefused, check_thanks, digest_picks, story_key

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
    assert digest_picks(stories) == [1, 4, 2]
    assert digest_picks([]) == []
