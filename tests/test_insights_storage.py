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
from storage.db import Database, open_database
from storage.members import ensure_member
from storage.migrate import upgrade
from storage.models import ReflectionEntry, ReflectionSubscription, Thanks
from tests.backends import postgres_database

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
GUILD, OTHER = 1 << 40, 2 << 40


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        database = open_database(f"sqlite+aiosqlite:///{tmp_path}/kindred.db")
        await upgrade(database.engine)
        yield database
        await database.dispose()
        return
    async with postgres_database() as url:
        database = open_database(url)
        await upgrade(database.engine)
        yield database
        await database.dispose()


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
