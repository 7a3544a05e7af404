"""Shard ownership: the rule (pure) and the due queries that honour it, on both back-ends.

A process started with `--shards 1 --shard-count 2` must read, plan and enqueue only the
scheduled work of servers on shard 1; one without shards owns every server and its SQL is
exactly what it was before sharding existed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from bot import build_parser, main
from coaching.shards import EVERY_SERVER, ShardOwnership, shard_of
from storage import reflections, rolodex, thanks
from storage.communities import ensure_community
from storage.db import Database, open_database
from storage.members import ensure_member
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import ReflectionSubscription, RolodexEntry
from storage.shards import only_owned, owned_clause
from tests.backends import database_url, migrated_database

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def guild_on(shard: int, shard_count: int, n: int = 0) -> int:
    """A realistic snowflake (2026-ish timestamp) on `shard` of `shard_count`."""
    base = 350_000_000_000 + 1000 * n  # ms since Discord's epoch (2015): about 2026
    base += (shard - base) % shard_count
    return (base << 22) | (n & 0x3FFFFF)


# -- the rule ------------------------------------------------------------------------------


def test_shard_of_is_discords_formula() -> None:
    guild = 41771983423143937  # timestamp part (id >> 22) is 9959216934 (2015-04-26)
    assert shard_of(guild, 1) == 0
    assert shard_of(guild, 4) == 9959216934 % 4 == 2
    for count in (1, 2, 3, 16):
        for shard in range(count):
            assert shard_of(guild_on(shard, count, 7), count) == shard


def test_ownership_owns_only_its_shards() -> None:
    mine = ShardOwnership(frozenset({1, 3}), 4)
    for shard in range(4):
        assert mine.owns(guild_on(shard, 4)) is (shard in {1, 3})
    assert not mine.owns_everything
    assert mine.describe() == "shards 1, 3 of 4"
    assert ShardOwnership(frozenset({2}), 4).describe() == "shard 2 of 4"


def test_no_shards_or_all_shards_own_everything() -> None:
    assert ShardOwnership.of(None, None) == EVERY_SERVER
    # shard_count without ids: the process runs every shard (AutoShardedBot launches them all)
    assert ShardOwnership.of(None, 4) == EVERY_SERVER
    assert ShardOwnership.of([0, 1, 2, 3], 4) == EVERY_SERVER  # every shard, named
    assert ShardOwnership.of(range(1), 1) == EVERY_SERVER
    assert EVERY_SERVER.owns_everything and EVERY_SERVER.describe() == "every server"
    assert all(EVERY_SERVER.owns(guild_on(s, 4)) for s in range(4))


@pytest.mark.parametrize(
    ("ids", "count", "problem"),
    [
        ([0], None, "need a shard count"),
        ([4], 4, "not below shard_count"),
        ([-1], 2, "not below shard_count"),
        ([], 2, "at least one shard"),
        ([0], 0, "at least 1"),
    ],
)
def test_bad_ownership_is_refused(ids: list[int], count: int | None, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        ShardOwnership.of(ids, count)


def test_cli_refuses_shards_outside_the_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert build_parser().parse_args(["run", "--shards", "2-3", "--shard-count", "4"]).shards == [
        2,
        3,
    ]
    assert main(["run", "--shards", "4", "--shard-count", "4"]) == 2
    assert "not below shard_count" in capsys.readouterr().err


# -- the SQL -------------------------------------------------------------------------------


def test_every_server_adds_no_sql_at_all() -> None:
    column = ReflectionSubscription.guild_id
    query = select(ReflectionSubscription.id).where(ReflectionSubscription.active.is_(True))
    assert owned_clause(column, EVERY_SERVER) is None
    assert only_owned(query, column, EVERY_SERVER) is query
    # The scheduler's hot query is the very same statement object (and compiled-SQL cache).
    assert reflections._due_for(EVERY_SERVER) is reflections._DUE


def test_owned_clause_sql_on_both_dialects() -> None:
    column = ReflectionSubscription.guild_id
    one = owned_clause(column, ShardOwnership(frozenset({1}), 2))
    two = owned_clause(column, ShardOwnership(frozenset({0, 2}), 4))
    assert one is not None and two is not None
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        mod = "%%" if dialect.name == "postgresql" else "%"  # pyformat escapes its percent
        assert str(one.compile(dialect=dialect)) == (
            f"(reflection_subscriptions.guild_id >> 22) {mod} 2 = 1"
        )
        assert str(two.compile(dialect=dialect)) == (
            f"(reflection_subscriptions.guild_id >> 22) {mod} 4 IN (0, 2)"
        )


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with migrated_database(request.param, tmp_path) as database:
        yield database


SHARDS = 3
# Two servers per shard; the second's rows are due later, so the next-due answers differ.
GUILDS = {shard: [guild_on(shard, SHARDS, 2 * shard + k) for k in range(2)] for shard in range(3)}


async def _seed(db: Database) -> None:
    async with db.session() as session:
        for shard, guilds in GUILDS.items():
            for k, guild_id in enumerate(guilds):
                due = NOW - timedelta(minutes=1) + timedelta(hours=10 * k + shard)
                community = await ensure_community(session, guild_id, now=NOW)
                community.thanks_channel_id = 1
                community.next_digest_at = due
                member = await ensure_member(session, guild_id, 500 + guild_id % 1000, now=NOW)
                session.add(
                    ReflectionSubscription(
                        member_id=member.id,
                        guild_id=guild_id,
                        timezone="UTC",
                        time_of_day="09:00",
                        next_send_at=due,
                        next_send_on=due.date(),
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
                session.add(
                    RolodexEntry(
                        guild_id=guild_id,
                        owner_member_id=member.id,
                        name=f"Friend {guild_id}",
                        name_key=f"friend {guild_id}",
                        cadence_days=14,
                        touch_due_at=due,
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )


@pytest.mark.parametrize("owned", [{0}, {1}, {2}, {0, 2}, None])
async def test_due_queries_read_only_owned_servers(db: Database, owned: set[int] | None) -> None:
    await _seed(db)
    owner = ShardOwnership.of(owned, SHARDS)
    shards = set(range(SHARDS)) if owned is None else owned
    mine = {g for s in shards for g in GUILDS[s]}
    due_now = {GUILDS[s][0] for s in shards if s == 0}  # only shard 0's first is due at NOW
    later = NOW + timedelta(hours=30)  # everything is due by then
    async with db.read() as session:
        rows = await reflections.due_schedules(session, now=later, limit=100, owner=owner)
        assert {row[2] for row in rows} == mine  # column 2 is guild_id
        rows = await reflections.due_schedules(session, now=NOW, limit=100, owner=owner)
        assert {row[2] for row in rows} == due_now
        digests = await thanks.due_digests(session, now=later, owner=owner)
        assert {c.guild_id for c in digests} == mine
        # "Sleep until the next due": the soonest among owned servers only.
        soonest = NOW - timedelta(minutes=1) + timedelta(hours=min(shards))
        assert await reflections.next_due_at(session, owner) == soonest
        assert await thanks.next_digest_due(session, owner) == soonest
        assert await rolodex.next_touch_due(session, owner) == soonest
    async with db.session() as session:
        touches = await rolodex.take_due_touch_reminders(session, now=later, limit=100, owner=owner)
        assert {entry.guild_id for entry, _, _ in touches} == mine
        assert {member.guild_id for _, member, _ in touches} == mine


async def test_processes_starting_at_once_migrate_once(tmp_path: Path) -> None:
    """Several processes start together (one unit per shard range): concurrent upgrades of
    a fresh database all succeed and leave it at head (PostgreSQL: an advisory lock)."""
    async with database_url("postgres", tmp_path) as url:
        engines = [open_database(url) for _ in range(3)]
        try:
            # (Without the lock they can block each other: a timeout makes that a failure.)
            await asyncio.wait_for(asyncio.gather(*(upgrade(db.engine) for db in engines)), 60)
            assert await current_revision(engines[0].engine) == head_revision()
        finally:
            for db in engines:
                await db.dispose()
