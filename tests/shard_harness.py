"""Several Kindred processes in one test: one bot per shard, one database, one fakediscord.

Each `KindredBot` runs with `shard_ids=[i]` and `shard_count=n`, as `bot.py run --shards i
--shard-count n` would; they share the database and the clock, so a test sees what two
processes of a real deployment would do. Servers are placed on a shard by their id
(`fd.add_guild(..., shard_id=...)`); fakediscord routes their events to that shard's
session and every DM event to shard 0, like Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from pathlib import Path
from typing import Any

from fakediscord import FakeDiscord
from kindred.bot import KindredBot
from storage.db import open_database
from tests.harness import Harness, Server, open_world

_server_numbers = itertools.count(1)


class ShardedHarness(Harness):
    """fakediscord with `shard_count` shards and one running bot per shard (`bots[i]` runs
    shard i). `bot` stays None: a test says which process it means."""

    def __init__(self, tmp_dir: Path, *, shard_count: int = 2) -> None:
        super().__init__(tmp_dir)
        self.shard_count = shard_count
        self.fd = FakeDiscord(
            ratelimit_time_scale=0.05, global_rate_limit=1000, shard_count=shard_count
        )
        self.bots: list[KindredBot] = []
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, *, database_url: str | None = None, **setting_overrides: Any) -> None:
        self.settings, self.db = await open_world(
            self.fd, self.tmp_dir, database_url, setting_overrides
        )
        for shard in range(self.shard_count):
            # Each "process" has its own engine and pool, as separate processes would.
            bot = KindredBot(
                self.settings,
                open_database(self.settings.database_url),
                self.clock,
                shard_ids=[shard],
                shard_count=self.shard_count,
                guild_ready_timeout=0.05,
            )
            task = asyncio.create_task(bot.start(self.fd.bot_token))
            self.bots.append(bot)
            self._tasks.append(task)
            await asyncio.wait_for(_wait_ready(bot, task), timeout=15)
            assert not bot.failed_extensions, bot.failed_extensions
        await self.bots[0].tree.sync()  # one application: its commands serve every shard

    async def stop(self) -> None:
        for bot in self.bots:
            await bot.close()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(task, timeout=5)
        if self.db is not None:
            await self.db.dispose()
        await self.fd.stop()

    def owner_of(self, server: Server) -> KindredBot:
        """The bot (process) running the server's shard."""
        [owner] = [bot for bot in self.bots if bot.ownership.owns(server.id)]
        return owner

    async def restart_bot(self) -> None:
        raise NotImplementedError("restart one of `bots` instead")

    async def new_server(
        self,
        name: str | None = None,
        *,
        shard: int = 0,
        organizer: str = "Olu",
        members: tuple[str, ...] = ("Maya", "Ines"),
        channels: tuple[str, ...] = ("general", "introductions", "referral-thanks"),
        locked_channels: tuple[str, ...] = (),
    ) -> Server:
        """A fresh guild on `shard`, seen by the bot of that shard (and only by it)."""
        number = next(_server_numbers)
        fd = self.fd
        owner = fd.add_user(organizer)
        name = name or f"Shard {shard} Meetup {number}"
        guild = fd.add_guild(name, owner=owner, shard_id=shard)
        server = Server(harness=self, guild=guild)
        server.people[organizer] = owner
        fd.add_member(guild, owner, manage_guild=True)
        for person in members:
            user = fd.add_user(person)
            fd.add_member(guild, user)
            server.people[person] = user
        for channel_name in (*channels, *locked_channels):
            server.channels[channel_name] = fd.add_channel(
                guild, channel_name, bot_can_send=channel_name not in locked_channels
            )
        bot = self.owner_of(server)
        await fd.wait_for(lambda: bot.get_guild(int(guild.id)) is not None)
        return server


async def _wait_ready(bot: KindredBot, task: asyncio.Task[None]) -> None:
    ready = asyncio.ensure_future(bot.wait_until_ready())
    done, _ = await asyncio.wait({ready, task}, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        ready.cancel()
        task.result()  # raises the start-up error
        raise RuntimeError("a bot stopped during start-up")
