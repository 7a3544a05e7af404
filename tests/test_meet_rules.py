"""The rules of meeting: the matching's properties, round dates, introductions, counts."""

from __future__ import annotations

import functools
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coaching.meet import (
    INTRO_PAIR_COOLDOWN,
    INTROS_PER_DAY,
    PAIRS,
    TRIOS,
    Candidate,
    Counts,
    IntroParty,
    IntroRefused,
    InvalidCard,
    check_introduction,
    checkin_at,
    choose_starter,
    clean_card,
    keywords,
    match,
    organizer_summary,
    pair_key,
    pairs_of,
    plan_round,
)

OFFSETS = [-600, -480, -300, -240, 0, 60, 120, 330, 540, 600, 780]
WORDS = ["pottery", "climbing", "taxes", "design", "poetry", "sailing", "python", "baking"]

candidates = st.lists(
    st.builds(
        Candidate,
        id=st.integers(1, 10_000),
        offset=st.sampled_from(OFFSETS),
        topics=st.frozensets(st.sampled_from(WORDS), max_size=3),
        offers=st.frozensets(st.sampled_from(WORDS), max_size=2),
        wants=st.frozensets(st.sampled_from(WORDS), max_size=2),
    ),
    max_size=40,
    unique_by=lambda c: c.id,
)


@st.composite
def rounds(draw: st.DrawFn) -> tuple[list[Candidate], set[tuple[int, int]], set[tuple[int, int]]]:
    people = draw(candidates)
    ids = [c.id for c in people]
    if len(ids) < 2:
        return people, set(), set()
    pairs = st.tuples(st.sampled_from(ids), st.sampled_from(ids))
    avoid = {pair_key(a, b) for a, b in draw(st.lists(pairs, max_size=30)) if a != b}
    recent = {pair_key(a, b) for a, b in draw(st.lists(pairs, max_size=30)) if a != b}
    return people, avoid, recent


def placed(plan: object) -> list[int]:
    return [member for group in plan.groups for member in group]  # type: ignore[attr-defined]


@settings(max_examples=150, deadline=None)
@given(rounds(), st.sampled_from([PAIRS, TRIOS]), st.integers(0, 2**32))
def test_everyone_placed_once_and_no_rule_crossed(
    round_: tuple[list[Candidate], set[tuple[int, int]], set[tuple[int, int]]],
    size: int,
    seed: int,
) -> None:
    people, avoid, recent = round_
    plan = match(people, group_size=size, avoid=avoid, recent=recent, seed=seed)
    everyone = placed(plan) + plan.unmatched
    assert sorted(everyone) == sorted(c.id for c in people)  # exactly once
    assert all(len(group) in (2, 3) for group in plan.groups)
    for group in plan.groups:
        for pair in pairs_of(group):
            assert pair not in avoid, f"'not with' crossed: {pair}"
            assert pair not in recent, f"recent partners again: {pair}"
    trios = sum(1 for group in plan.groups if len(group) == 3)
    if size == PAIRS:
        # A trio only when the count of people placed is odd, and then exactly one.
        assert trios == len(placed(plan)) % 2
    # The same round plans the same way again (a restart replays it).
    assert match(people, group_size=size, avoid=avoid, recent=recent, seed=seed) == plan


@settings(max_examples=150, deadline=None)
@given(candidates, st.sampled_from([PAIRS, TRIOS]), st.integers(0, 2**32))
def test_without_constraints_nobody_sits_out(people: list[Candidate], size: int, seed: int) -> None:
    assume(len(people) >= 2)
    plan = match(people, group_size=size, seed=seed)
    assert plan.unmatched == []
    sizes = Counter(len(group) for group in plan.groups)
    if size == PAIRS:
        assert sizes[3] == len(people) % 2
    else:
        # Trios, with pairs only to make the count work: 3k, 3k+2 (one pair), 3k+1 (two).
        assert sizes[2] == {0: 0, 1: 2, 2: 1}[len(people) % 3]


@settings(max_examples=100, deadline=None)
@given(st.integers(8, 60), st.integers(0, 2**32), st.sampled_from([PAIRS, TRIOS]))
def test_a_few_ruled_out_partners_still_leave_nobody_out(count: int, seed: int, size: int) -> None:
    # Each member has up to count/5 partners she may not meet (recent ones, "not with"):
    # everyone still finds someone.
    people = [Candidate(i, OFFSETS[i % len(OFFSETS)]) for i in range(count)]
    rng = __import__("random").Random(seed)
    limit = count // 5
    forbidden: set[tuple[int, int]] = set()
    degree: Counter[int] = Counter()
    for _ in range(count * 3):
        a, b = rng.randrange(count), rng.randrange(count)
        if a != b and degree[a] < limit and degree[b] < limit:
            forbidden.add(pair_key(a, b))
            degree[a] += 1
            degree[b] += 1
    plan = match(people, group_size=size, recent=forbidden, seed=seed)
    assert plan.unmatched == []


def most_placed(ids: list[int], forbidden: set[tuple[int, int]]) -> int:
    """How many could be placed at best, in pairs and at most one trio (by brute force)."""

    @functools.cache
    def best(rest: tuple[int, ...], trio: bool) -> int:
        if not rest:
            return 0
        a, others = rest[0], rest[1:]
        found = best(others, trio)
        for i, b in enumerate(others):
            if pair_key(a, b) in forbidden:
                continue
            left = others[:i] + others[i + 1 :]
            found = max(found, 2 + best(left, trio))
            for j, c in enumerate(left):
                if not trio and pair_key(a, c) not in forbidden and pair_key(b, c) not in forbidden:
                    found = max(found, 3 + best(left[:j] + left[j + 1 :], True))
        return found

    return best(tuple(sorted(ids)), False)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 9), st.sets(st.tuples(st.integers(0, 8), st.integers(0, 8))), st.integers())
def test_a_small_round_leaves_out_only_whom_it_must(
    count: int, ruled_out: set[tuple[int, int]], seed: int
) -> None:
    # Small communities with long "not with" lists: nobody sits out who could be placed.
    forbidden = {pair_key(a, b) for a, b in ruled_out if a != b and max(a, b) < count}
    plan = match([Candidate(i) for i in range(count)], avoid=forbidden, seed=seed)
    assert count - len(plan.unmatched) == most_placed(list(range(count)), forbidden)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.integers(1, 8), st.integers(0, 2**32))
def test_people_a_few_hours_apart_are_preferred(west: int, east: int, seed: int) -> None:
    people = [Candidate(i, -480 + (i % 2) * 60) for i in range(2 * west)]
    people += [Candidate(100 + i, 540 - (i % 2) * 60) for i in range(2 * east)]
    plan = match(people, seed=seed)
    for a, b in plan.groups:
        assert (a < 100) == (b < 100), "paired across the world with neighbours free"


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(0, 2**32))
def test_shared_interests_are_preferred(others: int, seed: int) -> None:
    # Two members in the same zone: one would love help with what the other offers.
    people = [
        Candidate(1, 60, topics=frozenset({"potter"}), wants=frozenset({"taxes"})),
        Candidate(2, 60, topics=frozenset({"potter"}), offers=frozenset({"taxes"})),
    ]
    people += [Candidate(10 + i, 60, topics=frozenset({f"topic{i}"})) for i in range(2 * others)]
    plan = match(people, seed=seed)
    assert (1, 2) in plan.groups


def test_not_with_holds_even_when_it_leaves_someone_out() -> None:
    people = [Candidate(1), Candidate(2), Candidate(3)]
    plan = match(people, avoid={pair_key(1, 2), pair_key(1, 3)})
    assert plan.groups == [(2, 3)] and plan.unmatched == [1]


def test_one_person_alone_is_not_matched() -> None:
    assert match([Candidate(5)]).unmatched == [5]
    assert match([]).groups == []


def test_two_thousand_members_are_matched() -> None:
    people = [Candidate(i, OFFSETS[i % len(OFFSETS)]) for i in range(2000)]
    plan = match(people, seed=3)
    assert len(plan.groups) == 1000 and plan.unmatched == []


# -- the card ----------------------------------------------------------------------------


def test_card_fields_are_trimmed_and_limited() -> None:
    card = clean_card({"curious": "  Sourdough  ", "region": " Lisbon,   Portugal "})
    assert card["curious"] == "Sourdough" and card["region"] == "Lisbon, Portugal"
    assert card["offers"] == ""
    with pytest.raises(InvalidCard) as refused:
        clean_card({"beyond": "x" * 301})
    assert refused.value.field == "beyond" and refused.value.limit == 300


def test_keywords_meet_at_a_stem_and_skip_filler() -> None:
    assert keywords("Designing things for people") == {"design"}
    assert keywords("designer") == {"design"}
    assert keywords(None) == frozenset()


def test_starters_ask_about_what_she_wrote() -> None:
    keys = ["curious__01", "curious__02", "beyond__01", "open__01", "open__02"]
    assert choose_starter(keys, {"beyond": "Choir"}, seed=1) == "beyond__01"
    assert choose_starter(keys, None, seed=1).startswith("open__")
    picks = {choose_starter(keys, {"curious": "x"}, seed=s) for s in range(40)}
    assert picks == {"curious__01", "curious__02"}


# -- round dates -------------------------------------------------------------------------

MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday


def test_weekly_rounds_on_the_weekday_at_the_hour_in_the_community_zone() -> None:
    first = plan_round(
        rhythm="weekly", weekday=2, hour=10, timezone="Europe/Berlin", after=MONDAY, last_slot=None
    )
    assert first is not None
    assert first.day == date(2026, 3, 4) and first.at == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    second = plan_round(
        rhythm="weekly",
        weekday=2,
        hour=10,
        timezone="Europe/Berlin",
        after=first.at,
        last_slot=first.slot,
    )
    assert second is not None and second.day == date(2026, 3, 11)


def test_every_two_weeks_and_monthly() -> None:
    common = {"weekday": 0, "hour": 10, "timezone": "UTC"}
    biweekly = plan_round(
        rhythm="biweekly", after=MONDAY + timedelta(hours=3), last_slot=date(2026, 3, 2), **common
    )
    assert biweekly is not None and biweekly.day == date(2026, 3, 16)
    monthly = plan_round(rhythm="monthly", after=MONDAY, last_slot=None, **common)
    assert monthly is not None and monthly.day == date(2026, 3, 2)  # first Monday of March
    later = plan_round(rhythm="monthly", after=monthly.at, last_slot=monthly.slot, **common)
    assert later is not None and later.day == date(2026, 4, 6)


def test_a_round_on_a_quiet_day_moves_to_the_next_day() -> None:
    quiet = {date(2026, 3, 4), date(2026, 3, 5)}
    moved = plan_round(
        rhythm="weekly",
        weekday=2,
        hour=10,
        timezone="UTC",
        after=MONDAY,
        last_slot=None,
        quiet_days=quiet,
    )
    assert moved is not None and moved.slot == date(2026, 3, 4) and moved.day == date(2026, 3, 6)
    # The next one keeps the rhythm: a week after the slot, not after the day it ran.
    following = plan_round(
        rhythm="weekly", weekday=2, hour=10, timezone="UTC", after=moved.at, last_slot=moved.slot
    )
    assert following is not None and following.day == date(2026, 3, 11)


def test_a_check_in_avoids_quiet_days() -> None:
    start = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    at = checkin_at(start, "UTC", {date(2026, 3, 8)}, after=timedelta(days=4))
    assert at == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


# -- introductions -----------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def party(user_id: int, **changes: bool) -> IntroParty:
    return IntroParty(
        user_id=user_id,
        is_bot=changes.get("is_bot", False),
        in_server=changes.get("in_server", True),
        reachable=changes.get("reachable", True),
    )


def introduce(**changes: object) -> str:
    options: dict[str, object] = {
        "introducer_id": 1,
        "a": party(2),
        "b": party(3),
        "why": "You both love sailing and run studios",
        "now": NOW,
        "introducer_recent": [],
        "pair_last": None,
    }
    options.update(changes)
    return check_introduction(**options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"b": party(2)}, "same_person"),
        ({"a": party(1)}, "self"),
        ({"b": party(3, is_bot=True)}, "bot"),
        ({"b": party(3, in_server=False)}, "not_member"),
        ({"a": party(2, reachable=False)}, "unreachable"),
        ({"why": "hi"}, "why_short"),
        ({"why": "x" * 501}, "why_long"),
        ({"pair_last": NOW - timedelta(days=10)}, "pair_recent"),
        ({"introducer_recent": [NOW - timedelta(hours=h) for h in range(INTROS_PER_DAY)]},
         "daily_cap"),
    ],
)  # fmt: skip
def test_introductions_refused(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(IntroRefused) as refused:
        introduce(**changes)
    assert refused.value.reason == reason


def test_introductions_allowed_again_after_the_waits() -> None:
    assert introduce(why="  You both love sailing  ") == "You both love sailing"
    assert introduce(pair_last=NOW - INTRO_PAIR_COOLDOWN - timedelta(minutes=1))
    assert introduce(introducer_recent=[NOW - timedelta(hours=25)] * 5)


# -- organizer counts --------------------------------------------------------------------


def test_nothing_is_shown_about_fewer_than_five_members() -> None:
    few = organizer_summary(Counts(opted_in=4, rounds=2, pairs_made=2, members_paired=4))
    assert few.opted_in is None and few.pairs_made is None and few.rounds is None
    many = organizer_summary(
        Counts(
            opted_in=12,
            rounds=3,
            pairs_made=15,
            members_paired=12,
            pairs_answered=8,
            pairs_met=6,
            members_answering=9,
            intros_made=3,
            intros_accepted=1,
            members_introduced=4,
        )
    )
    assert (many.opted_in, many.pairs_made, many.met_share) == (12, 15, 75)
    assert many.intros_made is None  # four members behind the introductions
