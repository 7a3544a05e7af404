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
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql import Select
from sqlalchemy.util import await_only

from storage import inline_sqlite
from storage.driver import fetch_driver, fetch_sqlite

SQLITE_BUSY_TIMEOUT_MS = 10_000
# SQLite copies the write-ahead log into the database file (a checkpoint) when a commit takes
# the log past `wal_autocheckpoint` pages, and that commit pays for it: a scheduler tick or a
# member's command then also copies megabytes. The bot checkpoints from a background task
# instead (`checkpoint_every`); the automatic checkpoint stays, at a larger size, as a safety
# net for a process that doesn't run the task (`bot.py db copy`, a script).
WAL_AUTOCHECKPOINT_PAGES = 10_000  # 40 MB of log with 4 KiB pages
CHECKPOINT_INTERVAL_SECONDS = 30.0
# Reading connections kept open on SQLite: each is a thread of aiosqlite's, and one opened
# for a moment of many readers (a burst of commands) costs a thread and its set-up.
READ_POOL_SIZE = 10
# Inline readers (below) are plain SQLite handles, no thread each: a burst may open many.
READ_POOL_OVERFLOW = 40
INLINE_READ_BUSY_TIMEOUT_MS = 100
# An inline write connection that finds SQLite's write lock taken by another process tries
# again after this long, doubling up to the maximum (seconds), until SQLITE_BUSY_TIMEOUT_MS.
INLINE_BUSY_FIRST_WAIT = 0.002
INLINE_BUSY_MAX_WAIT = 0.1
_BEGIN_OPTION = "kindred_sqlite_begin"
log = logging.getLogger(__name__)


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a file-based SQLite database, so a fresh checkout just works."""
    path = _sqlite_file(url)
    if path is not None:
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    ensure_sqlite_directory(url)
    if _sqlite_file(url) is not None:
        kwargs.setdefault("pool_size", READ_POOL_SIZE)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _sqlite_file(url: str) -> str | None:
    """The file of a file-based SQLite URL, else None."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    return parsed.database


def create_inline_engine(url: str, *, reads: bool = False, **kwargs: Any) -> AsyncEngine | None:
    """On a SQLite file: an engine whose connections run statements on the event loop's
    thread (`storage.inline_sqlite`); None elsewhere. `reads`: for read-only units (a pool
    as large as the threaded one: a read unit may stay open across a reply)."""
    path = _inline_path(url)
    if path is None:
        return None
    kwargs.update(
        async_creator=inline_sqlite.connector(path),
        pool_size=READ_POOL_SIZE if reads else 1,
        max_overflow=READ_POOL_OVERFLOW if reads else 2,
    )
    engine = create_async_engine(url, **kwargs)
    _configure_sqlite(engine, inline="reads" if reads else "writes")
    return engine


def _inline_path(url: str) -> str | None:
    path = _sqlite_file(url)
    return None if path is None else str(Path(path).expanduser())


def _configure_sqlite(engine: AsyncEngine, *, inline: str | None = None) -> None:
    """`inline`: "writes" or "reads" for the engines of `create_inline_engine`."""
    busy_timeout = {
        None: SQLITE_BUSY_TIMEOUT_MS,
        "writes": 0,
        "reads": INLINE_READ_BUSY_TIMEOUT_MS,
    }[inline]

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to us (the "begin" hook below) instead of the driver,
        # which would otherwise BEGIN DEFERRED lazily on the first write.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # An inline connection must not wait inside SQLite: that would stop the event loop.
        # A write unit waits in `_begin_inline` instead, with the usual limit; a reader
        # meets a busy database only in SQLite's rare moments (a log being recovered or
        # truncated by another process), so it waits briefly there.
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout}")
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
        if inline == "writes" and _begin_inline(connection, mode):
            return
        if inline == "reads":
            # Straight to SQLite (a deferred BEGIN takes no lock, so it is never busy):
            # SQLAlchemy's statement machinery cost more than the BEGIN for every read unit.
            connection.connection.driver_connection.sqlite.execute(f"BEGIN {mode}")
            return
        connection.exec_driver_sql(f"BEGIN {mode}")


def _begin_inline(connection: Any, mode: str) -> bool:
    """BEGIN `mode` on an inline connection, waiting without blocking the event loop; False
    when SQLite stayed busy until the busy timeout.

    An inline connection (`storage.inline_sqlite`) runs on the loop's thread with
    busy_timeout 0: while another process (`bot.py db copy`, a script, a checkpoint) holds
    SQLite's write lock, its BEGIN IMMEDIATE fails at once with SQLITE_BUSY, and we sleep on
    the loop (heartbeats and commands go on) and try again, backing off, until the busy
    timeout. Called from SQLAlchemy's "begin" event, which runs in SQLAlchemy's greenlet:
    `await_only` hands the sleep to the loop. On False the caller runs the BEGIN through
    SQLAlchemy once more, which then fails with SQLAlchemy's "database is locked" error, as
    a busy timeout did before."""
    sqlite = connection.connection.driver_connection.sqlite
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = INLINE_BUSY_FIRST_WAIT
    while True:
        try:
            sqlite.execute(f"BEGIN {mode}")
            return True
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                return False
        await_only(asyncio.sleep(delay))
        delay = min(delay * 2, INLINE_BUSY_MAX_WAIT)


def after_commit(session: AsyncSession, callback: Callable[[], object]) -> None:
    """Call `callback` once `session`'s unit of work has committed; never if it rolls back
    (for what a process remembers about rows: only committed ones)."""
    event.listen(session.sync_session, "after_commit", lambda _session: callback(), once=True)


@dataclass(slots=True)
class TurnStats:
    """How long this process's write units waited for the write turn and held it, by who
    held it ("commands": slash commands, buttons and forms; "background": the courier and
    schedulers). Seconds; the last `KEEP` of each, for percentiles (`bot.py run` logs them
    on SIGUSR1, and the burst bench reads them from the log)."""

    KEEP = 20_000
    waits: dict[str, list[float]] = field(default_factory=dict)
    holds: dict[str, list[float]] = field(default_factory=dict)

    def record(self, who: str, wait: float, hold: float) -> None:
        for store, value in ((self.waits, wait), (self.holds, hold)):
            values = store.setdefault(who, [])
            if len(values) >= self.KEEP:
                del values[: self.KEEP // 2]
            values.append(value)

    def summary(self) -> dict[str, dict[str, float]]:
        """Per holder: units, and the total/median/p99 of the waits and holds in ms."""
        found: dict[str, dict[str, float]] = {}
        for who, waits in self.waits.items():
            holds = self.holds[who]
            found[who] = {"units": len(waits)}
            for name, values in (("wait", waits), ("hold", holds)):
                ordered = sorted(values)
                found[who][f"{name}_total_ms"] = round(sum(ordered) * 1000, 1)
                found[who][f"{name}_median_ms"] = round(ordered[len(ordered) // 2] * 1000, 2)
                p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
                found[who][f"{name}_p99_ms"] = round(p99 * 1000, 2)
        return found


@asynccontextmanager
async def _inline_unit(
    maker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """`maker.begin()` for the inline SQLite engines (`storage.inline_sqlite`): the same
    commit on success and rollback on error, without the task SQLAlchemy starts to close
    the session under `asyncio.shield`. That shield keeps a close from being cut short by a
    cancellation while it waits on the database; an inline connection never waits (its
    calls run where they are awaited), so there it only cost a task, an event-loop turn
    with the write turn held, and about a quarter of a unit's own CPU."""
    session = maker()
    try:
        async with session.begin():
            yield session
    finally:
        await session.close()


def _holder(task: asyncio.Task[Any] | None) -> str:
    # discord.py runs app commands in tasks named "CommandTree-invoker", and views and forms
    # in tasks named "discord-ui-..."; everything else is background work.
    name = task.get_name() if task is not None else ""
    return "commands" if name.startswith(("CommandTree", "discord-ui")) else "background"


@dataclass(slots=True)
class Database:
    """The engines plus the two ways to open a unit of work."""

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
    # On SQLite, write units run on the loop's thread (`storage.inline_sqlite`); None: they
    # use `engine`.
    write_engine: AsyncEngine | None = None
    read_engine: AsyncEngine | None = None  # inline readers on SQLite
    # Reads on aiosqlite's threads (`read(offload=True)`); None: `read_sessionmaker`'s.
    offload_sessionmaker: async_sessionmaker[AsyncSession] | None = None
    turns: TurnStats = field(default_factory=TurnStats)
    # On a SQLite file: where `fetch` opens its plain sqlite3 handle (None: it uses `read`).
    quick_path: str | None = None
    _quick: sqlite3.Connection | None = None

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
        asked = time.perf_counter()
        async with self.write_turn:
            self.writer = task
            got = time.perf_counter()
            try:
                if self.write_engine is None:
                    async with self.sessionmaker.begin() as session:
                        yield session
                else:
                    async with _inline_unit(self.sessionmaker) as session:
                        yield session
            finally:
                self.writer = None
                self.turns.record(_holder(task), got - asked, time.perf_counter() - got)

    @asynccontextmanager
    async def read(self, *, offload: bool = False) -> AsyncIterator[AsyncSession]:
        """A unit of work that only reads. On SQLite its statements run on the event loop's
        thread (`storage.inline_sqlite`): a command's few indexed reads cost less there than
        the hand-offs to a thread. `offload`: a long read (a year of a community's insights)
        runs on aiosqlite's threads instead, so the loop goes on meanwhile."""
        if self.read_engine is not None and not offload:
            async with _inline_unit(self.read_sessionmaker) as session:
                yield session
            return
        maker = self.offload_sessionmaker if offload else self.read_sessionmaker
        async with (maker or self.read_sessionmaker).begin() as session:
            yield session

    async def fetch(self, statement: Select[Any], params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """One read statement on its own, outside any unit of work: its rows as tuples
        (`storage.driver.fetch_driver`). For the question every interaction asks before its
        command runs (are this member's DMs closed?): a read unit's session, connection
        checkout, BEGIN and COMMIT cost several times the statement. On a SQLite file it runs
        on one plain sqlite3 handle of this process's, on the loop's thread, in autocommit
        (a single statement is its own consistent read, as in a read unit); elsewhere in a
        read unit."""
        if self.quick_path is None:
            async with self.read() as session:
                return await fetch_driver(session, statement, params)
        if self._quick is None:
            self._quick = _quick_connection(self.quick_path)
        return fetch_sqlite(self._quick, self.engine.dialect, statement, params)

    async def check_writable(self) -> None:
        """On SQLite, take the write lock once and let it go: a file another program holds
        (a tool, another Kindred) then fails at start, after the usual busy timeout, with
        "database is locked", not at a member's first command. A no-op on PostgreSQL."""
        if self.write_turn is None:
            return
        async with self.session() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self._quick is not None:
            self._quick.close()
            self._quick = None
        for inline in (self.write_engine, self.read_engine):
            if inline is not None:
                await inline.dispose()
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


def _quick_connection(path: str) -> sqlite3.Connection:
    """`Database.fetch`'s handle: autocommit (no transaction held between statements, so it
    never keeps a checkpoint from finishing), and like the inline readers it waits at most
    INLINE_READ_BUSY_TIMEOUT_MS inside SQLite (it runs on the event loop's thread)."""
    # check_same_thread=False: closed by whoever disposes the database; used on the loop's.
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute(f"PRAGMA busy_timeout={INLINE_READ_BUSY_TIMEOUT_MS}")
    return connection


def open_database(url: str, **engine_kwargs: Any) -> Database:
    engine = create_engine(url, **engine_kwargs)
    writer = create_inline_engine(url, **engine_kwargs)
    inline_reader = create_inline_engine(url, reads=True, **engine_kwargs)
    deferred = {_BEGIN_OPTION: "DEFERRED"}
    threaded_reader = engine.execution_options(**deferred)
    reader = inline_reader.execution_options(**deferred) if inline_reader else threaded_reader
    return Database(
        engine=engine,
        sessionmaker=async_sessionmaker(writer or engine, expire_on_commit=False),
        read_sessionmaker=async_sessionmaker(reader, expire_on_commit=False),
        write_turn=asyncio.Lock() if engine.dialect.name == "sqlite" else None,
        write_engine=writer,
        read_engine=inline_reader,
        offload_sessionmaker=async_sessionmaker(threaded_reader, expire_on_commit=False),
        quick_path=_inline_path(url) if inline_reader else None,
    )
