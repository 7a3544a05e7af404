"""Rows loaded at the driver level (`storage.driver.load_one`, `load_by_key`) are the ORM's
own instances: same values, same identity in the session, changes flushed as usual. On a real
SQLite file and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import bindparam, inspect, select

from storage.communities import ensure_community
from storage.db import Database
from storage.driver import fetch_rows, load_by_key
from storage.members import ensure_member, get_member
from storage.models import Community, Member, ReflectionSubscription, Thanks
from storage.reflections import get_subscription
from storage.thanks import Receiver, recent_by_giver, with_members
from tests.backends import migrated_database

NOW = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
LATER = datetime(2026, 4, 2, 9, 15, 30, 123456, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with migrated_database(request.param, tmp_path) as database:
        yield database


def _columns(row: object) -> dict[str, object]:
    return {
        attribute.key: getattr(row, attribute.key) for attribute in inspect(row).mapper.column_attrs
    }


async def test_a_member_loads_as_the_orm_loads_it(db: Database) -> None:
    async with db.session() as session:
        await ensure_community(session, 1, now=NOW, name="Demo")
        created = await ensure_member(session, 1, 42, now=NOW)
        created.timezone, created.dm_channel_id, created.thanks_dms = "Asia/Tokyo", 99, False
    async with db.read() as session:
        orm = await session.scalar(select(Member).where(Member.user_id == 42))
    async with db.read() as session:
        loaded = await get_member(session, 1, 42)
        assert loaded is not None
        state = inspect(loaded)
        assert state.persistent and not state.expired_attributes and not state.modified
        assert loaded in session and not session.dirty
        assert await get_member(session, 1, 42) is loaded  # one instance per row per session
        assert await session.get(Member, loaded.id) is loaded
        assert await get_member(session, 1, 43) is None
        assert await get_member(session, 2, 42) is None
    assert orm is not None
    assert _columns(loaded) == _columns(orm)
    assert loaded.created_at.tzinfo is not None and loaded.thanks_dms is False


async def test_a_loaded_row_saves_its_changes_and_a_pending_change_is_flushed_first(
    db: Database,
) -> None:
    async with db.session() as session:
        await ensure_community(session, 1, now=NOW, name="Demo")
        await ensure_member(session, 1, 42, now=NOW)
    async with db.session() as session:
        member = await get_member(session, 1, 42)
        assert member is not None
        member.timezone, member.updated_at = "Europe/Lisbon", LATER
        community = await load_by_key(session, Community, 1)
        assert community is not None
        community.name = "Renamed"  # pending when the next load runs: flushed before it
        assert await ensure_member(session, 1, 42, now=NOW) is member
    async with db.read() as session:
        again = await get_member(session, 1, 42)
        community = await load_by_key(session, Community, 1)
    assert again is not None and again.timezone == "Europe/Lisbon" and again.updated_at == LATER
    assert community is not None and community.name == "Renamed"


async def test_a_community_by_key_is_the_one_in_the_session_or_the_stored_row(
    db: Database,
) -> None:
    async with db.session() as session:
        created = await ensure_community(session, 5, now=NOW, name="Five", timezone="Asia/Kolkata")
        assert await load_by_key(session, Community, 5) is created
    async with db.read() as session:
        orm = await session.get(Community, 5)
    async with db.read() as session:
        loaded = await load_by_key(session, Community, 5)
        assert await load_by_key(session, Community, 6) is None
        assert await ensure_community(session, 5, now=NOW) is loaded
    assert loaded is not None and orm is not None
    assert _columns(loaded) == _columns(orm)


async def test_an_expired_instance_is_loaded_again(db: Database) -> None:
    async with db.session() as session:
        await ensure_community(session, 1, now=NOW, name="Demo")
        await ensure_member(session, 1, 42, now=NOW)
    async with db.session() as session:
        member = await get_member(session, 1, 42)
        assert member is not None
        session.expire(member)
        assert await get_member(session, 1, 42) is member
        assert not inspect(member).expired_attributes and member.user_id == 42
        member_id = member.id
        session.expire(member)
        again = await load_by_key(session, Member, member_id)
        assert again is member and member.guild_id == 1


async def test_a_subscription_loads_as_the_orm_loads_it(db: Database) -> None:
    async with db.session() as session:
        await ensure_community(session, 1, now=NOW, name="Demo")
        member = await ensure_member(session, 1, 42, now=NOW)
        session.add(
            ReflectionSubscription(
                member_id=member.id,
                guild_id=1,
                timezone="Asia/Tokyo",
                time_of_day="08:30",
                paused_until=date(2026, 4, 5),
                next_send_at=LATER,
                next_send_on=date(2026, 4, 6),
                created_at=NOW,
                updated_at=NOW,
            )
        )
    async with db.read() as session:
        orm = await session.scalar(select(ReflectionSubscription))
    async with db.session() as session:
        loaded = await get_subscription(session, member.id)
        assert loaded is not None and not inspect(loaded).modified
        assert await get_subscription(session, member.id + 1) is None
        loaded.prompts_sent += 1
    assert orm is not None
    assert _columns(loaded) == _columns(orm) | {"prompts_sent": orm.prompts_sent + 1}
    assert loaded.paused_until == date(2026, 4, 5) and loaded.next_send_at == LATER
    async with db.read() as session:
        again = await get_subscription(session, member.id)
    assert again is not None and again.prompts_sent == orm.prompts_sent + 1


async def test_a_thank_you_with_its_members_loads_as_the_orm_loads_it(db: Database) -> None:
    async with db.session() as session:
        await ensure_community(session, 1, now=NOW, name="Demo")
        giver = await ensure_member(session, 1, 42, now=NOW)
        receiver = await ensure_member(session, 1, 43, now=NOW)
        thanks = Thanks(
            guild_id=1,
            giver_member_id=giver.id,
            receiver_member_id=receiver.id,
            kind="advice",
            story="She helped.",
            story_key="she helped",
            channel_id=7,
            outcome_at=LATER,
            created_at=NOW,
        )
        session.add(thanks)
    async with db.read() as session:
        orm = await session.get(Thanks, thanks.id)
    async with db.read() as session:
        found = await with_members(session, thanks.id)
        assert await with_members(session, thanks.id + 1) is None
    assert found is not None and orm is not None
    loaded, loaded_giver, loaded_receiver = found
    assert _columns(loaded) == _columns(orm) and loaded.removed is False
    assert loaded_giver is not None and loaded_giver.user_id == 42
    assert loaded_receiver is not None and loaded_receiver.user_id == 43


async def test_fetched_rows_are_the_orm_rows_and_see_pending_changes(db: Database) -> None:
    statement = select(Thanks.story_key, Thanks.created_at, Receiver.user_id).outerjoin(
        Receiver, Receiver.id == Thanks.receiver_member_id
    )
    statement = statement.where(Thanks.created_at >= bindparam("since")).order_by(Thanks.id)
    async with db.session() as session:
        await ensure_community(session, 1, now=NOW, name="Demo")
        giver = await ensure_member(session, 1, 42, now=NOW)
        receiver = await ensure_member(session, 1, 43, now=NOW)
        for when, to in ((NOW, receiver.id), (LATER, None)):
            session.add(
                Thanks(
                    guild_id=1,
                    giver_member_id=giver.id,
                    receiver_member_id=to,
                    kind="advice",
                    story="She helped.",
                    story_key=f"key {when:%d}",
                    channel_id=7,
                    created_at=when,
                )
            )
        # Not flushed yet: the read flushes first, as the ORM's query would.
        fetched = await fetch_rows(session, statement, {"since": NOW})
        orm = [tuple(row) for row in await session.execute(statement, {"since": NOW})]
    assert fetched == orm == [("key 29", NOW, 43), ("key 02", LATER, None)]
    async with db.read() as session:
        recent = await recent_by_giver(session, giver.id, since=LATER)
    assert [(r.receiver_user_id, r.story_key, r.created_at) for r in recent] == [
        (None, "key 02", LATER)
    ]
