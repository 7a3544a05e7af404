"""PostgreSQL for the tests (testing/backends.py), loud when it is missing.

Without `KINDRED_TEST_POSTGRES_URL`, or when the server can't be reached, PostgreSQL tests
skip with a reason nobody can miss; with `KINDRED_REQUIRE_POSTGRES=1` (CI) they fail
instead, so CI can never pass without having run them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from storage.db import Database, open_database
from storage.migrate import upgrade
from testing import backends
from testing.backends import POSTGRES_ENV, PostgresUnavailable
from testing.harness import Harness

REQUIRE_ENV = "KINDRED_REQUIRE_POSTGRES"


def _unavailable(reason: str) -> None:
    message = f"!!! PostgreSQL tests NOT RUN: {reason} (set {POSTGRES_ENV}; CI sets it)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(message)
    pytest.skip(message)


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one test or module, dropped afterwards."""
    try:
        async with backends.postgres_database() as url:
            yield url
    except PostgresUnavailable as exc:
        _unavailable(str(exc))


@asynccontextmanager
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    try:
        async with backends.database_url(backend, tmp_path) as url:
            yield url
    except PostgresUnavailable as exc:
        _unavailable(str(exc))


@asynccontextmanager
async def migrated_database(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh database of `backend` ("sqlite" or "postgres"), migrated to the newest
    schema, disposed afterwards."""
    async with database_url(backend, tmp_path) as url:
        database = open_database(url)
        try:
            await upgrade(database.engine)
            yield database
        finally:
            await database.dispose()


@asynccontextmanager
async def postgres_harness(folder: Path) -> AsyncIterator[Harness]:
    """The end-to-end harness (one bot, fakediscord) on a fresh PostgreSQL database, for a
    module that collects SQLite end-to-end tests again against PostgreSQL."""
    async with postgres_database() as url:
        harness = Harness(folder)
        await harness.start(database_url=url)
        try:
            yield harness
        finally:
            await harness.stop()
    assert harness.fd.internal_errors == []
