"""Past one community: 1,000,000 reflection subscriptions and 10,000 servers in one database.

On SQLite (one file) and on PostgreSQL (when a server can be had, as bench/scale.py gets one):

- the build: the benchmark fills its big database itself, bulk-inserted (sqlite3's
  executemany in one transaction, indexes built once at the end; COPY on PostgreSQL), and
  says how long that took;
- the scheduler tick for 1,000 due among the million (in this process, on the bot's code);
- the bot as its own process (`python bot.py run`) against fakediscord with 10,000 servers
  over loopback: the time from starting the process to its being connected (READY and the
  10,000 GUILD_CREATEs), its resident memory, and slash commands one at a time;
- the bytes per member on disk.

KINDRED_BENCH_QUICK=1 (or `python -m bench --quick`): 100,000 subscriptions and fewer
commands and ticks, for a short try (about a minute for both back-ends, against ten); the
servers stay 10,000, since their start-up is half the point.
`python -m bench.million [sqlite|postgres]` runs one back-end and prints the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import Section, job_host, machine, percentile, publish_commands, timed_ticks
from bench.load import (
    FEATURE_COMMANDS,
    UNEXPECTED,
    Issuer,
    LoadWorld,
    _log_problems,
    _status,
    stop_bot,
)
from coaching.timezones import zone_entries
from cogs.reflections.scheduler import ReflectionScheduler
from fakediscord import FakeDiscord
from fakediscord.interactions import InteractionTimeout
from kindred.clock import FakeClock
from storage.db import open_database
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
QUICK = bool(os.environ.get("KINDRED_BENCH_QUICK"))

SUBSCRIPTIONS = 100_000 if QUICK else 1_000_000  # one member each
SERVERS = 10_000
ISSUERS = 50 if QUICK else 500  # members (each in another server) who run one of each command
DUE_PER_TICK = 1000
TICKS = 10 if QUICK else 25
WARM_UP = 5  # ticks that fill the render caches (pack prompt x community) first
# Its own port, so a server started by someone else (or by bench/scale.py) is left alone.
BENCH_PG_PORT = "55449"

JOURNAL_EACH = 2  # journal entries per member, one of them answered
GOALS = {"tick": 0.050, "p99": 0.020, "rss": 150, "start": 5.0}

PROMPT = "Who did you talk to this week that you'd like to know better, and why?"
ANSWER = "Coffee with Lena from the breakfast meetup; I promised to introduce her to Sam."
TAGS = ("design", "bookkeeping", "lisbon", "hiring", "climbing", "legal", "marketing", "pottery")


@dataclass
class Shape:
    """Who is where: member i (0-based, id i + 1) is in server i % SERVERS; subscription i is
    due at `base` + i // 1,000 minutes, so every minute from `base` on has 1,000 due."""

    guild_ids: list[int]
    user_ids: dict[int, int]  # member index -> Discord user id, for members fakediscord knows
    base: datetime
    now: datetime

    def user_of(self, index: int) -> int:
        return self.user_ids.get(index, 10**15 + index)


def issuer_indexes() -> list[int]:
    # k * (stride + 1): ISSUERS different members in ISSUERS different servers (stride + 1
    # and SERVERS share no factor here), spread over the whole table.
    stride = SUBSCRIPTIONS // ISSUERS
    return [k * (stride + 1) for k in range(ISSUERS)]


# ====================================================================== the build


@functools.cache
def _local(base_minute: int, zone: str, base: datetime) -> tuple[str, date]:
    local = (base + timedelta(minutes=base_minute)).astimezone(ZoneInfo(zone))
    return local.strftime("%H:%M"), local.date()


def _rows(shape: Shape) -> dict[str, tuple[str, Callable[[], Iterator[tuple[Any, ...]]]]]:
    """Per table: its columns and the rows, as Python values (each back-end converts them)."""
    zones = [entry.key for entry in zone_entries()]
    now, base = shape.now, shape.base
    stamp = now - timedelta(days=30)
    guilds = shape.guild_ids

    def communities() -> Iterator[tuple[Any, ...]]:
        for n, guild_id in enumerate(guilds):
            yield (guild_id, f"Meetup {n}", "UTC", "09:00", True, True, True, True, False, 0, 9,
                   stamp, stamp)  # fmt: skip

    def members() -> Iterator[tuple[Any, ...]]:
        for i in range(SUBSCRIPTIONS):
            yield (i + 1, guilds[i % SERVERS], shape.user_of(i), zones[i % len(zones)], True,
                   True, stamp, stamp)  # fmt: skip

    def subscriptions() -> Iterator[tuple[Any, ...]]:
        for i in range(SUBSCRIPTIONS):
            zone = zones[i % len(zones)]
            minute = i // DUE_PER_TICK
            time_of_day, local_day = _local(minute, zone, base)
            yield (i + 1, guilds[i % SERVERS], True, f"Member {i}", zone, time_of_day,
                   0b1111111, "daily", base + timedelta(minutes=minute), local_day,
                   local_day - timedelta(days=1), JOURNAL_EACH, 0, stamp, stamp)  # fmt: skip

    def entries() -> Iterator[tuple[Any, ...]]:
        sent = [now - timedelta(days=day + 1) for day in range(JOURNAL_EACH)]
        answered = sent[0] + timedelta(hours=2)
        for i in range(SUBSCRIPTIONS):
            for day in range(JOURNAL_EACH):
                yield (i + 1, "daily", sent[day].date(), f"pack/item_{day:02d}", PROMPT,
                       sent[day], ANSWER if day == 0 else None, answered if day == 0 else None,
                       False)  # fmt: skip

    def rolodex() -> Iterator[tuple[Any, ...]]:
        for i in range(SUBSCRIPTIONS):
            name = f"Contact of member {i}"
            tags = ",".join(sorted({TAGS[i % 8], TAGS[(i * 3 + 1) % 8]}))
            yield (guilds[i % SERVERS], i + 1, name, name.casefold(), "Met at the spring meetup",
                   f"Works on {tags.replace(',', ' and ')}.", tags, True, i % 2 == 0, False,
                   stamp, stamp)  # fmt: skip

    def thanks() -> Iterator[tuple[Any, ...]]:
        for i in range(SUBSCRIPTIONS):
            # The member before her in the same server (the last one, for the first).
            last = i + SERVERS * ((SUBSCRIPTIONS - i - 1) // SERVERS)
            receiver = i - SERVERS if i >= SERVERS else last
            story = f"Member {i} thanks a neighbour for an introduction."
            yield (guilds[i % SERVERS], i + 1, receiver + 1, "introduction", story,
                   hashlib.sha256(story.encode()).hexdigest(), guilds[i % SERVERS] + 1,
                   10**17 + i, False, stamp)  # fmt: skip

    return {
        "communities": (
            "guild_id, name, timezone, prompt_time, reflections_enabled, pitch_enabled, "
            "thanks_enabled, rolodex_enabled, intro_nudges, digest_weekday, digest_hour, "
            "created_at, updated_at",
            communities,
        ),
        "members": (
            "id, guild_id, user_id, timezone, reachable, thanks_dms, created_at, updated_at",
            members,
        ),
        "reflection_subscriptions": (
            "member_id, guild_id, active, display_name, timezone, time_of_day, days, cadence, "
            "next_send_at, next_send_on, last_sent_on, prompts_sent, unanswered, created_at, "
            "updated_at",
            subscriptions,
        ),
        "reflection_entries": (
            "member_id, kind, local_date, prompt_key, prompt_text, sent_at, answer, "
            "answered_at, skipped",
            entries,
        ),
        "rolodex_entries": (
            "guild_id, owner_member_id, name, name_key, how_met, notes, tags, know, like, "
            "trust, created_at, updated_at",
            rolodex,
        ),
        "thanks": (
            "guild_id, giver_member_id, receiver_member_id, kind, story, story_key, "
            "channel_id, message_id, removed, created_at",
            thanks,
        ),
    }


@functools.cache
def _sqlite_instant(value: datetime) -> str:
    # As SQLAlchemy's SQLite DateTime writes UTCDateTime (naive UTC text); values repeat.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _to_sqlite(value: Any) -> Any:
    if isinstance(value, datetime):
        return _sqlite_instant(value)
    if isinstance(value, date):
        return value.isoformat()
    return value  # bools are ints to sqlite3 already


def seed_sqlite(path: Path, shape: Shape) -> dict[str, int]:
    """Bulk-insert into a migrated SQLite file in one transaction: secondary indexes dropped
    first and built once at the end, as bench/load.py's seed_members does."""
    counts: dict[str, int] = {}
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=MEMORY")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-262144")
        indexes = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            connection.execute(f"DROP INDEX {name}")
        with connection:
            for table, (columns, rows) in _rows(shape).items():
                marks = ", ".join("?" for _ in columns.split(","))
                cursor = connection.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                    (tuple(_to_sqlite(v) for v in row) for row in rows()),
                )
                counts[table] = cursor.rowcount
        with connection:
            for _, sql in indexes:
                connection.execute(sql)
        connection.execute("PRAGMA journal_mode=WAL")  # as the bot's database has it
    finally:
        connection.close()
    return counts


async def seed_postgres(url: str, shape: Shape) -> dict[str, int]:
    """COPY every table (asyncpg's binary copy), then move the members' id sequence past the
    ids given here, so a member the bot adds later gets a fresh one."""
    import asyncpg

    counts: dict[str, int] = {}
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        for table, (columns, rows) in _rows(shape).items():
            names = [name.strip() for name in columns.split(",")]
            result = await connection.copy_records_to_table(table, records=rows(), columns=names)
            counts[table] = int(result.split()[-1])
        await connection.execute(
            "SELECT setval(pg_get_serial_sequence('members', 'id'), (SELECT max(id) FROM members))"
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return counts


async def postgres_size(url: str) -> int:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return int(await connection.fetchval("SELECT pg_database_size(current_database())"))
    finally:
        await connection.close()


# ====================================================================== the world


@dataclass
class MillionWorld(LoadWorld):
    """bench/load.py's world (fakediscord, issuers, the bot's process), on any database URL."""

    url: str = ""
    start_seconds: float = 0.0
    answer_seconds: float = 0.0
    guild_count: int = 0

    @property
    def db_url(self) -> str:
        return self.url

    def env(self) -> dict[str, str]:
        env = super().env()
        env["INSTANCE_NAME"] = "bench-million"
        return env


def build_fakediscord() -> tuple[FakeDiscord, Shape, list[Issuer]]:
    """10,000 servers with a channel each (and the bot); the issuers are members of theirs."""
    fd = FakeDiscord()
    owner = fd.add_user("Organizer")
    guilds = [fd.add_guild(f"Meetup {n}", owner=owner) for n in range(SERVERS)]
    channels = [fd.add_channel(guild, "general") for guild in guilds]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    # Two days ahead: nothing falls due while the bot runs (it runs on the real clock).
    shape = Shape([int(g.id) for g in guilds], {}, now + timedelta(days=2), now)
    issuers = []
    for index in issuer_indexes():
        guild, channel = guilds[index % SERVERS], channels[index % SERVERS]
        user = fd.add_user(f"m{index}")
        fd.add_member(guild, user)
        shape.user_ids[index] = int(user.id)
        issuers.append(Issuer(guild, channel, user, big=False))
    return fd, shape, issuers


# ====================================================================== the measurements


async def measure_tick(section: Section, url: str, shape: Shape, label: str) -> float:
    """The scheduler's tick at the start of successive minutes, 1,000 due each."""
    db = open_database(url)
    try:
        clock = FakeClock(shape.base)
        bot = job_host(db, clock, settings=SimpleNamespace(reflection_catchup_hours=3.0))
        scheduler = ReflectionScheduler(bot)
        durations, handled = await timed_ticks(
            db,
            clock,
            scheduler.tick,
            [shape.base + timedelta(minutes=tick, seconds=59) for tick in range(TICKS)],
        )
    finally:
        await db.dispose()
    steady = durations[WARM_UP:]
    median = statistics.median(steady)
    section.add(
        f"{label}: one scheduler tick finding and enqueueing {handled[0]:,} due of "
        f"{SUBSCRIPTIONS:,} (journal entry + outbox row + next send time each, 1,000 different "
        f"servers): median {median * 1000:.1f} ms over {len(steady)} warm ticks (min "
        f"{min(steady) * 1000:.1f}, max {max(steady) * 1000:.1f}); first tick (cold caches) "
        f"{durations[0] * 1000:.1f} ms; {_verdict(median <= GOALS['tick'])} (goal under 50 ms)"
    )
    return median


def _verdict(held: bool) -> str:
    return "held" if held else "NOT MET"


async def start_bot_timed(world: MillionWorld) -> None:
    """`bot.py sync` (not timed), then `bot.py run`, timed from starting the process to its
    log saying it is connected (discord.py's on_ready: READY, every GUILD_CREATE, and its
    wait of guild_ready_timeout after the last one)."""
    await world.fd.start()
    env = world.env()
    await publish_commands(world.tmp, env, limit=300)
    world.log = log = world.tmp / "bot.log"
    began = time.monotonic()
    with log.open("ab") as log_file:
        world.process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "bot.py"),
            "run",
            cwd=world.tmp,
            env=env,
            stdout=log_file,
            stderr=asyncio.subprocess.STDOUT,
        )

    def connected() -> bool:
        if world.process is not None and world.process.returncode is not None:
            raise RuntimeError(f"the bot exited: {log.read_text(errors='replace')[-2000:]}")
        return "connected as" in log.read_text(errors="replace")

    # Meanwhile a member (the last issuer, in a server far down the list) asks every 100 ms:
    # when is the first command answered? discord.py hands interactions over before its ready.
    asker = asyncio.create_task(_first_answer(world, began))
    try:
        await world.fd.wait_for(connected, timeout=300, interval=0.02)
        world.start_seconds = time.monotonic() - began
        world.answer_seconds = await asyncio.wait_for(asker, timeout=30)
    finally:
        asker.cancel()
    line = next(x for x in log.read_text(errors="replace").splitlines() if "connected as" in x)
    world.guild_count = int(line.split(" to ", 1)[1].split()[0])
    await asyncio.sleep(3)  # start-up work settled, no command yet
    assert world.process is not None
    world.idle_rss = _status(world.process.pid)


async def run_commands(world: MillionWorld) -> tuple[dict[str, list[float]], list[float]]:
    """Each issuer runs one command of each feature, one in flight at a time, waiting for its
    whole answer (/reflections journal answers "thinking" first, then its page and picture).
    Returns the callback latencies by feature and the times to the whole answer."""
    fd = world.fd
    latencies: dict[str, list[float]] = {feature: [] for feature, _, _ in FEATURE_COMMANDS}
    whole: list[float] = []
    for issuer in world.issuers:
        for feature, command, options in FEATURE_COMMANDS:
            ix = await fd.slash(
                issuer.user, command, options=options, guild=issuer.guild, channel=issuer.channel
            )
            try:
                reply = await ix.wait_message(timeout=15)
            except InteractionTimeout:
                world.late[feature] += 1
                continue
            if ix.sent_at is not None:
                whole.append(time.monotonic() - ix.sent_at)
            assert ix.response_latency is not None
            latencies[feature].append(ix.response_latency)
            if UNEXPECTED in reply.content:
                world.unexpected.append(f"/{command}: {reply.content[:200]}")
    world.latencies = latencies
    return latencies, whole


async def _first_answer(world: MillionWorld, began: float) -> float:
    """Seconds from starting the bot's process to the first answered /thanks received."""
    issuer = world.issuers[-1]
    while True:
        ix = await world.fd.slash(
            issuer.user, "thanks received", guild=issuer.guild, channel=issuer.channel
        )
        with contextlib.suppress(InteractionTimeout):
            await ix.wait_response(timeout=0.1)
        if ix.acknowledged:
            return time.monotonic() - began


async def measure_bot(section: Section, world: MillionWorld, label: str) -> None:
    try:
        await start_bot_timed(world)
        latencies, whole = await run_commands(world)
        assert world.process is not None
        after = _status(world.process.pid)
    finally:
        await stop_bot(world)
        if os.environ.get("KINDRED_BENCH_KEEP_LOG") and world.log is not None:
            # For looking into a run afterwards: the temporary folder goes with the run.
            shutil.copyfile(world.log, os.environ["KINDRED_BENCH_KEEP_LOG"])
    section.add(
        f"{label}: `python bot.py run` from starting the process to connected with "
        f"{world.guild_count:,} servers: {world.start_seconds:.2f} s "
        f"({_verdict(world.start_seconds < GOALS['start'])}, goal under 5 s; it includes "
        "discord.py's wait of guild_ready_timeout, 2 s, after the last GUILD_CREATE); the "
        f"first slash command answered {world.answer_seconds:.2f} s after the process started "
        "(a member asking every 100 ms from then on)"
    )
    every = [value for values in latencies.values() for value in values]
    late = sum(world.late.values())
    p99 = percentile(every + [float("inf")] * late, 0.99)
    section.add(
        f"{label}: slash commands one at a time by {len(world.issuers):,} members in as many "
        f"servers ({', '.join('/' + c for _, c, _ in FEATURE_COMMANDS)}; fakediscord sends "
        f"INTERACTION_CREATE -> receives the first callback): median "
        f"{statistics.median(every) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms (n={len(every)}, "
        f"late {late}), max {max(every) * 1000:.0f} ms; "
        + "; ".join(
            f"/{command} p99 {percentile(latencies[feature], 0.99) * 1000:.1f} ms"
            for feature, command, _ in FEATURE_COMMANDS
        )
        + f"; {_verdict(p99 < GOALS['p99'])} (goal p99 under 20 ms); to the whole answer "
        f"(the journal's page and picture after its 'thinking'): median "
        f"{statistics.median(whole) * 1000:.1f} ms, p99 {percentile(whole, 0.99) * 1000:.1f} ms; "
        f'"something went wrong" or empty replies: {len(world.unexpected)}'
        + (f" (the first: {world.unexpected[0][:300]})" if world.unexpected else "")
    )
    idle, peak = world.idle_rss["VmRSS"] / 1024, after["VmHWM"] / 1024
    section.add(
        f"{label}: the bot's resident memory (VmRSS) idle after connecting {idle:.0f} MiB, "
        f"after the commands {after['VmRSS'] / 1024:.0f} MiB, peak (VmHWM) {peak:.0f} MiB; "
        f"{_verdict(peak < GOALS['rss'])} (goal under 150 MiB)"
    )
    section.add(f"{label}: the bot's WARNING+ log lines: {_log_problems(world)}")


def _rows_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{table} {count:,}" for table, count in counts.items())


async def run_backend(section: Section, backend: str, tmp: Path, url: str = "") -> None:
    """Build, then measure, on SQLite (a file in `tmp`) or PostgreSQL (`url`)."""
    began = time.perf_counter()
    fd, shape, issuers = build_fakediscord()
    fake_seconds = time.perf_counter() - began
    path = tmp / "million.db"
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{path}"
    db = open_database(url)
    await upgrade(db.engine)
    await db.dispose()
    began = time.perf_counter()
    if backend == "sqlite":
        counts = seed_sqlite(path, shape)
    else:
        counts = await seed_postgres(url, shape)
    built = time.perf_counter() - began
    label = "SQLite" if backend == "sqlite" else "PostgreSQL"
    size = path.stat().st_size if backend == "sqlite" else await postgres_size(url)
    how = (
        "sqlite3 executemany in one transaction, indexes built at the end"
        if backend == "sqlite"
        else "COPY (asyncpg), then ANALYZE"
    )
    section.add(
        f"{label}: built in {built:.1f} s ({how}): {_rows_line(counts)}; "
        f"{size / 2**20:,.0f} MiB, {size / SUBSCRIPTIONS:,.0f} bytes per member (her member row, "
        f"subscription, {JOURNAL_EACH} journal entries, a Rolodex entry and a thank-you, with "
        f"their indexes); fakediscord's {SERVERS:,} servers set up in {fake_seconds:.1f} s"
    )
    await measure_tick(section, url, shape, label)
    world = MillionWorld(tmp, fd, tmp / "unused.db", issuers, counts, built, url=url)
    await measure_bot(section, world, label)


@contextlib.asynccontextmanager
async def _postgres_database() -> AsyncIterator[tuple[str | None, str]]:
    """A fresh database on a PostgreSQL server (KINDRED_TEST_POSTGRES_URL, else a private one
    started by .ci/postgres.sh), or None and why not."""
    from bench.scale import _postgres_server
    from testing.backends import POSTGRES_ENV, PostgresUnavailable, postgres_database

    previous = os.environ.get("KINDRED_PG_PORT")
    os.environ["KINDRED_PG_PORT"] = BENCH_PG_PORT
    try:
        async with _postgres_server() as (server_url, how):
            if server_url is None:
                yield None, how
                return
            os.environ[POSTGRES_ENV] = server_url
            try:
                async with postgres_database() as url:
                    yield url, how
            except PostgresUnavailable as exc:
                yield None, str(exc)
    finally:
        if previous is None:
            os.environ.pop("KINDRED_PG_PORT", None)
        else:
            os.environ["KINDRED_PG_PORT"] = previous


async def run(section: Section, backends: tuple[str, ...] = ("sqlite", "postgres")) -> None:
    section.add(
        f"run: `{section.command}` (bench/million.py) on {machine()}"
        + (" (KINDRED_BENCH_QUICK: a tenth of the subscriptions)" if QUICK else "")
    )
    section.add(
        f"{SUBSCRIPTIONS:,} members with a daily reflection subscription each, in {SERVERS:,} "
        f"servers ({SUBSCRIPTIONS // SERVERS} members each in the database); fakediscord serves "
        f"the {SERVERS:,} servers (a channel each) to the bot over loopback on one gateway "
        "shard (Discord itself would ask for 4 shards or more, 2,500 servers at most each, and "
        "takes one IDENTIFY per 5 s from most bots: see docs/performance.md)"
    )
    for backend in backends:
        with tempfile.TemporaryDirectory() as tmp:
            if backend == "sqlite":
                await run_backend(section, backend, Path(tmp))
                continue
            async with _postgres_database() as (url, how):
                if url is None:
                    section.add(f"PostgreSQL: not run ({how})")
                    continue
                await run_backend(section, backend, Path(tmp), url)


async def _main() -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord.http").setLevel(logging.ERROR)
    backends = tuple(sys.argv[1:]) or ("sqlite", "postgres")
    section = Section(title="A million subscriptions", command="python -m bench.million")
    await run(section, backends)


if __name__ == "__main__":
    asyncio.run(_main())
