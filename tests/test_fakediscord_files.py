"""fakediscord takes files as Discord does: multipart with payload_json and files[n], an
`attachments` list describing them (with the description screen readers read), pictures
measured, and what Discord refuses refused with its error."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import aiohttp
import discord
import pytest
from PIL import Image

from testing.harness import Harness, Server


def png(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#0072B2").save(buffer, format="PNG")
    return buffer.getvalue()


async def raw_post(kindred: Harness, channel_id: int, form: aiohttp.FormData) -> tuple[int, Any]:
    url = f"{kindred.fd.api_base}/channels/{channel_id}/messages"
    headers = {"Authorization": f"Bot {kindred.fd.bot_token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=form, headers=headers) as response,
    ):
        return response.status, await response.json()


def form(payload: dict[str, Any], files: dict[str, bytes]) -> aiohttp.FormData:
    data = aiohttp.FormData(quote_fields=False)
    data.add_field("payload_json", json.dumps(payload), content_type="application/json")
    for field, content in files.items():
        data.add_field(field, content, filename="chart.png", content_type="image/png")
    return data


async def test_a_picture_with_a_description_arrives_measured(
    kindred: Harness, server: Server
) -> None:
    assert kindred.bot is not None
    channel = kindred.bot.get_channel(int(server.channel("general").id))
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send(
        "A chart", file=discord.File(io.BytesIO(png(120, 80)), "chart.png", description="Bars")
    )
    [attachment] = sent.attachments  # as discord.py read Discord's answer
    assert attachment.description == "Bars"
    assert (attachment.width, attachment.height) == (120, 80)
    assert attachment.content_type == "image/png"  # discord.py said application/octet-stream
    [stored] = kindred.fd.channel_messages(server.channel("general"))[-1].attachments
    assert stored.content == png(120, 80)


@pytest.mark.parametrize(
    ("payload", "files", "problem"),
    [
        ({"attachments": [{"id": 0}]}, {"file": png()}, "file"),
        ({"attachments": [{"id": 0}]}, {"files[10]": png()}, "files[10]"),
        ({"attachments": [{"id": 1, "filename": "a.png"}]}, {"files[0]": png()}, "attachments"),
        (
            {"attachments": [{"id": 0, "description": "d" * 1025}]},
            {"files[0]": png()},
            "attachments",
        ),
    ],
    ids=["legacy field name", "eleventh file", "no such file", "description too long"],
)
async def test_what_discord_refuses_is_refused(
    kindred: Harness, server: Server, payload: dict[str, Any], files: dict[str, bytes], problem: str
) -> None:
    before = len(kindred.fd.channel_messages(server.channel("general")))
    status, body = await raw_post(
        kindred, int(server.channel("general").id), form({"content": "x", **payload}, files)
    )
    assert status == 400 and body["code"] == 50035
    assert problem in json.dumps(body["errors"])
    assert len(kindred.fd.channel_messages(server.channel("general"))) == before


async def test_a_picture_in_the_interaction_callback_itself(
    kindred: Harness, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def answer_at_once(interaction: discord.Interaction) -> None:
        return None

    # The pictures' commands say "thinking" first; without it the picture rides in the
    # callback, multipart, as discord.py sends it.
    # discord.py loads extensions by name, without making them attributes of `cogs`.
    monkeypatch.setattr(sys.modules["cogs.pitch"], "defer_private", answer_at_once)
    await server.run("Ines", "pitchcheck text", text="What got you all into pottery, friends?")
    reply = await server.run("Ines", "pitchcheck history")
    [attachment] = reply.reply.attachments
    assert attachment.payload()["content_type"] == "image/png"
    assert attachment.description.startswith("Line chart")
    [callback] = [r for r in kindred.fd.requests if r.path.endswith("/callback") and r.files]
    assert callback.json["type"] == 4
    assert callback.json["data"]["attachments"][0]["description"] == attachment.description


async def test_files_in_a_followup_after_thinking(kindred: Harness, server: Server) -> None:
    # /mydata export says "thinking", then follows up with the file.
    reply = await server.run("Maya", "mydata export")
    [attachment] = [a for m in [reply.reply, *reply.followups] for a in m.attachments]
    assert attachment.filename.endswith(".json") and attachment.ephemeral
    assert "width" not in attachment.payload()  # not a picture
    callbacks = [r for r in kindred.fd.requests if r.files and "/webhooks/" in r.path]
    assert callbacks and all(f.field.startswith("files[") for r in callbacks for f in r.files)
