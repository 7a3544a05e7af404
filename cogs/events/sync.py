"""Discord's scheduled events into Kindred: the gateway's news as it comes, and the whole
picture from REST when the bot (re)connects, so what happened while it was away is not lost.

discord.py drops GUILD_SCHEDULED_EVENT_USER_ADD/REMOVE for users it has not cached, and
Kindred caches no members (no privileged intent): the cog reads those two events from the raw
gateway stream (`interest_frame`) and passes their ids here.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from coaching.events import DISCORD_STATUS, EventInfo, Status
from kindred.bot import RAW_FRAMES_WANTED
from storage import events as store
from storage.communities import ensure_community
from storage.members import ensure_member, get_member

if TYPE_CHECKING:
    from kindred.bot import KindredBot

log = logging.getLogger("kindred.events")

USERS_PAGE = 100  # Discord's largest page of an event's interested users
INTEREST_EVENTS = {
    "GUILD_SCHEDULED_EVENT_USER_ADD": True,
    "GUILD_SCHEDULED_EVENT_USER_REMOVE": False,
}
UNKNOWN_EVENT = 10070


def info_from_event(event: discord.ScheduledEvent, status: Status | None = None) -> EventInfo:
    return EventInfo(
        discord_id=event.id,
        guild_id=event.guild_id,
        name=event.name,
        start=event.start_time,
        end=event.end_time,
        status=status or DISCORD_STATUS.get(event.status.value, Status.SCHEDULED),
        location=event.location,
        creator_id=event.creator_id,
    )


def info_from_payload(data: dict[str, Any], status: Status | None = None) -> EventInfo:
    """An event as REST returns it."""
    end = data.get("scheduled_end_time")
    metadata = data.get("entity_metadata") or {}
    creator = data.get("creator_id")
    return EventInfo(
        discord_id=int(data["id"]),
        guild_id=int(data["guild_id"]),
        name=str(data["name"]),
        start=_instant(data["scheduled_start_time"]),
        end=_instant(end) if end else None,
        status=status or DISCORD_STATUS.get(int(data["status"]), Status.SCHEDULED),
        location=metadata.get("location"),
        creator_id=int(creator) if creator else None,
    )


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def interest_frame(message: str | bytes) -> tuple[int, int, int, bool] | None:
    """(guild id, event id, user id, interested) from a raw gateway message, if it is a user
    add or remove; None for anything else (cheaply: most messages are not)."""
    text = message.decode() if isinstance(message, bytes) else message
    if RAW_FRAMES_WANTED not in text:
        return None
    try:
        frame = json.loads(text)
        interested = INTEREST_EVENTS[frame.get("t")]
        data = frame["d"]
        return (
            int(data["guild_id"]),
            int(data["guild_scheduled_event_id"]),
            int(data["user_id"]),
            interested,
        )
    except (ValueError, KeyError, TypeError):
        return None


class EventSync:
    """Writes what Discord says into storage; `changed` is called after each write (it wakes
    the events job). One change at a time, so a press on Interested for an event being created
    finds the event."""

    def __init__(self, bot: KindredBot, changed: Callable[[], None]) -> None:
        self.bot = bot
        self.changed = changed
        self._turn = asyncio.Lock()
        # Set when the bot (re)connects: the events job reconciles before its next tick.
        self.reconcile_wanted = False

    async def _community(self, session: Any, guild_id: int) -> None:
        guild = self.bot.get_guild(guild_id)
        await ensure_community(
            session,
            guild_id,
            now=self.bot.clock.now(),
            name=guild.name if guild else "",
            timezone=self.bot.settings.default_timezone,
            prompt_time=self.bot.settings.default_prompt_time,
        )

    async def event_changed(self, info: EventInfo) -> None:
        async with self._turn:
            async with self.bot.db.session() as session:
                await self._community(session, info.guild_id)
                event, followed = await store.follow_event(session, info, now=self.bot.clock.now())
            log.info("event %s (%s): %s", event.id, info.name, followed.status.value)
        self.changed()

    async def interest_changed(
        self, guild_id: int, discord_event_id: int, user_id: int, interested: bool
    ) -> None:
        name = await self._display_name(guild_id, user_id) if interested else None
        async with self._turn:
            now = self.bot.clock.now()
            async with self.bot.db.session() as session:
                event = await store.event_by_discord_id(session, discord_event_id)
            if event is None:
                event = await self._fetch_and_follow(guild_id, discord_event_id)
                if event is None:
                    return
            async with self.bot.db.session() as session:
                await self._community(session, guild_id)
                member = await get_member(session, guild_id, user_id)
                if member is None and not interested:
                    return  # never seen, and now not interested: nothing to keep
                if member is None:
                    member = await ensure_member(session, guild_id, user_id, now=now)
                await store.set_interest(
                    session, event, member, interested=interested, display_name=name, now=now
                )
        self.changed()

    async def _fetch_and_follow(self, guild_id: int, discord_event_id: int) -> Any:
        """An event Kindred has not seen yet (created while it was away): from REST."""
        try:
            data = await self.bot.http.get_scheduled_event(guild_id, discord_event_id, False)
        except discord.HTTPException:
            log.warning("could not fetch scheduled event %s", discord_event_id)
            return None
        async with self.bot.db.session() as session:
            await self._community(session, guild_id)
            event, _ = await store.follow_event(
                session, info_from_payload(data), now=self.bot.clock.now()
            )
        return event

    async def _display_name(self, guild_id: int, user_id: int) -> str | None:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return None
        member = guild.get_member(user_id)
        if member is None:
            try:
                member = await guild.fetch_member(user_id)
            except discord.HTTPException:
                return None
        return member.display_name

    # -- the whole picture, at (re)connect -------------------------------------------------------

    async def reconcile_all(self) -> None:
        """Every server's events and their Interested lists, from REST: what changed while the
        bot was away. A server that fails is logged and left for the next reconnect.

        Only servers with an event to look at: one Discord lists (GUILD_CREATE carries a
        server's events, which discord.py keeps) or one Kindred has open. Any other server
        has nothing to catch up on, and asking REST about each of 10,000 servers would hold
        Discord's global rate limit (50 requests a second) for minutes at every start, ahead
        of the courier's messages."""
        self.reconcile_wanted = False
        async with self.bot.db.read() as session:
            open_here = await store.guilds_with_open_events(session)
        for guild in list(self.bot.guilds):
            if not guild.scheduled_events and guild.id not in open_here:
                continue
            try:
                async with self._turn:
                    await self.reconcile(guild.id)
            except (discord.HTTPException, OSError, TimeoutError):
                log.warning("could not reconcile the events of server %s", guild.id, exc_info=True)

    async def reconcile(self, guild_id: int) -> None:
        listed = await self.bot.http.get_scheduled_events(guild_id, False)
        now = self.bot.clock.now()
        seen = set()
        for data in listed:
            info = info_from_payload(data)
            seen.add(info.discord_id)
            async with self.bot.db.session() as session:
                await self._community(session, guild_id)
                event, _ = await store.follow_event(session, info, now=now)
            await self._reconcile_interest(guild_id, event)
        async with self.bot.db.read() as session:
            missing = [
                e
                for e in await store.open_events(session, guild_id)
                if e.discord_event_id not in seen
            ]
        for event in missing:
            await self._settle_missing(guild_id, event)

    async def _reconcile_interest(self, guild_id: int, event: Any) -> None:
        interested: dict[int, str | None] = {}
        after = 0
        while True:
            page = await self.bot.http.get_scheduled_event_users(
                guild_id, event.discord_event_id, limit=USERS_PAGE, with_member=True, after=after
            )
            for entry in page:
                user = entry.get("user") or {}
                member = entry.get("member") or {}
                user_id = int(entry.get("user_id") or user["id"])
                interested[user_id] = (
                    member.get("nick") or user.get("global_name") or user.get("username")
                )
                after = max(after, user_id)
            if len(page) < USERS_PAGE:
                break
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            members = {
                user_id: await ensure_member(session, guild_id, user_id, now=now)
                for user_id in interested
            }
            changed = await store.set_interested_list(session, event, interested, members, now=now)
        if changed:
            log.info("event %s: %d interest change(s) while away", event.id, changed)

    async def _settle_missing(self, guild_id: int, event: Any) -> None:
        """An open event Discord no longer lists ended, or was cancelled or deleted, while the
        bot was away: Discord says which if it still has it; if it is gone, an event whose
        start has passed is taken to have happened (its debrief is due), a future one to have
        been deleted (nothing is sent)."""
        fetched = True
        try:
            data = await self.bot.http.get_scheduled_event(guild_id, event.discord_event_id, False)
            info = info_from_payload(data)
            if info.status not in (Status.COMPLETED, Status.CANCELED):
                info = info_from_payload(data, Status.COMPLETED)
        except discord.NotFound as error:
            if error.code != UNKNOWN_EVENT:
                raise
            fetched = False
            happened = event.starts_at <= self.bot.clock.now()
            info = EventInfo(
                discord_id=event.discord_event_id,
                guild_id=guild_id,
                name=event.name,
                start=event.starts_at,
                end=event.ends_at,
                status=Status.COMPLETED if happened else Status.DELETED,
                location=event.location,
                creator_id=event.creator_user_id,
            )
        if fetched and info.status == Status.COMPLETED:
            # Presses on Interested before it ended count for its debrief.
            await self._reconcile_interest(guild_id, event)
        async with self.bot.db.session() as session:
            await store.follow_event(session, info, now=self.bot.clock.now())
