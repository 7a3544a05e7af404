"""Queries for public thanks."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from coaching.shards import EVERY_SERVER, ShardOwnership
from coaching.thanks import (
    OUTCOME_ASK_AFTER,
    PastThanks,
    ask_key,
    giver_keys,
    news_key,
    next_digest_at,
    notice_key,
    post_key,
)
from storage.courier import drop_pending, enqueue
from storage.driver import fetch_rows, load_by_key
from storage.models import Community, Member, OutboxMessage, Thanks
from storage.shards import only_owned

Receiver = aliased(Member)
Giver = aliased(Member)


async def recent_by_giver(
    session: AsyncSession, giver_member_id: int, *, since: datetime
) -> list[PastThanks]:
    # Every /thanks give reads these: a statement built once, read at the driver level.
    rows = await fetch_rows(
        session, _RECENT_BY_GIVER, {"giver_member_id": giver_member_id, "since": since}
    )
    return [PastThanks(receiver_user_id=r[0], story_key=r[1], created_at=r[2]) for r in rows]


_RECENT_BY_GIVER = (
    select(Receiver.user_id, Thanks.story_key, Thanks.created_at)
    .outerjoin(Receiver, Receiver.id == Thanks.receiver_member_id)
    .where(
        Thanks.giver_member_id == bindparam("giver_member_id"),
        Thanks.created_at >= bindparam("since"),
    )
    .order_by(Thanks.created_at.desc())
)


async def add_thanks(session: AsyncSession, **fields: Any) -> Thanks:
    thanks = Thanks(**fields)
    session.add(thanks)
    await session.flush()
    return thanks


async def record_thanks(session: AsyncSession, *, now: datetime, **fields: Any) -> Thanks:
    """A thank-you and its public post, in one unit of work: the record first, the post a
    courier row (`thanks_post:<id>`, sent once with a nonce) that holds a reference to the
    record, not its words. `fields` are the Thanks columns but the message and the state.
    For a referral, the one question to its giver about what came of it is queued too
    (`thanks_ask:<id>`, due in OUTCOME_ASK_AFTER; it asks only if she still wants thanks
    DMs then)."""
    thanks = await add_thanks(session, message_id=None, removed=False, created_at=now, **fields)
    await _queue(
        session, thanks, "thanks_post", post_key(thanks.id), now, channel_id=thanks.channel_id
    )
    if thanks.kind == "referral":
        await queue_ask(session, thanks, now=now)
    return thanks


async def queue_ask(session: AsyncSession, thanks: Thanks, *, now: datetime) -> bool:
    """The question to a referral's giver, due OUTCOME_ASK_AFTER after her thank-you (at
    once if that has passed); once ever (False: it was queued already)."""
    due = max(now, thanks.created_at + OUTCOME_ASK_AFTER)
    return await _queue(
        session,
        thanks,
        "thanks_ask",
        ask_key(thanks.id),
        now,
        due_at=due,
        member_id=thanks.giver_member_id,
    )


async def _queue(
    session: AsyncSession,
    thanks: Thanks,
    purpose: str,
    key: str,
    now: datetime,
    *,
    due_at: datetime | None = None,
    **recipient: int,
) -> bool:
    """A courier row for this thank-you, made from the record when it is sent."""
    return await enqueue(
        session,
        guild_id=thanks.guild_id,
        purpose=purpose,
        dedupe_key=key,
        payload={"build": [purpose, thanks.id]},
        due_at=due_at or now,
        now=now,
        **recipient,  # type: ignore[arg-type]
    )


async def post_sent(
    session: AsyncSession, thanks_id: int, message_id: int, *, now: datetime
) -> bool:
    """A thank-you's post is out: its link goes into the record, and the thanked member's DM
    (if they want them) is queued. False when the thank-you was removed or deleted while its
    post was on its way (then the post must go too)."""
    found = await with_members(session, thanks_id)
    if found is None or found[0].removed:
        return False
    thanks, _giver, receiver = found
    thanks.message_id = message_id
    if receiver is not None and receiver.thanks_dms:
        await _queue(
            session, thanks, "thanks_notice", notice_key(thanks.id), now, member_id=receiver.id
        )
    return True


async def withdraw(session: AsyncSession, thanks: Thanks) -> bool:
    """Remove a thank-you (moderation): marked removed, and its post and DMs not sent if they
    are still waiting. True when its post was still waiting (so there is none to delete)."""
    await mark_removed(session, thanks.id)
    waiting = await drop_pending(session, post_key(thanks.id))
    for key in giver_keys(thanks.id)[1:]:
        await drop_pending(session, key)
    return waiting


async def get_thanks(session: AsyncSession, thanks_id: int) -> Thanks | None:
    return await session.get(Thanks, thanks_id)


async def with_members(
    session: AsyncSession, thanks_id: int
) -> tuple[Thanks, Member | None, Member | None] | None:
    """A thank-you with its giver and receiver (None for one whose data was deleted)."""
    # The courier reads these for each thank-you it posts (and again once posted): the
    # rows are read at the driver level (`load_by_key`), cheaper than the ORM's loads.
    thanks = await load_by_key(session, Thanks, thanks_id)
    if thanks is None:
        return None
    giver = await load_by_key(session, Member, thanks.giver_member_id)
    receiver = (
        await load_by_key(session, Member, thanks.receiver_member_id)
        if thanks.receiver_member_id
        else None
    )
    return thanks, giver, receiver


async def shown_thanks(
    session: AsyncSession, thanks_ids: list[int]
) -> list[tuple[Thanks, Member | None, Member | None]]:
    """These thank-yous with their giver and receiver, in the order given, leaving out any
    removed or deleted since they were picked."""
    found = []
    for thanks_id in thanks_ids:
        row = await with_members(session, thanks_id)
        if row is not None and not row[0].removed:
            found.append(row)
    return found


async def record_outcome(
    session: AsyncSession, thanks: Thanks, outcome: str, *, now: datetime
) -> bool:
    """What came of a referral, as the member who received it (its thank-you's giver) tells
    it; the referrer's DM with the news is queued the first time (True), once ever."""
    first = thanks.outcome is None
    thanks.outcome = outcome
    thanks.outcome_at = now
    if not first or thanks.receiver_member_id is None:
        return False
    receiver = thanks.receiver_member_id
    return await _queue(
        session, thanks, "thanks_news", news_key(thanks.id), now, member_id=receiver
    )


async def schedule_digest(session: AsyncSession, community: Community, *, after: datetime) -> None:
    """The community's next digest time, from its weekday and hour (none without a channel)."""
    community.next_digest_at = (
        next_digest_at(community.timezone, community.digest_weekday, community.digest_hour, after)
        if community.thanks_channel_id
        else None
    )


async def digest_done(
    session: AsyncSession, community: Community, *, due_at: datetime, covered_until: datetime
) -> None:
    """The digest due at `due_at` is handled (posted, empty, or too late): the next one is
    due a week on and starts after `covered_until`."""
    await schedule_digest(session, community, after=due_at)
    community.digest_covered_until = covered_until


async def by_message(session: AsyncSession, message_id: int) -> Thanks | None:
    return await session.scalar(select(Thanks).where(Thanks.message_id == message_id))


async def mark_removed(session: AsyncSession, thanks_id: int) -> None:
    await session.execute(update(Thanks).where(Thanks.id == thanks_id).values(removed=True))


async def public_thanks(
    session: AsyncSession,
    guild_id: int,
    *,
    receiver_user_id: int | None = None,
    giver_user_id: int | None = None,
    offset: int,
    limit: int,
) -> tuple[list[tuple[Thanks, int | None, int | None]], int]:
    """Thanks still on the channel, newest first, with giver and receiver user ids."""
    count, page = _public_thanks(receiver_user_id is not None, giver_user_id is not None)
    params: dict[str, Any] = {"guild_id": guild_id, "offset": offset, "limit": limit}
    if receiver_user_id is not None:
        params["receiver_user_id"] = receiver_user_id
    if giver_user_id is not None:
        params["giver_user_id"] = giver_user_id
    total = await session.scalar(count, params)
    rows = await session.execute(page, params)
    return [(row[0], row[1], row[2]) for row in rows], int(total or 0)


@functools.cache
def _public_thanks(by_receiver: bool, by_giver: bool) -> tuple[Select[Any], Select[Any]]:
    """`public_thanks`'s count and page statements, built once per kind of list (building
    these joins, and their cache keys, per call cost more than SQLite's work)."""
    conditions = [Thanks.guild_id == bindparam("guild_id"), Thanks.removed.is_(False)]
    # By member id, so the receiver/giver index is used: filtering on the joined user id made
    # SQLite walk every thanks of the server (35 ms in a 10,000-member server, bench/load.py).
    if by_receiver:
        conditions.append(Thanks.receiver_member_id == _member_id("receiver_user_id"))
    if by_giver:
        conditions.append(Thanks.giver_member_id == _member_id("giver_user_id"))
    base = (
        select(Thanks, Giver.user_id, Receiver.user_id)
        .join(Giver, Giver.id == Thanks.giver_member_id)
        .outerjoin(Receiver, Receiver.id == Thanks.receiver_member_id)
        .where(and_(*conditions))
    )
    count = select(func.count()).select_from(base.subquery())
    page = (
        base.order_by(Thanks.created_at.desc(), Thanks.id.desc())
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )
    return count, page


def _member_id(user_id_parameter: str) -> Any:
    return (
        select(Member.id)
        .where(
            Member.guild_id == bindparam("guild_id"),
            Member.user_id == bindparam(user_id_parameter),
        )
        .scalar_subquery()
    )


async def member_thanks(session: AsyncSession, member_id: int) -> tuple[list[Thanks], list[Thanks]]:
    """(given, received) by this member, removed ones included, for their private stats."""
    given = await session.scalars(select(Thanks).where(Thanks.giver_member_id == member_id))
    received = await session.scalars(select(Thanks).where(Thanks.receiver_member_id == member_id))
    return list(given), list(received)


async def week_of_thanks(
    session: AsyncSession, guild_id: int, *, since: datetime, until: datetime
) -> list[Thanks]:
    rows = await session.scalars(
        select(Thanks)
        .where(
            Thanks.guild_id == guild_id,
            Thanks.removed.is_(False),
            Thanks.created_at >= since,
            Thanks.created_at < until,
        )
        .order_by(Thanks.created_at.desc())
    )
    return list(rows)


async def due_digests(
    session: AsyncSession, *, now: datetime, owner: ShardOwnership = EVERY_SERVER
) -> list[Community]:
    """Communities of `owner`'s servers whose weekly digest time has come."""
    rows = await session.scalars(
        only_owned(
            select(Community).where(
                Community.thanks_channel_id.is_not(None),
                Community.next_digest_at.is_not(None),
                Community.next_digest_at <= now,
            ),
            Community.guild_id,
            owner,
        )
    )
    return list(rows)


async def next_digest_due(
    session: AsyncSession, owner: ShardOwnership = EVERY_SERVER
) -> datetime | None:
    return await session.scalar(
        only_owned(
            select(func.min(Community.next_digest_at)).where(
                Community.thanks_channel_id.is_not(None)
            ),
            Community.guild_id,
            owner,
        )
    )


async def posts_by_giver(session: AsyncSession, member_id: int) -> list[tuple[int, int]]:
    rows = await session.execute(
        select(Thanks.channel_id, Thanks.message_id).where(
            Thanks.giver_member_id == member_id,
            Thanks.removed.is_(False),
            Thanks.message_id.is_not(None),
        )
    )
    return [(int(row[0]), int(row[1])) for row in rows]


async def redact_names(
    session: AsyncSession, receiver_member_id: int, names: Sequence[str], replacement: str
) -> int:
    """Take a member's names out of the stories of thank-yous given to her (she deletes her
    data: they stay their givers', but no longer say who was thanked); returns how many
    changed. Whole words only, any case; a name of one letter is left (it would hit words)."""
    words = sorted(
        {name.strip() for name in names if len(name.strip()) >= 2}, key=len, reverse=True
    )
    if not words:
        return 0
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(word) for word in words) + r")(?!\w)", re.IGNORECASE
    )
    changed = 0
    rows = await session.scalars(
        select(Thanks).where(Thanks.receiver_member_id == receiver_member_id)
    )
    for thanks in rows:
        story = pattern.sub(replacement, thanks.story)
        if story != thanks.story:
            thanks.story = story
            changed += 1
    return changed


async def digests_showing(
    session: AsyncSession, guild_id: int, thanks_ids: Collection[int]
) -> list[tuple[int, int, dict[str, Any]]]:
    """The digests posted in this server that show any of these thank-yous: (channel, message,
    recipe) each, to post again without them."""
    wanted = set(thanks_ids)
    rows = await session.execute(
        select(OutboxMessage.channel_id, OutboxMessage.message_id, OutboxMessage.payload).where(
            OutboxMessage.guild_id == guild_id,
            OutboxMessage.purpose == "thanks_digest",
            OutboxMessage.message_id.is_not(None),
        )
    )
    found = []
    for channel_id, message_id, payload in rows:
        recipe = (payload.get("build") or [None, None])[1]
        if isinstance(recipe, dict) and wanted & set(recipe.get("picks", [])):
            found.append((int(channel_id), int(message_id), recipe))
    return found


async def member_thanks_ids(session: AsyncSession, member_id: int) -> list[int]:
    """Every thank-you this member gave or received."""
    rows = await session.scalars(
        select(Thanks.id).where(
            (Thanks.giver_member_id == member_id) | (Thanks.receiver_member_id == member_id)
        )
    )
    return list(rows)


async def sent_notices_of(session: AsyncSession, giver_member_id: int) -> list[tuple[int, int]]:
    """The DMs that told people about thank-yous this member gave (the thank-you, what came
    of a referral), as (DM channel, message): her words in their inboxes, to take back when
    she deletes her data."""
    given = await session.scalars(
        select(Thanks.id).where(Thanks.giver_member_id == giver_member_id)
    )
    keys = [key for thanks_id in given for key in (notice_key(thanks_id), news_key(thanks_id))]
    if not keys:
        return []
    rows = await session.execute(
        select(Member.dm_channel_id, OutboxMessage.message_id)
        .join(Member, Member.id == OutboxMessage.member_id)
        .where(
            OutboxMessage.dedupe_key.in_(keys),
            OutboxMessage.message_id.is_not(None),
            Member.dm_channel_id.is_not(None),
        )
    )
    return [(int(channel), int(message)) for channel, message in rows]
