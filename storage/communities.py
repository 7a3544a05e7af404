"""Queries about communities (servers) and their configuration."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.driver import load_by_key
from storage.models import Community

if TYPE_CHECKING:
    from storage.db import Database

EDITABLE = frozenset(
    {
        "name",
        "thanks_channel_id",
        "intro_channel_id",
        "timezone",
        "prompt_time",
        "reflections_enabled",
        "pitch_enabled",
        "thanks_enabled",
        "rolodex_enabled",
        "intro_nudges",
        "digest_weekday",
        "digest_hour",
        "next_digest_at",
        "events_default",
    }
)


async def get_community(session: AsyncSession, guild_id: int) -> Community | None:
    return await session.get(Community, guild_id)


async def thanks_channel_of(db: Database, guild_id: int) -> int | None:
    """The server's thanks channel; None when it has none (or no community row yet).
    `/thanks give` asks before its unit of work: one statement on its own
    (`Database.fetch`), not a read unit."""
    rows = await db.fetch(_THANKS_CHANNEL, {"guild_id": guild_id})
    return rows[0][0] if rows else None


_THANKS_CHANNEL = select(Community.thanks_channel_id).where(
    Community.guild_id == bindparam("guild_id")
)


async def ensure_community(
    session: AsyncSession,
    guild_id: int,
    *,
    now: datetime,
    name: str = "",
    timezone: str = "UTC",
    prompt_time: str = "09:00",
) -> Community:
    """The community row, created with the given defaults the first time a server is seen."""
    community = await load_by_key(session, Community, guild_id)
    if community is None:
        community = Community(
            guild_id=guild_id,
            name=name[:100],
            timezone=timezone,
            prompt_time=prompt_time,
            created_at=now,
            updated_at=now,
        )
        session.add(community)
        await session.flush()
    elif name and community.name != name[:100]:
        community.name = name[:100]
    return community


async def update_community(
    session: AsyncSession, community: Community, *, now: datetime, **changes: Any
) -> None:
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for field, value in changes.items():
        setattr(community, field, value)
    community.updated_at = now
    await session.flush()


async def list_communities(session: AsyncSession) -> list[Community]:
    return list((await session.scalars(select(Community).order_by(Community.guild_id))).all())
