"""REST under /api/v10: routing, auth, rate limits, faults, validation and handlers.

Request pipeline, in Discord's order as far as it is observable to a bot:
route (404/405) -> auth (401) -> body decoding -> global limit -> route bucket ->
injected fault -> spec validation (50035) -> handler (Discord's semantic errors).
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from fakediscord import errors as E
from fakediscord import gateway as G
from fakediscord import interactions as I
from fakediscord import limits as L
from fakediscord import permissions as P
from fakediscord.models import (
    ANNOUNCEMENT_THREAD,
    FLAG_EPHEMERAL,
    FLAG_IS_COMPONENTS_V2,
    FLAG_LOADING,
    FLAG_SUPPRESS_NOTIFICATIONS,
    GUILD_ANNOUNCEMENT,
    GUILD_TEXT,
    MSG_CHAT_INPUT_COMMAND,
    MSG_CONTEXT_MENU_COMMAND,
    MSG_DEFAULT,
    MSG_REPLY,
    PRIVATE_THREAD,
    Attachment,
    Channel,
    FileUpload,
    Message,
    RecordedRequest,
)
from fakediscord.ratelimit import BucketSpec, Limited, Verdict

if TYPE_CHECKING:
    from multidict import MultiMapping

    from fakediscord.server import FakeDiscord

log = logging.getLogger("fakediscord.rest")

JSON_HEADERS = {"Content-Type": "application/json"}
FLAG_SUPPRESS_EMBEDS = 1 << 2
CREATE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_IS_COMPONENTS_V2
INTERACTION_FLAGS = CREATE_FLAGS | FLAG_EPHEMERAL
EDIT_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_IS_COMPONENTS_V2
MAX_UPLOAD = 10 * 1024 * 1024
NONCE_WINDOW = 300.0  # seconds Discord remembers an enforce_nonce nonce ("a few minutes")

USER_MENTION = re.compile(r"<@!?(\d{15,21})>")
ROLE_MENTION = re.compile(r"<@&(\d{15,21})>")

# Buckets. Windows are scaled by FakeDiscord(ratelimit_time_scale=...).
MESSAGE_CREATE = BucketSpec("channel-message-create", 5, 5.0, "channel_id")
MESSAGE_EDIT = BucketSpec("channel-message-edit", 5, 5.0, "channel_id")
MESSAGE_DELETE = BucketSpec("channel-message-delete", 5, 1.0, "channel_id")
REACTION = BucketSpec("channel-reaction", 1, 0.25, "channel_id")
INTERACTION_CALLBACK = BucketSpec("interaction-callback", 5, 1.0, "interaction_id")
INTERACTION_WEBHOOK = BucketSpec("interaction-webhook", 5, 2.0, "webhook_token")


@dataclass(slots=True)
class Req:
    method: str
    path: str
    params: dict[str, str]
    query: MultiMapping[str]
    body: Any
    files: list[FileUpload]
    now: float


Result = tuple[int, Any]
Handler = Callable[[Req], Result]


@dataclass(slots=True)
class RouteDef:
    method: str
    template: str
    handler: Handler
    bucket: BucketSpec
    auth: bool = True
    global_exempt: bool = False
    segments: tuple[str, ...] = field(default=())
    param_count: int = 0

    def __post_init__(self) -> None:
        self.segments = tuple(self.template.strip("/").split("/"))
        self.param_count = sum(1 for s in self.segments if s.startswith("{"))

    def match(self, parts: list[str]) -> dict[str, str] | None:
        params: dict[str, str] = {}
        for seg, part in zip(self.segments, parts, strict=True):
            if seg[0] == "{":
                params[seg[1:-1]] = part
            elif seg != part:
                return None
        return params


class Router:
    def __init__(self, routes: list[RouteDef]) -> None:
        self._by_len: dict[int, list[RouteDef]] = {}
        for route in sorted(routes, key=lambda r: r.param_count):
            self._by_len.setdefault(len(route.segments), []).append(route)

    def match(self, method: str, path: str) -> tuple[RouteDef | None, dict[str, str], bool]:
        """(route, params, path_exists_for_another_method)."""
        parts = path.strip("/").split("/")
        other_method = False
        for route in self._by_len.get(len(parts), ()):
            params = route.match(parts)
            if params is None:
                continue
            if route.method == method:
                return route, params, False
            other_method = True
        return None, {}, other_method


class RestApi:
    def __init__(self, fd: FakeDiscord) -> None:
        self.fd = fd
        self.world = fd.world
        self.router = Router(self._routes())

    # ================================================================== routing table

    def _routes(self) -> list[RouteDef]:
        def r(
            method: str,
            template: str,
            handler: Handler,
            bucket: BucketSpec | None = None,
            **kw: Any,
        ) -> RouteDef:
            if bucket is None:
                major = next(
                    (m for m in ("channel_id", "guild_id", "webhook_id") if f"{{{m}}}" in template),
                    None,
                )
                bucket = BucketSpec(f"{method} {template}", 50, 1.0, major)
            return RouteDef(method, template, handler, bucket, **kw)

        app = "/applications/{application_id}"
        msg = "/channels/{channel_id}/messages/{message_id}"
        hook = "/webhooks/{webhook_id}/{webhook_token}"
        event = "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"
        ix_kw = {"auth": False, "global_exempt": True}
        return [
            r("GET", "/users/@me", self.get_me),
            r("GET", "/users/{user_id}", self.get_user),
            r("GET", "/oauth2/applications/@me", self.get_application),
            r("GET", "/applications/@me", self.get_application),
            r("GET", "/gateway", self.get_gateway, auth=False),
            r("GET", "/gateway/bot", self.get_gateway_bot),
            r("POST", "/users/@me/channels", self.create_dm),
            # commands
            r("GET", f"{app}/commands", self.list_commands),
            r("PUT", f"{app}/commands", self.put_commands),
            r("POST", f"{app}/commands", self.upsert_command),
            r("GET", f"{app}/commands/{{command_id}}", self.get_command),
            r("PATCH", f"{app}/commands/{{command_id}}", self.edit_command),
            r("DELETE", f"{app}/commands/{{command_id}}", self.delete_command),
            r("GET", f"{app}/guilds/{{guild_id}}/commands", self.list_commands),
            r("PUT", f"{app}/guilds/{{guild_id}}/commands", self.put_commands),
            r("POST", f"{app}/guilds/{{guild_id}}/commands", self.upsert_command),
            r("GET", f"{app}/guilds/{{guild_id}}/commands/{{command_id}}", self.get_command),
            r("PATCH", f"{app}/guilds/{{guild_id}}/commands/{{command_id}}", self.edit_command),
            r("DELETE", f"{app}/guilds/{{guild_id}}/commands/{{command_id}}", self.delete_command),
            # interactions
            r(
                "POST",
                "/interactions/{interaction_id}/{interaction_token}/callback",
                self.interaction_callback,
                INTERACTION_CALLBACK,
                **ix_kw,
            ),
            r("POST", hook, self.webhook_execute, INTERACTION_WEBHOOK, **ix_kw),
            r(
                "GET",
                f"{hook}/messages/{{message_id}}",
                self.webhook_get,
                INTERACTION_WEBHOOK,
                **ix_kw,
            ),
            r(
                "PATCH",
                f"{hook}/messages/{{message_id}}",
                self.webhook_edit,
                INTERACTION_WEBHOOK,
                **ix_kw,
            ),
            r(
                "DELETE",
                f"{hook}/messages/{{message_id}}",
                self.webhook_delete,
                INTERACTION_WEBHOOK,
                **ix_kw,
            ),
            # channels
            r("GET", "/channels/{channel_id}", self.get_channel),
            r("POST", "/channels/{channel_id}/messages", self.create_message, MESSAGE_CREATE),
            r("GET", "/channels/{channel_id}/messages", self.list_messages),
            r("GET", msg, self.get_message),
            r("PATCH", msg, self.edit_message, MESSAGE_EDIT),
            r("DELETE", msg, self.delete_message, MESSAGE_DELETE),
            r("POST", "/channels/{channel_id}/typing", self.typing),
            r("POST", "/channels/{channel_id}/threads", self.create_thread),
            r("GET", "/channels/{channel_id}/thread-members", self.list_thread_members),
            r("PUT", "/channels/{channel_id}/thread-members/{user_id}", self.add_thread_member),
            r("PUT", f"{msg}/reactions/{{emoji}}/@me", self.add_reaction, REACTION),
            r("DELETE", f"{msg}/reactions/{{emoji}}/@me", self.remove_reaction, REACTION),
            # guilds
            r("GET", "/guilds/{guild_id}", self.get_guild),
            r("GET", "/guilds/{guild_id}/channels", self.get_guild_channels),
            r("GET", "/guilds/{guild_id}/roles", self.get_guild_roles),
            r("GET", "/guilds/{guild_id}/members", self.list_members),
            r("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
            # scheduled events (read-only: organizers make them in Discord's client)
            r("GET", "/guilds/{guild_id}/scheduled-events", self.list_scheduled_events),
            r("GET", event, self.get_scheduled_event),
            r("GET", f"{event}/users", self.list_scheduled_event_users),
        ]

    # ================================================================== pipeline

    async def handle(self, request: web.Request) -> web.Response:
        fd = self.fd
        now = time.monotonic()
        method = request.method
        path = "/" + request.match_info.get("tail", "")
        route, params, other_method = self.router.match(method, path)
        rec = RecordedRequest(
            method=method,
            path=path,
            route=route.template if route else None,
            json=None,
            at=now,
            query=dict(request.query),
        )
        headers: dict[str, str] = {}
        status: int
        payload: Any
        try:
            if route is None:
                raise E.method_not_allowed() if other_method else E.not_found()
            if route.auth:
                auth = request.headers.get("Authorization", "")
                if not (auth.startswith("Bot ") and secrets.compare_digest(auth[4:], fd.bot_token)):
                    raise E.unauthorized()
            _check_snowflakes(params)
            body, files, identity = await self._read_body(request)
            rec.json = body
            rec.files = files
            major = params.get(route.bucket.major or "", "")
            limited = None
            if not route.global_exempt:
                limited = fd.ratelimiter.peek_global(now)
            if limited is None:
                limited = fd.ratelimiter.peek(route.bucket, major, now)
            if limited is not None:
                status, payload, headers = self._too_many(limited)
            else:
                fault = fd.faults.decide(method, path, identity)
                if fault == 429:
                    status, payload, headers = self._too_many(
                        Limited(
                            fd.faults.injected_retry_after(),
                            "user",
                            False,
                            route.bucket.limit,
                            route.bucket.hash,
                        )
                    )
                elif fault is not None:
                    status = fault
                    payload = {"message": f"{fault}: injected by fakediscord", "code": 0}
                else:
                    if not route.global_exempt:
                        fd.ratelimiter.take_global()
                    verdict: Verdict = fd.ratelimiter.take(route.bucket, major, now)
                    headers = verdict.headers()
                    spec_error = fd.spec.check(method, path, body) or fd.spec.check_query(
                        method, path, request.query
                    )
                    if spec_error is not None:
                        raise E.APIError(400, 50035, "Invalid Form Body", body=spec_error)
                    req = Req(method, path, params, request.query, body, files, now)
                    status, payload = route.handler(req)
        except E.APIError as exc:
            status, payload = exc.status, exc.body()
            rec.error_code = exc.code
        except Exception as exc:
            # A bug in the fake: answer like a Discord outage, but make it impossible to miss.
            log.exception("fakediscord internal error on %s %s", method, path)
            fd.internal_errors.append(exc)
            status, payload = 500, {"message": "500: fakediscord internal error", "code": 0}
        rec.status = status
        rec.response = payload
        if fd.record_requests:
            fd.requests.append(rec)
        fd._notify()
        if status == 204 or payload is None:
            return web.Response(status=status if status != 200 else 204, headers=headers)
        headers.update(JSON_HEADERS)
        return web.Response(
            status=status,
            body=json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode(),
            headers=headers,
        )

    @staticmethod
    def _too_many(limited: Limited) -> tuple[int, Any, dict[str, str]]:
        retry_after = round(max(limited.retry_after, 0.001), 3)
        headers = {
            "Retry-After": str(max(1, int(retry_after + 0.999))),
            "X-RateLimit-Scope": limited.scope,
            # discord.py treats a 429 without Via as a Cloudflare ban and gives up.
            "Via": "1.1 google",
        }
        if limited.is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers.update(
                {
                    "X-RateLimit-Limit": str(limited.limit),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                }
            )
            if limited.bucket_hash:
                headers["X-RateLimit-Bucket"] = limited.bucket_hash
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": limited.is_global,
        }
        if not limited.is_global:
            body["code"] = 0
        return 429, body, headers

    async def _read_body(self, request: web.Request) -> tuple[Any, list[FileUpload], bytes]:
        """(decoded JSON or payload_json, uploaded files, bytes identifying the request)."""
        if not request.can_read_body:
            return None, [], b""
        ctype = request.content_type
        if ctype.startswith("multipart/"):
            body: Any = None
            files: list[FileUpload] = []
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, aiohttp.BodyPartReader):
                    continue
                data = await part.read(decode=False)
                if part.name == "payload_json":
                    try:
                        body = json.loads(bytes(data))
                    except ValueError:
                        raise E.invalid_json() from None
                elif part.filename is not None:
                    if len(data) > MAX_UPLOAD:
                        raise E.entity_too_large()
                    _check_file_field(part.name or "", files)
                    files.append(
                        FileUpload(
                            field=part.name or "",
                            filename=part.filename,
                            content=bytes(data),
                            content_type=part.headers.get("Content-Type"),
                        )
                    )
            # Multipart boundaries change on every retry; identify by content instead.
            identity = json.dumps(body, sort_keys=True).encode() + b"".join(
                f.filename.encode() + len(f.content).to_bytes(8, "big") for f in files
            )
            return body, files, identity
        raw = await request.read()
        if not raw:
            return None, [], b""
        try:
            return json.loads(raw), [], raw
        except ValueError:
            raise E.invalid_json() from None

    # ================================================================== helpers

    def _channel(self, req: Req) -> Channel:
        channel = self.world.channels.get(int(req.params["channel_id"]))
        if channel is None:
            raise E.unknown_channel()
        return channel

    def _require_view(self, channel: Channel) -> int:
        perms = self.world.permissions_in(channel, self.world.bot.id)
        if not channel.is_dm and not perms & P.VIEW_CHANNEL:
            raise E.missing_access()
        return perms

    def _message_in(self, channel: Channel, raw_id: str) -> Message:
        msg = channel.messages.get(int(raw_id))
        if msg is None:
            raise E.unknown_message()
        return msg

    @staticmethod
    def _body_dict(req: Req) -> dict[str, Any]:
        if req.body is None:
            return {}
        if not isinstance(req.body, dict):
            raise E.invalid_form_body(
                {
                    "_errors": [
                        {
                            "code": "DICT_TYPE_CONVERT",
                            "message": "Only dictionaries may be used in a DictType",
                        }
                    ]
                }
            )
        return req.body

    def _new_attachments(
        self,
        channel_id: int,
        refs: Any,
        files: list[FileUpload],
        *,
        ephemeral: bool,
        keep: list[Attachment] | None = None,
    ) -> list[Attachment]:
        """Attachments for a message: ``refs`` is the payload's ``attachments`` list
        (``{"id": n}`` pointing at ``files[n]``, or an existing attachment id to keep)."""
        if not files and not isinstance(refs, list):
            return list(keep or ())
        by_field: dict[str, FileUpload] = {}
        for i, f in enumerate(files):
            by_field[f.field] = f
            by_field.setdefault(f"files[{i}]", f)
        existing = {a.id: a for a in keep or ()}
        out: list[Attachment] = []
        used: set[int] = set()
        if isinstance(refs, list):
            for ref in refs:
                if not isinstance(ref, dict) or "id" not in ref:
                    continue
                try:
                    rid = int(ref["id"])
                except (TypeError, ValueError):
                    continue
                if rid in existing:
                    out.append(existing[rid])
                    continue
                upload = by_field.get(f"files[{rid}]")
                if upload is None:
                    raise E.invalid_form_body(
                        {
                            "attachments": {
                                "_errors": [
                                    {
                                        "code": "ATTACHMENT_NOT_FOUND",
                                        "message": f"Attachment data not found for id {rid}",
                                    }
                                ]
                            }
                        }
                    )
                used.add(id(upload))
                att = self.fd._make_attachment(
                    channel_id,
                    ref.get("filename") or upload.filename,
                    upload.content,
                    upload.content_type,
                    description=ref.get("description"),
                    ephemeral=ephemeral,
                )
                out.append(att)
        for upload in files:
            if id(upload) not in used and not isinstance(refs, list):
                out.append(
                    self.fd._make_attachment(
                        channel_id,
                        upload.filename,
                        upload.content,
                        upload.content_type,
                        ephemeral=ephemeral,
                    )
                )
        if len(out) > L.ATTACHMENTS_MAX:
            raise E.invalid_form_body(
                {
                    "attachments": {
                        "_errors": [
                            {
                                "code": "BASE_TYPE_MAX_LENGTH",
                                "message": "Must be 10 or fewer in length.",
                            }
                        ]
                    }
                }
            )
        return out

    def _mentions(self, content: str, allowed: Any) -> tuple[list[int], list[int]]:
        users = self.world.users
        user_ids = [int(m) for m in USER_MENTION.findall(content) if int(m) in users]
        role_ids = [int(m) for m in ROLE_MENTION.findall(content)]
        if isinstance(allowed, dict):
            # Discord lists only the users/roles actually pinged under allowed_mentions.
            parse = allowed.get("parse") or []
            if "users" not in parse:
                allowed_users = {int(x) for x in allowed.get("users") or []}
                user_ids = [u for u in user_ids if u in allowed_users]
            if "roles" not in parse:
                allowed_roles = {int(x) for x in allowed.get("roles") or []}
                role_ids = [r for r in role_ids if r in allowed_roles]
        return list(dict.fromkeys(user_ids)), list(dict.fromkeys(role_ids))

    def _validate_message(self, body: dict[str, Any], path: tuple[str, ...] = ()) -> None:
        errs = L.FormErrors()
        L.check_message(body, errs, path)
        if errs:
            raise E.invalid_form_body(errs.tree)

    def _build_message(
        self,
        channel: Channel,
        body: dict[str, Any],
        files: list[FileUpload],
        *,
        allowed_flags: int,
        mtype: int = MSG_DEFAULT,
        extra_flags: int = 0,
    ) -> Message:
        flags = (_int(body.get("flags")) & allowed_flags) | extra_flags
        content = body.get("content") or ""
        if not isinstance(content, str):
            content = str(content)
        mentions, role_mentions = self._mentions(content, body.get("allowed_mentions"))
        msg = Message(
            id=self.world.ids.next(),
            channel_id=channel.id,
            author_id=self.world.bot.id,
            guild_id=channel.guild_id,
            content=content,
            embeds=list(body.get("embeds") or []),
            components=list(body.get("components") or []),
            flags=flags,
            nonce=body.get("nonce"),
            type=mtype,
            mention_ids=mentions,
            mention_role_ids=role_mentions,
            poll=body.get("poll"),
        )
        ref = body.get("message_reference")
        if isinstance(ref, dict) and ref.get("message_id"):
            msg.reference_id = int(ref["message_id"])
            msg.type = MSG_REPLY if mtype == MSG_DEFAULT else mtype
        msg.attachments = self._new_attachments(
            channel.id, body.get("attachments"), files, ephemeral=bool(flags & FLAG_EPHEMERAL)
        )
        return msg

    def _apply_edit(
        self, msg: Message, body: dict[str, Any], files: list[FileUpload], *, own: bool = True
    ) -> None:
        """Edit in place, refusing an edit that would leave the message empty."""
        changes: dict[str, Any] = {}
        if own:
            if "content" in body:
                changes["content"] = body["content"] or ""
            if "embeds" in body:
                changes["embeds"] = list(body["embeds"] or [])
            if "components" in body:
                changes["components"] = list(body["components"] or [])
            if "attachments" in body or files:
                changes["attachments"] = self._new_attachments(
                    msg.channel_id,
                    body.get("attachments"),
                    files,
                    ephemeral=msg.ephemeral,
                    keep=msg.attachments,
                )
        elif set(body) - {"flags"}:
            raise E.cannot_edit_other()
        flags = msg.flags
        if "flags" in body and body["flags"] is not None:
            # Only SUPPRESS_EMBEDS can be toggled; components v2 cannot be removed.
            flags = (flags & ~FLAG_SUPPRESS_EMBEDS) | (_int(body["flags"]) & EDIT_FLAGS)
            flags |= msg.flags & FLAG_IS_COMPONENTS_V2
        was_loading = msg.loading
        flags &= ~FLAG_LOADING
        probe = Message(
            id=msg.id,
            channel_id=msg.channel_id,
            author_id=msg.author_id,
            content=changes.get("content", msg.content),
            embeds=changes.get("embeds", msg.embeds),
            components=changes.get("components", msg.components),
            attachments=changes.get("attachments", msg.attachments),
            poll=msg.poll,
        )
        if not probe.has_body():
            raise E.empty_message()
        for key, value in changes.items():
            setattr(msg, key, value)
        if "content" in changes:
            msg.mention_ids, msg.mention_role_ids = self._mentions(
                msg.content, body.get("allowed_mentions")
            )
        msg.flags = flags
        if not was_loading:
            msg.edited_at = _now_iso()
        msg.edits += 1

    # ================================================================== users & app

    def get_me(self, req: Req) -> Result:
        me = self.world.bot.payload()
        me.update(verified=True, mfa_enabled=False, locale="en-US", email=None)
        return 200, me

    def get_user(self, req: Req) -> Result:
        user = self.world.users.get(int(req.params["user_id"]))
        if user is None:
            raise E.unknown_user()
        return 200, user.payload()

    def get_application(self, req: Req) -> Result:
        world = self.world
        return 200, {
            "id": str(world.application_id),
            "name": world.bot.name,
            "icon": None,
            "description": "fakediscord application",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self.fd.application_flags,
            "owner": world.app_owner.payload(),
            "team": None,
            "bot": world.bot.payload(),
            "hook": True,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "approximate_guild_count": len(world.guilds),
            "integration_types_config": {"0": {}},
        }

    def get_gateway(self, req: Req) -> Result:
        return 200, {"url": self.fd.gateway_url}

    def get_gateway_bot(self, req: Req) -> Result:
        return 200, {
            "url": self.fd.gateway_url,
            "shards": self.fd.shard_count,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }

    def create_dm(self, req: Req) -> Result:
        body = self._body_dict(req)
        raw = body.get("recipient_id")
        if raw is None:
            errs = L.FormErrors()
            errs.required(("recipient_id",))
            raise E.invalid_form_body(errs.tree)
        try:
            user = self.world.users.get(int(raw))
        except (TypeError, ValueError):
            user = None
        if user is None:
            raise E.unknown_user()
        channel = self.world.dm_channel(user)
        return 200, self.world.channel_payload(channel)

    # ================================================================== commands

    def _command_scope(self, req: Req) -> int | None:
        if req.params["application_id"] != str(self.world.application_id):
            raise E.missing_access()
        raw = req.params.get("guild_id")
        if raw is None:
            return None
        guild = self.world.guilds.get(int(raw))
        if guild is None or self.world.bot.id not in guild.members:
            raise E.missing_access()
        return guild.id

    def _store_command(
        self, scope: int | None, cmd: dict[str, Any], existing_id: int | None
    ) -> dict[str, Any]:
        world = self.world
        ctype = cmd.get("type", 1)
        perms = cmd.get("default_member_permissions")
        stored: dict[str, Any] = {
            "id": str(existing_id or world.ids.next()),
            "application_id": str(world.application_id),
            "version": str(world.ids.next()),
            "type": ctype,
            "name": cmd["name"],
            "name_localizations": cmd.get("name_localizations"),
            "description": cmd.get("description") or "",
            "description_localizations": cmd.get("description_localizations"),
            "options": cmd.get("options") or [],
            "default_member_permissions": None if perms is None else str(perms),
            "dm_permission": cmd.get("dm_permission", True),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types") or [0],
            "nsfw": bool(cmd.get("nsfw", False)),
        }
        if scope is not None:
            stored["guild_id"] = str(scope)
        return stored

    def _validate_commands(self, cmds: list[Any]) -> None:
        errs = L.FormErrors()
        counts: dict[int, int] = {}
        seen: set[tuple[int, str]] = set()
        for i, cmd in enumerate(cmds):
            if not isinstance(cmd, dict):
                errs.add((i,), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
                continue
            L.check_command(cmd, errs, (i,))
            key = (cmd.get("type", 1), cmd.get("name", ""))
            if key in seen:
                errs.add(
                    (i, "name"),
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {key[1]}",
                )
            seen.add(key)
            counts[key[0]] = counts.get(key[0], 0) + 1
        if counts.get(1, 0) > 100 or counts.get(2, 0) > 15 or counts.get(3, 0) > 15:
            errs.add((), "BASE_TYPE_MAX_LENGTH", "Too many application commands")
        if errs:
            raise E.invalid_form_body(errs.tree)

    def list_commands(self, req: Req) -> Result:
        scope = self._command_scope(req)
        return 200, list(self.world.commands.get(scope, {}).values())

    def put_commands(self, req: Req) -> Result:
        scope = self._command_scope(req)
        cmds = req.body if req.body is not None else []
        if not isinstance(cmds, list):
            raise E.invalid_form_body(
                {
                    "_errors": [
                        {
                            "code": "LIST_TYPE_CONVERT",
                            "message": "Only iterables may be used in a ListType",
                        }
                    ]
                }
            )
        self._validate_commands(cmds)
        old_names = self.world.command_names.get(scope, {})
        new: dict[int, dict[str, Any]] = {}
        names: dict[tuple[int, str], int] = {}
        for cmd in cmds:
            key = (cmd.get("type", 1), cmd["name"])
            stored = self._store_command(scope, cmd, old_names.get(key))
            new[int(stored["id"])] = stored
            names[key] = int(stored["id"])
        self.world.commands[scope] = new
        self.world.command_names[scope] = names
        return 200, list(new.values())

    def upsert_command(self, req: Req) -> Result:
        scope = self._command_scope(req)
        cmd = self._body_dict(req)
        self._validate_commands([cmd])
        key = (cmd.get("type", 1), cmd["name"])
        names = self.world.command_names.setdefault(scope, {})
        existing = names.get(key)
        stored = self._store_command(scope, cmd, existing)
        self.world.commands.setdefault(scope, {})[int(stored["id"])] = stored
        names[key] = int(stored["id"])
        return (200 if existing else 201), stored

    def _get_stored(self, req: Req) -> tuple[int | None, dict[str, Any]]:
        scope = self._command_scope(req)
        stored = self.world.commands.get(scope, {}).get(int(req.params["command_id"]))
        if stored is None:
            raise E.unknown_command()
        return scope, stored

    def get_command(self, req: Req) -> Result:
        return 200, self._get_stored(req)[1]

    def edit_command(self, req: Req) -> Result:
        scope, stored = self._get_stored(req)
        merged = {**stored, **self._body_dict(req)}
        self._validate_commands([merged])
        names = self.world.command_names[scope]
        names.pop((stored["type"], stored["name"]), None)
        updated = self._store_command(scope, merged, int(stored["id"]))
        self.world.commands[scope][int(updated["id"])] = updated
        names[(updated["type"], updated["name"])] = int(updated["id"])
        return 200, updated

    def delete_command(self, req: Req) -> Result:
        scope, stored = self._get_stored(req)
        del self.world.commands[scope][int(stored["id"])]
        self.world.command_names[scope].pop((stored["type"], stored["name"]), None)
        return 204, None

    # ================================================================== interactions

    def interaction_callback(self, req: Req) -> Result:
        ix = self.fd._interactions.get(int(req.params["interaction_id"]))
        if ix is None or not secrets.compare_digest(ix.token, req.params["interaction_token"]):
            raise E.unknown_interaction()
        try:
            return self._callback(ix, req)
        except E.APIError as exc:
            ix.rejected.append((exc.status, exc.body()))
            ix._notify()
            raise

    def _callback(self, ix: I.Interaction, req: Req) -> Result:
        fd = self.fd
        if req.now - ix.created_at > fd.interaction_ack_deadline:
            # Discord forgets interactions not acknowledged within 3 seconds.
            raise E.unknown_interaction()
        if ix.response_type is not None:
            raise E.already_acknowledged()
        body = self._body_dict(req)
        cb_type = body.get("type")
        if cb_type not in I.ALLOWED_CALLBACKS.get(ix.type, frozenset()) or (
            cb_type in (I.DEFERRED_UPDATE_MESSAGE, I.UPDATE_MESSAGE) and ix.message is None
        ):
            errs = L.FormErrors()
            errs.add(
                ("type",),
                "INTERACTION_CALLBACK_TYPE_INVALID",
                f"Interaction callback type {cb_type} is invalid for interaction type {ix.type}",
            )
            raise E.invalid_form_body(errs.tree)
        data = body.get("data") or {}
        if not isinstance(data, dict):
            data = {}
        errs = L.FormErrors()
        if cb_type in (I.CHANNEL_MESSAGE, I.UPDATE_MESSAGE):
            L.check_message(data, errs, ("data",))
        elif cb_type == I.AUTOCOMPLETE_RESULT:
            L.check_autocomplete(data, errs)
        elif cb_type == I.MODAL:
            L.check_modal(data, errs)
        if errs:
            raise E.invalid_form_body(errs.tree)

        message: Message | None = None
        if cb_type == I.CHANNEL_MESSAGE:
            message = self._interaction_message(ix, data, req.files, loading=False)
            if not message.has_body():
                raise E.empty_message()
            ix.reply = message
            fd._publish(message)
        elif cb_type == I.DEFERRED_CHANNEL_MESSAGE:
            message = self._interaction_message(ix, data, [], loading=True)
            ix.deferred_ephemeral = message.ephemeral
            ix.reply = message
            fd._publish(message)
        elif cb_type == I.DEFERRED_UPDATE_MESSAGE:
            ix.reply = ix.message
        elif cb_type == I.UPDATE_MESSAGE:
            message = fd.world.messages.get(ix.message.id) if ix.message else None
            if message is None or message.deleted:
                raise E.unknown_message()
            self._apply_edit(message, data, req.files)
            ix.reply = message
            fd._publish_update(message)
        elif cb_type == I.AUTOCOMPLETE_RESULT:
            ix.choices = list(data.get("choices") or [])
        elif cb_type == I.MODAL:
            ix.modal = data
        ix._mark_responded(cb_type, at=req.now)

        if req.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        interaction: dict[str, Any] = {"id": str(ix.id), "type": ix.type}
        resource: dict[str, Any] = {"type": cb_type}
        if message is not None:
            interaction["response_message_id"] = str(message.id)
            interaction["response_message_loading"] = message.loading
            interaction["response_message_ephemeral"] = message.ephemeral
            resource["message"] = fd.world.message_payload(message)
        return 200, {"interaction": interaction, "resource": resource}

    def _interaction_message(
        self, ix: I.Interaction, data: dict[str, Any], files: list[FileUpload], *, loading: bool
    ) -> Message:
        if ix.type == I.APPLICATION_COMMAND:
            mtype = (
                MSG_CHAT_INPUT_COMMAND if ix.data.get("type", 1) == 1 else MSG_CONTEXT_MENU_COMMAND
            )
        else:
            mtype = MSG_DEFAULT
        if loading:
            body = {"flags": data.get("flags")}
            message = self._build_message(
                ix.channel,
                body,
                [],
                allowed_flags=FLAG_EPHEMERAL,
                mtype=mtype,
                extra_flags=FLAG_LOADING,
            )
        else:
            message = self._build_message(
                ix.channel, data, files, allowed_flags=INTERACTION_FLAGS, mtype=mtype
            )
        self._stamp_interaction(message, ix)
        return message

    def _stamp_interaction(self, message: Message, ix: I.Interaction) -> None:
        world = self.world
        message.webhook_id = world.application_id
        message.application_id = world.application_id
        message.interaction_id = ix.id
        message.interaction_user_id = ix.user.id
        message.interaction_type = ix.type
        if ix.type == I.APPLICATION_COMMAND:
            message.interaction_name = ix.label.lstrip("/")

    def _webhook_interaction(self, req: Req) -> I.Interaction:
        fd = self.fd
        ix = fd._interactions_by_token(req.params["webhook_token"])
        if ix is None or req.params["webhook_id"] != str(self.world.application_id):
            raise E.unknown_webhook()
        if req.now - ix.created_at > fd.interaction_token_ttl:
            raise E.invalid_webhook_token()
        return ix

    def webhook_execute(self, req: Req) -> Result:
        fd = self.fd
        ix = self._webhook_interaction(req)
        try:
            if not ix.acknowledged:
                raise E.unknown_webhook()
            body = self._body_dict(req)
            self._validate_message(body)
            reply = ix.reply
            if (
                ix.response_type == I.DEFERRED_CHANNEL_MESSAGE
                and reply is not None
                and reply.loading
            ):
                # Discord turns the first followup after a deferral into the original response.
                self._apply_edit(reply, body, req.files)
                message = reply
                fd._publish_update(message)
            else:
                message = self._build_message(
                    ix.channel, body, req.files, allowed_flags=INTERACTION_FLAGS
                )
                if not message.has_body():
                    raise E.empty_message()
                self._stamp_interaction(message, ix)
                message.interaction_name = None
                ix.followups.append(message)
                fd._publish(message)
        except E.APIError as exc:
            ix.rejected.append((exc.status, exc.body()))
            ix._notify()
            raise
        ix._notify()
        if req.query.get("wait") in ("1", "true", "True"):
            return 200, fd.world.message_payload(message)
        return 204, None

    def _webhook_message(self, ix: I.Interaction, raw_id: str) -> Message:
        if raw_id == "@original":
            message = ix.original()
        else:
            try:
                mid = int(raw_id)
            except ValueError:
                raise E.unknown_message() from None
            candidates = [ix.reply, *ix.followups]
            if ix.response_type in (I.DEFERRED_UPDATE_MESSAGE, I.UPDATE_MESSAGE):
                candidates.append(ix.message)
            message = next((m for m in candidates if m is not None and m.id == mid), None)
        if message is not None:
            message = self.world.messages.get(message.id, message)
        if message is None or message.deleted:
            raise E.unknown_message()
        return message

    def webhook_get(self, req: Req) -> Result:
        ix = self._webhook_interaction(req)
        message = self._webhook_message(ix, req.params["message_id"])
        return 200, self.world.message_payload(message)

    def webhook_edit(self, req: Req) -> Result:
        ix = self._webhook_interaction(req)
        try:
            message = self._webhook_message(ix, req.params["message_id"])
            body = self._body_dict(req)
            self._validate_message(body)
            self._apply_edit(message, body, req.files)
        except E.APIError as exc:
            ix.rejected.append((exc.status, exc.body()))
            ix._notify()
            raise
        self.fd._publish_update(message)
        ix._notify()
        return 200, self.world.message_payload(message)

    def webhook_delete(self, req: Req) -> Result:
        ix = self._webhook_interaction(req)
        message = self._webhook_message(ix, req.params["message_id"])
        self.fd._delete(message)
        ix._notify()
        return 204, None

    # ================================================================== channels

    def get_channel(self, req: Req) -> Result:
        channel = self._channel(req)
        self._require_view(channel)
        return 200, self.world.channel_payload(channel)

    def create_message(self, req: Req) -> Result:
        fd = self.fd
        world = self.world
        channel = self._channel(req)
        body = self._body_dict(req)
        self._validate_message(body)
        if channel.is_dm:
            recipient = world.users[channel.recipient_id or 0]
            if not recipient.dms_open or recipient.bot:
                raise E.cannot_dm()
        else:
            perms = self._require_view(channel)
            if not perms & (P.SEND_MESSAGES_IN_THREADS if channel.is_thread else P.SEND_MESSAGES):
                raise E.missing_permissions()
            if req.files and not perms & P.ATTACH_FILES:
                raise E.missing_permissions()
            if channel.archived:
                raise E.thread_archived()
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            key = str(nonce)
            seen = channel.nonces.get(key)
            if seen is not None and req.now - seen[0] <= NONCE_WINDOW and not seen[1].deleted:
                fd.stats["nonce_duplicates"] += 1
                return 200, world.message_payload(seen[1])
        message = self._build_message(channel, body, req.files, allowed_flags=CREATE_FLAGS)
        if not message.has_body():
            raise E.empty_message()
        if nonce is not None and body.get("enforce_nonce"):
            channel.nonces[str(nonce)] = (req.now, message)
            if len(channel.nonces) > 10_000:
                _prune_nonces(channel, req.now)
        if channel.is_thread:
            channel.message_count += 1
        fd._publish(message)
        return 200, world.message_payload(message)

    def list_messages(self, req: Req) -> Result:
        channel = self._channel(req)
        perms = self._require_view(channel)
        if not channel.is_dm and not perms & P.READ_MESSAGE_HISTORY:
            return 200, []
        try:
            limit = int(req.query.get("limit", "50"))
        except ValueError:
            limit = 50
        if not 1 <= limit <= 100:
            errs = L.FormErrors()
            errs.add(("limit",), "NUMBER_TYPE_MAX", "Must be between 1 and 100.")
            raise E.invalid_form_body(errs.tree)
        ids = list(channel.messages)  # ascending
        before, after, around = (req.query.get(k) for k in ("before", "after", "around"))
        if around is not None:
            pivot = int(around)
            older = [i for i in ids if i <= pivot][-((limit + 1) // 2) :]
            newer = [i for i in ids if i > pivot][: limit // 2]
            chosen = older + newer
        elif after is not None:
            chosen = [i for i in ids if i > int(after)][:limit]
        else:
            if before is not None:
                ids = [i for i in ids if i < int(before)]
            chosen = ids[-limit:]
        chosen.reverse()  # newest first, as Discord returns them
        return 200, [self.world.message_payload(channel.messages[i]) for i in chosen]

    def get_message(self, req: Req) -> Result:
        channel = self._channel(req)
        self._require_view(channel)
        return 200, self.world.message_payload(self._message_in(channel, req.params["message_id"]))

    def edit_message(self, req: Req) -> Result:
        channel = self._channel(req)
        self._require_view(channel)
        message = self._message_in(channel, req.params["message_id"])
        body = self._body_dict(req)
        self._validate_message(body)
        self._apply_edit(message, body, req.files, own=message.author_id == self.world.bot.id)
        self.fd._publish_update(message)
        return 200, self.world.message_payload(message)

    def delete_message(self, req: Req) -> Result:
        channel = self._channel(req)
        perms = self._require_view(channel)
        message = self._message_in(channel, req.params["message_id"])
        if message.author_id != self.world.bot.id:
            if channel.is_dm:
                raise E.APIError(403, 50003, "Cannot execute action on a DM channel")
            if not perms & P.MANAGE_MESSAGES:
                raise E.missing_permissions()
        self.fd._delete(message)
        return 204, None

    def typing(self, req: Req) -> Result:
        channel = self._channel(req)
        perms = self._require_view(channel)
        if not channel.is_dm and not perms & P.SEND_MESSAGES:
            raise E.missing_permissions()
        return 204, None

    def add_reaction(self, req: Req) -> Result:
        channel = self._channel(req)
        perms = self._require_view(channel)
        message = self._message_in(channel, req.params["message_id"])
        key = req.params["emoji"]
        if not channel.is_dm and not perms & P.READ_MESSAGE_HISTORY:
            raise E.missing_permissions()
        who = message.reactions.setdefault(key, set())
        if not who and not channel.is_dm and not perms & P.ADD_REACTIONS:
            raise E.missing_permissions()
        who.add(self.world.bot.id)
        return 204, None

    def remove_reaction(self, req: Req) -> Result:
        channel = self._channel(req)
        self._require_view(channel)
        message = self._message_in(channel, req.params["message_id"])
        who = message.reactions.get(req.params["emoji"])
        if who is not None:
            who.discard(self.world.bot.id)
        return 204, None

    # ================================================================== threads

    def create_thread(self, req: Req) -> Result:
        """A thread without a starter message (the bot's `start_thread_without_message`)."""
        world = self.world
        parent = self._channel(req)
        body = self._body_dict(req)
        if parent.is_dm or parent.is_thread or parent.type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
            raise E.wrong_channel_type()
        # Discord's default for a thread without a message is a private one.
        thread_type = body.get("type") or PRIVATE_THREAD
        if (thread_type == ANNOUNCEMENT_THREAD) != (parent.type == GUILD_ANNOUNCEMENT):
            raise E.wrong_channel_type()
        perms = self._require_view(parent)
        needed = (
            P.CREATE_PRIVATE_THREADS if thread_type == PRIVATE_THREAD else P.CREATE_PUBLIC_THREADS
        )
        if not perms & needed:
            raise E.missing_permissions()
        thread = world.create_thread(
            parent,
            body["name"],
            thread_type=thread_type,
            owner_id=world.bot.id,
            invitable=body.get("invitable") is not False,
            auto_archive_duration=body.get("auto_archive_duration") or 4320,
        )
        payload = world.channel_payload(thread)
        payload["member"] = world.thread_member_payload(thread, world.bot.id)
        self.fd.gateway.dispatch(
            "THREAD_CREATE",
            {**payload, "newly_created": True},
            guild_id=thread.guild_id,
            intent=G.GUILDS,
        )
        return 201, payload

    def _thread(self, req: Req) -> Channel:
        thread = self._channel(req)
        if not thread.is_thread:
            raise E.wrong_channel_type()
        return thread

    def list_thread_members(self, req: Req) -> Result:
        thread = self._thread(req)
        self._require_view(thread)
        return 200, [self.world.thread_member_payload(thread, u) for u in thread.thread_members]

    def add_thread_member(self, req: Req) -> Result:
        world = self.world
        thread = self._thread(req)
        perms = self._require_view(thread)
        if thread.archived:
            raise E.thread_archived()
        if not perms & P.SEND_MESSAGES_IN_THREADS:
            raise E.missing_permissions()
        user_id = int(req.params["user_id"])
        if user_id not in world.users:
            raise E.unknown_user()
        member = world.guilds[thread.guild_id or 0].members.get(user_id)
        if member is None:
            raise E.unknown_member()
        if user_id not in thread.thread_members:
            thread.thread_members[user_id] = _now_iso()
            added = world.thread_member_payload(thread, user_id)
            added["member"] = world.member_payload(member)
            self.fd.gateway.dispatch(
                "THREAD_MEMBERS_UPDATE",
                {
                    "id": str(thread.id),
                    "guild_id": str(thread.guild_id),
                    "member_count": min(len(thread.thread_members), 50),
                    "added_members": [added],
                },
                guild_id=thread.guild_id,
                intent=G.GUILD_MEMBERS,
            )
        return 204, None

    # ================================================================== guilds

    def _guild(self, req: Req) -> Any:
        guild = self.world.guilds.get(int(req.params["guild_id"]))
        if guild is None or self.world.bot.id not in guild.members:
            raise E.unknown_guild()
        return guild

    def get_guild(self, req: Req) -> Result:
        guild = self._guild(req)
        data = self.world.guild_payload(guild)
        if req.query.get("with_counts") in ("1", "true", "True"):
            data["approximate_member_count"] = guild.member_count
            data["approximate_presence_count"] = 0
        return 200, data

    def get_guild_channels(self, req: Req) -> Result:
        guild = self._guild(req)
        return 200, [self.world.channel_payload(c) for c in guild.channels.values()]

    def get_guild_roles(self, req: Req) -> Result:
        guild = self._guild(req)
        return 200, [r.payload() for r in guild.roles.values()]

    def list_members(self, req: Req) -> Result:
        guild = self._guild(req)
        try:
            limit = int(req.query.get("limit", "1"))
            after = int(req.query.get("after", "0"))
        except ValueError:
            limit, after = 1, 0
        limit = max(1, min(limit, 1000))
        ids = sorted(uid for uid in guild.members if uid > after)[:limit]
        return 200, [self.world.member_payload(guild.members[uid]) for uid in ids]

    def get_member(self, req: Req) -> Result:
        guild = self._guild(req)
        member = guild.members.get(int(req.params["user_id"]))
        if member is None:
            raise E.unknown_member()
        return 200, self.world.member_payload(member)

    # ================================================================== scheduled events

    def _scheduled_event(self, req: Req) -> Any:
        guild = self._guild(req)
        event = guild.scheduled_events.get(int(req.params["guild_scheduled_event_id"]))
        if event is None:
            raise E.unknown_scheduled_event()
        return event

    def list_scheduled_events(self, req: Req) -> Result:
        """Scheduled and active events; ended ones drop out of the list, as on Discord."""
        guild = self._guild(req)
        counts = _flag(req.query.get("with_user_count"))
        return 200, [
            self.world.scheduled_event_payload(event, with_user_count=counts)
            for event in sorted(guild.scheduled_events.values(), key=lambda e: e.id)
            if event.listed
        ]

    def get_scheduled_event(self, req: Req) -> Result:
        event = self._scheduled_event(req)
        counts = _flag(req.query.get("with_user_count"))
        return 200, self.world.scheduled_event_payload(event, with_user_count=counts)

    def list_scheduled_event_users(self, req: Req) -> Result:
        """Interested users by ascending id: `limit` (default and at most 100) after `after`,
        or the `limit` just before `before`."""
        event = self._scheduled_event(req)
        # The spec gate has checked the values (limit 1-100, snowflakes) when it is on.
        limit = min(max(_int(req.query.get("limit")) or 100, 1), 100)
        ids = sorted(event.interested)
        if "before" in req.query:
            before = _int(req.query["before"])
            ids = [uid for uid in ids if uid < before][-limit:]
        else:
            after = _int(req.query.get("after"))
            ids = [uid for uid in ids if uid > after][:limit]
        with_member = _flag(req.query.get("with_member"))
        return 200, [
            self.world.scheduled_event_user_payload(event, uid, with_member=with_member)
            for uid in ids
            if uid in self.world.users
        ]


def _flag(value: str | None) -> bool:
    """A boolean query parameter as Discord reads it (`true`, `1`; discord.py sends 0/1)."""
    return (value or "").lower() in ("1", "true")


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def _check_snowflakes(params: dict[str, str]) -> None:
    for key, value in params.items():
        if key.endswith("_id") and value != "@original" and not value.isdigit():
            raise E.invalid_form_body(
                {
                    key: {
                        "_errors": [
                            {
                                "code": "NUMBER_TYPE_COERCE",
                                "message": f'Value "{value}" is not snowflake.',
                            }
                        ]
                    }
                }
            )


FILE_FIELD = re.compile(r"files\[(\d+)\]")


def _check_file_field(name: str, earlier: list[FileUpload]) -> None:
    """A file part is `files[n]`, n from 0 to 9, each once: the form Discord documents and
    its OpenAPI spec lists for every multipart message body."""
    match = FILE_FIELD.fullmatch(name)
    problem = None
    if match is None or int(match.group(1)) >= L.ATTACHMENTS_MAX:
        problem = f"File field {name!r} must be files[0] to files[{L.ATTACHMENTS_MAX - 1}]"
    elif any(f.field == name for f in earlier):
        problem = f"File field {name!r} appears twice"
    if problem is not None:
        error = {"code": "ATTACHMENT_FIELD_INVALID", "message": problem}
        raise E.invalid_form_body({name or "files": {"_errors": [error]}})


def _prune_nonces(channel: Channel, now: float) -> None:
    stale = [k for k, (at, _) in channel.nonces.items() if now - at > NONCE_WINDOW]
    for key in stale:
        del channel.nonces[key]
