"""Queries for reflection subscriptions, the journal, quiet days and community prompts."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Integer,
    bindparam,
    column,
    delete,
    func,
    insert,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import Select

from coaching.reflections import (
    ALL_DAYS,
    ENGAGED,
    SubscriptionChange,
    combine_answers,
    next_send,
    schedule_of,
)
from coaching.shards import EVERY_SERVER, ShardOwnership
from storage.courier import enqueue_many
from storage.driver import (
    aiosqlite_of,
    columns_of,
    driver_converter,
    executemany_driver,
    fetch_driver,
    fetch_rows,
    instant_converter,
    load_one,
    multirow_sql,
)
from storage.models import (
    Community,
    CommunityPrompt,
    Member,
    OutboxMessage,
    QuietDay,
    ReflectionEntry,
    ReflectionSubscription,
)
from storage.shards import only_owned
from storage.types import row_id

MAX_COMMUNITY_PROMPTS = 200
# Entries that are a member's journal: prompts she got and notes she kept (not Kindred's own
# "write less often?" question, whose entry only carries its buttons).
JOURNAL_KINDS = ("daily", "now", "note")


async def get_subscription(session: AsyncSession, member_id: int) -> ReflectionSubscription | None:
    # Read at the driver level (`load_one`): /reflections start, now and settings, the
    # Rolodex's reminder times and the journal's buttons each look it up.
    return await load_one(session, ReflectionSubscription, _SUBSCRIPTION, {"member_id": member_id})


# Statements several commands run, built once: one built per call costs SQLAlchemy the
# building and its cache key every time (more than SQLite's work for these lookups).
_SUBSCRIPTION = columns_of(ReflectionSubscription).where(
    ReflectionSubscription.member_id == bindparam("member_id")
)
_QUIET_DAYS_OF_SERVER = select(QuietDay.guild_id, QuietDay.day).where(
    QuietDay.guild_id == bindparam("guild_id")
)


async def save_subscription(
    session: AsyncSession, member: Member, *, now: datetime, **fields: Any
) -> ReflectionSubscription:
    existing = await get_subscription(session, member.id)
    subscription = _set_subscription(session, member, existing, now=now, fields=fields)
    await session.flush()
    return subscription


def _set_subscription(
    session: AsyncSession,
    member: Member,
    subscription: ReflectionSubscription | None,
    *,
    now: datetime,
    fields: dict[str, Any],
) -> ReflectionSubscription:
    """The subscription with `fields` set (a new one added to the session), not flushed. A
    new one carries the columns' defaults already, so its schedule can be planned before it
    is written."""
    if subscription is None:
        subscription = ReflectionSubscription(
            member_id=member.id,
            guild_id=member.guild_id,
            created_at=now,
            **{**_SUBSCRIPTION_DEFAULTS, **fields},
        )
        subscription.updated_at = now
        session.add(subscription)
    else:
        for key, value in fields.items():
            setattr(subscription, key, value)
        subscription.updated_at = now
    return subscription


# The columns' own defaults (active, days, cadence, counters), which SQLAlchemy would apply
# only when it writes the row.
_SUBSCRIPTION_DEFAULTS: dict[str, Any] = {
    column.key: column.default.arg
    for column in ReflectionSubscription.__table__.columns
    if column.default is not None and column.default.is_scalar
}


async def subscribe(
    session: AsyncSession,
    member: Member,
    change: SubscriptionChange,
    *,
    existing: ReflectionSubscription | None,
    now: datetime,
    default_time: str,
    default_timezone: str,
) -> tuple[ReflectionSubscription, datetime | None]:
    """`/reflections start`: the member's subscription, created with the server's defaults
    where `change` keeps a field; the member's zone becomes the subscription's. `existing`:
    her subscription as the caller looked it up in this unit of work (`get_subscription`),
    or None. Returns it and its next send (None when nothing is ahead)."""
    fields = change.fields()
    if existing is None:
        fields.setdefault("time_of_day", default_time)
        fields.setdefault("timezone", member.timezone or default_timezone)
        fields.setdefault("days", ALL_DAYS)
        # Prompts she had from `/reflections now` count: her walk goes on from there.
        fields.setdefault("prompts_sent", await prompts_given(session, member.id))
    # The server's quiet days before the row is set: read after, they would flush it first
    # (an INSERT, then an UPDATE of its next send); read before, it is written once.
    guild_id = existing.guild_id if existing is not None else member.guild_id
    quiet = await quiet_days_for(session, [guild_id])
    subscription = _set_subscription(session, member, existing, now=now, fields=fields)
    member.timezone = subscription.timezone
    _plan_next(subscription, quiet[guild_id], now=now)
    await session.flush()
    return subscription, subscription.next_send_at


async def apply_change(
    session: AsyncSession,
    subscription: ReflectionSubscription,
    change: SubscriptionChange,
    *,
    now: datetime,
) -> datetime | None:
    """Apply what a member chose and recompute the next send; returns it (None: nothing
    is ahead)."""
    _set_fields(subscription, change, now=now)
    return await reschedule(session, subscription, now=now)


def _set_fields(
    subscription: ReflectionSubscription, change: SubscriptionChange, *, now: datetime
) -> None:
    for name, value in change.fields().items():
        setattr(subscription, name, value)
    subscription.updated_at = now


async def reschedule(
    session: AsyncSession, subscription: ReflectionSubscription, *, now: datetime
) -> datetime | None:
    """Recompute the next send after a change; returns it (None when nothing is ahead)."""
    quiet = await quiet_days_for(session, [subscription.guild_id])
    _plan_next(subscription, quiet[subscription.guild_id], now=now)
    await session.flush()
    return subscription.next_send_at


def _plan_next(
    subscription: ReflectionSubscription, quiet_days: set[date], *, now: datetime
) -> None:
    upcoming = None
    if subscription.active:
        upcoming = next_send(
            now,
            schedule_of(subscription),
            quiet_days=quiet_days,
            last_sent_on=subscription.last_sent_on,
        )
    subscription.next_send_at = upcoming[0] if upcoming else None
    subscription.next_send_on = upcoming[1] if upcoming else None
    subscription.updated_at = now


_DUE_COLUMNS = (
    "id",
    "member_id",
    "guild_id",
    "display_name",
    "timezone",
    "time_of_day",
    "days",
    "cadence",
    "paused_until",
    "next_send_at",
    "next_send_on",
    "last_sent_on",
    "prompts_sent",
    "unanswered",
    "backoff_state",
)


_SUBSCRIPTION_COLUMNS = ReflectionSubscription.__table__.c
_DUE = (
    select(*(_SUBSCRIPTION_COLUMNS[name] for name in _DUE_COLUMNS))
    .where(
        _SUBSCRIPTION_COLUMNS.active.is_(True),
        _SUBSCRIPTION_COLUMNS.next_send_at <= bindparam("now"),
    )
    .order_by(_SUBSCRIPTION_COLUMNS.next_send_at)
    .limit(bindparam("limit", type_=Integer))
)


@functools.lru_cache(maxsize=8)
def _due_for(owner: ShardOwnership) -> Select[Any]:
    # One statement per ownership (a process has one), so fetch_driver's compiled cache hits;
    # a process owning every server uses _DUE itself, its SQL unchanged by sharding.
    return only_owned(_DUE, _SUBSCRIPTION_COLUMNS.guild_id, owner)


async def due_schedules(
    session: AsyncSession, *, now: datetime, limit: int, owner: ShardOwnership = EVERY_SERVER
) -> list[Any]:
    """What the scheduler needs of each due subscription of `owner`'s servers: tuples of
    the columns in `_DUE_COLUMNS`, in that order, soonest first (see `fetch_driver`)."""
    return await fetch_driver(session, _due_for(owner), {"now": now, "limit": limit})


async def next_due_at(
    session: AsyncSession, owner: ShardOwnership = EVERY_SERVER
) -> datetime | None:
    """The soonest next send among `owner`'s servers' active subscriptions."""
    return await session.scalar(
        only_owned(
            select(func.min(ReflectionSubscription.next_send_at)).where(
                ReflectionSubscription.active.is_(True)
            ),
            ReflectionSubscription.guild_id,
            owner,
        )
    )


async def quiet_days_for(session: AsyncSession, guild_ids: Sequence[int]) -> dict[int, set[date]]:
    result: dict[int, set[date]] = {guild_id: set() for guild_id in guild_ids}
    if not guild_ids:
        return result
    if len(result) == 1:  # a member's change (the common case): the statement built once
        rows = await fetch_rows(session, _QUIET_DAYS_OF_SERVER, {"guild_id": next(iter(result))})
    else:
        rows = await session.execute(
            select(QuietDay.guild_id, QuietDay.day).where(QuietDay.guild_id.in_(set(guild_ids)))
        )
    for guild_id, day in rows:
        result[guild_id].add(day)
    return result


class ServerContext(NamedTuple):
    """What a scheduler tick needs to know about the servers of its due subscriptions."""

    names: dict[int, str]  # community name, for servers that have a community row
    prompts: dict[int, dict[str, str]]  # as community_prompts_for
    quiet_days: dict[int, set[date]]  # as quiet_days_for


# Typed NULLs: PostgreSQL types a UNION's columns from its first SELECT. `{ids}`: how each
# part picks its servers' rows.
_SERVER_CONTEXT = (
    "SELECT guild_id, 0, CAST(NULL AS INTEGER), name, CAST(NULL AS DATE) "
    f"FROM {Community.__tablename__} WHERE guild_id {{ids}} "
    "UNION ALL SELECT guild_id, 1, id, text, CAST(NULL AS DATE) "
    f"FROM {CommunityPrompt.__tablename__} WHERE guild_id {{ids}} "
    "UNION ALL SELECT guild_id, 2, CAST(NULL AS INTEGER), CAST(NULL AS TEXT), day "
    f"FROM {QuietDay.__tablename__} WHERE guild_id {{ids}}"
)
_PG_SERVER_CONTEXT = _SERVER_CONTEXT.format(ids="= ANY($1::bigint[])")


async def server_context(session: AsyncSession, guild_ids: Sequence[int]) -> ServerContext:
    """Community names, community prompts and quiet days of these servers, in one query
    (one round trip instead of three: on SQLite each costs a hand-off to the driver thread)."""
    names: dict[int, str] = {}
    prompts: dict[int, dict[str, str]] = {guild_id: {} for guild_id in guild_ids}
    quiet: dict[int, set[date]] = {guild_id: set() for guild_id in guild_ids}
    if not guild_ids:
        return ServerContext(names, prompts, quiet)
    connection = await session.connection()
    dialect = connection.dialect
    to_day = QuietDay.__table__.c.day.type.dialect_impl(dialect).result_processor(dialect, None)
    if dialect.name == "postgresql":
        # The ids as one array parameter: the same statement every tick, prepared once. (A
        # new text per tick costs the server a parse and a plan, and takes a place in the
        # driver's cache of prepared statements, pushing out the ones used again.)
        result = await connection.exec_driver_sql(_PG_SERVER_CONTEXT, (sorted(set(guild_ids)),))
        rows = result.all()
    else:
        # The ids are ints, written into the SQL: an expanding IN can't run at the driver.
        ids = ",".join(str(int(guild_id)) for guild_id in sorted(set(guild_ids)))
        sql = _SERVER_CONTEXT.format(ids=f"IN ({ids})")
        aiosqlite_connection = await aiosqlite_of(connection)
        if aiosqlite_connection is not None:
            rows = await aiosqlite_connection.execute_fetchall(sql)
        else:
            rows = (await connection.exec_driver_sql(sql)).all()
    for guild_id, kind, prompt_id, text, day in rows:
        if kind == 0:
            names[guild_id] = text
        elif kind == 1:
            prompts[guild_id][f"custom:{prompt_id}"] = text
        else:
            quiet[guild_id].add(to_day(day) if to_day is not None else day)
    return ServerContext(names, prompts, quiet)


async def community_prompts(session: AsyncSession, guild_id: int) -> list[CommunityPrompt]:
    rows = await session.scalars(
        select(CommunityPrompt)
        .where(CommunityPrompt.guild_id == guild_id)
        .order_by(CommunityPrompt.id)
    )
    return list(rows)


async def community_prompts_for(
    session: AsyncSession, guild_ids: Sequence[int]
) -> dict[int, dict[str, str]]:
    """Per server: prompt key ("custom:<id>") -> text."""
    result: dict[int, dict[str, str]] = {guild_id: {} for guild_id in guild_ids}
    if not guild_ids:
        return result
    if len(result) == 1:  # one member's server (/reflections now): the statement built once
        rows = await fetch_rows(session, _PROMPTS_OF_SERVER, {"guild_id": next(iter(result))})
    else:
        rows = await session.execute(
            select(CommunityPrompt.guild_id, CommunityPrompt.id, CommunityPrompt.text).where(
                CommunityPrompt.guild_id.in_(set(guild_ids))
            )
        )
    for guild_id, prompt_id, text in rows:
        result[guild_id][f"custom:{prompt_id}"] = text
    return result


_PROMPTS_OF_SERVER = select(
    CommunityPrompt.guild_id, CommunityPrompt.id, CommunityPrompt.text
).where(CommunityPrompt.guild_id == bindparam("guild_id"))

_ENTRY_COLUMNS = (
    "member_id",
    "kind",
    "local_date",
    "prompt_key",
    "prompt_text",
    "sent_at",
    "skipped",
)
_ENTRIES = table(ReflectionEntry.__tablename__, *(column(name) for name in _ENTRY_COLUMNS))
_INSERT_ENTRIES = insert(_ENTRIES)


async def add_scheduled_entries(
    session: AsyncSession, rows: list[tuple[int, str, date, str, str]], *, sent_at: datetime
) -> None:
    """Insert the journal entries of one tick: (member_id, kind, local_date, prompt_key,
    prompt_text) each, all sent at `sent_at`, none skipped."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    columns = ReflectionEntry.__table__.c
    day = driver_converter(columns.local_date, dialect)
    sent = driver_converter(columns.sent_at, dialect)(sent_at)
    skipped = driver_converter(columns.skipped, dialect)(False)
    await executemany_driver(
        session,
        _INSERT_ENTRIES,
        _ENTRY_COLUMNS,
        [
            (member_id, kind, day(local), key, text, sent, skipped)
            for member_id, kind, local, key, text in rows
        ],
    )


async def add_entry(session: AsyncSession, **fields: Any) -> int:
    """A journal entry (`fields`: its columns but answer, answered_at); returns its id. A
    plain INSERT on the unit's connection: a third of an ORM add and flush's CPU, and the
    callers want only the id."""
    connection = await session.connection()
    result = await connection.execute(
        _INSERT_ENTRY, {"answer": None, "answered_at": None, **fields}
    )
    return int(result.inserted_primary_key[0])


_INSERT_ENTRY = insert(ReflectionEntry.__table__)


def entry_ref_for(member_id: int, day: date) -> str:
    """How a scheduled prompt's buttons name it: member and local date, known before insert."""
    return f"{member_id}-{_compact_date(day)}"


@functools.lru_cache(maxsize=1024)
def _compact_date(day: date) -> str:
    return f"{day:%Y%m%d}"  # a scheduler tick names 1,000 entries of a few dates


async def entry_by_ref(session: AsyncSession, ref: str) -> ReflectionEntry | None:
    """`e<id>` (a /reflections now prompt) or `<member>-<yyyymmdd>` (a scheduled one); None
    for one that isn't there, or a reference no entry could have (a tampered button)."""
    if ref.startswith("e"):
        entry_id = row_id(ref[1:])
        return await session.get(ReflectionEntry, entry_id) if entry_id is not None else None
    member_text, _, day_text = ref.partition("-")
    member_id = row_id(member_text)
    try:
        day = date(int(day_text[:4]), int(day_text[4:6]), int(day_text[6:8]))
    except ValueError:
        return None
    if member_id is None:
        return None
    return await session.scalar(
        select(ReflectionEntry)
        .where(
            ReflectionEntry.member_id == member_id,
            ReflectionEntry.local_date == day,
            ReflectionEntry.kind.in_(("daily", "backoff")),
        )
        .order_by(ReflectionEntry.id.desc())
        .limit(1)
    )


_SCHEDULE_COLUMNS = (
    "next_send_at",
    "next_send_on",
    "prompts_sent",
    "cadence",
    "backoff_state",
    "unanswered",
    "last_sent_on",
    "updated_at",
)
_SUBSCRIPTIONS = table(
    ReflectionSubscription.__tablename__,
    column("id"),
    *(column(name) for name in _SCHEDULE_COLUMNS),
)
_UPDATE_SCHEDULES = (
    update(_SUBSCRIPTIONS)
    .where(_SUBSCRIPTIONS.c.id == bindparam("row_id"))
    .values({name: bindparam(f"new_{name}") for name in _SCHEDULE_COLUMNS})
)
# In the compiled statement's order (SET, then WHERE), so rows need no reordering.
_UPDATE_SCHEDULES_NAMES = (*(f"new_{name}" for name in _SCHEDULE_COLUMNS), "row_id")


async def update_schedules(
    session: AsyncSession,
    rows: list[tuple[int, datetime | None, date | None, int, str, str | None, int, date | None]],
    *,
    updated_at: datetime,
) -> None:
    """Store where each subscription of one tick stands: (id, next_send_at, next_send_on,
    prompts_sent, cadence, backoff_state, unanswered, last_sent_on) each."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    columns = ReflectionSubscription.__table__.c
    instant = instant_converter(columns.next_send_at, dialect)
    day = driver_converter(columns.next_send_on, dialect)
    updated = driver_converter(columns.updated_at, dialect)(updated_at)
    await executemany_driver(
        session,
        _UPDATE_SCHEDULES,
        _UPDATE_SCHEDULES_NAMES,
        _schedule_values(rows, instant, day, updated),
    )


def _schedule_values(
    rows: list[ScheduleRow], instant: Callable[[Any], Any], day: Callable[[Any], Any], updated: Any
) -> list[tuple[Any, ...]]:
    """Schedule rows as driver values, in `_SCHEDULE_COLUMNS` order, then updated_at and id."""
    return [
        (instant(at), day(on), sent, cadence, backoff, unanswered, day(last), updated, row_id)
        for row_id, at, on, sent, cadence, backoff, unanswered, last in rows
    ]


# One scheduler tick's rows, in the forms the tick builds them:
EntryRow = tuple[int, str, date, str, str]  # member_id, kind, local_date, prompt_key, prompt_text
OutboxRow = tuple[int, int, str, str]  # guild_id, member_id, dedupe_key, payload JSON
ScheduleRow = tuple[int, datetime | None, date | None, int, str, str | None, int, date | None]


class TickWrites:
    """The writes of one scheduler tick (journal entries, reflection DMs for the courier, next
    send times), handed to the database chunk by chunk while the tick computes the next one.

    On SQLite each chunk is one multi-row statement per table, queued on aiosqlite's thread
    without waiting for it. SQLite runs a statement without holding Python's GIL, so the thread
    writes one chunk while the tick computes the next. (An executemany takes the GIL back for
    every row, and so can't overlap with anything.) On PostgreSQL each chunk is one statement
    for the three tables, sent as soon as the chunk is planned, so the server writes it while
    the tick plans the next. Elsewhere the chunks are kept and written with executemany in
    `finish`.

    Use it as `async with TickWrites(session, now=now) as writes:` (or `start`, then `finish`):
    `finish` must be awaited before the unit of work commits; any failed statement raises
    there (or in a later `send`), and the unit of work rolls back as a whole. A tick that fails
    before `finish` leaves the block, which first waits for the statements already sent, so
    the rollback finds the connection idle."""

    def __init__(self, session: AsyncSession, *, now: datetime) -> None:
        self._session = session
        self._now = now
        self._driver: Any | None = None
        self._postgres: AsyncConnection | None = None
        self._pending: list[asyncio.Future[Any]] = []
        self._entries: list[EntryRow] = []
        self._outbox: list[OutboxRow] = []
        self._schedules: list[ScheduleRow] = []

    async def __aenter__(self) -> TickWrites:
        return await self.start()

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            await self.finish()
            return
        pending, self._pending = self._pending, []
        await asyncio.gather(*pending, return_exceptions=True)

    async def start(self) -> TickWrites:
        connection = await self._session.connection()
        dialect = connection.dialect
        columns = ReflectionSubscription.__table__.c
        driver = await aiosqlite_of(connection)
        # UPDATE ... FROM needs SQLite 3.33; an older one takes the executemany path.
        if driver is not None and sqlite3.sqlite_version_info >= (3, 33, 0):
            self._driver = driver
        elif dialect.name == "postgresql":
            self._postgres = connection
        else:
            return self
        self._instant = instant_converter(columns.next_send_at, dialect)
        self._day = driver_converter(columns.next_send_on, dialect)
        self._now_value = self._instant(self._now)
        return self

    async def send(
        self, entries: list[EntryRow], outbox: list[OutboxRow], schedules: list[ScheduleRow]
    ) -> None:
        if self._postgres is not None:
            await self._send_postgres(self._postgres, entries, outbox, schedules)
            return
        if self._driver is None:
            self._entries += entries
            self._outbox += outbox
            self._schedules += schedules
            return
        day, instant, now = self._day, self._instant, self._now_value
        statements = (
            (
                _INSERT_ENTRIES_SQL,
                [(m, k, day(d), key, text, now, 0) for m, k, d, key, text in entries],
            ),
            (_INSERT_OUTBOX_SQL, [(g, m, key, payload, now, now) for g, m, key, payload in outbox]),
            (
                _UPDATE_SCHEDULES_SQL,
                _schedule_values(schedules, instant, day, now),
            ),
        )
        for template, rows in statements:
            for start in range(0, len(rows), _ROWS_PER_STATEMENT):
                chunk = rows[start : start + _ROWS_PER_STATEMENT]
                sql = multirow_sql(template, len(chunk), len(chunk[0]))
                params = [value for row in chunk for value in row]
                self._pending.append(
                    asyncio.ensure_future(self._driver.execute_fetchall(sql, params))
                )
        # Let the new tasks run up to their hand-off, so aiosqlite's thread starts on them now.
        await asyncio.sleep(0)

    async def _send_postgres(
        self,
        connection: AsyncConnection,
        entries: list[EntryRow],
        outbox: list[OutboxRow],
        schedules: list[ScheduleRow],
    ) -> None:
        """The chunk's rows as arrays (unnest), in one statement: PostgreSQL writes a set in
        one go, where an executemany runs (and waits for) each row apart. A connection runs
        one statement at a time, so the chunk before must be done first (it has had this
        chunk's planning to finish in); the tick gets on with the next chunk meanwhile. (Three
        statements per chunk would not overlap so: the tick holds the event loop while it
        plans, so the second would wait for the next chunk to be sent.)"""
        if not (entries or outbox or schedules):
            return
        day, instant = self._day, self._instant
        members, kinds, days, keys, texts = zip(*entries, strict=True) if entries else _EMPTY * 5
        guilds, recipients, dedupe, payloads = zip(*outbox, strict=True) if outbox else _EMPTY * 4
        ids, at, on, sent, cadence, backoff, unanswered, last = (
            zip(*schedules, strict=True) if schedules else _EMPTY * 8
        )
        params = (
            *(members, kinds, [day(d) for d in days], keys, texts, self._now_value),
            *(guilds, recipients, dedupe, payloads),
            *(ids, [instant(value) for value in at], [day(value) for value in on], sent),
            *(cadence, backoff, unanswered, [day(value) for value in last]),
        )
        if self._pending:
            await self._pending.pop()  # its failure ends the tick here, before another is sent
        self._pending.append(
            asyncio.ensure_future(connection.exec_driver_sql(_PG_TICK_WRITES, params))
        )
        # Let the new task run up to the driver's send, so the server starts on it now.
        await asyncio.sleep(0)

    async def finish(self) -> None:
        if self._driver is not None or self._postgres is not None:
            pending, self._pending = self._pending, []
            # Every statement runs (they're queued already); the first failure is raised as
            # SQLAlchemy raises it elsewhere (IntegrityError, OperationalError, ...).
            for outcome in await asyncio.gather(*pending, return_exceptions=True):
                if isinstance(outcome, sqlite3.Error):
                    raise DBAPIError.instance(None, None, outcome, sqlite3.Error) from outcome
                if isinstance(outcome, BaseException):
                    raise outcome
            return
        await add_scheduled_entries(self._session, self._entries, sent_at=self._now)
        await enqueue_many(
            self._session,
            [
                {
                    "guild_id": guild_id,
                    "member_id": member_id,
                    "purpose": "reflection",
                    "dedupe_key": key,
                    "payload_json": payload,
                    "due_at": self._now,
                    "created_at": self._now,
                }
                for guild_id, member_id, key, payload in self._outbox
            ],
        )
        await update_schedules(self._session, self._schedules, updated_at=self._now)


_EMPTY: tuple[tuple[()], ...] = ((),)

# A chunk of at most 250 rows keeps every statement within SQLite's variable limit (32,766 since
# 3.32) and few distinct statement texts in the driver's cache.
_ROWS_PER_STATEMENT = 250
_INSERT_ENTRIES_SQL = (
    f"INSERT INTO {ReflectionEntry.__tablename__} "
    "(member_id, kind, local_date, prompt_key, prompt_text, sent_at, skipped) VALUES {rows}"
)
_INSERT_OUTBOX_SQL = (
    f"INSERT INTO {OutboxMessage.__tablename__} (guild_id, member_id, purpose, dedupe_key, "
    "payload, state, due_at, attempts, created_at) SELECT column1, column2, 'reflection', "
    "column3, column4, 'pending', column5, 0, column6 FROM (VALUES {rows}) WHERE true "
    "ON CONFLICT (dedupe_key) DO NOTHING"
)
_UPDATE_SCHEDULES_SQL = (
    f"UPDATE {ReflectionSubscription.__tablename__} AS s SET next_send_at = v.column1, "
    "next_send_on = v.column2, prompts_sent = v.column3, cadence = v.column4, "
    "backoff_state = v.column5, unanswered = v.column6, last_sent_on = v.column7, "
    "updated_at = v.column8 FROM (VALUES {rows}) AS v WHERE s.id = v.column9"
)
# The same three writes on PostgreSQL, as one statement over arrays. Data-modifying WITH
# clauses all run to completion, on one snapshot; they write different tables, so none needs
# to see another's rows. The foreign keys are checked at the statement's end, as before.
_PG_TICK_WRITES = (
    f"WITH entries AS (INSERT INTO {ReflectionEntry.__tablename__} "
    "(member_id, kind, local_date, prompt_key, prompt_text, sent_at, skipped) "
    "SELECT m, k, d, p, t, $6, false FROM unnest($1::integer[], $2::varchar[], $3::date[], "
    "$4::varchar[], $5::text[]) AS v(m, k, d, p, t)), "
    f"outbox AS (INSERT INTO {OutboxMessage.__tablename__} (guild_id, member_id, purpose, "
    "dedupe_key, payload, state, due_at, attempts, created_at) SELECT g, m, 'reflection', k, "
    "p::json, 'pending', $6, 0, $6 FROM unnest($7::bigint[], $8::integer[], $9::varchar[], "
    "$10::text[]) AS v(g, m, k, p) ON CONFLICT (dedupe_key) DO NOTHING) "
    f"UPDATE {ReflectionSubscription.__tablename__} AS s SET next_send_at = v.a, "
    "next_send_on = v.o, prompts_sent = v.n, cadence = v.c, backoff_state = v.b, "
    "unanswered = v.u, last_sent_on = v.l, updated_at = $6 FROM unnest($11::integer[], "
    "$12::timestamptz[], $13::date[], $14::integer[], $15::varchar[], $16::varchar[], "
    "$17::integer[], $18::date[]) AS v(i, a, o, n, c, b, u, l) WHERE s.id = v.i"
)


async def entry_with_owner(
    session: AsyncSession, ref: str
) -> tuple[ReflectionEntry, Member] | None:
    """The entry a prompt's buttons name (see `entry_by_ref`) and the member it was for."""
    entry = await entry_by_ref(session, ref)
    if entry is None:
        return None
    member = await session.get(Member, entry.member_id)
    return (entry, member) if member is not None else None


class Saved(NamedTuple):
    subscription: ReflectionSubscription | None
    how: str  # "saved" (the first answer), "added" (to what was there), "separate" (its own)


async def record_answer(
    session: AsyncSession, entry: ReflectionEntry, answer: str, *, now: datetime
) -> Saved:
    """A member's answer to a prompt, joined to what the entry holds (nothing she wrote is
    lost: `coaching.reflections.combine_answers`); words that don't fit become an entry of
    their own, under the same prompt."""
    first = entry.answer is None
    combined = combine_answers(entry.answer, answer)
    if combined is None:
        await add_note(
            session,
            entry.member_id,
            answer,
            key=entry.prompt_key,
            title=entry.prompt_text,
            day=entry.local_date,
            now=now,
            once=False,
        )
    else:
        entry.answer = combined
        entry.answered_at = now
        entry.skipped = False
    how = "separate" if combined is None else "saved" if first else "added"
    return Saved(await _engaged(session, entry.member_id, now=now), how)


async def edit_answer(
    session: AsyncSession, entry: ReflectionEntry, answer: str, *, now: datetime
) -> None:
    """The member rewrote her entry in the journal's Edit form: what she wrote replaces it."""
    entry.answer = answer
    entry.answered_at = now


async def delete_entry(session: AsyncSession, entry: ReflectionEntry) -> None:
    """The member deleted an entry from her journal: the prompt and her words go."""
    await session.delete(entry)
    await session.flush()


async def journal_entry(
    session: AsyncSession, member_id: int, entry_id: int
) -> ReflectionEntry | None:
    """One entry of this member's journal (None: gone, or someone else's)."""
    entry = await session.get(ReflectionEntry, entry_id)
    if entry is None or entry.member_id != member_id or entry.kind not in JOURNAL_KINDS:
        return None
    return entry


async def skip_entry(
    session: AsyncSession, entry: ReflectionEntry, *, now: datetime
) -> ReflectionSubscription | None:
    """ "Skip today" under a prompt (an answered one stays answered)."""
    if entry.answer is None:
        entry.skipped = True
    return await _engaged(session, entry.member_id, now=now)


async def _engaged(
    session: AsyncSession, member_id: int, *, now: datetime
) -> ReflectionSubscription | None:
    subscription = await get_subscription(session, member_id)
    if subscription is not None:
        _set_fields(subscription, ENGAGED, now=now)
        await session.flush()
    return subscription


async def record_backoff_choice(
    session: AsyncSession, entry: ReflectionEntry, choice: str, *, now: datetime
) -> None:
    """The member answered "write less often?". The choice lives in her subscription; the
    question's entry only notes when, and stays out of her journal and her streak."""
    entry.answered_at = entry.answered_at or now


async def add_prompt_now(
    session: AsyncSession,
    member: Member,
    subscription: ReflectionSubscription | None,
    *,
    prompt_key: str,
    prompt_text: str,
    local_date: date,
    now: datetime,
) -> int:
    """A `/reflections now` prompt in the journal; it moves the member on in the rotation.
    Returns the entry's id."""
    entry_id = await add_entry(
        session,
        member_id=member.id,
        kind="now",
        local_date=local_date,
        prompt_key=prompt_key,
        prompt_text=prompt_text,
        sent_at=now,
        skipped=False,
    )
    if subscription is not None:
        subscription.prompts_sent += 1
    return entry_id


async def prompts_given(session: AsyncSession, member_id: int) -> int:
    """How many prompts she has been given (by DM or `/reflections now`): her place in her
    walk through the prompts."""
    count = await session.scalar(_PROMPTS_GIVEN, {"member_id": member_id})
    return int(count or 0)


_PROMPTS_GIVEN = (
    select(func.count())
    .select_from(ReflectionEntry)
    .where(
        ReflectionEntry.member_id == bindparam("member_id"),
        ReflectionEntry.kind.in_(("daily", "now")),
    )
)


async def newest_entry(
    session: AsyncSession, user_id: int, *, since: datetime
) -> ReflectionEntry | None:
    """The newest prompt this person got since `since` (in any server), answered or not:
    where a plain DM reply belongs."""
    return await session.scalar(
        select(ReflectionEntry)
        .join(Member, Member.id == ReflectionEntry.member_id)
        .where(
            Member.user_id == user_id,
            ReflectionEntry.kind.in_(("daily", "now")),
            ReflectionEntry.sent_at >= since,
        )
        .order_by(ReflectionEntry.sent_at.desc(), ReflectionEntry.id.desc())
        .limit(1)
    )


async def member_zone(session: AsyncSession, member_id: int) -> str:
    """The time zone of a member's journal days: her prompts', her own, her server's."""
    subscription = await get_subscription(session, member_id)
    if subscription is not None:
        return subscription.timezone
    member = await session.get(Member, member_id)
    if member is not None and member.timezone:
        return member.timezone
    community = await session.get(Community, member.guild_id) if member is not None else None
    return community.timezone if community is not None else "UTC"


async def journal_home(session: AsyncSession, user_id: int) -> Member | None:
    """Which server's journal a note sent by DM goes to: where she gets prompts, else where
    she last wrote, else her only server with Kindred (None: none, or no way to tell)."""
    subscribed = await session.scalar(
        select(Member)
        .join(ReflectionSubscription, ReflectionSubscription.member_id == Member.id)
        .where(Member.user_id == user_id, ReflectionSubscription.active.is_(True))
        .order_by(ReflectionSubscription.updated_at.desc())
        .limit(1)
    )
    if subscribed is not None:
        return subscribed
    wrote = await session.scalar(
        select(Member)
        .join(ReflectionEntry, ReflectionEntry.member_id == Member.id)
        .where(Member.user_id == user_id)
        .order_by(ReflectionEntry.sent_at.desc())
        .limit(1)
    )
    if wrote is not None:
        return wrote
    members = list(await session.scalars(select(Member).where(Member.user_id == user_id)))
    return members[0] if len(members) == 1 else None


async def add_note(
    session: AsyncSession,
    member_id: int,
    text: str,
    *,
    key: str,
    title: str,
    day: date,
    now: datetime,
    once: bool = True,
) -> int:
    """A note of her own in the journal (a DM she chose to keep), under `title`. `key` names
    where it came from: with `once`, keeping the same one twice (a double click) adds it
    once."""
    if once:
        existing = await session.scalar(
            select(ReflectionEntry.id).where(
                ReflectionEntry.member_id == member_id, ReflectionEntry.prompt_key == key
            )
        )
        if existing is not None:
            return existing
    return await add_entry(
        session,
        member_id=member_id,
        kind="note",
        local_date=day,
        prompt_key=key,
        prompt_text=title,
        sent_at=now,
        answer=text,
        answered_at=now,
        skipped=False,
    )


async def now_prompts_since(
    session: AsyncSession, member_id: int, *, since: datetime
) -> list[datetime]:
    """When the member got each `/reflections now` prompt since `since`."""
    rows = await fetch_rows(session, _NOW_PROMPTS_SINCE, {"member_id": member_id, "since": since})
    return [sent_at for (sent_at,) in rows]


_NOW_PROMPTS_SINCE = select(ReflectionEntry.sent_at).where(
    ReflectionEntry.member_id == bindparam("member_id"),
    ReflectionEntry.kind == "now",
    ReflectionEntry.sent_at >= bindparam("since"),
)


async def open_now_prompt(
    session: AsyncSession, member_id: int, *, since: datetime
) -> ReflectionEntry | None:
    """Her newest `/reflections now` prompt since `since` still waiting for an answer."""
    return await session.scalar(
        select(ReflectionEntry)
        .where(
            ReflectionEntry.member_id == member_id,
            ReflectionEntry.kind == "now",
            ReflectionEntry.answer.is_(None),
            ReflectionEntry.sent_at >= since,
        )
        .order_by(ReflectionEntry.sent_at.desc(), ReflectionEntry.id.desc())
        .limit(1)
    )


async def answered_dates(session: AsyncSession, member_id: int, *, since: date) -> set[date]:
    rows = await session.scalars(
        select(ReflectionEntry.local_date).where(
            ReflectionEntry.member_id == member_id,
            ReflectionEntry.kind.in_(JOURNAL_KINDS),
            ReflectionEntry.answer.is_not(None),
            ReflectionEntry.local_date >= since,
        )
    )
    return set(rows)


async def journal_page(
    session: AsyncSession, member_id: int, *, search: str | None, offset: int, limit: int
) -> tuple[list[ReflectionEntry], int]:
    """The member's answered reflections, newest first, optionally containing a word."""
    if not search:  # the journal as she opens it: the statements built once
        params = {"member_id": member_id, "offset": offset, "limit": limit}
        total = await session.scalar(_JOURNAL_COUNT, params)
        rows = await session.scalars(_JOURNAL_PAGE, params)
        return list(rows), int(total or 0)
    conditions = [
        ReflectionEntry.member_id == member_id,
        ReflectionEntry.kind.in_(JOURNAL_KINDS),
        ReflectionEntry.answer.is_not(None),
    ]
    if search:
        pattern = f"%{_escape_like(search.lower())}%"
        conditions.append(
            or_(
                func.lower(ReflectionEntry.answer).like(pattern, escape="\\"),
                func.lower(ReflectionEntry.prompt_text).like(pattern, escape="\\"),
            )
        )
    total = await session.scalar(
        select(func.count()).where(*conditions).select_from(ReflectionEntry)
    )
    rows = await session.scalars(
        select(ReflectionEntry)
        .where(*conditions)
        .order_by(ReflectionEntry.sent_at.desc(), ReflectionEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows), int(total or 0)


_JOURNAL_WHERE = (
    ReflectionEntry.member_id == bindparam("member_id"),
    ReflectionEntry.kind.in_(JOURNAL_KINDS),
    ReflectionEntry.answer.is_not(None),
)
_JOURNAL_COUNT = select(func.count()).where(*_JOURNAL_WHERE).select_from(ReflectionEntry)
_JOURNAL_PAGE = (
    select(ReflectionEntry)
    .where(*_JOURNAL_WHERE)
    .order_by(ReflectionEntry.sent_at.desc(), ReflectionEntry.id.desc())
    .offset(bindparam("offset", type_=Integer))
    .limit(bindparam("limit", type_=Integer))
)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def add_quiet_day(session: AsyncSession, guild_id: int, day: date) -> bool:
    exists = await session.scalar(
        select(QuietDay.id).where(QuietDay.guild_id == guild_id, QuietDay.day == day)
    )
    if exists:
        return False
    session.add(QuietDay(guild_id=guild_id, day=day))
    await session.flush()
    return True


async def remove_quiet_day(session: AsyncSession, guild_id: int, day: date) -> bool:
    result = await session.execute(
        delete(QuietDay).where(QuietDay.guild_id == guild_id, QuietDay.day == day)
    )
    return bool(result.rowcount)


async def list_quiet_days(session: AsyncSession, guild_id: int, *, since: date) -> list[date]:
    rows = await session.scalars(
        select(QuietDay.day)
        .where(QuietDay.guild_id == guild_id, QuietDay.day >= since)
        .order_by(QuietDay.day)
    )
    return list(rows)


async def reschedule_guild(session: AsyncSession, guild_id: int, *, now: datetime) -> None:
    """Recompute the next sends of a server's active subscriptions (its quiet days changed)."""
    rows = await session.scalars(
        select(ReflectionSubscription).where(
            ReflectionSubscription.guild_id == guild_id, ReflectionSubscription.active.is_(True)
        )
    )
    for subscription in list(rows):
        await reschedule(session, subscription, now=now)


async def add_community_prompt(
    session: AsyncSession, guild_id: int, text: str, *, author_user_id: int, now: datetime
) -> CommunityPrompt | None:
    count = await session.scalar(
        select(func.count())
        .where(CommunityPrompt.guild_id == guild_id)
        .select_from(CommunityPrompt)
    )
    if (count or 0) >= MAX_COMMUNITY_PROMPTS:
        return None
    prompt = CommunityPrompt(
        guild_id=guild_id, text=text, author_user_id=author_user_id, created_at=now
    )
    session.add(prompt)
    await session.flush()
    return prompt


async def remove_community_prompt(session: AsyncSession, guild_id: int, prompt_id: int) -> bool:
    result = await session.execute(
        delete(CommunityPrompt).where(
            CommunityPrompt.guild_id == guild_id, CommunityPrompt.id == prompt_id
        )
    )
    return bool(result.rowcount)
