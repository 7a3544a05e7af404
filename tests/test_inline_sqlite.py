"""Write units on SQLite run inline on the event loop (storage.inline_sqlite): while another
process holds SQLite's write lock, they wait without stopping the loop."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

import storage.db
from storage.communities import ensure_community, get_community
from tests.backends import migrated_database

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _hold_write_lock(path: Path, taken: threading.Event, release: threading.Event) -> None:
    """Another "process": a plain sqlite3 connection holding the write lock until told."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("CREATE TABLE IF NOT EXISTS other_writer (x INTEGER)")
        taken.set()
        release.wait(30)
        connection.execute("COMMIT")
    finally:
        connection.close()


@contextlib.asynccontextmanager
async def _write_lock_held(path: Path) -> AsyncIterator[threading.Event]:
    """Another process holds SQLite's write lock on `path` until the event yielded is set
    (or the block ends)."""
    taken, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, taken, release))
    holder.start()
    try:
        assert await asyncio.to_thread(taken.wait, 10)
        yield release
    finally:
        release.set()
        holder.join()


async def _ticks(counter: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        await asyncio.sleep(0.01)
        counter[0] += 1


@pytest.fixture
async def db(tmp_path: Path):
    async with migrated_database("sqlite", tmp_path) as database:
        yield database


async def test_write_units_run_on_inline_connections(db) -> None:
    assert db.write_engine is not None
    async with db.session() as session:
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        assert type(raw.driver_connection).__name__ == "InlineConnection"
        await ensure_community(session, 1, now=NOW, name="One")
    async with db.read() as session:
        assert (await get_community(session, 1)) is not None


async def test_write_waits_for_another_process_without_blocking_the_loop(
    db, tmp_path: Path
) -> None:
    async with _write_lock_held(tmp_path / "kindred.db") as release:
        counter, stop = [0], asyncio.Event()
        ticker = asyncio.create_task(_ticks(counter, stop))

        async def write() -> None:
            async with db.session() as session:
                await ensure_community(session, 2, now=NOW, name="Two")

        writing = asyncio.create_task(write())
        await asyncio.sleep(0.3)
        # Still waiting for the other writer, and the loop kept running meanwhile.
        assert not writing.done()
        assert counter[0] >= 5
        release.set()
        await asyncio.wait_for(writing, 10)
        stop.set()
        await ticker
    async with db.read() as session:
        community = await get_community(session, 2)
    assert community is not None and community.name == "Two"


async def test_write_gives_up_after_the_busy_timeout(
    db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage.db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    async with _write_lock_held(tmp_path / "kindred.db"):
        with pytest.raises(OperationalError, match="database is locked"):
            async with db.session() as session:
                await ensure_community(session, 3, now=NOW, name="Three")
    # The connection is usable again once the other writer is done.
    async with db.session() as session:
        await ensure_community(session, 3, now=NOW, name="Three")


async def test_reads_run_inline_unless_offloaded(db) -> None:
    async with db.session() as session:
        await ensure_community(session, 4, now=NOW, name="Four")
    for offload, inline in ((False, True), (True, False)):
        async with db.read(offload=offload) as session:
            connection = await session.connection()
            raw = await connection.get_raw_connection()
            assert (type(raw.driver_connection).__name__ == "InlineConnection") is inline
            assert (await get_community(session, 4)) is not None


async def test_an_inline_unit_that_fails_or_is_cancelled_rolls_back(db) -> None:
    """Inline units close their session without SQLAlchemy's shielded task (storage.db
    `_inline_unit`): an error or a cancellation inside one still rolls it back, and the
    connection goes back to the pool out of its transaction, so the next unit begins."""
    with pytest.raises(RuntimeError):
        async with db.session() as session:
            await ensure_community(session, 5, now=NOW, name="Five")
            raise RuntimeError("the command failed")

    inside = asyncio.Event()

    async def cancelled_unit() -> None:
        async with db.session() as session:
            await ensure_community(session, 6, now=NOW, name="Six")
            inside.set()
            await asyncio.sleep(30)

    task = asyncio.create_task(cancelled_unit())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with db.session() as session:
        await ensure_community(session, 7, now=NOW, name="Seven")
    async with db.read() as session:
        assert await get_community(session, 5) is None
        assert await get_community(session, 6) is None
        assert await get_community(session, 7) is not None
    # Nothing left open: the write lock is free for another process.
    other = sqlite3.connect(str(db.engine.url.database), isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
