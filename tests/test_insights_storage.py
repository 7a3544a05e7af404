"""The community counts (storage.insights) on SQLite and PostgreSQL: per period, per kind,
distinct members, removed thanks left out, other servers left out, and the monthly opt-ins
found by due time and shard."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from coaching.insights import window
from coaching.shards import ShardOwnership
from storage import insights as store
from storage.communities import ensure_community
from storage.db import Database
from storage.members import ensure_member
from storage.models import (
    Event,
    EventAttendee,
    EventConnection,
    MeetIntroduction,
    MeetMatch,
    MeetMatchMember,
    MeetRound,
    ReflectionEntry,
    ReflectionSubscription,
    Thanks,
)
from tests.backends import migrated_database

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
GUILD, OTHER = 1 << 40, 2 << 40


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with migrated_database(request.param, tmp_path) as database:
        yield database


async def community_with(db: Database) -> list[int]:
    """Six members of GUILD and one of OTHER, with prompts and thanks in known weeks."""
    async with db.session() as session:
        for guild in (GUILD, OTHER):
            await ensure_community(session, guild, now=NOW)
        members = [(await ensure_member(session, GUILD, 100 + i, now=NOW)).id for i in range(6)]
        outsider = (await ensure_member(session, OTHER, 100, now=NOW)).id
        for member in [*members, outsider]:
            session.add(
                ReflectionSubscription(
                    member_id=member, guild_id=GUILD if member != outsider else OTHER,
                    timezone="UTC", time_of_day="09:00", created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
        # Last week: every member got a prompt, four answered. Three weeks ago: two members.
        for week, who, answered in ((0, members, 4), (2, members[:2], 1), (0, [outsider], 1)):
            sent = NOW - timedelta(weeks=week, days=1)
            for n, member in enumerate(who):
                session.add(
                    ReflectionEntry(
                        member_id=member, kind="daily", local_date=sent.date(),
                        prompt_key="k", prompt_text="p", sent_at=sent,
                        answer="private words" if n < answered else None,
                        answered_at=sent if n < answered else None,
                    )
                )  # fmt: skip
        # Thanks: five givers last week (one removed), two the week before; one elsewhere.
        rows = [
            (GUILD, members[0], "referral", "met", 0, False),
            (GUILD, members[1], "referral", "client", 0, False),
            (GUILD, members[2], "referral", None, 0, False),
            (GUILD, members[3], "advice", None, 0, False),
            (GUILD, members[4], "support", None, 0, False),
            (GUILD, members[5], "support", None, 0, True),
            (GUILD, members[0], "referral", "not_fit", 1, False),
            (GUILD, members[1], "other", None, 1, False),
            (OTHER, outsider, "referral", "met", 0, False),
            (GUILD, members[2], "advice", None, 20, False),  # outside four weeks
        ]
        for n, (guild, giver, kind, outcome, week, removed) in enumerate(rows):
            session.add(
                Thanks(
                    guild_id=guild, giver_member_id=giver,
                    receiver_member_id=members[(n + 1) % 6] if guild == GUILD else outsider,
                    kind=kind, story="s", story_key=str(n), channel_id=1, removed=removed,
                    outcome=outcome, created_at=NOW - timedelta(weeks=week, hours=3),
                )
            )  # fmt: skip
    return members


async def test_counts_per_period_kind_and_member(db: Database) -> None:
    await community_with(db)
    win = window(NOW, 4)
    async with db.read() as session:
        reflections, thanks, referrals = await store.community_panels(session, GUILD, win)
    assert reflections.facts["opted_in"] == 6
    # Last week: 4 of 6 answered; three weeks ago only two members: hidden.
    assert [row[0] for row in reflections.values] == [None, None, None, pytest.approx(4 / 6)]
    assert reflections.facts["share"] == pytest.approx(5 / 8)
    # Five givers: the sixth one's thank-you was removed.
    assert not thanks.hidden and thanks.facts["givers"] == 5 and thanks.facts["total"] == 7
    last_week = dict(zip(thanks.series, thanks.values[3], strict=True))
    assert last_week == {
        "referral": 3.0, "introduction": 0.0, "advice": 1.0, "support": 1.0, "other": 0.0
    }  # fmt: skip
    assert thanks.values[2] == (None,) * 5  # two givers that week
    # Referral outcomes come from the thanked members: four different ones here.
    assert referrals.hidden and referrals.facts["total"] is None


async def test_monthly_opt_ins_due_by_time_and_shard(db: Database) -> None:
    async with db.session() as session:
        await ensure_community(session, GUILD, now=NOW)
        organizer = await ensure_member(session, GUILD, 5, now=NOW)
        assert await store.set_monthly(session, organizer, on=True, first_at=NOW, now=NOW)
        assert not await store.set_monthly(session, organizer, on=True, first_at=NOW, now=NOW)
    every = ShardOwnership.of(None, None)
    async with db.read() as session:
        assert await store.next_monthly_due(session, every) == NOW
        assert await store.due_monthly(session, now=NOW - timedelta(seconds=1), owner=every,
                                       limit=5) == []  # fmt: skip
        [(due, user_id, zone)] = await store.due_monthly(session, now=NOW, owner=every, limit=5)
        assert (user_id, zone) == (5, "UTC")
        shard = (GUILD >> 22) % 2
        assert await store.next_monthly_due(session, ShardOwnership.of([1 - shard], 2)) is None
    async with db.session() as session:
        await store.monthly_done(session, due.id, next_at=NOW + timedelta(days=30))
    async with db.read() as session:
        assert await store.next_monthly_due(session, every) == NOW + timedelta(days=30)
    async with db.session() as session:
        await store.monthly_done(session, due.id, next_at=None)
    async with db.read() as session:
        assert await store.monthly_subscription(session, organizer.id) is None


async def meeting_with(db: Database, people: int, met: int) -> None:
    """One coffee round last week in GUILD: `people` members in pairs, `met` of them said
    "We met"; one introduction accepted; a round elsewhere that must not count."""
    async with db.session() as session:
        for guild in (GUILD, OTHER):
            await ensure_community(session, guild, now=NOW)
        when = NOW - timedelta(days=3)
        for guild, count in ((GUILD, people), (OTHER, 4)):
            members = [
                (await ensure_member(session, guild, 500 + i, now=NOW)).id for i in range(count)
            ]
            round_ = MeetRound(
                guild_id=guild, round_on=when.date(), slot_on=when.date(), group_size=2,
                ran_at=when,
            )  # fmt: skip
            session.add(round_)
            await session.flush()
            for start in range(0, count - 1, 2):
                match = MeetMatch(guild_id=guild, round_id=round_.id, created_at=when)
                session.add(match)
                await session.flush()
                for member in members[start : start + 2]:
                    said = "met" if guild == GUILD and member in members[:met] else None
                    session.add(MeetMatchMember(match_id=match.id, member_id=member, answer=said))
        a, b = members[:2]
        session.add(
            MeetIntroduction(
                guild_id=GUILD, member_a_id=a, member_b_id=b, pair_key="1:2", why="books",
                state="accepted", created_at=when, expires_at=NOW, decided_at=when,
            )
        )  # fmt: skip


async def test_coffee_groups_and_introductions_are_counted_per_period(db: Database) -> None:
    await meeting_with(db, people=6, met=2)
    async with db.read() as session:
        panel = await store.meeting(session, GUILD, window(NOW, 4))
    assert panel is not None and not panel.hidden
    assert panel.facts["pairs"] == 3 and panel.facts["introductions"] == 1
    assert panel.facts["met_share"] == pytest.approx(1 / 3)  # one group said "We met"
    assert panel.values[-1] == (3.0, 1.0)


async def test_coffee_figures_from_fewer_than_five_members_are_hidden(db: Database) -> None:
    await meeting_with(db, people=2, met=0)
    async with db.read() as session:
        panel = await store.meeting(session, GUILD, window(NOW, 4))
    assert panel is not None and panel.hidden and panel.facts["pairs"] is None


async def test_a_server_without_rounds_or_events_gets_no_panel_for_them(db: Database) -> None:
    async with db.session() as session:
        await ensure_community(session, GUILD, now=NOW)
    async with db.read() as session:
        assert await store.meeting(session, GUILD, window(NOW, 12)) is None
        assert await store.event_lookbacks(session, GUILD, window(NOW, 12)) is None


async def test_event_lookbacks_and_connections_are_counted(db: Database) -> None:
    async with db.session() as session:
        await ensure_community(session, GUILD, now=NOW)
        event = Event(
            guild_id=GUILD, discord_event_id=1, name="Breakfast", starts_at=NOW - timedelta(days=2),
            status="completed", created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        session.add(event)
        await session.flush()
        for i in range(6):
            member = (await ensure_member(session, GUILD, 700 + i, now=NOW)).id
            attendee = EventAttendee(
                event_id=event.id, member_id=member, debriefed_at=NOW - timedelta(days=1),
                created_at=NOW, updated_at=NOW,
            )  # fmt: skip
            session.add(attendee)
            await session.flush()
            if i < 2:
                session.add(
                    EventConnection(
                        guild_id=GUILD, attendee_id=attendee.id, owner_member_id=member,
                        name="Sam", new_entry=True, created_at=NOW - timedelta(days=1),
                    )
                )  # fmt: skip
    async with db.read() as session:
        panel = await store.event_lookbacks(session, GUILD, window(NOW, 4))
    assert panel is not None and not panel.hidden
    assert panel.facts == {"debriefs": 6, "connections": 2}
