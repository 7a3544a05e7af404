"""The bot: `KindredBot`, its command tree, intents, the extension list and logging set-up.

Cogs import this module; it imports no cog. Where the bot or one cog needs another cog, a
typed property looks it up with `get_cog` (None when that extension failed to load), so a
feature that fails to load never takes the others down.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from coaching.shards import ShardOwnership
from kindred import charts, memory
from kindred.clock import Clock
from kindred.loops import BackgroundLoop, Upcoming
from kindred.options import OptionRejected, option_problem
from kindred.replies import reply_error, send_dm_notice_if_due, send_private
from kindred.settings import Settings
from prompts import render
from storage.db import Database, open_database
from storage.members import has_unreachable_rows, mark_reachable_again
from storage.migrate import upgrade

if TYPE_CHECKING:
    from cogs.courier import Courier, CourierCog
    from cogs.events import EventsCog
    from cogs.insights import InsightsCog
    from cogs.meet import MeetCog
    from cogs.pitch import PitchCog
    from cogs.reflections import ReflectionsCog
    from cogs.rolodex import RolodexCog
    from cogs.thanks import ThanksCog
    from kindred.ui import KindredView

log = logging.getLogger("kindred")

# A click that found no view or form yet is looked at again this often, this many times (real
# seconds: well inside Discord's 3 s to answer).
LATE_HANDLER_WAIT = 0.05
# The raw gateway frames a listener wants (`on_socket_raw_receive`): "Interested" presses,
# which discord.py drops for members it has not cached (cogs.events.sync).
RAW_FRAMES_WANTED = "GUILD_SCHEDULED_EVENT_USER_"
LATE_HANDLER_TRIES = 20

# Kindred has no voice features; discord.py would warn at every start that voice is off.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False

# Loaded in this order by setup_hook; one failing does not stop the others. The courier comes
# first: the features hand it their messages.
EXTENSIONS: tuple[str, ...] = (
    "cogs.courier",
    "cogs.help",
    "cogs.admin",
    "cogs.privacy",
    "cogs.reflections",
    "cogs.pitch",
    "cogs.thanks",
    "cogs.rolodex",
    "cogs.insights",
    "cogs.meet",
    "cogs.events",
)


class KindredTree(app_commands.CommandTree["KindredBot"]):
    """Hands every command's error to the one renderer (`kindred.replies.reply_error`).

    It also notices members whose DMs were closed: their next command gets a private note
    on how to open them again (see `KindredBot.check_dm_status`).
    """

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.type is discord.InteractionType.application_command:
            command = interaction.command
            if isinstance(command, app_commands.Command):
                problem = option_problem(command.parameters, dict(iter(interaction.namespace)))
                if problem is not None:
                    raise OptionRejected(problem)  # answered by on_error, like any refusal
        await self.client.check_dm_status(interaction)
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await send_dm_notice_if_due(interaction)
        command = interaction.command.qualified_name if interaction.command else "?"
        await reply_error(interaction, error, where=f"command /{command}")


def intents(settings: Settings) -> discord.Intents:
    """Only what the features use; the one privileged intent only when the host opts in."""
    wanted = discord.Intents.none()
    wanted.guilds = True  # channels and permissions, to check where Kindred can post
    wanted.dm_messages = True  # plain DM replies to a reflection prompt are saved as answers
    wanted.guild_messages = True  # a thanks post deleted by hand marks its record removed
    wanted.guild_scheduled_events = True  # meetups: a nudge before, a debrief after
    if settings.message_content_intent:
        # The optional introductions nudge reads new posts in the introductions channel.
        wanted.message_content = True
    return wanted


class KindredBot(commands.AutoShardedBot):
    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Clock,
        *,
        extensions: Sequence[str] = EXTENSIONS,
        **options: object,
    ) -> None:
        options.setdefault("intents", intents(settings))
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        options.setdefault("member_cache_flags", discord.MemberCacheFlags.none())
        options.setdefault("chunk_guilds_at_startup", False)
        # The raw gateway stream (`on_socket_raw_receive`): discord.py drops "Interested"
        # presses of members it has not cached, and Kindred caches none (cogs.events.sync).
        options.setdefault("enable_debug_events", True)
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            tree_cls=KindredTree,
            **options,  # type: ignore[arg-type]
        )
        self.settings = settings
        self.db = db
        self.clock = clock
        self.initial_extensions = tuple(extensions)
        self.failed_extensions: dict[str, str] = {}
        # Which servers' scheduled work (prompts, digests, reminders) is this process's: the
        # shards it was told to run, or every server when it runs them all (no --shards).
        self.ownership = ShardOwnership.of(self.shard_ids, self.shard_count)
        shards = options.get("shard_ids")
        # This process's name among those sharing the database (the courier's claims).
        self.worker = settings.instance_name + (f"/shards-{shards}" if shards else "")
        self.checkpoints: asyncio.Task[None] | None = None  # SQLite's WAL, in the background
        # Freeze the filled caches out of the collector's way once ready (kindred.memory): the
        # bot's own process sets it (bot.py run); a test's bot shares the test's process.
        self.settle_memory = False
        self.loops: set[BackgroundLoop] = set()  # the features' background jobs, running
        # Views with a timeout, counting it on the clock (kindred.ui.KindredView).
        self.timed_views: set[KindredView] = set()
        # Servers whose community row was committed, with the name it has: a command by one
        # of their members needn't look the row up (`cogs.common.member_of`). Community rows
        # are never deleted, so the only staleness is a rename, which the name catches.
        self.known_communities: dict[int, str] = {}

    # -- the features, typed (None when the extension is not loaded) -------------------------

    @property
    def courier(self) -> Courier:
        """The one sender of every message Kindred starts on its own (`cogs.courier`)."""
        cog = cast("CourierCog | None", self.get_cog("CourierCog"))
        if cog is None:
            raise RuntimeError("the courier extension is not loaded")
        return cog.courier

    @property
    def reflections(self) -> ReflectionsCog | None:
        return cast("ReflectionsCog | None", self.get_cog("ReflectionsCog"))

    @property
    def thanks(self) -> ThanksCog | None:
        return cast("ThanksCog | None", self.get_cog("ThanksCog"))

    @property
    def rolodex(self) -> RolodexCog | None:
        return cast("RolodexCog | None", self.get_cog("RolodexCog"))

    @property
    def insights(self) -> InsightsCog | None:
        return cast("InsightsCog | None", self.get_cog("InsightsCog"))

    @property
    def meet(self) -> MeetCog | None:
        return cast("MeetCog | None", self.get_cog("MeetCog"))

    @property
    def pitch(self) -> PitchCog | None:
        return cast("PitchCog | None", self.get_cog("PitchCog"))

    @property
    def events(self) -> EventsCog | None:
        return cast("EventsCog | None", self.get_cog("EventsCog"))

    # -- background jobs --------------------------------------------------------------------

    def new_loop(
        self,
        name: str,
        step: Callable[[], Awaitable[Upcoming]],
        *,
        retry_after: timedelta,
        log: logging.Logger,
        busy: Callable[[], bool] | None = None,
    ) -> BackgroundLoop:
        """A background job on this bot's clock; it starts working once the bot is ready."""
        return BackgroundLoop(
            name,
            self.clock,
            step,
            retry_after=retry_after,
            log=log,
            before=self.wait_until_ready,
            busy=busy,
        )

    def start_loop(self, loop: BackgroundLoop) -> None:
        self.loops.add(loop)
        loop.start()

    async def stop_loop(self, loop: BackgroundLoop) -> None:
        await loop.stop()
        self.loops.discard(loop)

    @property
    def idle(self) -> bool:
        """Every background job has caught up with the clock: what was due is planned and
        sent, and buttons whose time is up are greyed out. Tests wait for this after moving
        the clock."""
        now = self.clock.now()
        return all(loop.idle for loop in self.loops) and not any(
            view.overdue(now) for view in self.timed_views
        )

    # -- life cycle --------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        self.checkpoints = asyncio.create_task(self.db.checkpoint_every(), name="wal-checkpoints")
        for extension in self.initial_extensions:
            try:
                await self.load_extension(extension)
            except Exception as exc:
                # One broken feature must not take the others down with it.
                self.failed_extensions[extension] = repr(exc)
                log.exception("extension %s failed to load", extension)

    async def check_dm_status(self, interaction: discord.Interaction) -> None:
        """Flag the interaction when Kindred's DMs stopped reaching this member."""
        if interaction.type is discord.InteractionType.autocomplete:
            return  # no reply to attach a notice to, and it runs on every keystroke
        if not await has_unreachable_rows(self.db, interaction.user.id):
            return
        async with self.db.session() as session:
            await mark_reachable_again(session, interaction.user.id, now=self.clock.now())
        interaction.extras["dm_notice"] = True

    # -- clicks nothing answers ---------------------------------------------------------------

    def dispatch(self, event_name: str, /, *args: object, **kwargs: object) -> None:
        if (
            event_name == "socket_raw_receive"
            and args
            and isinstance(args[0], str)
            and RAW_FRAMES_WANTED not in args[0]
        ):
            # The raw stream is on for one kind of frame only (`enable_debug_events`, above):
            # the rest stop here, before discord.py makes a task of each for the listener
            # (10,000 GUILD_CREATEs at a big start, one more per interaction).
            return
        if event_name == "interaction" and args:
            interaction = cast("discord.Interaction", args[0])
            # Decided now, as discord.py hands the click to its views (that ran just before
            # this, in the same step): a view that stops itself on this click must not make
            # it look unanswered later.
            if not self._has_handler(interaction):
                interaction.extras["unhandled"] = True
        super().dispatch(event_name, *args, **kwargs)

    async def _taken_late(self, interaction: discord.Interaction) -> bool:
        """discord.py keeps a view or a form once Discord has answered the request that showed
        it; a click quicker than that answer (seen over loopback, where a simulated member
        clicks at once) found nothing. Give it a moment, then hand it over as discord.py would
        have."""
        data = cast("dict[str, Any]", interaction.data or {})
        views = self._connection._view_store
        for _ in range(LATE_HANDLER_TRIES):
            await asyncio.sleep(LATE_HANDLER_WAIT)
            if not self._has_handler(interaction):
                continue
            if interaction.type is discord.InteractionType.modal_submit:
                views.dispatch_modal(
                    str(data.get("custom_id", "")),
                    interaction,
                    data.get("components", []),
                    data.get("resolved", {}),
                )
            else:
                views.dispatch_view(
                    int(data.get("component_type", 0)), str(data.get("custom_id", "")), interaction
                )
            return True
        return False

    def _has_handler(self, interaction: discord.Interaction) -> bool:
        """Whether a button, menu or form of Kindred's takes this interaction."""
        data = cast("dict[str, Any]", interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        views = self._connection._view_store
        if interaction.type is discord.InteractionType.modal_submit:
            return custom_id in views._modals
        if interaction.type is not discord.InteractionType.component:
            return True
        if any(pattern.fullmatch(custom_id) for pattern in views._dynamic_items):
            return True
        key = (int(data.get("component_type", 0)), custom_id)
        message_id = interaction.message.id if interaction.message else None
        return key in views._views.get(message_id, {}) or key in views._views.get(None, {})

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A click on a button (or a form sent) that nothing of Kindred's takes: one from a
        message older than a restart, or a custom id changed on the way. The member hears so,
        privately, instead of Discord's "This interaction failed"."""
        if interaction.extras.pop("unhandled", False) and not await self._taken_late(interaction):
            log.info(
                "no handler for %s %r",
                interaction.type.name,
                (interaction.data or {}).get("custom_id"),
            )
            if interaction.type is discord.InteractionType.modal_submit:
                # What she typed would be lost with the form: it comes back to her to copy.
                typed = "\n\n".join(_form_values(interaction.data or {}))
                await send_private(interaction, render("errors/form_expired", text=typed[:1500]))
            else:
                await send_private(interaction, render("errors/button_unknown"))

    async def on_app_command_completion(
        self, interaction: discord.Interaction, _command: object
    ) -> None:
        await send_dm_notice_if_due(interaction)

    def log_write_turns(self) -> None:
        """The write turn's waits and holds so far (`storage.db.TurnStats`), as JSON."""
        log.info("write turn: %s", json.dumps(self.db.turns.summary(), sort_keys=True))

    async def on_ready(self) -> None:
        if self.settle_memory:
            memory.settle_after_start()
        log.info(
            "connected as %s to %d server(s); scheduled work for %s",
            self.user,
            len(self.guilds),
            self.ownership.describe(),
        )

    async def close(self) -> None:
        try:
            # Unloading the extensions (in super().close()) stops their background loops.
            await super().close()
            if self.checkpoints is not None:
                self.checkpoints.cancel()
                # Let a checkpoint in progress hand its connection back before dispose().
                await asyncio.gather(self.checkpoints, return_exceptions=True)
        finally:
            charts.stop_drawing()
            await self.db.dispose()


def _form_values(data: Any) -> list[str]:
    """The text typed into a submitted form, field by field."""
    found: list[str] = []
    for row in data.get("components", []):
        for component in [row.get("component", {}), *row.get("components", [])]:
            value = component.get("value")
            if isinstance(value, str) and value.strip():
                found.append(value)
    return found


def point_discord_py_at(settings: Settings) -> None:
    """Send discord.py's REST calls and gateway connection to DISCORD_API_BASE, if set."""
    if not settings.discord_api_base:
        return
    discord.http.Route.BASE = settings.discord_api_base
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


async def open_and_migrate(settings: Settings) -> Database:
    db = open_database(settings.database_url)
    await upgrade(db.engine)
    return db
