"""Several Kindred processes in one test: one bot per shard, one database, one fakediscord.

Each `KindredBot` runs with `shard_ids=[i]` and `shard_count=n`, as `bot.py run --shards i
--shard-count n` would; they share the database and the clock, so a test sees what two
processes of a real deployment would do. Servers are placed on a shard by their id
(`new_server(shard=...)`); fakediscord routes their events to that shard's session and every
DM event to shard 0, like Discord.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from kindred.bot import KindredBot
from storage.db import open_database
from testing.harness import Harness, Server
from testing.world import start_bot, stop_bot


class ShardedHarness(Harness):
    """fakediscord with `shard_count` shards and one running bot per shard (`bots[i]` runs
    shard i). `bot` stays None: a test says which process it means."""

    def __init__(self, tmp_dir: Path, *, shard_count: int = 2) -> None:
        super().__init__(tmp_dir, shard_count=shard_count)
        self.shard_count = shard_count
        self.bots: list[KindredBot] = []
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, *, database_url: str | None = None, **setting_overrides: Any) -> None:
        await self.open(database_url, setting_overrides)
        assert self.settings is not None
        for shard in range(self.shard_count):
            # Each "process" has its own engine and pool, as separate processes would.
            bot, task = await start_bot(
                self.fd,
                self.settings,
                open_database(self.settings.database_url),
                self.clock,
                shard_ids=[shard],
                shard_count=self.shard_count,
            )
            assert not bot.failed_extensions, bot.failed_extensions
            self.bots.append(bot)
            self._tasks.append(task)
        await self.bots[0].tree.sync()  # one application: its commands serve every shard

    async def stop(self) -> None:
        for bot, task in zip(self.bots, self._tasks, strict=True):
            await stop_bot(bot, task)
        if self.db is not None:
            await self.db.dispose()
        await self.fd.stop()

    def running_bots(self) -> list[KindredBot]:
        return list(self.bots)

    def bot_of(self, server: Server) -> KindredBot:
        """The bot (process) running the server's shard."""
        [owner] = [bot for bot in self.bots if bot.ownership.owns(server.id)]
        return owner

    # The tests name it for what it means in a deployment.
    owner_of = bot_of

    async def restart_bot(self) -> None:
        raise NotImplementedError("restart one of `bots` instead")
