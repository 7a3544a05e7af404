"""aiosqlite's connection API without its thread: each call runs at once, on the caller's thread.

aiosqlite runs every call on a worker thread and hands the result back through the event
loop: a statement is four such hand-offs (cursor, execute, fetch, close), each costing a
loop iteration. Inside a write unit that matters twice: the CPU of the hand-offs, and the
write turn held across every loop iteration (another task's parsing, rendering and HTTP
run in between), so 50 members' write units queued behind hold times many times their
own work. SQLite itself takes tens of microseconds for a command's statements.

`Database` uses these connections for write units on SQLite (see `storage.db`): a unit then
runs from BEGIN IMMEDIATE to COMMIT without giving the loop away, so its hold of the write
turn is its own CPU time. Reads keep aiosqlite's thread: a long count (a year of insights)
must not stop the loop.

SQLAlchemy's aiosqlite dialect drives this unchanged (`create_async_engine(...,
async_creator=...)`): awaiting a coroutine that never suspends returns at once, so its
greenlet hand-offs cost a switch each and no loop iteration.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import aiosqlite


class _RunNow:
    """Stands in for aiosqlite's queue to its thread: runs each call as it is queued.
    (SQLAlchemy sets `isolation_level` through the queue directly.)"""

    def put_nowait(self, item: tuple[Any, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:
            if future is not None and not future.done():
                future.set_exception(error)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the calling thread."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The sqlite3 connection underneath (statements on it run here and now)."""
        if self._connection is None:
            raise ValueError("Connection closed")
        return self._connection

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Any:
        # No worker thread to start.
        return self._connect().__await__()


def connector(path: str) -> Callable[[], Any]:
    """An `async_creator` for SQLAlchemy: a new inline connection to the file at `path`."""

    async def connect() -> InlineConnection:
        # check_same_thread=False: the pool may close a connection from the thread that
        # garbage-collects it; every statement still runs on the event loop's thread.
        return await InlineConnection(lambda: sqlite3.connect(path, check_same_thread=False))

    return connect
