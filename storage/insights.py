"""Counts for the community picture, and organizers' monthly-picture opt-ins.

Every query here counts: rows and distinct members per period. None selects what anyone
wrote (answers, stories, notes) or who did what; the rules in `coaching.insights` then hide
any figure drawn from fewer than five members.

Each data source is one function `(session, guild_id, window) -> Panel` in `SOURCES`, drawn
top to bottom. A new one (coffee pairs, introductions, event debriefs) is its counting
query, its rule in `coaching.insights` and one more entry in the list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, delete, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.insights import (
    Panel,
    Tally,
    Window,
    events_panel,
    meeting_panel,
    referrals_panel,
    reflections_panel,
    thanks_panel,
)
from coaching.shards import ShardOwnership
from storage.models import (
    Community,
    Event,
    EventAttendee,
    EventConnection,
    InsightSubscription,
    MeetIntroduction,
    MeetMatch,
    MeetMatchMember,
    Member,
    ReflectionEntry,
    ReflectionSubscription,
    Thanks,
)
from storage.shards import only_owned

# A source gives its panel, or None when its feature saw no use at all in the window (a
# server without coffee rounds gets no coffee panel).
Source = Callable[[AsyncSession, int, Window], Awaitable[Panel | None]]


def period_of(column: ColumnElement[datetime], win: Window) -> ColumnElement[int]:
    """Which period of `win` a row falls in (0 = oldest), as SQL both back-ends run.

    Grouping happens in an outer query over this label: PostgreSQL would not see two
    copies of the CASE (with their own bound values) as the same GROUP BY expression.
    """
    starts = [start for start, _ in win.buckets]
    return case(
        *((column >= start, index) for index, start in reversed(list(enumerate(starts)))),
        else_=-1,
    )


def _in_window(column: ColumnElement[datetime], win: Window) -> ColumnElement[bool]:
    return (column >= win.start) & (column < win.end)


async def reflections(session: AsyncSession, guild_id: int, win: Window) -> Panel:
    """Members opted in now, and per period the daily prompts sent, to how many members,
    and how many were answered (whether there is an answer; never the answer)."""
    opted_in = await session.scalar(
        select(func.count()).where(
            ReflectionSubscription.guild_id == guild_id, ReflectionSubscription.active.is_(True)
        )
    )
    sent = (
        select(
            period_of(ReflectionEntry.sent_at, win).label("period"),
            ReflectionEntry.member_id,
            ReflectionEntry.answered_at,
        )
        .join(Member, Member.id == ReflectionEntry.member_id)
        .where(
            Member.guild_id == guild_id,
            ReflectionEntry.kind == "daily",
            _in_window(ReflectionEntry.sent_at, win),
        )
        .subquery()
    )
    # One pass over the prompts: a row per period and member (a few thousand, not a year of
    # prompts), from which the distinct members per period and in all are counted here.
    per_member = await session.execute(
        select(
            sent.c.period, sent.c.member_id, func.count(), func.count(sent.c.answered_at)
        ).group_by(sent.c.period, sent.c.member_id)
    )
    totals = [[0, 0, 0] for _ in win.buckets]  # prompts, members, answered
    reached: set[int] = set()
    for period, member, count, answered in per_member:
        if 0 <= period < len(totals):
            totals[period][0] += int(count)
            totals[period][1] += 1
            totals[period][2] += int(answered)
            reached.add(int(member))
    periods = [(Tally(count, members), answered) for count, members, answered in totals]
    return reflections_panel(win, int(opted_in or 0), periods, len(reached))


async def thanks(session: AsyncSession, guild_id: int, win: Window) -> Panel:
    """Thank-yous given per period and kind, and how many members gave them."""
    given = (
        select(
            period_of(Thanks.created_at, win).label("period"),
            Thanks.kind,
            Thanks.giver_member_id,
        )
        .where(
            Thanks.guild_id == guild_id,
            Thanks.removed.is_(False),
            _in_window(Thanks.created_at, win),
        )
        .subquery()
    )
    by_kind = {
        (int(period), str(kind)): int(count)
        for period, kind, count in await session.execute(
            select(given.c.period, given.c.kind, func.count()).group_by(
                given.c.period, given.c.kind
            )
        )
    }
    givers = [0] * len(win.buckets)
    for period, members in await session.execute(
        select(given.c.period, func.count(distinct(given.c.giver_member_id))).group_by(
            given.c.period
        )
    ):
        if 0 <= period < len(givers):
            givers[period] = int(members)
    total = await session.scalar(select(func.count(distinct(given.c.giver_member_id))))
    return thanks_panel(win, by_kind, givers, int(total or 0))


async def referrals(session: AsyncSession, guild_id: int, win: Window) -> Panel:
    """What came of the referrals thanked for in the window, as the thanked members said;
    drawn from those members."""
    window_referrals = (
        Thanks.guild_id == guild_id,
        Thanks.kind == "referral",
        Thanks.removed.is_(False),
        _in_window(Thanks.created_at, win),
    )
    outcomes = {
        outcome: int(count)
        for outcome, count in await session.execute(
            select(Thanks.outcome, func.count()).where(*window_referrals).group_by(Thanks.outcome)
        )
    }
    members = await session.scalar(
        select(func.count(distinct(Thanks.receiver_member_id))).where(*window_referrals)
    )
    return referrals_panel(outcomes, int(members or 0))


async def meeting(session: AsyncSession, guild_id: int, win: Window) -> Panel | None:
    """Coffee groups made by rounds and introductions accepted, per period, with how many
    members were in them; and the share of round groups in which someone said "We met"."""
    in_groups = (
        select(
            period_of(MeetMatch.created_at, win).label("period"),
            MeetMatch.id.label("match"),
            MeetMatch.round_id.label("round"),
            MeetMatchMember.member_id.label("member"),
            MeetMatchMember.answer.label("answer"),
        )
        .join(MeetMatchMember, MeetMatchMember.match_id == MeetMatch.id)
        .where(MeetMatch.guild_id == guild_id, _in_window(MeetMatch.created_at, win))
        .subquery()
    )
    groups = [0] * len(win.buckets)
    members = [0] * len(win.buckets)
    for period, count, people in await session.execute(
        select(
            in_groups.c.period,
            func.count(distinct(in_groups.c.match)),
            func.count(distinct(in_groups.c.member)),
        )
        .where(in_groups.c.round.is_not(None))
        .group_by(in_groups.c.period)
    ):
        if 0 <= period < len(groups):
            groups[period], members[period] = int(count), int(people)
    met = await session.scalar(
        select(func.count(distinct(in_groups.c.match))).where(
            in_groups.c.round.is_not(None), in_groups.c.answer == "met"
        )
    )
    total_members = await session.scalar(select(func.count(distinct(in_groups.c.member))))
    accepted = (
        select(period_of(MeetIntroduction.decided_at, win).label("period"))
        .where(
            MeetIntroduction.guild_id == guild_id,
            MeetIntroduction.state == "accepted",
            MeetIntroduction.decided_at.is_not(None),
            _in_window(MeetIntroduction.decided_at, win),
        )
        .subquery()
    )
    intros = [0] * len(win.buckets)
    for period, count in await session.execute(
        select(accepted.c.period, func.count()).group_by(accepted.c.period)
    ):
        if 0 <= period < len(intros):
            intros[period] = int(count)
            members[period] += 2 * int(count)  # both introduced members
    total = sum(groups)
    if not total and not sum(intros):
        return None
    per_period = list(zip(groups, intros, members, strict=True))
    return meeting_panel(
        win,
        per_period,
        int(total_members or 0) + 2 * sum(intros),
        int(met or 0) / total if total else None,
    )


async def event_lookbacks(session: AsyncSession, guild_id: int, win: Window) -> Panel | None:
    """Look-backs after events and connections noted, per period, with how many members
    looked back (whether she did; never her answers or whom she met)."""
    done = (
        select(
            period_of(EventAttendee.debriefed_at, win).label("period"),
            EventAttendee.id.label("attendee"),
            EventAttendee.member_id.label("member"),
        )
        .join(Event, Event.id == EventAttendee.event_id)
        .where(
            Event.guild_id == guild_id,
            EventAttendee.debriefed_at.is_not(None),
            _in_window(EventAttendee.debriefed_at, win),
        )
        .subquery()
    )
    rows = [[0, 0, 0] for _ in win.buckets]
    for period, count, people in await session.execute(
        select(done.c.period, func.count(), func.count(distinct(done.c.member))).group_by(
            done.c.period
        )
    ):
        if 0 <= period < len(rows):
            rows[period][0], rows[period][2] = int(count), int(people)
    noted = (
        select(period_of(EventConnection.created_at, win).label("period"))
        .where(EventConnection.guild_id == guild_id, _in_window(EventConnection.created_at, win))
        .subquery()
    )
    for period, count in await session.execute(
        select(noted.c.period, func.count()).group_by(noted.c.period)
    ):
        if 0 <= period < len(rows):
            rows[period][1] = int(count)
    if not any(row[0] for row in rows):
        return None
    members = await session.scalar(select(func.count(distinct(done.c.member))))
    return events_panel(win, [(a, b, c) for a, b, c in rows], int(members or 0))


# The community picture, top to bottom.
SOURCES: tuple[Source, ...] = (reflections, thanks, referrals, meeting, event_lookbacks)


async def community_panels(
    session: AsyncSession, guild_id: int, win: Window, sources: Sequence[Source] = SOURCES
) -> list[Panel]:
    panels = [await source(session, guild_id, win) for source in sources]
    return [panel for panel in panels if panel is not None]


# ---------------------------------------------------------------- the monthly picture by DM


async def monthly_subscription(session: AsyncSession, member_id: int) -> InsightSubscription | None:
    return await session.scalar(
        select(InsightSubscription).where(InsightSubscription.member_id == member_id)
    )


async def set_monthly(
    session: AsyncSession, member: Member, *, on: bool, first_at: datetime, now: datetime
) -> bool:
    """Turn the organizer's monthly picture on (first one at `first_at`) or off; returns
    whether anything changed."""
    existing = await monthly_subscription(session, member.id)
    if on and existing is None:
        session.add(
            InsightSubscription(
                member_id=member.id, guild_id=member.guild_id, next_send_at=first_at, created_at=now
            )
        )
        await session.flush()
        return True
    if not on and existing is not None:
        await session.execute(
            delete(InsightSubscription).where(InsightSubscription.id == existing.id)
        )
        return True
    return False


async def due_monthly(
    session: AsyncSession, *, now: datetime, owner: ShardOwnership, limit: int
) -> list[tuple[InsightSubscription, int, str]]:
    """Due monthly pictures of `owner`'s servers: (subscription, user id, community zone)."""
    rows = await session.execute(
        only_owned(
            select(InsightSubscription, Member.user_id, Community.timezone)
            .join(Member, Member.id == InsightSubscription.member_id)
            .join(Community, Community.guild_id == InsightSubscription.guild_id)
            .where(InsightSubscription.next_send_at <= now)
            .order_by(InsightSubscription.next_send_at)
            .limit(limit),
            InsightSubscription.guild_id,
            owner,
        )
    )
    return [(row[0], int(row[1]), str(row[2])) for row in rows]


async def next_monthly_due(session: AsyncSession, owner: ShardOwnership) -> datetime | None:
    value: Any = await session.scalar(
        only_owned(
            select(func.min(InsightSubscription.next_send_at)),
            InsightSubscription.guild_id,
            owner,
        )
    )
    if value is None:
        return None
    # min() of a UTCDateTime column may come back as the driver's naive value on SQLite.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def monthly_done(
    session: AsyncSession, subscription_id: int, *, next_at: datetime | None
) -> None:
    """The picture is queued (next one at `next_at`), or the organizer is one no longer
    (None: the opt-in ends)."""
    subscription = await session.get(InsightSubscription, subscription_id)
    if subscription is None:
        return
    if next_at is None:
        await session.delete(subscription)
    else:
        subscription.next_send_at = next_at
    await session.flush()


# ------------------------------------------------------------- a member's own pictures


async def reflected_days(session: AsyncSession, member_id: int, *, since: date) -> list[date]:
    """The local days of the member's answered prompts since `since` (one per answer)."""
    rows = await session.scalars(_REFLECTED_DAYS, {"member_id": member_id, "since": since})
    return list(rows)


# Built once: every /reflections journal draws the calendar from it.
_REFLECTED_DAYS = select(ReflectionEntry.local_date).where(
    ReflectionEntry.member_id == bindparam("member_id"),
    ReflectionEntry.answered_at.is_not(None),
    ReflectionEntry.local_date >= bindparam("since"),
)
