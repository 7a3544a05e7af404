"""Shared helpers for the fakediscord tests: a real discord.py client on loopback."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any

import discord
from discord.ext import commands

from fakediscord import FakeDiscord, start_client, stop_client

# Voice-library warnings are noise here.
logging.getLogger("discord.client").setLevel(logging.ERROR)

GUILD_READY_TIMEOUT = 0.05  # discord.py's default of 2 s would dominate the suite


class RecordingBot(commands.Bot):
    """A commands.Bot that keeps every gateway-derived event it saw, by name."""

    def __init__(self, **kwargs: Any) -> None:
        intents = kwargs.pop("intents", None) or discord.Intents.default()
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            guild_ready_timeout=GUILD_READY_TIMEOUT,
            **kwargs,
        )
        self.seen: defaultdict[str, list[Any]] = defaultdict(list)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        self.seen[event_name].append(args[0] if len(args) == 1 else args)
        super().dispatch(event_name, *args, **kwargs)


async def run_bot(fd: FakeDiscord, bot: discord.Client) -> asyncio.Task[None]:
    return await start_client(fd, bot)


async def shutdown(fd: FakeDiscord, bot: discord.Client, task: asyncio.Task[None]) -> None:
    await stop_client(bot, task)
    await fd.stop()
    assert not fd.internal_errors, f"fakediscord raised internally: {fd.internal_errors!r}"
