"""The courier crash scenario, shared by the test (short) and `make bench` (long).

A real bot process (`python bot.py run`) sends DMs through fakediscord while it is SIGKILLed
at random moments and restarted; afterwards we count what members actually received.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fakediscord import FakeDiscord
from storage.communities import ensure_community
from storage.courier import counts_by_state, enqueue
from storage.db import open_database
from storage.members import ensure_member
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CrashOutcome:
    messages: int
    kills: int
    delivered_at_each_kill: list[int] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    log_text: str = ""


async def _prepare(db_url: str, fd: FakeDiscord, messages: int) -> list[Any]:
    owner = fd.add_user("Organizer")
    guild = fd.add_guild("Crash Meetup", owner=owner)
    users = []
    for index in range(messages):
        user = fd.add_user(f"member{index}")
        fd.add_member(guild, user)
        users.append(user)
    db = open_database(db_url)
    await upgrade(db.engine)
    now = datetime.now(UTC)
    async with db.session() as session:
        await ensure_community(session, int(guild.id), now=now)
        for index, user in enumerate(users):
            member = await ensure_member(session, int(guild.id), int(user.id), now=now)
            # Half already have a DM channel cached, half need one opened first.
            if index % 2:
                member.dm_channel_id = int(fd.dm_channel(user).id)
            await enqueue(
                session,
                guild_id=int(guild.id),
                member_id=member.id,
                purpose="crash-test",
                dedupe_key=f"crash:{member.id}",
                payload={"content": f"Hello {index}"},
                due_at=now,
                now=now,
            )
    await db.dispose()
    return users


def _start_bot(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "bot.py"), "run"],
        cwd=log.parent,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


async def run_crash_scenario(
    tmp_path: Path,
    *,
    messages: int,
    kills: int,
    rate: int,
    seed: int = 20261121,
    kill_after: tuple[float, float] = (0.05, 0.8),
) -> CrashOutcome:
    """`kill_after`: seconds after a run starts delivering, drawn uniformly, to SIGKILL it."""
    rng = random.Random(seed)
    outcome = CrashOutcome(messages=messages, kills=kills)
    fd = FakeDiscord(global_rate_limit=4 * rate)
    await fd.start()
    try:
        db_url = f"sqlite+aiosqlite:///{tmp_path}/crash.db"
        users = await _prepare(db_url, fd, messages)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
        env.update(
            DISCORD_API_BASE=fd.api_base,
            DISCORD_TOKEN=fd.bot_token,
            DATABASE_URL=db_url,
            COURIER_MAX_PER_SECOND=str(rate),
            INSTANCE_NAME="crash-test",
            LOG_LEVEL="WARNING",
        )
        log = tmp_path / "bot.log"

        def delivered() -> int:
            return sum(1 for user in users if fd.dms_to(user))

        started = time.monotonic()
        for _ in range(kills):
            before = delivered()
            process = _start_bot(env, log)
            # Kill at a random moment once it is sending: mid-request, mid-transaction...
            await fd.wait_for(lambda before=before: delivered() > before, timeout=60)
            await asyncio.sleep(rng.uniform(*kill_after))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            outcome.delivered_at_each_kill.append(delivered())
        process = _start_bot(env, log)
        try:
            await fd.wait_for(lambda: delivered() == messages, timeout=60 + messages / rate)
            await asyncio.sleep(0.5)  # anything still in flight would show up now
        finally:
            process.terminate()
            process.wait(timeout=10)
        outcome.seconds = time.monotonic() - started
        received = [len(fd.dms_to(user)) for user in users]
        outcome.duplicates = [users[i].name for i, n in enumerate(received) if n > 1]
        outcome.missing = [users[i].name for i, n in enumerate(received) if n == 0]
        db = open_database(db_url)
        async with db.read() as session:
            outcome.states = await counts_by_state(session)
        await db.dispose()
        outcome.log_text = log.read_text(errors="replace")
        return outcome
    finally:
        await fd.stop()
