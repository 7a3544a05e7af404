"""Interactions a fake member triggers, and the test-side handle on each.

The builders refuse (ValueError) whatever Discord's own client would never send: unknown
commands or options, wrong option types, values outside ``choices``, clicks on buttons that
are not on the message. A test that passes here therefore exercises payloads a real user
could produce.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fakediscord import permissions as P
from fakediscord.models import (
    Attachment,
    Channel,
    FileUpload,
    Guild,
    Member,
    Message,
    Role,
    User,
)

if TYPE_CHECKING:
    from fakediscord.server import FakeDiscord

# Interaction types.
PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# Callback types.
PONG = 1
CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9
LAUNCH_ACTIVITY = 12

ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    PING: frozenset({PONG}),
    APPLICATION_COMMAND: frozenset({CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL, 12}),
    MESSAGE_COMPONENT: frozenset(
        {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE, MODAL}
    ),
    AUTOCOMPLETE: frozenset({AUTOCOMPLETE_RESULT}),
    MODAL_SUBMIT: frozenset(
        {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE}
    ),
}

# Application command option types.
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6
CHANNEL = 7
ROLE = 8
MENTIONABLE = 9
NUMBER = 10
ATTACHMENT = 11
OPTION_TYPE_NAMES = {
    3: "string",
    4: "integer",
    5: "boolean",
    6: "user",
    7: "channel",
    8: "role",
    9: "mentionable",
    10: "number",
    11: "attachment",
}

# Command contexts.
CONTEXT_GUILD = 0
CONTEXT_BOT_DM = 1

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

BUTTON = 2
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
TEXT_INPUT = 4
LABEL = 18
ACTION_ROW = 1


# ``timeout=`` parameters (ruff ASYNC109) are deliberate: they are the public API the
# harness and other tests code against, mirroring discord.py's own wait_for(timeout=).


class InteractionTimeout(TimeoutError):
    """The bot did not answer an interaction in time (message says what was seen)."""


class Interaction:
    """A test's handle on one interaction: what the bot answered, and when."""

    def __init__(
        self,
        fd: FakeDiscord,
        *,
        id: int,
        token: str,
        type: int,
        user: User,
        guild: Guild | None,
        channel: Channel,
        data: dict[str, Any],
        payload: dict[str, Any],
        label: str,
        message: Message | None = None,
        opened_by: Interaction | None = None,
    ) -> None:
        self._fd = fd
        self.id = id
        self.token = token
        self.type = type
        self.user = user
        self.guild = guild
        self.channel = channel
        self.data = data
        self.payload = payload
        self.label = label
        self.message = message  # the message a component/modal-from-component came from
        self.opened_by = opened_by
        self.created_at = time.monotonic()
        # time.monotonic() when INTERACTION_CREATE was handed to the gateway, and when the
        # bot's initial callback request arrived: the round trip Discord's 3 s deadline is on.
        self.sent_at: float | None = None
        self.responded_at: float | None = None
        self.response_type: int | None = None
        self.reply: Message | None = None
        self.followups: list[Message] = []
        self.modal: dict[str, Any] | None = None
        self.choices: list[dict[str, Any]] | None = None
        self.rejected: list[tuple[int, Any]] = []  # callbacks the fake refused: (status, body)
        self.delivered = 0  # gateway sessions that received INTERACTION_CREATE
        self.deferred_ephemeral = False
        self._responded = asyncio.Event()
        self._changed = asyncio.Event()

    # ------------------------------------------------------------------ state

    @property
    def ephemeral(self) -> bool:
        if self.reply is not None:
            return self.reply.ephemeral
        return self.deferred_ephemeral

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None

    @property
    def response_latency(self) -> float | None:
        """Seconds from INTERACTION_CREATE sent to the initial callback received, or None."""
        if self.sent_at is None or self.responded_at is None:
            return None
        return self.responded_at - self.sent_at

    def original(self) -> Message | None:
        """The message ``@original`` refers to."""
        if self.response_type in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            return self.reply
        if self.response_type in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            return self.message
        return None

    def _notify(self) -> None:
        self._changed.set()
        self._fd._notify()

    def _mark_responded(self, callback_type: int, at: float | None = None) -> None:
        self.response_type = callback_type
        self.responded_at = time.monotonic() if at is None else at
        self._responded.set()
        self._notify()

    # ------------------------------------------------------------------ waiting

    def _explain(self, timeout: float, what: str) -> str:
        lines = [f"{self.label} by {self.user.name!r}: {what} within {timeout}s."]
        if not self.delivered:
            lines.append(
                "No gateway session received the INTERACTION_CREATE: is the bot connected "
                "(and on the shard that owns this guild)?"
            )
        if self.response_type is not None:
            lines.append(f"Callback type {self.response_type} was received.")
        for status, body in self.rejected:
            lines.append(f"fakediscord rejected a callback with {status}: {body}")
        recent = [r for r in self._fd.requests[-5:]]
        if recent:
            lines.append(f"Last requests: {recent}")
        return " ".join(lines)

    async def wait_response(self, timeout: float = 5.0) -> Interaction:  # noqa: ASYNC109
        """Wait for the initial callback (any type)."""
        if self.response_type is None:
            try:
                await asyncio.wait_for(self._responded.wait(), timeout)
            except TimeoutError:
                raise InteractionTimeout(self._explain(timeout, "no callback")) from None
        return self

    async def _wait_until(self, check: Any, timeout: float, what: str) -> Any:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise InteractionTimeout(self._explain(timeout, what))
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_message(self, timeout: float = 5.0) -> Message:  # noqa: ASYNC109
        """Wait until the original response has content (e.g. after defer then edit)."""

        def ready() -> Message | None:
            msg = self.original()
            if msg is not None and not msg.loading and msg.has_body():
                return msg
            return None

        result: Message = await self._wait_until(ready, timeout, "no response message")
        return result

    async def wait_followups(self, count: int = 1, timeout: float = 5.0) -> list[Message]:  # noqa: ASYNC109
        await self._wait_until(
            lambda: len(self.followups) >= count, timeout, f"fewer than {count} followups"
        )
        return self.followups

    def __repr__(self) -> str:
        return (
            f"<Interaction {self.label} id={self.id} user={self.user.name!r} "
            f"response_type={self.response_type}>"
        )


def _flatten_options(options: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [dict(o) for o in options]


class InteractionFactory:
    """Builds INTERACTION_CREATE payloads the way Discord's client would."""

    def __init__(self, fd: FakeDiscord) -> None:
        self.fd = fd

    # ------------------------------------------------------------------ context

    def _resolve_context(
        self, user: User, guild: Guild | None, channel: Channel | None
    ) -> tuple[Guild | None, Channel, Member | None]:
        world = self.fd.world
        if user.id not in world.users:
            raise ValueError(f"{user!r} is not a user of this FakeDiscord")
        if guild is None:
            if channel is None or channel.is_dm:
                return None, world.dm_channel(user), None
            guild = world.guilds.get(channel.guild_id or 0)
            if guild is None:
                raise ValueError(f"{channel!r} belongs to no known guild")
        member = guild.members.get(user.id)
        if member is None:
            raise ValueError(f"{user.name!r} is not a member of {guild.name!r}")
        if channel is None:
            channel = next(iter(guild.channels.values()), None)
            if channel is None:
                raise ValueError(f"{guild.name!r} has no channel; pass channel=")
        if channel.guild_id != guild.id:
            raise ValueError(f"{channel!r} is not in {guild.name!r}")
        perms = world.permissions_in(channel, user.id)
        if not perms & P.VIEW_CHANNEL:
            raise ValueError(f"{user.name!r} cannot see {channel!r}")
        return guild, channel, member

    def _build(
        self,
        itype: int,
        user: User,
        guild: Guild | None,
        channel: Channel,
        member: Member | None,
        data: dict[str, Any],
        *,
        label: str,
        message: Message | None = None,
        opened_by: Interaction | None = None,
    ) -> Interaction:
        fd = self.fd
        world = fd.world
        iid = world.ids.next()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(world.application_id),
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "app_permissions": str(world.permissions_in(channel, world.bot.id)),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "channel_id": str(channel.id),
            "channel": world.channel_payload(channel, for_user=user.id),
        }
        if guild is not None and member is not None:
            payload["guild_id"] = str(guild.id)
            payload["guild"] = {"id": str(guild.id), "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["member"] = world.member_payload(
                member, permissions=world.permissions_in(channel, user.id)
            )
            payload["authorizing_integration_owners"] = {"0": str(guild.id)}
            payload["context"] = CONTEXT_GUILD
        else:
            payload["user"] = user.payload()
            payload["authorizing_integration_owners"] = {"0": "0"}
            payload["context"] = CONTEXT_BOT_DM
        if message is not None:
            payload["message"] = world.message_payload(message)
        return Interaction(
            fd,
            id=iid,
            token=token,
            type=itype,
            user=user,
            guild=guild,
            channel=channel,
            data=data,
            payload=payload,
            label=label,
            message=message,
            opened_by=opened_by,
        )

    # ------------------------------------------------------------------ commands

    def _find_command(
        self, ctype: int, name: str, guild: Guild | None, member: Member | None
    ) -> dict[str, Any]:
        world = self.fd.world
        cmd = None
        if guild is not None:
            cmd = world.find_command(guild.id, ctype, name)
        if cmd is None:
            cmd = world.find_command(None, ctype, name)
            if cmd is not None:
                contexts = cmd.get("contexts")
                wanted = CONTEXT_GUILD if guild is not None else CONTEXT_BOT_DM
                if contexts is not None and wanted not in contexts:
                    where = "in a guild" if guild is not None else "in DMs"
                    raise ValueError(f"command {name!r} is not available {where}")
                if guild is None and cmd.get("dm_permission") is False:
                    raise ValueError(f"command {name!r} is not available in DMs")
        if cmd is None:
            kind = {1: "slash command", 2: "user command", 3: "message command"}[ctype]
            scope = f"guild {guild.name!r} or globally" if guild is not None else "globally"
            raise ValueError(f"unknown {kind} {name!r}: not synced {scope}")
        required = cmd.get("default_member_permissions")
        if (
            self.fd.enforce_default_member_permissions
            and guild is not None
            and member is not None
            and required is not None
        ):
            base = world.base_permissions(guild, member)
            need = int(required)
            if not base & P.ADMINISTRATOR and (need == 0 or base & need != need):
                raise ValueError(
                    f"{member.user.name!r} lacks permissions {need} for command {name!r}; "
                    "Discord would not show it"
                )
        return cmd

    def _convert_option(
        self,
        spec: Mapping[str, Any],
        value: Any,
        *,
        guild: Guild | None,
        channel: Channel,
        resolved: dict[str, dict[str, Any]],
        strict: bool,
    ) -> Any:
        world = self.fd.world
        name = spec["name"]
        otype = spec["type"]
        tname = OPTION_TYPE_NAMES.get(otype, str(otype))

        def wrong() -> ValueError:
            return ValueError(f"option {name!r} expects a {tname}, got {value!r}")

        if otype == STRING:
            if not isinstance(value, str):
                raise wrong()
            if strict:
                low, high = spec.get("min_length"), spec.get("max_length")
                if low is not None and len(value) < low:
                    raise ValueError(f"option {name!r}: shorter than {low}")
                if high is not None and len(value) > high:
                    raise ValueError(f"option {name!r}: longer than {high}")
            out: Any = value
        elif otype == INTEGER:
            if isinstance(value, bool) or not isinstance(value, int):
                raise wrong()
            out = value
        elif otype == NUMBER:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise wrong()
            out = value
        elif otype == BOOLEAN:
            if not isinstance(value, bool):
                raise wrong()
            out = value
        elif otype in (USER, MENTIONABLE) and isinstance(value, User | Member | int):
            uid = value.id if isinstance(value, User | Member) else value
            user = world.users.get(uid)
            role = guild.roles.get(uid) if guild is not None else None
            if user is None and otype == MENTIONABLE and role is not None:
                resolved.setdefault("roles", {})[str(uid)] = role.payload()
                return str(uid)
            if user is None:
                raise ValueError(f"option {name!r}: unknown user {value!r}")
            resolved.setdefault("users", {})[str(uid)] = user.payload()
            member = guild.members.get(uid) if guild is not None else None
            if member is not None:
                resolved.setdefault("members", {})[str(uid)] = world.member_payload(
                    member, with_user=False, permissions=world.permissions_in(channel, uid)
                )
            return str(uid)
        elif otype in (ROLE, MENTIONABLE) and isinstance(value, Role | int):
            rid = value.id if isinstance(value, Role) else value
            role = guild.roles.get(rid) if guild is not None else None
            if role is None:
                raise ValueError(f"option {name!r}: unknown role {value!r} in this guild")
            resolved.setdefault("roles", {})[str(rid)] = role.payload()
            return str(rid)
        elif otype == CHANNEL and isinstance(value, Channel | int):
            target = world.channels.get(value.id if isinstance(value, Channel) else value)
            if target is None or target.is_dm or guild is None or target.guild_id != guild.id:
                raise ValueError(f"option {name!r}: {value!r} is not a channel of this guild")
            allowed = spec.get("channel_types")
            if allowed and target.type not in allowed:
                raise ValueError(f"option {name!r}: channel type {target.type} not allowed")
            ch = world.channel_payload(target, for_user=None)
            ch["permissions"] = str(world.permissions_in(target, world.bot.id))
            resolved.setdefault("channels", {})[str(target.id)] = ch
            return str(target.id)
        elif otype == ATTACHMENT:
            filename, content = _attachment_parts(value, name)
            att = self.fd._make_attachment(channel.id, filename, content, None)
            resolved.setdefault("attachments", {})[str(att.id)] = att.payload()
            return str(att.id)
        else:
            raise wrong()

        if strict:
            choices = spec.get("choices")
            if choices and out not in [c["value"] for c in choices]:
                listed = ", ".join(repr(c["value"]) for c in choices)
                raise ValueError(f"option {name!r}: {out!r} is not one of the choices ({listed})")
            low, high = spec.get("min_value"), spec.get("max_value")
            if otype in (INTEGER, NUMBER):
                if low is not None and out < low:
                    raise ValueError(f"option {name!r}: {out} < min_value {low}")
                if high is not None and out > high:
                    raise ValueError(f"option {name!r}: {out} > max_value {high}")
        return out

    def _command_data(
        self,
        path: str,
        options: Mapping[str, Any] | None,
        *,
        guild: Guild | None,
        channel: Channel,
        member: Member | None,
        focused: str | None = None,
        checked: bool = True,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        parts = path.split()
        if not parts:
            raise ValueError("empty command name")
        cmd = self._find_command(1, parts[0], guild, member)
        defs: list[dict[str, Any]] = list(cmd.get("options") or [])
        chain: list[dict[str, Any]] = []
        for part in parts[1:]:
            sub = next(
                (
                    o
                    for o in defs
                    if o["name"] == part and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
                ),
                None,
            )
            if sub is None:
                known = [o["name"] for o in defs if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
                raise ValueError(f"{path!r}: no subcommand {part!r} (have {known})")
            chain.append(sub)
            defs = list(sub.get("options") or [])
        if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in defs):
            subs = [o["name"] for o in defs]
            raise ValueError(f"{path!r} is a group; name a subcommand, one of {subs}")

        given = dict(options or {})
        by_name = {o["name"]: o for o in defs}
        unknown = [k for k in given if k not in by_name]
        if unknown:
            raise ValueError(f"{path!r}: unknown option(s) {unknown}; known: {list(by_name)}")
        if focused is not None:
            spec = by_name.get(focused)
            if spec is None:
                raise ValueError(f"{path!r}: no option {focused!r} to autocomplete")
            if not spec.get("autocomplete"):
                raise ValueError(f"{path!r}: option {focused!r} has no autocomplete")
        elif checked:
            missing = [o["name"] for o in defs if o.get("required") and o["name"] not in given]
            if missing:
                raise ValueError(f"{path!r}: missing required option(s) {missing}")

        resolved: dict[str, dict[str, Any]] = {}
        built: list[dict[str, Any]] = []
        for spec in defs:  # Discord sends options in definition order
            name = spec["name"]
            if name not in given:
                continue
            if name == focused:
                built.append(
                    {"name": name, "type": spec["type"], "value": str(given[name]), "focused": True}
                )
                continue
            value = self._convert_option(
                spec,
                given[name],
                guild=guild,
                channel=channel,
                resolved=resolved,
                strict=checked and focused is None,
            )
            built.append({"name": name, "type": spec["type"], "value": value})
        nested: list[dict[str, Any]] = built
        for sub in reversed(chain):
            nested = [{"name": sub["name"], "type": sub["type"], "options": nested}]
        data: dict[str, Any] = {
            "id": str(cmd["id"]),
            "name": cmd["name"],
            "type": 1,
            "options": nested,
        }
        if resolved:
            data["resolved"] = resolved
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return data, cmd

    async def slash(
        self,
        user: User,
        name: str,
        *,
        options: Mapping[str, Any] | None = None,
        guild: Guild | None = None,
        channel: Channel | None = None,
        checked: bool = True,
    ) -> Interaction:
        """`checked=False` sends the options as given, as a modified client or a raw API call
        could: no length, range or choice checks, and required options may be missing."""
        guild, channel, member = self._resolve_context(user, guild, channel)
        data, _ = self._command_data(
            name, options, guild=guild, channel=channel, member=member, checked=checked
        )
        ix = self._build(APPLICATION_COMMAND, user, guild, channel, member, data, label=f"/{name}")
        return await self._send(ix)

    async def autocomplete(
        self,
        user: User,
        name: str,
        *,
        options: Mapping[str, Any] | None,
        focused: str,
        guild: Guild | None = None,
        channel: Channel | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        guild, channel, member = self._resolve_context(user, guild, channel)
        opts = dict(options or {})
        opts.setdefault(focused, "")
        data, _ = self._command_data(
            name, opts, guild=guild, channel=channel, member=member, focused=focused
        )
        ix = self._build(
            AUTOCOMPLETE, user, guild, channel, member, data, label=f"autocomplete /{name}"
        )
        await self._send(ix)
        await ix.wait_response(timeout)
        return list(ix.choices or [])

    async def context_command(
        self,
        ctype: int,
        user: User,
        name: str,
        target: User | Member | Message,
        *,
        guild: Guild | None,
        channel: Channel | None,
    ) -> Interaction:
        world = self.fd.world
        if guild is None and isinstance(target, Message) and channel is None:
            target_channel = world.channels.get(target.channel_id)
            if target_channel is not None and not target_channel.is_dm:
                channel = target_channel
        guild, channel, member = self._resolve_context(user, guild, channel)
        cmd = self._find_command(ctype, name, guild, member)
        resolved: dict[str, dict[str, Any]] = {}
        if ctype == 2:
            if not isinstance(target, User | Member):
                raise ValueError("user_command target must be a User")
            tuser = target.user if isinstance(target, Member) else target
            resolved["users"] = {str(tuser.id): tuser.payload()}
            tmember = guild.members.get(tuser.id) if guild is not None else None
            if tmember is not None:
                resolved["members"] = {
                    str(tuser.id): world.member_payload(
                        tmember,
                        with_user=False,
                        permissions=world.permissions_in(channel, tuser.id),
                    )
                }
            target_id = tuser.id
        else:
            if not isinstance(target, Message):
                raise ValueError("message_command target must be a Message")
            if target.deleted:
                raise ValueError(f"{target!r} was deleted")
            if target.channel_id != channel.id:
                raise ValueError(f"{target!r} is not in {channel!r}")
            resolved["messages"] = {str(target.id): world.message_payload(target)}
            target_id = target.id
        data: dict[str, Any] = {
            "id": str(cmd["id"]),
            "name": cmd["name"],
            "type": ctype,
            "target_id": str(target_id),
            "resolved": resolved,
        }
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        ix = self._build(APPLICATION_COMMAND, user, guild, channel, member, data, label=name)
        return await self._send(ix)

    # ------------------------------------------------------------------ components

    def _component_context(
        self, user: User, message: Message
    ) -> tuple[Guild | None, Channel, Member | None]:
        world = self.fd.world
        if message.deleted:
            raise ValueError(f"{message!r} was deleted")
        channel = world.channels.get(message.channel_id)
        if channel is None:
            raise ValueError(f"{message!r} is in an unknown channel")
        if message.ephemeral and message.interaction_user_id not in (None, user.id):
            raise ValueError(f"{message!r} is ephemeral and only visible to another user")
        if channel.is_dm:
            if channel.recipient_id != user.id:
                raise ValueError(f"{message!r} is in another user's DM")
            return None, channel, None
        guild = world.guilds[channel.guild_id or 0]
        return self._resolve_context(user, guild, channel)

    @staticmethod
    def _find_component(message: Message, custom_id: str) -> dict[str, Any] | None:
        def walk(items: list[Any]) -> dict[str, Any] | None:
            for item in items:
                if not isinstance(item, dict):
                    continue
                if item.get("custom_id") == custom_id:
                    return item
                for key in ("components",):
                    found = walk(item.get(key) or [])
                    if found is not None:
                        return found
                for key in ("accessory", "component"):
                    if isinstance(item.get(key), dict):
                        found = walk([item[key]])
                        if found is not None:
                            return found
            return None

        return walk(message.components)

    async def click(self, user: User, message: Message, custom_id: str) -> Interaction:
        message = self.fd._live_message(message)
        guild, channel, member = self._component_context(user, message)
        comp = self._find_component(message, custom_id)
        if comp is None or comp.get("type") != BUTTON:
            raise ValueError(
                f"no button {custom_id!r} on {message!r}; custom_ids: {message.custom_ids()}"
            )
        if comp.get("disabled"):
            raise ValueError(f"button {custom_id!r} is disabled")
        data = {"custom_id": custom_id, "component_type": BUTTON}
        if "id" in comp:
            data["id"] = comp["id"]
        ix = self._build(
            MESSAGE_COMPONENT,
            user,
            guild,
            channel,
            member,
            data,
            label=f"click {custom_id!r}",
            message=message,
        )
        return await self._send(ix)

    async def select(
        self,
        user: User,
        message: Message,
        custom_id: str,
        values: Sequence[Any],
        *,
        checked: bool = True,
    ) -> Interaction:
        message = self.fd._live_message(message)
        guild, channel, member = self._component_context(user, message)
        comp = self._find_component(message, custom_id)
        if comp is None or comp.get("type") not in SELECT_TYPES:
            raise ValueError(
                f"no select {custom_id!r} on {message!r}; custom_ids: {message.custom_ids()}"
            )
        if comp.get("disabled"):
            raise ValueError(f"select {custom_id!r} is disabled")
        low = comp.get("min_values", 1)
        high = comp.get("max_values", 1)
        if not low <= len(values) <= high:
            raise ValueError(f"select {custom_id!r} takes {low}..{high} values, got {len(values)}")
        if checked or comp["type"] != 3:
            str_values, resolved = self._select_values(comp, values, guild, channel)
        else:  # text values as given, as a raw client could send them
            str_values, resolved = [str(v) for v in values], {}
        data: dict[str, Any] = {
            "custom_id": custom_id,
            "component_type": comp["type"],
            "values": str_values,
        }
        if resolved:
            data["resolved"] = resolved
        if "id" in comp:
            data["id"] = comp["id"]
        ix = self._build(
            MESSAGE_COMPONENT,
            user,
            guild,
            channel,
            member,
            data,
            label=f"select {custom_id!r}",
            message=message,
        )
        return await self._send(ix)

    def _select_values(
        self,
        comp: Mapping[str, Any],
        values: Sequence[Any],
        guild: Guild | None,
        channel: Channel,
    ) -> tuple[list[str], dict[str, dict[str, Any]]]:
        ctype = comp["type"]
        resolved: dict[str, dict[str, Any]] = {}
        out: list[str] = []
        if ctype == 3:
            allowed = [o.get("value") for o in comp.get("options") or []]
            for v in values:
                if v not in allowed:
                    raise ValueError(
                        f"select {comp.get('custom_id')!r}: {v!r} is not an option ({allowed})"
                    )
                out.append(v)
            return out, resolved
        spec_type = {5: USER, 6: ROLE, 7: MENTIONABLE, 8: CHANNEL}[ctype]
        for v in values:
            spec = {
                "name": comp.get("custom_id", "select"),
                "type": spec_type,
                "channel_types": comp.get("channel_types"),
            }
            out.append(
                self._convert_option(
                    spec, v, guild=guild, channel=channel, resolved=resolved, strict=True
                )
            )
        return out, resolved

    async def submit_modal(
        self,
        user: User,
        opened_by: Interaction,
        values: Mapping[str, Any],
        *,
        checked: bool = True,
    ) -> Interaction:
        modal = opened_by.modal
        if opened_by.response_type != MODAL or modal is None:
            raise ValueError(f"{opened_by!r} was not answered with a modal (callback type 9)")
        if user.id != opened_by.user.id:
            raise ValueError("a modal can only be submitted by the user it was shown to")
        given = dict(values)
        inputs: dict[str, dict[str, Any]] = {}

        def collect(items: list[Any]) -> None:
            for item in items:
                if not isinstance(item, dict):
                    continue
                if item.get("custom_id") is not None and item.get("type") not in (
                    ACTION_ROW,
                    LABEL,
                ):
                    inputs[item["custom_id"]] = item
                collect(item.get("components") or [])
                if isinstance(item.get("component"), dict):
                    collect([item["component"]])

        collect(modal.get("components") or [])
        unknown = [k for k in given if k not in inputs]
        if unknown:
            raise ValueError(f"modal has no input(s) {unknown}; inputs: {list(inputs)}")

        def submitted(item: dict[str, Any]) -> dict[str, Any]:
            cid = item["custom_id"]
            ctype = item.get("type")
            out: dict[str, Any] = {"type": ctype, "custom_id": cid}
            if "id" in item:
                out["id"] = item["id"]
            if ctype == TEXT_INPUT:
                text = given.get(cid, item.get("value") or "")
                if not isinstance(text, str):
                    raise ValueError(f"modal input {cid!r} takes text, got {text!r}")
                required = item.get("required", True)
                if checked and required and not text:
                    raise ValueError(f"modal input {cid!r} is required")
                low, high = item.get("min_length"), item.get("max_length")
                if checked and text and low is not None and len(text) < low:
                    raise ValueError(f"modal input {cid!r}: shorter than {low}")
                if checked and high is not None and len(text) > high:
                    raise ValueError(f"modal input {cid!r}: longer than {high}")
                out["value"] = text
            elif ctype in SELECT_TYPES:
                chosen = given.get(cid, [])
                if not isinstance(chosen, list | tuple):
                    chosen = [chosen]
                vals, _ = self._select_values(item, chosen, opened_by.guild, opened_by.channel)
                out["values"] = vals
            else:
                value = given.get(cid)
                if isinstance(value, list | tuple):
                    out["values"] = list(value)
                elif value is not None:
                    out["value"] = value
            return out

        def mirror(items: list[Any]) -> list[dict[str, Any]]:
            result: list[dict[str, Any]] = []
            for item in items:
                if not isinstance(item, dict):
                    continue
                ctype = item.get("type")
                if ctype == ACTION_ROW:
                    row: dict[str, Any] = {"type": ACTION_ROW, "components": []}
                    for child in item.get("components") or []:
                        if isinstance(child, dict) and child.get("custom_id") is not None:
                            row["components"].append(submitted(child))
                    result.append(row)
                elif ctype == LABEL and isinstance(item.get("component"), dict):
                    label: dict[str, Any] = {
                        "type": LABEL,
                        "component": submitted(item["component"]),
                    }
                    if "id" in item:
                        label["id"] = item["id"]
                    result.append(label)
                elif item.get("custom_id") is not None:
                    result.append(submitted(item))
            return result

        components = mirror(modal.get("components") or [])
        data = {"custom_id": modal["custom_id"], "components": components}
        source = opened_by.message if opened_by.type == MESSAGE_COMPONENT else None
        if source is not None:
            source = self.fd.world.messages.get(source.id, source)
        member = opened_by.guild.members.get(user.id) if opened_by.guild else None
        ix = self._build(
            MODAL_SUBMIT,
            user,
            opened_by.guild,
            opened_by.channel,
            member,
            data,
            label=f"modal {modal['custom_id']!r}",
            message=source,
            opened_by=opened_by,
        )
        return await self._send(ix)

    # ------------------------------------------------------------------ dispatch

    async def _send(self, ix: Interaction) -> Interaction:
        fd = self.fd
        fd._register_interaction(ix)
        ix.sent_at = time.monotonic()
        ix.delivered = fd.gateway.dispatch(
            "INTERACTION_CREATE",
            ix.payload,
            guild_id=ix.guild.id if ix.guild is not None else None,
        )
        # Let the gateway writer run so the bot sees the event promptly.
        await asyncio.sleep(0)
        return ix


def _attachment_parts(value: Any, option: str) -> tuple[str, bytes]:
    if isinstance(value, Attachment | FileUpload):
        return value.filename, value.content
    if (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], bytes | bytearray)
    ):
        return value[0], bytes(value[1])
    raise ValueError(f"option {option!r} expects an attachment as (filename, bytes)")


__all__ = [
    "Interaction",
    "InteractionFactory",
    "InteractionTimeout",
]
