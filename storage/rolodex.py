"""Queries for the Rolodex, touchpoints and follow-ups. Everything is scoped to its owner."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.reflections import send_instant, zone
from coaching.rolodex import (
    SNOOZE,
    followup_reminder_key,
    name_key,
    reminder_zone_and_time,
    touch_due_on,
)
from coaching.shards import EVERY_SERVER, ShardOwnership
from storage.courier import drop_pending
from storage.driver import load_by_key
from storage.models import Community, FollowUp, Member, RolodexEntry, Touchpoint
from storage.reflections import get_subscription
from storage.shards import only_owned

PAGE_SIZE = 6


async def find_entry(session: AsyncSession, owner_id: int, name: str) -> RolodexEntry | None:
    """The owner's entry by name (case-insensitive), or by `#<id>`."""
    text = name.strip()
    if text.startswith("#") and text[1:].isdigit():
        entry = await session.get(RolodexEntry, int(text[1:]))
        return entry if entry is not None and entry.owner_member_id == owner_id else None
    return await session.scalar(_ENTRY_BY_NAME, {"owner_id": owner_id, "name_key": name_key(text)})


# Statements every Rolodex command runs, built once (building one per call, and its cache
# key, costs SQLAlchemy more than SQLite's work for these lookups).
_ENTRY_BY_NAME = select(RolodexEntry).where(
    RolodexEntry.owner_member_id == bindparam("owner_id"),
    RolodexEntry.name_key == bindparam("name_key"),
)
_OWNER_ENTRIES = (
    select(RolodexEntry)
    .where(RolodexEntry.owner_member_id == bindparam("owner_id"))
    .order_by(RolodexEntry.name_key)
)


async def entry_for_user(
    session: AsyncSession, owner_id: int, person_user_id: int
) -> RolodexEntry | None:
    return await session.scalar(
        select(RolodexEntry).where(
            RolodexEntry.owner_member_id == owner_id,
            RolodexEntry.person_user_id == person_user_id,
        )
    )


async def get_entry(session: AsyncSession, entry_id: int) -> RolodexEntry | None:
    return await session.get(RolodexEntry, entry_id)


async def save_entry(
    session: AsyncSession,
    owner: Member,
    entry: RolodexEntry | None,
    fields: dict[str, Any],
    *,
    person_user_id: int | None,
    now: datetime,
) -> RolodexEntry:
    """Add an entry to the owner's Rolodex (`entry` None) or change one; `fields` are the
    form's cleaned values (name, how_met, notes, tags, cadence_days, know, like, trust). The
    stay-in-touch rhythm restarts from the last touch."""
    if entry is None:
        entry = RolodexEntry(
            guild_id=owner.guild_id,
            owner_member_id=owner.id,
            person_user_id=person_user_id,
            created_at=now,
        )
        session.add(entry)
    elif entry.person_user_id is None and person_user_id is not None:
        entry.person_user_id = person_user_id  # added by name before, now as the member
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.name_key = name_key(entry.name)
    entry.updated_at = now
    # The reminder's instant before the entry is written: the reads it takes (her
    # subscription, the server's zone) would otherwise flush the entry first, and its
    # new reminder time be a second UPDATE of the same row.
    with session.no_autoflush:
        await restart_cadence(session, entry, owner)
    await session.flush()
    return entry


async def entry_counts(session: AsyncSession, entry_id: int) -> tuple[int, int]:
    """What removing an entry takes with it, and what stays: (touchpoints, pending
    follow-ups, which stay without the link)."""
    touches = await session.scalar(
        select(func.count()).select_from(Touchpoint).where(Touchpoint.entry_id == entry_id)
    )
    followups = await session.scalar(
        select(func.count())
        .select_from(FollowUp)
        .where(FollowUp.entry_id == entry_id, FollowUp.state == "pending")
    )
    return int(touches or 0), int(followups or 0)


async def remove_entry(session: AsyncSession, entry_id: int) -> None:
    entry = await session.get(RolodexEntry, entry_id)
    if entry is not None:
        await session.delete(entry)


async def log_touch(
    session: AsyncSession,
    entry: RolodexEntry,
    owner: Member,
    *,
    kind: str,
    note: str,
    day: date,
    now: datetime,
) -> None:
    """A call, coffee, message or event with someone: it restarts the stay-in-touch rhythm."""
    session.add(
        Touchpoint(
            entry_id=entry.id,
            owner_member_id=owner.id,
            kind=kind,
            note=note,
            happened_on=day,
            created_at=now,
        )
    )
    if entry.last_touch_on is None or day >= entry.last_touch_on:
        entry.last_touch_on = day
    entry.updated_at = now
    await session.flush()
    await restart_cadence(session, entry, owner)


async def restart_cadence(session: AsyncSession, entry: RolodexEntry, owner: Member) -> None:
    """The next stay-in-touch reminder: the rhythm from the last touch (or from when the
    entry was made), at the owner's reminder time."""
    due = touch_due_on(entry.last_touch_on or entry.created_at.date(), entry.cadence_days)
    entry.touch_due_at = await reminder_at(session, owner, due) if due else None


async def reminder_setting(session: AsyncSession, member: Member) -> tuple[str, time]:
    """The zone and time of day of a member's reminders (coaching.rolodex's rule)."""
    subscription = await get_subscription(session, member.id)
    community = await load_by_key(session, Community, member.guild_id)
    return reminder_zone_and_time(
        reflection=(subscription.timezone, subscription.time_of_day)
        if subscription is not None and subscription.active
        else None,
        member_zone=member.timezone,
        community_zone=community.timezone if community else None,
    )


async def reminder_at(session: AsyncSession, member: Member, day: date) -> datetime:
    """The instant of a reminder on the member's local `day`."""
    zone_name, at = await reminder_setting(session, member)
    return send_instant(day, at, zone(zone_name))


async def local_today(session: AsyncSession, member: Member, *, now: datetime) -> date:
    """Today, where the member's reminders are."""
    zone_name, _ = await reminder_setting(session, member)
    return now.astimezone(zone(zone_name)).date()


async def owner_entries(session: AsyncSession, owner_id: int) -> list[RolodexEntry]:
    rows = await session.scalars(_OWNER_ENTRIES, {"owner_id": owner_id})
    return list(rows)


async def names_like(session: AsyncSession, owner_id: int, text: str, limit: int) -> list[str]:
    pattern = f"%{text.casefold().strip()}%"
    rows = await session.scalars(
        select(RolodexEntry.name)
        .where(RolodexEntry.owner_member_id == owner_id, RolodexEntry.name_key.like(pattern))
        .order_by(RolodexEntry.name_key)
        .limit(limit)
    )
    return list(rows)


async def recent_touchpoints(session: AsyncSession, entry_id: int, limit: int) -> list[Touchpoint]:
    rows = await session.scalars(
        select(Touchpoint)
        .where(Touchpoint.entry_id == entry_id)
        .order_by(Touchpoint.happened_on.desc(), Touchpoint.id.desc())
        .limit(limit)
    )
    return list(rows)


async def take_due_touch_reminders(
    session: AsyncSession, *, now: datetime, limit: int, owner: ShardOwnership = EVERY_SERVER
) -> list[tuple[RolodexEntry, Member, date | None]]:
    """Stay-in-touch reminders due for owners in `owner`'s servers (an entry's guild_id is
    its owner's server), each with the day it fell due. Each is taken: once per drift, until
    a logged touch restarts the rhythm."""
    rows = await session.execute(
        only_owned(
            select(RolodexEntry, Member)
            .join(Member, Member.id == RolodexEntry.owner_member_id)
            .where(RolodexEntry.touch_due_at.is_not(None), RolodexEntry.touch_due_at <= now)
            .limit(limit),
            RolodexEntry.guild_id,
            owner,
        )
    )
    taken = []
    for entry, member in rows:
        due = touch_due_on(entry.last_touch_on or entry.created_at.date(), entry.cadence_days)
        entry.touch_due_at = None
        taken.append((entry, member, due))
    await session.flush()
    return taken


async def next_touch_due(
    session: AsyncSession, owner: ShardOwnership = EVERY_SERVER
) -> datetime | None:
    return await session.scalar(
        only_owned(select(func.min(RolodexEntry.touch_due_at)), RolodexEntry.guild_id, owner)
    )


async def add_followup(
    session: AsyncSession,
    owner: Member,
    *,
    entry: RolodexEntry | None,
    person: str,
    note: str,
    day: date,
    at: datetime,
    now: datetime,
) -> FollowUp:
    """A follow-up reminder on the owner's local `day`, at instant `at`."""
    followup = FollowUp(
        owner_member_id=owner.id,
        entry_id=entry.id if entry else None,
        person=entry.name if entry else person,
        note=note,
        due_on=day,
        due_at=at,
        state="pending",
        snoozes=0,
        created_at=now,
    )
    session.add(followup)
    await session.flush()
    return followup


async def pending_followups(session: AsyncSession, owner_id: int) -> list[FollowUp]:
    rows = await session.scalars(
        select(FollowUp)
        .where(FollowUp.owner_member_id == owner_id, FollowUp.state == "pending")
        .order_by(FollowUp.due_at, FollowUp.id)
    )
    return list(rows)


async def owned_followup(session: AsyncSession, followup_id: int) -> tuple[FollowUp, Member] | None:
    """A follow-up and its owner."""
    followup = await session.get(FollowUp, followup_id)
    if followup is None:
        return None
    owner = await session.get(Member, followup.owner_member_id)
    return (followup, owner) if owner is not None else None


async def cancel_followup(session: AsyncSession, followup: FollowUp) -> None:
    """`/followup cancel`: the reminder waiting in the outbox is not sent."""
    followup.state = "cancelled"
    await drop_pending(session, followup_reminder_key(followup.id, followup.snoozes))


async def not_needed(session: AsyncSession, followup: FollowUp) -> None:
    """ "Not needed" under a reminder (already sent)."""
    followup.state = "cancelled"


async def complete_followup(
    session: AsyncSession, followup: FollowUp, owner: Member, *, note: str, now: datetime
) -> None:
    """ "Done" under a reminder: noted as a touch with the person, if they are in the
    Rolodex."""
    followup.state = "done"
    entry = await session.get(RolodexEntry, followup.entry_id) if followup.entry_id else None
    if entry is not None:
        today = await local_today(session, owner, now=now)
        await log_touch(session, entry, owner, kind="other", note=note, day=today, now=now)


async def snooze_followup(session: AsyncSession, followup: FollowUp) -> None:
    """ "Snooze 3 days": due later; its new reminder is a new outbox row (new key)."""
    followup.snoozes += 1
    followup.due_at = followup.due_at + SNOOZE
    followup.due_on = followup.due_on + SNOOZE
