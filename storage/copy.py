"""`python bot.py db copy --to URL`: move every row from one database to another.

Used to move a community from SQLite to PostgreSQL. The target is migrated first and must
be empty; tables are copied parent-first in batches, and PostgreSQL's id sequences are moved
past the copied ids so new rows don't collide.
"""

from __future__ import annotations

from sqlalchemy import func, select, text

from storage.db import open_database
from storage.migrate import upgrade
from storage.models import Base

BATCH = 1000


class CopyRefused(Exception):
    """The copy can't start; the message says why in one line."""


async def copy_database(source_url: str, target_url: str) -> dict[str, int]:
    if source_url == target_url:
        raise CopyRefused("source and target are the same database")
    source = open_database(source_url)
    target = open_database(target_url)
    copied: dict[str, int] = {}
    try:
        await upgrade(source.engine)
        await upgrade(target.engine)
        async with target.read() as session:
            for table in Base.metadata.sorted_tables:
                if await session.scalar(select(func.count()).select_from(table)):
                    raise CopyRefused(
                        f"the target already has rows in {table.name}; use an empty one"
                    )
        for table in Base.metadata.sorted_tables:
            copied[table.name] = 0
            async with source.read() as reading:
                result = await reading.stream(select(table).order_by(*table.primary_key))
                async for batch in result.partitions(BATCH):
                    rows = [dict(row._mapping) for row in batch]
                    async with target.session() as writing:
                        await writing.execute(table.insert(), rows)
                    copied[table.name] += len(rows)
        if target.engine.dialect.name == "postgresql":
            async with target.session() as session:
                for table in Base.metadata.sorted_tables:
                    key = list(table.primary_key.columns)
                    if len(key) != 1 or not key[0].autoincrement or key[0].name != "id":
                        continue
                    await session.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )
        return copied
    finally:
        await source.dispose()
        await target.dispose()
