"""The courier crash scenario, shared by the test (short) and `make bench` (long).

A real bot process (`python bot.py run`) sends DMs and posts thank-yous through fakediscord
while it is SIGKILLed at random moments and restarted; afterwards we count what members
actually received: each DM once, each thank-you posted once in the channel with its link in
its record, and each thanked member's DM about it once.
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

from sqlalchemy import select

from coaching.thanks import story_key
from fakediscord import FakeDiscord
from storage.communities import ensure_community
from storage.courier import counts_by_state, enqueue
from storage.db import open_database
from storage.members import ensure_member
from storage.migrate import upgrade
from storage.models import Thanks
from storage.thanks import record_thanks

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CrashOutcome:
    messages: int
    kills: int
    delivered_at_each_kill: list[int] = field(default_factory=list)
    posted_at_each_kill: list[int] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    log_text: str = ""
    thanks: int = 0
    # Thank-yous posted twice or never, whose record lacks its post's link, and thanked
    # members told about one twice or never.
    posted_twice: list[str] = field(default_factory=list)
    never_posted: list[str] = field(default_factory=list)
    unlinked: list[str] = field(default_factory=list)
    told_twice: list[str] = field(default_factory=list)
    never_told: list[str] = field(default_factory=list)


def _story(index: int) -> str:
    return f"Thank-you {index}: you introduced me to the person who fixed my accounts."


async def _prepare(
    db_url: str, fd: FakeDiscord, messages: int, thanks: int
) -> tuple[list[Any], Any]:
    owner = fd.add_user("Organizer")
    guild = fd.add_guild("Crash Meetup", owner=owner)
    channel = fd.add_channel(guild, "referral-thanks")
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
        members = [
            await ensure_member(session, int(guild.id), int(user.id), now=now) for user in users
        ]
        # Thank-yous as /thanks give records them, each a record and its post queued: first,
        # so the kills find posts in flight as well as DMs.
        for index in range(thanks):
            giver, receiver = members[index % messages], members[(index + 1) % messages]
            await record_thanks(
                session,
                now=now,
                guild_id=int(guild.id),
                giver_member_id=giver.id,
                receiver_member_id=receiver.id,
                kind="referral",
                story=_story(index),
                story_key=story_key(_story(index)),
                source_url=None,
                channel_id=int(channel.id),
            )
        for index, member in enumerate(members):
            # Half already have a DM channel cached, half need one opened first.
            if index % 2:
                member.dm_channel_id = int(fd.dm_channel(users[index]).id)
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
    return users, channel


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
    thanks: int = 0,
    seed: int = 20261121,
    kill_after: tuple[float, float] = (0.05, 0.8),
) -> CrashOutcome:
    """`kill_after`: seconds after a run starts delivering, drawn uniformly, to SIGKILL it.
    `thanks`: thank-yous queued for the one channel (whose 5 posts per 5 s window is scaled
    20x shorter here, as in the test harness)."""
    rng = random.Random(seed)
    outcome = CrashOutcome(messages=messages, kills=kills, thanks=thanks)
    fd = FakeDiscord(global_rate_limit=4 * rate, ratelimit_time_scale=0.05)
    await fd.start()
    try:
        db_url = f"sqlite+aiosqlite:///{tmp_path}/crash.db"
        users, channel = await _prepare(db_url, fd, messages, thanks)
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

        def hellos(user: Any) -> int:
            return sum(1 for m in fd.dms_to(user) if m.content.startswith("Hello"))

        def delivered() -> int:
            return sum(1 for user in users if hellos(user))

        def told(index: int) -> int:
            receiver = users[(index + 1) % messages]
            return sum(1 for m in fd.dms_to(receiver) if f"Thank-you {index}:" in m.content)

        def posts_of(index: int) -> list[Any]:
            return [
                m
                for m in fd.channel_messages(channel)
                if any(f"Thank-you {index}:" in str(e) for e in m.embeds)
            ]

        def all_out() -> bool:
            return delivered() == messages and all(told(i) for i in range(thanks))

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
            outcome.posted_at_each_kill.append(len(fd.channel_messages(channel)))
        process = _start_bot(env, log)
        try:
            await fd.wait_for(all_out, timeout=60 + (messages + 2 * thanks) / rate)
            await asyncio.sleep(0.5)  # anything still in flight would show up now
        finally:
            process.terminate()
            process.wait(timeout=10)
        outcome.seconds = time.monotonic() - started
        received = [hellos(user) for user in users]
        outcome.duplicates = [users[i].name for i, n in enumerate(received) if n > 1]
        outcome.missing = [users[i].name for i, n in enumerate(received) if n == 0]
        posted = {index: posts_of(index) for index in range(thanks)}
        outcome.posted_twice = [f"thanks {i}" for i, found in posted.items() if len(found) > 1]
        outcome.never_posted = [f"thanks {i}" for i, found in posted.items() if not found]
        outcome.told_twice = [f"thanks {i}" for i in range(thanks) if told(i) > 1]
        outcome.never_told = [f"thanks {i}" for i in range(thanks) if told(i) == 0]
        db = open_database(db_url)
        async with db.read() as session:
            outcome.states = await counts_by_state(session)
            links = dict((await session.execute(select(Thanks.story, Thanks.message_id))).all())
        await db.dispose()
        outcome.unlinked = [
            f"thanks {i}"
            for i, found in posted.items()
            if [links.get(_story(i))] != [int(m.id) for m in found]
        ]
        outcome.log_text = log.read_text(errors="replace")
        return outcome
    finally:
        await fd.stop()
