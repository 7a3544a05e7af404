"""Kindred's command line. Everything else lives in packages (the bot in `kindred.bot`).

python bot.py run [--shards 0-1 --shard-count 4]   run the bot (token from .env)
python bot.py sync [--guild ID]                     publish slash commands to Discord
python bot.py db upgrade                            apply database migrations
python bot.py db copy --to URL                      copy all data into another database
python bot.py sandbox [--script FILE]               try Kindred against a local fake Discord

Each command imports what it uses when it runs, so `--help`, a missing token or a bad
setting answer without loading discord.py, SQLAlchemy and every feature first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from coaching.shards import ShardOwnership, parse_shard_list

if TYPE_CHECKING:
    from kindred.settings import Settings

log = logging.getLogger("kindred")

NO_TOKEN_HELP = """\
Kindred needs a Discord bot token to run for real, and none is set.

  1. Open https://discord.com/developers/applications and create an application.
  2. In "Bot", press "Reset Token" and copy the token.
  3. Copy .env.example to .env and put it there:  DISCORD_TOKEN=your-token
  4. Run `make run` again.

README.md ("Put Kindred on a real server") has the invite link and permissions.
To try Kindred without a Discord account or token, run `make sandbox`.
"""

SANDBOX_NEEDS_CHECKOUT = """\
The sandbox runs from a checkout of Kindred (it uses testing/ and fakediscord/, which are
not installed with the package): clone the repository and run `make sandbox` there.
"""


def _require_token(settings: Settings) -> str:
    if settings.discord_token is None:
        print(NO_TOKEN_HELP, file=sys.stderr)
        raise SystemExit(2)
    return settings.discord_token.get_secret_value()


async def run_bot(settings: Settings, shard_ids: list[int] | None, shard_count: int | None) -> None:
    token = _require_token(settings)
    from kindred import memory
    from kindred.bot import KindredBot
    from kindred.clock import SystemClock
    from kindred.startup import open_and_check

    db = await open_and_check(settings, token)
    options: dict[str, object] = {}
    if shard_count is not None:
        options["shard_count"] = shard_count
    if shard_ids is not None:
        options["shard_ids"] = shard_ids
    bot = KindredBot(settings, db, SystemClock(), **options)
    memory.pace_collector()
    bot.settle_memory = True
    # `kill -USR1 <pid>` logs how this process's write units shared the write turn (the
    # burst bench reads it; an operator can too). Not on Windows.
    loop = asyncio.get_running_loop()
    usr1 = getattr(signal, "SIGUSR1", None)
    if usr1 is not None:
        loop.add_signal_handler(usr1, bot.log_write_turns)
    closing: list[asyncio.Task[None]] = []

    def stop(name: str) -> None:
        # `systemctl stop`, `docker stop` and Ctrl-C: log off from Discord, let the loops
        # stop and the database close (SQLite folds its log in), then exit 0.
        if not closing:
            log.info("%s received: stopping", name)
            closing.append(loop.create_task(bot.close()))

    for each in (signal.SIGTERM, signal.SIGINT):
        # Not on Windows, where Ctrl-C still ends the run as before.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(each, stop, each.name)
    async with bot:
        await bot.start(token)
    if closing:
        await closing[0]
    log.info("stopped")


async def sync_commands(settings: Settings, guild_id: int | None) -> None:
    token = _require_token(settings)
    import discord

    from kindred.bot import KindredBot
    from kindred.clock import SystemClock
    from kindred.startup import open_and_check

    db = await open_and_check(settings, token)
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


async def upgrade_database(settings: Settings) -> None:
    from kindred.startup import open_checked

    db = await open_checked(settings)
    await db.dispose()


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


def run_shards(
    args: argparse.Namespace, settings: Settings
) -> tuple[list[int] | None, int | None] | str:
    """The shards `bot.py run` runs: the flags win over SHARDS / SHARD_COUNT (a systemd
    template passes %i); a string says what is wrong."""
    shards = args.shards if args.shards is not None else settings.shards
    shard_count = args.shard_count if args.shard_count is not None else settings.shard_count
    if (shards is None) != (shard_count is None):
        return "Give both --shards and --shard-count (or SHARDS and SHARD_COUNT), or neither."
    try:
        ShardOwnership.of(shards, shard_count)
    except ValueError as exc:
        return f"Bad shards: {exc}."
    return shards, shard_count


def main(argv: Sequence[str] | None = None) -> int:
    from kindred.errors import StartupFailed

    try:
        return _main(argv)
    except StartupFailed as failed:
        print(failed, file=sys.stderr)
        return 1


def _main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from kindred.settings import ConfigurationError, load_settings

    try:
        settings = load_settings()
    except ConfigurationError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    from kindred.logs import configure_logging

    configure_logging(settings.log_level)
    if args.command == "run":
        chosen = run_shards(args, settings)
        if isinstance(chosen, str):
            print(chosen, file=sys.stderr)
            return 2
        asyncio.run(run_bot(settings, *chosen))
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
        asyncio.run(upgrade_database(settings))
        print(f"Database is up to date ({settings.database_url.split('://', 1)[0]}).")
    elif args.command == "sandbox":
        try:
            from testing.sandbox import run_sandbox
        except ModuleNotFoundError:
            # testing/ and fakediscord/ are not installed with the package.
            print(SANDBOX_NEEDS_CHECKOUT, file=sys.stderr)
            return 2
        return asyncio.run(run_sandbox(settings, script=args.script, database=args.database))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
