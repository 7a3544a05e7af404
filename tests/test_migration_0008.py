"""Revision 0008 takes rendered thank-you words out of the outbox and back-off answers out of
the journal, on SQLite and PostgreSQL; SQLite deletes securely."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.db import Database, open_database
from storage.migrate import alembic_config, upgrade
from tests.backends import database_url

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


async def migrate_to(db: Database, revision: str) -> None:
    def _to(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(_to)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_rendered_thanks_words_leave_the_outbox(backend: str, tmp_path: Path) -> None:
    async with database_url(backend, tmp_path) as url:
        db = open_database(url)
        try:
            await migrate_to(db, "0007")
            story = "Maya introduced me to her accountant."
            rows = [
                ("thanks_notice:7", "thanks_notice", "sent", {"content": f"Olu: {story}"}),
                ("thanks_notice:8", "thanks_notice", "pending", {"content": f"Ines: {story}"}),
                ("thanks_digest:1:2026-W47", "thanks_digest", "sent", {"content": story}),
                ("reflection:1:2026-11-20", "reflection", "sent", {"content": "Today's prompt"}),
            ]
            async with db.session() as session:
                await session.execute(
                    text(
                        "INSERT INTO communities (guild_id, name, timezone, prompt_time, "
                        "reflections_enabled, pitch_enabled, thanks_enabled, rolodex_enabled, "
                        "created_at, updated_at) VALUES (1, 'x', 'UTC', '09:00', true, true, "
                        "true, true, :now, :now)"
                    ),
                    {"now": NOW},
                )
                await session.execute(
                    text(
                        "INSERT INTO members (id, guild_id, user_id, reachable, created_at, "
                        "updated_at) VALUES (1, 1, 42, true, :now, :now)"
                    ),
                    {"now": NOW},
                )
                for key, purpose, state, payload in rows:
                    await session.execute(
                        text(
                            "INSERT INTO outbox (guild_id, member_id, purpose, dedupe_key, "
                            "payload, state, due_at, attempts, created_at) VALUES (1, 1, "
                            ":purpose, :key, :payload, :state, :now, 0, :now)"
                        ),
                        {
                            "purpose": purpose,
                            "key": key,
                            "payload": json.dumps(payload),
                            "state": state,
                            "now": NOW,
                        },
                    )
                await session.execute(
                    text(
                        "INSERT INTO reflection_entries (member_id, kind, local_date, "
                        "prompt_key, prompt_text, sent_at, answer, skipped) VALUES (1, "
                        "'backoff', '2026-11-20', 'backoff', 'Write less often?', :now, "
                        "'daily', false)"
                    ),
                    {"now": NOW},
                )
            await upgrade(db.engine)
            async with db.read() as session:
                found = {
                    key: json.loads(payload) if isinstance(payload, str) else payload
                    for key, payload in await session.execute(
                        text("SELECT dedupe_key, payload FROM outbox")
                    )
                }
                answers = list(await session.scalars(text("SELECT answer FROM reflection_entries")))
        finally:
            await db.dispose()
    assert found == {
        "thanks_notice:7": {},
        "thanks_notice:8": {"build": ["thanks_notice", 8]},
        "thanks_digest:1:2026-W47": {},
        "reflection:1:2026-11-20": {"content": "Today's prompt"},
    }
    assert answers == [None]


async def test_sqlite_deletes_securely(tmp_path: Path) -> None:
    db = open_database(f"sqlite+aiosqlite:///{tmp_path}/kindred.db")
    try:
        async with db.read() as session:
            assert (await session.execute(text("PRAGMA secure_delete"))).scalar() == 1
    finally:
        await db.dispose()
