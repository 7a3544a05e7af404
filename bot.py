"""Kindred's entry point: the Bot, its command tree, and the command line.

python bot.py run [--shards 0-1 --shard-count 4]   run the bot (token from .env)
python bot.py sync [--guild ID]                     publish slash commands to Discord
python bot.py db upgrade                            apply database migrations
python bot.py sandbox [--script FILE]               try Kindred against a local fake Discord
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from coaching.shards import ShardOwnership, parse_shard_list
from cogs.courier import Courier
from kindred.clock import Clock, SystemClock
from kindred.errors import UserFacingError
from kindred.settings import ConfigurationError, Settings, load_settings
from prompts import render
from storage.db import Database, open_database
from storage.members import has_unreachable_rows, mark_reachable_again
from storage.migrate import upgrade

if TYPE_CHECKING:
    from cogs.reflections import ReflectionScheduler

log = logging.getLogger("kindred")

# Kindred has no voice features; discord.py would warn at every start that voice is off.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False

# Loaded in this order by setup_hook; one failing does not stop the others.
EXTENSIONS: tuple[str, ...] = (
    "cogs.courier",
    "cogs.kindred",
    "cogs.admin",
    "cogs.privacy",
    "cogs.reflections",
    "cogs.pitch",
    "cogs.thanks",
    "cogs.rolodex",
)

NO_TOKEN_HELP = """\
Kindred needs a Discord bot token to run for real, and none is set.

  1. Open https://discord.com/developers/applications and create an application.
  2. In "Bot", press "Reset Token" and copy the token.
  3. Copy .env.example to .env and put it there:  DISCORD_TOKEN=your-token
  4. Run `make run` again.

README.md ("Put Kindred on a real server") has the invite link and permissions.
To try Kindred without a Discord account or token, run `make sandbox`.
"""


class KindredTree(app_commands.CommandTree["KindredBot"]):
    """Turns errors into replies: kind words for UserFacingError, a reference id otherwise.

    It also notices members whose DMs were closed: their next command gets a private note
    on how to open them again (see `KindredBot.check_dm_status`).
    """

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        await self.client.check_dm_status(interaction)
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        await _send_dm_notice_if_due(interaction)
        if isinstance(original, UserFacingError):
            await send_private(interaction, render(original.template, **original.context))
            return
        if isinstance(error, app_commands.NoPrivateMessage):
            await send_private(interaction, render("errors/server_only"))
            return
        if isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
            await send_private(interaction, render("errors/not_allowed"))
            return
        command = interaction.command.qualified_name if interaction.command else "?"
        if isinstance(original, discord.NotFound) and original.code == UNKNOWN_INTERACTION:
            # Answered after Discord's 3 s deadline (a busy bot): nothing can reach the member
            # any more, and it is not a bug in the command.
            log.warning("/%s answered too late (interaction %s expired)", command, interaction.id)
            return
        reference = secrets.token_hex(4)
        log.error(
            "command /%s failed (ref %s, guild %s)",
            command,
            reference,
            interaction.guild_id,
            exc_info=original,
        )
        await send_private(interaction, render("errors/unexpected", reference=reference))


UNKNOWN_INTERACTION = 10062  # Discord's code for an expired (or unknown) interaction


async def send_private(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
    files: list[discord.File] | None = None,
) -> None:
    """An ephemeral reply that works whether or not the interaction was answered yet."""
    kwargs: dict[str, object] = {
        "ephemeral": True,
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    if content is not None:
        kwargs["content"] = content
    if embed is not None:
        kwargs["embed"] = embed
    if view is not None:
        kwargs["view"] = view
    if file is not None:
        kwargs["file"] = file
    if files:
        kwargs["files"] = files
    try:
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs)  # type: ignore[arg-type]
        else:
            await interaction.response.send_message(**kwargs)  # type: ignore[arg-type]
    except discord.HTTPException:
        # The interaction expired or Discord refused: nothing more can reach this member.
        log.warning("could not deliver a reply to interaction %s", interaction.id)


async def _send_dm_notice_if_due(interaction: discord.Interaction) -> None:
    if interaction.extras.pop("dm_notice", False):
        await send_private(interaction, render("courier/dms_closed_notice"))


def intents(settings: Settings) -> discord.Intents:
    """Only what the features use; the one privileged intent only when the host opts in."""
    wanted = discord.Intents.none()
    wanted.guilds = True  # channels and permissions, to check where Kindred can post
    wanted.dm_messages = True  # plain DM replies to a reflection prompt are saved as answers
    wanted.guild_messages = True  # a thanks post deleted by hand marks its record removed
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
        worker = settings.instance_name + (f"/shards-{shards}" if shards else "")
        self.reflections: ReflectionScheduler  # set by the reflections cog
        self.checkpoints: asyncio.Task[None] | None = None  # SQLite's WAL, in the background
        self.courier = Courier(self, max_per_second=settings.courier_max_per_second, worker=worker)

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
        async with self.db.read() as session:
            unreachable = await has_unreachable_rows(session, interaction.user.id)
        if not unreachable:
            return
        async with self.db.session() as session:
            await mark_reachable_again(session, interaction.user.id, now=self.clock.now())
        interaction.extras["dm_notice"] = True

    async def on_app_command_completion(
        self, interaction: discord.Interaction, _command: object
    ) -> None:
        await _send_dm_notice_if_due(interaction)

    async def on_ready(self) -> None:
        log.info(
            "connected as %s to %d server(s); scheduled work for %s",
            self.user,
            len(self.guilds),
            self.ownership.describe(),
        )

    async def close(self) -> None:
        try:
            if hasattr(self, "reflections"):
                await self.reflections.stop()
            await self.courier.stop()
            if self.checkpoints is not None:
                self.checkpoints.cancel()
                # Let a checkpoint in progress hand its connection back before dispose().
                await asyncio.gather(self.checkpoints, return_exceptions=True)
            await super().close()
        finally:
            await self.db.dispose()


def point_discord_py_at(settings: Settings) -> None:
    """Send discord.py's REST calls and gateway connection to DISCORD_API_BASE, if set."""
    if not settings.discord_api_base:
        return
    discord.http.Route.BASE = settings.discord_api_base
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py's gateway chatter at DEBUG includes payloads with member text.
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))


async def open_and_migrate(settings: Settings) -> Database:
    db = open_database(settings.database_url)
    await upgrade(db.engine)
    return db


def _require_token(settings: Settings) -> str:
    if settings.discord_token is None:
        print(NO_TOKEN_HELP, file=sys.stderr)
        raise SystemExit(2)
    return settings.discord_token.get_secret_value()


async def run_bot(settings: Settings, shard_ids: list[int] | None, shard_count: int | None) -> None:
    token = _require_token(settings)
    point_discord_py_at(settings)
    db = await open_and_migrate(settings)
    options: dict[str, object] = {}
    if shard_count is not None:
        options["shard_count"] = shard_count
    if shard_ids is not None:
        options["shard_ids"] = shard_ids
    bot = KindredBot(settings, db, SystemClock(), **options)
    async with bot:
        await bot.start(token)


async def sync_commands(settings: Settings, guild_id: int | None) -> None:
    token = _require_token(settings)
    point_discord_py_at(settings)
    db = await open_and_migrate(settings)
    bot = KindredBot(settings, db, SystemClock())
    async with bot:
        await bot.login(token)
        if guild_id:
            guild = discord.Object(id=guild_id)
            bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
            print(f"Synced {len(synced)} commands to server {guild_id} (visible at once).")
        else:
            synced = await bot.tree.sync()
            print(f"Synced {len(synced)} global commands (Discord may take a minute to show them).")


def parse_shards(text: str) -> list[int]:
    """`0-1` or `0,2,3` -> shard ids."""
    try:
        return parse_shard_list(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot.py", description="Kindred, a networking coach.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (token from .env)")
    run.add_argument("--shards", type=parse_shards, help="shard ids this process runs, e.g. 0-1")
    run.add_argument("--shard-count", type=int, help="total number of shards")
    sync = sub.add_parser("sync", help="publish slash commands to Discord")
    sync.add_argument("--guild", type=int, help="one server id, for instant testing")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations")
    copy = db_sub.add_parser("copy", help="copy all data into another (empty) database")
    copy.add_argument(
        "--to", required=True, help="target DATABASE_URL, e.g. postgresql+asyncpg://..."
    )
    sandbox = sub.add_parser("sandbox", help="try Kindred against a local fake Discord")
    sandbox.add_argument("--script", help="run verbs from a file and print the transcript")
    sandbox.add_argument("--database", help="database URL (default: data/sandbox.db)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigurationError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    if args.command == "run":
        # The flags win over the SHARDS / SHARD_COUNT settings (a systemd template passes %i).
        shards = args.shards if args.shards is not None else settings.shards
        shard_count = args.shard_count if args.shard_count is not None else settings.shard_count
        if (shards is None) != (shard_count is None):
            print(
                "Give both --shards and --shard-count (or SHARDS and SHARD_COUNT), or neither.",
                file=sys.stderr,
            )
            return 2
        try:
            ShardOwnership.of(shards, shard_count)
        except ValueError as exc:
            print(f"Bad shards: {exc}.", file=sys.stderr)
            return 2
        asyncio.run(run_bot(settings, shards, shard_count))
    elif args.command == "sync":
        asyncio.run(sync_commands(settings, args.guild or settings.dev_guild_id))
    elif args.command == "db" and args.db_command == "copy":
        from storage.copy import CopyRefused, copy_database

        try:
            copied = asyncio.run(copy_database(settings.database_url, args.to))
        except CopyRefused as exc:
            print(f"Nothing copied: {exc}.", file=sys.stderr)
            return 2
        total = sum(copied.values())
        print(f"Copied {total} rows in {len(copied)} tables. Now set DATABASE_URL to the target.")
    elif args.command == "db":

        async def _upgrade() -> None:
            db = await open_and_migrate(settings)
            await db.dispose()

        asyncio.run(_upgrade())
        print(f"Database is up to date ({settings.database_url.split('://', 1)[0]}).")
    elif args.command == "sandbox":
        from kindred.sandbox import run_sandbox

        return asyncio.run(run_sandbox(settings, script=args.script, database=args.database))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
