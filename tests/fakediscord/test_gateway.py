"""Gateway protocol details, checked with a raw websocket and with discord.py."""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from fakediscord import FakeDiscord, start_client, stop_client
from tests.fakediscord.helpers import RecordingBot


@pytest.fixture(scope="module")
async def fd() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord(allow_privileged_intents=False)
    await server.start()
    owner = server.add_user("Owner")
    guild = server.add_guild("Big Meetup", owner=owner)
    server.add_channel(guild, "general")
    for i in range(300):
        server.add_member(guild, server.add_user(f"member{i}"))
    try:
        yield server
    finally:
        await server.stop()
        assert not server.internal_errors


class ZlibSocket:
    """A minimal gateway client speaking zlib-stream, like discord.py."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.inflate = zlib.decompressobj()

    async def recv(self) -> dict[str, Any]:
        msg = await self.ws.receive(timeout=2)
        assert msg.type is aiohttp.WSMsgType.BINARY, msg
        assert msg.data.endswith(b"\x00\x00\xff\xff")
        return json.loads(self.inflate.decompress(msg.data))

    async def send(self, op: int, d: Any) -> None:
        await self.ws.send_str(json.dumps({"op": op, "d": d}))

    async def close_code(self) -> int | None:
        msg = await self.ws.receive(timeout=2)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), msg
        return self.ws.close_code


async def connect(fd: FakeDiscord, session: aiohttp.ClientSession) -> ZlibSocket:
    url = f"{fd.gateway_url}?v=10&encoding=json&compress=zlib-stream"
    return ZlibSocket(await session.ws_connect(url))


def identify(fd: FakeDiscord, **overrides: Any) -> dict[str, Any]:
    payload = {
        "token": fd.bot_token,
        "intents": 1 | (1 << 9),
        "properties": {"os": "linux", "browser": "test", "device": "test"},
    }
    payload.update(overrides)
    return payload


async def test_hello_heartbeat_identify_ready(fd: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        sock = await connect(fd, session)
        hello = await sock.recv()
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
        await sock.send(1, None)
        assert (await sock.recv())["op"] == 11
        await sock.send(2, identify(fd, shard=[0, 1]))
        ready = await sock.recv()
        assert (ready["t"], ready["s"]) == ("READY", 1)
        assert ready["d"]["application"]["id"] == str(fd.application_id)
        assert ready["d"]["guilds"][0]["unavailable"] is True
        assert ready["d"]["resume_gateway_url"] == fd.gateway_url
        create = await sock.recv()
        assert (create["t"], create["s"]) == ("GUILD_CREATE", 2)
        # 302 members > large_threshold: only the bot's member, the rest by chunking.
        assert create["d"]["large"] is True and create["d"]["member_count"] == 302
        assert [m["user"]["id"] for m in create["d"]["members"]] == [str(fd.bot_user.id)]
        await sock.ws.close()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"token": "wrong"}, 4004),
        ({"shard": [2, 2]}, 4010),
        ({"intents": 1 << 15}, 4014),  # message_content while privileged intents are off
    ],
)
async def test_identify_rejections(fd: FakeDiscord, overrides: dict[str, Any], code: int) -> None:
    async with aiohttp.ClientSession() as session:
        sock = await connect(fd, session)
        await sock.recv()
        await sock.send(2, identify(fd, **overrides))
        assert await sock.close_code() == code


async def test_resume_of_unknown_session_is_invalidated(fd: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session:
        sock = await connect(fd, session)
        await sock.recv()
        await sock.send(6, {"token": fd.bot_token, "session_id": "nope", "seq": 3})
        invalid = await sock.recv()
        assert invalid["op"] == 9 and invalid["d"] is False
        await sock.ws.close()


async def test_privileged_intents_refused_like_discord(fd: FakeDiscord) -> None:
    intents = discord.Intents.default()
    intents.message_content = True
    bot = RecordingBot(intents=intents)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await start_client(fd, bot)
    await bot.close()


async def test_large_guild_is_chunked_by_discord_py(fd: FakeDiscord) -> None:
    fd.allow_privileged_intents = True
    intents = discord.Intents.default()
    intents.members = True
    bot = RecordingBot(intents=intents)
    task = await start_client(fd, bot)
    try:
        guild = bot.guilds[0]
        assert guild.large and guild.chunked
        assert len(guild.members) == 302
        assert bot.seen["socket_event_type"].count("GUILD_MEMBERS_CHUNK") == 1
    finally:
        await stop_client(bot, task)
        fd.allow_privileged_intents = False
