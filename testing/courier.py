"""Setting up members and outbox rows for courier tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.communities import ensure_community
from storage.courier import enqueue
from storage.members import ensure_member
from storage.models import Member, OutboxMessage
from testing.harness import Harness


async def add_people(
    kindred: Harness, guild: Any, count: int, *, prefix: str, dms_open: bool = True
) -> list[Any]:
    people = []
    for index in range(count):
        user = kindred.fd.add_user(f"{prefix}{index}", dms_open=dms_open)
        kindred.fd.add_member(guild, user)
        people.append(user)
    return people


async def members_for(
    kindred: Harness, guild_id: int, users: list[Any], *, cache_dm_channel: bool
) -> dict[int, int]:
    """Member rows for users (user id -> member id), as if they had used Kindred before."""
    assert kindred.db is not None
    now = kindred.clock.now()
    ids = {}
    async with kindred.db.session() as session:
        await ensure_community(session, guild_id, now=now)
        for user in users:
            member = await ensure_member(session, guild_id, int(user.id), now=now)
            if cache_dm_channel:
                member.dm_channel_id = int(kindred.fd.dm_channel(user).id)
            ids[int(user.id)] = member.id
    return ids


async def enqueue_dms(
    kindred: Harness,
    guild_id: int,
    member_ids: list[int],
    *,
    key: str,
    due_at: datetime | None = None,
    text: str = "Hello from the courier",
    extra: dict[str, Any] | None = None,
) -> int:
    assert kindred.db is not None
    now = kindred.clock.now()
    added = 0
    async with kindred.db.session() as session:
        for member_id in member_ids:
            added += await enqueue(
                session,
                guild_id=guild_id,
                member_id=member_id,
                purpose="test",
                dedupe_key=f"{key}:{member_id}",
                payload={"content": f"{text} ({key})", **(extra or {})},
                due_at=due_at or now,
                now=now,
            )
    assert kindred.bot is not None
    kindred.bot.courier.wake()
    return added


async def states(kindred: Harness, member_ids: list[int]) -> dict[str, int]:
    assert kindred.db is not None
    counts: dict[str, int] = {}
    async with kindred.db.read() as session:
        rows = await session.execute(
            OutboxMessage.__table__.select().where(OutboxMessage.member_id.in_(member_ids))
        )
        for row in rows:
            counts[row.state] = counts.get(row.state, 0) + 1
    return counts


async def member_row(kindred: Harness, member_id: int) -> Member:
    assert kindred.db is not None
    async with kindred.db.read() as session:
        member = await session.get(Member, member_id)
        assert member is not None
        return member
