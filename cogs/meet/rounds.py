"""Coffee-pairing rounds on the Clock: at a community's round time, match everyone opted in
and hand the DMs, the private threads and the "did you meet?" check-ins to the courier.

A round is one unit of work: the round row (unique per community and day), its matches,
every outbox row (keys per round and member, per match) and the next round's time are
written together. A restart before the commit finds the round still due and plans it again
(the same way: the matching is seeded by the round); after it, the round is done and the
courier delivers what it holds, each message once. Nobody is paired twice, nobody missed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord.http import Route

from coaching.courier import nonce_for
from coaching.meet import (
    CHECKIN_AFTER,
    REPEAT_WINDOW,
    MatchPlan,
    candidate_from_card,
    checkin_at,
    choose_starter,
    match,
    utc_offset_minutes,
)
from cogs.meet.views import card_embed, checkin_buttons
from kindred.loops import Job
from prompts import render, template_names
from storage import meet as store
from storage.courier import enqueue_many
from storage.reflections import quiet_days_for

if TYPE_CHECKING:
    from kindred.bot import KindredBot
    from storage.models import MeetSettings, OutboxMessage

log = logging.getLogger("kindred.meet")

ROUNDS_PER_TICK = 5
EXPIRIES_PER_TICK = 200
# discord.py asks the gateway for at most 100 members by id at a time.
MEMBER_QUERY = 100
THREAD_ARCHIVE_MINUTES = 10080  # a week without messages
STARTERS = "meet/starters/"


def starter_keys() -> list[str]:
    return sorted(n.removeprefix(STARTERS) for n in template_names() if n.startswith(STARTERS))


def starter(keys: Sequence[str], name: str, card: dict[str, str] | None, seed: int) -> str:
    """A question about the other person, from the pack, fitting what she wrote."""
    key = choose_starter(keys, card, seed)
    kind = key.split("__", 1)[0]
    return render(STARTERS + key, name=name, text=(card or {}).get(kind, ""))


def thread_problem(guild: discord.Guild | None, channel_id: int | None) -> str | None:
    """Why Kindred can't open private threads in the chosen channel (a template under
    prompts/meet/thread_problem_*), or None when it can (or no channel is chosen)."""
    if channel_id is None:
        return None
    channel = guild.get_channel(channel_id) if guild is not None else None
    if not isinstance(channel, discord.TextChannel):
        return "missing"
    permissions = channel.permissions_for(channel.guild.me)
    if not permissions.view_channel:
        return "view"
    if not permissions.create_private_threads:
        return "create"
    if not permissions.send_messages_in_threads:
        return "send"
    return None


@dataclass
class PlannedRound:
    """A round matched and worded, before it is written."""

    plan: MatchPlan
    dms: dict[int, dict[str, Any]]  # member id -> the round DM's payload
    checkins: dict[int, str]  # member id -> the "did you meet?" words
    threads: dict[tuple[int, ...], tuple[list[str], list[int]]]  # group -> names, user ids
    thread_channel: int | None
    checkin_at: datetime
    due_at: datetime


def match_seed(guild_id: int, day: date) -> int:
    return (guild_id ^ day.toordinal() * 0x9E3779B1) & 0xFFFFFFFFFFFF


class Rounds(Job):
    """Runs this process's communities' rounds when due, and closes introductions nobody
    finished within a week."""

    name = "meet"
    log = log
    retry_after = timedelta(seconds=30)
    batch = ROUNDS_PER_TICK

    def __init__(self, bot: KindredBot) -> None:
        super().__init__(bot)
        self.starter_keys = starter_keys()
        # Set by the cog: closes introductions whose week is up (see introductions.py).
        self.close_expired: Callable[[datetime], Awaitable[int]] | None = None

    async def next_due(self) -> datetime | None:
        async with self.bot.db.read() as session:
            return await store.next_due(session, self.bot.ownership)

    async def tick(self) -> int:
        now = self.bot.clock.now()
        if self.close_expired is not None:
            await self.close_expired(now)
        async with self.bot.db.read() as session:
            due = await store.due_rounds(
                session, now=now, owner=self.bot.ownership, limit=ROUNDS_PER_TICK
            )
            guild_ids = [settings.guild_id for settings in due]
        for guild_id in guild_ids:
            await self.run_round(guild_id, now)
        return len(guild_ids)

    # -- one round --------------------------------------------------------------------------

    async def run_round(self, guild_id: int, now: datetime) -> int:
        """Match and queue one community's due round; returns how many members it reached.

        Everything that takes time (the gateway's answer, the matching, the DMs' words)
        happens before the one unit of work that writes the round, so the write holds
        SQLite's lock for the inserts alone."""
        async with self.bot.db.session() as session:
            settings = await store.get_settings(session, guild_id)
            if settings is None or not _due(settings, now):
                return 0
            if await store.round_moved(session, settings, now=now) is not None:
                log.info("round of server %s moved off a quiet day", guild_id)
                return 0
            day = settings.next_round_on
            assert day is not None
            people = await store.eligible(session, guild_id, day)
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            # Not in the cache: Kindred left the server (or it is unavailable). DMs would
            # bounce for people who share no other server with it; this round is skipped.
            log.warning("server %s is not available: its coffee round is skipped", guild_id)
            async with self.bot.db.session() as session:
                settings = await store.get_settings(session, guild_id)
                if settings is not None and _due(settings, now):
                    settings.last_slot_on = settings.next_slot_on
                    await store.reschedule(session, settings, now=now)
            return 0
        names = await present_members(guild, [person.user_id for person in people])
        # Nobody is paired with someone who left the server.
        people = [person for person in people if person.user_id in names]
        async with self.bot.db.read() as session:
            planned = await self._plan(session, settings, guild, people, names, now)
        async with self.bot.db.session() as session:
            settings = await store.get_settings(session, guild_id)
            if (
                settings is None
                or not _due(settings, now)
                or settings.next_round_on != day
                or await store.round_on(session, guild_id, day) is not None
            ):
                return 0  # another tick (or an organizer) got there first
            await self._record(session, settings, planned, now)
        self.bot.courier.wake()
        log.info(
            "coffee round in server %s: %d members, %d groups, %d without a match",
            guild_id,
            len(people),
            len(planned.plan.groups),
            len(planned.plan.unmatched),
        )
        return len(people)

    async def _plan(
        self,
        session: Any,
        settings: MeetSettings,
        guild: discord.Guild,
        people: list[store.Eligible],
        names: dict[int, str],
        now: datetime,
    ) -> PlannedRound:
        """The matching and every member's words, from what the database holds now."""
        day = settings.next_round_on
        assert day is not None
        round_at = settings.next_round_at or now
        by_member = {person.member_id: person for person in people}
        cards = await store.cards_of(session, list(by_member))
        avoid = await store.avoided_pairs(
            session, settings.guild_id, {p.user_id: p.member_id for p in people}
        )
        recent = await store.recent_pairs(session, settings.guild_id, REPEAT_WINDOW)
        zone = await store.community_zone(session, settings.guild_id)
        quiet = (await quiet_days_for(session, [settings.guild_id]))[settings.guild_id]
        seed = match_seed(settings.guild_id, day)
        plan = match(
            [
                candidate_from_card(
                    p.member_id, utc_offset_minutes(p.timezone, round_at), cards.get(p.member_id)
                )
                for p in people
            ],
            group_size=settings.group_size,
            avoid=avoid,
            recent=recent,
            seed=seed,
        )
        thread_channel = (
            settings.thread_channel_id
            if thread_problem(guild, settings.thread_channel_id) is None
            else None
        )
        # A few days after the round reached them (later than planned if the bot was down).
        checkin = checkin_at(max(round_at, now), zone, quiet, after=CHECKIN_AFTER)

        def name(member_id: int) -> str:
            return names.get(by_member[member_id].user_id) or render("meet/someone")

        planned = PlannedRound(plan, {}, {}, {}, thread_channel, checkin, min(round_at, now))
        for group in plan.groups:
            for member_id in group:
                others = [m for m in group if m != member_id]
                planned.dms[member_id] = {
                    "content": render(
                        "meet/round_dm",
                        community=guild.name,
                        names=[name(m) for m in others],
                        user_ids=[by_member[m].user_id for m in others],
                        starters=[
                            starter(self.starter_keys, name(m), cards.get(m), seed ^ member_id)
                            for m in others
                        ],
                        thread_channel_id=thread_channel,
                        checkin_at=int(checkin.timestamp()),
                    )[:2000],
                    "embeds": [card_embed(name(m), cards.get(m)) for m in others],
                }
                planned.checkins[member_id] = render(
                    "meet/checkin_dm", names=[name(m) for m in others], introduced=False
                )
            planned.threads[group] = (
                [name(m) for m in group],
                [by_member[m].user_id for m in group],
            )
        for member_id in plan.unmatched:
            planned.dms[member_id] = {
                "content": render("meet/round_none", community=guild.name, alone=len(people) == 1)
            }
        return planned

    async def _record(
        self, session: Any, settings: MeetSettings, planned: PlannedRound, now: datetime
    ) -> None:
        """The round, its matches and its outbox rows, in the caller's unit of work."""
        day, slot = settings.next_round_on, settings.next_slot_on
        assert day is not None and slot is not None
        guild_id = settings.guild_id
        _round, recorded = await store.record_round(
            session, settings, day=day, slot=slot, groups=planned.plan.groups, now=now
        )
        # The round's DMs are due at its time: before anything the same members get later.
        rows = [
            outbox_row(
                guild_id,
                member_id,
                "meet_round",
                f"meet_round:{guild_id}:{day}:{member_id}",
                payload,
                now,
                due_at=planned.due_at,
            )
            for member_id, payload in planned.dms.items()
        ]
        for group, made in zip(planned.plan.groups, recorded, strict=True):
            for member_id in group:
                row_id = made.members[member_id]
                payload = {
                    "content": planned.checkins[member_id],
                    "components": checkin_buttons(row_id),
                }
                rows.append(
                    outbox_row(
                        guild_id,
                        member_id,
                        "meet_checkin",
                        f"meet_checkin:{row_id}:1",
                        payload,
                        now,
                        due_at=planned.checkin_at,
                    )
                )
            if planned.thread_channel is not None:
                names, user_ids = planned.threads[group]
                rows.append(
                    thread_row(
                        guild_id,
                        planned.thread_channel,
                        made.match_id,
                        names,
                        user_ids,
                        kind="round",
                        now=now,
                        due_at=planned.due_at,
                    )
                )
        await enqueue_many(session, rows)

    # -- private threads ----------------------------------------------------------------------

    async def deliver_thread(
        self, row: OutboxMessage, pace: Callable[[], Awaitable[datetime]]
    ) -> int | None:
        """The courier's action for a `meet_thread` row: open the private thread (once: its
        id is stored before anything else), add the members, post the hello (with the row's
        nonce, so a resend is the same message)."""
        payload = row.payload
        match_id = int(payload["match_id"])  # type: ignore[call-overload]
        http = self.bot.http
        async with self.bot.db.read() as session:
            thread_id = await store.thread_of(session, match_id)
        if thread_id is None:
            await pace()
            thread = await http.start_thread_without_message(
                row.channel_id,  # type: ignore[arg-type]
                name=str(payload["name"])[:100],
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                type=discord.ChannelType.private_thread.value,
                invitable=False,
            )
            thread_id = int(thread["id"])
            async with self.bot.db.session() as session:
                await store.set_thread(session, match_id, thread_id)
        for user_id in payload["users"]:  # type: ignore[union-attr]
            await pace()
            try:
                await http.add_user_to_thread(thread_id, user_id)
            except discord.NotFound:
                log.info("member %s left before joining thread %s", user_id, thread_id)
        await pace()
        message = await http.request(
            Route("POST", "/channels/{channel_id}/messages", channel_id=thread_id),
            json={
                "content": payload["content"],
                "nonce": nonce_for(row.dedupe_key),
                "enforce_nonce": True,
                "allowed_mentions": {"parse": []},
            },
        )
        return int(message["id"])


def thread_row(
    guild_id: int,
    channel_id: int,
    match_id: int,
    names: list[str],
    user_ids: list[int],
    *,
    kind: str,
    now: datetime,
    due_at: datetime | None = None,
) -> dict[str, Any]:
    """The outbox row of a match's private thread in `channel_id` (see `deliver_thread`)."""
    payload = {
        "action": "meet_thread",
        "match_id": match_id,
        "name": render("meet/thread_name", names=names)[:100],
        "users": user_ids,
        "content": render("meet/thread_hello", user_ids=user_ids, kind=kind)[:2000],
    }
    return outbox_row(
        guild_id,
        None,
        "meet_thread",
        f"meet_thread:{match_id}",
        payload,
        now,
        due_at=due_at,
        channel_id=channel_id,
    )


def outbox_row(
    guild_id: int,
    member_id: int | None,
    purpose: str,
    key: str,
    payload: dict[str, Any],
    now: datetime,
    *,
    due_at: datetime | None = None,
    channel_id: int | None = None,
) -> dict[str, Any]:
    """One row for `storage.courier.enqueue_many`: a DM to a member, or a channel's row."""
    return {
        "guild_id": guild_id,
        "member_id": member_id,
        "channel_id": channel_id,
        "purpose": purpose,
        "dedupe_key": key,
        "payload_json": json.dumps(payload),
        "due_at": due_at or now,
        "created_at": now,
    }


def _due(settings: MeetSettings, now: datetime) -> bool:
    return bool(
        settings.enabled and settings.next_round_at is not None and settings.next_round_at <= now
    )


async def present_members(guild: discord.Guild, user_ids: list[int]) -> dict[int, str]:
    """Which of these people are still in the server, with their names: asked of the gateway
    by id, a hundred at a time (no privileged intent needed for that). If Discord does not
    answer, everyone is taken as present, named by mention."""
    found: dict[int, str] = {}
    for start in range(0, len(user_ids), MEMBER_QUERY):
        chunk = user_ids[start : start + MEMBER_QUERY]
        try:
            members = await guild.query_members(user_ids=chunk, limit=MEMBER_QUERY, cache=False)
        except (TimeoutError, discord.ClientException, RuntimeError):
            log.warning("could not check %d members of server %s", len(chunk), guild.id)
            found.update({user_id: f"<@{user_id}>" for user_id in chunk})
            continue
        found.update({member.id: member.display_name for member in members})
    return found
