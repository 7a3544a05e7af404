"""Events storage on SQLite and PostgreSQL: due queries honour shard ownership, a called-off
event drops what it queued, her choice and "who did you meet" write what they should."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from coaching.events import EventInfo, Person, Status
from coaching.shards import ShardOwnership
from storage import events as store
from storage.communities import ensure_community
from storage.courier import enqueue
from storage.db import Database
from storage.members import ensure_member
from storage.models import EventAttendee, EventPreference, Member, OutboxMessage, RolodexEntry
from tests import test_shard_ownership
from tests.test_shard_ownership import guild_on

NOW = datetime(2031, 5, 4, 9, 0, tzinfo=UTC)
db = test_shard_ownership.db  # the fixture: a migrated database on each back-end
SHARDS = 2


def info(discord_id: int, guild_id: int, start: datetime, status: Status) -> EventInfo:
    return EventInfo(
        discord_id, guild_id, f"Event {discord_id}", start, start + timedelta(hours=2), status
    )


async def _event_with(db: Database, guild_id: int, discord_id: int, *users: int) -> int:
    """An event a day and a half ahead with `users` interested (and opted in)."""
    async with db.session() as session:
        await ensure_community(session, guild_id, now=NOW)
        event, _ = await store.follow_event(
            session,
            info(discord_id, guild_id, NOW + timedelta(hours=36), Status.SCHEDULED),
            now=NOW,
        )
        for user_id in users:
            member = await ensure_member(session, guild_id, user_id, now=NOW)
            await store.set_notify(session, member, on=True, now=NOW)
            await store.set_interest(
                session, event, member, interested=True, display_name=f"U{user_id}", now=NOW
            )
        return event.id


@pytest.mark.parametrize("owned", [{0}, {1}, None])
async def test_due_queries_read_only_owned_servers(db: Database, owned: set[int] | None) -> None:
    guilds = {shard: guild_on(shard, SHARDS, shard) for shard in range(SHARDS)}
    for shard, guild_id in guilds.items():
        await _event_with(db, guild_id, 100 + shard, 10 + shard)
    owner = ShardOwnership.of(owned, SHARDS)
    mine = {guilds[s] for s in (owned if owned is not None else guilds)}
    later = NOW + timedelta(days=3)
    async with db.session() as session:
        nudges = await store.due_nudges(session, now=later, limit=100, owner=owner)
        assert {n.guild_id for n in nudges} == mine
        debriefs = await store.due_debriefs(session, now=later, limit=100, owner=owner)
        assert {e.guild_id for e in debriefs} == mine
        soonest = await store.next_due(session, owner)
        # The nudge (09:00 UTC, 12 hours before the 21:00 start) comes before the debrief.
        assert soonest == datetime(2031, 5, 5, 9, 0, tzinfo=UTC)


async def test_a_called_off_event_drops_what_it_queued(db: Database) -> None:
    guild_id = guild_on(0, 1, 7)
    event_id = await _event_with(db, guild_id, 700, 71)
    async with db.session() as session:
        member = await ensure_member(session, guild_id, 71, now=NOW)
        for key in (f"event_nudge:{event_id}:{member.id}:x", f"event_debrief:{event_id}:1"):
            await enqueue(
                session,
                guild_id=guild_id,
                member_id=member.id,
                purpose="event_nudge",
                dedupe_key=key,
                payload={"content": "x"},
                due_at=NOW,
                now=NOW,
            )
        _, followed = await store.follow_event(
            session, info(700, guild_id, NOW + timedelta(hours=36), Status.CANCELED), now=NOW
        )
        assert followed.called_off
    async with db.read() as session:
        states = set(await session.scalars(select(OutboxMessage.state)))
        nudges = set(await session.scalars(select(EventAttendee.nudge_due_at)))
    assert states == {"dropped"} and nudges == {None}


async def test_opting_out_clears_her_nudges_and_opting_in_brings_them_back(db: Database) -> None:
    guild_id = guild_on(0, 1, 8)
    await _event_with(db, guild_id, 800, 81)
    async with db.session() as session:
        member = await ensure_member(session, guild_id, 81, now=NOW)
        await store.set_notify(session, member, on=False, now=NOW)
    async with db.read() as session:
        assert set(await session.scalars(select(EventAttendee.nudge_due_at))) == {None}
        assert await store.notify_on(session, member) == (False, False)
    async with db.session() as session:
        await store.set_notify(session, member, on=True, now=NOW)
    async with db.read() as session:
        [due] = list(await session.scalars(select(EventAttendee.nudge_due_at)))
        assert due == datetime(2031, 5, 5, 9, 0, tzinfo=UTC)
        assert list(await session.scalars(select(EventPreference.notify))) == [True]


async def test_who_did_you_meet_never_duplicates_a_rolodex_entry(db: Database) -> None:
    guild_id = guild_on(0, 1, 9)
    event_id = await _event_with(db, guild_id, 900, 91, 92)
    people = [Person("U92", 92), Person("Rui")]
    for _ in range(2):
        async with db.session() as session:
            found = await store.attendee_with_event(session, await _attendee(db, event_id, 91))
            assert found is not None
            row, event, member = found
            await store.note_people(
                session,
                row,
                member,
                people,
                how_met="Event 900, 2031-05-05",
                event_name=event.name,
                day=NOW.date(),
                now=NOW,
            )
    attendee_id = await _attendee(db, event_id, 91)
    async with db.read() as session:
        names = list(await session.scalars(select(RolodexEntry.name).order_by(RolodexEntry.name)))
        noted = await store.connections_of(session, attendee_id)
        assert await store.report_counts(session, event_id) == (1, 2, 0)
        others = await store.other_attendees(
            session, event_id, noted[0][0].owner_member_id, limit=5
        )
        assert others == [(92, "U92")]
    assert names == ["Rui", "U92"]
    assert [c.name for c, _ in noted] == ["U92", "Rui"]


async def _attendee(db: Database, event_id: int, user_id: int) -> int:
    async with db.read() as session:
        found = await session.scalar(
            select(EventAttendee.id)
            .join(Member, Member.id == EventAttendee.member_id)
            .where(EventAttendee.event_id == event_id, Member.user_id == user_id)
        )
    assert found is not None
    return int(found)
