"""Engine and sessions.

The caller owns the unit of work: `async with db.session() as s:` opens one transaction that
commits on success and rolls back on error. On SQLite those transactions start with
`BEGIN IMMEDIATE`: a deferred transaction that reads and then writes fails with
"database is locked" when another writer got there first, whatever the busy timeout.
`db.read()` opens a deferred (read-only by convention) transaction, which never blocks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 10_000
# SQLite copies the write-ahead log into the database file (a checkpoint) when a commit takes
# the log past `wal_autocheckpoint` pages, and that commit pays for it: a scheduler tick or a
# member's command then also copies megabytes. The bot checkpoints from a background task
# instead (`checkpoint_every`); the automatic checkpoint stays, at a larger size, as a safety
# net for a process that doesn't run the task (`bot.py db copy`, a script).
WAL_AUTOCHECKPOINT_PAGES = 10_000  # 40 MB of log with 4 KiB pages
CHECKPOINT_INTERVAL_SECONDS = 30.0
_BEGIN_OPTION = "kindred_sqlite_begin"
log = logging.getLogger(__name__)


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a file-based SQLite database, so a fresh checkout just works."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return
    Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    ensure_sqlite_directory(url)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to us (the "begin" hook below) instead of the driver,
        # which would otherwise BEGIN DEFERRED lazily on the first write.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        # Deleted rows are overwritten with zeros, not just marked free: what a member
        # deletes can't be read back from the database file (`Database.scrub` empties the log).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


@dataclass(slots=True)
class Database:
    """The engine plus the two ways to open a unit of work."""

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    read_sessionmaker: async_sessionmaker[AsyncSession]
    # SQLite has one writer at a time. Left to SQLite, waiting writers poll with growing
    # sleeps and no order: under 50 concurrent writers one can wait 9 s (past Discord's 3 s
    # deadline and near the busy timeout) while later ones get in. Queuing this process's
    # write units here, first come first served, makes the wait fair and short; SQLite's own
    # lock still guards against other processes. None on PostgreSQL (row-level locks).
    write_turn: asyncio.Lock | None = None
    writer: asyncio.Task[Any] | None = None  # the task whose write unit is open (SQLite)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work that may write; commits at the end of the block.

        On SQLite, don't open one inside another in the same task: the second would wait
        for the first forever (as it would for SQLite's own write lock)."""
        if self.write_turn is None:
            async with self.sessionmaker.begin() as session:
                yield session
            return
        task = asyncio.current_task()
        if task is not None and task is self.writer:
            raise RuntimeError("a write unit of work inside another one in the same task")
        async with self.write_turn:
            self.writer = task
            try:
                async with self.sessionmaker.begin() as session:
                    yield session
            finally:
                self.writer = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A unit of work that only reads."""
        async with self.read_sessionmaker.begin() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()

    async def checkpoint(self, mode: str = "PASSIVE") -> tuple[int, int] | None:
        """Copy the SQLite write-ahead log into the database file; PASSIVE doesn't wait for
        readers or writers. (log pages, pages copied), or None when not on SQLite (or, for
        another mode, when readers kept it from finishing)."""
        if self.engine.dialect.name != "sqlite":
            return None
        async with self.engine.connect() as connection:
            # On the driver connection directly: SQLAlchemy would open a transaction first,
            # and a checkpoint can't run inside one.
            raw = await connection.get_raw_connection()
            rows = await raw.driver_connection.execute_fetchall(f"PRAGMA wal_checkpoint({mode})")
            busy, log_pages, copied = rows[0]
        if busy and mode != "PASSIVE":
            return None
        return int(log_pages), int(copied)

    async def scrub(self, attempts: int = 5) -> bool:
        """After a member's data is deleted: every page of the write-ahead log copied into the
        database file and the log truncated to nothing, so a copy of the files holds none of
        what was deleted (the pages themselves were zeroed: secure_delete). False when readers
        kept it from finishing every time (the next delete, or a restart, finishes it). On
        PostgreSQL there is nothing to do here (see docs/deploy.md)."""
        if self.engine.dialect.name != "sqlite":
            return True
        for attempt in range(attempts):
            assert self.write_turn is not None
            # This process's writers wait their turn, so none holds the log meanwhile.
            async with self.write_turn:
                done = await self.checkpoint("TRUNCATE")
            if done is not None:
                return True
            await asyncio.sleep(0.1 * (attempt + 1))
        log.warning("could not truncate the write-ahead log after a delete; readers were busy")
        return False

    async def checkpoint_every(self, seconds: float = CHECKPOINT_INTERVAL_SECONDS) -> None:
        """Checkpoint every `seconds` until cancelled (the bot runs this in the background)."""
        if self.engine.dialect.name != "sqlite":
            return
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.checkpoint()
            except Exception:  # a busy or failing checkpoint is retried next time
                log.warning("WAL checkpoint failed; retrying in %.0f s", seconds, exc_info=True)


def open_database(url: str, **engine_kwargs: Any) -> Database:
    engine = create_engine(url, **engine_kwargs)
    reader = engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"})
    return Database(
        engine=engine,
        sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
        read_sessionmaker=async_sessionmaker(reader, expire_on_commit=False),
        write_turn=asyncio.Lock() if engine.dialect.name == "sqlite" else None,
    )
