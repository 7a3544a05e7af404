"""Shard routing: each session receives only the guilds (and events) of its shard."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest

from fakediscord import FakeDiscord, Guild, User, start_client, stop_client
from tests.fakediscord.helpers import GUILD_READY_TIMEOUT, RecordingBot


class QuickAutoShardedClient(discord.AutoShardedClient):
    # discord.py sleeps 5 s between shard IDENTIFYs (Discord's max_concurrency=1).
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


@dataclass
class ShardEnv:
    fd: FakeDiscord
    maya: User
    guild0: Guild
    guild1: Guild
    bots: list[RecordingBot]


@pytest.fixture(scope="module")
async def shards() -> AsyncIterator[ShardEnv]:
    fd = FakeDiscord(shard_count=2)
    await fd.start()
    maya = fd.add_user("Maya")
    guild0 = fd.add_guild("Shard Zero", owner=maya, shard_id=0)
    guild1 = fd.add_guild("Shard One", owner=maya, shard_id=1)
    for guild in (guild0, guild1):
        fd.add_channel(guild, "general")
    bots = [RecordingBot(shard_id=i, shard_count=2) for i in range(2)]
    tasks = [await start_client(fd, bot) for bot in bots]
    try:
        yield ShardEnv(fd, maya, guild0, guild1, bots)
    finally:
        for bot, task in zip(bots, tasks, strict=True):
            await stop_client(bot, task)
        await fd.stop()
        assert not fd.internal_errors


async def test_each_shard_gets_only_its_guilds(shards: ShardEnv) -> None:
    assert fd_shard(shards.fd, shards.guild0) == 0
    assert fd_shard(shards.fd, shards.guild1) == 1
    bot0, bot1 = shards.bots
    assert [g.id for g in bot0.guilds] == [shards.guild0.id]
    assert [g.id for g in bot1.guilds] == [shards.guild1.id]


def fd_shard(fd: FakeDiscord, guild: Guild) -> int:
    return fd.guild_shard(guild)


async def test_events_route_by_shard_and_dms_go_to_shard_zero(shards: ShardEnv) -> None:
    fd = shards.fd
    bot0, bot1 = shards.bots
    channel1 = next(iter(shards.guild1.channels.values()))
    in_guild1 = await fd.send_message(shards.maya, channel1, "hello shard one")
    dm = await fd.send_dm(shards.maya, "hello in DM")
    await fd.wait_for(lambda: any(m.id == in_guild1.id for m in bot1.seen["message"]))
    await fd.wait_for(lambda: any(m.id == dm.id for m in bot0.seen["message"]))
    await asyncio.sleep(0.02)
    assert all(m.id != in_guild1.id for m in bot0.seen["message"])
    assert all(m.id != dm.id for m in bot1.seen["message"])
    late = fd.add_guild("Late Shard One", owner=shards.maya, shard_id=1)
    await fd.wait_for(lambda: bot1.get_guild(late.id))
    assert bot0.get_guild(late.id) is None


async def test_auto_sharded_client_uses_gateway_bot() -> None:
    fd = FakeDiscord(shard_count=2)
    await fd.start()
    maya = fd.add_user("Maya")
    guilds = [fd.add_guild(f"G{i}", owner=maya, shard_id=i % 2) for i in range(4)]
    client = QuickAutoShardedClient(
        intents=discord.Intents.default(), guild_ready_timeout=GUILD_READY_TIMEOUT
    )
    task = await start_client(fd, client)
    try:
        assert client.shard_count == 2
        assert {g.id for g in client.guilds} == {g.id for g in guilds}
        for guild in client.guilds:
            assert guild.shard_id == fd.guild_shard(fd.world.guilds[guild.id])
        assert sorted(s.shard_id for s in fd.gateway.connected_sessions()) == [0, 1]
    finally:
        await stop_client(client, task)
        await fd.stop()
