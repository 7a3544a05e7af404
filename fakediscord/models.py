"""Plain data records for the fake Discord world.

These are what tests hold on to (``fd.add_user`` returns a :class:`User`, ``ix.reply`` is a
:class:`Message`); wire payloads are built from them by :mod:`fakediscord.state`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from fakediscord.snowflake import iso_timestamp

# Channel types we model (https://discord.com/developers/docs/resources/channel).
GUILD_TEXT = 0
DM = 1
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
THREAD_TYPES = frozenset({ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD})

# Message flags.
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_IS_COMPONENTS_V2 = 1 << 15

# Guild scheduled events: statuses and where they are held.
EVENT_SCHEDULED = 1
EVENT_ACTIVE = 2
EVENT_COMPLETED = 3
EVENT_CANCELED = 4
# Discord's only allowed status changes: scheduled -> active or canceled, active -> completed.
EVENT_TRANSITIONS = {
    EVENT_SCHEDULED: {EVENT_ACTIVE, EVENT_CANCELED},
    EVENT_ACTIVE: {EVENT_COMPLETED},
}
EVENT_VOICE = 2
EVENT_EXTERNAL = 3

# Message types.
MSG_DEFAULT = 0
MSG_REPLY = 19
MSG_CHAT_INPUT_COMMAND = 20
MSG_CONTEXT_MENU_COMMAND = 23


@dataclass(eq=False, slots=True)
class User:
    id: int
    name: str
    bot: bool = False
    dms_open: bool = True
    global_name: str | None = None
    dm_channel_id: int | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }

    def __repr__(self) -> str:
        return f"<User id={self.id} name={self.name!r}{' bot' if self.bot else ''}>"


@dataclass(eq=False, slots=True)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    bot_id: int | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass(slots=True)
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass(eq=False, slots=True)
class Member:
    user: User
    guild_id: int
    joined_at: str
    nick: str | None = None
    role_ids: list[int] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.user.id


@dataclass(eq=False, slots=True)
class Attachment:
    id: int
    filename: str
    content: bytes
    url: str
    content_type: str | None = None
    description: str | None = None
    ephemeral: bool = False

    @property
    def name(self) -> str:
        return self.filename

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def image(self) -> tuple[str, int, int] | None:
        """(content type, width, height) when the file is a PNG, GIF or JPEG picture."""
        return image_info(self.content)

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.content),
            "url": self.url,
            "proxy_url": self.url,
        }
        image = self.image
        if image is not None:
            # Discord reads pictures itself: their type (whatever the upload claimed, as
            # discord.py sends application/octet-stream) and their size in pixels.
            data["content_type"], data["width"], data["height"] = image
        elif self.content_type:
            data["content_type"] = self.content_type
        if self.description:
            data["description"] = self.description
        if self.ephemeral:
            data["ephemeral"] = True
        return data


def image_info(content: bytes) -> tuple[str, int, int] | None:
    """(content type, width, height) of a PNG, GIF or JPEG, from its header; else None."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and content[12:16] == b"IHDR":
        return "image/png", int.from_bytes(content[16:20]), int.from_bytes(content[20:24])
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        return (
            "image/gif",
            int.from_bytes(content[6:8], "little"),
            int.from_bytes(content[8:10], "little"),
        )
    if content[:2] == b"\xff\xd8":
        at = 2
        while at + 9 <= len(content) and content[at] == 0xFF:
            marker, length = content[at + 1], int.from_bytes(content[at + 2 : at + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height = int.from_bytes(content[at + 5 : at + 7])
                width = int.from_bytes(content[at + 7 : at + 9])
                return "image/jpeg", width, height
            at += 2 + length
    return None


@dataclass(eq=False, slots=True)
class Message:
    id: int
    channel_id: int
    author_id: int
    guild_id: int | None = None
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    attachments: list[Attachment] = field(default_factory=list)
    nonce: str | int | None = None
    deleted: bool = False
    type: int = MSG_DEFAULT
    edited_at: str | None = None
    mention_ids: list[int] = field(default_factory=list)
    mention_role_ids: list[int] = field(default_factory=list)
    # Interaction responses: which interaction made it and who may see it if ephemeral.
    interaction_id: int | None = None
    interaction_user_id: int | None = None
    interaction_type: int | None = None
    interaction_name: str | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    reference_id: int | None = None
    poll: dict[str, Any] | None = None
    reactions: dict[str, set[int]] = field(default_factory=dict)
    edits: int = 0

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & FLAG_LOADING)

    @property
    def timestamp(self) -> str:
        return iso_timestamp(self.id)

    def has_body(self) -> bool:
        return bool(self.content or self.embeds or self.components or self.attachments or self.poll)

    def custom_ids(self) -> list[str]:
        """Every component custom_id on the message, in display order."""
        found: list[str] = []

        def walk(items: list[dict[str, Any]]) -> None:
            for item in items:
                cid = item.get("custom_id")
                if cid is not None:
                    found.append(cid)
                for key in ("components",):
                    if isinstance(item.get(key), list):
                        walk(item[key])
                for key in ("accessory", "component"):
                    if isinstance(item.get(key), dict):
                        walk([item[key]])

        walk(self.components)
        return found

    def __repr__(self) -> str:
        flags = " ephemeral" if self.ephemeral else ""
        deleted = " deleted" if self.deleted else ""
        return (
            f"<Message id={self.id} channel={self.channel_id} author={self.author_id}"
            f"{flags}{deleted} content={self.content[:40]!r}>"
        )


@dataclass(eq=False, slots=True)
class Channel:
    id: int
    type: int
    name: str | None = None
    guild_id: int | None = None
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    recipient_id: int | None = None
    # Live, non-ephemeral messages in creation (= id) order.
    messages: dict[int, Message] = field(default_factory=dict)
    last_message_id: int | None = None
    # nonce -> (monotonic time, message) for enforce_nonce de-duplication.
    nonces: dict[str, tuple[float, Message]] = field(default_factory=dict)
    # Threads only: who started it, who is in it (user id -> join time), its metadata.
    owner_id: int | None = None
    thread_members: dict[int, str] = field(default_factory=dict)
    archived: bool = False
    invitable: bool = True
    auto_archive_duration: int = 4320
    created_at: str | None = None
    message_count: int = 0

    @property
    def is_dm(self) -> bool:
        return self.type == DM

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    def __repr__(self) -> str:
        if self.is_dm:
            return f"<Channel DM id={self.id} recipient={self.recipient_id}>"
        return f"<Channel id={self.id} name={self.name!r} guild={self.guild_id}>"


@dataclass(eq=False, slots=True)
class ScheduledEvent:
    """A guild scheduled event and who marked it Interested (user ids, ascending)."""

    id: int
    guild_id: int
    name: str
    start: datetime.datetime
    end: datetime.datetime | None = None
    creator_id: int | None = None
    description: str | None = None
    # An external event has a location; a voice event a channel.
    location: str | None = None
    channel_id: int | None = None
    status: int = EVENT_SCHEDULED
    interested: set[int] = field(default_factory=set)
    deleted: bool = False

    @property
    def entity_type(self) -> int:
        return EVENT_VOICE if self.channel_id is not None else EVENT_EXTERNAL

    @property
    def listed(self) -> bool:
        """Discord lists scheduled and active events only; ended ones can still be fetched."""
        return not self.deleted and self.status in (EVENT_SCHEDULED, EVENT_ACTIVE)

    def __repr__(self) -> str:
        return f"<ScheduledEvent id={self.id} name={self.name!r} status={self.status}>"


@dataclass(eq=False, slots=True)
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    # Threads are channels too, but not in the channel list (as in GUILD_CREATE).
    threads: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    bot_role_id: int | None = None
    special_roles: dict[str, int] = field(default_factory=dict)
    scheduled_events: dict[int, ScheduledEvent] = field(default_factory=dict)

    @property
    def everyone_role(self) -> Role:
        return self.roles[self.id]

    @property
    def member_count(self) -> int:
        return len(self.members)

    def __repr__(self) -> str:
        return f"<Guild id={self.id} name={self.name!r} members={len(self.members)}>"


@dataclass(slots=True)
class FileUpload:
    """A file part of a multipart request, as the bot sent it."""

    field: str
    filename: str
    content: bytes
    content_type: str | None = None

    @property
    def name(self) -> str:
        return self.filename


@dataclass(slots=True)
class RecordedRequest:
    method: str
    path: str
    route: str | None
    json: Any
    at: float
    query: dict[str, str] = field(default_factory=dict)
    status: int = 0
    files: list[FileUpload] = field(default_factory=list)
    response: Any = None
    error_code: int | None = None

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"
