"""Queries for the Rolodex, touchpoints and follow-ups. Everything is scoped to its owner."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.rolodex import name_key
from coaching.shards import EVERY_SERVER, ShardOwnership
from storage.models import FollowUp, Member, RolodexEntry, Touchpoint
from storage.shards import only_owned

PAGE_SIZE = 6


async def find_entry(session: AsyncSession, owner_id: int, name: str) -> RolodexEntry | None:
    """The owner's entry by name (case-insensitive), or by `#<id>`."""
    text = name.strip()
    if text.startswith("#") and text[1:].isdigit():
        entry = await session.get(RolodexEntry, int(text[1:]))
        return entry if entry is not None and entry.owner_member_id == owner_id else None
    return await session.scalar(
        select(RolodexEntry).where(
            RolodexEntry.owner_member_id == owner_id, RolodexEntry.name_key == name_key(text)
        )
    )


async def entry_for_user(
    session: AsyncSession, owner_id: int, person_user_id: int
) -> RolodexEntry | None:
    return await session.scalar(
        select(RolodexEntry).where(
            RolodexEntry.owner_member_id == owner_id,
            RolodexEntry.person_user_id == person_user_id,
        )
    )


async def add_entry(session: AsyncSession, **fields: Any) -> RolodexEntry:
    entry = RolodexEntry(**fields)
    session.add(entry)
    await session.flush()
    return entry


async def owner_entries(session: AsyncSession, owner_id: int) -> list[RolodexEntry]:
    rows = await session.scalars(
        select(RolodexEntry)
        .where(RolodexEntry.owner_member_id == owner_id)
        .order_by(RolodexEntry.name_key)
    )
    return list(rows)


async def names_like(session: AsyncSession, owner_id: int, text: str, limit: int) -> list[str]:
    pattern = f"%{text.casefold().strip()}%"
    rows = await session.scalars(
        select(RolodexEntry.name)
        .where(RolodexEntry.owner_member_id == owner_id, RolodexEntry.name_key.like(pattern))
        .order_by(RolodexEntry.name_key)
        .limit(limit)
    )
    return list(rows)


async def add_touchpoint(session: AsyncSession, **fields: Any) -> Touchpoint:
    touch = Touchpoint(**fields)
    session.add(touch)
    await session.flush()
    return touch


async def recent_touchpoints(session: AsyncSession, entry_id: int, limit: int) -> list[Touchpoint]:
    rows = await session.scalars(
        select(Touchpoint)
        .where(Touchpoint.entry_id == entry_id)
        .order_by(Touchpoint.happened_on.desc(), Touchpoint.id.desc())
        .limit(limit)
    )
    return list(rows)


async def due_touch_reminders(
    session: AsyncSession, *, now: datetime, limit: int, owner: ShardOwnership = EVERY_SERVER
) -> list[tuple[RolodexEntry, Member]]:
    """Stay-in-touch reminders due for owners in `owner`'s servers (an entry's guild_id is
    its owner's server)."""
    rows = await session.execute(
        only_owned(
            select(RolodexEntry, Member)
            .join(Member, Member.id == RolodexEntry.owner_member_id)
            .where(RolodexEntry.touch_due_at.is_not(None), RolodexEntry.touch_due_at <= now)
            .limit(limit),
            RolodexEntry.guild_id,
            owner,
        )
    )
    return [(row[0], row[1]) for row in rows]


async def next_touch_due(
    session: AsyncSession, owner: ShardOwnership = EVERY_SERVER
) -> datetime | None:
    return await session.scalar(
        only_owned(select(func.min(RolodexEntry.touch_due_at)), RolodexEntry.guild_id, owner)
    )


async def add_followup(session: AsyncSession, **fields: Any) -> FollowUp:
    followup = FollowUp(**fields)
    session.add(followup)
    await session.flush()
    return followup


async def pending_followups(session: AsyncSession, owner_id: int) -> list[FollowUp]:
    rows = await session.scalars(
        select(FollowUp)
        .where(FollowUp.owner_member_id == owner_id, FollowUp.state == "pending")
        .order_by(FollowUp.due_at, FollowUp.id)
    )
    return list(rows)


async def set_followup_state(session: AsyncSession, followup_id: int, state: str) -> None:
    await session.execute(update(FollowUp).where(FollowUp.id == followup_id).values(state=state))
