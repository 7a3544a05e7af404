"""Shard ownership as SQL: a process reads only the rows of servers on its own shards.

`(guild_id >> 22) % shard_count IN (...)` runs the same on SQLite and PostgreSQL (64-bit
integers on both). The numbers are written into the SQL, not bound: they are fixed for the
life of a process, so a statement built once per ownership can be compiled and cached like
any other, and the planner sees constants.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, literal_column
from sqlalchemy.sql import Select

from coaching.shards import SNOWFLAKE_TIMESTAMP_SHIFT, ShardOwnership

S = TypeVar("S", bound=Select[Any])


def owned_clause(guild_id: ColumnElement[int], owner: ShardOwnership) -> ColumnElement[bool] | None:
    """The condition "this row's server is one of `owner`'s", or None when it owns every
    server (then callers add nothing, and their SQL is what it was without sharding)."""
    if owner.shard_ids is None:
        return None
    shard = guild_id.op(">>")(_number(SNOWFLAKE_TIMESTAMP_SHIFT)) % _number(owner.shard_count)
    ids = sorted(owner.shard_ids)
    if len(ids) == 1:
        return shard == _number(ids[0])
    return shard.in_([_number(i) for i in ids])


def only_owned(query: S, guild_id: ColumnElement[int], owner: ShardOwnership) -> S:
    """`query` restricted to `owner`'s servers; the same object when it owns them all."""
    clause = owned_clause(guild_id, owner)
    return query if clause is None else query.where(clause)


def _number(value: int) -> ColumnElement[int]:
    # int() first: only a number can ever reach the SQL text.
    return literal_column(str(int(value)))
