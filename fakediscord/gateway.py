"""The gateway websocket: HELLO/IDENTIFY/RESUME, heartbeats, sharded dispatch.

Sessions outlive their websocket so a client can RESUME and get the events it missed,
the way Discord keeps a session resumable for a while after a disconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from fakediscord.snowflake import shard_for

if TYPE_CHECKING:
    from fakediscord.server import FakeDiscord

log = logging.getLogger("fakediscord.gateway")

# Opcodes.
DISPATCH = 0
HEARTBEAT = 1
IDENTIFY = 2
PRESENCE_UPDATE = 3
VOICE_STATE_UPDATE = 4
RESUME = 6
RECONNECT = 7
REQUEST_GUILD_MEMBERS = 8
INVALID_SESSION = 9
HELLO = 10
HEARTBEAT_ACK = 11
REQUEST_SOUNDBOARD_SOUNDS = 31

# Intents.
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
DIRECT_MESSAGES = 1 << 12
DIRECT_MESSAGE_REACTIONS = 1 << 13
MESSAGE_CONTENT = 1 << 15
GUILD_SCHEDULED_EVENTS = 1 << 16
PRIVILEGED_INTENTS = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
ALL_INTENTS = (1 << 26) - 1

CHUNK_SIZE = 1000


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class _Close:
    __slots__ = ("code", "reason")

    def __init__(self, code: int, reason: str) -> None:
        self.code = code
        self.reason = reason


class Connection:
    """One websocket. Every outgoing frame goes through one queue and one writer, because
    zlib-stream frames share a compressor and must be sent in order."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[str | _Close] = asyncio.Queue()
        self.session: Session | None = None
        self._compressor: Any = None
        self._zstd = False
        if compress == "zlib-stream":
            self._compressor = zlib.compressobj()
        elif compress == "zstd-stream":
            try:
                import zstandard  # type: ignore[import-not-found]
            except ImportError:
                # Without a zstd encoder we fall back to plain text frames, which every
                # client must accept; discord.py only decompresses binary frames.
                self._compressor = None
            else:
                self._compressor = zstandard.ZstdCompressor().compressobj()
                self._zstd = True
        self.writer = asyncio.create_task(self._write_loop(), name="fakediscord-gw-writer")
        self.closed = False

    def send_text(self, frame: str) -> None:
        if not self.closed:
            self.queue.put_nowait(frame)

    def send_op(self, op: int, d: Any) -> None:
        self.send_text(_dumps({"op": op, "d": d, "s": None, "t": None}))

    def close(self, code: int, reason: str = "") -> None:
        if not self.closed:
            self.queue.put_nowait(_Close(code, reason))

    def _encode(self, frame: str) -> bytes:
        raw = frame.encode()
        if self._zstd:
            import zstandard  # type: ignore[import-not-found]

            return self._compressor.compress(raw) + self._compressor.flush(
                zstandard.COMPRESSOBJ_FLUSH_BLOCK
            )
        return self._compressor.compress(raw) + self._compressor.flush(zlib.Z_SYNC_FLUSH)

    async def _write_loop(self) -> None:
        ws = self.ws
        try:
            while True:
                item = await self.queue.get()
                if isinstance(item, _Close):
                    self.closed = True
                    await ws.close(code=item.code, message=item.reason.encode())
                    return
                if self._compressor is not None:
                    await ws.send_bytes(self._encode(item))
                else:
                    await ws.send_str(item)
        except (ConnectionResetError, RuntimeError) as exc:
            log.debug("gateway writer stopped: %s", exc)
        finally:
            self.closed = True


class Session:
    __slots__ = (
        "buffer",
        "connection",
        "id",
        "intents",
        "large_threshold",
        "seq",
        "shard_count",
        "shard_id",
    )

    def __init__(
        self,
        *,
        shard_id: int,
        shard_count: int,
        intents: int,
        large_threshold: int,
        buffer_size: int,
    ) -> None:
        self.id = secrets.token_hex(16)
        self.shard_id = shard_id
        self.shard_count = shard_count
        self.intents = intents
        self.large_threshold = large_threshold
        self.seq = 0
        self.buffer: deque[tuple[int, str]] = deque(maxlen=buffer_size)
        self.connection: Connection | None = None

    def wants_guild(self, guild_id: int) -> bool:
        return shard_for(guild_id, self.shard_count) == self.shard_id

    def push(self, event: str, d_json: str) -> None:
        self.seq += 1
        frame = f'{{"op":0,"t":"{event}","s":{self.seq},"d":{d_json}}}'
        self.buffer.append((self.seq, frame))
        if self.connection is not None:
            self.connection.send_text(frame)

    def __repr__(self) -> str:
        state = "connected" if self.connection else "detached"
        return f"<Session {self.id[:8]} shard={self.shard_id}/{self.shard_count} {state}>"


class Gateway:
    def __init__(self, fd: FakeDiscord) -> None:
        self.fd = fd
        self.sessions: dict[str, Session] = {}
        self.connections: set[Connection] = set()
        self.heartbeat_interval_ms = 41250
        # Frames kept per session for RESUME; bounded so long benchmarks stay flat in memory.
        self.resume_buffer_size = 10_000
        self.events_dispatched = 0

    # ------------------------------------------------------------------ dispatch

    def dispatch(
        self,
        event: str,
        data: dict[str, Any],
        *,
        guild_id: int | None = None,
        intent: int | None = None,
        redacted: dict[str, Any] | None = None,
    ) -> int:
        """Send ``event`` to every session whose shard owns ``guild_id`` (DMs: shard 0).

        ``redacted`` is sent instead to sessions without MESSAGE_CONTENT.
        Returns how many sessions received it.
        """
        full_json: str | None = None
        redacted_json: str | None = None
        delivered = 0
        for session in self.sessions.values():
            if guild_id is None:
                if session.shard_id != 0:
                    continue
            elif not session.wants_guild(guild_id):
                continue
            if intent is not None and not session.intents & intent:
                continue
            if redacted is not None and not session.intents & MESSAGE_CONTENT:
                if redacted_json is None:
                    redacted_json = _dumps(redacted)
                session.push(event, redacted_json)
            else:
                if full_json is None:
                    full_json = _dumps(data)
                session.push(event, full_json)
            delivered += 1
        self.events_dispatched += delivered
        return delivered

    def connected_sessions(self, shard_id: int | None = None) -> list[Session]:
        return [
            s
            for s in self.sessions.values()
            if s.connection is not None and (shard_id is None or s.shard_id == shard_id)
        ]

    # ------------------------------------------------------------------ websocket

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=0, autoping=True)
        await ws.prepare(request)
        query = request.query
        conn = Connection(ws, query.get("compress"))
        self.connections.add(conn)
        try:
            version = query.get("v")
            if version is not None and version != "10":
                conn.close(4012, "Invalid API version")
                await conn.writer
                return ws
            if query.get("encoding", "json") != "json":
                conn.close(4002, "Error while decoding payload.")
                await conn.writer
                return ws
            conn.send_op(
                HELLO,
                {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fakediscord"]},
            )
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    self._on_frame(conn, msg.data)
                elif msg.type is WSMsgType.BINARY:
                    conn.close(4002, "Error while decoding payload.")
                elif msg.type is WSMsgType.ERROR:
                    break
                if conn.closed:
                    break
        finally:
            self.connections.discard(conn)
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
            if not conn.writer.done():
                # Let queued frames (e.g. a close frame) go out before tearing down.
                with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(asyncio.shield(conn.writer), 0.05)
                conn.writer.cancel()
        return ws

    def _on_frame(self, conn: Connection, text: str) -> None:
        try:
            payload = json.loads(text)
            op = payload["op"]
            d = payload.get("d")
        except (ValueError, KeyError, TypeError):
            conn.close(4002, "Error while decoding payload.")
            return
        if op == HEARTBEAT:
            conn.send_op(HEARTBEAT_ACK, None)
        elif op == IDENTIFY:
            self._identify(conn, d)
        elif op == RESUME:
            self._resume(conn, d)
        elif conn.session is None:
            conn.close(4003, "Not authenticated.")
        elif op == REQUEST_GUILD_MEMBERS:
            self._request_members(conn.session, d or {})
        elif op in (PRESENCE_UPDATE, VOICE_STATE_UPDATE, REQUEST_SOUNDBOARD_SOUNDS):
            pass
        else:
            conn.close(4001, "Unknown opcode.")

    def _token_ok(self, token: Any) -> bool:
        if not isinstance(token, str):
            return False
        token = token.removeprefix("Bot ")
        return secrets.compare_digest(token, self.fd.bot_token)

    def _identify(self, conn: Connection, d: Any) -> None:
        fd = self.fd
        if conn.session is not None:
            conn.close(4005, "Already authenticated.")
            return
        if not isinstance(d, dict) or not self._token_ok(d.get("token")):
            conn.close(4004, "Authentication failed.")
            return
        intents = d.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents > ALL_INTENTS:
            conn.close(4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS and not fd.allow_privileged_intents:
            conn.close(4014, "Disallowed intent(s).")
            return
        shard = d.get("shard")
        shard_id, shard_count = 0, 1
        if shard is not None:
            if (
                not isinstance(shard, list)
                or len(shard) != 2
                or not all(isinstance(x, int) for x in shard)
                or shard[1] < 1
                or not 0 <= shard[0] < shard[1]
            ):
                conn.close(4010, "Invalid shard.")
                return
            shard_id, shard_count = shard
        large_threshold = d.get("large_threshold", 50)
        if not isinstance(large_threshold, int):
            large_threshold = 50
        large_threshold = min(max(large_threshold, 50), 250)
        # A new identify for a shard supersedes any detached session of that shard.
        for sid, old in list(self.sessions.items()):
            if (old.shard_id, old.shard_count) == (shard_id, shard_count) and not old.connection:
                del self.sessions[sid]
        session = Session(
            shard_id=shard_id,
            shard_count=shard_count,
            intents=intents,
            large_threshold=large_threshold,
            buffer_size=self.resume_buffer_size,
        )
        self.sessions[session.id] = session
        session.connection = conn
        conn.session = session
        world = fd.world
        guilds = [g for g in world.guilds.values() if session.wants_guild(g.id)]
        ready: dict[str, Any] = {
            "v": 10,
            "user": {**world.bot.payload(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": fd.gateway_url,
            "application": {"id": str(world.application_id), "flags": fd.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": ["fakediscord"],
            "_trace": ["fakediscord"],
        }
        if shard is not None:
            ready["shard"] = [shard_id, shard_count]
        session.push("READY", _dumps(ready))
        if intents & GUILDS:
            for guild in guilds:
                payload = world.guild_create_payload(guild, large_threshold=large_threshold)
                session.push("GUILD_CREATE", _dumps(payload))
        log.debug("identified %r", session)

    def _resume(self, conn: Connection, d: Any) -> None:
        if conn.session is not None:
            conn.close(4005, "Already authenticated.")
            return
        if not isinstance(d, dict) or not self._token_ok(d.get("token")):
            conn.close(4004, "Authentication failed.")
            return
        session = self.sessions.get(d.get("session_id") or "")
        seq = d.get("seq")
        if session is None or not isinstance(seq, int) or seq > session.seq:
            conn.send_op(INVALID_SESSION, False)
            return
        if session.buffer and seq < session.buffer[0][0] - 1:
            # The events the client missed have been dropped from the replay buffer.
            conn.send_op(INVALID_SESSION, False)
            return
        if session.connection is not None and session.connection is not conn:
            session.connection.close(4009, "Session timed out.")
        session.connection = conn
        conn.session = session
        for s, frame in session.buffer:
            if s > seq:
                conn.send_text(frame)
        session.push("RESUMED", _dumps({"_trace": ["fakediscord"]}))
        log.debug("resumed %r from seq %s", session, seq)

    def _request_members(self, session: Session, d: dict[str, Any]) -> None:
        raw_ids = d.get("guild_id")
        guild_ids: Iterable[Any] = raw_ids if isinstance(raw_ids, list) else [raw_ids]
        world = self.fd.world
        for raw in guild_ids:
            try:
                guild = world.guilds.get(int(raw))
            except (TypeError, ValueError):
                continue
            if guild is None or not session.wants_guild(guild.id):
                continue
            self._send_chunks(session, guild, d)

    def _send_chunks(self, session: Session, guild: Any, d: dict[str, Any]) -> None:
        world = self.fd.world
        nonce = d.get("nonce")
        user_ids = d.get("user_ids")
        not_found: list[str] = []
        if user_ids is not None:
            ids = user_ids if isinstance(user_ids, list) else [user_ids]
            members = []
            for raw in ids:
                member = guild.members.get(int(raw))
                if member is None:
                    not_found.append(str(raw))
                else:
                    members.append(member)
        else:
            query = (d.get("query") or "").lower()
            limit = d.get("limit") or 0
            if query:
                members = [
                    m
                    for m in guild.members.values()
                    if m.user.name.lower().startswith(query)
                    or (m.nick or "").lower().startswith(query)
                ]
            else:
                members = list(guild.members.values())
            if limit:
                members = members[:limit]
        count = max(1, -(-len(members) // CHUNK_SIZE))
        for index in range(count):
            part = members[index * CHUNK_SIZE : (index + 1) * CHUNK_SIZE]
            chunk: dict[str, Any] = {
                "guild_id": str(guild.id),
                "members": [world.member_payload(m) for m in part],
                "chunk_index": index,
                "chunk_count": count,
            }
            if not_found and index == 0:
                chunk["not_found"] = not_found
            if nonce is not None:
                chunk["nonce"] = nonce
            session.push("GUILD_MEMBERS_CHUNK", _dumps(chunk))

    # ------------------------------------------------------------------ control

    def drop(self, *, code: int = 4000, shard_id: int | None = None) -> int:
        """Close client connections (resumable unless the code says otherwise)."""
        dropped = 0
        for session in self.sessions.values():
            conn = session.connection
            if conn is not None and (shard_id is None or session.shard_id == shard_id):
                conn.close(code, "fakediscord dropped the connection")
                dropped += 1
        return dropped

    def request_reconnect(self, *, shard_id: int | None = None) -> int:
        sent = 0
        for session in self.sessions.values():
            conn = session.connection
            if conn is not None and (shard_id is None or session.shard_id == shard_id):
                conn.send_op(RECONNECT, None)
                sent += 1
        return sent

    async def close_all(self) -> None:
        for conn in list(self.connections):
            conn.close(1001, "fakediscord stopping")
        writers = [c.writer for c in self.connections if not c.writer.done()]
        if writers:
            await asyncio.wait(writers, timeout=1.0)
        self.sessions.clear()
