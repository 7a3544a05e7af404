"""Real, timestamp-based Discord snowflakes.

discord.py derives creation times from ids and routes guilds to shards with
``(guild_id >> 22) % shard_count``, so fake ids must carry a plausible timestamp.
"""

from __future__ import annotations

import datetime
import time

DISCORD_EPOCH_MS = 1_420_070_400_000


def snowflake_time(snowflake: int) -> datetime.datetime:
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC)


def iso_timestamp(snowflake: int) -> str:
    return snowflake_time(snowflake).isoformat()


def shard_for(guild_id: int, shard_count: int) -> int:
    return (guild_id >> 22) % shard_count


class SnowflakeGenerator:
    """Strictly increasing ids, so ordering by id equals ordering by creation."""

    __slots__ = ("_increment", "_last_ms", "_process", "_worker")

    def __init__(self, worker: int = 1, process: int = 1) -> None:
        self._worker = worker & 0x1F
        self._process = process & 0x1F
        self._last_ms = 0
        self._increment = 0

    def _take(self, ms: int) -> int:
        """Claim millisecond ``ms`` (>= the last one used) and return the id."""
        if ms <= self._last_ms:
            ms = self._last_ms
            self._increment += 1
            if self._increment > 0xFFF:
                # 4096 ids in one millisecond: borrow the next millisecond rather than
                # wrap around, which would break monotonicity.
                ms += 1
                self._increment = 0
        else:
            self._increment = 0
        self._last_ms = ms
        return (ms << 22) | (self._worker << 17) | (self._process << 12) | self._increment

    @staticmethod
    def _now_ms() -> int:
        return int(time.time() * 1000) - DISCORD_EPOCH_MS

    def next(self) -> int:
        return self._take(self._now_ms())

    def next_for_shard(self, shard_id: int, shard_count: int) -> int:
        """An id whose ``(id >> 22) % shard_count == shard_id``.

        The timestamp is pushed forward by at most ``shard_count`` ms.
        """
        if shard_count <= 1:
            return self.next()
        if not 0 <= shard_id < shard_count:
            raise ValueError(f"shard_id {shard_id} outside 0..{shard_count - 1}")
        # A fresh millisecond (increment 0) so the shard arithmetic is exact.
        candidate = max(self._now_ms(), self._last_ms + 1)
        candidate += (shard_id - candidate) % shard_count
        return self._take(candidate)
