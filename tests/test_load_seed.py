"""The load benchmark's bulk seeding writes rows exactly as the models would."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.load import JOURNAL_EACH, ROLODEX_EACH, SeedGuild, _dt, seed_members
from storage.db import open_database
from storage.migrate import upgrade
from storage.models import Community, Member, PitchCheck, ReflectionSubscription, Thanks
from storage.reflections import journal_page
from storage.rolodex import owner_entries
from storage.thanks import public_thanks

NOW = datetime(2026, 11, 22, 10, 30, 15, 123456, tzinfo=UTC)


async def test_seeded_rows_read_back_through_the_models(tmp_path: Path) -> None:
    path = tmp_path / "seed.db"
    db = open_database(f"sqlite+aiosqlite:///{path}")
    await upgrade(db.engine)
    await db.dispose()  # the seeder wants the file to itself
    guilds = [
        SeedGuild(1000 + g, f"Guild {g}", [5000 + g * 100 + k for k in range(20)]) for g in range(2)
    ]
    rows = seed_members(path, guilds, NOW)
    db = open_database(f"sqlite+aiosqlite:///{path}")
    assert rows["members"] == 40 and rows["reflection_entries"] == 40 * JOURNAL_EACH
    # A datetime the ORM writes is stored as the same text the seeder writes.
    async with db.session() as session:
        session.add(Community(guild_id=1, name="ORM", created_at=NOW, updated_at=NOW))
    raw = sqlite3.connect(path).execute("SELECT created_at FROM communities WHERE guild_id=1")
    assert raw.fetchone()[0] == _dt(NOW)
    async with db.read() as session:
        member = await session.scalar(select(Member).where(Member.user_id == 5000))
        assert member is not None and member.reachable and member.thanks_dms
        subscription = await session.scalar(
            select(ReflectionSubscription).where(ReflectionSubscription.member_id == member.id)
        )
        assert subscription is not None and subscription.active
        assert subscription.next_send_at is not None and subscription.next_send_at > NOW
        entries, total = await journal_page(session, member.id, search=None, offset=0, limit=5)
        assert 0 < total <= JOURNAL_EACH and entries[0].sent_at.tzinfo is UTC
        assert len(await owner_entries(session, member.id)) == ROLODEX_EACH
        check = await session.scalar(select(PitchCheck).where(PitchCheck.member_id == member.id))
        assert check is not None and check.signals == ["question_about_them"]
        received, count = await public_thanks(
            session, 1000, receiver_user_id=5000, offset=0, limit=10
        )
        assert count == 1 and received[0][1] == 5001  # thanked by the next member
        assert await session.scalar(select(func.count()).select_from(Thanks)) == 40
    await db.dispose()
