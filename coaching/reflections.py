"""Reflection prompts: which days, what wall-clock instant, which prompt, and the streak.

Times are wall-clock in the member's zone: 08:30 stays 08:30 across DST. A time that does
not exist on a spring-forward day is sent at the first valid minute after it; a time that
happens twice on a fall-back day is sent once (its first occurrence).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import math
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from coaching.dates import WEEKDAYS
from coaching.text import BlankText, required
from coaching.times import parse_time_of_day

ALL_DAYS = 0b1111111
WEEKDAYS_MASK = 0b0011111
WEEKENDS_MASK = 0b1100000
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

DAILY, WEEKLY = "daily", "weekly"
BACKOFF_AFTER_UNANSWERED = 3
ANSWER_MAX_CHARS = 1500  # one answer: a form, or a DM reply
ENTRY_MAX_CHARS = 4000  # a journal entry with everything added to it (a form holds 4,000)
NOW_PER_DAY = 3  # /reflections now prompts in 24 hours
SEARCH_DAYS_AHEAD = 400
MAX_PAUSE_DAYS = 366


class InvalidDays(ValueError):
    """The text is not a set of days we understand."""


def parse_days(text: str) -> int:
    """`daily`, `weekdays`, `weekends`, or a list like `mon,wed,fri` -> a weekday bitmask."""
    cleaned = (text or "").strip().lower()
    presets = {
        "daily": ALL_DAYS,
        "every day": ALL_DAYS,
        "everyday": ALL_DAYS,
        "weekdays": WEEKDAYS_MASK,
        "weekends": WEEKENDS_MASK,
    }
    if cleaned in presets:
        return presets[cleaned]
    mask = 0
    parts = [
        p for p in cleaned.replace(" and ", ",").replace(";", ",").replace(" ", ",").split(",")
    ]
    for part in filter(None, (p.strip() for p in parts)):
        weekday = WEEKDAYS.get(part)
        if weekday is None:
            raise InvalidDays(text)
        mask |= 1 << weekday
    if not mask:
        raise InvalidDays(text)
    return mask


def describe_days(mask: int) -> str:
    if mask == ALL_DAYS:
        return "every day"
    if mask == WEEKDAYS_MASK:
        return "weekdays"
    if mask == WEEKENDS_MASK:
        return "weekends"
    return ", ".join(name for index, name in enumerate(DAY_NAMES) if mask & (1 << index))


class Schedule(NamedTuple):
    """When a member wants prompts. A named tuple: a scheduler tick builds 1,000."""

    timezone: str
    time_of_day: time
    days: int = ALL_DAYS
    cadence: str = DAILY
    paused_until: date | None = None  # prompts resume on this local date


@functools.lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """ZoneInfo's own cache keeps only a few zones; a scheduler tick touches hundreds."""
    return ZoneInfo(name)


def _exists(local: datetime) -> bool:
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


# Members of one community share a few zones and times: a scheduler tick asks for the same
# (day, time, zone) again and again, and the answer never changes.
@functools.lru_cache(maxsize=8192)
def send_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on local `day` (DST gaps and folds handled)."""
    if at.fold:
        at = at.replace(fold=0)
    # The common case first, cheaply: the wall time exists (its first occurrence, fold=0).
    # Aware datetimes sharing a tzinfo compare by wall time, as `_exists` does.
    local = datetime.combine(day, at, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone) == local:
        return instant
    naive = datetime.combine(day, at)
    for minutes in range(1, 24 * 60):
        local = (naive + timedelta(minutes=minutes)).replace(tzinfo=zone, fold=0)
        if _exists(local):
            return local.astimezone(UTC)
    raise AssertionError("no valid local time within a day")  # no zone has a 24 h gap


_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)


def local_date(instant: datetime, timezone: str) -> date:
    return instant.astimezone(zone(timezone)).date()


def next_send(
    after: datetime,
    schedule: Schedule,
    *,
    quiet_days: Collection[date] = (),
    last_sent_on: date | None = None,
) -> tuple[datetime, date] | None:
    """The first send strictly after `after`: (UTC instant, local date), or None if none
    within a year (e.g. every allowed day is quiet)."""
    tz = zone(schedule.timezone)
    start = after.astimezone(tz).date()
    if last_sent_on == start and schedule.cadence == DAILY:
        # The scheduler's common case, the loop's first step below: tomorrow.
        day = start + _DAY
        if (
            schedule.days & (1 << day.weekday())
            and (schedule.paused_until is None or day >= schedule.paused_until)
            and day not in quiet_days
        ):
            instant = send_instant(day, schedule.time_of_day, tz)
            if instant > after:
                return instant, day
    first = start
    if last_sent_on is not None:
        # Days up to last_sent_on (or within a week of it, for weekly) are all skipped below:
        # begin after them instead of walking through them. The search window stays the same.
        first = max(first, last_sent_on + (_WEEK if schedule.cadence == WEEKLY else _DAY))
    for offset in range((first - start).days, SEARCH_DAYS_AHEAD):
        day = start + timedelta(days=offset)
        if not schedule.days & (1 << day.weekday()):
            continue
        if schedule.paused_until is not None and day < schedule.paused_until:
            continue
        if day in quiet_days:
            continue
        if last_sent_on is not None:
            if day <= last_sent_on:
                continue  # never two prompts for one local date
            if schedule.cadence == WEEKLY and (day - last_sent_on).days < 7:
                continue
        instant = send_instant(day, schedule.time_of_day, tz)
        if instant > after:
            return instant, day
    return None


def weekly_streak(answered_on: Collection[date], today: date) -> int:
    """Weeks in a row (Monday-based, ending this week or last) with at least one reflection."""
    weeks = {d - timedelta(days=d.weekday()) for d in answered_on}
    monday = today - timedelta(days=today.weekday())
    if monday not in weeks:
        monday -= timedelta(weeks=1)  # this week isn't over: the streak can still continue
    streak = 0
    while monday in weeks:
        streak += 1
        monday -= timedelta(weeks=1)
    return streak


def prompt_for(position: int, member_seed: int, keys: Sequence[str]) -> str:
    """The prompt at `position` in a member's own walk through the pack.

    Each pass through the pack is a permutation of it (index -> a*index + b mod n, with a
    coprime to n) seeded by the member and the pass number: nobody sees a prompt twice
    before seeing them all, members don't all get the same prompt on the same day, and no
    history needs to be read to choose. O(1), which matters to a tick of 1,000 members.
    """
    return prompt_at(position, member_seed, sorted(keys))


def prompt_at(position: int, member_seed: int, ordered: Sequence[str]) -> str:
    """`prompt_for` with the keys already sorted (a scheduler tick sorts them once)."""
    if not ordered:
        raise ValueError("no prompts")
    count = len(ordered)
    cycle, index = divmod(position, count)
    seed = _mix64(member_seed * _GOLDEN + cycle)
    steps = _coprime_steps(count)
    step = steps[seed % len(steps)]
    offset = (seed >> 32) % count
    return ordered[(step * index + offset) % count]


_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix64(value: int) -> int:
    """SplitMix64's finaliser: a well-spread 64-bit number from any integer, in plain integer
    arithmetic (a cryptographic hash per member cost a tenth of a scheduler tick)."""
    value &= _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


@functools.lru_cache(maxsize=64)
def _coprime_steps(count: int) -> tuple[int, ...]:
    """The steps that make index -> step*index + offset (mod count) a permutation."""
    return tuple(step for step in range(1, count + 1) if math.gcd(step, count) == 1)


def validate_answer(text: str, limit: int = ANSWER_MAX_CHARS) -> str:
    """The answer as stored, or ValueError when empty (nothing visible) or too long."""
    try:
        cleaned = required(text)
    except BlankText:
        raise ValueError("empty") from None
    if len(cleaned) > limit:
        raise ValueError("too long")
    return cleaned


def _words(text: str) -> str:
    return " ".join(text.split())


def combine_answers(existing: str | None, submitted: str) -> str | None:
    """An entry's answer once `submitted` joins what it holds: nothing she wrote disappears.

    A form opens with what is there, so a submission that still holds it is the whole new
    answer; anything else (a second DM reply, a form opened before a DM reply arrived) is
    added below. None when the two together would pass ENTRY_MAX_CHARS: keep the new words
    as an entry of their own. Rewording or removing words is for the journal's Edit.
    """
    if not existing:
        return submitted
    if _words(existing) in _words(submitted):
        combined = submitted
    elif _words(submitted) in _words(existing):
        return existing  # sent again (a double submit): nothing new
    else:
        combined = f"{existing}\n\n{submitted}"
    return combined if len(combined) <= ENTRY_MAX_CHARS else None


def dm_reply_target(*, newest_on: date | None, answered: bool, skipped: bool, today: date) -> str:
    """Where a plain DM reply goes: "answer" the newest prompt (of the last days) when it is
    still open, "add" to it when it is today's (answered or skipped: she has more to say),
    else "offer" to keep it as a note of today's (there is no open prompt)."""
    if newest_on is None:
        return "offer"
    if not answered and not skipped:
        return "answer"
    return "add" if newest_on == today else "offer"


def now_allowed(sent_in_last_day: int) -> bool:
    """`/reflections now`: a few fresh prompts a day are plenty to think about."""
    return sent_in_last_day < NOW_PER_DAY


# DueState and DuePlan are named tuples, not dataclasses: a scheduler tick makes 1,000 of each,
# and a tuple is several times cheaper to build than a frozen dataclass.
class DueState(NamedTuple):
    """What the scheduler knows about one due subscription."""

    schedule: Schedule
    next_send_at: datetime
    next_send_on: date
    last_sent_on: date | None
    unanswered: int
    backoff_state: str | None


class DuePlan(NamedTuple):
    send: bool  # False: the bot was down too long, so that day's prompt is skipped
    kind: str  # "daily" or "backoff" (the write-less-often question)
    local_date: date
    switched_to_weekly: bool
    cadence: str
    backoff_state: str | None
    unanswered: int
    last_sent_on: date | None
    next: tuple[datetime, date] | None


def plan_due(
    state: DueState, *, now: datetime, catchup: timedelta, quiet_days: Collection[date] = ()
) -> DuePlan:
    """Decide what a due subscription gets now, and when it is due next."""
    if now - state.next_send_at > catchup:
        return DuePlan(
            send=False,
            kind=DAILY,
            local_date=state.next_send_on,
            switched_to_weekly=False,
            cadence=state.schedule.cadence,
            backoff_state=state.backoff_state,
            unanswered=state.unanswered,
            last_sent_on=state.last_sent_on,
            next=next_send(
                now, state.schedule, quiet_days=quiet_days, last_sent_on=state.last_sent_on
            ),
        )
    kind, cadence, backoff, switched = DAILY, state.schedule.cadence, state.backoff_state, False
    if backoff == "asked" and state.unanswered > 0:
        # No reply to "write less often?": do the gentle thing and say so in this prompt.
        cadence, backoff, switched = WEEKLY, "settled", True
    elif backoff is None and cadence == DAILY and state.unanswered >= BACKOFF_AFTER_UNANSWERED:
        kind, backoff = "backoff", "asked"
    schedule = state.schedule
    if cadence != schedule.cadence:
        schedule = schedule._replace(cadence=cadence)
    return DuePlan(
        send=True,
        kind=kind,
        local_date=state.next_send_on,
        switched_to_weekly=switched,
        cadence=cadence,
        backoff_state=backoff,
        unanswered=state.unanswered + 1,
        last_sent_on=state.next_send_on,
        next=next_send(
            state.next_send_at, schedule, quiet_days=quiet_days, last_sent_on=state.next_send_on
        ),
    )


# -- what a member's choices change in their subscription ---------------------------------


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP


@dataclasses.dataclass(frozen=True)
class SubscriptionChange:
    """The fields of a subscription a member's action sets; KEEP leaves one as it is.
    Storage applies it and recomputes the next send (`storage.reflections.apply_change`)."""

    active: bool | _Keep = KEEP
    display_name: str | _Keep = KEEP
    time_of_day: str | _Keep = KEEP
    timezone: str | _Keep = KEEP
    days: int | _Keep = KEEP
    cadence: str | _Keep = KEEP
    paused_until: date | _Keep | None = KEEP
    unanswered: int | _Keep = KEEP
    backoff_state: str | _Keep | None = KEEP

    def fields(self) -> dict[str, object]:
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {name: value for name, value in values.items() if value is not KEEP}


# An answer or a skip: the member is there, so the count towards "write less often?" restarts.
ENGAGED = SubscriptionChange(unanswered=0, backoff_state=None)
STOPPED = SubscriptionChange(active=False)
# `/reflections resume`: unpaused, and after a stop on again as she had it (her time, days
# and cadence), with a fresh count towards "write less often?".
RESUMED = SubscriptionChange(active=True, paused_until=None, unanswered=0)
PAUSE_FROM_PROMPT = timedelta(days=7)
PAUSE_FROM_BACKOFF = timedelta(days=14)


def start(
    requested: SubscriptionChange, *, already_active: bool, display_name: str
) -> SubscriptionChange:
    """`/reflections start`: active and unpaused with what was asked; a new or stopped
    subscription starts daily, with no unanswered count."""
    fresh = {} if already_active else {"cadence": DAILY, "unanswered": 0, "backoff_state": None}
    return dataclasses.replace(
        requested, active=True, paused_until=None, display_name=display_name[:100], **fresh
    )


def settings(requested: SubscriptionChange) -> SubscriptionChange:
    """`/reflections settings`: choosing a cadence settles the write-less-often question."""
    if requested.cadence is KEEP:
        return requested
    return dataclasses.replace(requested, backoff_state="settled")


def pause_until(day: date) -> SubscriptionChange:
    return SubscriptionChange(paused_until=day)


def pause_from_prompt(today: date) -> SubscriptionChange:
    """ "Pause a week" under a prompt."""
    return SubscriptionChange(paused_until=today + PAUSE_FROM_PROMPT, unanswered=0)


def backoff_choice(action: str, today: date) -> SubscriptionChange:
    """The answer to "shall I write less often?": weekly, a pause, daily again, or stop."""
    settled = SubscriptionChange(unanswered=0, backoff_state="settled")
    if action == "weekly":
        return dataclasses.replace(settled, cadence=WEEKLY)
    if action == "pause":
        return dataclasses.replace(settled, paused_until=today + PAUSE_FROM_BACKOFF)
    if action == "daily":
        return dataclasses.replace(settled, cadence=DAILY)
    return dataclasses.replace(settled, active=False)


# A stored time of day is one of 1,440 "HH:MM" strings; the scheduler reads 1,000 per tick.
stored_time_of_day = functools.lru_cache(maxsize=2048)(parse_time_of_day)


def schedule_of(subscription: Any) -> Schedule:
    """The schedule of a subscription (an entity or a row with the same columns)."""
    return Schedule(
        timezone=subscription.timezone,
        time_of_day=stored_time_of_day(subscription.time_of_day),
        days=subscription.days,
        cadence=subscription.cadence,
        paused_until=subscription.paused_until,
    )


# -- saying when the next prompt comes ------------------------------------------------------


def weekday_name(day: date) -> str:
    return WEEKDAY_NAMES[day.weekday()]


WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def describe_date(day: date) -> str:
    """A date as a member reads it: "Friday 12 June 2026"."""
    return f"{weekday_name(day)} {day.day} {day.strftime('%B')} {day.year}"


def why_later(
    back_on: date,
    next_on: date | None,
    schedule: Schedule,
    *,
    quiet_days: Collection[date] = (),
    last_sent_on: date | None = None,
) -> str | None:
    """Why the next prompt after a pause isn't on the day prompts come back: "quiet" (that
    day is a quiet day of the server), "not_your_day" (not one of her days), "weekly" (a
    week after her last), or None when it is that day (or nothing is ahead)."""
    if next_on is None or next_on == back_on:
        return None
    if back_on in quiet_days:
        return "quiet"
    if not schedule.days & (1 << back_on.weekday()):
        return "not_your_day"
    if schedule.cadence == WEEKLY and last_sent_on is not None:
        return "weekly"
    return None
