"""Two bot processes, one PostgreSQL, one SIGKILL: shared by the test (short) and `make bench`.

Two real processes, `python bot.py run --shards 0 --shard-count 2` and `--shards 1
--shard-count 2`, serve servers spread over both shards of fakediscord. Every member has a
reflection subscription due within `spread` seconds (the scheduler, not the test, turns them
into prompts). When about half the prompts have arrived, one process is SIGKILLed, and
`restart_delay` seconds later started again with the same arguments, as systemd's
`Restart=always` with `RestartSec=` would. Afterwards we count what members received.

The pacing bound (written down, because the verdict depends on it):

  Each process paces its courier to COURIER_MAX_PER_SECOND = `rate` request starts per
  second, so two live processes send at most R = 2 x rate requests per second (kept under
  fakediscord's global limit, which, like Discord's, is per bot token: both processes share
  it). Every member's DM channel is already known, so one prompt is one request. Prompt i
  becomes due at d_i; the k prompts due at or after d_k cannot all be sent sooner than k / R
  after d_k. So no sender can deliver the last prompt sooner than

      bound = max over k of (d_k - d_first + (prompts due at or after d_k) / R)

  after the first one is due (for prompts due evenly over `spread` <= prompts / R seconds,
  simply prompts / R). The bound assumes both processes live throughout, so the time one
  of them is dead or starting counts against the result.

  The claim: the last prompt arrives within 1.1 x bound + lease after the first is due,
  where lease is the courier's claim lease (rows a dead process had claimed are free to
  others only when it runs out, unless the process comes back first and releases them).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from cogs.courier import LEASE
from fakediscord import FakeDiscord
from fakediscord.snowflake import DISCORD_EPOCH_MS
from storage.courier import counts_by_state
from storage.db import open_database
from storage.migrate import upgrade
from storage.models import Community, Member, ReflectionEntry, ReflectionSubscription

ROOT = Path(__file__).resolve().parent.parent
SHARD_COUNT = 2
# Seconds between placing the subscriptions and the first one falling due: both processes
# start, migrate (a no-op) and connect their shard meanwhile. If they are slower, the wait
# counts against the result (measured from the first due time), and `ready_after` says so.
START_MARGIN = 8.0


@dataclass
class ScaleOutcome:
    prompts: int
    servers: int
    processes: int
    rate: float  # COURIER_MAX_PER_SECOND of each process
    spread: float  # seconds over which the prompts fall due
    restart_delay: float
    lease: float
    bound: float = 0.0  # the pacing bound, seconds (see the module docstring)
    ready_after: list[float] = field(default_factory=list)  # each process, s after launch
    killed_shard: int = 1
    kill_at: float = 0.0  # seconds after the first due time
    delivered_at_kill: int = 0
    restarted_at: float = 0.0  # seconds after the first due time
    total: float = 0.0  # first due time -> last prompt created at fakediscord, seconds
    duplicates: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    journal_entries: int = 0
    outbox: dict[str, int] = field(default_factory=dict)
    global_429s: int = 0
    log_text: str = ""

    @property
    def allowed(self) -> float:
        return 1.1 * self.bound + self.lease

    @property
    def ratio(self) -> float:
        return self.total / self.bound if self.bound else float("nan")

    @property
    def held(self) -> bool:
        return not self.duplicates and not self.missing and self.total <= self.allowed


def pacing_bound(due_offsets: list[float], combined_rate: float) -> float:
    """max_k (d_k - d_0 + (n - k) / R) over due offsets sorted ascending (see above)."""
    ordered = sorted(due_offsets)
    n = len(ordered)
    return max(d - ordered[0] + (n - k) / combined_rate for k, d in enumerate(ordered))


async def _prepare(db_url: str, fd: FakeDiscord, *, servers: int, prompts: int) -> list[Any]:
    """Servers alternating between the shards, one user per prompt, member rows with their
    DM channel known (they have had prompts before). Subscriptions come later."""
    owner = fd.add_user("Organizer")
    guilds = [
        fd.add_guild(f"Scale Meetup {g}", owner=owner, shard_id=g % SHARD_COUNT)
        for g in range(servers)
    ]
    users = []
    for index in range(prompts):
        user = fd.add_user(f"member{index}")
        fd.add_member(guilds[index % servers], user)
        users.append(user)
    db = open_database(db_url)
    await upgrade(db.engine)
    now = datetime.now(UTC)
    async with db.session() as session:
        await session.execute(
            insert(Community),
            [
                {"guild_id": int(g.id), "name": g.name, "created_at": now, "updated_at": now}
                for g in guilds
            ],
        )
        await session.execute(
            insert(Member),
            [
                {
                    "guild_id": int(guilds[i % servers].id),
                    "user_id": int(user.id),
                    "reachable": True,
                    "dm_channel_id": int(fd.dm_channel(user).id),
                    "created_at": now,
                    "updated_at": now,
                }
                for i, user in enumerate(users)
            ],
        )
    await db.dispose()
    return users


async def _subscribe(db_url: str, users: list[Any], *, first_due: datetime, spread: float) -> None:
    """Every member's prompt due at an even step within `spread` seconds of `first_due`."""
    db = open_database(db_url)
    now = datetime.now(UTC)
    async with db.session() as session:
        rows = (await session.execute(select(Member.id, Member.user_id, Member.guild_id))).all()
        by_user = {user_id: (member_id, guild_id) for member_id, user_id, guild_id in rows}
        step = spread / max(len(users) - 1, 1)
        values = []
        for i, user in enumerate(users):
            member_id, guild_id = by_user[int(user.id)]
            due = first_due + timedelta(seconds=i * step)
            values.append(
                {
                    "member_id": member_id,
                    "guild_id": guild_id,
                    "active": True,
                    "display_name": user.name,
                    "timezone": "UTC",
                    "time_of_day": due.strftime("%H:%M"),  # tomorrow's is at this minute
                    "days": 0b1111111,
                    "cadence": "daily",
                    "next_send_at": due,
                    "next_send_on": due.date(),
                    "prompts_sent": i % 81,
                    "unanswered": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        await session.execute(insert(ReflectionSubscription), values)
    await db.dispose()


def _start_bot(shard: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bot.py"),
            "run",
            "--shards",
            str(shard),
            "--shard-count",
            str(SHARD_COUNT),
        ],
        cwd=log.parent,  # no .env there: only the environment below configures it
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _created_at(message_id: int) -> float:
    """The instant fakediscord created a message (its snowflake's timestamp), epoch seconds."""
    return ((message_id >> 22) + DISCORD_EPOCH_MS) / 1000


async def run_two_process_crash(
    tmp_path: Path,
    *,
    database_url: str,
    servers: int,
    prompts: int,
    rate: float,
    spread: float,
    restart_delay: float,
    killed_shard: int = 1,
    global_rate_limit: int = 50,
) -> ScaleOutcome:
    """Run the scenario on `database_url` (an empty PostgreSQL database) and report."""
    if SHARD_COUNT * rate > global_rate_limit:
        raise ValueError("the processes' combined rate must stay within the global limit")
    outcome = ScaleOutcome(
        prompts=prompts,
        servers=servers,
        processes=SHARD_COUNT,
        rate=rate,
        spread=spread,
        restart_delay=restart_delay,
        lease=LEASE.total_seconds(),
        killed_shard=killed_shard,
    )
    step = spread / max(prompts - 1, 1)
    outcome.bound = pacing_bound([i * step for i in range(prompts)], SHARD_COUNT * rate)
    fd = FakeDiscord(shard_count=SHARD_COUNT, global_rate_limit=global_rate_limit)
    await fd.start()
    processes: dict[int, subprocess.Popen[bytes]] = {}
    logs = {shard: tmp_path / f"bot-shard{shard}.log" for shard in range(SHARD_COUNT)}
    try:
        users = await _prepare(database_url, fd, servers=servers, prompts=prompts)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
        env.update(
            DISCORD_API_BASE=fd.api_base,
            DISCORD_TOKEN=fd.bot_token,
            DATABASE_URL=database_url,
            COURIER_MAX_PER_SECOND=f"{rate:g}",
            INSTANCE_NAME="scale-test",  # the worker name adds the shards: one per process
            LOG_LEVEL="WARNING",
        )
        first_due = datetime.now(UTC) + timedelta(seconds=START_MARGIN)
        await _subscribe(database_url, users, first_due=first_due, spread=spread)
        first_due_s = first_due.timestamp()
        baseline = fd.stats["messages"]

        def delivered() -> int:
            return fd.stats["messages"] - baseline

        launched = time.time()
        for shard in range(SHARD_COUNT):
            processes[shard] = _start_bot(shard, env, logs[shard])
        for shard in range(SHARD_COUNT):
            await fd.wait_for(lambda s=shard: fd.gateway.connected_sessions(s), timeout=60)
            outcome.ready_after.append(time.time() - launched)

        # Kill one process once about half the prompts have arrived.
        await fd.wait_for(
            lambda: delivered() >= prompts // 2, timeout=START_MARGIN + 3 * outcome.allowed
        )
        processes[killed_shard].send_signal(signal.SIGKILL)
        processes[killed_shard].wait(timeout=10)
        outcome.kill_at = time.time() - first_due_s
        outcome.delivered_at_kill = delivered()
        await asyncio.sleep(restart_delay)  # systemd: RestartSec
        processes[killed_shard] = _start_bot(killed_shard, env, logs[killed_shard])
        outcome.restarted_at = time.time() - first_due_s

        deadline = first_due_s + outcome.allowed + 30
        with contextlib.suppress(TimeoutError):  # what never came is reported as missing
            await fd.wait_for(
                lambda: delivered() >= prompts, timeout=max(deadline - time.time(), 1)
            )
        await asyncio.sleep(1.0)  # a duplicate still in flight would show up now
        received = [fd.dms_to(user) for user in users]
        outcome.duplicates = [users[i].name for i, got in enumerate(received) if len(got) > 1]
        outcome.missing = [users[i].name for i, got in enumerate(received) if not got]
        arrivals = [_created_at(int(m.id)) for got in received for m in got]
        if arrivals:
            outcome.total = max(arrivals) - first_due_s
        outcome.global_429s = sum(
            1
            for r in fd.requests
            if r.status == 429 and isinstance(r.response, dict) and r.response.get("global")
        )
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        await fd.stop()
    db = open_database(database_url)
    async with db.read() as session:
        outcome.outbox = await counts_by_state(session)
        outcome.journal_entries = int(
            await session.scalar(select(func.count()).select_from(ReflectionEntry)) or 0
        )
    await db.dispose()
    outcome.log_text = "\n".join(log.read_text(errors="replace") for log in logs.values())
    return outcome


def describe(outcome: ScaleOutcome) -> str:
    """One paragraph of figures, for the benchmark report and failing test messages."""
    return (
        f"{outcome.prompts} prompts from {outcome.servers} servers, {outcome.processes} "
        f"processes at COURIER_MAX_PER_SECOND={outcome.rate:g} each, due within "
        f"{outcome.spread:g} s; processes ready after "
        f"{', '.join(f'{s:.1f}' for s in outcome.ready_after)} s (first due at "
        f"{START_MARGIN:g} s); shard {outcome.killed_shard}'s process SIGKILLed at "
        f"{outcome.kill_at:.1f} s with {outcome.delivered_at_kill} delivered, restarted after "
        f"{outcome.restart_delay:g} s; last prompt at {outcome.total:.1f} s; pacing bound "
        f"{outcome.bound:.1f} s, lease {outcome.lease:g} s, allowed "
        f"{outcome.allowed:.1f} s; ratio to the bound {outcome.ratio:.3f}; duplicates "
        f"{len(outcome.duplicates)}, missing {len(outcome.missing)}; journal entries "
        f"{outcome.journal_entries}; outbox {outcome.outbox}; global 429s "
        f"{outcome.global_429s}"
    )
