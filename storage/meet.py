"""Queries and writes for members meeting members: cards, opt-ins, "not with", rounds,
matches and their check-ins, introductions, and the organizer's anonymous counts."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, distinct, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.meet import CARD_FIELDS, Counts, RoundTime, pair_key, pairs_of, plan_round
from coaching.shards import EVERY_SERVER, ShardOwnership
from storage.models import (
    Community,
    MeetIntroAnswer,
    MeetIntroduction,
    MeetMatch,
    MeetMatchMember,
    MeetNotWith,
    MeetParticipant,
    MeetProfile,
    MeetRound,
    MeetSettings,
    Member,
    ReflectionSubscription,
)
from storage.reflections import quiet_days_for
from storage.shards import only_owned

# ========================================================================= settings


async def get_settings(session: AsyncSession, guild_id: int) -> MeetSettings | None:
    return await session.get(MeetSettings, guild_id)


async def ensure_settings(session: AsyncSession, guild_id: int, *, now: datetime) -> MeetSettings:
    """The community's pairing settings (off, every two weeks on Mondays, pairs, until an
    organizer says otherwise). The community row must exist."""
    settings = await session.get(MeetSettings, guild_id)
    if settings is None:
        settings = MeetSettings(
            guild_id=guild_id,
            enabled=False,
            rhythm="biweekly",
            weekday=0,
            hour=10,
            group_size=2,
            created_at=now,
            updated_at=now,
        )
        session.add(settings)
        await session.flush()
    return settings


SETTABLE = frozenset({"enabled", "rhythm", "weekday", "hour", "group_size", "thread_channel_id"})


async def update_settings(
    session: AsyncSession, settings: MeetSettings, *, now: datetime, **changes: Any
) -> None:
    unknown = set(changes) - SETTABLE
    if unknown:
        raise ValueError(f"not settable: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(settings, name, value)
    settings.updated_at = now
    await reschedule(session, settings, now=now)


async def community_zone(session: AsyncSession, guild_id: int) -> str:
    community = await session.get(Community, guild_id)
    return community.timezone if community is not None else "UTC"


async def reschedule(session: AsyncSession, settings: MeetSettings, *, now: datetime) -> None:
    """The next round from now: the rhythm after the last one, off quiet days. None when
    pairing is off."""
    if not settings.enabled:
        settings.next_round_at = settings.next_round_on = settings.next_slot_on = None
        await session.flush()
        return
    planned = await _plan(session, settings, after=now)
    settings.next_round_at = planned.at if planned else None
    settings.next_round_on = planned.day if planned else None
    settings.next_slot_on = planned.slot if planned else None
    await session.flush()


async def _plan(
    session: AsyncSession,
    settings: MeetSettings,
    *,
    after: datetime,
    quiet: Collection[date] | None = None,
    slot: date | None = None,
) -> RoundTime | None:
    if quiet is None:
        quiet = (await quiet_days_for(session, [settings.guild_id]))[settings.guild_id]
    return plan_round(
        rhythm=settings.rhythm,
        weekday=settings.weekday,
        hour=settings.hour,
        timezone=await community_zone(session, settings.guild_id),
        after=after,
        last_slot=settings.last_slot_on,
        quiet_days=quiet,
        slot=slot,
    )


async def due_rounds(
    session: AsyncSession, *, now: datetime, owner: ShardOwnership = EVERY_SERVER, limit: int
) -> list[MeetSettings]:
    rows = await session.scalars(
        only_owned(
            select(MeetSettings)
            .where(
                MeetSettings.enabled.is_(True),
                MeetSettings.next_round_at.is_not(None),
                MeetSettings.next_round_at <= now,
            )
            .order_by(MeetSettings.next_round_at)
            .limit(limit),
            MeetSettings.guild_id,
            owner,
        )
    )
    return list(rows)


async def next_due(session: AsyncSession, owner: ShardOwnership = EVERY_SERVER) -> datetime | None:
    """When the next round or the next introduction to close out is due."""
    round_at = await session.scalar(
        only_owned(
            select(func.min(MeetSettings.next_round_at)).where(MeetSettings.enabled.is_(True)),
            MeetSettings.guild_id,
            owner,
        )
    )
    expiry = await session.scalar(
        only_owned(
            select(func.min(MeetIntroduction.expires_at)).where(MeetIntroduction.state == "open"),
            MeetIntroduction.guild_id,
            owner,
        )
    )
    found = [value for value in (round_at, expiry) if value is not None]
    return min(found) if found else None


async def round_moved(
    session: AsyncSession, settings: MeetSettings, *, now: datetime
) -> RoundTime | None:
    """A due round whose day became quiet since it was planned: moved to the first day
    after its slot that is not (stored), and returned. None when it should run now."""
    quiet = (await quiet_days_for(session, [settings.guild_id]))[settings.guild_id]
    if settings.next_round_on not in quiet:
        return None
    planned = await _plan(session, settings, after=now, quiet=quiet, slot=settings.next_slot_on)
    settings.next_round_at = planned.at if planned else None
    settings.next_round_on = planned.day if planned else None
    settings.next_slot_on = planned.slot if planned else None
    await session.flush()
    return planned


# ========================================================================= cards


def card_of(profile: MeetProfile | None) -> dict[str, str] | None:
    if profile is None:
        return None
    return {name: getattr(profile, name) or "" for name in CARD_FIELDS}


async def get_profile(session: AsyncSession, member_id: int) -> MeetProfile | None:
    return await session.scalar(select(MeetProfile).where(MeetProfile.member_id == member_id))


async def save_profile(
    session: AsyncSession, member: Member, card: dict[str, str], *, now: datetime
) -> MeetProfile:
    profile = await get_profile(session, member.id)
    if profile is None:
        profile = MeetProfile(member_id=member.id, created_at=now)
        session.add(profile)
    for name in CARD_FIELDS:
        setattr(profile, name, card.get(name, ""))
    profile.updated_at = now
    await session.flush()
    return profile


async def cards_of(session: AsyncSession, member_ids: Collection[int]) -> dict[int, dict[str, str]]:
    if not member_ids:
        return {}
    rows = await session.scalars(
        select(MeetProfile).where(MeetProfile.member_id.in_(set(member_ids)))
    )
    return {profile.member_id: card_of(profile) or {} for profile in rows}


# ========================================================================= opting in


async def get_participant(session: AsyncSession, member_id: int) -> MeetParticipant | None:
    return await session.scalar(
        select(MeetParticipant).where(MeetParticipant.member_id == member_id)
    )


async def join(
    session: AsyncSession, member: Member, *, timezone: str | None, now: datetime
) -> tuple[MeetParticipant, bool]:
    """Opt in, or come back from a pause, a skip or leaving; (participant, newly joined)."""
    participant = await get_participant(session, member.id)
    new = participant is None or not participant.active
    if participant is None:
        participant = MeetParticipant(member_id=member.id, guild_id=member.guild_id, joined_at=now)
        session.add(participant)
    participant.active = True
    participant.paused_until = None
    participant.skip_round_on = None
    if timezone is not None:
        participant.timezone = timezone
    participant.updated_at = now
    await session.flush()
    return participant, new


async def skip_round(
    session: AsyncSession, participant: MeetParticipant, day: date, *, now: datetime
) -> None:
    participant.skip_round_on = day
    participant.updated_at = now


async def pause(
    session: AsyncSession, participant: MeetParticipant, until: date, *, now: datetime
) -> None:
    participant.paused_until = until
    participant.updated_at = now


async def leave(session: AsyncSession, participant: MeetParticipant, *, now: datetime) -> None:
    participant.active = False
    participant.paused_until = None
    participant.skip_round_on = None
    participant.updated_at = now


@dataclass(frozen=True, slots=True)
class Eligible:
    """A member who may be matched in a round."""

    member_id: int
    user_id: int
    timezone: str


async def eligible(session: AsyncSession, guild_id: int, round_on: date) -> list[Eligible]:
    """Members opted in to this community's round on `round_on`: not paused, not skipping
    it, and reachable by DM as far as Kindred knows. Her zone: the one she gave, else her
    reflection zone, else the community's."""
    community_tz = await community_zone(session, guild_id)
    rows = await session.execute(
        select(
            MeetParticipant.member_id,
            Member.user_id,
            MeetParticipant.timezone,
            ReflectionSubscription.timezone,
            ReflectionSubscription.active,
            Member.timezone,
        )
        .join(Member, Member.id == MeetParticipant.member_id)
        .outerjoin(
            ReflectionSubscription, ReflectionSubscription.member_id == MeetParticipant.member_id
        )
        .where(
            MeetParticipant.guild_id == guild_id,
            MeetParticipant.active.is_(True),
            Member.reachable.is_(True),
            or_(MeetParticipant.paused_until.is_(None), MeetParticipant.paused_until <= round_on),
            or_(
                MeetParticipant.skip_round_on.is_(None),
                MeetParticipant.skip_round_on != round_on,
            ),
        )
        .order_by(MeetParticipant.member_id)
    )
    return [
        Eligible(
            member_id,
            user_id,
            own or (reflection if reflecting else None) or member_tz or community_tz,
        )
        for member_id, user_id, own, reflection, reflecting, member_tz in rows
    ]


async def opted_in_count(session: AsyncSession, guild_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(MeetParticipant)
            .where(MeetParticipant.guild_id == guild_id, MeetParticipant.active.is_(True))
        )
        or 0
    )


# ========================================================================= "not with"


async def not_with_users(session: AsyncSession, member_id: int) -> list[int]:
    rows = await session.scalars(
        select(MeetNotWith.other_user_id)
        .where(MeetNotWith.member_id == member_id)
        .order_by(MeetNotWith.id)
    )
    return list(rows)


async def add_not_with(
    session: AsyncSession, member: Member, other_user_id: int, *, now: datetime
) -> bool:
    """False when she is on the list already."""
    exists = await session.scalar(
        select(MeetNotWith.id).where(
            MeetNotWith.member_id == member.id, MeetNotWith.other_user_id == other_user_id
        )
    )
    if exists is not None:
        return False
    session.add(
        MeetNotWith(
            member_id=member.id,
            guild_id=member.guild_id,
            other_user_id=other_user_id,
            created_at=now,
        )
    )
    await session.flush()
    return True


async def remove_not_with(session: AsyncSession, member_id: int, other_user_id: int) -> bool:
    result = await session.execute(
        delete(MeetNotWith).where(
            MeetNotWith.member_id == member_id, MeetNotWith.other_user_id == other_user_id
        )
    )
    return bool(result.rowcount)


async def avoided_pairs(
    session: AsyncSession, guild_id: int, member_of_user: dict[int, int]
) -> set[tuple[int, int]]:
    """The "not with" choices among these members (user id -> member id), as member pairs,
    whichever of the two made the choice."""
    rows = await session.execute(
        select(MeetNotWith.member_id, MeetNotWith.other_user_id).where(
            MeetNotWith.guild_id == guild_id
        )
    )
    pairs = set()
    for member_id, other_user in rows:
        other = member_of_user.get(other_user)
        if other is not None and other != member_id:
            pairs.add(pair_key(member_id, other))
    return pairs


async def avoids(session: AsyncSession, guild_id: int, user_a: int, user_b: int) -> bool:
    """Whether either of two people chose "not with" the other."""
    found = await session.scalar(
        select(MeetNotWith.id)
        .join(Member, Member.id == MeetNotWith.member_id)
        .where(
            MeetNotWith.guild_id == guild_id,
            or_(
                and_(Member.user_id == user_a, MeetNotWith.other_user_id == user_b),
                and_(Member.user_id == user_b, MeetNotWith.other_user_id == user_a),
            ),
        )
        .limit(1)
    )
    return found is not None


# ========================================================================= rounds


async def round_on(session: AsyncSession, guild_id: int, day: date) -> MeetRound | None:
    return await session.scalar(
        select(MeetRound).where(MeetRound.guild_id == guild_id, MeetRound.round_on == day)
    )


async def recent_pairs(session: AsyncSession, guild_id: int, rounds: int) -> set[tuple[int, int]]:
    """Everyone matched together in the community's last `rounds` rounds, as member pairs."""
    last = (
        select(MeetRound.id)
        .where(MeetRound.guild_id == guild_id)
        .order_by(MeetRound.round_on.desc())
        .limit(rounds)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(MeetMatchMember.match_id, MeetMatchMember.member_id)
        .join(MeetMatch, MeetMatch.id == MeetMatchMember.match_id)
        .where(MeetMatch.round_id.in_(last))
        .order_by(MeetMatchMember.match_id)
    )
    groups: dict[int, list[int]] = {}
    for match_id, member_id in rows:
        groups.setdefault(match_id, []).append(member_id)
    return {pair for group in groups.values() for pair in pairs_of(group)}


@dataclass
class RecordedMatch:
    match_id: int
    members: dict[int, int]  # member id -> its meet_match_members row id


async def record_round(
    session: AsyncSession,
    settings: MeetSettings,
    *,
    day: date,
    slot: date,
    groups: Sequence[Sequence[int]],
    now: datetime,
) -> tuple[MeetRound, list[RecordedMatch]]:
    """The round and its matches; the next round is planned from this one's slot."""
    meet_round = MeetRound(
        guild_id=settings.guild_id,
        round_on=day,
        slot_on=slot,
        group_size=settings.group_size,
        ran_at=now,
    )
    session.add(meet_round)
    await session.flush()
    recorded = await add_matches(
        session, settings.guild_id, groups, now=now, round_id=meet_round.id
    )
    settings.last_slot_on = slot
    await reschedule(session, settings, now=max(now, settings.next_round_at or now))
    return meet_round, recorded


async def add_matches(
    session: AsyncSession,
    guild_id: int,
    groups: Iterable[Sequence[int]],
    *,
    now: datetime,
    round_id: int | None = None,
    introduction_id: int | None = None,
) -> list[RecordedMatch]:
    """Matches and their members, in bulk: a round of 2,000 writes 3,000 rows, as a few
    multi-row statements rather than a statement per row. The matches of one call share a
    round (or an introduction) no other call writes, and one statement numbers its rows in
    order, so reading their ids back in order pairs them with `groups`."""
    groups = list(groups)
    if not groups:
        return []
    owner = (
        MeetMatch.round_id == round_id
        if round_id is not None
        else MeetMatch.introduction_id == introduction_id
    )
    await session.execute(
        insert(MeetMatch),
        [
            {
                "guild_id": guild_id,
                "round_id": round_id,
                "introduction_id": introduction_id,
                "created_at": now,
            }
            for _ in groups
        ],
    )
    match_ids = list(
        await session.scalars(select(MeetMatch.id).where(owner).order_by(MeetMatch.id))
    )[-len(groups) :]
    await session.execute(
        insert(MeetMatchMember),
        [
            {"match_id": match_id, "member_id": member}
            for match_id, group in zip(match_ids, groups, strict=True)
            for member in group
        ],
    )
    recorded = {match_id: RecordedMatch(match_id, {}) for match_id in match_ids}
    rows = await session.execute(
        select(MeetMatchMember.id, MeetMatchMember.match_id, MeetMatchMember.member_id).where(
            MeetMatchMember.match_id.in_(match_ids)
        )
    )
    for row_id, match_id, member in rows:
        recorded[match_id].members[member] = row_id
    return [recorded[match_id] for match_id in match_ids]


async def set_thread(session: AsyncSession, match_id: int, thread_id: int) -> None:
    match = await session.get(MeetMatch, match_id)
    if match is not None:
        match.thread_id = thread_id


async def thread_of(session: AsyncSession, match_id: int) -> int | None:
    return await session.scalar(select(MeetMatch.thread_id).where(MeetMatch.id == match_id))


@dataclass
class CheckIn:
    """One member's place in a match, with what a check-in answer needs."""

    row: MeetMatchMember
    match: MeetMatch
    member: Member
    others: list[Member]
    introduction: MeetIntroduction | None
    introducer: Member | None
    round_on: date | None


async def check_in(session: AsyncSession, row_id: int) -> CheckIn | None:
    row = await session.get(MeetMatchMember, row_id)
    if row is None:
        return None
    match = await session.get(MeetMatch, row.match_id)
    member = await session.get(Member, row.member_id)
    if match is None or member is None:
        return None
    others = list(
        await session.scalars(
            select(Member)
            .join(MeetMatchMember, MeetMatchMember.member_id == Member.id)
            .where(MeetMatchMember.match_id == match.id, Member.id != member.id)
            .order_by(Member.id)
        )
    )
    introduction = (
        await session.get(MeetIntroduction, match.introduction_id)
        if match.introduction_id
        else None
    )
    introducer = (
        await session.get(Member, introduction.introducer_member_id)
        if introduction is not None and introduction.introducer_member_id
        else None
    )
    day = (
        await session.scalar(select(MeetRound.round_on).where(MeetRound.id == match.round_id))
        if match.round_id
        else None
    )
    return CheckIn(row, match, member, others, introduction, introducer, day)


async def answer_check_in(
    session: AsyncSession, row: MeetMatchMember, answer: str, *, now: datetime
) -> None:
    row.answer = answer
    row.answered_at = now


# ========================================================================= introductions


def intro_pair_key(user_a: int, user_b: int) -> str:
    low, high = sorted((user_a, user_b))
    return f"{low}:{high}"


async def introducer_recent(
    session: AsyncSession, introducer_member_id: int, *, since: datetime
) -> list[datetime]:
    rows = await session.scalars(
        select(MeetIntroduction.created_at).where(
            MeetIntroduction.introducer_member_id == introducer_member_id,
            MeetIntroduction.created_at >= since,
        )
    )
    return list(rows)


async def pair_last_introduced(
    session: AsyncSession, guild_id: int, user_a: int, user_b: int
) -> datetime | None:
    return await session.scalar(
        select(func.max(MeetIntroduction.created_at)).where(
            MeetIntroduction.guild_id == guild_id,
            MeetIntroduction.pair_key == intro_pair_key(user_a, user_b),
        )
    )


async def add_introduction(
    session: AsyncSession,
    *,
    guild_id: int,
    introducer: Member,
    a: Member,
    b: Member,
    why: str,
    now: datetime,
    expires_at: datetime,
) -> MeetIntroduction:
    introduction = MeetIntroduction(
        guild_id=guild_id,
        introducer_member_id=introducer.id,
        member_a_id=a.id,
        member_b_id=b.id,
        pair_key=intro_pair_key(a.user_id, b.user_id),
        why=why,
        state="open",
        created_at=now,
        expires_at=expires_at,
    )
    session.add(introduction)
    await session.flush()
    return introduction


@dataclass
class Introduction:
    row: MeetIntroduction
    introducer: Member | None
    a: Member
    b: Member

    def side_of(self, user_id: int) -> Member | None:
        return next((m for m in (self.a, self.b) if m.user_id == user_id), None)

    def other_than(self, member: Member) -> Member:
        return self.b if member.id == self.a.id else self.a


async def get_introduction(session: AsyncSession, introduction_id: int) -> Introduction | None:
    row = await session.get(MeetIntroduction, introduction_id)
    if row is None:
        return None
    a = await session.get(Member, row.member_a_id)
    b = await session.get(Member, row.member_b_id)
    if a is None or b is None:
        return None
    introducer = (
        await session.get(Member, row.introducer_member_id) if row.introducer_member_id else None
    )
    return Introduction(row, introducer, a, b)


async def answer_introduction(
    session: AsyncSession,
    introduction: MeetIntroduction,
    member: Member,
    answer: str,
    *,
    now: datetime,
) -> dict[int, str]:
    """Her answer (she may change her mind while it is open); returns every answer so far,
    by member id."""
    row = await session.scalar(
        select(MeetIntroAnswer).where(
            MeetIntroAnswer.introduction_id == introduction.id,
            MeetIntroAnswer.member_id == member.id,
        )
    )
    if row is None:
        row = MeetIntroAnswer(introduction_id=introduction.id, member_id=member.id)
        session.add(row)
    row.answer = answer
    row.answered_at = now
    await session.flush()
    return await intro_answers(session, introduction.id)


async def intro_answers(session: AsyncSession, introduction_id: int) -> dict[int, str]:
    rows = await session.execute(
        select(MeetIntroAnswer.member_id, MeetIntroAnswer.answer).where(
            MeetIntroAnswer.introduction_id == introduction_id
        )
    )
    return {member_id: answer for member_id, answer in rows}


async def decide_introduction(
    session: AsyncSession, introduction: MeetIntroduction, state: str, *, now: datetime
) -> None:
    introduction.state = state
    introduction.decided_at = now


async def expired_introductions(
    session: AsyncSession, *, now: datetime, owner: ShardOwnership = EVERY_SERVER, limit: int
) -> list[int]:
    rows = await session.scalars(
        only_owned(
            select(MeetIntroduction.id)
            .where(MeetIntroduction.state == "open", MeetIntroduction.expires_at <= now)
            .order_by(MeetIntroduction.expires_at)
            .limit(limit),
            MeetIntroduction.guild_id,
            owner,
        )
    )
    return list(rows)


async def introduction_between(
    session: AsyncSession, guild_id: int, giver_user_id: int, receiver_user_id: int
) -> int | None:
    """The latest accepted introduction the two took part in together: one introduced the
    other to someone, or they were introduced to each other."""
    Giver = Member.__table__.alias("giver")
    Receiver = Member.__table__.alias("receiver")
    involved = (MeetIntroduction.member_a_id, MeetIntroduction.member_b_id)
    sides = (*involved, MeetIntroduction.introducer_member_id)
    found = await session.scalar(
        select(MeetIntroduction.id)
        .join(Giver, and_(Giver.c.guild_id == guild_id, Giver.c.user_id == giver_user_id))
        .join(
            Receiver, and_(Receiver.c.guild_id == guild_id, Receiver.c.user_id == receiver_user_id)
        )
        .where(
            MeetIntroduction.guild_id == guild_id,
            MeetIntroduction.state == "accepted",
            or_(*(column == Giver.c.id for column in involved)),
            or_(*(column == Receiver.c.id for column in sides)),
        )
        .order_by(MeetIntroduction.created_at.desc())
        .limit(1)
    )
    return found


# ========================================================================= counts


async def counts(session: AsyncSession, guild_id: int) -> Counts:
    """The community's figures, before the small-numbers rule (coaching.meet)."""
    in_rounds = MeetMatch.round_id.is_not(None)
    by_guild = MeetMatch.guild_id == guild_id

    async def scalar(statement: Any) -> int:
        return int(await session.scalar(statement) or 0)

    answered_matches = (
        select(MeetMatchMember.match_id)
        .where(MeetMatchMember.answer.is_not(None))
        .distinct()
        .scalar_subquery()
    )
    met_matches = (
        select(MeetMatchMember.match_id).where(MeetMatchMember.answer == "met").scalar_subquery()
    )
    intro_members = (
        select(MeetIntroduction.member_a_id.label("m"))
        .where(MeetIntroduction.guild_id == guild_id)
        .union(select(MeetIntroduction.member_b_id).where(MeetIntroduction.guild_id == guild_id))
    )
    return Counts(
        opted_in=await opted_in_count(session, guild_id),
        rounds=await scalar(
            select(func.count()).select_from(MeetRound).where(MeetRound.guild_id == guild_id)
        ),
        pairs_made=await scalar(
            select(func.count()).select_from(MeetMatch).where(by_guild, in_rounds)
        ),
        members_paired=await scalar(
            select(func.count(distinct(MeetMatchMember.member_id)))
            .join(MeetMatch, MeetMatch.id == MeetMatchMember.match_id)
            .where(by_guild, in_rounds)
        ),
        pairs_answered=await scalar(
            select(func.count())
            .select_from(MeetMatch)
            .where(by_guild, in_rounds, MeetMatch.id.in_(answered_matches))
        ),
        pairs_met=await scalar(
            select(func.count())
            .select_from(MeetMatch)
            .where(by_guild, in_rounds, MeetMatch.id.in_(met_matches))
        ),
        members_answering=await scalar(
            select(func.count(distinct(MeetMatchMember.member_id)))
            .join(MeetMatch, MeetMatch.id == MeetMatchMember.match_id)
            .where(by_guild, in_rounds, MeetMatchMember.answer.is_not(None))
        ),
        intros_made=await scalar(
            select(func.count())
            .select_from(MeetIntroduction)
            .where(MeetIntroduction.guild_id == guild_id)
        ),
        intros_accepted=await scalar(
            select(func.count())
            .select_from(MeetIntroduction)
            .where(MeetIntroduction.guild_id == guild_id, MeetIntroduction.state == "accepted")
        ),
        members_introduced=await scalar(select(func.count()).select_from(intro_members.subquery())),
    )
