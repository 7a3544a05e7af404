"""Apply Alembic migrations: at start-up, from `python bot.py db upgrade`, and in tests.

Alembic is imported only when there is something to do: a start on a database already at the
newest revision (every start but the first after an update) reads one row and leaves
Alembic's 9 MiB of code out of the bot's memory.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x4B696E64  # "Kind": an arbitrary key for PostgreSQL's advisory lock
_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)


def alembic_config(url: str = "") -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; a no-op when it already is."""
    newest = head_on_disk()
    if newest is not None and await _stored_revisions(engine) == [newest]:
        return

    def _upgrade(connection: Connection) -> None:
        from alembic import command

        if connection.dialect.name == "postgresql":
            # Several bot processes may start at once (one per shard range): the first to
            # take this lock migrates, the others wait for its commit and find nothing to do.
            # (SQLite needs nothing: its writers already queue.)
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def _stored_revisions(engine: AsyncEngine) -> list[str] | None:
    """The revisions in the database's alembic_version table; None without one (new)."""
    # A read: on SQLite no write lock for it (storage.db begins IMMEDIATE by default).
    async with engine.execution_options(kindred_sqlite_begin="DEFERRED").connect() as connection:
        try:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:
            return None
        return [row[0] for row in rows]


def head_on_disk() -> str | None:
    """The newest revision among the migration files, read without Alembic: the one no other
    revises. None unless exactly one (then Alembic decides)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for key, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (revisions if key == "revision" else revised).add(value)
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


async def current_revision(engine: AsyncEngine) -> str | None:
    def _current(connection: Connection) -> str | None:
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_current)


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
