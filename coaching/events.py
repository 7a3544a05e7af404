"""Meetups: when the nudge before an event and the debrief after it are due, what a change on
Discord's side means, and what organizers may see.

Times are wall-clock in the member's zone (her reflection time, else 09:00), DST-safe through
`coaching.reflections.send_instant`. Nothing here knows Discord or the database.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coaching.reflections import send_instant

# The nudge lands at her own time on the last day that leaves at least this much before the
# start: "about a day ahead" (between 12 and 36 hours).
NUDGE_LEAD = timedelta(hours=12)
# A nudge this late after its time still counts as on time (the scheduler was busy).
NUDGE_GRACE = timedelta(hours=1)
# A nudge that missed its time (the event was made, or she pressed Interested, late; the bot
# was down) still goes out, in waking hours, until this long before the start.
NUDGE_LAST_CALL = timedelta(hours=1)
WAKING_FROM, WAKING_UNTIL = time(8, 0), time(21, 0)
# An event with no end time (a voice or stage event) is taken to be over this long after it
# starts, unless an organizer ends it sooner.
DEFAULT_LENGTH = timedelta(hours=2)
# A debrief missed while the bot was down still goes out within this long after the event
# ended; later it would arrive out of the blue, so it is skipped.
DEBRIEF_CATCHUP = timedelta(hours=24)
# Organizers see their event's picture once debriefs had time to come in.
REPORT_AFTER = timedelta(days=3)
# Fewer members than this did the debrief: organizers see nothing, so nobody is identifiable.
SMALL_NUMBERS = 5
# A start moved by at least this much after her nudge went out earns a fresh nudge.
MOVED_ENOUGH = timedelta(hours=12)
# Back at an event after this long: a warm welcome, never a remark about the gap; shown
# while the return is recent (or still to come).
LONG_GAP = timedelta(days=90)
RECENT_RETURN = timedelta(days=30)
MAX_PEOPLE = 5
# One-click follow-ups land two days later, or three when two would be a weekend day.
FOLLOW_UP_DAYS = (2, 3)

INTENTIONS = ("stories", "reconnect", "introduce", "enjoy")


class Status(enum.StrEnum):
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELED = "canceled"
    DELETED = "deleted"


# Discord's GuildScheduledEventStatus values.
DISCORD_STATUS = {1: Status.SCHEDULED, 2: Status.ACTIVE, 3: Status.COMPLETED, 4: Status.CANCELED}
CALLED_OFF = frozenset({Status.CANCELED, Status.DELETED})


@dataclass(frozen=True, slots=True)
class EventInfo:
    """What Discord says about a scheduled event (from the gateway or REST)."""

    discord_id: int
    guild_id: int
    name: str
    start: datetime
    end: datetime | None
    status: Status
    location: str | None = None
    creator_id: int | None = None


@dataclass(frozen=True, slots=True)
class Tracked:
    """Where Kindred's copy of an event stands."""

    start: datetime
    end: datetime | None
    status: Status
    ended_at: datetime | None
    debrief_due_at: datetime | None
    debriefed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Followed:
    """Kindred's copy after Discord's news, and what changed."""

    status: Status
    ended_at: datetime | None
    debrief_due_at: datetime | None
    moved: bool  # the start changed: nudges are due at new times
    called_off: bool  # cancelled or deleted just now: nothing more is sent


def expected_end(start: datetime, end: datetime | None) -> datetime:
    return end if end is not None else start + DEFAULT_LENGTH


def follow(old: Tracked | None, news: EventInfo, now: datetime) -> Followed:
    """Apply what Discord says about an event to Kindred's copy of it.

    The debrief is due when an organizer ends the event, or when its end time passes; a
    cancelled or deleted event has nothing due; a debrief already planned is never due again.
    """
    status = news.status
    was_called_off = old is not None and old.status in CALLED_OFF
    if was_called_off:
        status = old.status  # type: ignore[union-attr]
    ended_at = old.ended_at if old is not None else None
    if status == Status.COMPLETED and ended_at is None:
        ended_at = now
    due: datetime | None
    if status in CALLED_OFF or (old is not None and old.debriefed_at is not None):
        due = None
    elif ended_at is not None:
        due = min(ended_at, expected_end(news.start, news.end))
    else:
        due = expected_end(news.start, news.end)
    return Followed(
        status=status,
        ended_at=ended_at,
        debrief_due_at=due,
        moved=old is not None and old.start != news.start and status not in CALLED_OFF,
        called_off=status in CALLED_OFF and not was_called_off,
    )


# -- the nudge before -----------------------------------------------------------------------


def ideal_nudge(start: datetime, zone: ZoneInfo, at: time) -> datetime:
    """Her wall-clock time `at` on the last local day that leaves NUDGE_LEAD before `start`."""
    day = start.astimezone(zone).date()
    latest = start - NUDGE_LEAD
    for back in range(4):
        instant = send_instant(day - timedelta(days=back), at, zone)
        if instant <= latest:
            return instant
    raise AssertionError("a day back always leaves 12 hours")  # 3 days back is >= 48 h


def nudge_at(start: datetime, zone: ZoneInfo, at: time, now: datetime) -> datetime | None:
    """When her nudge goes out: at its ideal time; when that has passed (by more than a little),
    now if it is daytime for her, else her next 08:00, as long as that is still at least
    NUDGE_LAST_CALL before the start. None: too late for a nudge."""
    ideal = ideal_nudge(start, zone, at)
    if ideal > now - NUDGE_GRACE:
        return max(ideal, now)
    local = now.astimezone(zone)
    if WAKING_FROM <= local.time() < WAKING_UNTIL:
        candidate = now
    else:
        day = local.date() if local.time() < WAKING_FROM else local.date() + timedelta(days=1)
        candidate = send_instant(day, WAKING_FROM, zone)
    return candidate if candidate <= start - NUDGE_LAST_CALL else None


def nudge_again(old_start: datetime, new_start: datetime) -> bool:
    """The event moved so far that the nudge she had no longer fits: she gets a new one."""
    return abs(new_start - old_start) >= MOVED_ENOUGH


def questions_for(member_id: int, event_id: int, keys: Sequence[str]) -> tuple[str, str]:
    """Two different questions to bring along, varied by member and event, stable for both."""
    ordered = sorted(keys)
    if len(ordered) < 2:
        raise ValueError("two questions need at least two keys")
    digest = hashlib.blake2b(f"{member_id}:{event_id}".encode(), digest_size=8).digest()
    first = int.from_bytes(digest[:4], "big") % len(ordered)
    step = 1 + int.from_bytes(digest[4:], "big") % (len(ordered) - 1)
    return ordered[first], ordered[(first + step) % len(ordered)]


def came_back(previous_event: datetime | None, this_event: datetime) -> bool:
    """Her last event was long ago: the note says welcome back (and nothing about the gap)."""
    return previous_event is not None and this_event - previous_event >= LONG_GAP


def welcome_back(starts: Sequence[datetime], now: datetime) -> bool:
    """Her events' starts, newest first: the newest is a recent return after a long gap."""
    return len(starts) >= 2 and starts[0] >= now - RECENT_RETURN and came_back(starts[1], starts[0])


# -- the debrief after ------------------------------------------------------------------------


def debrief_on_time(due: datetime, now: datetime) -> bool:
    """Send the debrief now, or is it too late (the bot was down past the catch-up window)?"""
    return now - due <= DEBRIEF_CATCHUP


def follow_up_day(today: date) -> date:
    """Two days on, or three when two would be a Saturday or Sunday (and three is not)."""
    for days in FOLLOW_UP_DAYS:
        day = today + timedelta(days=days)
        if day.weekday() < 5:
            return day
    return today + timedelta(days=FOLLOW_UP_DAYS[0])


class TooManyPeople(ValueError):
    """More than MAX_PEOPLE people in one "Who did you meet?" form."""


@dataclass(frozen=True, slots=True)
class Person:
    """Someone she met: a member (user id) or anyone, by name."""

    name: str
    user_id: int | None = None


def people_met(
    picked: Sequence[Person], typed: str, known: dict[str, Person], *, herself: int
) -> list[Person]:
    """The people of a "Who did you meet?" form: members picked from the list, then names
    typed one a line (or comma-separated); a typed name that is another attendee's becomes
    that member. Each person once, never herself; more than MAX_PEOPLE raises TooManyPeople.
    `known`: other attendees by casefolded display name."""
    found: list[Person] = []
    seen: set[object] = set()
    typed_names = [" ".join(part.split()) for part in typed.replace(",", "\n").splitlines()]
    candidates = [*picked, *(known.get(n.casefold(), Person(n)) for n in typed_names if n)]
    for person in candidates:
        key: object = person.user_id or person.name.casefold()
        if person.user_id == herself or key in seen:
            continue
        seen.add(key)
        found.append(Person(person.name[:100], person.user_id))
    if len(found) > MAX_PEOPLE:
        raise TooManyPeople(len(found))
    return found


# -- keys -------------------------------------------------------------------------------------


def nudge_key(event_id: int, member_id: int, start: datetime) -> str:
    """The outbox key of her nudge: a new start (moved far) makes a new nudge."""
    return f"event_nudge:{event_id}:{member_id}:{start:%Y%m%d%H%M}"


def debrief_key(event_id: int, member_id: int) -> str:
    """One debrief per member per event, whatever happens."""
    return f"event_debrief:{event_id}:{member_id}"


def report_key(event_id: int) -> str:
    return f"event_report:{event_id}"


# -- what organizers see ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    debriefed: int
    connections: int
    followed_up_share: int  # percent of those who debriefed who set a follow-up


def organizer_summary(debriefed: int, connections: int, followed_up: int) -> Summary | None:
    """Counts only, and none at all below SMALL_NUMBERS members."""
    if debriefed < SMALL_NUMBERS:
        return None
    return Summary(debriefed, connections, round(100 * followed_up / debriefed))
