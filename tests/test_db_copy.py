"""`bot.py db copy --to URL`: every row moves, ids keep working, a full target is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.communities import ensure_community
from storage.copy import CopyRefused, copy_database
from storage.courier import enqueue
from storage.db import open_database
from storage.members import ensure_member
from storage.migrate import upgrade
from storage.models import Base, Member, OutboxMessage
from tests.backends import database_url
from tests.test_cli import clean_env, run_cli

NOW = datetime(2026, 11, 21, 10, 30, tzinfo=UTC)


async def fill(url: str) -> None:
    db = open_database(url)
    await upgrade(db.engine)
    async with db.session() as session:
        await ensure_community(session, 1001, now=NOW, name="Lisbon Founders")
        for user in range(1, 6):
            member = await ensure_member(session, 1001, 500 + user, now=NOW)
            await enqueue(
                session,
                guild_id=1001,
                member_id=member.id,
                purpose="test",
                dedupe_key=f"copy:{user}",
                payload={"content": f"Olá {user} 🌱"},
                due_at=NOW,
                now=NOW,
            )
    await db.dispose()


async def counts(url: str) -> dict[str, int]:
    db = open_database(url)
    result = {}
    async with db.read() as session:
        for table in Base.metadata.sorted_tables:
            result[table.name] = await session.scalar(select(func.count()).select_from(table))
    await db.dispose()
    return result


@pytest.mark.parametrize("target", ["sqlite", "postgres"])
async def test_copy_moves_everything(tmp_path: Path, target: str) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path}/source.db"
    await fill(source)
    (tmp_path / "target").mkdir()
    async with database_url(target, tmp_path / "target") as destination:
        copied = await copy_database(source, destination)
        assert copied["members"] == 5 and copied["outbox"] == 5
        assert await counts(destination) == await counts(source)
        db = open_database(destination)
        async with db.session() as session:
            row = await session.scalar(
                select(OutboxMessage).where(OutboxMessage.dedupe_key == "copy:3")
            )
            assert row is not None and row.payload == {"content": "Olá 3 🌱"}
            assert row.due_at == NOW  # aware UTC survives the move
            # New rows get fresh ids after the copied ones.
            fresh = await ensure_member(session, 1001, 999, now=NOW)
            assert fresh.id > 5
            assert await session.scalar(select(func.count()).select_from(Member)) == 6
        await db.dispose()
        with pytest.raises(CopyRefused):
            await copy_database(source, destination)


async def test_cli_copy(tmp_path: Path) -> None:
    source = f"sqlite+aiosqlite:///{tmp_path}/source.db"
    await fill(source)
    target = f"sqlite+aiosqlite:///{tmp_path}/target.db"
    code, output = await run_cli(
        "db", "copy", "--to", target, cwd=tmp_path, env=clean_env(DATABASE_URL=source)
    )
    assert code == 0, output
    assert "Copied" in output and "rows" in output
    code, output = await run_cli(
        "db", "copy", "--to", target, cwd=tmp_path, env=clean_env(DATABASE_URL=source)
    )
    assert code == 2 and "Nothing copied" in output
