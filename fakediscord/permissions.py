"""Discord permission bits and the channel permission algorithm.

Only what the fake needs to decide 50001/50013 and to fill ``permissions`` /
``app_permissions`` in interaction payloads the way Discord computes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_AUDIT_LOG = 1 << 7
STREAM = 1 << 9
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
USE_VAD = 1 << 25
CHANGE_NICKNAME = 1 << 26
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
REQUEST_TO_SPEAK = 1 << 32
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
USE_EXTERNAL_STICKERS = 1 << 37
SEND_MESSAGES_IN_THREADS = 1 << 38
USE_EMBEDDED_ACTIVITIES = 1 << 39
SEND_VOICE_MESSAGES = 1 << 46
SEND_POLLS = 1 << 49
USE_EXTERNAL_APPS = 1 << 50

ALL = (1 << 53) - 1

# What a freshly created server grants @everyone.
DEFAULT_EVERYONE = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | STREAM
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | USE_VAD
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | REQUEST_TO_SPEAK
    | CREATE_PUBLIC_THREADS
    | CREATE_PRIVATE_THREADS
    | USE_EXTERNAL_STICKERS
    | SEND_MESSAGES_IN_THREADS
    | USE_EMBEDDED_ACTIVITIES
    | SEND_VOICE_MESSAGES
    | SEND_POLLS
    | USE_EXTERNAL_APPS
)

# The managed role a bot gets from a typical invite link.
DEFAULT_BOT_ROLE = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | SEND_MESSAGES_IN_THREADS
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
)

# Discord's implicit permissions for an app in a DM with the user.
DM_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_EXTERNAL_EMOJIS
    | MENTION_EVERYONE
    | USE_APPLICATION_COMMANDS
)

OVERWRITE_ROLE = 0
OVERWRITE_MEMBER = 1


class Overwrite(Protocol):
    id: int
    type: int
    allow: int
    deny: int


def base_permissions(*, is_owner: bool, everyone: int, role_permissions: Iterable[int]) -> int:
    if is_owner:
        return ALL
    perms = everyone
    for p in role_permissions:
        perms |= p
    if perms & ADMINISTRATOR:
        return ALL
    return perms


def channel_permissions(
    base: int,
    *,
    guild_id: int,
    member_id: int,
    role_ids: Iterable[int],
    overwrites: Iterable[Overwrite],
) -> int:
    """Apply overwrites in Discord's order: @everyone, roles (combined), member."""
    if base & ADMINISTRATOR or base == ALL:
        return ALL
    roles = set(role_ids)
    everyone_ow: Overwrite | None = None
    member_ow: Overwrite | None = None
    role_allow = 0
    role_deny = 0
    for ow in overwrites:
        if ow.type == OVERWRITE_ROLE:
            if ow.id == guild_id:
                everyone_ow = ow
            elif ow.id in roles:
                role_allow |= ow.allow
                role_deny |= ow.deny
        elif ow.id == member_id:
            member_ow = ow
    perms = base
    if everyone_ow is not None:
        perms = (perms & ~everyone_ow.deny) | everyone_ow.allow
    perms = (perms & ~role_deny) | role_allow
    if member_ow is not None:
        perms = (perms & ~member_ow.deny) | member_ow.allow
    # Without VIEW_CHANNEL nothing else in the channel applies.
    if not perms & VIEW_CHANNEL:
        return 0
    return perms
