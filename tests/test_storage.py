"""Storage on a real SQLite file: migrations, UTC datetimes, concurrent writers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.communities import ensure_community, update_community
from storage.db import Database, open_database
from storage.members import ensure_member, get_member
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Base, Member
from tests.backends import postgres_database

NOW = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> Database:  # type: ignore[misc]
    if request.param == "sqlite":
        database = open_database(f"sqlite+aiosqlite:///{tmp_path}/nested/dir/kindred.db")
        await upgrade(database.engine)
        yield database
        await database.dispose()
        return
    async with postgres_database() as url:
        database = open_database(url)
        await upgrade(database.engine)
        yield database
        await database.dispose()


async def test_migrations_create_the_folder_and_reach_head_twice(
    tmp_path: Path, db: Database
) -> None:
    if db.engine.dialect.name == "sqlite":
        assert (tmp_path / "nested" / "dir" / "kindred.db").exists()
    assert await current_revision(db.engine) == head_revision()
    await upgrade(db.engine)  # idempotent at start-up
    assert await current_revision(db.engine) == head_revision()


async def test_migrated_schema_matches_the_models(db: Database) -> None:
    from sqlalchemy import inspect

    async with db.engine.connect() as connection:
        tables = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    assert set(Base.metadata.tables) <= tables


async def test_sqlite_pragmas_are_set(db: Database) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    async with db.read() as session:
        assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await session.execute(text("PRAGMA busy_timeout"))).scalar() >= 5000


async def test_datetimes_come_back_aware_utc(db: Database) -> None:
    berlin_noon = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    async with db.session() as session:
        await ensure_community(session, 1, now=berlin_noon, name="Demo")
        member = await ensure_member(session, 1, 42, now=berlin_noon)
    async with db.read() as session:
        again = await get_member(session, 1, 42)
    assert again is not None and again.id == member.id
    assert again.created_at.tzinfo is not None
    assert again.created_at == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)


async def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive"):
        async with db.session() as session:
            await ensure_community(session, 2, now=datetime(2026, 1, 1), name="Naive")


async def test_failed_unit_of_work_changes_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.session() as session:
            community = await ensure_community(session, 3, now=NOW, name="Rollback")
            await update_community(session, community, now=NOW, timezone="Asia/Kathmandu")
            raise RuntimeError("boom")
    async with db.read() as session:
        assert await session.get(type(community), 3) is None


async def test_members_are_unique_per_server_and_cascade(db: Database) -> None:
    async with db.session() as session:
        await ensure_community(session, 10, now=NOW)
        await ensure_community(session, 11, now=NOW)
        first = await ensure_member(session, 10, 7, now=NOW)
        same = await ensure_member(session, 10, 7, now=NOW)
        other = await ensure_member(session, 11, 7, now=NOW)
    assert first.id == same.id != other.id
    async with db.session() as session:
        await session.execute(text("DELETE FROM communities WHERE guild_id = 10"))
    async with db.read() as session:
        assert await session.get(Member, first.id) is None
        assert await session.get(Member, other.id) is not None


async def test_fifty_concurrent_writers_never_see_database_is_locked(db: Database) -> None:
    # Read-then-write transactions are the ones that fail under deferred BEGIN.
    async with db.session() as session:
        await ensure_community(session, 20, now=NOW)

    async def writer(user_id: int) -> None:
        for _ in range(5):
            async with db.session() as session:
                member = await ensure_member(session, 20, user_id, now=NOW)
                member.timezone = "Europe/Berlin" if member.timezone is None else None
                await asyncio.sleep(0)

    results = await asyncio.gather(*(writer(u) for u in range(50)), return_exceptions=True)
    assert [r for r in results if isinstance(r, BaseException)] == []
    async with db.read() as session:
        count = (await session.execute(text("SELECT count(*) FROM members"))).scalar()
    assert count == 50


async def test_migrations_and_models_agree(db: Database) -> None:
    # A model change without its migration (or the reverse) shows up here as a diff.
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with db.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []
