"""Pointing the real discord.py at a FakeDiscord, and running a client against it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

if TYPE_CHECKING:
    from fakediscord.server import FakeDiscord


def point_discord_py_at(fd: FakeDiscord) -> Callable[[], None]:
    """Re-point discord.py's REST base and gateway at ``fd``; returns a restore function.

    Both are class attributes, so this affects every client in the process, exactly as
    the bot's own DISCORD_API_BASE setting does.
    """
    old_base = Route.BASE
    old_gateway = DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fd.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fd.gateway_url)

    def restore() -> None:
        Route.BASE = old_base
        DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    return restore


async def start_client(
    fd: FakeDiscord,
    client: discord.Client,
    *,
    timeout: float = 10.0,  # noqa: ASYNC109
) -> asyncio.Task[None]:
    """Log ``client`` in to ``fd`` and wait until it is ready; returns its run task.

    Pass ``guild_ready_timeout`` (e.g. 0.05) to the client: discord.py otherwise waits
    2 s after READY for guilds that will never come.
    """
    point_discord_py_at(fd)
    task = asyncio.create_task(client.start(fd.bot_token), name="fakediscord-client")
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=timeout, return_when="FIRST_COMPLETED")
    if ready in done:
        return task
    ready.cancel()
    if task in done:
        try:
            task.result()  # surface the login/connect error (LoginFailure, 4014, ...)
        finally:
            await client.close()
    await stop_client(client, task)
    raise TimeoutError(f"discord.py client not ready within {timeout}s")


async def stop_client(client: discord.Client, task: asyncio.Task[None] | None = None) -> None:
    await client.close()
    if task is not None:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 5.0)
