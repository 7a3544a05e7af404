"""The end-to-end harness: the real bot, unmodified discord.py, fakediscord over loopback.

One bot per test module (start-up costs about a second); each test gets a fresh server with
its own ids and rows, so tests do not see each other's data.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fakediscord import FakeDiscord, Interaction
from fakediscord.interactions import DEFERRED_CHANNEL_MESSAGE
from kindred.bot import KindredBot
from kindred.clock import Clock, FakeClock
from kindred.settings import Settings
from storage.db import Database, open_database
from testing.world import open_world, start_bot, stop_bot

_server_numbers = itertools.count(1)


@dataclass
class Server:
    """A guild in fakediscord with named channels and people."""

    harness: Harness
    guild: Any
    channels: dict[str, Any] = field(default_factory=dict)
    people: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return int(self.guild.id)

    def channel(self, name: str) -> Any:
        return self.channels[name.lstrip("#")]

    def person(self, name: str) -> Any:
        return self.people[name]

    async def run(
        self,
        who: str,
        command: str,
        *,
        channel: str = "general",
        checked: bool = True,
        **options: Any,
    ) -> Interaction:
        """`who` runs `/command` with options in a channel; waits for Kindred's first answer.
        `checked=False`: the options go unchecked, as from a raw client (fakediscord.slash)."""
        fd = self.harness.fd
        interaction = await fd.slash(
            self.person(who),
            command,
            options=self._resolve_options(options),
            guild=self.guild,
            channel=self.channel(channel),
            checked=checked,
        )
        await interaction.wait_response()
        if interaction.response_type == DEFERRED_CHANNEL_MESSAGE:
            # "Kindred is thinking...": the answer is the followup that fills that message in.
            await fd.wait_for(
                lambda: interaction.reply is not None and interaction.reply.has_body(),
                timeout=10,
                message=f"/{command} deferred but never answered",
            )
        return interaction

    async def autocomplete(
        self, who: str, command: str, focused: str, *, channel: str = "general", **options: Any
    ) -> list[dict[str, Any]]:
        return await self.harness.fd.autocomplete(
            self.person(who),
            command,
            options=self._resolve_options(options),
            focused=focused,
            guild=self.guild,
            channel=self.channel(channel),
        )

    def _resolve_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """`thanks_channel="#referral-thanks"` and `member="@Maya"` become objects."""
        resolved: dict[str, Any] = {}
        for name, value in options.items():
            if isinstance(value, str) and value.startswith("#") and value[1:] in self.channels:
                value = self.channels[value[1:]]
            elif isinstance(value, str) and value.startswith("@") and value[1:] in self.people:
                value = self.people[value[1:]]
            resolved[name] = value
        return resolved


class Harness:
    """fakediscord + the real bot + a temporary database + a clock tests can move."""

    def __init__(
        self,
        tmp_dir: Path,
        *,
        shard_count: int = 1,
        clock: Clock | None = None,
        global_rate_limit: int = 1000,
    ) -> None:
        """`clock` and `global_rate_limit`: a benchmark measuring real pacing passes
        SystemClock() and Discord's 50."""
        self.tmp_dir = tmp_dir
        # Discord's per-channel windows (5 messages / 5 s) are real; compressed 20x here so a
        # test that plays a week of DMs in one channel doesn't wait on them. The global limit
        # (50 a second) likewise: the courier paces itself in clock time, which passes faster.
        self.fd = FakeDiscord(
            ratelimit_time_scale=0.05,
            global_rate_limit=global_rate_limit,
            shard_count=shard_count,
        )
        # The courier's pacing passes on its own (see FakeClock); schedules wait for tests.
        self.clock: Any = clock or FakeClock(short_waits_pass=timedelta(seconds=1))
        self.db: Database | None = None
        self.bot: KindredBot | None = None
        self.settings: Settings | None = None
        self._task: asyncio.Task[None] | None = None

    async def open(self, database_url: str | None, overrides: dict[str, Any]) -> None:
        """fakediscord, the settings and the database, without a bot yet."""
        self.settings, self.db = await open_world(
            self.fd, database_url or f"sqlite+aiosqlite:///{self.tmp_dir}/kindred.db", **overrides
        )

    async def start(self, *, database_url: str | None = None, **setting_overrides: Any) -> None:
        await self.open(database_url, setting_overrides)
        assert self.settings is not None and self.db is not None
        self.bot, self._task = await start_bot(self.fd, self.settings, self.db, self.clock)
        assert not self.bot.failed_extensions, self.bot.failed_extensions
        await self.bot.tree.sync()

    async def restart_bot(self, while_down: Callable[[], Awaitable[object]] | None = None) -> None:
        """Stop the bot and start a new one on the same database, fakediscord and clock;
        `while_down` runs in between (time passes, the world changes, unseen)."""
        assert self.bot is not None and self._task is not None and self.settings is not None
        await stop_bot(self.bot, self._task)
        if while_down is not None:
            await while_down()
        self.db = open_database(self.settings.database_url)
        self.bot, self._task = await start_bot(self.fd, self.settings, self.db, self.clock)

    async def stop(self) -> None:
        if self.bot is not None and self._task is not None:
            await stop_bot(self.bot, self._task)
        await self.fd.stop()

    def running_bots(self) -> list[KindredBot]:
        return [self.bot] if self.bot is not None else []

    def bot_of(self, server: Server) -> KindredBot:
        """The bot that sees `server`."""
        assert self.bot is not None
        return self.bot

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
        """A fresh guild the bot is in (on `shard`); `locked_channels` deny the bot Send
        Messages."""
        number = next(_server_numbers)
        fd = self.fd
        owner = fd.add_user(organizer)
        guild = fd.add_guild(
            name or f"Test Meetup {number}",
            owner=owner,
            shard_id=shard if fd.shard_count > 1 else None,
        )
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
        bot = self.bot_of(server)
        await fd.wait_for(lambda: bot.get_guild(int(guild.id)) is not None)
        return server

    async def advance(self, delta: timedelta) -> None:
        await self.clock.advance(delta)

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until every background job has caught up with the clock: what was due is
        planned, and the courier has sent what it could."""
        await self.fd.wait_for(
            lambda: all(bot.idle for bot in self.running_bots()),
            timeout=timeout,
            message="the bot's background jobs did not settle",
        )

    async def move_to(self, instant: datetime) -> None:
        """Move the clock to `instant` and wait for what fell due."""
        await self.clock.set(instant)
        await self.settle()
