"""Queries about members: one row per (server, user)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.driver import columns_of, load_one
from storage.models import Member

if TYPE_CHECKING:
    from storage.db import Database


async def get_member(session: AsyncSession, guild_id: int, user_id: int) -> Member | None:
    # Every command looks its member up: read at the driver level (`load_one`), a third of
    # the CPU of the ORM's load of the same row.
    return await load_one(session, Member, _MEMBER, {"guild_id": guild_id, "user_id": user_id})


# Built once: a statement built per call costs SQLAlchemy its cache key each time.
_MEMBER = columns_of(Member).where(
    Member.guild_id == bindparam("guild_id"), Member.user_id == bindparam("user_id")
)


async def ensure_member(
    session: AsyncSession, guild_id: int, user_id: int, *, now: datetime
) -> Member:
    """The member row, created on first contact. The community row must exist."""
    member = await get_member(session, guild_id, user_id)
    if member is None:
        member = Member(
            guild_id=guild_id,
            user_id=user_id,
            reachable=True,
            created_at=now,
            updated_at=now,
        )
        session.add(member)
        await session.flush()
    return member


async def has_unreachable_rows(db: Database, user_id: int) -> bool:
    """Whether Kindred marked this person unreachable by DM in any server."""
    # Every interaction asks this first: one statement on its own at the driver level
    # (`Database.fetch`), without a unit of work.
    rows = await db.fetch(_UNREACHABLE_ROW, {"user_id": user_id})
    return bool(rows)


_UNREACHABLE_ROW = (
    select(Member.id)
    .where(Member.user_id == bindparam("user_id"), Member.reachable.is_(False))
    .limit(1)
)


async def mark_reachable_again(session: AsyncSession, user_id: int, *, now: datetime) -> int:
    """They used a command after seeing the notice: DMs are worth trying again."""
    result = await session.execute(
        update(Member)
        .where(Member.user_id == user_id, Member.reachable.is_(False))
        .values(reachable=True, updated_at=now)
    )
    return int(result.rowcount or 0)


async def members_by_id(session: AsyncSession, member_ids: Iterable[int]) -> dict[int, Member]:
    ids = set(member_ids)
    if not ids:
        return {}
    rows = await session.scalars(select(Member).where(Member.id.in_(ids)))
    return {member.id: member for member in rows}


async def set_thanks_dms(session: AsyncSession, member: Member, *, on: bool) -> None:
    """Whether Kindred DMs the member when someone thanks them."""
    member.thanks_dms = on
