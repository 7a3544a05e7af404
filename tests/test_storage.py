"""Storage on a real SQLite file: migrations, UTC datetimes, concurrent writers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from storage.communities import ensure_community, update_community
from storage.db import (
    INLINE_READ_BUSY_TIMEOUT_MS,
    SQLITE_BUSY_TIMEOUT_MS,
    WAL_AUTOCHECKPOINT_PAGES,
    Database,
    open_database,
)
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
    # Threaded connections wait for a busy database inside SQLite; the inline ones (on the
    # event loop's thread, storage.inline_sqlite) must not: a write unit retries its BEGIN
    # with asyncio sleeps instead, a reader waits a moment at most.
    for unit, busy_timeout in (
        (db.read(offload=True), SQLITE_BUSY_TIMEOUT_MS),
        (db.read(), INLINE_READ_BUSY_TIMEOUT_MS),
        (db.session(), 0),
    ):
        async with unit as session:
            assert (await session.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await session.execute(text("PRAGMA busy_timeout"))).scalar() == busy_timeout
            assert (
                await session.execute(text("PRAGMA wal_autocheckpoint"))
            ).scalar() == WAL_AUTOCHECKPOINT_PAGES


async def test_the_background_checkpoint_copies_the_log_into_the_database_file(
    db: Database, tmp_path: Path
) -> None:
    if db.engine.dialect.name != "sqlite":
        assert await db.checkpoint() is None
        return
    file = tmp_path / "nested" / "dir" / "kindred.db"
    await db.checkpoint()
    before = file.stat().st_size
    async with db.session() as session:  # a few pages: far below the automatic checkpoint
        await ensure_community(session, 5, now=NOW, name="x" * 2000)
        for user in range(300):
            await ensure_member(session, 5, user, now=NOW)
    assert file.stat().st_size == before  # still only in the log
    task = asyncio.create_task(db.checkpoint_every(0.05))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if file.stat().st_size > before:
            break
    task.cancel()
    assert file.stat().st_size > before
    async with db.read() as session:
        assert await session.get(Member, 1) is not None


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


async def _subscribed_members(db: Database, count: int) -> list[tuple[int, int]]:
    """`count` members of server 20, each with a daily subscription: (member id, its id)."""
    from storage.reflections import save_subscription

    out = []
    async with db.session() as session:
        await ensure_community(session, 20, now=NOW)
        for user in range(count):
            member = await ensure_member(session, 20, 1000 + user, now=NOW)
            subscription = await save_subscription(
                session, member, now=NOW, timezone="Europe/Berlin", time_of_day="08:30"
            )
            out.append((member.id, subscription.id))
    return out


async def test_tick_writes_store_every_row_in_chunks_and_keep_queued_messages(
    db: Database,
) -> None:
    """A scheduler tick's writes: 600 rows go in several statements (250 per statement on
    SQLite), the same on both back-ends; a DM already queued under the same key stays as it was."""
    from storage.courier import enqueue
    from storage.models import OutboxMessage, ReflectionEntry, ReflectionSubscription
    from storage.reflections import TickWrites

    members = await _subscribed_members(db, 600)
    day = NOW.date()
    async with db.session() as session:
        await enqueue(
            session,
            guild_id=20,
            purpose="reflection",
            dedupe_key=f"reflection:{members[0][0]}:{day}",
            payload={"content": "queued before"},
            due_at=NOW,
            now=NOW,
            member_id=members[0][0],
        )
    later = NOW + timedelta(days=1, hours=7)
    async with db.session() as session:
        writes = await TickWrites(session, now=NOW).start()
        for first in (0, 300):  # two chunks, as the tick sends them
            part = members[first : first + 300]
            await writes.send(
                [(m, "daily", day, f"pack:{m}", f"Prompt for {m} ✨") for m, _ in part],
                [(20, m, f"reflection:{m}:{day}", f'{{"content": "DM {m}"}}') for m, _ in part],
                [
                    # Every third one has nothing ahead (e.g. every allowed day is quiet).
                    (
                        s,
                        None if m % 3 == 0 else later,
                        None if m % 3 == 0 else day,
                        5,
                        "weekly",
                        "settled",
                        2,
                        day,
                    )
                    for m, s in part
                ],
            )
        await writes.finish()
    async with db.read() as session:
        entries = (await session.scalars(select(ReflectionEntry))).all()
        outbox = {row.member_id: row for row in (await session.scalars(select(OutboxMessage)))}
        subscriptions = (await session.scalars(select(ReflectionSubscription))).all()
    assert len(entries) == 600 and len(outbox) == 600 and len(subscriptions) == 600
    first = next(e for e in entries if e.member_id == members[7][0])
    assert (first.kind, first.local_date, first.prompt_text) == (
        "daily",
        day,
        f"Prompt for {members[7][0]} ✨",
    )
    assert (first.sent_at, first.skipped, first.answer) == (NOW, False, None)
    assert outbox[members[0][0]].payload == {"content": "queued before"}
    queued = outbox[members[1][0]]
    assert (queued.payload, queued.state, queued.due_at, queued.attempts, queued.purpose) == (
        {"content": f"DM {members[1][0]}"},
        "pending",
        NOW,
        0,
        "reflection",
    )
    for subscription in subscriptions:
        nothing_ahead = subscription.member_id % 3 == 0
        assert subscription.next_send_at == (None if nothing_ahead else later)
        assert subscription.next_send_on == (None if nothing_ahead else day)
        assert (subscription.prompts_sent, subscription.cadence, subscription.backoff_state) == (
            5,
            "weekly",
            "settled",
        )
        assert (subscription.unanswered, subscription.last_sent_on) == (2, day)
        assert subscription.updated_at == NOW


async def test_a_failed_tick_write_rolls_the_whole_tick_back(db: Database) -> None:
    from storage.models import OutboxMessage, ReflectionEntry
    from storage.reflections import TickWrites

    members = await _subscribed_members(db, 3)
    day = NOW.date()
    with pytest.raises(IntegrityError):
        async with db.session() as session:
            writes = await TickWrites(session, now=NOW).start()
            await writes.send(
                [(m, "daily", day, "pack:x", "Prompt") for m, _ in members],
                [(20, m, f"reflection:{m}:{day}", "{}") for m, _ in members],
                [],
            )
            # A journal entry for a member that doesn't exist breaks a foreign key.
            await writes.send([(999_999, "daily", day, "pack:x", "Prompt")], [], [])
            await writes.finish()
    async with db.read() as session:
        assert (await session.scalars(select(ReflectionEntry))).all() == []
        assert (await session.scalars(select(OutboxMessage))).all() == []


async def test_a_tick_that_fails_before_finishing_waits_for_its_writes_then_rolls_back(
    db: Database,
) -> None:
    """A chunk's statement may still be running (PostgreSQL) or queued (SQLite) when the tick
    fails while planning the next one: leaving the block waits for it, the unit of work rolls
    back as a whole, and the connection is fine for the next unit."""
    from storage.models import OutboxMessage, ReflectionEntry, ReflectionSubscription
    from storage.reflections import TickWrites

    members = await _subscribed_members(db, 300)
    day = NOW.date()
    later = NOW + timedelta(days=1)
    with pytest.raises(RuntimeError, match="planning failed"):
        async with db.session() as session, TickWrites(session, now=NOW) as writes:
            await writes.send(
                [(m, "daily", day, "pack:x", "Prompt") for m, _ in members],
                [(20, m, f"reflection:{m}:{day}", "{}") for m, _ in members],
                [(s, later, day, 1, "daily", None, 0, day) for _, s in members],
            )
            raise RuntimeError("planning failed")
    async with db.session() as session:
        assert (await session.scalars(select(ReflectionEntry))).all() == []
        assert (await session.scalars(select(OutboxMessage))).all() == []
        sent = await session.scalars(select(ReflectionSubscription.prompts_sent))
        assert set(sent) == {0}


async def test_a_failed_chunk_stops_the_tick_at_the_next_send_or_at_finish(db: Database) -> None:
    """The first chunk breaks a foreign key; the tick's next chunk is not written over it
    (PostgreSQL: its send raises; SQLite: finish raises) and nothing of the tick stays."""
    from storage.models import ReflectionEntry
    from storage.reflections import TickWrites

    members = await _subscribed_members(db, 2)
    day = NOW.date()
    with pytest.raises(IntegrityError):
        async with db.session() as session, TickWrites(session, now=NOW) as writes:
            await writes.send([(999_999, "daily", day, "pack:x", "Prompt")], [], [])
            await writes.send([(m, "daily", day, "pack:x", "Prompt") for m, _ in members], [], [])
    async with db.read() as session:
        assert (await session.scalars(select(ReflectionEntry))).all() == []


async def test_server_context_reads_names_prompts_and_quiet_days(db: Database) -> None:
    from datetime import date

    from storage.reflections import add_community_prompt, add_quiet_day, server_context

    async with db.session() as session:
        community = await ensure_community(session, 20, now=NOW)
        await ensure_community(session, 2**62, now=NOW)  # a snowflake-sized id
        community.name = "Lisbon Founders"
        prompt = await add_community_prompt(
            session, 20, "What surprised you?", author_user_id=1, now=NOW
        )
        await add_quiet_day(session, 2**62, date(2026, 4, 1))
        await add_quiet_day(session, 2**62, date(2026, 4, 2))
    assert prompt is not None
    async with db.read() as session:
        context = await server_context(session, [2**62, 20, 21, 20])
    assert context.names[20] == "Lisbon Founders" and 21 not in context.names
    assert context.prompts == {
        20: {f"custom:{prompt.id}": "What surprised you?"},
        2**62: {},
        21: {},
    }
    assert context.quiet_days == {20: set(), 21: set(), 2**62: {date(2026, 4, 1), date(2026, 4, 2)}}


async def test_channel_posts_are_claimed_first_a_few_per_channel(db: Database) -> None:
    # A tick's thousand DMs due first must not hold back a thank-you's post, and one channel's
    # queue of posts must not fill the claim (its posts go 5 per 5 s anyway).
    from storage.courier import claim_due, enqueue
    from storage.models import OutboxMessage

    async with db.session() as session:
        await ensure_community(session, 30, now=NOW)
        members = [await ensure_member(session, 30, 3000 + n, now=NOW) for n in range(60)]
        for member in members:
            await enqueue(
                session,
                guild_id=30,
                member_id=member.id,
                purpose="test",
                dedupe_key=f"dm:{member.id}",
                payload={"content": "hi"},
                due_at=NOW - timedelta(minutes=5),
                now=NOW,
            )
        for channel, posts in ((700, 12), (701, 2)):
            for number in range(posts):
                await enqueue(
                    session,
                    guild_id=30,
                    channel_id=channel,
                    purpose="test",
                    dedupe_key=f"post:{channel}:{number}",
                    payload={"content": "thanks"},
                    due_at=NOW,
                    now=NOW,
                )

    async def claim(room_in_700: int) -> list[OutboxMessage]:
        async with db.session() as session:
            return await claim_due(
                session,
                now=NOW,
                worker="w",
                lease=timedelta(minutes=2),
                limit=20,
                channel_room={700: room_in_700},
                channel_limit=5,
            )

    claimed = await claim(2)
    kinds = [(row.channel_id, row.member_id is not None) for row in claimed]
    assert kinds[:4] == [(700, False), (700, False), (701, False), (701, False)]
    assert len(claimed) == 20 and all(is_dm for _, is_dm in kinds[4:])
    again = await claim(0)
    assert all(row.channel_id != 700 for row in again)


def test_the_newest_revision_is_read_from_the_files_as_alembic_reads_it() -> None:
    from storage.migrate import head_on_disk

    assert head_on_disk() == head_revision()


@pytest.mark.slow  # two fresh processes, each importing the bot
def test_a_start_on_an_up_to_date_database_does_not_import_alembic(tmp_path: Path) -> None:
    # Alembic's code (9 MiB) stays out of the bot's memory when there is nothing to migrate.
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    code = (
        "import asyncio, sys\n"
        "import kindred.bot\n"
        "from storage.db import open_database\n"
        "from storage.migrate import upgrade\n"
        "async def main():\n"
        f"    db = open_database('sqlite+aiosqlite:///{tmp_path}/k.db')\n"
        "    await upgrade(db.engine)\n"
        "    await db.dispose()\n"
        "asyncio.run(main())\n"
        "print('alembic' in sys.modules)\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert runs == [
        "True",
        "False",
    ]  # the first migrates the new file, the second has nothing to do
