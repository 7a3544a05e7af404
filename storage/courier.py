"""The outbox: enqueue once, claim due rows with a lease, record what happened."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import column, delete, func, or_, select, table, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.driver import driver_converter, executemany_driver
from storage.models import Member, OutboxMessage

PENDING, SENDING, SENT, FAILED, DROPPED = "pending", "sending", "sent", "failed", "dropped"


async def enqueue(
    session: AsyncSession,
    *,
    guild_id: int,
    purpose: str,
    dedupe_key: str,
    payload: dict[str, Any],
    due_at: datetime,
    now: datetime,
    member_id: int | None = None,
    channel_id: int | None = None,
) -> bool:
    """Add a message to send; False (and nothing changes) when the key is already there."""
    if member_id is None and channel_id is None:
        raise ValueError("an outbox message needs a member or a channel")
    values = {
        "guild_id": guild_id,
        "member_id": member_id,
        "channel_id": channel_id,
        "purpose": purpose,
        "dedupe_key": dedupe_key,
        "payload": payload,
        "state": PENDING,
        "due_at": due_at,
        "attempts": 0,
        "created_at": now,
    }
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)


async def drop_pending(session: AsyncSession, dedupe_key: str) -> bool:
    """Don't send the message with this key after all, if it is still waiting."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.dedupe_key == dedupe_key, OutboxMessage.state == PENDING)
        .values(state=DROPPED)
    )
    return bool(result.rowcount)


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    worker: str,
    lease: timedelta,
    limit: int,
    channel_room: Mapping[int, int] | None = None,
    channel_limit: int | None = None,
) -> list[OutboxMessage]:
    """Take up to `limit` due rows for this worker until `now + lease`.

    Rows another worker claimed are skipped until its lease runs out; then they are due again
    (that worker died or hung). On PostgreSQL, SKIP LOCKED lets workers claim side by side;
    SQLite serialises writers anyway (BEGIN IMMEDIATE) and ignores FOR UPDATE.

    Channel posts are taken first, at most `channel_limit` per channel, or
    `channel_room[channel]` for a channel with posts already in flight: a busy channel's queue
    (a rush of thank-yous, 5 posts per 5 s) must not fill the claim and hold back DMs that
    could go now, and DMs must not hold back the posts.
    """
    due = or_(
        (OutboxMessage.state == PENDING) & (OutboxMessage.due_at <= now),
        (OutboxMessage.state == SENDING) & (OutboxMessage.claimed_until < now),
    )
    room = dict(channel_room or {})
    full = sorted(channel for channel, left in room.items() if left <= 0)
    posts = OutboxMessage.member_id.is_(None)
    if full:
        posts = posts & OutboxMessage.channel_id.not_in(full)
    # Channel posts first: a few at a time per channel, they take little of the pace, and a
    # thank-you must not wait behind a tick of a thousand DMs to appear.
    cap = channel_limit if channel_limit is not None else limit
    rows = []
    for row in await _due(session, due & posts, limit):
        left = room.get(row.channel_id or 0, cap)
        if left <= 0:
            continue  # stays pending: claimed once the channel's posts in flight are out
        room[row.channel_id or 0] = left - 1
        rows.append(row)
    if len(rows) < limit:
        rows += await _due(session, due & OutboxMessage.member_id.is_not(None), limit - len(rows))
    for row in rows:
        row.state = SENDING
        row.claimed_by = worker
        row.claimed_until = now + lease
    await session.flush()
    return rows


async def _due(session: AsyncSession, condition: Any, limit: int) -> list[OutboxMessage]:
    statement = (
        select(OutboxMessage)
        .where(condition)
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(statement)).all())


async def release_claims(session: AsyncSession, *, worker: str) -> int:
    """At start-up: rows this worker was sending when it stopped are due again at once.

    They are resent with the same nonce, so one that did reach Discord is not duplicated.
    """
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state == SENDING, OutboxMessage.claimed_by == worker)
        .values(state=PENDING, claimed_by=None, claimed_until=None)
    )
    return int(result.rowcount or 0)


async def mark_sent(
    session: AsyncSession, row_id: int, *, now: datetime, message_id: int | None
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(state=SENT, sent_at=now, message_id=message_id, claimed_until=None, last_error=None)
    )


async def mark_retry(
    session: AsyncSession, row_id: int, *, attempts: int, due_at: datetime, error: str
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(
            state=PENDING,
            attempts=attempts,
            due_at=due_at,
            last_error=error[:500],
            claimed_by=None,
            claimed_until=None,
        )
    )


async def mark_dropped(session: AsyncSession, row_id: int, *, reason: str) -> None:
    """Not sent after all: what it was about is gone (removed, or its data deleted)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(state=DROPPED, last_error=reason[:500], claimed_until=None)
    )


async def drop_keys(session: AsyncSession, dedupe_keys: Sequence[str]) -> int:
    """Forget these messages entirely, sent or not (a member's deleted data: a row that would
    post her words, or held them once, must not stay)."""
    if not dedupe_keys:
        return 0
    result = await session.execute(
        delete(OutboxMessage).where(OutboxMessage.dedupe_key.in_(list(dedupe_keys)))
    )
    return int(result.rowcount or 0)


async def mark_failed(session: AsyncSession, row_id: int, *, attempts: int, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(state=FAILED, attempts=attempts, last_error=error[:500], claimed_until=None)
    )


async def mark_member_unreachable(
    session: AsyncSession, member_id: int, *, now: datetime, error: str
) -> int:
    """DMs are closed: the member is flagged and everything waiting for them is dropped."""
    await session.execute(
        update(Member).where(Member.id == member_id).values(reachable=False, updated_at=now)
    )
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.member_id == member_id,
            OutboxMessage.state.in_((PENDING, SENDING)),
        )
        .values(state=DROPPED, last_error=error[:500], claimed_until=None)
    )
    return int(result.rowcount or 0)


async def remember_dm_channel(
    session: AsyncSession, member_id: int, channel_id: int | None, *, now: datetime
) -> None:
    """Cache the member's DM channel (None forgets a channel Discord no longer knows)."""
    await session.execute(
        update(Member)
        .where(Member.id == member_id)
        .values(dm_channel_id=channel_id, updated_at=now)
    )


@dataclass
class Recipient:
    """What the courier knows of a member it sends to; it updates its copy as it learns
    (a DM channel opened, DMs closed) and writes the same through the functions below."""

    id: int
    user_id: int
    dm_channel_id: int | None
    reachable: bool


async def recipients(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, Recipient]:
    if not member_ids:
        return {}
    rows = await session.execute(
        select(Member.id, Member.user_id, Member.dm_channel_id, Member.reachable).where(
            Member.id.in_(set(member_ids))
        )
    )
    return {row[0]: Recipient(*row) for row in rows}


async def next_due_at(session: AsyncSession) -> datetime | None:
    """When the courier next has something to do: a pending row, or a lease running out."""
    pending = await session.scalar(
        select(func.min(OutboxMessage.due_at)).where(OutboxMessage.state == PENDING)
    )
    lease = await session.scalar(
        select(func.min(OutboxMessage.claimed_until)).where(OutboxMessage.state == SENDING)
    )
    candidates = [value for value in (pending, lease) if value is not None]
    if not candidates:
        return None
    # min() over a UTCDateTime column comes back as the raw driver value on SQLite.
    return min(_as_aware(value) for value in candidates)


def _as_aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


async def counts_by_state(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    )
    return {state: int(count) for state, count in rows}


async def enqueue_many(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Bulk `enqueue`: rows whose key already exists are left as they are.

    Each row has guild_id, member_id and/or channel_id, purpose, dedupe_key, due_at,
    created_at, and either `payload` (a dict) or `payload_json`: the same already encoded as
    JSON text, so a caller sending many similar payloads can build them from shared parts.
    Rows start pending with no attempts. One DBAPI executemany with values converted up front
    (see `storage.driver`)."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    names = (
        "guild_id",
        "member_id",
        "channel_id",
        "purpose",
        "dedupe_key",
        "payload",
        "state",
        "due_at",
        "attempts",
        "created_at",
    )
    insert = pg_insert if dialect.name == "postgresql" else sqlite_insert
    statement = _ENQUEUE_MANY.get(dialect.name)
    if statement is None:
        outbox = table(OutboxMessage.__tablename__, *(column(name) for name in names))
        statement = _ENQUEUE_MANY[dialect.name] = insert(outbox).on_conflict_do_nothing(
            index_elements=["dedupe_key"]
        )
    columns = OutboxMessage.__table__.c
    encode = driver_converter(columns.payload, dialect, memo=False)
    instant = driver_converter(columns.due_at, dialect)
    await executemany_driver(
        session,
        statement,
        names,
        [
            (
                row["guild_id"],
                row.get("member_id"),
                row.get("channel_id"),
                row["purpose"],
                row["dedupe_key"],
                row["payload_json"] if "payload_json" in row else encode(row["payload"]),
                PENDING,
                instant(row["due_at"]),
                0,
                instant(row["created_at"]),
            )
            for row in rows
        ],
    )


_ENQUEUE_MANY: dict[str, Any] = {}
