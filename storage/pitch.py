"""Queries for self-check results and nudge preferences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PitchCheck, PitchPreference


async def record_check(
    session: AsyncSession,
    *,
    member_id: int,
    kind: str,
    score: int,
    verdict: str,
    signals: list[str],
    now: datetime,
    excerpt: str | None = None,
    label: str | None = None,
) -> None:
    # A plain INSERT on the unit's connection: a third of an ORM add and flush's CPU, and
    # nothing reads the row back in the unit (every /pitchcheck writes one).
    connection = await session.connection()
    await connection.execute(
        _INSERT_CHECK,
        {
            "member_id": member_id,
            "kind": kind,
            "label": label,
            "score": score,
            "verdict": verdict,
            "excerpt": excerpt,
            "signals": signals,
            "created_at": now,
        },
    )


_INSERT_CHECK = insert(PitchCheck.__table__)


async def recent_checks(session: AsyncSession, member_id: int, *, limit: int) -> list[PitchCheck]:
    """Newest first."""
    rows = await session.scalars(
        select(PitchCheck)
        .where(PitchCheck.member_id == member_id)
        .order_by(PitchCheck.created_at.desc(), PitchCheck.id.desc())
        .limit(limit)
    )
    return list(rows)


async def set_nudges(session: AsyncSession, member_id: int, *, on: bool) -> None:
    """Whether the member may get the introductions nudge."""
    (await preference(session, member_id)).nudges = on


async def note_nudged(session: AsyncSession, preference: PitchPreference, *, now: datetime) -> None:
    """A nudge went out: the weekly cap counts from now."""
    preference.last_nudged_at = now


async def preference(session: AsyncSession, member_id: int) -> PitchPreference:
    found = await session.scalar(
        select(PitchPreference).where(PitchPreference.member_id == member_id)
    )
    if found is None:
        found = PitchPreference(member_id=member_id, nudges=True)
        session.add(found)
        await session.flush()
    return found
