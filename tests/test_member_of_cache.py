"""`cogs.common.member_of` remembers communities whose row is committed, so a member's
command needn't look the row up; a rolled-back unit leaves nothing remembered."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from cogs.common import member_of
from storage.communities import get_community
from storage.courier import mark_member_unreachable
from storage.members import has_unreachable_rows, mark_reachable_again
from tests.backends import migrated_database

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _bot(db) -> SimpleNamespace:
    return SimpleNamespace(
        db=db,
        known_communities={},
        clock=SimpleNamespace(now=lambda: NOW),
        settings=SimpleNamespace(default_timezone="UTC", default_prompt_time="09:00"),
    )


def _interaction(guild_id: int, name: str, user_id: int) -> SimpleNamespace:
    return SimpleNamespace(
        guild=SimpleNamespace(id=guild_id, name=name), user=SimpleNamespace(id=user_id)
    )


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path):
    async with migrated_database(request.param, tmp_path) as database:
        yield database


async def test_a_committed_community_is_remembered_and_a_rename_still_saved(db) -> None:
    bot = _bot(db)
    async with db.session() as session:
        await member_of(bot, session, _interaction(7, "Meetup", 1))
    assert bot.known_communities == {7: "Meetup"}
    async with db.session() as session:
        member = await member_of(bot, session, _interaction(7, "Meetup", 2))
        assert member.guild_id == 7
    async with db.session() as session:
        await member_of(bot, session, _interaction(7, "Meetup Lisbon", 1))
    async with db.read() as session:
        community = await get_community(session, 7)
    assert community is not None and community.name == "Meetup Lisbon"
    assert bot.known_communities == {7: "Meetup Lisbon"}


async def test_a_rolled_back_unit_leaves_nothing_remembered(db) -> None:
    bot = _bot(db)
    with pytest.raises(RuntimeError):
        async with db.session() as session:
            await member_of(bot, session, _interaction(8, "Gone", 1))
            raise RuntimeError("the command failed")
    assert bot.known_communities == {}
    # The next command creates the row (and member) as if nothing had happened.
    async with db.session() as session:
        await member_of(bot, session, _interaction(8, "Gone", 1))
    async with db.read() as session:
        assert await get_community(session, 8) is not None


async def test_unreachable_rows_are_found_at_the_driver_level(db) -> None:
    bot = _bot(db)
    async with db.session() as session:
        member = await member_of(bot, session, _interaction(9, "Nine", 42))
        await mark_member_unreachable(session, member.id, now=NOW, error="DMs closed (50007)")
    assert await has_unreachable_rows(db, 42)
    assert not await has_unreachable_rows(db, 43)
    async with db.session() as session:
        assert await mark_reachable_again(session, 42, now=NOW) == 1
    assert not await has_unreachable_rows(db, 42)


async def test_a_single_statement_read_sees_each_commit(db) -> None:
    """`Database.fetch` (the DM check) runs on its own sqlite3 handle outside any unit of
    work: it sees every committed change at once, and no change still uncommitted."""
    bot = _bot(db)
    async with db.session() as session:
        member = await member_of(bot, session, _interaction(10, "Ten", 77))
    assert not await has_unreachable_rows(db, 77)
    async with db.session() as session:
        await mark_member_unreachable(session, member.id, now=NOW, error="DMs closed (50007)")
        assert not await has_unreachable_rows(db, 77)  # not committed yet
    assert await has_unreachable_rows(db, 77)
    async with db.session() as session:
        await mark_reachable_again(session, 77, now=NOW)
    assert not await has_unreachable_rows(db, 77)
