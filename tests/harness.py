"""The end-to-end harness: the real bot, unmodified discord.py, fakediscord over loopback.

One bot per test module (start-up costs about a second); each test gets a fresh server with
its own ids and rows, so tests do not see each other's data.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fakediscord import FakeDiscord, Interaction
from fakediscord.interactions import DEFERRED_CHANNEL_MESSAGE
from kindred.bot import KindredBot, point_discord_py_at
from kindred.clock import FakeClock
from kindred.settings import Settings, load_settings
from storage.db import Database, open_database
from storage.migrate import upgrade

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
        **options: Any,
    ) -> Interaction:
        """`who` runs `/command` with options in a channel; waits for Kindred's first answer."""
        fd = self.harness.fd
        interaction = await fd.slash(
            self.person(who),
            command,
            options=self._resolve_options(options),
            guild=self.guild,
            channel=self.channel(channel),
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

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        # Discord's per-channel windows (5 messages / 5 s) are real; compressed 20x here so a
        # test that plays a week of DMs in one channel doesn't wait on them. The global limit
        # (50 a second) likewise: the courier paces itself in clock time, which passes faster.
        self.fd = FakeDiscord(ratelimit_time_scale=0.05, global_rate_limit=1000)
        # The courier's pacing passes on its own (see FakeClock); schedules wait for tests.
        self.clock = FakeClock(short_waits_pass=timedelta(seconds=1))
        self.db: Database | None = None
        self.bot: KindredBot | None = None
        self.settings: Settings | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, *, database_url: str | None = None, **setting_overrides: Any) -> None:
        self.settings, self.db = await open_world(
            self.fd, self.tmp_dir, database_url, setting_overrides
        )
        # A short guild_ready_timeout: discord.py otherwise waits 2 s for guilds after READY.
        self.bot = KindredBot(self.settings, self.db, self.clock, guild_ready_timeout=0.05)
        self._task = asyncio.create_task(self.bot.start(self.fd.bot_token))
        await asyncio.wait_for(self._wait_ready(), timeout=15)
        assert not self.bot.failed_extensions, self.bot.failed_extensions
        await self.bot.tree.sync()

    async def restart_bot(self) -> None:
        """Stop the bot and start a new one on the same database, fakediscord and clock."""
        assert self.bot is not None and self.settings is not None
        await self.bot.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, timeout=5)
        self.db = open_database(self.settings.database_url)
        self.bot = KindredBot(self.settings, self.db, self.clock, guild_ready_timeout=0.05)
        self._task = asyncio.create_task(self.bot.start(self.fd.bot_token))
        await asyncio.wait_for(self._wait_ready(), timeout=15)

    async def _wait_ready(self) -> None:
        assert self.bot is not None and self._task is not None
        ready = asyncio.ensure_future(self.bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            ready.cancel()
            self._task.result()  # raises the start-up error
            raise RuntimeError("the bot stopped during start-up")

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, timeout=5)
        await self.fd.stop()

    async def new_server(
        self,
        name: str | None = None,
        *,
        organizer: str = "Olu",
        members: tuple[str, ...] = ("Maya", "Ines"),
        channels: tuple[str, ...] = ("general", "introductions", "referral-thanks"),
        locked_channels: tuple[str, ...] = (),
    ) -> Server:
        """A fresh guild the bot is in; `locked_channels` deny the bot Send Messages."""
        number = next(_server_numbers)
        fd = self.fd
        owner = fd.add_user(f"{organizer}")
        guild = fd.add_guild(name or f"Test Meetup {number}", owner=owner)
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
        assert self.bot is not None
        await fd.wait_for(lambda: self.bot.get_guild(int(guild.id)) is not None)
        return server

    async def advance(self, delta: timedelta) -> None:
        await self.clock.advance(delta)

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until every background job has caught up with the clock: what was due is
        planned, and the courier has sent what it could."""
        bots = [bot for bot in (self.bot, *getattr(self, "bots", ())) if bot is not None]
        await self.fd.wait_for(
            lambda: all(bot.idle for bot in bots),
            timeout=timeout,
            message="the bot's background jobs did not settle",
        )

    async def move_to(self, instant: datetime) -> None:
        """Move the clock to `instant` and wait for what fell due."""
        await self.clock.set(instant)
        await self.settle()


async def open_world(
    fd: FakeDiscord, tmp_dir: Path, database_url: str | None, overrides: dict[str, Any]
) -> tuple[Settings, Database]:
    """Start fakediscord, point settings and discord.py at it, open and migrate the database
    (a fresh SQLite file in `tmp_dir` unless a URL is given)."""
    await fd.start()
    settings = load_settings(
        DATABASE_URL=database_url or f"sqlite+aiosqlite:///{tmp_dir}/kindred.db",
        DISCORD_API_BASE=fd.api_base,
        DISCORD_TOKEN=fd.bot_token,
        **overrides,
    )
    point_discord_py_at(settings)
    db = open_database(settings.database_url)
    await upgrade(db.engine)
    return settings, db
