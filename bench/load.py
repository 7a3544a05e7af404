"""Load figures for issues 8 and 22: concurrent writers on SQLite (the burst and its profile),
CPU per command, command latency and memory with 100,000 members' data.

- `burst_profile`: the burst again with py-spy on the bot (bench/profile.py), and
  `command_cpu`: the bot's CPU per slash command (bench/cpu.py), each against its baseline.
- `concurrent_writers`: the real bot as its own process on a fresh SQLite file, 50 members
  (in this process, with fakediscord) writing at once while the courier sends
  (testing/writers.py's workload).
- `command_latency` and `memory`: the real bot as its own process (`python bot.py run`)
  against fakediscord in this one, on a SQLite file seeded with 100,000 members' data, so
  the latency is what a member's client would see over loopback and the memory is the bot's
  alone. `run` seeds that file once and uses it for both.

`python -m bench.load` runs them all and prints the figures; `python -m bench.load writers`
(or cpu, profile, latency, memory) runs one (BENCHMARKS.md is written by
`make bench`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import os
import random
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import Section, machine, percentile, publish_commands, summary_ms
from bench.cpu import BASELINE_REVISION, cpu_lines, cpu_seconds, reference_loop_ms
from bench.cpu import FLOOR as CPU_FLOOR
from bench.cpu import ROUNDS as CPU_ROUNDS
from bench.cpu import WARM_UP as CPU_WARM_UP
from bench.cpu import measure as measure_commands
from bench.profile import RATE, Sampler, breakdown
from bench.profile import lines as profile_line
from fakediscord import FakeDiscord, Interaction
from fakediscord.interactions import DEFERRED_CHANNEL_MESSAGE, InteractionTimeout
from fakediscord.models import Channel, Guild, User
from prompts import render
from storage.communities import ensure_community
from storage.courier import enqueue
from storage.db import open_database
from storage.members import ensure_member
from storage.migrate import upgrade
from testing.writers import (
    CYCLE,
    Crowd,
    Expected,
    WritersOutcome,
    drive_writers,
    missing_writes,
)

ROOT = Path(__file__).resolve().parent.parent
# bench/profile.py's breakdown of the burst on the code before issue 22's work on it
# (BASELINE_REVISION), to print next to today's.
BASELINE_BREAKDOWN = (
    "2,008 samples: SQLite + aiosqlite (threads, hand-offs) 39%; "
    "SQLAlchemy core (compile, execute, pool, async bridge) 25%; "
    "SQLAlchemy ORM (session, unit of work, loading) 10%; asyncio event loop 8%; "
    "aiohttp / yarl / multidict (HTTP, websocket) 4%; Kindred's own code 4%; "
    "other (stdlib, threads) 3%; Jinja2 rendering (prompts) 2%; "
    "discord.py gateway, parsing, models 2%; discord.py views/forms 1%; "
    "discord.py HTTP + webhooks (callbacks) 1%; "
    "discord.py app commands (dispatch, transformers) 1%"
)
# The burst on that revision: medians over 17 runs of the median and of the p99 (ms).
BASELINE_BURST_MEDIAN_MS = 509
BASELINE_BURST_P99_MS = 778
BASELINE_BURST_RUNS = 17

WRITERS = 50
WRITER_COMMANDS = 20
WRITER_DMS = 2000
WRITER_DMS_LEAD = 25  # seconds from queueing the DMs to their being due (the bot starts meanwhile)
# After the writers: how long the thank-you posts may take to get through the channel's limit
# (5 posts per 5 s: 200 posts take 200 s from the first).
POSTS_DRAIN_TIMEOUT = 400.0

MEMBERS = 100_000
COMMUNITIES = 50
BIG_SERVER = 10_000  # members of community 0, all of them in fakediscord's guild too
COMMANDS_PER_FEATURE = 1000
BIG_SERVER_ISSUERS = 250  # of the 1,000 members who run commands; the rest spread out
JOURNAL_EACH = 5
ROLODEX_EACH = 5
PITCH_EACH = 2
THANKS_EACH = 1

PITCH_TEXT = (
    "Hi everyone, I'm new in town and work on small-business bookkeeping. I'd love to hear "
    "what brought you to this community and what you're curious about this month."
)
# One command per core feature, as a member runs it; each reads that member's seeded rows.
FEATURE_COMMANDS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("reflections", "reflections journal", {}),
    ("pitch", "pitchcheck text", {"text": PITCH_TEXT}),
    ("thanks", "thanks received", {}),
    ("rolodex", "rolodex search", {"query": "design"}),
)
UNEXPECTED = render("errors/unexpected", reference="").split(".")[0]

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/Lisbon", "Australia/Sydney")
TAGS = ("design", "bookkeeping", "lisbon", "hiring", "climbing", "legal", "marketing", "pottery")
PROMPTS = (
    "Who did you talk to this week that you'd like to know better, and why?",
    "What is one small way you helped someone recently, without expecting anything back?",
    "Which conversation this week surprised you, and what did you learn from it?",
)
ANSWER = (
    "I had coffee with Lena from the breakfast meetup; she is starting a ceramics studio and "
    "I promised to introduce her to my accountant friend next week."
)


def _run_line(section: Section, function: str) -> None:
    section.add(f"run: `{section.command}` (bench/load.py {function}) on {machine()}")


# ====================================================================== concurrent writers


async def concurrent_writers(
    section: Section, *, drain: bool = True, profile: bool = False
) -> None:
    """SQLite, one bot process: 50 members writing at once while the courier sends DMs.

    The bot runs as its own process (`bot.py run`, as for `command_latency`) on a fresh small
    SQLite file; fakediscord and the 50 simulated members run in this process. The DMs are
    queued before the bot starts, due when the writers begin, so the courier starts sending
    with them.
    """
    _run_line(section, "concurrent_writers")
    with tempfile.TemporaryDirectory() as tmp:
        world, guild = await _writers_world(Path(tmp))
        try:
            outcome, run = await _run_writers(
                world, guild, drain=drain, profile=Path(tmp) / "py-spy.txt" if profile else None
            )
            run.turns = await _write_turns(world)
        finally:
            await stop_bot(world)
        assert world.log is not None
        log = _BotLog(world.log.read_text(errors="replace"))
        log_summary = _log_problems(world)
        db = open_database(world.db_url)
        try:
            outcome.missing_writes = await missing_writes(db, run.crowd, run.expected)
        finally:
            await db.dispose()
        run.thanks_waiting = _unsent(world.db_path, ("thanks_post", "thanks_notice"))
    _writers_lines(section, outcome, run, log, log_summary)
    if profile:
        _profile_lines(section, run)


def _profile_lines(section: Section, run: _WritersRun) -> None:
    if run.profile is None:
        section.add("profile: py-spy is not installed (the bench extra), so no breakdown")
        return
    samples, shares = breakdown(run.profile)
    section.add(
        f"where the bot's CPU went while the writers ran (a second run of the burst with py-spy "
        f"sampling the bot's GIL-holding thread {RATE} times a second, each sample counted for "
        f"the library of its innermost Python frame; shares of the samples, not times: py-spy "
        f"slows this run): {profile_line(samples, shares)}"
    )
    section.add(f"the same breakdown before this work ({BASELINE_REVISION}): {BASELINE_BREAKDOWN}")


async def burst_profile(section: Section) -> None:
    """The burst again, with py-spy on the bot, for the breakdown (no wait for the posts)."""
    await concurrent_writers(section, drain=False, profile=True)


@dataclass
class _WritersRun:
    crowd: Crowd
    expected: Expected
    recipients: list[User]
    rate: float
    bot_pid: int
    due_gap: float = 0.0  # seconds between the DMs falling due and the writers starting
    dms_before: int = 0  # DMs sent before the writers started
    bot_cpu: list[float] = field(default_factory=list)  # % of one core, 1 s samples
    bench_cpu: list[float] = field(default_factory=list)
    loop_lag: list[float] = field(default_factory=list)  # this process's event loop, seconds
    posts_expected: int = 0  # thank-yous the writers gave
    posts_at_writers_end: int = 0  # of them in the channel when the last writer was answered
    posts_drained_after: float = 0.0  # seconds from then until the last one was out
    posts_out: int = 0  # in the channel when the bot was stopped
    thanks_waiting: int = -1  # thank-you rows in the outbox not sent when it was stopped
    turns: dict[str, dict[str, float]] = field(default_factory=dict)  # storage.db.TurnStats
    profile: str | None = None  # py-spy's raw stacks of the bot process
    drained: bool = True  # waited for the thank-you posts after the writers


async def _writers_world(tmp: Path) -> tuple[LoadWorld, Guild]:
    """fakediscord with one server (organizer, writers, DM recipients) and a migrated file."""
    fd = FakeDiscord()
    owner = fd.add_user("Olu")
    guild = fd.add_guild("Writers Meetup", owner=owner)
    fd.add_member(guild, owner, manage_guild=True)
    for name in ("general", "introductions", "referral-thanks"):
        fd.add_channel(guild, name)
    for index in range(WRITERS):
        fd.add_member(guild, fd.add_user(f"writer{index}"))
    for index in range(WRITER_DMS):
        fd.add_member(guild, fd.add_user(f"dm{index}"))
    db_path = tmp / "writers.db"
    db = open_database(f"sqlite+aiosqlite:///{db_path}")
    await upgrade(db.engine)
    await db.dispose()
    return LoadWorld(tmp, fd, db_path, issuers=[], rows={}, seed_seconds=0.0), guild


def _people(guild: Guild) -> dict[str, User]:
    return {member.user.name: member.user for member in guild.members.values()}


async def _queue_dms(world: LoadWorld, guild: Guild, recipients: list[User], due: datetime) -> None:
    """Member rows for the recipients (DM channel known, as if they had used Kindred before)
    and one outbox DM each, due at `due`: written before the bot starts."""
    db = open_database(world.db_url)
    now = datetime.now(UTC)
    try:
        async with db.session() as session:
            await ensure_community(session, int(guild.id), now=now, name=guild.name)
            for user in recipients:
                member = await ensure_member(session, int(guild.id), int(user.id), now=now)
                member.dm_channel_id = int(world.fd.dm_channel(user).id)
                await session.flush()
                await enqueue(
                    session,
                    guild_id=int(guild.id),
                    member_id=member.id,
                    purpose="test",
                    dedupe_key=f"load:{member.id}",
                    payload={"content": "Hello from the courier (load)"},
                    due_at=due,
                    now=now,
                )
    finally:
        await db.dispose()


def _cpu_ticks(pid: int | str) -> int:
    """utime + stime of a process (all its threads), in clock ticks."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


async def _sample_cpu(run: _WritersRun, stop: asyncio.Event) -> None:
    """CPU% (of one core) of the bot process and of this one, every second; and how late
    this process's event loop wakes a 50 ms sleep."""
    tick = os.sysconf("SC_CLK_TCK")
    last = (time.monotonic(), _cpu_ticks(run.bot_pid), _cpu_ticks("self"))
    next_sample = last[0] + 1.0
    while not stop.is_set():
        asleep = time.monotonic()
        await asyncio.sleep(0.05)
        now = time.monotonic()
        run.loop_lag.append(now - asleep - 0.05)
        if now >= next_sample:
            with contextlib.suppress(OSError):
                bot, bench = _cpu_ticks(run.bot_pid), _cpu_ticks("self")
                span = now - last[0]
                run.bot_cpu.append(100 * (bot - last[1]) / tick / span)
                run.bench_cpu.append(100 * (bench - last[2]) / tick / span)
                last = (now, bot, bench)
            next_sample = now + 1.0


async def _write_turns(world: LoadWorld) -> dict[str, dict[str, float]]:
    """The bot's write-turn figures (`storage.db.TurnStats`), asked for with SIGUSR1."""
    assert world.process is not None and world.log is not None
    world.process.send_signal(signal.SIGUSR1)
    marker = "write turn: "
    log = world.log

    def logged() -> str | None:
        found = [line for line in log.read_text(errors="replace").splitlines() if marker in line]
        return found[-1] if found else None

    with contextlib.suppress(TimeoutError):
        line = await world.fd.wait_for(logged, timeout=5, interval=0.1)
        return json.loads(line.split(marker, 1)[1])
    return {}


async def _run_writers(
    world: LoadWorld, guild: Guild, *, drain: bool = True, profile: Path | None = None
) -> tuple[WritersOutcome, _WritersRun]:
    fd = world.fd
    people = _people(guild)
    names = [f"writer{index}" for index in range(WRITERS)]
    recipients = [people[f"dm{index}"] for index in range(WRITER_DMS)]
    channels = {channel.name: channel for channel in guild.channels.values()}
    crowd = Crowd(fd, guild, channels["general"], people)
    # Due once the bot has synced, connected and settled (start_bot waits 3 s after
    # connecting) and /setup ran; the writers start at that moment.
    due = datetime.now(UTC) + timedelta(seconds=WRITER_DMS_LEAD)
    await _queue_dms(world, guild, recipients, due)
    await start_bot(world)
    assert world.process is not None
    setup = await fd.slash(
        people["Olu"],
        "setup",
        options={"thanks_channel": channels["referral-thanks"]},
        guild=guild,
        channel=channels["general"],
    )
    await setup.wait_response()
    assert setup.reply is not None and "Saved" in setup.reply.content, setup.reply
    await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
    run = _WritersRun(
        crowd,
        Expected(),
        recipients,
        float(world.env().get("COURIER_MAX_PER_SECOND", "25")),
        world.process.pid,
        due_gap=(datetime.now(UTC) - due).total_seconds(),
        dms_before=sum(1 for user in recipients if fd.dms_to(user)),
    )
    outcome = WritersOutcome(writers=WRITERS, commands_each=WRITER_COMMANDS, dms=WRITER_DMS)
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample_cpu(run, stop))
    spy = Sampler(run.bot_pid, profile) if profile is not None else None
    if spy is not None and not await spy.start():
        spy = None
    started = time.monotonic()
    await drive_writers(
        crowd,
        names,
        WRITER_COMMANDS,
        outcome,
        run.expected,
        lambda ix: ix.response_latency,
        answer_poll=0.05,
    )
    outcome.seconds = time.monotonic() - started
    if spy is not None:
        run.profile = await spy.stop()
    outcome.dms_sent_during = sum(1 for user in recipients if fd.dms_to(user)) - run.dms_before
    stop.set()
    await sampler
    if not drain:
        run.drained = False
        return outcome, run
    # Every giver has her answer; the posts go out as the channel's rate limit lets them, and
    # each thanked member's DM after its post. Wait for all of them before stopping the bot.
    thanks_channel = channels["referral-thanks"]
    run.posts_expected = len(run.expected.thanks)
    run.posts_at_writers_end = len(fd.channel_messages(thanks_channel))
    drain = time.monotonic()

    def notices() -> int:
        return sum(len(fd.dms_to(people[name])) for name in names)

    with contextlib.suppress(TimeoutError):
        await fd.wait_for(
            lambda: (
                len(fd.channel_messages(thanks_channel)) >= run.posts_expected
                and notices() >= run.posts_expected
                # ...and the courier has written down that they are out.
                and _unsent(world.db_path, ("thanks_post", "thanks_notice")) == 0
            ),
            timeout=POSTS_DRAIN_TIMEOUT,
            interval=0.5,
        )
    run.posts_drained_after = time.monotonic() - drain
    run.posts_out = len(fd.channel_messages(thanks_channel))
    outcome.thanks_notices_sent = notices()
    return outcome, run


def _unsent(db_path: Path, purposes: tuple[str, ...]) -> int:
    """Outbox rows of these purposes not sent (yet): read straight from the SQLite file."""
    with contextlib.closing(sqlite3.connect(db_path)) as connection:
        marks = ",".join("?" * len(purposes))
        [(count,)] = connection.execute(
            f"SELECT count(*) FROM outbox WHERE purpose IN ({marks}) AND state != 'sent'",
            purposes,
        ).fetchall()
    return int(count)


class _BotLog:
    """The bot process's log (stdout+stderr, LOG_LEVEL=INFO) split into records."""

    def __init__(self, text: str) -> None:
        self.records: list[str] = []
        for line in text.splitlines():
            parts = line.split(maxsplit=2)
            if (len(parts) >= 2 and len(parts[0]) == 8 and parts[0][2] == ":") or not self.records:
                self.records.append(line)
            else:
                self.records[-1] += "\n" + line

    def count(self, *markers: str) -> int:
        return sum(1 for r in self.records if any(marker in r for marker in markers))

    def level(self, level: str) -> int:
        return sum(1 for r in self.records if r.split(maxsplit=2)[1:2] == [level])


def _writers_lines(
    section: Section, outcome: WritersOutcome, run: _WritersRun, log: _BotLog, problems: str
) -> None:
    section.add(
        "the bot as its own process (`python bot.py run`, LOG_LEVEL=INFO, its output captured "
        "to a file) on a fresh SQLite file (WAL); fakediscord and the simulated members run "
        "in this process, so the bot's event loop and CPU serve only the bot"
    )
    section.add(
        f"{WRITERS} members at once, {WRITER_COMMANDS} commands each in turn "
        f"({', '.join('/' + c for c in CYCLE)}; /rolodex add is a command and its form): "
        f"{outcome.commands:,} slash commands, {outcome.interactions:,} interactions in "
        f"{outcome.seconds:.1f} s; {WRITER_DMS:,} DMs were queued before the bot started, due "
        f"when the writers began ({run.dms_before} sent before), and the courier "
        f"(COURIER_MAX_PER_SECOND={run.rate:g}) sent {outcome.dms_sent_during:,} of them while "
        f"the writers ran; thanks notices delivered to the writers: "
        f"{outcome.thanks_notices_sent:,}"
    )
    section.add(
        "in the bot's log (whole run, start-up included): records mentioning "
        f'"database is locked" or OperationalError: '
        f"{log.count('database is locked', 'OperationalError')}; ERROR records: "
        f"{log.level('ERROR')}; tracebacks: {log.count('Traceback (most recent call last)')}; "
        f'"could not deliver a reply" warnings: {log.count("could not deliver a reply")}'
    )
    section.add(
        f'"something went wrong" replies: {len(outcome.unexpected_replies)}; writes missing '
        "from the SQLite file after the run (every pitch check, /reflections now entry, "
        "subscription time, rolodex entry and thanks of an answered command, read back): "
        f"{len(outcome.missing_writes)}"
        + (
            f" ({'; '.join(m[:200] for m in outcome.missing_writes)})"
            if outcome.missing_writes
            else ""
        )
    )
    handled = outcome.all_handling()
    late = len(outcome.expired)
    unanswered = len(outcome.missing_replies)
    # The late and unanswered ones count as slower than every answered one.
    p99_all = percentile(handled + [float("inf")] * (late + unanswered), 0.99)
    overall = "over 3 s" if p99_all == float("inf") else f"{p99_all * 1000:.0f} ms"
    section.add(
        "handling time of an interaction (fakediscord sends INTERACTION_CREATE -> receives the "
        "bot's interaction callback, which for these commands is the full reply after the "
        "commit; over loopback, so it includes the websocket and HTTP hops and this process's "
        f"own event-loop delays): {summary_ms(handled) if handled else 'none answered'}"
        + (f", max {max(handled) * 1000:.0f} ms" if handled else "")
        + f" over the answered ones; late (callback after Discord's 3 s deadline, refused "
        f"with 10062): {late}; unanswered (no callback within 15 s): {unanswered}; so the p99 "
        f"over all {outcome.interactions:,} is {overall}"
    )
    if handled and run.drained:  # not in the profiled run: py-spy slows it
        median = statistics.median(handled) * 1000
        section.add(
            f"against issue 22's goals (median under 50 ms, p99 under 250 ms): median "
            f"{median:.0f} ms, p99 {p99_all * 1000:.0f} ms; before this work "
            f"({BASELINE_REVISION}, medians of {BASELINE_BURST_RUNS} runs): median "
            f"{BASELINE_BURST_MEDIAN_MS:.0f} ms, p99 {BASELINE_BURST_P99_MS:.0f} ms, so the "
            f"median is {median / BASELINE_BURST_MEDIAN_MS:.2f} of it. "
            + (
                "Both goals met"
                if median < 50 and p99_all < 0.25
                else "Not met: 50 members waiting for their answers keep 50 interactions in "
                "flight, so the median is about 50 / throughput; under 50 ms needs ~1,000 "
                "interactions a second, ~1 ms of CPU each in one Python process "
                "(docs/performance.md)"
            )
        )
    late_by: Counter[str] = Counter(
        entry.split(" /", 1)[1].split(" #")[0] for entry in outcome.expired
    )
    section.add(
        "by command: "
        + "; ".join(
            f"/{name} median {statistics.median(values) * 1000:.0f} ms, "
            f"p99 {percentile(values, 0.99) * 1000:.0f} ms (n={len(values)}"
            + (f", {late_by[name]} late" if late_by.get(name) else "")
            + ")"
            for name, values in outcome.handling.items()
        )
    )
    if run.bot_cpu:
        section.add(
            "CPU while the writers ran, % of one core from /proc/<pid>/stat every second: "
            f"bot process median {statistics.median(run.bot_cpu):.0f}%, max "
            f"{max(run.bot_cpu):.0f}%; this process (fakediscord and the members) median "
            f"{statistics.median(run.bench_cpu):.0f}%, max {max(run.bench_cpu):.0f}%; this "
            "process's event loop woke a 50 ms sleep late by median "
            f"{statistics.median(run.loop_lag) * 1000:.0f} ms, p99 "
            f"{percentile(run.loop_lag, 0.99) * 1000:.0f} ms"
        )
    if run.turns:
        section.add(
            "the write turn (one write unit at a time in the bot; storage.db.TurnStats, read "
            "from the bot with SIGUSR1 after the writers, whole run): "
            + "; ".join(
                f"{who} {int(t['units']):,} units, waited median {t['wait_median_ms']:.1f} ms, "
                f"p99 {t['wait_p99_ms']:.1f} ms, held median {t['hold_median_ms']:.2f} ms, "
                f"p99 {t['hold_p99_ms']:.1f} ms, {t['hold_total_ms'] / 1000:.1f} s held in all"
                for who, t in sorted(run.turns.items())
            )
        )
    section.add(f"bot WARNING+ log lines by logger: {problems}")
    if not run.drained:
        return  # a run that did not wait for the posts (the profiled one)
    gives = outcome.handling.get("thanks give", [])
    section.add(
        "fakediscord enforces Discord's real rate limits here (the in-process test compresses "
        "them 20x): /thanks give records the thank-you and queues its post in one unit of "
        "work and answers at once; the courier posts it in the one #referral-thanks channel "
        "(5 messages per 5 s), then DMs the thanked member. Givers answered: "
        f"{len(gives)} of {run.posts_expected}, slowest {max(gives, default=0) * 1000:.0f} ms, "
        f"over 1 s: {sum(1 for g in gives if g > 1.0)}. Posts in the channel when the last "
        f"writer had her answer: {run.posts_at_writers_end} of {run.posts_expected}; the rest "
        f"were out {run.posts_drained_after:.0f} s later ({run.posts_out} in all, thanked "
        f"members told {outcome.thanks_notices_sent}); thank-yous still waiting for their post "
        f"or DM when the bot was stopped: {run.thanks_waiting}"
    )
    if "Can't keep up" in problems:
        section.add(
            "discord.gateway's \"Can't keep up\" (one heartbeat interval, 41.25 s here) is how "
            "discord.py times its heartbeat: its keep-alive thread notes the send time only "
            "after the send returns, and over loopback fakediscord's ack can be handled on the "
            "bot's loop before that thread runs again (it waits for the GIL under load), so the "
            "ack is timed from the previous heartbeat; Discord's own ack takes a network round "
            "trip"
        )


# ====================================================================== the seeded world


@dataclass
class SeedGuild:
    guild_id: int
    name: str
    user_ids: list[int]


@functools.cache
def _dt(value: datetime) -> str:
    # The text SQLAlchemy's SQLite DateTime writes (UTCDateTime stores naive UTC). Cached:
    # seeded values repeat, and formatting 1.2 million of them was a third of the seeding.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _day(value: date) -> str:
    return value.isoformat()


def seed_members(path: Path, guilds: list[SeedGuild], now: datetime) -> dict[str, int]:
    """Bulk-insert members' data into a migrated SQLite file; returns rows per table.

    Raw executemany in one transaction: seconds for 100,000 members, where going through
    commands or the ORM would take minutes. Every value is written as SQLAlchemy writes it
    (tests/test_load_seed.py reads the rows back through the models).
    """
    rng = random.Random(8)
    counts: Counter[str] = Counter()
    connection = sqlite3.connect(path)
    try:
        # A throw-away file being filled: no durability needed until it is done, and
        # secondary indexes are built once at the end instead of row by row.
        connection.execute("PRAGMA journal_mode=MEMORY")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-262144")
        indexes = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            connection.execute(f"DROP INDEX {name}")
        stamp = _dt(now - timedelta(days=30))
        members: list[tuple[int, int, int, int]] = []  # (member id, guild, user, index)
        first_of_guild: dict[int, tuple[int, int]] = {}  # guild -> (first member id, size)
        for guild in guilds:
            first_of_guild[guild.guild_id] = (len(members) + 1, len(guild.user_ids))
            for user_id in guild.user_ids:
                members.append((len(members) + 1, guild.guild_id, user_id, len(members)))

        def insert(table: str, columns: str, rows: Iterator[tuple[Any, ...]]) -> None:
            marks = ", ".join("?" for _ in columns.split(","))
            cursor = connection.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows
            )
            counts[table] += cursor.rowcount

        with connection:
            insert(
                "communities",
                "guild_id, name, timezone, prompt_time, reflections_enabled, pitch_enabled, "
                "thanks_enabled, rolodex_enabled, intro_nudges, digest_weekday, digest_hour, "
                "created_at, updated_at",
                (
                    (g.guild_id, g.name, "UTC", "09:00", 1, 1, 1, 1, 0, 0, 9, stamp, stamp)
                    for g in guilds
                ),
            )
            insert(
                "members",
                "id, guild_id, user_id, timezone, reachable, thanks_dms, created_at, updated_at",
                ((m, g, u, ZONES[i % len(ZONES)], 1, 1, stamp, stamp) for m, g, u, i in members),
            )

            def subscriptions() -> Iterator[tuple[Any, ...]]:
                for member_id, guild_id, _, index in members:
                    # Due days from now: the scheduler has nothing to send during the run.
                    due = now + timedelta(days=2, minutes=index % 1440)
                    yield (
                        member_id, guild_id, 1, f"Member {index}", ZONES[index % len(ZONES)],
                        f"{7 + index % 12:02d}:{index % 60:02d}", 0b1111111, "daily",
                        _dt(due), _day(due.date()), _day(now.date() - timedelta(days=1)),
                        JOURNAL_EACH, 0, stamp, stamp,
                    )  # fmt: skip

            insert(
                "reflection_subscriptions",
                "member_id, guild_id, active, display_name, timezone, time_of_day, days, "
                "cadence, next_send_at, next_send_on, last_sent_on, prompts_sent, unanswered, "
                "created_at, updated_at",
                subscriptions(),
            )

            # Every (day, minute) a journal row can have, formatted once: 3,000 variants
            # instead of 500,000 rows' worth of date formatting.
            journal_rows = {
                (day, minute, answered): (
                    "daily", _day((now - timedelta(days=day + 1, minutes=minute)).date()),
                    f"pack/item_{day:02d}", _dt(now - timedelta(days=day + 1, minutes=minute)),
                    f"{ANSWER} ({day})" if answered else None,
                    _dt(now - timedelta(days=day + 1, minutes=minute) + timedelta(hours=2))
                    if answered else None,
                )
                for day in range(JOURNAL_EACH)
                for minute in range(600)
                for answered in (False, True)
            }  # fmt: skip

            def journal() -> Iterator[tuple[Any, ...]]:
                for member_id, _, _, index in members:
                    minute = index % 600
                    for day in range(JOURNAL_EACH):
                        kind, local, key, sent, answer, answered_at = journal_rows[
                            (day, minute, (day + index) % 5 < 3)
                        ]
                        prompt = PROMPTS[(index + day) % len(PROMPTS)]
                        yield (member_id, kind, local, key, prompt, sent, answer, answered_at, 0)

            insert(
                "reflection_entries",
                "member_id, kind, local_date, prompt_key, prompt_text, sent_at, answer, "
                "answered_at, skipped",
                journal(),
            )

            def rolodex() -> Iterator[tuple[Any, ...]]:
                for member_id, guild_id, _, index in members:
                    for k in range(ROLODEX_EACH):
                        name = f"Contact {k} of member {index}"
                        tags = ",".join(sorted({TAGS[(index + k) % 8], TAGS[(index * 3 + k) % 8]}))
                        yield (
                            guild_id, member_id, name, name.casefold(),
                            "Met at the spring meetup", f"Works on {tags.replace(',', ' and ')}; "
                            "loves long walks and good bread.", tags, 1, k % 2, k % 3 == 0,
                            stamp, stamp,
                        )  # fmt: skip

            insert(
                "rolodex_entries",
                "guild_id, owner_member_id, name, name_key, how_met, notes, tags, know, "
                "like, trust, created_at, updated_at",
                rolodex(),
            )

            signals = json.dumps(["question_about_them"])

            def checks() -> Iterator[tuple[Any, ...]]:
                for member_id, _, _, index in members:
                    for k in range(PITCH_EACH):
                        score = rng.randint(20, 90)
                        verdict = (
                            "connecting"
                            if score >= 65
                            else "pitching"
                            if score < 40
                            else "balanced"
                        )
                        yield (
                            member_id, "text", score, verdict, PITCH_TEXT[:120],
                            signals,
                            _dt(now - timedelta(days=k + 1, minutes=index % 600)),
                        )  # fmt: skip

            insert(
                "pitch_checks",
                "member_id, kind, score, verdict, excerpt, signals, created_at",
                checks(),
            )

            def thanks() -> Iterator[tuple[Any, ...]]:
                for member_id, guild_id, _, index in members:
                    first, size = first_of_guild[guild_id]
                    for k in range(THANKS_EACH):
                        # The previous member(s) of the same community, wrapping around.
                        receiver = first + (member_id - first - 1 - k) % size
                        story = f"Member {index} thanks a neighbour for an introduction ({k})."
                        yield (
                            guild_id, member_id, receiver, "introduction", story,
                            hashlib.sha256(story.casefold().encode()).hexdigest(),
                            guild_id + 1, 10**17 + member_id * 10 + k, 0,
                            _dt(now - timedelta(days=k + 1, minutes=index % 900)),
                        )  # fmt: skip

            insert(
                "thanks",
                "guild_id, giver_member_id, receiver_member_id, kind, story, story_key, "
                "channel_id, message_id, removed, created_at",
                thanks(),
            )
        with connection:
            for _, sql in indexes:
                connection.execute(sql)
        connection.execute("PRAGMA journal_mode=WAL")  # as the bot's database has it
    finally:
        connection.close()
    return dict(counts)


@dataclass
class Issuer:
    guild: Guild
    channel: Channel
    user: User
    big: bool  # a member of the 10,000-member server


@dataclass
class LoadWorld:
    """fakediscord with 50 servers (one of 10,000 members), a seeded database, the bot."""

    tmp: Path
    fd: FakeDiscord
    db_path: Path
    issuers: list[Issuer]
    rows: dict[str, int]
    seed_seconds: float
    process: asyncio.subprocess.Process | None = None
    log: Path | None = None
    idle_rss: dict[str, int] = field(default_factory=dict)
    latencies: dict[str, list[float]] | None = None
    big_latencies: dict[str, list[float]] = field(default_factory=dict)
    # To the whole answer, for a command that answers "thinking" first (the journal).
    whole: dict[str, list[float]] = field(default_factory=dict)
    late: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)

    @property
    def db_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.db_path}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
        env.update(
            DISCORD_API_BASE=self.fd.api_base,
            DISCORD_TOKEN=self.fd.bot_token,
            DATABASE_URL=self.db_url,
            LOG_LEVEL="INFO",
            INSTANCE_NAME="bench-load",
        )
        return env


async def build_world(tmp: Path) -> LoadWorld:
    """The servers and people in fakediscord, and their data in a fresh SQLite file.

    Community 0 is the 10,000-member server: every member is in fakediscord's guild. The
    other 49 communities share the remaining 90,000 members in the database; in fakediscord
    they hold only the members who run commands. The bot does not ask for member lists (no
    members intent), so fakediscord's member counts change nothing it receives but
    `member_count`.
    """
    fd = FakeDiscord()
    owner = fd.add_user("Organizer")
    guilds = [fd.add_guild(f"Load Community {n}", owner=owner) for n in range(COMMUNITIES)]
    channels = [fd.add_channel(guild, "general") for guild in guilds]
    others = MEMBERS - BIG_SERVER
    per_other = others // (COMMUNITIES - 1)
    sizes = [BIG_SERVER] + [
        per_other + (1 if n < others % (COMMUNITIES - 1) else 0) for n in range(COMMUNITIES - 1)
    ]
    other_issuers = COMMANDS_PER_FEATURE - BIG_SERVER_ISSUERS
    issuers: list[Issuer] = []
    seed: list[SeedGuild] = []
    synthetic = 10**15  # user ids of members who never appear in fakediscord
    for n, (guild, channel, size) in enumerate(zip(guilds, channels, sizes, strict=True)):
        if n == 0:
            in_fake = size
            active = BIG_SERVER_ISSUERS
        else:
            active = other_issuers // (COMMUNITIES - 1) + (
                1 if n - 1 < other_issuers % (COMMUNITIES - 1) else 0
            )
            in_fake = active
        user_ids = []
        for k in range(size):
            if k < in_fake:
                user = fd.add_user(f"c{n}m{k}")
                fd.add_member(guild, user)
                user_ids.append(int(user.id))
                if k < active:
                    issuers.append(Issuer(guild, channel, user, big=n == 0))
            else:
                synthetic += 1
                user_ids.append(synthetic)
        seed.append(SeedGuild(int(guild.id), guild.name, user_ids))
    db_path = tmp / "load.db"
    db = open_database(f"sqlite+aiosqlite:///{db_path}")
    await upgrade(db.engine)
    await db.dispose()
    began = time.perf_counter()
    rows = seed_members(db_path, seed, datetime.now(UTC))
    seed_seconds = time.perf_counter() - began
    # Interleave servers so consecutive commands come from different communities.
    random.Random(3).shuffle(issuers)
    return LoadWorld(tmp, fd, db_path, issuers, rows, seed_seconds)


def _status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (peak) of a process, in KiB."""
    values = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


async def start_bot(world: LoadWorld) -> None:
    """Publish the commands (`bot.py sync`), then run `bot.py run` until it is connected."""
    await world.fd.start()
    env = world.env()
    await publish_commands(world.tmp, env, limit=120)
    world.log = world.tmp / "bot.log"
    with world.log.open("ab") as log_file:
        world.process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "bot.py"),
            "run",
            cwd=world.tmp,
            env=env,
            stdout=log_file,
            stderr=asyncio.subprocess.STDOUT,
        )
    log = world.log

    def connected() -> bool:
        if world.process is not None and world.process.returncode is not None:
            raise RuntimeError(f"the bot exited: {log.read_text(errors='replace')[-2000:]}")
        return "connected as" in log.read_text(errors="replace")

    await world.fd.wait_for(connected, timeout=120, interval=0.1)
    # Idle: start-up work (scheduler, courier, caches) settled, no commands yet.
    await asyncio.sleep(3)
    world.idle_rss = _status(world.process.pid)


async def stop_bot(world: LoadWorld) -> None:
    if world.process is not None and world.process.returncode is None:
        world.process.terminate()
        try:
            await asyncio.wait_for(world.process.wait(), 15)
        except TimeoutError:
            world.process.kill()
            await world.process.wait()
    await world.fd.stop()


@contextlib.asynccontextmanager
async def load_world() -> AsyncIterator[LoadWorld]:
    with tempfile.TemporaryDirectory() as tmp:
        world = await build_world(Path(tmp))
        try:
            await start_bot(world)
            yield world
        finally:
            await stop_bot(world)


async def _answered(fd: FakeDiscord, ix: Interaction) -> bool:
    await fd.wait_for(lambda: ix.acknowledged or ix.rejected, timeout=15, interval=0.5)
    return ix.acknowledged


async def run_workload(world: LoadWorld) -> dict[str, list[float]]:
    """Every issuer runs one command of each feature, one command in flight at a time, and
    waits for its whole answer (/reflections journal answers "thinking" first, then its page
    and calendar picture)."""
    fd = world.fd
    latencies: dict[str, list[float]] = {feature: [] for feature, _, _ in FEATURE_COMMANDS}
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
            assert ix.response_latency is not None
            latencies[feature].append(ix.response_latency)
            if ix.response_type == DEFERRED_CHANNEL_MESSAGE and ix.sent_at is not None:
                world.whole.setdefault(feature, []).append(time.monotonic() - ix.sent_at)
            if issuer.big:
                world.big_latencies.setdefault(feature, []).append(ix.response_latency)
            if not reply.has_body() or UNEXPECTED in (reply.content or ""):
                world.unexpected.append(f"/{command}: {reply}")
    world.latencies = latencies
    return latencies


def _log_problems(world: LoadWorld) -> str:
    """The bot's WARNING+ log lines, counted by logger, with the first one of each quoted."""
    assert world.log is not None
    found: Counter[str] = Counter()
    first: dict[str, str] = {}
    for line in world.log.read_text(errors="replace").splitlines():
        parts = line.split(maxsplit=3)
        if len(parts) == 4 and parts[1] in ("WARNING", "ERROR", "CRITICAL"):
            key = f"{parts[2].rstrip(':')} {parts[1]}"
            found[key] += 1
            first.setdefault(key, parts[3][:160])
    return ", ".join(f'{key} x{count} ("{first[key]}")' for key, count in found.items()) or "none"


def _seed_line(section: Section, world: LoadWorld) -> None:
    rows = ", ".join(f"{table} {count:,}" for table, count in world.rows.items())
    size = world.db_path.stat().st_size / 2**20
    section.add(
        f"database: SQLite, {MEMBERS:,} members in {COMMUNITIES} communities (one of "
        f"{BIG_SERVER:,}), bulk-inserted in {world.seed_seconds:.1f} s ({rows}; "
        f"{size:.0f} MiB file); no reflection prompt, digest or reminder due during the run"
    )


# ====================================================================== command latency


async def command_latency(section: Section, world: LoadWorld | None = None) -> None:
    """1,000 slash commands of each core feature by seeded members, through fakediscord."""
    if world is None:
        async with load_world() as own:
            await command_latency(section, own)
        return
    _run_line(section, "command_latency")
    _seed_line(section, world)
    began = time.perf_counter()
    latencies = await run_workload(world)
    elapsed = time.perf_counter() - began
    total = sum(len(values) for values in latencies.values()) + sum(world.late.values())
    section.add(
        f"the bot as its own process (`python bot.py run`); {total:,} commands by "
        f"{len(world.issuers):,} different seeded members (one of each command each, "
        f"{BIG_SERVER_ISSUERS} of them in the big server), one command in flight at a time, "
        f"in {elapsed:.0f} s; time from fakediscord sending INTERACTION_CREATE to receiving "
        "the interaction callback (the whole answer, except where a command answers "
        '"thinking" first: then also the time to its whole answer):'
    )
    worst = 0.0
    for feature, command, options in FEATURE_COMMANDS:
        values = latencies[feature]
        shown = " ".join(
            f"{key}:{value if len(value) <= 12 else value[:12] + '...'}"
            for key, value in options.items()
        )
        worst = max(worst, max(values, default=0.0))
        big = world.big_latencies.get(feature, [])
        in_big = (
            f"; in the {BIG_SERVER:,}-member server median "
            f"{statistics.median(big) * 1000:.1f} ms, p99 {percentile(big, 0.99) * 1000:.1f} ms"
            if big
            else ""
        )
        whole = world.whole.get(feature, [])
        to_whole = (
            f'; answered "thinking" first, whole answer (with its picture) {summary_ms(whole)}'
            if whole
            else ""
        )
        section.add(
            f"/{command}{' ' + shown if shown else ''}: {summary_ms(values)}, "
            f"max {max(values) * 1000:.0f} ms{in_big}{to_whole}; late (over 3 s): "
            f"{world.late[feature]}"
        )
    section.add(
        f"slowest of all {total:,}: {worst * 1000:.0f} ms against Discord's 3,000 ms deadline; "
        f'"something went wrong" or empty replies: {len(world.unexpected)}; '
        f"bot WARNING+ log lines: {_log_problems(world)}"
    )


# ====================================================================== memory


async def memory(section: Section, world: LoadWorld | None = None) -> None:
    """The bot process's resident memory: idle after connecting, then after the workload."""
    if world is None:
        async with load_world() as own:
            await memory(section, own)
        return
    _run_line(section, "memory")
    if world.latencies is None:
        _seed_line(section, world)
        await run_workload(world)
    assert world.process is not None
    after = _status(world.process.pid)
    idle = world.idle_rss
    section.add(
        f"`python bot.py run` with {MEMBERS:,} members' data in SQLite and connected to "
        f"{COMMUNITIES} servers, one of {BIG_SERVER:,} members (GUILD_CREATE carries "
        "member_count; no member list, as the bot has no members intent and caches no members)"
    )
    section.add(
        f"resident memory (VmRSS) idle after connecting: {idle['VmRSS'] / 1024:.0f} MiB; after "
        f"{sum(len(v) for v in (world.latencies or {}).values()):,} commands of the latency "
        f"workload: {after['VmRSS'] / 1024:.0f} MiB (peak VmHWM {after['VmHWM'] / 1024:.0f} MiB)"
    )


# ====================================================================== all of it


async def run(section: Section) -> None:
    await concurrent_writers(section)
    await burst_profile(section)
    await command_cpu(section)
    async with load_world() as world:
        await command_latency(section, world)
        await memory(section, world)


async def command_cpu(section: Section, rounds: int = CPU_ROUNDS) -> None:
    """Bot CPU per slash command, by command type and the median over the types."""
    _run_line(section, "command_cpu (bench/cpu.py)")
    members_count = rounds + CPU_WARM_UP
    with tempfile.TemporaryDirectory() as tmp:
        fd = FakeDiscord()
        owner = fd.add_user("Olu")
        guild = fd.add_guild("CPU Meetup", owner=owner)
        fd.add_member(guild, owner, manage_guild=True)
        general = fd.add_channel(guild, "general")
        thanks_channel = fd.add_channel(guild, "referral-thanks")
        members = []
        for index in range(members_count):
            user = fd.add_user(f"member{index}")
            fd.add_member(guild, user)
            members.append(user)
        db_path = Path(tmp) / "cpu.db"
        db = open_database(f"sqlite+aiosqlite:///{db_path}")
        await upgrade(db.engine)
        await db.dispose()
        world = LoadWorld(Path(tmp), fd, db_path, issuers=[], rows={}, seed_seconds=0.0)
        await start_bot(world)
        try:
            assert world.process is not None
            pid = world.process.pid
            setup = await fd.slash(
                owner,
                "setup",
                options={"thanks_channel": thanks_channel},
                guild=guild,
                channel=general,
            )
            await setup.wait_response()
            idle_before = cpu_seconds(pid)
            idle_began = time.monotonic()
            await asyncio.sleep(2.0)
            idle = (cpu_seconds(pid) - idle_before) / (time.monotonic() - idle_began)
            speed = [reference_loop_ms()]
            results = await measure_commands(world, guild, general, members, pid, rounds)
            floor = await measure_commands(
                world, guild, general, members, pid, rounds, kinds=(CPU_FLOOR,)
            )
            speed.append(reference_loop_ms())
        finally:
            await stop_bot(world)
    cpu_lines(section, results, rounds, idle, speed, floor[0])


async def _main() -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord.http").setLevel(logging.ERROR)
    only = sys.argv[1:]
    section = Section(title="Load", command=" ".join(["python -m bench.load", *only]))
    if not only:
        await run(section)
    for name in only:
        await {
            "writers": concurrent_writers,
            "cpu": command_cpu,
            "profile": burst_profile,
            "latency": command_latency,
            "memory": memory,
        }[name](section)


if __name__ == "__main__":
    asyncio.run(_main())
