"""End to end: the optional introductions nudge (needs the Message Content intent)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from testing.harness import Harness, Server
from tests.dms import turn_off_command
from tests.test_e2e_pitch import CONNECT, PITCH


@pytest.fixture(scope="module")
async def kindred(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    harness = Harness(Path(tmp_path_factory.mktemp("nudge")))
    await harness.start(MESSAGE_CONTENT_INTENT="true")
    try:
        yield harness
    finally:
        await harness.stop()


async def nudge_server(kindred: Harness) -> Server:
    server = await kindred.new_server()
    reply = await server.run("Olu", "setup", intro_channel="#introductions", intro_nudges=True)
    assert "Saved" in reply.reply.content
    return server


def nudges_to(kindred: Harness, server: Server, who: str) -> list[object]:
    return [m for m in kindred.fd.dms_to(server.person(who)) if "introductions" in m.content]


async def post_intro(kindred: Harness, server: Server, who: str, text: str) -> None:
    await kindred.fd.send_message(server.person(who), server.channel("introductions"), text)
    await asyncio.sleep(0.3)


async def test_pitchy_intro_gets_one_private_dm(kindred: Harness) -> None:
    server = await nudge_server(kindred)
    await post_intro(kindred, server, "Maya", PITCH)
    await kindred.fd.wait_for(lambda: len(nudges_to(kindred, server, "Maya")) == 1)
    [dm] = nudges_to(kindred, server, "Maya")
    content = dm.content  # type: ignore[attr-defined]
    assert "offer than a hello" in content
    assert turn_off_command(dm) == "/pitchcheck nudges setting:off"
    # Unasked for, so no number: a score in a DM she didn't ask for reads as a grade.
    assert "/100" not in content and "scored" not in content
    # Nothing public: Kindred posted nothing in the channel.
    assert all(
        m.author_id != kindred.fd.bot_user.id
        for m in kindred.fd.channel_messages(server.channel("introductions"))
    )


async def test_connecting_intro_and_other_channels_get_nothing(kindred: Harness) -> None:
    server = await nudge_server(kindred)
    await post_intro(kindred, server, "Ines", CONNECT)
    await kindred.fd.send_message(server.person("Ines"), server.channel("general"), PITCH)
    await asyncio.sleep(0.3)
    assert nudges_to(kindred, server, "Ines") == []


async def test_at_most_one_nudge_a_week(kindred: Harness) -> None:
    server = await nudge_server(kindred)
    await post_intro(kindred, server, "Maya", PITCH)
    await kindred.fd.wait_for(lambda: len(nudges_to(kindred, server, "Maya")) == 1)
    await post_intro(kindred, server, "Maya", PITCH + " Again!")
    assert len(nudges_to(kindred, server, "Maya")) == 1
    await kindred.advance(timedelta(days=7, minutes=1))
    await post_intro(kindred, server, "Maya", PITCH + " Third time.")
    await kindred.fd.wait_for(lambda: len(nudges_to(kindred, server, "Maya")) == 2)


async def test_members_can_turn_nudges_off(kindred: Harness) -> None:
    server = await nudge_server(kindred)
    off = await server.run("Ines", "pitchcheck nudges", setting="off")
    assert "off" in off.reply.content
    await post_intro(kindred, server, "Ines", PITCH)
    assert nudges_to(kindred, server, "Ines") == []
    on = await server.run("Ines", "pitchcheck nudges", setting="on")
    assert "on" in on.reply.content
    await post_intro(kindred, server, "Ines", PITCH + " Now with nudges.")
    await kindred.fd.wait_for(lambda: len(nudges_to(kindred, server, "Ines")) == 1)


async def test_organizer_can_turn_the_nudge_off(kindred: Harness) -> None:
    server = await nudge_server(kindred)
    await server.run("Olu", "setup", intro_nudges=False)
    await post_intro(kindred, server, "Maya", PITCH)
    assert nudges_to(kindred, server, "Maya") == []


async def test_the_nudge_shows_the_members_markdown_literally(kindred: Harness) -> None:
    server = await nudge_server(kindred)
    intro = (
        "Hi! I help *busy* moms reclaim 10 hours a week. Book a free discovery call, link in bio!"
    )
    await post_intro(kindred, server, "Ines", intro)
    await kindred.fd.wait_for(lambda: len(nudges_to(kindred, server, "Ines")) == 1)
    [dm] = nudges_to(kindred, server, "Ines")
    content = dm.content  # type: ignore[attr-defined]
    assert "One idea:" in content and "\\*busy\\*" in content
