"""Start-up problems an operator can fix, each said in one line with what to do.

`bot.py` opens the database and logs in to Discord through these; a failure it can explain
becomes `StartupFailed` (the command line prints its message and exits non-zero) instead of
a page of traceback. Anything else still raises as it is: that one is a bug to report.
"""

from __future__ import annotations

import sqlite3

import aiohttp
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from kindred.errors import StartupFailed
from kindred.settings import Settings
from storage.db import Database

DISCORD_COM = "https://discord.com/api/v10"


def _where(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"the database file {parsed.database}"
    return f"the database at {parsed.host or 'localhost'}:{parsed.port or 5432}"


def explain_database_error(error: BaseException, url: str) -> str | None:
    """One line for a database that can't be opened or migrated (None: not one we know)."""
    where = _where(url)
    original = error.orig if isinstance(error, DBAPIError) else error
    text = str(original).lower()
    if "database is locked" in text:
        return (
            f"Can't start: {where} is locked by another program (another Kindred on the same "
            "file, or a tool holding it open). Stop that program, then start Kindred again."
        )
    if isinstance(original, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "disk image" in text
    ):
        return (
            f"Can't start: {where} is damaged or not a SQLite database. Restore it from a "
            "backup (README.md, 'Where data lives'), or set DATABASE_URL to another file."
        )
    if isinstance(original, sqlite3.OperationalError) and "unable to open" in text:
        return (
            f"Can't start: {where} can't be opened (a folder that doesn't exist or isn't "
            "writable?). Check DATABASE_URL and the folder's permissions."
        )
    if isinstance(original, OSError | TimeoutError):
        return (
            f"Can't start: {where} can't be reached ({original}). Check that the database "
            "server is running and DATABASE_URL (host, port, user, password)."
        )
    return None


async def open_checked(settings: Settings) -> Database:
    """The database, opened and migrated; StartupFailed when it can't be, for a known reason."""
    from kindred.bot import open_and_migrate

    db = None
    try:
        db = await open_and_migrate(settings)
        await db.check_writable()
        return db
    except Exception as error:
        if db is not None:
            await db.dispose()
        explained = explain_database_error(error, settings.database_url)
        if explained is None:
            raise
        raise StartupFailed(explained) from error


CHECK_TIMEOUT_SECONDS = 20.0


async def check_discord(settings: Settings, token: str) -> None:
    """Ask Discord who the token belongs to, before discord.py starts its work; StartupFailed
    when the answer shows the token, the API base or the network is wrong."""
    base = (settings.discord_api_base or DISCORD_COM).rstrip("/")
    timeout = aiohttp.ClientTimeout(total=CHECK_TIMEOUT_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.get(f"{base}/users/@me", headers={"Authorization": f"Bot {token}"}) as answer,
        ):
            status = answer.status
            body = await answer.json(content_type=None) if status == 200 else None
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        reason = str(error) or type(error).__name__
        raise StartupFailed(
            f"Can't start: Discord at {base} can't be reached ({reason}). Check the network "
            "connection, a proxy or firewall, and DISCORD_API_BASE."
        ) from error
    except ValueError as error:  # 200, but not JSON: not Discord
        raise StartupFailed(_not_discord(base, "an answer that isn't Discord's")) from error
    if status == 401:
        raise StartupFailed(
            "Can't start: Discord refused the bot token (DISCORD_TOKEN). In the Developer "
            "Portal, Bot -> Reset Token, put the new token in .env, then start again."
        )
    if status != 200 or not isinstance(body, dict) or "id" not in body:
        raise StartupFailed(_not_discord(base, f"HTTP {status}"))


async def open_and_check(settings: Settings, token: str) -> Database:
    """What `bot.py run` and `sync` need before discord.py starts: discord.py pointed at
    DISCORD_API_BASE, the database open and migrated, and Discord taking the token."""
    from kindred.bot import point_discord_py_at

    point_discord_py_at(settings)
    db = await open_checked(settings)
    try:
        await check_discord(settings, token)
    except BaseException:
        await db.dispose()
        raise
    return db


def _not_discord(base: str, what: str) -> str:
    return (
        f"Can't start: {base} answered the log-in with {what}, not like Discord's API. "
        "Check DISCORD_API_BASE (leave it unset for discord.com)."
    )
