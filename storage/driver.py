"""Bulk statements at the driver level, for the hot paths (the scheduler tick, `enqueue_many`).

A tick writes 1,000 journal entries, outbox rows and subscription updates; through
`session.execute(statement, [dict, ...])` SQLAlchemy's per-row parameter handling (building
each row's parameters, then each column's bind processing) costs more than SQLite spends
writing them. So these statements are compiled once per dialect and run as one DBAPI
executemany of tuples whose values are already in driver form, converted by the columns' own
bind processors (`UTCDateTime`: naive UTC on SQLite, aware UTC on PostgreSQL): what is stored
is exactly what the ORM would store. Reads go the same way (`fetch_driver`).
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import JSON, Column, bindparam, inspect, select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.sql import Executable, Select

from storage.types import UTCDateTime

T = TypeVar("T")


def driver_converter(
    column: Column[Any], dialect: Dialect, *, memo: bool = True
) -> Callable[[Any], Any]:
    """Converts a value as `column`'s type binds it on `dialect`. With `memo`, each distinct
    value is converted once (a batch has one `now` and few distinct dates): make one per
    batch, and only for hashable values."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return _same
    if not memo:
        return process
    converted_values: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return converted_values[value]
        except KeyError:
            converted = converted_values[value] = process(value)
            return converted

    return convert


def _same(value: Any) -> Any:
    return value


def instant_converter(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any]:
    """`driver_converter` for a `UTCDateTime` column (make one per batch). On SQLite the text
    is built directly, several times faster than the generic processors, and once per distinct
    instant; it is checked against them once, and they are used if it ever differs."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return _same
    if dialect.name != "sqlite" or not isinstance(column.type, UTCDateTime):
        return process
    if any(_sqlite_utc_text(value) != process(value) for value in _INSTANT_SAMPLES):
        return process

    # Members who share a zone and a time share their next instant (send_instant is cached).
    converted_values: dict[datetime, str] = {}

    def convert(value: datetime | None) -> Any:
        if value is None or value.tzinfo is None:
            return process(value)  # None, or the type's refusal of a naive datetime
        try:
            return converted_values[value]
        except KeyError:
            converted = converted_values[value] = _sqlite_utc_text(value)
            return converted

    return convert


def _sqlite_utc_text(value: datetime) -> str:
    # "2026-03-09 08:30:00.000000": naive UTC in SQLAlchemy's SQLite format (what UTCDateTime
    # stores there); isoformat of an aware UTC datetime, without its "+00:00".
    if value.tzinfo is not UTC:  # the scheduler's instants are UTC already
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


_INSTANT_SAMPLES = (
    datetime(2026, 3, 9, 8, 30, tzinfo=UTC),
    datetime(987, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 30, 59, 999999, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
)


@functools.lru_cache(maxsize=32)
def _compiled(statement: Executable, dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    compiled = statement.compile(dialect=dialect)
    return compiled.string, tuple(compiled.positiontup or ()) if compiled.positional else None


async def executemany_driver(
    session: AsyncSession, statement: Executable, names: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """One executemany of `statement` (untyped bind parameters called `names`) with `rows`,
    tuples in the order of `names`, values already converted (`driver_converter`)."""
    if not rows:
        return
    connection = await session.connection()
    sql, order = _compiled(statement, connection.dialect)
    names = tuple(names)
    params: list[Any] = rows
    if order is None:  # a named paramstyle
        params = [dict(zip(names, row, strict=True)) for row in rows]
    elif order != names:
        positions = [names.index(name) for name in order]
        params = [tuple(row[i] for i in positions) for row in rows]
    aiosqlite_connection = await aiosqlite_of(connection)
    if aiosqlite_connection is not None:
        await aiosqlite_connection.executemany(sql, params)
    else:
        await connection.exec_driver_sql(sql, params)


async def aiosqlite_of(connection: AsyncConnection) -> Any | None:
    """The aiosqlite connection under `connection` (in its transaction), or None on other
    drivers. Through SQLAlchemy a statement is three or four hand-offs to aiosqlite's thread
    (cursor, execute, fetch, close), each a thread wake-up and an event-loop turn; aiosqlite's
    own executemany and execute_fetchall are one each."""
    if connection.dialect.driver != "aiosqlite":
        return None
    raw = await connection.get_raw_connection()
    return raw.driver_connection


@functools.lru_cache(maxsize=32)
def _compiled_query(statement: Select[Any], dialect: Dialect) -> _DriverQuery:
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ()) if compiled.positional else None
    return _DriverQuery(
        sql=compiled.string,
        names=names,
        binds={
            name: bind.type.dialect_impl(dialect).bind_processor(dialect) or _same
            for name, bind in compiled.binds.items()
        },
        defaults={name: bind.value for name, bind in compiled.binds.items()},
        results=tuple(_result_converter(column, dialect) for column in statement.selected_columns),
    )


def _result_converter(column: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column's result processing; for a `UTCDateTime` on SQLite, a direct parse of the
    stored text (a third of the cost of the generic processor chain), checked against the
    generic one once and used only if they agree."""
    process = column.type.dialect_impl(dialect).result_processor(dialect, None)
    if process is None or dialect.name != "sqlite" or not isinstance(column.type, UTCDateTime):
        return process
    samples = [_sqlite_utc_text(value) for value in _INSTANT_SAMPLES]
    if any(_parse_sqlite_utc(text) != process(text) for text in samples):
        return process
    return _parse_sqlite_utc


def _parse_sqlite_utc(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


class _DriverQuery(NamedTuple):
    sql: str
    names: tuple[str, ...] | None  # positional parameters in order; None: named style
    binds: dict[str, Callable[[Any], Any]]  # name -> its type's bind processing
    defaults: dict[str, Any]  # values the statement carries itself (e.g. SQLite's OFFSET 0)
    results: tuple[Callable[[Any], Any] | None, ...]


async def fetch_driver(
    session: AsyncSession, statement: Select[Any], params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """Run a select and return its rows as plain tuples, converted by the selected columns'
    own result processors: what SQLAlchemy returns, without its per-row result machinery,
    which for the scheduler's 1,000 rows costs more than SQLite's work. (The processors are
    taken without the driver's type codes: fine for the plain column types used here.)"""
    connection = await session.connection()
    query = _compiled_query(statement, connection.dialect)
    if query.names is None:  # a named paramstyle (neither aiosqlite nor asyncpg): plain path
        return [tuple(row) for row in await connection.execute(statement, params)]
    arguments = _arguments(query, params)
    aiosqlite_connection = await aiosqlite_of(connection)
    if aiosqlite_connection is not None:
        rows = list(await aiosqlite_connection.execute_fetchall(query.sql, arguments))
    else:
        result = await connection.exec_driver_sql(query.sql, arguments)
        rows = result.cursor.fetchall()  # the driver's buffered rows, without Row objects
        result.close()
    return _converted(query, rows)


def fetch_sqlite(
    connection: sqlite3.Connection,
    dialect: Dialect,
    statement: Select[Any],
    params: dict[str, Any],
) -> list[tuple[Any, ...]]:
    """`fetch_driver` on a plain sqlite3 connection (no session, no SQLAlchemy connection):
    the statement runs here and now, on the caller's thread. `dialect`: the SQLite dialect
    the statement is compiled for (its paramstyle is positional)."""
    query = _compiled_query(statement, dialect)
    assert query.names is not None, "SQLite's paramstyle is positional"
    return _converted(query, connection.execute(query.sql, _arguments(query, params)).fetchall())


def _arguments(query: _DriverQuery, params: dict[str, Any]) -> tuple[Any, ...]:
    assert query.names is not None
    return tuple(
        query.binds[name](params[name] if name in params else query.defaults[name])
        for name in query.names
    )


def _converted(query: _DriverQuery, rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    if not rows or not any(query.results):
        return [tuple(row) for row in rows]
    columns: list[Any] = list(zip(*rows, strict=True))
    for i, process in enumerate(query.results):
        if process is not None:
            columns[i] = map(process, columns[i])
    return list(zip(*columns, strict=True))


@functools.lru_cache(maxsize=64)
def multirow_sql(template: str, rows: int, width: int) -> str:
    """`template` with `{rows}` replaced by `rows` groups of `width` placeholders: one
    multi-row statement (SQLite's VALUES lists), its text cached per size."""
    row = "(" + ", ".join("?" * width) + ")"
    return template.format(rows=", ".join([row] * rows))


class _RowShape(NamedTuple):
    keys: tuple[str, ...]  # the mapped attributes, in the order `select` returns them
    select: Select[Any]  # their columns, where each primary-key column equals its bindparam
    primary_key: tuple[str, ...]  # the primary key's attributes, named as the bindparams


@functools.cache
def _row_shape(entity: type[Any]) -> _RowShape:
    mapper = inspect(entity)
    # JSON comes back decoded by asyncpg's codec but as text from SQLite: models with JSON
    # columns are left to the ORM.
    assert not any(isinstance(column.type, JSON) for column in mapper.columns), entity
    primary_key = tuple(mapper.get_property_by_column(column).key for column in mapper.primary_key)
    statement = columns_of(entity).where(
        *(
            column == bindparam(key)
            for column, key in zip(mapper.primary_key, primary_key, strict=True)
        )
    )
    keys = tuple(attribute.key for attribute in mapper.column_attrs)
    return _RowShape(keys, statement, primary_key)


async def load_by_key(session: AsyncSession, entity: type[T], key: Any) -> T | None:
    """`session.get(entity, key)` (a one-column primary key) with the row read at the driver
    level (`fetch_driver`). The ORM's load of one row (its query context, result metadata and
    row processor, built per query) costs SQLAlchemy several times the statement; the hot
    commands each load their member and community rows. Same result: the instance already in
    the session if there is one, else a persistent instance with every column loaded and no
    pending change, which later changes flush as usual."""
    mapper = inspect(entity)
    existing = session.sync_session.identity_map.get(mapper.identity_key_from_primary_key([key]))
    if existing is not None and not inspect(existing).expired_attributes:
        return cast(T, existing)
    shape = _row_shape(entity)
    return await load_one(session, entity, shape.select, {shape.primary_key[0]: key})


async def load_one(
    session: AsyncSession, entity: type[T], statement: Select[Any], params: dict[str, Any]
) -> T | None:
    """The `entity` instance of the first row of `statement`, a select of the columns of
    `_row_shape(entity).keys` in that order (e.g. `columns_of(entity).where(...)`), read at
    the driver level; what `session.scalar(select(entity).where(...))` returns."""
    rows = await fetch_rows(session, statement, params)
    if not rows:
        return None
    return await _persistent(session, entity, rows[0])


async def fetch_rows(
    session: AsyncSession, statement: Select[Any], params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """`session.execute(statement, params)`'s rows as tuples, read at the driver level
    (`fetch_driver`), after the ORM's autoflush: for the small column selects of the hot
    commands, whose ORM execution costs SQLAlchemy more than SQLite's work. The statement must
    compile to plain bound parameters (no `in_` of a list: it expands at execution)."""
    if session.new or session.dirty or session.deleted:
        await session.flush()  # the ORM's autoflush before a query
    return await fetch_driver(session, statement, params)


def columns_of(entity: type[Any]) -> Select[Any]:
    """A select of `entity`'s mapped columns, in the order `load_one` expects."""
    mapper = inspect(entity)
    return select(*(attribute.columns[0] for attribute in mapper.column_attrs))


async def _persistent(session: AsyncSession, entity: type[T], row: tuple[Any, ...]) -> T:
    mapper = inspect(entity)
    shape = _row_shape(entity)
    values = dict(zip(shape.keys, row, strict=True))
    identity = mapper.identity_key_from_primary_key([values[key] for key in shape.primary_key])
    existing = session.sync_session.identity_map.get(identity)
    if existing is not None:
        if inspect(existing).expired_attributes:
            # The ORM's load would fill them in from the row: reloaded (rare: units here
            # don't expire on commit).
            await session.refresh(existing)
        return cast(T, existing)
    # Values in the instance's __dict__ are what SQLAlchemy treats as loaded, unchanged
    # state (as its own loading sets them); make_transient_to_detached gives the instance
    # its identity, and add() makes it persistent in this session.
    instance = mapper.class_manager.new_instance()
    instance.__dict__.update(values)
    make_transient_to_detached(instance)
    session.add(instance)
    return cast(T, instance)
