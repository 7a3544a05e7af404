"""Which servers' scheduled work this process does: the ones on the Discord shards it runs.

Discord routes a server's events to shard `(guild_id >> 22) % shard_count`. When several bot
processes share one database, each runs some of the shards, and work that belongs to a
server (its reflection prompts, its thanks digest, its members' stay-in-touch reminders) is
done only by the process that runs that server's shard: it is the one with the server in its
cache, and two processes must never plan the same server's day twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# A snowflake's top 42 bits are its timestamp; Discord shards on it (the low 22 bits are
# worker, process and sequence numbers).
SNOWFLAKE_TIMESTAMP_SHIFT = 22


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends this server's events to."""
    return (guild_id >> SNOWFLAKE_TIMESTAMP_SHIFT) % shard_count


@dataclass(frozen=True, slots=True)
class ShardOwnership:
    """The servers one process owns: those on `shard_ids` out of `shard_count` shards.

    `shard_ids=None` means every server (one process, or one that runs every shard). A
    process given all the shards explicitly is normalised to that (shard_count 1), so its
    queries carry no filter either.
    """

    shard_ids: frozenset[int] | None = None
    shard_count: int = 1

    def __post_init__(self) -> None:
        if self.shard_count < 1:
            raise ValueError(f"shard_count must be at least 1, not {self.shard_count}")
        ids = None if self.shard_ids is None else frozenset(self.shard_ids)
        if ids is not None:
            if not ids:
                raise ValueError("a process must own at least one shard")
            outside = sorted(i for i in ids if not 0 <= i < self.shard_count)
            if outside:
                raise ValueError(
                    f"shard ids {outside} are not below shard_count {self.shard_count}"
                )
        if ids is None or len(ids) == self.shard_count:
            ids = None  # every shard: no restriction, and the count no longer matters
        # frozen: normalise through object.__setattr__, so equal ownerships compare equal.
        object.__setattr__(self, "shard_ids", ids)
        object.__setattr__(self, "shard_count", 1 if ids is None else self.shard_count)

    @classmethod
    def of(cls, shard_ids: Iterable[int] | None, shard_count: int | None) -> ShardOwnership:
        """From the options a bot was started with (`--shards`, `--shard-count`).

        Without shard ids the process connects every shard Discord recommends (an
        `AutoShardedBot` learns the count from /gateway/bot), so it owns every server, and
        the count does not matter.
        """
        if shard_ids is None:
            return cls()
        if shard_count is None:
            raise ValueError("shard ids need a shard count")
        return cls(frozenset(shard_ids), shard_count)

    @property
    def owns_everything(self) -> bool:
        return self.shard_ids is None

    def owns(self, guild_id: int) -> bool:
        return self.shard_ids is None or shard_of(guild_id, self.shard_count) in self.shard_ids

    def describe(self) -> str:
        """For logs: "every server" or "shards 0, 2 of 4"."""
        if self.shard_ids is None:
            return "every server"
        ids = ", ".join(str(i) for i in sorted(self.shard_ids))
        return f"shard{'s' if len(self.shard_ids) > 1 else ''} {ids} of {self.shard_count}"


EVERY_SERVER = ShardOwnership()


def parse_shard_list(text: str) -> list[int]:
    """`0-1` or `0,2,3` -> shard ids; ValueError for anything else."""
    ids: list[int] = []
    for part in text.split(","):
        start, dash, end = part.strip().partition("-")
        if not start.isdigit() or (dash and not end.isdigit()) or (end and int(end) < int(start)):
            raise ValueError(f"bad shard list {text!r}; use e.g. 0-1 or 0,2")
        ids.extend(range(int(start), int(end or start) + 1))
    return ids
