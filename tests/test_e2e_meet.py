"""End to end: coffee pairing rounds, from `/meet settings` to "did you meet?"."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from storage.models import FollowUp, MeetRound, OutboxMessage, RolodexEntry
from testing.harness import Harness, Server
from testing.meet import (
    click,
    dms,
    groups,
    join,
    next_round_at,
    round_dms,
    start_pairing,
    stop_every_round,
)
from tests.dms import turn_off_command

SEVEN = ("Maya", "Ines", "Priya", "Zoe", "Ada", "Bea", "Cleo")


@pytest.fixture(autouse=True)
async def rounds_stop_with_the_test(kindred: Harness) -> AsyncIterator[None]:
    yield
    await stop_every_round(kindred)


def everyone_once(rounds: list[set[str]], names: tuple[str, ...]) -> None:
    placed = [name for group in rounds for name in group]
    assert sorted(placed) == sorted(names), placed


async def test_a_round_for_two_with_cards_and_a_starter_question(
    kindred: Harness, server: Server
) -> None:
    opened = await server.run("Maya", "meet profile")
    assert opened.modal is not None
    inputs = [row["components"][0] for row in opened.modal["components"]]
    submitted = await kindred.fd.submit_modal(
        server.person("Maya"),
        opened,
        values={
            inputs[0]["custom_id"]: "Sourdough chemistry",
            inputs[3]["custom_id"]: "I sing in a choir",
            inputs[4]["custom_id"]: "Lisbon",
        },
    )
    await submitted.wait_response()
    assert "never listed" in submitted.reply.content
    assert submitted.reply.embeds[0]["fields"][0]["value"] == "Sourdough chemistry"
    at = await start_pairing(kindred, server)
    await join(server, "Maya", "Ines")
    await kindred.move_to(at - timedelta(minutes=1))
    assert round_dms(kindred, server, "Maya") == []
    await kindred.move_to(at)
    [to_ines] = round_dms(kindred, server, "Ines")
    [to_maya] = round_dms(kindred, server, "Maya")
    assert "meeting **Maya**" in to_ines.content and "meeting **Ines**" in to_maya.content
    assert turn_off_command(to_ines) == "/meet leave"
    # Ines reads Maya's card, in Maya's words, and a question about Maya.
    card = to_ines.embeds[0]
    assert card["title"] == "Maya"
    assert [f["value"] for f in card["fields"]] == ["Sourdough chemistry", "I sing in a choir",
                                                    "Lisbon"]  # fmt: skip
    assert "To start with" in to_ines.content and "Maya" in to_ines.content.split("start with")[1]
    assert "hasn't written a card" in to_maya.embeds[0]["description"]
    [[pair]] = await groups(kindred, server)
    assert pair == {"Maya", "Ines"}
    # The next round is a week on.
    assert await next_round_at(kindred, server) == at + timedelta(days=7)


async def test_a_round_for_three_is_a_trio(kindred: Harness) -> None:
    server = await kindred.new_server(members=("Maya", "Ines", "Priya"))
    at = await start_pairing(kindred, server)
    await join(server, "Maya", "Ines", "Priya")
    await kindred.move_to(at)
    [[trio]] = await groups(kindred, server)
    assert trio == {"Maya", "Ines", "Priya"}
    [to_priya] = round_dms(kindred, server, "Priya")
    assert "trio" in to_priya.content and len(to_priya.embeds) == 2


async def test_a_round_for_seven_places_everyone_once(kindred: Harness) -> None:
    server = await kindred.new_server(members=SEVEN)
    at = await start_pairing(kindred, server)
    await join(server, *SEVEN)
    await kindred.move_to(at)
    [first] = await groups(kindred, server)
    everyone_once(first, SEVEN)
    assert sorted(len(group) for group in first) == [2, 2, 3]
    for name in SEVEN:
        assert len(round_dms(kindred, server, name)) == 1
    # Next week: nobody meets last week's partner again.
    await kindred.move_to(at + timedelta(days=7))
    _, second = await groups(kindred, server)
    everyone_once(second, SEVEN)
    before = {frozenset((a, b)) for group in first for a in group for b in group if a != b}
    after = {frozenset((a, b)) for group in second for a in group for b in group if a != b}
    assert before.isdisjoint(after)


async def test_skip_pause_leave_and_not_with(kindred: Harness) -> None:
    people = ("Maya", "Ines", "Priya", "Zoe", "Ada", "Bea")
    server = await kindred.new_server(members=people)
    at = await start_pairing(kindred, server)
    await join(server, *people)
    skipped = await server.run("Ada", "meet skip")
    assert "sit out the next round" in skipped.reply.content
    paused = await server.run("Bea", "meet pause", until="3w")
    assert "Paused until" in paused.reply.content
    left = await server.run("Zoe", "meet leave")
    assert "left coffee pairing" in left.reply.content
    noted = await server.run("Maya", "meet notwith add", member="@Ines")
    assert "Nobody is told" in noted.reply.content
    listed = await server.run("Maya", "meet notwith list")
    assert f"<@{server.person('Ines').id}>" in listed.reply.content
    status = await server.run("Ada", "meet status")
    assert "sitting out the next round" in status.reply.content
    await kindred.move_to(at)
    # Maya, Ines and Priya are in the round; Maya and Ines never together: a pair and one
    # without a partner this time, told kindly, and nobody told why.
    [first] = await groups(kindred, server)
    assert len(first) == 1 and not {"Maya", "Ines"} <= first[0]
    alone = ({"Maya", "Ines", "Priya"} - first[0]).pop()
    [none] = round_dms(kindred, server, alone)
    assert "couldn't find you a partner" in none.content
    assert "not with" not in json.dumps(
        [m.content for m in kindred.fd.dms_to(server.person(alone))]
    )
    for name in ("Ada", "Bea", "Zoe"):
        assert round_dms(kindred, server, name) == []
    # Ada skipped one round only.
    await kindred.move_to(at + timedelta(days=7))
    _, second = await groups(kindred, server)
    assert any("Ada" in group for group in second)
    assert all("Bea" not in group and "Zoe" not in group for group in second)
    assert all(not {"Maya", "Ines"} <= group for group in second)
    # Maya changes her mind; Bea comes back early.
    await server.run("Maya", "meet notwith remove", member="@Ines")
    back = await server.run("Bea", "meet join")
    assert "You're in" in back.reply.content


async def test_closed_dms_and_leaving_the_server_keep_people_out(kindred: Harness) -> None:
    people = ("Maya", "Ines", "Priya", "Zoe")
    server = await kindred.new_server(members=people)
    at = await start_pairing(kindred, server)
    kindred.fd.set_dms_open(server.person("Priya"), False)
    await join(server, *people)
    await kindred.settle()  # the welcome DM bounces: Kindred knows before round day
    kindred.fd.remove_member(server.guild, server.person("Zoe"))
    await kindred.move_to(at)
    [[pair]] = await groups(kindred, server)
    assert pair == {"Maya", "Ines"}  # a pair, not a trio with someone unreachable
    assert round_dms(kindred, server, "Zoe") == []
    # Priya's DMs were tried once (the welcome), never again for the round.
    priya = kindred.fd.dm_channel(server.person("Priya"))
    path = f"/channels/{priya.id}/messages"
    assert len([r for r in kindred.fd.requests if r.path == path and r.method == "POST"]) == 1


async def test_a_restart_in_the_middle_of_a_round_pairs_nobody_twice(
    kindred: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = await kindred.new_server(members=SEVEN)
    at = await start_pairing(kindred, server)
    await join(server, *SEVEN)
    await kindred.settle()
    assert kindred.bot is not None
    monkeypatch.setattr(kindred.bot.courier, "inline_retry_delays", ())
    # Zoe's DMs fail for now: the round is half delivered when the bot stops.
    zoe = kindred.fd.dm_channel(server.person("Zoe"))
    kindred.fd.inject_faults(
        rate_5xx=1.0, path_contains=f"/channels/{zoe.id}/", max_per_request=1000
    )
    try:
        await kindred.move_to(at)
        assert [len(round_dms(kindred, server, name)) for name in SEVEN].count(1) == 6
        await kindred.restart_bot()
    finally:
        kindred.fd.inject_faults()
    assert kindred.bot is not None and kindred.bot.meet is not None
    # The restarted bot finds the round done: running it again changes nothing.
    assert await kindred.bot.meet.rounds.run_round(server.id, kindred.clock.now()) == 0
    await kindred.move_to(at + timedelta(hours=1))  # the failed DM's retry is due
    for name in SEVEN:
        assert len(round_dms(kindred, server, name)) == 1, name
    [only] = await groups(kindred, server)
    everyone_once(only, SEVEN)
    assert kindred.db is not None
    async with kindred.db.read() as session:
        rounds = await session.scalar(
            select(func.count()).select_from(MeetRound).where(MeetRound.guild_id == server.id)
        )
    assert rounds == 1


async def test_did_you_meet_to_rolodex_and_follow_up(kindred: Harness, server: Server) -> None:
    at = await start_pairing(kindred, server)
    await join(server, "Maya", "Ines")
    await kindred.move_to(at)
    assert dms(kindred, server, "Maya", "did you and") == []
    await kindred.move_to(at + timedelta(days=4))
    [ask] = dms(kindred, server, "Maya", "did you and **Ines**")
    met = await click(kindred, server, "Maya", ask, "We met")
    assert "Lovely" in kindred.fd.get_message(ask.id).content
    assert kindred.fd.get_message(ask.id).components == []  # answered once
    [offers] = await met.wait_followups(1)
    assert offers.ephemeral
    added = await click(kindred, server, "Maya", offers, "Add Ines to my Rolodex")
    month = at.strftime("%B")
    assert f"coffee pairing, {month}" in added.reply.content
    assert kindred.db is not None
    async with kindred.db.read() as session:
        [entry] = (
            await session.scalars(
                select(RolodexEntry).where(
                    RolodexEntry.person_user_id == int(server.person("Ines").id),
                    RolodexEntry.guild_id == server.id,
                )
            )
        ).all()
    assert (entry.name, entry.how_met) == ("Ines", f"coffee pairing, {month}")
    opened = await click(kindred, server, "Maya", offers, "Set a follow-up with Ines")
    assert opened.modal is not None
    fields = [row["components"][0] for row in opened.modal["components"]]
    assert fields[0]["value"] == "Ines"
    submitted = await kindred.fd.submit_modal(
        server.person("Maya"),
        opened,
        values={fields[0]["custom_id"]: "Ines", fields[1]["custom_id"]: "3d"},
    )
    await submitted.wait_response()
    assert "remind you" in submitted.reply.content
    async with kindred.db.read() as session:
        followup = await session.scalar(select(FollowUp).where(FollowUp.entry_id == entry.id))
    assert followup is not None and followup.person == "Ines"
    # Ines has scheduled it: Kindred asks once more later.
    [ask_ines] = dms(kindred, server, "Ines", "did you and **Maya**")
    await click(kindred, server, "Ines", ask_ines, "We've scheduled it")
    await kindred.move_to(kindred.clock.now() + timedelta(days=5))
    assert len(dms(kindred, server, "Ines", "happen in the end")) == 1


async def test_private_threads_when_allowed_and_dms_regardless(kindred: Harness) -> None:
    server = await kindred.new_server(channels=("general", "coffee"))
    kindred.fd.add_channel(server.guild, "closed", bot_can_create_threads=False)
    at = await start_pairing(kindred, server, thread_channel="#coffee")
    await join(server, "Maya", "Ines")
    await kindred.move_to(at)
    [thread] = kindred.fd.threads_in(server.channel("coffee"))
    users = {int(server.person(n).id) for n in ("Maya", "Ines")}
    assert users <= set(thread.thread_members) and thread.type == 12 and not thread.invitable
    [hello] = kindred.fd.channel_messages(thread)
    assert "just for you" in hello.content and hello.mention_ids == []
    [to_maya] = round_dms(kindred, server, "Maya")
    assert f"<#{server.channel('coffee').id}>" in to_maya.content


async def test_no_thread_permission_is_explained_and_skipped(kindred: Harness) -> None:
    server = await kindred.new_server()
    closed = kindred.fd.add_channel(server.guild, "closed", bot_can_create_threads=False)
    server.channels["closed"] = closed
    at = await start_pairing(kindred, server, thread_channel="#closed")
    shown = await server.run("Olu", "meet settings")
    assert "Create Private Threads" in shown.reply.embeds[0]["description"]
    await join(server, "Maya", "Ines")
    await kindred.move_to(at)
    assert kindred.fd.threads_in(closed) == []
    assert len(round_dms(kindred, server, "Maya")) == 1
    assert "private thread" not in round_dms(kindred, server, "Maya")[0].content


async def test_a_round_on_a_quiet_day_moves_to_the_next_day(kindred: Harness) -> None:
    server = await kindred.new_server()
    at = await start_pairing(kindred, server)
    quiet = await server.run("Olu", "admin quietdays add", date=at.date().isoformat())
    assert "quiet" in quiet.reply.content.lower()
    await join(server, "Maya", "Ines")
    await kindred.move_to(at)
    assert round_dms(kindred, server, "Maya") == []
    assert await next_round_at(kindred, server) == at + timedelta(days=1)
    await kindred.move_to(at + timedelta(days=1))
    assert len(round_dms(kindred, server, "Maya")) == 1


async def test_organizers_only_and_counts_stay_anonymous(kindred: Harness) -> None:
    people = ("Maya", "Ines", "Priya", "Zoe", "Ada", "Bea")
    server = await kindred.new_server(members=people)
    refused = await server.run("Maya", "meet settings", pairing=True)
    assert "Manage Server" in refused.reply.content
    at = await start_pairing(kindred, server)
    stats = await server.run("Olu", "meet stats")
    assert "fewer than five" in stats.reply.embeds[0]["description"]
    await join(server, *people)
    await kindred.move_to(at)
    stats = await server.run("Olu", "meet stats")
    text = stats.reply.embeds[0]["description"]
    assert "**Members opted in:** 6" in text and "3 pairs and trios made" in text
    for name in people:
        assert name not in text
    not_for_members = await server.run("Maya", "meet stats")
    assert "Manage Server" in not_for_members.reply.content


async def outbox_purposes(kindred: Harness, server: Server) -> dict[str, int]:
    assert kindred.db is not None
    async with kindred.db.read() as session:
        rows = await session.execute(
            select(OutboxMessage.purpose, func.count())
            .where(OutboxMessage.guild_id == server.id)
            .group_by(OutboxMessage.purpose)
        )
        return dict(rows.all())


async def test_bad_input_is_explained_and_changes_nothing(kindred: Harness, server: Server) -> None:
    not_in = await server.run("Maya", "meet skip")
    assert "not in coffee pairing" in not_in.reply.content
    await join(server, "Maya")
    before = await outbox_purposes(kindred, server)
    for options, expected in (
        ({"until": "someday"}, "couldn't read"),
        ({"until": "2020-01-01"}, "future"),
        ({"until": "2099-01-01"}, "years ahead"),
        ({"until": "18 months"}, "more than a year"),
    ):
        reply = await server.run("Maya", "meet pause", **options)
        assert expected in reply.reply.content, options
    wrong_zone = await server.run("Maya", "meet join", timezone="Atlantis/Lost")
    assert "Atlantis" in wrong_zone.reply.content
    myself = await server.run("Maya", "meet notwith add", member="@Maya")
    assert "yourself" in myself.reply.content
    skip = await server.run("Maya", "meet skip")
    assert "no coffee round planned" in skip.reply.content
    assert await outbox_purposes(kindred, server) == before
