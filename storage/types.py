"""Column types shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always gives back aware UTC datetimes.

    SQLite has no time zones and asyncpg wants aware values for timestamptz; normalising
    here means no naive datetime ever leaks into the rules.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use an aware datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # Stored naive (UTC) so that text comparison and ordering in SQLite are correct.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Integer primary keys are 32-bit on PostgreSQL (int4): a larger number names no row, and
# binding one would fail in the driver.
ROW_ID_MAX = 2**31 - 1


def row_id(text: str | int) -> int | None:
    """A row id from a custom id or an option, or None when no row could have it."""
    if isinstance(text, int):
        value = text
    elif text.isascii() and text.isdigit() and len(text) <= 10:
        value = int(text)
    else:
        return None
    return value if 0 < value <= ROW_ID_MAX else None


SNOWFLAKE_MAX = 2**63 - 1  # Discord ids, in BigInteger columns


def snowflake(text: str) -> int | None:
    """A Discord id from a custom id, or None when no Discord id could be this number."""
    if not (text.isascii() and text.isdigit() and len(text) <= 20):
        return None
    value = int(text)
    return value if value <= SNOWFLAKE_MAX else None
