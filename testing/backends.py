"""Database back-ends for tests and benchmarks: a fresh SQLite file, or a fresh PostgreSQL
database on the server named by `KINDRED_TEST_POSTGRES_URL` (a URL whose user may create
databases, e.g. postgresql+asyncpg://postgres@127.0.0.1:55432/postgres).

Without that server, `postgres_database` raises `PostgresUnavailable`; the test suite turns it
into a loud skip, or a failure in CI (tests/backends.py), and `make bench` into a line saying
what was not run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

POSTGRES_ENV = "KINDRED_TEST_POSTGRES_URL"


class PostgresUnavailable(Exception):
    """No PostgreSQL server to test against; the message says why."""


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        raise PostgresUnavailable(f"{POSTGRES_ENV} is not set")
    import asyncpg

    try:
        admin = await asyncpg.connect(_asyncpg_dsn(server), timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        raise PostgresUnavailable(f"cannot reach {server.split('@')[-1]}: {exc}") from exc
    name = f"kindred_test_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = server.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(_asyncpg_dsn(server), timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    if backend == "postgres":
        async with postgres_database() as url:
            yield url
    else:
        yield f"sqlite+aiosqlite:///{tmp_path}/kindred.db"
