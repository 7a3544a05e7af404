"""Crash test: the bot process is SIGKILLed again and again while 1,000 DMs are due.

Afterwards every member has received exactly one message per key: rows interrupted in
`sending` are resent with the same nonce, and fakediscord, like Discord, answers a repeated
nonce with the message it already created. Counted from what members actually received.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from fakediscord import FakeDiscord
from storage.communities import ensure_community
from storage.courier import counts_by_state, enqueue
from storage.db import open_database
from storage.members import ensure_member
from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = 1000
KILLS = 5
RATE = 100  # messages per second for this run, so the test stays well under a minute


async def prepare(db_url: str, fd: FakeDiscord) -> list[Any]:
    owner = fd.add_user("Organizer")
    guild = fd.add_guild("Crash Meetup", owner=owner)
    users = []
    for index in range(MESSAGES):
        user = fd.add_user(f"member{index}")
        fd.add_member(guild, user)
        users.append(user)
    db = open_database(db_url)
    await upgrade(db.engine)
    from datetime import UTC, datetime

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


def start_bot(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "bot.py"), "run"],
        cwd=log.parent,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


async def test_sigkill_never_loses_or_duplicates_a_dm(tmp_path: Path) -> None:
    rng = random.Random(20261121)
    fd = FakeDiscord(global_rate_limit=4 * RATE)
    await fd.start()
    try:
        db_url = f"sqlite+aiosqlite:///{tmp_path}/crash.db"
        users = await prepare(db_url, fd)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
        env.update(
            DISCORD_API_BASE=fd.api_base,
            DISCORD_TOKEN=fd.bot_token,
            DATABASE_URL=db_url,
            COURIER_MAX_PER_SECOND=str(RATE),
            INSTANCE_NAME="crash-test",
            LOG_LEVEL="WARNING",
        )
        log = tmp_path / "bot.log"

        def delivered() -> int:
            return sum(1 for user in users if fd.dms_to(user))

        kills = []
        for _ in range(KILLS):
            before = delivered()
            process = start_bot(env, log)
            # Kill at a random moment once it is sending: mid-request, mid-transaction...
            await fd.wait_for(lambda before=before: delivered() > before, timeout=30)
            await asyncio.sleep(rng.uniform(0.05, 0.8))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            kills.append(delivered())
        assert kills[-1] < MESSAGES, "the kills came too late to test anything"
        process = start_bot(env, log)
        try:
            await fd.wait_for(lambda: delivered() == MESSAGES, timeout=60)
            await asyncio.sleep(0.5)  # anything still in flight would show up now
        finally:
            process.terminate()
            process.wait(timeout=10)

        received = [len(fd.dms_to(user)) for user in users]
        duplicates = [users[i].name for i, count in enumerate(received) if count > 1]
        missing = [users[i].name for i, count in enumerate(received) if count == 0]
        assert duplicates == [] and missing == [], (duplicates[:5], missing[:5], kills)
        db = open_database(db_url)
        async with db.read() as session:
            assert await counts_by_state(session) == {"sent": MESSAGES}
        await db.dispose()
        assert "Traceback" not in log.read_text(errors="replace")
    finally:
        await fd.stop()
