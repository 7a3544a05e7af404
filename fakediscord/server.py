"""FakeDiscord: the public facade that owns the world, the REST API and the gateway."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime
import inspect
import logging
import os
import secrets
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from aiohttp import web

from fakediscord import gateway as G
from fakediscord import permissions as P
from fakediscord.gateway import Gateway
from fakediscord.interactions import Interaction, InteractionFactory
from fakediscord.models import (
    EVENT_ACTIVE,
    EVENT_CANCELED,
    EVENT_COMPLETED,
    EVENT_SCHEDULED,
    EVENT_TRANSITIONS,
    Attachment,
    Channel,
    Guild,
    Member,
    Message,
    RecordedRequest,
    Role,
    ScheduledEvent,
    User,
)
from fakediscord.ratelimit import FaultInjector, RateLimiter
from fakediscord.rest import MAX_UPLOAD, USER_MENTION, RestApi
from fakediscord.snowflake import SnowflakeGenerator, shard_for
from fakediscord.specgate import SpecGate
from fakediscord.state import World

log = logging.getLogger("fakediscord")

# Application flags Discord sets once privileged intents are enabled in the portal.
GATEWAY_PRESENCE = 1 << 12
GATEWAY_GUILD_MEMBERS = 1 << 14
GATEWAY_MESSAGE_CONTENT = 1 << 18
APPLICATION_COMMAND_BADGE = 1 << 23


def _make_token(user_id: int) -> str:
    head = base64.b64encode(str(user_id).encode()).decode().rstrip("=")
    return f"{head}.{secrets.token_urlsafe(4)[:6]}.{secrets.token_urlsafe(27)[:38]}"


class FakeDiscord:
    """A Discord API + gateway on 127.0.0.1 that the real discord.py talks to.

    World-building methods (``add_user``, ``add_guild``, ...) work before and after the bot
    connects; afterwards they dispatch the matching gateway events.
    """

    def __init__(
        self,
        spec_path: str | os.PathLike[str] | None = None,
        *,
        global_rate_limit: int = 50,
        shard_count: int = 1,
        allow_privileged_intents: bool = True,
        ratelimit_time_scale: float = 1.0,
        heartbeat_interval: float = 41.25,
        bot_name: str = "Kindred",
    ) -> None:
        self.ids = SnowflakeGenerator()
        self.world = World(self.ids, bot_name=bot_name)
        self.shard_count = shard_count
        self.allow_privileged_intents = allow_privileged_intents
        self.bot_token = _make_token(self.world.bot.id)
        self.ratelimiter = RateLimiter(
            global_limit=global_rate_limit, time_scale=ratelimit_time_scale
        )
        self.faults = FaultInjector()
        self.spec = SpecGate(spec_path)
        self.gateway = Gateway(self)
        self.gateway.heartbeat_interval_ms = int(heartbeat_interval * 1000)
        self.rest = RestApi(self)
        self.requests: list[RecordedRequest] = []
        self.record_requests = True
        # Discord bots also receive MESSAGE_CREATE for their own messages.
        self.echo_bot_messages = True
        # Discord hides commands whose default_member_permissions a member lacks, but a
        # server admin can grant them per role/user (Integrations settings), so by default
        # the fake delivers them, as if overridden, and the bot's own check is what runs.
        self.enforce_default_member_permissions = False
        self.interaction_ack_deadline = 3.0
        self.interaction_token_ttl = 15 * 60.0
        self.stats: Counter[str] = Counter()
        # Exceptions raised inside fakediscord's handlers (its own bugs); tests assert empty.
        self.internal_errors: list[BaseException] = []
        self._interactions: dict[int, Interaction] = {}
        self._tokens: dict[str, Interaction] = {}
        self._uploads: dict[int, Attachment] = {}
        self._factory = InteractionFactory(self)
        self._changed: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # ================================================================== lifecycle

    async def start(self, port: int = 0) -> FakeDiscord:
        if self._runner is not None:
            raise RuntimeError("FakeDiscord already started")
        self.spec.load()
        app = web.Application(client_max_size=MAX_UPLOAD * 11)
        app.router.add_route("*", "/api/v10/{tail:.*}", self.rest.handle)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/", self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._cdn)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.info("fakediscord listening on %s", self.api_base)
        return self

    async def stop(self) -> None:
        if self._runner is None:
            return
        await self.gateway.close_all()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("FakeDiscord is not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def bot_user(self) -> User:
        return self.world.bot

    @property
    def application_id(self) -> int:
        return self.world.application_id

    @property
    def application_flags(self) -> int:
        flags = APPLICATION_COMMAND_BADGE
        if self.allow_privileged_intents:
            flags |= GATEWAY_PRESENCE | GATEWAY_GUILD_MEMBERS | GATEWAY_MESSAGE_CONTENT
        return flags

    @property
    def global_rate_limit(self) -> int:
        return self.ratelimiter.global_limit

    @global_rate_limit.setter
    def global_rate_limit(self, value: int) -> None:
        self.ratelimiter.global_limit = value

    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response({"message": "404: Not Found", "code": 0}, status=404)

    async def _cdn(self, request: web.Request) -> web.Response:
        try:
            att = self._uploads.get(int(request.match_info["attachment_id"]))
        except ValueError:
            att = None
        if att is None:
            return web.Response(status=404)
        return web.Response(
            body=att.content, content_type=att.content_type or "application/octet-stream"
        )

    # ================================================================== world building

    def add_user(self, name: str, *, bot: bool = False, dms_open: bool = True) -> User:
        return self.world.create_user(name, bot=bot, dms_open=dms_open)

    def add_guild(
        self, name: str, owner: User | None = None, *, shard_id: int | None = None
    ) -> Guild:
        """A guild the bot is in. ``shard_id`` picks an id that routes to that shard."""
        if owner is None:
            owner = self.add_user(f"{name} owner")
        gid = (
            self.ids.next()
            if shard_id is None
            else self.ids.next_for_shard(shard_id, self.shard_count)
        )
        guild = self.world.create_guild(name, owner, gid)
        payload = self.world.guild_create_payload(guild, large_threshold=250)
        # A guild joined after READY has no "unavailable" key; discord.py reads
        # unavailable=False as "known guild became available" instead of "joined".
        del payload["unavailable"]
        self.gateway.dispatch("GUILD_CREATE", payload, guild_id=guild.id, intent=G.GUILDS)
        return guild

    def guild_shard(self, guild: Guild, shard_count: int | None = None) -> int:
        return shard_for(guild.id, shard_count or self.shard_count)

    def add_channel(
        self,
        guild: Guild,
        name: str,
        *,
        bot_can_send: bool = True,
        bot_can_view: bool = True,
        bot_can_create_threads: bool = True,
        topic: str | None = None,
    ) -> Channel:
        channel = self.world.create_channel(
            guild,
            name,
            bot_can_send=bot_can_send,
            bot_can_view=bot_can_view,
            bot_can_create_threads=bot_can_create_threads,
            topic=topic,
        )
        self.gateway.dispatch(
            "CHANNEL_CREATE",
            self.world.channel_payload(channel),
            guild_id=guild.id,
            intent=G.GUILDS,
        )
        return channel

    def add_role(self, guild: Guild, name: str, permissions: int = 0) -> Role:
        role = Role(
            id=self.ids.next(),
            guild_id=guild.id,
            name=name,
            permissions=permissions,
            position=len(guild.roles),
        )
        guild.roles[role.id] = role
        self.gateway.dispatch(
            "GUILD_ROLE_CREATE",
            {"guild_id": str(guild.id), "role": role.payload()},
            guild_id=guild.id,
            intent=G.GUILDS,
        )
        return role

    def add_member(
        self,
        guild: Guild,
        user: User,
        *,
        manage_guild: bool = False,
        administrator: bool = False,
        nick: str | None = None,
        roles: Sequence[Role] = (),
    ) -> Member:
        role_ids = [r.id for r in roles]
        if manage_guild:
            role_ids.append(
                self.world.special_role(guild, "organizer", "Organizer", P.MANAGE_GUILD).id
            )
        if administrator:
            role_ids.append(self.world.special_role(guild, "admin", "Admin", P.ADMINISTRATOR).id)
        existed = user.id in guild.members
        member = self.world.add_member(guild, user, nick=nick, role_ids=role_ids)
        data = self.world.member_payload(member)
        data["guild_id"] = str(guild.id)
        event = "GUILD_MEMBER_UPDATE" if existed else "GUILD_MEMBER_ADD"
        self.gateway.dispatch(event, data, guild_id=guild.id, intent=G.GUILD_MEMBERS)
        return member

    def remove_member(self, guild: Guild, user: User) -> None:
        if user.id == self.world.bot.id:
            raise ValueError("the bot cannot be removed from a guild here")
        if guild.members.pop(user.id, None) is None:
            return
        self.gateway.dispatch(
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(guild.id), "user": user.payload()},
            guild_id=guild.id,
            intent=G.GUILD_MEMBERS,
        )

    def set_dms_open(self, user: User, open: bool) -> None:
        user.dms_open = open

    def dm_channel(self, user: User) -> Channel:
        return self.world.dm_channel(user)

    # ================================================================== scheduled events

    def create_scheduled_event(
        self,
        guild: Guild,
        name: str,
        *,
        start: datetime.datetime,
        end: datetime.datetime | None = None,
        creator: User | None = None,
        location: str | None = "Online",
        description: str | None = None,
        channel: Channel | None = None,
    ) -> ScheduledEvent:
        """An organizer creates an event (external at `location`, or in a voice `channel`);
        the bot gets GUILD_SCHEDULED_EVENT_CREATE. Times are aware datetimes, as Discord's
        are; an external event needs an end time, as on Discord."""
        if start.tzinfo is None or (end is not None and end.tzinfo is None):
            raise ValueError("scheduled event times must be timezone-aware")
        if end is not None and end <= start:
            raise ValueError("a scheduled event must end after it starts")
        if channel is None and end is None:
            raise ValueError("an external event needs an end time (Discord requires one)")
        if not 1 <= len(name) <= 100:
            raise ValueError("an event name is 1-100 characters")
        event = ScheduledEvent(
            id=self.ids.next(),
            guild_id=guild.id,
            name=name,
            start=start,
            end=end,
            creator_id=(creator or self.world.users[guild.owner_id]).id,
            description=description,
            location=None if channel is not None else location,
            channel_id=channel.id if channel is not None else None,
        )
        guild.scheduled_events[event.id] = event
        self._event_changed("GUILD_SCHEDULED_EVENT_CREATE", event)
        return event

    def update_scheduled_event(
        self,
        event: ScheduledEvent,
        *,
        name: str | None = None,
        start: datetime.datetime | None = None,
        end: datetime.datetime | None = None,
        status: int | None = None,
        location: str | None = None,
    ) -> ScheduledEvent:
        """An organizer edits the event, or starts, ends or cancels it (`status`), with
        Discord's rules: scheduled -> active or canceled, active -> completed, nothing after;
        times change only while it is scheduled. The bot gets GUILD_SCHEDULED_EVENT_UPDATE."""
        if event.deleted:
            raise ValueError(f"{event!r} was deleted")
        if status is not None and status != event.status:
            if status not in EVENT_TRANSITIONS.get(event.status, set()):
                raise ValueError(f"a scheduled event cannot go from {event.status} to {status}")
            event.status = status
        if start is not None or end is not None:
            if event.status != EVENT_SCHEDULED:
                raise ValueError("only a scheduled (not started) event can change its times")
            new_start, new_end = start or event.start, end or event.end
            if new_start.tzinfo is None or (new_end is not None and new_end.tzinfo is None):
                raise ValueError("scheduled event times must be timezone-aware")
            if new_end is not None and new_end <= new_start:
                raise ValueError("a scheduled event must end after it starts")
            event.start, event.end = new_start, new_end
        if name is not None:
            event.name = name
        if location is not None and event.channel_id is None:
            event.location = location
        self._event_changed("GUILD_SCHEDULED_EVENT_UPDATE", event)
        return event

    def start_scheduled_event(self, event: ScheduledEvent) -> ScheduledEvent:
        return self.update_scheduled_event(event, status=EVENT_ACTIVE)

    def end_scheduled_event(self, event: ScheduledEvent) -> ScheduledEvent:
        """Ends an event: started first if it never was, as an organizer's "End" does."""
        if event.status == EVENT_SCHEDULED:
            self.start_scheduled_event(event)
        return self.update_scheduled_event(event, status=EVENT_COMPLETED)

    def cancel_scheduled_event(self, event: ScheduledEvent) -> ScheduledEvent:
        return self.update_scheduled_event(event, status=EVENT_CANCELED)

    def delete_scheduled_event(self, event: ScheduledEvent) -> None:
        """The event is gone: GUILD_SCHEDULED_EVENT_DELETE, and REST answers 10070 for it."""
        if event.deleted:
            return
        event.deleted = True
        self.world.guilds[event.guild_id].scheduled_events.pop(event.id, None)
        self._event_changed("GUILD_SCHEDULED_EVENT_DELETE", event)

    def set_event_interest(self, event: ScheduledEvent, user: User, interested: bool) -> None:
        """`user` presses "Interested" (or takes it back): GUILD_SCHEDULED_EVENT_USER_ADD or
        _REMOVE, with ids only, as Discord sends them."""
        if event.deleted or event.status not in (EVENT_SCHEDULED, EVENT_ACTIVE):
            raise ValueError(f"{event!r} is not open for interest")
        if user.id not in self.world.guilds[event.guild_id].members:
            raise ValueError(f"{user.name!r} is not a member of the event's server")
        if (user.id in event.interested) == interested:
            return
        if interested:
            event.interested.add(user.id)
        else:
            event.interested.discard(user.id)
        self.gateway.dispatch(
            "GUILD_SCHEDULED_EVENT_USER_ADD" if interested else "GUILD_SCHEDULED_EVENT_USER_REMOVE",
            {
                "guild_scheduled_event_id": str(event.id),
                "user_id": str(user.id),
                "guild_id": str(event.guild_id),
            },
            guild_id=event.guild_id,
            intent=G.GUILD_SCHEDULED_EVENTS,
        )
        self._notify()

    def _event_changed(self, name: str, event: ScheduledEvent) -> None:
        self.gateway.dispatch(
            name,
            self.world.scheduled_event_payload(event),
            guild_id=event.guild_id,
            intent=G.GUILD_SCHEDULED_EVENTS,
        )
        self._notify()

    # ================================================================== members act

    async def send_message(
        self,
        user: User,
        channel: Channel,
        content: str,
        *,
        embeds: Sequence[Mapping[str, Any]] = (),
        reply_to: Message | None = None,
    ) -> Message:
        """``user`` posts in a guild channel; the bot gets MESSAGE_CREATE (content only
        with the message_content intent, unless the bot is mentioned)."""
        world = self.world
        if channel.is_dm:
            if channel.recipient_id != user.id:
                raise ValueError(f"{user.name!r} is not the recipient of {channel!r}")
        else:
            guild = world.guilds[channel.guild_id or 0]
            if user.id not in guild.members:
                raise ValueError(f"{user.name!r} is not a member of {guild.name!r}")
            perms = world.permissions_in(channel, user.id)
            if not perms & P.VIEW_CHANNEL or not perms & P.SEND_MESSAGES:
                raise ValueError(f"{user.name!r} cannot send messages in {channel!r}")
        message = Message(
            id=self.ids.next(),
            channel_id=channel.id,
            author_id=user.id,
            guild_id=channel.guild_id,
            content=content,
            embeds=[dict(e) for e in embeds],
            mention_ids=[
                int(m)
                for m in dict.fromkeys(USER_MENTION.findall(content))
                if int(m) in world.users
            ],
        )
        if reply_to is not None:
            message.reference_id = reply_to.id
            message.type = 19
        self._publish(message)
        await asyncio.sleep(0)
        return message

    async def send_dm(self, user: User, content: str) -> Message:
        """``user`` writes to the bot in their DM channel."""
        return await self.send_message(user, self.world.dm_channel(user), content)

    async def delete_message(self, message: Message, *, by: User | None = None) -> None:
        live = self._live_message(message)
        if not live.deleted:
            self._delete(live)
        await asyncio.sleep(0)

    async def add_reaction(self, user: User, message: Message, emoji: str) -> None:
        live = self._live_message(message)
        live.reactions.setdefault(emoji, set()).add(user.id)
        data: dict[str, Any] = {
            "user_id": str(user.id),
            "channel_id": str(live.channel_id),
            "message_id": str(live.id),
            "emoji": {"id": None, "name": emoji},
            "burst": False,
            "type": 0,
        }
        intent = G.DIRECT_MESSAGE_REACTIONS
        if live.guild_id is not None:
            data["guild_id"] = str(live.guild_id)
            member = self.world.guilds[live.guild_id].members.get(user.id)
            if member is not None:
                data["member"] = self.world.member_payload(member)
            intent = G.GUILD_MESSAGE_REACTIONS
        self.gateway.dispatch("MESSAGE_REACTION_ADD", data, guild_id=live.guild_id, intent=intent)
        await asyncio.sleep(0)

    # ================================================================== interactions

    async def slash(
        self,
        user: User,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        guild: Guild | None = None,
        channel: Channel | None = None,
        checked: bool = True,
    ) -> Interaction:
        """A member runs `/name` with `options`; `checked=False`: unchecked against the
        command's declared lengths, ranges, choices and required options, as a raw client."""
        return await self._factory.slash(
            user, name, options=options, guild=guild, channel=channel, checked=checked
        )

    async def autocomplete(
        self,
        user: User,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        focused: str,
        guild: Guild | None = None,
        channel: Channel | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        return await self._factory.autocomplete(
            user,
            name,
            options=options,
            focused=focused,
            guild=guild,
            channel=channel,
            timeout=timeout,
        )

    async def user_command(
        self,
        user: User,
        name: str,
        *,
        target: User | Member,
        guild: Guild | None = None,
        channel: Channel | None = None,
    ) -> Interaction:
        return await self._factory.context_command(
            2, user, name, target, guild=guild, channel=channel
        )

    async def message_command(
        self,
        user: User,
        name: str,
        *,
        target: Message,
        guild: Guild | None = None,
        channel: Channel | None = None,
    ) -> Interaction:
        return await self._factory.context_command(
            3, user, name, target, guild=guild, channel=channel
        )

    async def click(self, user: User, message: Message, custom_id: str) -> Interaction:
        return await self._factory.click(user, message, custom_id)

    async def select(
        self,
        user: User,
        message: Message,
        custom_id: str,
        values: Sequence[Any],
        *,
        checked: bool = True,
    ) -> Interaction:
        """`checked=False`: a text menu's values go unchecked against its options, as from
        a raw client."""
        return await self._factory.select(user, message, custom_id, values, checked=checked)

    async def submit_modal(
        self,
        user: User,
        opened_by: Interaction,
        values: Mapping[str, Any],
        *,
        checked: bool = True,
    ) -> Interaction:
        """`checked=False`: text fields go unchecked against their declared lengths and
        `required`, as from a raw client."""
        return await self._factory.submit_modal(user, opened_by, values, checked=checked)

    # ================================================================== reading

    def channel_messages(self, channel: Channel) -> list[Message]:
        """Live, non-ephemeral messages, oldest first."""
        return list(channel.messages.values())

    def dms_to(self, user: User) -> list[Message]:
        """Messages the bot posted in ``user``'s DM channel (live, oldest first)."""
        channel = self.world.dm_by_user.get(user.id)
        if channel is None:
            return []
        bot_id = self.world.bot.id
        return [m for m in channel.messages.values() if m.author_id == bot_id]

    def threads_in(self, channel: Channel) -> list[Channel]:
        """The threads started in ``channel``, oldest first; each has ``thread_members``
        (user id -> join time) and, as any channel, ``messages``."""
        guild = self.world.guilds[channel.guild_id or 0]
        return [t for t in guild.threads.values() if t.parent_id == channel.id]

    def get_message(self, message_id: int) -> Message | None:
        return self.world.messages.get(message_id)

    def requests_to(
        self, route: str | None = None, *, method: str | None = None
    ) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if (route is None or r.route == route) and (method is None or r.method == method)
        ]

    def interaction(self, interaction_id: int) -> Interaction | None:
        return self._interactions.get(interaction_id)

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        interval: float = 0.01,
        message: str | None = None,
    ) -> Any:
        """Poll ``predicate`` (sync or async) until truthy; wakes early on any REST
        request, so assertions about what the bot sent resolve without polling lag."""
        if self._changed is None:
            self._changed = asyncio.Event()
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(message or f"condition not met within {timeout}s")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(interval, remaining))

    # ================================================================== faults & gateway control

    def inject_faults(
        self,
        rate_429: float = 0.0,
        rate_5xx: float = 0.0,
        path_contains: str = "/messages",
        seed: int = 0,
        *,
        max_per_request: int = 2,
        statuses_5xx: Sequence[int] = (500, 502, 503),
    ) -> None:
        """Answer matching requests with 429 (retry_after 0.05-0.2 s, per-route) or a 5xx,
        creating nothing. ``inject_faults()`` with no arguments switches faults off."""
        self.faults.configure(
            rate_429=rate_429,
            rate_5xx=rate_5xx,
            path_contains=path_contains,
            seed=seed,
            max_per_request=max_per_request,
            statuses_5xx=statuses_5xx,
        )

    def drop_gateway(self, *, code: int = 4000, shard_id: int | None = None) -> int:
        """Close gateway connections; discord.py reconnects and RESUMEs for code 4000."""
        return self.gateway.drop(code=code, shard_id=shard_id)

    def request_reconnect(self, *, shard_id: int | None = None) -> int:
        """Send op 7 RECONNECT, as Discord does before moving a session."""
        return self.gateway.request_reconnect(shard_id=shard_id)

    # ================================================================== internals

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()

    def _interactions_by_token(self, token: str) -> Interaction | None:
        return self._tokens.get(token)

    def _register_interaction(self, ix: Interaction) -> None:
        self._interactions[ix.id] = ix
        self._tokens[ix.token] = ix

    def _live_message(self, message: Message | int) -> Message:
        mid = message if isinstance(message, int) else message.id
        live = self.world.messages.get(mid)
        if live is None:
            raise ValueError(f"unknown message {message!r}")
        return live

    def _make_attachment(
        self,
        channel_id: int,
        filename: str,
        content: bytes,
        content_type: str | None,
        *,
        description: str | None = None,
        ephemeral: bool = False,
    ) -> Attachment:
        aid = self.ids.next()
        att = Attachment(
            id=aid,
            filename=filename,
            content=content,
            url=f"{self.base_url}/attachments/{channel_id}/{aid}/{quote(filename)}",
            content_type=content_type,
            description=description,
            ephemeral=ephemeral,
        )
        self._uploads[aid] = att
        return att

    def _message_event(self, event: str, message: Message) -> None:
        world = self.world
        bot_id = world.bot.id
        if message.author_id == bot_id and not self.echo_bot_messages:
            return
        data = world.message_payload(message, gateway=True)
        if message.guild_id is None:
            self.gateway.dispatch(event, data, guild_id=None, intent=G.DIRECT_MESSAGES)
            return
        redacted = None
        if message.author_id != bot_id and bot_id not in message.mention_ids:
            redacted = world.message_payload(message, gateway=True, redact=True)
        self.gateway.dispatch(
            event, data, guild_id=message.guild_id, intent=G.GUILD_MESSAGES, redacted=redacted
        )

    def _publish(self, message: Message) -> None:
        world = self.world
        world.messages[message.id] = message
        self.stats["messages"] += 1
        if message.ephemeral:
            return
        channel = world.channels[message.channel_id]
        channel.messages[message.id] = message
        channel.last_message_id = message.id
        self._message_event("MESSAGE_CREATE", message)
        self._notify()

    def _publish_update(self, message: Message) -> None:
        if message.ephemeral or message.deleted:
            return
        self._message_event("MESSAGE_UPDATE", message)
        self._notify()

    def _delete(self, message: Message) -> None:
        message.deleted = True
        channel = self.world.channels.get(message.channel_id)
        if channel is not None:
            channel.messages.pop(message.id, None)
        if message.ephemeral:
            return
        data: dict[str, Any] = {"id": str(message.id), "channel_id": str(message.channel_id)}
        intent = G.DIRECT_MESSAGES
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
            intent = G.GUILD_MESSAGES
        self.gateway.dispatch("MESSAGE_DELETE", data, guild_id=message.guild_id, intent=intent)
        self._notify()
