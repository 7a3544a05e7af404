"""storage.meet on a real SQLite file and on PostgreSQL: who is eligible, matches written in
bulk and read back right, "not with" both ways, rounds moved off quiet days, the counts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from storage import meet as store
from storage.communities import ensure_community
from storage.db import Database
from storage.members import ensure_member
from storage.models import Member
from storage.reflections import add_quiet_day
from tests.backends import migrated_database

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
GUILD = 77


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with migrated_database(request.param, tmp_path) as database:
        yield database


async def members(db: Database, count: int) -> list[Member]:
    async with db.session() as session:
        await ensure_community(session, GUILD, now=NOW)
        return [await ensure_member(session, GUILD, 1000 + i, now=NOW) for i in range(count)]


async def test_eligible_leaves_out_paused_skipping_gone_and_unreachable(db: Database) -> None:
    people = await members(db, 6)
    day = date(2026, 3, 3)
    async with db.session() as session:
        joined = [(await store.join(session, m, timezone=None, now=NOW))[0] for m in people]
        await store.pause(session, joined[1], day + timedelta(days=7), now=NOW)
        await store.pause(session, joined[2], day, now=NOW)  # back on the day itself
        await store.skip_round(session, joined[3], day, now=NOW)
        await store.leave(session, joined[4], now=NOW)
        unreachable = await session.get(Member, people[5].id)
        assert unreachable is not None
        unreachable.reachable = False
    async with db.read() as session:
        found = await store.eligible(session, GUILD, day)
    assert [e.member_id for e in found] == [people[0].id, people[2].id]
    assert {e.timezone for e in found} == {"UTC"}  # the community's zone, none of their own


async def test_matches_are_written_in_bulk_and_read_back_in_order(db: Database) -> None:
    people = await members(db, 7)
    ids = [m.id for m in people]
    groups = [(ids[0], ids[3]), (ids[1], ids[4], ids[6]), (ids[2], ids[5])]
    async with db.session() as session:
        settings = await store.ensure_settings(session, GUILD, now=NOW)
        await store.update_settings(session, settings, now=NOW, enabled=True, rhythm="weekly")
        assert settings.next_round_on == date(2026, 3, 2)  # today, 10:00 UTC, still ahead
        day, slot = settings.next_round_on, settings.next_slot_on
        assert slot is not None
        _round, recorded = await store.record_round(
            session, settings, day=day, slot=slot, groups=groups, now=NOW
        )
        assert settings.next_round_on == date(2026, 3, 9)
    async with db.read() as session:
        for group, made in zip(groups, recorded, strict=True):
            assert set(made.members) == set(group)
            for member_id, row_id in made.members.items():
                found = await store.check_in(session, row_id)
                assert found is not None and found.member.id == member_id
                assert {o.id for o in found.others} == set(group) - {member_id}
                assert found.round_on == day
        recent = await store.recent_pairs(session, GUILD, 4)
    assert recent == {(ids[0], ids[3]), (ids[1], ids[4]), (ids[1], ids[6]), (ids[4], ids[6]),
                      (ids[2], ids[5])}  # fmt: skip


async def test_not_with_counts_both_ways_and_stays_private(db: Database) -> None:
    maya, ines, priya = await members(db, 3)
    async with db.session() as session:
        assert await store.add_not_with(session, maya, ines.user_id, now=NOW)
        assert not await store.add_not_with(session, maya, ines.user_id, now=NOW)
    async with db.read() as session:
        by_user = {m.user_id: m.id for m in (maya, ines, priya)}
        assert await store.avoided_pairs(session, GUILD, by_user) == {
            (min(maya.id, ines.id), max(maya.id, ines.id))
        }
        assert await store.avoids(session, GUILD, ines.user_id, maya.user_id)
        assert not await store.avoids(session, GUILD, ines.user_id, priya.user_id)
        assert await store.not_with_users(session, ines.id) == []


async def test_a_round_on_a_new_quiet_day_moves_to_the_next_day(db: Database) -> None:
    await members(db, 1)
    async with db.session() as session:
        settings = await store.ensure_settings(session, GUILD, now=NOW)
        await store.update_settings(session, settings, now=NOW, enabled=True, weekday=2)
        assert settings.next_round_on == date(2026, 3, 4)
        assert await store.round_moved(session, settings, now=NOW) is None
        await add_quiet_day(session, GUILD, date(2026, 3, 4))
        moved = await store.round_moved(session, settings, now=NOW)
        assert moved is not None and settings.next_round_on == date(2026, 3, 5)
        assert settings.next_slot_on == date(2026, 3, 4)


async def test_introductions_link_thanks_and_counts_hide_small_numbers(db: Database) -> None:
    olu, maya, ines, priya = await members(db, 4)
    async with db.session() as session:
        introduction = await store.add_introduction(
            session,
            guild_id=GUILD,
            introducer=olu,
            a=maya,
            b=ines,
            why="Both sail",
            now=NOW,
            expires_at=NOW + timedelta(days=7),
        )
        assert await store.introduction_between(session, GUILD, maya.user_id, olu.user_id) is None
        answers = await store.answer_introduction(session, introduction, maya, "accepted", now=NOW)
        assert answers == {maya.id: "accepted"}
        await store.answer_introduction(session, introduction, ines, "accepted", now=NOW)
        await store.decide_introduction(session, introduction, "accepted", now=NOW)
        [made] = await store.add_matches(
            session, GUILD, [[maya.id, ines.id]], now=NOW, introduction_id=introduction.id
        )
        assert set(made.members) == {maya.id, ines.id}
    async with db.read() as session:
        for giver, receiver in ((maya, olu), (ines, maya), (maya, ines)):
            found = await store.introduction_between(
                session, GUILD, giver.user_id, receiver.user_id
            )
            assert found == introduction.id
        assert await store.introduction_between(session, GUILD, priya.user_id, olu.user_id) is None
        assert await store.pair_last_introduced(session, GUILD, ines.user_id, maya.user_id) == NOW
        counts = await store.counts(session, GUILD)
    assert (counts.intros_made, counts.intros_accepted, counts.members_introduced) == (1, 1, 2)
    assert counts.pairs_made == 0  # introductions are not coffee rounds
