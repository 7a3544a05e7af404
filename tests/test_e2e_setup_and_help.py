"""End to end: /kindred help and /setup through fakediscord with the real bot."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.models import Community
from testing.harness import Harness, Server


def embed_text(message: Any) -> str:
    parts: list[str] = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
        parts.append(embed.get("footer", {}).get("text", ""))
    return "\n".join(parts)


async def community_row(kindred: Harness, server: Server) -> Community | None:
    assert kindred.db is not None
    async with kindred.db.read() as session:
        return await session.scalar(select(Community).where(Community.guild_id == server.id))


async def test_help_is_private_and_lists_the_commands(kindred: Harness, server: Server) -> None:
    reply = await server.run("Maya", "kindred help")
    assert reply.ephemeral
    text = embed_text(reply.reply)
    assert "/setup" in text and "/reflections start" in text and "/thanks give" in text
    assert server.guild.name in text


async def test_setup_without_options_shows_defaults(kindred: Harness, server: Server) -> None:
    reply = await server.run("Olu", "setup")
    assert reply.ephemeral
    text = embed_text(reply.reply)
    assert "Not set yet" in text
    assert "UTC" in text and "09:00" in text
    row = await community_row(kindred, server)
    assert row is not None and row.thanks_channel_id is None


async def test_organizer_sets_everything_at_once(kindred: Harness, server: Server) -> None:
    thanks = server.channel("referral-thanks")
    intro = server.channel("introductions")
    reply = await server.run(
        "Olu",
        "setup",
        thanks_channel="#referral-thanks",
        intro_channel="#introductions",
        timezone="Europe/Berlin",
        prompt_time="8:30 pm",
    )
    assert reply.ephemeral
    text = embed_text(reply.reply)
    assert "Saved" in text
    assert f"<#{thanks.id}>" in text and f"<#{intro.id}>" in text
    assert "Europe/Berlin" in text and "20:30" in text
    row = await community_row(kindred, server)
    assert row is not None
    assert (row.thanks_channel_id, row.intro_channel_id) == (int(thanks.id), int(intro.id))
    assert (row.timezone, row.prompt_time) == ("Europe/Berlin", "20:30")


async def test_member_without_manage_server_is_refused(kindred: Harness, server: Server) -> None:
    reply = await server.run("Maya", "setup", timezone="Asia/Kathmandu")
    assert reply.ephemeral
    assert "Manage Server" in reply.reply.content
    assert await community_row(kindred, server) is None


async def test_invalid_timezone_changes_nothing(kindred: Harness, server: Server) -> None:
    await server.run("Olu", "setup", timezone="America/New_York")
    reply = await server.run("Olu", "setup", timezone="Mars/Base", prompt_time="07:00")
    assert reply.ephemeral
    assert "Mars/Base" in reply.reply.content and "Nothing was changed" in reply.reply.content
    row = await community_row(kindred, server)
    assert row is not None and (row.timezone, row.prompt_time) == ("America/New_York", "09:00")


async def test_invalid_time_changes_nothing(kindred: Harness, server: Server) -> None:
    reply = await server.run(
        "Olu", "setup", prompt_time="25:00", timezone="Europe/Berlin", thanks_channel="#general"
    )
    assert reply.ephemeral
    assert "25:00" in reply.reply.content and "Nothing was changed" in reply.reply.content
    assert await community_row(kindred, server) is None


async def test_channel_kindred_cannot_post_in_is_refused(kindred: Harness) -> None:
    server = await kindred.new_server(locked_channels=("announcements",))
    reply = await server.run("Olu", "setup", thanks_channel="#announcements")
    assert reply.ephemeral
    assert "can't post" in reply.reply.content
    assert "Send Messages" in reply.reply.content
    assert await community_row(kindred, server) is None


async def test_timezone_autocomplete_finds_cities(kindred: Harness, server: Server) -> None:
    choices = await server.autocomplete("Olu", "setup", "timezone", timezone="kathm")
    assert choices[0]["value"] == "Asia/Kathmandu"
    choices = await server.autocomplete("Olu", "setup", "timezone", timezone="")
    assert 1 <= len(choices) <= 25


async def test_replies_never_ping(kindred: Harness, server: Server) -> None:
    await server.run("Olu", "setup", timezone="@everyone")
    bodies = [
        r.json
        for r in kindred.fd.requests
        if r.json and "/callback" in r.path and r.json.get("type") in (4, 7)
    ]
    assert bodies
    for body in bodies:
        mentions = body["data"].get("allowed_mentions")
        assert mentions is not None and mentions.get("parse") == []
