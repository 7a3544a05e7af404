"""End to end: double-opt-in introductions, thanks for them, and members' data."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import MeetIntroduction, MeetNotWith, Thanks
from testing.harness import Harness, Server
from testing.meet import click, dms, join, start_pairing, stop_every_round

WHY = "You both run studios and love sailing; I think you'd get on."


@pytest.fixture(autouse=True)
async def rounds_stop_with_the_test(kindred: Harness) -> AsyncIterator[None]:
    yield
    await stop_every_round(kindred)


async def introduce(server: Server, who: str, a: str, b: str, why: str = WHY) -> Any:
    return await server.run(who, "introduce", member_a=f"@{a}", member_b=f"@{b}", why=why)


async def intro_row(kindred: Harness, server: Server) -> MeetIntroduction:
    assert kindred.db is not None
    async with kindred.db.read() as session:
        return (
            await session.scalars(
                select(MeetIntroduction)
                .where(MeetIntroduction.guild_id == server.id)
                .order_by(MeetIntroduction.id.desc())
            )
        ).first()  # type: ignore[return-value]


async def test_both_accept_then_meet_and_thank_the_introducer(kindred: Harness) -> None:
    server = await kindred.new_server()
    await server.run("Olu", "setup", thanks_channel="#referral-thanks")
    sent = await introduce(server, "Olu", "Maya", "Ines")
    assert "Sent" in sent.reply.content and sent.ephemeral
    await kindred.settle()
    [ask_maya] = dms(kindred, server, "Maya", "An introduction")
    assert "**Olu**" in ask_maya.content and "sailing" in ask_maya.content
    assert ask_maya.embeds[0]["title"] == "Ines"
    first = await click(kindred, server, "Maya", ask_maya, "Yes, introduce us")
    assert "as soon as Ines says yes" in kindred.fd.get_message(ask_maya.id).content
    assert first.response_type is not None
    await kindred.settle()
    assert dms(kindred, server, "Olu", "on its way") == []  # not yet: Ines hasn't answered
    [ask_ines] = dms(kindred, server, "Ines", "An introduction")
    await click(kindred, server, "Ines", ask_ines, "Yes, introduce us")
    await kindred.settle()
    [to_maya] = dms(kindred, server, "Maya", "**Meet Ines**")
    [to_ines] = dms(kindred, server, "Ines", "**Meet Maya**")
    assert "Olu" in to_maya.content and "sailing" in to_ines.content
    assert len(dms(kindred, server, "Olu", "on its way")) == 1
    assert (await intro_row(kindred, server)).state == "accepted"
    # A few days later: did you meet? "We met" offers to thank Olu, one click.
    await kindred.move_to(kindred.clock.now() + timedelta(days=4))
    [ask] = dms(kindred, server, "Maya", "after the introduction")
    met = await click(kindred, server, "Maya", ask, "We met")
    [offers] = await met.wait_followups(1)
    opened = await click(kindred, server, "Maya", offers, "Thank Olu for the introduction")
    assert opened.modal is not None
    [story] = [row["components"][0] for row in opened.modal["components"]]
    thanked = await kindred.fd.submit_modal(
        server.person("Maya"),
        opened,
        values={story["custom_id"]: "Olu introduced me to Ines and we're now co-hosting a talk."},
    )
    await thanked.wait_response()
    # "Thinking..." first (the post may wait on the channel), then the answer.
    await kindred.fd.wait_for(lambda: thanked.reply is not None and thanked.reply.has_body())
    assert "on its way" in thanked.reply.content
    await kindred.fd.wait_for(
        lambda: len(kindred.fd.channel_messages(server.channel("referral-thanks"))) == 1
    )
    [post] = kindred.fd.channel_messages(server.channel("referral-thanks"))
    assert "co-hosting" in post.embeds[0]["description"]
    assert kindred.db is not None
    async with kindred.db.read() as session:
        [thanks] = (await session.scalars(select(Thanks).where(Thanks.guild_id == server.id))).all()
    assert thanks.kind == "introduction"
    assert thanks.introduction_id == (await intro_row(kindred, server)).id


async def test_thanks_between_the_introduced_link_to_the_introduction(kindred: Harness) -> None:
    server = await kindred.new_server()
    await server.run("Olu", "setup", thanks_channel="#referral-thanks")
    await introduce(server, "Olu", "Maya", "Ines")
    await kindred.settle()
    for name in ("Maya", "Ines"):
        [ask] = dms(kindred, server, name, "An introduction")
        await click(kindred, server, name, ask, "Yes, introduce us")
    # Thanking by the message menu: "introduction" is offered first. (Before the thank-you
    # below: after it, the menu would say she can thank Maya again in 12 hours.)
    message = await kindred.fd.send_message(server.person("Maya"), server.channel("general"), "Hi!")
    opened = await kindred.fd.message_command(
        server.person("Ines"),
        "Thank the author",
        target=message,
        guild=server.guild,
        channel=server.channel("general"),
    )
    await opened.wait_response()
    kinds = opened.modal["components"][0]["component"]["options"]
    assert [o["value"] for o in kinds if o.get("default")] == ["introduction"]
    given = await server.run(
        "Ines", "thanks give", member="@Maya", kind="introduction", story="Thanks for the chat!"
    )
    assert "on its way" in given.reply.content
    assert kindred.db is not None
    async with kindred.db.read() as session:
        [thanks] = (await session.scalars(select(Thanks).where(Thanks.guild_id == server.id))).all()
    assert thanks.introduction_id == (await intro_row(kindred, server)).id


async def test_a_decline_is_never_revealed(kindred: Harness) -> None:
    server = await kindred.new_server()
    await introduce(server, "Olu", "Maya", "Ines")
    await kindred.settle()
    [ask_maya] = dms(kindred, server, "Maya", "An introduction")
    [ask_ines] = dms(kindred, server, "Ines", "An introduction")
    await click(kindred, server, "Maya", ask_maya, "Yes, introduce us")
    declined = await click(kindred, server, "Ines", ask_ines, "Not now")
    assert "Nobody will be told" in kindred.fd.get_message(ask_ines.id).content
    assert declined.response_type is not None
    await kindred.settle()
    # Until the week is out, nobody hears anything; then the same words as for silence.
    assert dms(kindred, server, "Olu") == [] and len(dms(kindred, server, "Maya")) == 1
    assert (await intro_row(kindred, server)).state == "open"
    await kindred.move_to(kindred.clock.now() + timedelta(days=7, minutes=1))
    [olu] = dms(kindred, server, "Olu")
    assert "didn't come together this time" in olu.content
    [maya] = dms(kindred, server, "Maya", "didn't come together")
    assert "declin" not in maya.content.lower() and "Ines" in maya.content
    assert dms(kindred, server, "Ines", "didn't come together") == []  # she knows already
    # Nobody's data shows the other's answer.
    exported = await export(kindred, server, "Maya")
    assert "declined" not in json.dumps(exported)


async def test_an_introduction_nobody_answers_expires(kindred: Harness) -> None:
    server = await kindred.new_server()
    await introduce(server, "Olu", "Maya", "Ines")
    await kindred.move_to(kindred.clock.now() + timedelta(days=7, minutes=1))
    [olu] = dms(kindred, server, "Olu")
    assert "didn't come together this time" in olu.content
    assert (await intro_row(kindred, server)).state == "closed"
    [ask] = dms(kindred, server, "Ines", "An introduction")
    late = await click(kindred, server, "Ines", ask, "Yes, introduce us")
    assert late.response_type is not None
    assert "closed" in kindred.fd.get_message(ask.id).content


async def test_limits_refuse_privately_and_send_nothing(kindred: Harness) -> None:
    people = ("Maya", "Ines", "Priya", "Zoe", "Ada", "Bea")
    server = await kindred.new_server(members=people)
    for options, expected in (
        ({"member_a": "@Maya", "member_b": "@Maya", "why": WHY}, "same person"),
        ({"member_a": "@Olu", "member_b": "@Maya", "why": WHY}, "one of the two"),
        ({"member_a": "@Maya", "member_b": "@Ines", "why": "hi"}, "at least 10"),
    ):
        refused = await server.run("Olu", "introduce", **options)
        assert expected in refused.reply.content and refused.ephemeral, options
    bot_user = kindred.fd.bot_user
    to_bot = await server.run("Olu", "introduce", member_a="@Maya", member_b=bot_user, why=WHY)
    assert "Bots" in to_bot.reply.content
    outsider = kindred.fd.add_user("Outsider")
    outside = await server.run("Olu", "introduce", member_a="@Maya", member_b=outsider, why=WHY)
    assert "isn't in this server" in outside.reply.content
    await kindred.settle()
    assert all(dms(kindred, server, name) == [] for name in people)
    # Three a day; and never the same two again soon, whoever asks.
    for a, b in (("Maya", "Ines"), ("Priya", "Zoe"), ("Ada", "Bea")):
        assert "Sent" in (await introduce(server, "Olu", a, b)).reply.content
    capped = await introduce(server, "Olu", "Maya", "Priya")
    assert "3 introductions in a day" in capped.reply.content
    again = await introduce(server, "Zoe", "Ines", "Maya")
    assert "introduced recently" in again.reply.content
    tomorrow = kindred.clock.now() + timedelta(days=1, minutes=1)
    await kindred.move_to(tomorrow)
    assert "Sent" in (await introduce(server, "Olu", "Maya", "Priya")).reply.content


async def test_unreachable_and_not_with_are_respected(kindred: Harness) -> None:
    people = ("Maya", "Ines", "Priya")
    server = await kindred.new_server(members=people)
    kindred.fd.set_dms_open(server.person("Priya"), False)
    at = await start_pairing(kindred, server)
    await join(server, "Priya")
    await kindred.settle()  # her welcome DM bounced
    unreachable = await introduce(server, "Olu", "Maya", "Priya")
    assert "aren't reaching" in unreachable.reply.content
    # Ines would rather not meet Maya: the introduction goes nowhere, and to Olu it ends
    # like any other that didn't come together.
    await server.run("Ines", "meet notwith add", member="@Maya")
    sent = await introduce(server, "Olu", "Maya", "Ines")
    assert "Sent" in sent.reply.content
    await kindred.settle()
    assert dms(kindred, server, "Maya") == [] and dms(kindred, server, "Ines") == []
    await kindred.move_to(max(at, kindred.clock.now()) + timedelta(days=7, minutes=1))
    assert len(dms(kindred, server, "Olu", "didn't come together this time")) == 1


async def export(kindred: Harness, server: Server, name: str) -> dict[str, Any]:
    reply = await server.run(name, "mydata export")
    message = await reply.wait_message()
    [attachment] = [
        a
        for m in [message, *reply.followups]
        for a in m.attachments
        if a.filename.endswith(".json")
    ]
    return json.loads(attachment.content)  # type: ignore[no-any-return]


async def test_export_and_delete_cover_meeting_and_not_with_stays_private(
    kindred: Harness,
) -> None:
    server = await kindred.new_server(members=("Maya", "Ines", "Priya"))
    at = await start_pairing(kindred, server)
    opened = await server.run("Maya", "meet profile")
    [curious, *_] = [row["components"][0] for row in opened.modal["components"]]
    card = await kindred.fd.submit_modal(
        server.person("Maya"), opened, values={curious["custom_id"]: "Beekeeping"}
    )
    await card.wait_response()
    await join(server, "Maya", "Ines")
    await server.run("Priya", "meet status")  # she has used Kindred here too
    await server.run("Maya", "meet notwith add", member="@Priya")
    await introduce(server, "Olu", "Maya", "Ines")
    await kindred.move_to(at)
    mine = await export(kindred, server, "Maya")
    tables = mine["tables"]
    assert tables["meet_profiles"][0]["curious"] == "Beekeeping"
    assert tables["meet_participants"][0]["active"] is True
    assert [row["other_user_id"] for row in tables["meet_not_with"]] == [
        int(server.person("Priya").id)
    ]
    assert len(tables["meet_match_members"]) == 1
    assert len(tables["meet_introductions.member_a_id"]) == 1
    # Priya, on Maya's list, finds no trace of it in her own data.
    theirs = await export(kindred, server, "Priya")
    assert theirs["tables"]["meet_not_with"] == []
    assert str(server.person("Maya").id) not in json.dumps(theirs["tables"])
    olu = await export(kindred, server, "Olu")
    assert len(olu["tables"]["meet_introductions.introducer_member_id"]) == 1
    # Maya deletes everything; Priya deleting hers doesn't lift Maya's choice.
    await delete(kindred, server, "Maya")
    after = await export(kindred, server, "Maya")
    assert after["member"] is None
    assert kindred.db is not None
    async with kindred.db.read() as session:
        intro = (await session.scalars(select(MeetIntroduction).where(
            MeetIntroduction.guild_id == server.id))).all()  # fmt: skip
    assert intro == []  # an introduction of hers goes with her data
    await server.run("Ines", "meet notwith add", member="@Priya")
    await delete(kindred, server, "Priya")
    async with kindred.db.read() as session:
        kept = (await session.scalars(select(MeetNotWith.other_user_id))).all()
    assert int(server.person("Priya").id) in kept


async def delete(kindred: Harness, server: Server, name: str) -> None:
    asked = await server.run(name, "mydata delete")
    confirm = next(
        c["custom_id"] for row in asked.reply.components for c in row["components"]
        if c["label"].startswith("Delete")
    )  # fmt: skip
    done = await kindred.fd.click(server.person(name), asked.reply, confirm)
    await done.wait_response()
    # Deleting answers "thinking" first, and says so when it is done.
    await kindred.fd.wait_for(lambda: "I removed" in asked.reply.content)
