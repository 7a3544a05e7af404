"""Database back-ends for tests: a fresh SQLite file, or a fresh PostgreSQL database.

PostgreSQL tests use `KINDRED_TEST_POSTGRES_URL` (a server URL whose user may create
databases, e.g. postgresql+asyncpg://postgres@127.0.0.1:55432/postgres). Without it, or when
the server can't be reached, they skip loudly; with `KINDRED_REQUIRE_POSTGRES=1` (CI) they
fail instead, so CI can never pass without having run them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

POSTGRES_ENV = "KINDRED_TEST_POSTGRES_URL"
REQUIRE_ENV = "KINDRED_REQUIRE_POSTGRES"


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _unavailable(reason: str) -> None:
    message = f"!!! PostgreSQL tests NOT RUN: {reason} (set {POSTGRES_ENV}; CI sets it)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(message)
    pytest.skip(message)


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one test or module, dropped afterwards."""
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        _unavailable(f"{POSTGRES_ENV} is not set")
    import asyncpg

    assert server is not None
    try:
        admin = await asyncpg.connect(_asyncpg_dsn(server), timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        _unavailable(f"cannot reach {server.split('@')[-1]}: {exc}")
        raise  # unreachable: _unavailable raises
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
