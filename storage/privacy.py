"""Everything Kindred stores about a member, for `/mydata export` and `/mydata delete`.

`MEMBER_TABLES` names every table that holds rows about a member and how each is handled.
`tests/test_privacy_coverage.py` fails when a table with a member column is missing here,
so a new feature cannot forget its data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.thanks import giver_keys
from storage.courier import drop_keys
from storage.members import get_member
from storage.models import Base, Member, Thanks
from storage.thanks import redact_names


@dataclass(frozen=True, slots=True)
class MemberTable:
    """A table with rows about a member, found by `column` == the member's id."""

    name: str
    column: str = "member_id"
    # "member": `column` holds members.id; "user": it holds the Discord user id, and the
    # table's guild_id column scopes it to this server.
    by: str = "member"
    # Rows other people own but that mention this member: kept, with these columns cleared.
    anonymise: tuple[str, ...] = ()
    # Columns not worth exporting (internal bookkeeping).
    hidden: tuple[str, ...] = ()
    # Rows someone else keeps about this member for her own safety ("not with"): neither
    # exported to the member nor changed when she deletes her data.
    kept: bool = False


MEMBER_TABLES: tuple[MemberTable, ...] = (
    MemberTable("outbox", hidden=("claimed_by", "claimed_until")),
    MemberTable("reflection_subscriptions"),
    MemberTable("reflection_entries"),
    MemberTable("pitch_checks"),
    MemberTable("pitch_preferences"),
    MemberTable("insight_subscriptions"),
    # Thanks a member gave are theirs: deleted (and their posts removed by the cog).
    MemberTable("rolodex_touchpoints", column="owner_member_id"),
    MemberTable("followups", column="owner_member_id"),
    MemberTable("rolodex_entries", column="owner_member_id", hidden=("name_key",)),
    # Someone else's Rolodex entry about this member is that person's private note: kept,
    # but no longer linked to the member's account.
    MemberTable(
        "rolodex_entries", column="person_user_id", by="user", anonymise=("person_user_id",)
    ),
    # Events: her choice, her private before and after, whom she noted meeting.
    MemberTable("event_preferences"),
    MemberTable("event_connections", column="owner_member_id"),
    MemberTable("event_attendees"),
    # Someone else's note that they met this member: theirs, unlinked from her account.
    MemberTable(
        "event_connections", column="person_user_id", by="user", anonymise=("person_user_id",)
    ),
    # An event she created stays the community's; only the link to her goes.
    MemberTable("events", column="creator_user_id", by="user", anonymise=("creator_user_id",)),
    MemberTable("thanks", column="giver_member_id"),
    # Thanks others gave them are the givers': kept, with the member's link cleared.
    MemberTable("thanks", column="receiver_member_id", anonymise=("receiver_member_id",)),
    MemberTable(
        "community_prompts", column="author_user_id", by="user", anonymise=("author_user_id",)
    ),
    # Members meet members: her card, her opt-in, her own "not with" list, her answers.
    MemberTable("meet_profiles"),
    MemberTable("meet_participants"),
    MemberTable("meet_not_with"),
    # Someone else's "not with" choice about her stays theirs and is never shown to her.
    MemberTable("meet_not_with", column="other_user_id", by="user", kept=True),
    MemberTable("meet_match_members"),
    MemberTable("meet_intro_answers"),
    # An introduction is the two introduced members': it goes when either deletes her data
    # (with both answers); an introducer's link is cleared, the introduction stays.
    MemberTable("meet_introductions", column="member_a_id", hidden=("pair_key",)),
    MemberTable("meet_introductions", column="member_b_id", hidden=("pair_key",)),
    MemberTable(
        "meet_introductions",
        column="introducer_member_id",
        anonymise=("introducer_member_id",),
        hidden=("pair_key",),
    ),
)


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _rows_about(spec: MemberTable, member: Member) -> Any:
    table = _table(spec.name)
    if spec.by == "user":
        return (table.c[spec.column] == member.user_id) & (table.c.guild_id == member.guild_id)
    return table.c[spec.column] == member.id


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row_dict(row: Any, hidden: tuple[str, ...] = ()) -> dict[str, Any]:
    return {key: _plain(value) for key, value in row._mapping.items() if key not in hidden}


async def export_member(session: AsyncSession, guild_id: int, user_id: int) -> dict[str, Any]:
    """Every row about the member in this server, as plain JSON-able data."""
    member = await get_member(session, guild_id, user_id)
    result: dict[str, Any] = {"server_id": str(guild_id), "user_id": str(user_id)}
    if member is None:
        result["member"] = None
        result["tables"] = {}
        return result
    member_row = await session.execute(select(_table("members")).where(Member.id == member.id))
    result["member"] = _row_dict(member_row.one())
    tables: dict[str, list[dict[str, Any]]] = {}
    for spec in MEMBER_TABLES:
        table = _table(spec.name)
        if spec.by == "user":
            continue  # community content they wrote as an organizer, not data about them
        rows = await session.execute(
            select(table).where(_rows_about(spec, member)).order_by(*table.primary_key)
        )
        # A table with several member columns (thanks: given and received) exports by role.
        name = spec.name if spec.column == "member_id" else f"{spec.name}.{spec.column}"
        tables[name] = [_row_dict(row, spec.hidden) for row in rows]
    result["tables"] = tables
    return result


async def delete_member(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    *,
    names: Sequence[str] = (),
    replacement: str = "",
) -> dict[str, int]:
    """Delete every row about the member in this server; returns counts per table.

    Other people's rows that held her words or named her go too, or lose her: the posts and
    DMs of thank-yous she gave (queued or sent), and her `names` in the stories of thank-yous
    given to her (replaced by `replacement`), which stay their givers' but no longer say who
    they thanked.
    """
    member = await get_member(session, guild_id, user_id)
    if member is None:
        return {}
    removed: dict[str, int] = {}
    given = list(
        await session.scalars(select(Thanks.id).where(Thanks.giver_member_id == member.id))
    )
    removed["outbox (thank-you posts and DMs)"] = await drop_keys(
        session, [key for thanks_id in given for key in giver_keys(thanks_id)]
    )
    removed["thanks (your name taken out)"] = await redact_names(
        session, member.id, names, replacement
    )
    for spec in MEMBER_TABLES:
        table = _table(spec.name)
        if spec.kept:
            continue
        if spec.anonymise:
            values = dict.fromkeys(spec.anonymise)
            result = await session.execute(
                table.update().where(_rows_about(spec, member)).values(**values)
            )
            removed[f"{spec.name}.{spec.column} (anonymised)"] = int(result.rowcount or 0)
            continue
        result = await session.execute(delete(table).where(_rows_about(spec, member)))
        removed[spec.name if spec.column == "member_id" else f"{spec.name}.{spec.column}"] = int(
            result.rowcount or 0
        )
    await session.execute(delete(Member).where(Member.id == member.id))
    removed["members"] = 1
    return removed
