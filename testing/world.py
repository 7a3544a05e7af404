"""Kindred against fakediscord: the one way to set up the world and start the bot in it.

`open_world` starts fakediscord, makes settings that point the bot (and discord.py) at it, and
opens and migrates the database; `start_bot` starts a `KindredBot` there and returns once it
is ready, or raises what stopped it. The test harness, the sharded harness, the benchmarks
and the sandbox all go through these two.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fakediscord import FakeDiscord
from kindred.bot import KindredBot, point_discord_py_at
from kindred.clock import Clock
from kindred.settings import Settings, load_settings
from storage.db import Database, open_database
from storage.migrate import upgrade

# discord.py waits this long for guilds after READY (2 s by default): fakediscord sends them
# at once.
GUILD_READY_TIMEOUT = 0.05
READY_TIMEOUT = 20.0


async def open_world(
    fd: FakeDiscord, database_url: str, **settings: Any
) -> tuple[Settings, Database]:
    """Start `fd`; settings pointing at it (with `settings` overriding), and the migrated
    database at `database_url`."""
    await fd.start()
    world = load_settings(
        DATABASE_URL=database_url,
        DISCORD_API_BASE=fd.api_base,
        DISCORD_TOKEN=fd.bot_token,
        **settings,
    )
    point_discord_py_at(world)
    db = open_database(world.database_url)
    await upgrade(db.engine)
    return world, db


async def start_bot(
    fd: FakeDiscord, settings: Settings, db: Database, clock: Clock, **options: Any
) -> tuple[KindredBot, asyncio.Task[None]]:
    """A KindredBot connected to `fd` and ready, and the task running it."""
    options.setdefault("guild_ready_timeout", GUILD_READY_TIMEOUT)
    bot = KindredBot(settings, db, clock, **options)
    task = asyncio.create_task(bot.start(fd.bot_token))
    ready = asyncio.ensure_future(bot.wait_until_ready())
    done, _ = await asyncio.wait(
        {ready, task}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
    )
    if ready not in done:
        ready.cancel()
        if task in done:
            task.result()  # raises the start-up error
            raise RuntimeError("the bot stopped during start-up")
        await stop_bot(bot, task)
        raise TimeoutError(f"the bot was not ready within {READY_TIMEOUT} s")
    return bot, task


async def stop_bot(bot: KindredBot, task: asyncio.Task[None]) -> None:
    await bot.close()
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(task, timeout=5)
