"""The fake world (users, guilds, channels, messages, commands) and its wire payloads.

Every lookup is a dict access: benchmarks run with 100k members and thousands of
messages per second, so nothing here scans a collection on a per-request path.
"""

from __future__ import annotations

import datetime
from typing import Any

from fakediscord import permissions as P
from fakediscord.models import (
    DM,
    GUILD_TEXT,
    PRIVATE_THREAD,
    Channel,
    Guild,
    Member,
    Message,
    Overwrite,
    Role,
    ScheduledEvent,
    User,
)
from fakediscord.snowflake import SnowflakeGenerator, iso_timestamp


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


class World:
    def __init__(self, ids: SnowflakeGenerator, *, bot_name: str = "Kindred") -> None:
        self.ids = ids
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.dm_by_user: dict[int, Channel] = {}
        # scope (guild id or None for global) -> command id -> stored definition
        self.commands: dict[int | None, dict[int, dict[str, Any]]] = {}
        # scope -> (type, name) -> command id
        self.command_names: dict[int | None, dict[tuple[int, str], int]] = {}
        self.bot = self.create_user(bot_name, bot=True)
        self.app_owner = self.create_user("kindred-owner")
        self.application_id = self.bot.id
        self.joined_at: dict[int, str] = {}

    # ------------------------------------------------------------------ world building

    def create_user(self, name: str, *, bot: bool = False, dms_open: bool = True) -> User:
        user = User(id=self.ids.next(), name=name, bot=bot, dms_open=dms_open)
        self.users[user.id] = user
        return user

    def create_guild(self, name: str, owner: User, guild_id: int) -> Guild:
        guild = Guild(id=guild_id, name=name, owner_id=owner.id)
        guild.roles[guild.id] = Role(
            id=guild.id, guild_id=guild.id, name="@everyone", permissions=P.DEFAULT_EVERYONE
        )
        bot_role = Role(
            id=self.ids.next(),
            guild_id=guild.id,
            name=self.bot.name,
            permissions=P.DEFAULT_BOT_ROLE,
            position=1,
            managed=True,
            bot_id=self.bot.id,
        )
        guild.roles[bot_role.id] = bot_role
        guild.bot_role_id = bot_role.id
        self.guilds[guild.id] = guild
        self.add_member(guild, owner)
        self.add_member(guild, self.bot, role_ids=[bot_role.id])
        self.joined_at[guild.id] = _now_iso()
        return guild

    def add_member(
        self,
        guild: Guild,
        user: User,
        *,
        nick: str | None = None,
        role_ids: list[int] | None = None,
    ) -> Member:
        member = guild.members.get(user.id)
        if member is None:
            member = Member(user=user, guild_id=guild.id, joined_at=_now_iso(), nick=nick)
            guild.members[user.id] = member
        elif nick is not None:
            member.nick = nick
        for rid in role_ids or ():
            if rid not in member.role_ids:
                member.role_ids.append(rid)
        return member

    def special_role(self, guild: Guild, key: str, name: str, perms: int) -> Role:
        """A role like 'Organizer' (MANAGE_GUILD), created once per guild on demand."""
        rid = guild.special_roles.get(key)
        if rid is not None:
            return guild.roles[rid]
        role = Role(
            id=self.ids.next(),
            guild_id=guild.id,
            name=name,
            permissions=perms,
            position=len(guild.roles),
        )
        guild.roles[role.id] = role
        guild.special_roles[key] = role.id
        return role

    def create_channel(
        self,
        guild: Guild,
        name: str,
        *,
        bot_can_send: bool = True,
        bot_can_view: bool = True,
        bot_can_create_threads: bool = True,
        topic: str | None = None,
        channel_type: int = GUILD_TEXT,
        parent_id: int | None = None,
    ) -> Channel:
        overwrites: list[Overwrite] = []
        deny = 0
        if not bot_can_send:
            deny |= P.SEND_MESSAGES | P.SEND_MESSAGES_IN_THREADS
        if not bot_can_view:
            deny |= P.VIEW_CHANNEL
        if not bot_can_create_threads:
            deny |= P.CREATE_PUBLIC_THREADS | P.CREATE_PRIVATE_THREADS
        if deny:
            overwrites.append(Overwrite(id=self.bot.id, type=P.OVERWRITE_MEMBER, deny=deny))
        channel = Channel(
            id=self.ids.next(),
            type=channel_type,
            name=name,
            guild_id=guild.id,
            position=len(guild.channels),
            topic=topic,
            parent_id=parent_id,
            overwrites=overwrites,
        )
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def create_thread(
        self,
        parent: Channel,
        name: str,
        *,
        thread_type: int,
        owner_id: int,
        invitable: bool,
        auto_archive_duration: int,
    ) -> Channel:
        """A thread in `parent`; its starter is its first member."""
        guild = self.guilds[parent.guild_id or 0]
        now = _now_iso()
        thread = Channel(
            id=self.ids.next(),
            type=thread_type,
            name=name,
            guild_id=guild.id,
            parent_id=parent.id,
            owner_id=owner_id,
            thread_members={owner_id: now},
            invitable=invitable,
            auto_archive_duration=auto_archive_duration,
            created_at=now,
        )
        guild.threads[thread.id] = thread
        self.channels[thread.id] = thread
        return thread

    def thread_member_payload(self, thread: Channel, user_id: int) -> dict[str, Any]:
        return {
            "id": str(thread.id),
            "user_id": str(user_id),
            "join_timestamp": thread.thread_members.get(user_id) or _now_iso(),
            "flags": 0,
        }

    def dm_channel(self, user: User) -> Channel:
        """The user's DM channel with the bot: one stable id per user."""
        channel = self.dm_by_user.get(user.id)
        if channel is None:
            channel = Channel(id=self.ids.next(), type=DM, recipient_id=user.id)
            self.dm_by_user[user.id] = channel
            self.channels[channel.id] = channel
            user.dm_channel_id = channel.id
        return channel

    # ------------------------------------------------------------------ permissions

    def base_permissions(self, guild: Guild, member: Member) -> int:
        roles = guild.roles
        return P.base_permissions(
            is_owner=guild.owner_id == member.user.id,
            everyone=roles[guild.id].permissions,
            role_permissions=(roles[r].permissions for r in member.role_ids if r in roles),
        )

    def permissions_in(self, channel: Channel, user_id: int) -> int:
        if channel.guild_id is None:
            return P.DM_PERMISSIONS
        guild = self.guilds[channel.guild_id]
        member = guild.members.get(user_id)
        if member is None:
            return 0
        # A thread has its parent's permissions; a private one only for its members and
        # those who may manage threads.
        source = self.channels[channel.parent_id or 0] if channel.is_thread else channel
        perms = P.channel_permissions(
            self.base_permissions(guild, member),
            guild_id=guild.id,
            member_id=user_id,
            role_ids=member.role_ids,
            overwrites=source.overwrites,
        )
        if (
            channel.type == PRIVATE_THREAD
            and user_id not in channel.thread_members
            and not perms & P.MANAGE_THREADS
        ):
            return 0
        return perms

    # ------------------------------------------------------------------ payloads

    def member_payload(
        self, member: Member, *, with_user: bool = True, permissions: int | None = None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in member.role_ids],
            "joined_at": member.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = member.user.payload()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data

    def channel_payload(
        self, channel: Channel, *, include_guild_id: bool = True, for_user: int | None = None
    ) -> dict[str, Any]:
        if channel.is_thread:
            data = self.thread_payload(channel)
        elif channel.type == DM:
            recipient = self.users[channel.recipient_id or 0]
            data: dict[str, Any] = {
                "id": str(channel.id),
                "type": DM,
                "last_message_id": _opt_str(channel.last_message_id),
                "flags": 0,
                "recipients": [recipient.payload()],
            }
        else:
            data = {
                "id": str(channel.id),
                "type": channel.type,
                "name": channel.name,
                "position": channel.position,
                "permission_overwrites": [ow.payload() for ow in channel.overwrites],
                "parent_id": _opt_str(channel.parent_id),
                "topic": channel.topic,
                "nsfw": False,
                "last_message_id": _opt_str(channel.last_message_id),
                "rate_limit_per_user": 0,
                "flags": 0,
            }
            if include_guild_id:
                data["guild_id"] = str(channel.guild_id)
        if for_user is not None:
            data["permissions"] = str(self.permissions_in(channel, for_user))
        return data

    def thread_payload(self, thread: Channel) -> dict[str, Any]:
        return {
            "id": str(thread.id),
            "type": thread.type,
            "guild_id": str(thread.guild_id),
            "parent_id": str(thread.parent_id),
            "owner_id": str(thread.owner_id),
            "name": thread.name,
            "last_message_id": _opt_str(thread.last_message_id),
            "rate_limit_per_user": 0,
            "message_count": thread.message_count,
            "member_count": min(len(thread.thread_members), 50),
            "total_message_sent": thread.message_count,
            "flags": 0,
            "thread_metadata": {
                "archived": thread.archived,
                "auto_archive_duration": thread.auto_archive_duration,
                "archive_timestamp": thread.created_at,
                "locked": False,
                "invitable": thread.invitable,
                "create_timestamp": thread.created_at,
            },
        }

    def guild_payload(self, guild: Guild) -> dict[str, Any]:
        """The guild object of GET /guilds/{id} (no channels, members)."""
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "incidents_data": None,
        }

    def guild_create_payload(self, guild: Guild, *, large_threshold: int) -> dict[str, Any]:
        """GUILD_CREATE: the full guild, as sent on the gateway."""
        data = self.guild_payload(guild)
        large = guild.member_count > large_threshold
        # As Discord does for large guilds: the bot only; the rest arrives by chunking.
        members = [guild.members[self.bot.id]] if large else list(guild.members.values())
        data.update(
            joined_at=self.joined_at.get(guild.id, _now_iso()),
            large=large,
            lazy=True,
            unavailable=False,
            member_count=guild.member_count,
            members=[self.member_payload(m) for m in members],
            channels=[
                self.channel_payload(c, include_guild_id=False) for c in guild.channels.values()
            ],
            # Active threads the bot can see, as Discord sends them on connecting.
            threads=[
                self.thread_payload(t)
                for t in guild.threads.values()
                if not t.archived and self.permissions_in(t, self.bot.id) & P.VIEW_CHANNEL
            ],
            presences=[],
            voice_states=[],
            stage_instances=[],
            guild_scheduled_events=[
                self.scheduled_event_payload(event)
                for event in guild.scheduled_events.values()
                if event.listed
            ],
            soundboard_sounds=[],
            embedded_activities=[],
        )
        return data

    def scheduled_event_payload(
        self, event: ScheduledEvent, *, with_user_count: bool = False
    ) -> dict[str, Any]:
        """A guild scheduled event, as REST returns it and the gateway sends it."""
        data: dict[str, Any] = {
            "id": str(event.id),
            "guild_id": str(event.guild_id),
            "name": event.name,
            "description": event.description,
            "channel_id": _opt_str(event.channel_id),
            "creator_id": _opt_str(event.creator_id),
            "image": None,
            "scheduled_start_time": event.start.isoformat(),
            "scheduled_end_time": event.end.isoformat() if event.end else None,
            "status": event.status,
            "entity_type": event.entity_type,
            "entity_id": None,
            "recurrence_rule": None,
            "privacy_level": 2,  # GUILD_ONLY, the only level there is
            "guild_scheduled_event_exceptions": [],
            "entity_metadata": (
                {"location": event.location or ""} if event.channel_id is None else None
            ),
        }
        creator = self.users.get(event.creator_id or 0)
        if creator is not None:
            data["creator"] = creator.payload()
        if with_user_count:
            data["user_count"] = len(event.interested)
        return data

    def scheduled_event_user_payload(
        self, event: ScheduledEvent, user_id: int, *, with_member: bool
    ) -> dict[str, Any]:
        """One entry of GET .../scheduled-events/{id}/users."""
        data: dict[str, Any] = {
            "guild_scheduled_event_id": str(event.id),
            "user_id": str(user_id),
            "user": self.users[user_id].payload(),
            "response": 1,  # INTERESTED
        }
        member = self.guilds[event.guild_id].members.get(user_id)
        if with_member and member is not None:
            data["member"] = self.member_payload(member)  # the spec's member carries the user
        return data

    def message_payload(
        self, message: Message, *, gateway: bool = False, redact: bool = False
    ) -> dict[str, Any]:
        """A message object; ``gateway`` adds guild_id/member, ``redact`` hides content
        the way Discord does for bots without the message_content intent."""
        author = self.users[message.author_id]
        users = self.users
        data: dict[str, Any] = {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "type": message.type,
            "content": "" if redact else message.content,
            "author": author.payload(),
            "timestamp": iso_timestamp(message.id),
            "edited_timestamp": message.edited_at,
            "tts": False,
            "mention_everyone": False,
            "mentions": [users[u].payload() for u in message.mention_ids if u in users],
            "mention_roles": [str(r) for r in message.mention_role_ids],
            "attachments": [] if redact else [a.payload() for a in message.attachments],
            "embeds": [] if redact else message.embeds,
            "components": [] if redact else message.components,
            "pinned": False,
            "flags": message.flags,
        }
        if message.nonce is not None:
            data["nonce"] = message.nonce
        if message.webhook_id is not None:
            data["webhook_id"] = str(message.webhook_id)
        if message.application_id is not None:
            data["application_id"] = str(message.application_id)
        if message.interaction_id is not None and message.interaction_user_id is not None:
            iuser = users[message.interaction_user_id].payload()
            owners = {"0": str(message.guild_id)} if message.guild_id else {"1": iuser["id"]}
            data["interaction_metadata"] = {
                "id": str(message.interaction_id),
                "type": message.interaction_type or 2,
                "user": iuser,
                "authorizing_integration_owners": owners,
            }
            if message.interaction_name:
                data["interaction_metadata"]["name"] = message.interaction_name
                data["interaction"] = {
                    "id": str(message.interaction_id),
                    "type": message.interaction_type or 2,
                    "name": message.interaction_name,
                    "user": iuser,
                }
        if message.reference_id is not None:
            data["message_reference"] = {
                "type": 0,
                "message_id": str(message.reference_id),
                "channel_id": str(message.channel_id),
            }
            if message.guild_id:
                data["message_reference"]["guild_id"] = str(message.guild_id)
        if message.poll is not None and not redact:
            data["poll"] = message.poll
        if message.reactions:
            data["reactions"] = [
                {
                    "emoji": _emoji_payload(key),
                    "count": len(who),
                    "count_details": {"burst": 0, "normal": len(who)},
                    "me": self.bot.id in who,
                    "me_burst": False,
                    "burst_colors": [],
                }
                for key, who in message.reactions.items()
                if who
            ]
        if gateway and message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
            member = self.guilds[message.guild_id].members.get(message.author_id)
            if member is not None and message.webhook_id is None:
                data["member"] = self.member_payload(member, with_user=False)
        return data

    def find_command(self, scope: int | None, ctype: int, name: str) -> dict[str, Any] | None:
        cid = self.command_names.get(scope, {}).get((ctype, name))
        if cid is None:
            return None
        return self.commands[scope][cid]

    def is_visible_message(self, message: Message) -> bool:
        return not message.deleted and not message.ephemeral


def _opt_str(value: int | None) -> str | None:
    return None if value is None else str(value)


def _emoji_payload(key: str) -> dict[str, Any]:
    # Custom emoji arrive URL-encoded as name:id; unicode emoji as the character itself.
    name, _, eid = key.partition(":")
    return {"id": eid or None, "name": name}
