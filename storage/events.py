"""Queries for events: Kindred's copy of Discord's scheduled events, who is interested, each
member's private before and after, and the counts organizers may see.

Every member-facing row is found through its owner: a button naming another member's row
finds nothing she may use.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.events import (
    CALLED_OFF,
    REPORT_AFTER,
    EventInfo,
    Followed,
    Person,
    Status,
    Tracked,
    follow,
    nudge_again,
    nudge_at,
)
from coaching.reflections import zone
from coaching.rolodex import reminder_zone_and_time
from coaching.shards import EVERY_SERVER, ShardOwnership
from storage.courier import DROPPED, PENDING
from storage.driver import fetch_driver
from storage.members import ensure_member, get_member
from storage.models import (
    Community,
    Event,
    EventAttendee,
    EventConnection,
    EventPreference,
    FollowUp,
    Member,
    OutboxMessage,
    ReflectionSubscription,
    RolodexEntry,
)
from storage.rolodex import entry_for_user, find_entry, log_touch, save_entry
from storage.shards import only_owned

OPEN = (Status.SCHEDULED.value, Status.ACTIVE.value)

# -- Discord's events -------------------------------------------------------------------------


async def event_by_discord_id(session: AsyncSession, discord_id: int) -> Event | None:
    return await session.scalar(select(Event).where(Event.discord_event_id == discord_id))


def _tracked(event: Event) -> Tracked:
    return Tracked(
        start=event.starts_at,
        end=event.ends_at,
        status=Status(event.status),
        ended_at=event.ended_at,
        debrief_due_at=event.debrief_due_at,
        debriefed_at=event.debriefed_at,
    )


async def follow_event(
    session: AsyncSession, info: EventInfo, *, now: datetime
) -> tuple[Event, Followed]:
    """Bring Kindred's copy of an event up to date with Discord (created, edited, started,
    ended, cancelled, deleted): a called-off event's pending DMs are dropped, a moved one's
    nudges move. The community row must exist."""
    event = await event_by_discord_id(session, info.discord_id)
    followed = follow(_tracked(event) if event is not None else None, info, now)
    if event is None:
        event = Event(
            guild_id=info.guild_id,
            discord_event_id=info.discord_id,
            created_at=now,
        )
        session.add(event)
    old_start = event.starts_at
    event.name = info.name[:100]
    event.location = info.location[:100] if info.location else None
    event.creator_user_id = info.creator_id
    event.starts_at, event.ends_at = info.start, info.end
    event.status = followed.status.value
    event.ended_at = followed.ended_at
    event.debrief_due_at = followed.debrief_due_at
    event.updated_at = now
    await session.flush()
    if followed.called_off:
        await _call_off(session, event)
    elif followed.moved:
        await reschedule_nudges(session, event, now=now, moved_from=old_start)
    return event, followed


async def _call_off(session: AsyncSession, event: Event) -> None:
    """A cancelled or deleted event sends nothing more, not even what is already queued."""
    event.debrief_due_at = None
    event.report_due_at = None
    await session.execute(
        update(EventAttendee).where(EventAttendee.event_id == event.id).values(nudge_due_at=None)
    )
    await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.state == PENDING,
            or_(
                OutboxMessage.dedupe_key.like(f"event_nudge:{event.id}:%"),
                OutboxMessage.dedupe_key.like(f"event_debrief:{event.id}:%"),
            ),
        )
        .values(state=DROPPED)
    )


async def open_events(session: AsyncSession, guild_id: int) -> list[Event]:
    """Events of a server that are not over yet, as Kindred knows them."""
    rows = await session.scalars(
        select(Event).where(Event.guild_id == guild_id, Event.status.in_(OPEN))
    )
    return list(rows)


async def guilds_with_open_events(session: AsyncSession) -> set[int]:
    """The servers that have an event not over yet, as Kindred knows them."""
    rows = await session.scalars(select(Event.guild_id).where(Event.status.in_(OPEN)).distinct())
    return set(rows)


# -- who is interested ------------------------------------------------------------------------


async def attendee(session: AsyncSession, event_id: int, member_id: int) -> EventAttendee | None:
    return await session.scalar(
        select(EventAttendee).where(
            EventAttendee.event_id == event_id, EventAttendee.member_id == member_id
        )
    )


async def set_interest(
    session: AsyncSession,
    event: Event,
    member: Member,
    *,
    interested: bool,
    display_name: str | None,
    now: datetime,
) -> None:
    """She pressed Interested (or took it back) on Discord."""
    row = await attendee(session, event.id, member.id)
    if not interested:
        if row is not None:
            row.interested = False
            row.nudge_due_at = None
            row.updated_at = now
        return
    if row is None:
        row = EventAttendee(
            event_id=event.id,
            member_id=member.id,
            interested=True,
            skipped=False,
            created_at=now,
        )
        session.add(row)
    row.interested = True
    if display_name:
        row.display_name = display_name[:100]
    row.updated_at = now
    await session.flush()
    await reschedule_nudges(session, event, now=now, attendee_ids=[row.id])


async def set_interested_list(
    session: AsyncSession,
    event: Event,
    interested: dict[int, str | None],
    members: dict[int, Member],
    *,
    now: datetime,
) -> int:
    """Discord's whole Interested list ({user id: display name}) replaces Kindred's (at start-
    up: presses missed while the bot was down). `members`: the member row of each user id.
    Returns how many members changed."""
    rows = {
        row.member_id: row
        for row in await session.scalars(
            select(EventAttendee).where(EventAttendee.event_id == event.id)
        )
    }
    wanted = {members[user_id].id: name for user_id, name in interested.items()}
    changed = 0
    for member_id, row in rows.items():
        if row.interested and member_id not in wanted:
            row.interested, row.nudge_due_at, row.updated_at = False, None, now
            changed += 1
    fresh: list[EventAttendee] = []
    for member_id, name in wanted.items():
        row = rows.get(member_id)
        if row is None:
            row = EventAttendee(
                event_id=event.id,
                member_id=member_id,
                interested=False,
                skipped=False,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
        if name:
            row.display_name = name[:100]
        if not row.interested:
            row.interested, row.updated_at = True, now
            fresh.append(row)
    await session.flush()
    if fresh:
        await reschedule_nudges(session, event, now=now, attendee_ids=[row.id for row in fresh])
    return changed + len(fresh)


# -- when her nudge goes --------------------------------------------------------------------


def _reminder_columns() -> tuple[Any, ...]:
    """Where a member's reminders go out (coaching.rolodex.reminder_zone_and_time)."""
    return (
        ReflectionSubscription.active,
        ReflectionSubscription.timezone,
        ReflectionSubscription.time_of_day,
        Member.timezone,
        Community.timezone,
    )


def _zone_and_time(active: Any, sub_zone: Any, sub_time: Any, own: Any, server: Any) -> Any:
    return reminder_zone_and_time(
        reflection=(sub_zone, sub_time) if active else None,
        member_zone=own,
        community_zone=server,
    )


async def reschedule_nudges(
    session: AsyncSession,
    event: Event,
    *,
    now: datetime,
    attendee_ids: Sequence[int] | None = None,
    moved_from: datetime | None = None,
) -> None:
    """Recompute when the interested attendees (or `attendee_ids`) get their nudge: those not
    nudged yet, and, when the start moved far (`moved_from`), those nudged for the old time."""
    again = moved_from is not None and nudge_again(moved_from, event.starts_at)
    query = (
        select(EventAttendee.id, EventAttendee.nudged_at, *_reminder_columns())
        .join(Member, Member.id == EventAttendee.member_id)
        .join(Community, Community.guild_id == Member.guild_id)
        .outerjoin(ReflectionSubscription, ReflectionSubscription.member_id == Member.id)
        .where(EventAttendee.event_id == event.id, EventAttendee.interested.is_(True))
    )
    if attendee_ids is not None:
        query = query.where(EventAttendee.id.in_(list(attendee_ids)))
    changes = []
    for row_id, nudged_at, *where in await session.execute(query):
        if nudged_at is not None and not again:
            continue
        due = None
        if event.status in OPEN and event.starts_at > now:
            zone_name, at = _zone_and_time(*where)
            due = nudge_at(event.starts_at, zone(zone_name), at, now)
        changes.append({"id": row_id, "nudge_due_at": due, "nudged_at": None})
    if changes:
        await session.execute(update(EventAttendee), changes)


@dataclass(frozen=True, slots=True)
class DueNudge:
    attendee_id: int
    member_id: int
    guild_id: int
    event_id: int
    name: str
    location: str | None
    starts_at: datetime
    open: bool
    zone_name: str
    at: time
    wants: bool  # her own choice, else her server's default
    reachable: bool
    previous_event: datetime | None  # the start of her last event before this one


async def due_nudges(
    session: AsyncSession, *, now: datetime, limit: int, owner: ShardOwnership = EVERY_SERVER
) -> list[DueNudge]:
    rows = await session.execute(
        only_owned(
            select(
                EventAttendee.id,
                EventAttendee.member_id,
                Event.guild_id,
                Event.id,
                Event.name,
                Event.location,
                Event.starts_at,
                Event.status,
                Member.reachable,
                EventPreference.notify,
                Community.events_default,
                *_reminder_columns(),
            )
            .join(Event, Event.id == EventAttendee.event_id)
            .join(Member, Member.id == EventAttendee.member_id)
            .join(Community, Community.guild_id == Event.guild_id)
            .outerjoin(ReflectionSubscription, ReflectionSubscription.member_id == Member.id)
            .outerjoin(EventPreference, EventPreference.member_id == Member.id)
            .where(EventAttendee.nudge_due_at <= now)
            .order_by(EventAttendee.nudge_due_at)
            .limit(limit),
            Event.guild_id,
            owner,
        )
    )
    found = list(rows)
    previous = await _previous_events(session, [(row[1], row[6]) for row in found])
    due = []
    for row in found:
        attendee_id, member_id, guild_id, event_id, name, location, starts_at, status = row[:8]
        reachable, notify, default, *where = row[8:]
        zone_name, at = _zone_and_time(*where)
        due.append(
            DueNudge(
                attendee_id=attendee_id,
                member_id=member_id,
                guild_id=guild_id,
                event_id=event_id,
                name=name,
                location=location,
                starts_at=starts_at,
                open=status in OPEN,
                zone_name=zone_name,
                at=at,
                wants=bool(default if notify is None else notify),
                reachable=bool(reachable),
                previous_event=previous.get((member_id, starts_at)),
            )
        )
    return due


async def _previous_events(
    session: AsyncSession, wanted: Iterable[tuple[int, datetime]]
) -> dict[tuple[int, datetime], datetime]:
    """For (member, start) pairs: the start of the member's latest earlier event she was
    interested in that took place (not called off)."""
    pairs = set(wanted)
    if not pairs:
        return {}
    rows = await session.execute(
        select(EventAttendee.member_id, Event.starts_at)
        .join(Event, Event.id == EventAttendee.event_id)
        .where(
            EventAttendee.member_id.in_({member for member, _ in pairs}),
            EventAttendee.interested.is_(True),
            Event.status.not_in([s.value for s in CALLED_OFF]),
        )
    )
    starts: dict[int, list[datetime]] = {}
    for member_id, start in rows:
        starts.setdefault(member_id, []).append(start)
    found = {}
    for member_id, start in pairs:
        earlier = [s for s in starts.get(member_id, ()) if s < start]
        if earlier:
            found[(member_id, start)] = max(earlier)
    return found


async def nudges_done(
    session: AsyncSession,
    *,
    sent: Sequence[int],
    moved: Sequence[tuple[int, datetime]],
    dropped: Sequence[int],
    now: datetime,
) -> None:
    """After a tick: nudges `sent` (queued), `moved` to a later time, `dropped` (she has not
    opted in, the event is off, or it is too late)."""
    for changes in (
        [{"id": i, "nudge_due_at": None, "nudged_at": now} for i in sent],
        [{"id": i, "nudge_due_at": due} for i, due in moved],
        [{"id": i, "nudge_due_at": None} for i in dropped],
    ):
        if changes:
            await session.execute(update(EventAttendee), changes)


# -- debriefs and reports -----------------------------------------------------------------------


async def due_debriefs(
    session: AsyncSession, *, now: datetime, limit: int, owner: ShardOwnership = EVERY_SERVER
) -> list[Event]:
    rows = await session.scalars(
        only_owned(
            select(Event)
            .where(Event.debrief_due_at <= now)
            .order_by(Event.debrief_due_at)
            .limit(limit),
            Event.guild_id,
            owner,
        )
    )
    return list(rows)


# Interested attendees of an event who want event DMs (their choice, else their server's)
# and whose DMs reach them. Built once: an event of 2,000 is one driver-level fetch.
_RECIPIENTS = (
    select(EventAttendee.id, EventAttendee.member_id, EventAttendee.intention)
    .join(Member, Member.id == EventAttendee.member_id)
    .join(Community, Community.guild_id == Member.guild_id)
    .outerjoin(EventPreference, EventPreference.member_id == Member.id)
    .where(
        EventAttendee.event_id == bindparam("event_id"),
        EventAttendee.interested.is_(True),
        Member.reachable.is_(True),
        func.coalesce(EventPreference.notify, Community.events_default).is_(True),
    )
    .order_by(EventAttendee.id)
)


async def debrief_recipients(
    session: AsyncSession, event_id: int
) -> list[tuple[int, int, str | None]]:
    """(attendee id, member id, intention) of everyone who gets the event's debrief."""
    return await fetch_driver(session, _RECIPIENTS, {"event_id": event_id})


def debriefs_planned(event: Event, *, now: datetime) -> None:
    """The debriefs are queued (their outbox rows are the record), or skipped as too late:
    never again for this event. Its organizers' picture is due a few days on."""
    event.debrief_due_at = None
    event.debriefed_at = now
    event.report_due_at = now + REPORT_AFTER


async def due_reports(
    session: AsyncSession, *, now: datetime, limit: int, owner: ShardOwnership = EVERY_SERVER
) -> list[Event]:
    rows = await session.scalars(
        only_owned(
            select(Event).where(Event.report_due_at <= now).limit(limit), Event.guild_id, owner
        )
    )
    return list(rows)


async def report_counts(session: AsyncSession, event_id: int) -> tuple[int, int, int]:
    """(members who did the debrief, connections they noted, members who set a follow-up)."""
    debriefed = await session.scalar(
        select(func.count())
        .select_from(EventAttendee)
        .where(EventAttendee.event_id == event_id, EventAttendee.debriefed_at.is_not(None))
    )
    connections, followed = (
        await session.execute(
            select(
                func.count(EventConnection.id),
                func.count(func.distinct(EventConnection.attendee_id)).filter(
                    EventConnection.followup_id.is_not(None)
                ),
            )
            .join(EventAttendee, EventAttendee.id == EventConnection.attendee_id)
            .where(EventAttendee.event_id == event_id)
        )
    ).one()
    return int(debriefed or 0), int(connections or 0), int(followed or 0)


async def next_due(session: AsyncSession, owner: ShardOwnership = EVERY_SERVER) -> datetime | None:
    """When the events job next has work: a nudge, a debrief or a report."""
    candidates = [
        await session.scalar(
            only_owned(
                select(func.min(EventAttendee.nudge_due_at)).join(
                    Event, Event.id == EventAttendee.event_id
                ),
                Event.guild_id,
                owner,
            )
        ),
        await session.scalar(
            only_owned(select(func.min(Event.debrief_due_at)), Event.guild_id, owner)
        ),
        await session.scalar(
            only_owned(select(func.min(Event.report_due_at)), Event.guild_id, owner)
        ),
    ]
    found = [value for value in candidates if value is not None]
    return min(found) if found else None


# -- her choice -------------------------------------------------------------------------------


async def set_notify(session: AsyncSession, member: Member, *, on: bool, now: datetime) -> None:
    """`/events notify on|off`: her choice beats her server's default."""
    found = await session.scalar(
        select(EventPreference).where(EventPreference.member_id == member.id)
    )
    if found is None:
        found = EventPreference(member_id=member.id)
        session.add(found)
    found.notify, found.updated_at = on, now
    if not on:
        # Nothing more reaches her: what is waiting for her is dropped too.
        await session.execute(
            update(EventAttendee)
            .where(EventAttendee.member_id == member.id)
            .values(nudge_due_at=None)
        )
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.member_id == member.id,
                OutboxMessage.state == PENDING,
                OutboxMessage.purpose.in_(("event_nudge", "event_debrief")),
            )
            .values(state=DROPPED)
        )
    else:
        await session.flush()
        rows = await session.execute(
            select(Event, EventAttendee.id)
            .join(EventAttendee, EventAttendee.event_id == Event.id)
            .where(EventAttendee.member_id == member.id, Event.status.in_(OPEN))
        )
        for event, attendee_id in rows:
            await reschedule_nudges(session, event, now=now, attendee_ids=[attendee_id])
    await session.flush()


async def notify_on(session: AsyncSession, member: Member) -> tuple[bool, bool | None]:
    """(whether event DMs reach her, her own choice or None for the server's default)."""
    choice = await session.scalar(
        select(EventPreference.notify).where(EventPreference.member_id == member.id)
    )
    if choice is not None:
        return bool(choice), bool(choice)
    default = await session.scalar(
        select(Community.events_default).where(Community.guild_id == member.guild_id)
    )
    return bool(default), None


async def event_dms_wanted_by(
    session: AsyncSession, guild_id: int, user_id: int, *, now: datetime
) -> Member | None:
    """Her member row if event DMs reach her (her choice, else her server's default, and DMs
    open); None otherwise. A member row is made only for someone who gets them."""
    member = await get_member(session, guild_id, user_id)
    if member is None:
        default = await session.scalar(
            select(Community.events_default).where(Community.guild_id == guild_id)
        )
        if not default:
            return None
        member = await ensure_member(session, guild_id, user_id, now=now)
    wants, _ = await notify_on(session, member)
    return member if wants and member.reachable else None


# -- her before and after -----------------------------------------------------------------------


async def attendee_with_event(
    session: AsyncSession, attendee_id: int
) -> tuple[EventAttendee, Event, Member] | None:
    found = (
        await session.execute(
            select(EventAttendee, Event, Member)
            .join(Event, Event.id == EventAttendee.event_id)
            .join(Member, Member.id == EventAttendee.member_id)
            .where(EventAttendee.id == attendee_id)
        )
    ).one_or_none()
    return None if found is None else (found[0], found[1], found[2])


def choose_intention(row: EventAttendee, intention: str, *, now: datetime) -> None:
    row.intention, row.updated_at = intention, now


def note_check(row: EventAttendee, score: int, *, now: datetime) -> None:
    """She answered the eight questions after the event."""
    row.check_score = score
    row.debriefed_at = row.debriefed_at or now
    row.updated_at = now


def note_skipped(row: EventAttendee, *, now: datetime) -> None:
    """ "I couldn't make it": nothing to debrief, nothing counted."""
    row.skipped, row.updated_at = True, now


async def other_attendees(
    session: AsyncSession, event_id: int, member_id: int, *, limit: int
) -> list[tuple[int, str]]:
    """(user id, display name) of the event's other interested members, by name."""
    rows = await session.execute(
        select(Member.user_id, EventAttendee.display_name)
        .join(Member, Member.id == EventAttendee.member_id)
        .where(
            EventAttendee.event_id == event_id,
            EventAttendee.member_id != member_id,
            EventAttendee.interested.is_(True),
            EventAttendee.display_name.is_not(None),
        )
        .order_by(func.lower(EventAttendee.display_name))
        .limit(limit)
    )
    return [(int(user_id), str(name)) for user_id, name in rows]


async def note_people(
    session: AsyncSession,
    row: EventAttendee,
    member: Member,
    people: Sequence[Person],
    *,
    how_met: str,
    event_name: str,
    day: date,
    now: datetime,
) -> list[EventConnection]:
    """ "Who did you meet?": each person into her Rolodex (a new entry with how they met, or
    a touchpoint on the one she has: never a second entry), once per event."""
    done = {
        c.entry_id: c
        for c in await session.scalars(
            select(EventConnection).where(EventConnection.attendee_id == row.id)
        )
    }
    connections = []
    for person in people:
        entry: RolodexEntry | None = None
        if person.user_id is not None:
            entry = await entry_for_user(session, member.id, person.user_id)
        if entry is None:
            entry = await find_entry(session, member.id, person.name)
        if entry is not None and entry.id in done:
            connections.append(done[entry.id])
            continue
        new = entry is None
        if entry is None:
            entry = await save_entry(
                session,
                member,
                None,
                {
                    "name": person.name,
                    "how_met": how_met,
                    "notes": "",
                    "tags": "",
                    "cadence_days": None,
                    "know": False,
                    "like": False,
                    "trust": False,
                },
                person_user_id=person.user_id,
                now=now,
            )
        elif entry.person_user_id is None and person.user_id is not None:
            entry.person_user_id = person.user_id
        await log_touch(session, entry, member, kind="event", note=event_name, day=day, now=now)
        connection = EventConnection(
            guild_id=member.guild_id,
            attendee_id=row.id,
            owner_member_id=member.id,
            entry_id=entry.id,
            person_user_id=person.user_id,
            name=entry.name,
            new_entry=new,
            created_at=now,
        )
        session.add(connection)
        done[entry.id] = connection
        connections.append(connection)
    if people:
        row.debriefed_at = row.debriefed_at or now
        row.updated_at = now
    await session.flush()
    return connections


async def connection_with_owner(
    session: AsyncSession, connection_id: int
) -> tuple[EventConnection, Member, Event] | None:
    found = (
        await session.execute(
            select(EventConnection, Member, Event)
            .join(Member, Member.id == EventConnection.owner_member_id)
            .join(EventAttendee, EventAttendee.id == EventConnection.attendee_id)
            .join(Event, Event.id == EventAttendee.event_id)
            .where(EventConnection.id == connection_id)
        )
    ).one_or_none()
    return None if found is None else (found[0], found[1], found[2])


async def pending_followup(session: AsyncSession, connection: EventConnection) -> FollowUp | None:
    if connection.followup_id is None:
        return None
    followup = await session.get(FollowUp, connection.followup_id)
    return followup if followup is not None and followup.state == "pending" else None


def link_followup(connection: EventConnection, followup: FollowUp) -> None:
    connection.followup_id = followup.id


async def connections_of(
    session: AsyncSession, attendee_id: int
) -> list[tuple[EventConnection, FollowUp | None]]:
    """Whom she noted meeting at one event, each with the follow-up still waiting, if any."""
    rows = await session.execute(
        select(EventConnection, FollowUp)
        .outerjoin(
            FollowUp,
            and_(FollowUp.id == EventConnection.followup_id, FollowUp.state == "pending"),
        )
        .where(EventConnection.attendee_id == attendee_id)
        .order_by(EventConnection.id)
    )
    return [(connection, followup) for connection, followup in rows]


# -- what she and organizers see -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryItem:
    name: str
    starts_at: datetime
    status: str
    intention: str | None
    check_score: int | None
    skipped: bool
    met: list[str]


async def history(session: AsyncSession, member_id: int, *, limit: int) -> list[HistoryItem]:
    """Her events (the ones she marked Interested and that were not called off), newest
    first, with whom she noted meeting at each."""
    rows = list(
        await session.execute(
            select(EventAttendee, Event)
            .join(Event, Event.id == EventAttendee.event_id)
            .where(
                EventAttendee.member_id == member_id,
                or_(EventAttendee.interested.is_(True), EventAttendee.debriefed_at.is_not(None)),
                Event.status.not_in([s.value for s in CALLED_OFF]),
            )
            .order_by(Event.starts_at.desc())
            .limit(limit)
        )
    )
    met: dict[int, list[str]] = {}
    if rows:
        for attendee_id, name in await session.execute(
            select(EventConnection.attendee_id, EventConnection.name)
            .where(EventConnection.attendee_id.in_([row[0].id for row in rows]))
            .order_by(EventConnection.id)
        ):
            met.setdefault(attendee_id, []).append(name)
    return [
        HistoryItem(
            name=event.name,
            starts_at=event.starts_at,
            status=event.status,
            intention=row.intention,
            check_score=row.check_score,
            skipped=row.skipped,
            met=met.get(row.id, []),
        )
        for row, event in rows
    ]


async def ended_events(session: AsyncSession, guild_id: int, *, limit: int) -> list[Event]:
    """A server's events whose debriefs went out, newest first (for `/events report`)."""
    rows = await session.scalars(
        select(Event)
        .where(and_(Event.guild_id == guild_id, Event.debriefed_at.is_not(None)))
        .order_by(Event.starts_at.desc())
        .limit(limit)
    )
    return list(rows)
