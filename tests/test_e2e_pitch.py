"""End to end: /pitchcheck, the context menu on own vs others' messages, the event check."""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.models import Community, Member, PitchCheck
from testing.harness import Harness, Server

PITCH = (
    "Hi all! I help busy moms reclaim 10 hours a week with my signature program. "
    "Book a free discovery call, link in bio! Only 3 spots left this month."
)
CONNECT = (
    "Hi everyone, I'm Ana. I love hiking with my dog and I'm slowly learning to bake bread. "
    "What got you all into this community? I'd love to hear your stories."
)


async def checks(kindred: Harness, server: Server, who: str) -> list[PitchCheck]:
    assert kindred.db is not None
    async with kindred.db.read() as session:
        rows = await session.scalars(
            select(PitchCheck)
            .join(Member, Member.id == PitchCheck.member_id)
            .where(Member.guild_id == server.id, Member.user_id == int(server.person(who).id))
            .order_by(PitchCheck.id)
        )
        return list(rows)


def text_of(message) -> str:  # type: ignore[no-untyped-def]
    parts = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


async def test_a_pitch_reads_as_a_pitch_privately(kindred: Harness, server: Server) -> None:
    reply = await server.run("Maya", "pitchcheck text", text=PITCH)
    assert reply.ephemeral
    shown = text_of(reply.reply)
    assert "Reads like a pitch" in shown
    assert "What reads as a pitch" in shown and "Try this" in shown
    assert "Book a free discovery call" in shown or "discovery call" in shown
    [check] = await checks(kindred, server, "Maya")
    assert check.verdict == "pitching" and check.kind == "text"


async def test_a_connecting_message_reads_as_connecting(kindred: Harness, server: Server) -> None:
    reply = await server.run("Ines", "pitchcheck text", text=CONNECT)
    assert "Reads as connecting" in text_of(reply.reply)
    [check] = await checks(kindred, server, "Ines")
    assert check.verdict == "connecting" and check.score >= 60


async def test_member_text_cannot_ping_or_break_the_embed(kindred: Harness, server: Server) -> None:
    tricky = "@everyone <@&123456789012345678> **DM me** for `50% off` ||today only||"
    reply = await server.run("Maya", "pitchcheck text", text=tricky)
    callback = next(
        r.json
        for r in reversed(kindred.fd.requests)
        if r.json and "/callback" in r.path and r.json.get("type") == 4
    )
    assert callback["data"]["allowed_mentions"] == {"parse": []}
    shown = text_of(reply.reply)
    assert "@everyone" not in shown  # defused with a zero-width space
    assert "\\*\\*DM me\\*\\*" in shown  # markdown shown literally


async def test_suggestions_show_the_members_markdown_literally(
    kindred: Harness, server: Server
) -> None:
    pitchy = "Hi all! I help *busy* moms reclaim 10 hours a week. Book a free discovery call!"
    reply = await server.run("Maya", "pitchcheck text", text=pitchy)
    [embed] = reply.reply.embeds
    tries = next(f["value"] for f in embed["fields"] if f["name"].startswith("Try"))
    assert "I help \\*busy\\* moms" in tries
    assert "*busy*" not in tries.replace("\\*", "")


async def test_draft_opens_a_form_and_checks_it(kindred: Harness, server: Server) -> None:
    opened = await server.run("Maya", "pitchcheck draft")
    assert opened.modal is not None
    field = next(
        c
        for row in opened.modal["components"]
        for c in (row.get("components") or [row.get("component")])
    )
    assert field["max_length"] == 4000
    long_draft = (CONNECT + " ") * 20
    submitted = await kindred.fd.submit_modal(
        server.person("Maya"), opened, values={field["custom_id"]: long_draft[:4000]}
    )
    await submitted.wait_response()
    assert submitted.ephemeral and "connecting" in text_of(submitted.reply).lower()


async def test_context_menu_checks_only_your_own_message(kindred: Harness, server: Server) -> None:
    own = await kindred.fd.send_message(server.person("Maya"), server.channel("general"), PITCH)
    other = await kindred.fd.send_message(server.person("Ines"), server.channel("general"), PITCH)
    mine = await kindred.fd.message_command(
        server.person("Maya"),
        "Spotted an elevator pitch?",
        target=own,
        guild=server.guild,
        channel=server.channel("general"),
    )
    await mine.wait_response()
    assert mine.ephemeral and "Reads like a pitch" in text_of(mine.reply)
    theirs = await kindred.fd.message_command(
        server.person("Maya"),
        "Spotted an elevator pitch?",
        target=other,
        guild=server.guild,
        channel=server.channel("general"),
    )
    await theirs.wait_response()
    assert theirs.ephemeral and "your own words" in theirs.reply.content
    assert theirs.reply.embeds == []
    assert [c.kind for c in await checks(kindred, server, "Maya")] == ["message"]


async def test_event_check_asks_eight_questions(kindred: Harness, server: Server) -> None:
    start = await server.run("Ines", "pitchcheck event", name="November breakfast")
    assert start.ephemeral
    answers = ["Yes", "Yes", "No", "Yes", "Yes", "No", "No", "Yes"]
    for number, answer in enumerate(answers, start=1):
        message = start.reply
        assert f"Question {number} of 8" in text_of(message)
        custom_id = next(
            c["custom_id"]
            for row in message.components
            for c in row["components"]
            if c["label"] == answer
        )
        click = await kindred.fd.click(server.person("Ines"), message, custom_id)
        await click.wait_response()
    result = text_of(start.reply)
    assert "90/100" in result and "strongest habit" in result and "One thing to try" in result
    # The questions are gone; what's left is the one-click offer to set a follow-up.
    labels = [c["label"] for row in start.reply.components for c in row["components"]]
    assert labels == ["Set a follow-up"]
    [check] = await checks(kindred, server, "Ines")
    assert (check.kind, check.label, check.score) == ("event", "November breakfast", 90)


async def test_history_shows_the_trend(kindred: Harness, server: Server) -> None:
    empty = await server.run("Maya", "pitchcheck history")
    assert "No checks yet" in text_of(empty.reply)
    for text in (PITCH, PITCH, CONNECT, CONNECT):
        await server.run("Maya", "pitchcheck text", text=text)
    history = await server.run("Maya", "pitchcheck history")
    shown = text_of(history.reply)
    assert history.ephemeral
    assert "trending towards connection" in shown
    assert shown.count("/100") == 4
    # Another member sees only their own (empty) history.
    other = await server.run("Ines", "pitchcheck history")
    assert "No checks yet" in text_of(other.reply)


async def test_results_are_in_the_export(kindred: Harness, server: Server) -> None:
    await server.run("Maya", "pitchcheck text", text=CONNECT)
    export = await server.run("Maya", "mydata export")
    message = await export.wait_message()
    [attachment] = [a for m in [message, *export.followups] for a in m.attachments]
    data = json.loads(attachment.content)
    assert [row["verdict"] for row in data["tables"]["pitch_checks"]] == ["connecting"]


async def test_turning_nudges_on_without_the_intent_applies_the_rest(
    kindred: Harness, server: Server
) -> None:
    alone = await server.run("Olu", "setup", intro_nudges=True)
    assert "Message Content" in alone.reply.content and "Nothing was changed" in alone.reply.content
    # With other choices: they are saved, and the one part is explained.
    reply = await server.run(
        "Olu", "setup", intro_nudges=True, thanks_channel="#referral-thanks", timezone="Lisbon"
    )
    assert "Saved" in reply.reply.content and "Message Content" in reply.reply.content
    assert "Everything else you chose is saved" in reply.reply.content
    assert kindred.db is not None
    async with kindred.db.read() as session:
        community = await session.get(Community, server.id)
    assert community is not None
    assert community.thanks_channel_id == int(server.channel("referral-thanks").id)
    assert community.timezone == "Europe/Lisbon" and not community.intro_nudges


# --- The walk's cases, as a member meets them ----------------------------------------------


async def test_a_greeting_is_too_short_to_judge_and_says_so(
    kindred: Harness, server: Server
) -> None:
    reply = await server.run("Olu", "pitchcheck text", text="hi")
    shown = text_of(reply.reply)
    assert reply.ephemeral and "Too short to judge" in shown
    # No score, no verdict, no "nothing stood out" beside a number: nothing was judged.
    assert "/100" not in shown and "A bit of both" not in shown and "curiosity" not in shown
    assert await checks(kindred, server, "Olu") == []


async def test_a_text_in_german_is_not_scored_as_english(kindred: Harness, server: Server) -> None:
    german = (
        "Hallo zusammen! Ich bin Anna und arbeite als Designerin in Berlin. Ich freue mich, "
        "euch kennenzulernen und mehr über eure Projekte zu erfahren."
    )
    reply = await server.run("Olu", "pitchcheck text", text=german)
    shown = text_of(reply.reply)
    assert "English only" in shown and "/100" not in shown
    assert await checks(kindred, server, "Olu") == []


async def test_keyboard_mash_is_not_guessed_at(kindred: Harness, server: Server) -> None:
    reply = await server.run("Olu", "pitchcheck text", text="asdf qwer zxcv uiop hjkl")
    shown = text_of(reply.reply)
    assert reply.ephemeral and "Nothing I can read yet" in shown and "/100" not in shown
    assert await checks(kindred, server, "Olu") == []


async def test_a_request_for_help_in_a_hard_moment_gets_warmth(
    kindred: Harness, server: Server
) -> None:
    text = (
        "Hi all, I'm going through a really tough time at the moment and need a good family "
        "lawyer in Leeds. Would be so grateful for any names you trust."
    )
    reply = await server.run("Ines", "pitchcheck text", text=text)
    shown = text_of(reply.reply)
    assert "courage" in shown or "takes trust" in shown
    # Warmth, not networking tips or a compliment on her manners.
    for tip in ("hobby", "good look", "Add one question", "What brought you here"):
        assert tip not in shown
    assert "What reads as a pitch" not in shown


async def test_a_report_shows_whole_phrases_each_once(kindred: Harness, server: Server) -> None:
    text = (
        "Hello! I'm a certified nutrition coach with 10 years of experience, and I help "
        "high-achieving women find energy without dieting. Check out my programme at "
        "fuelwell.co and book a free call. Check out my programme!"
    )
    reply = await server.run("Maya", "pitchcheck text", text=text)
    [embed] = reply.reply.embeds
    lines = [
        line
        for field in embed["fields"]
        if field["name"] != "Try this"
        for line in field["value"].splitlines()
    ]
    phrases = [line.split("”")[0].lstrip("“").replace("\\", "") for line in lines]
    assert len(phrases) == len(set(phrases)), phrases  # no phrase listed twice
    words = set(text.replace(",", " ").replace("!", " ").replace(". ", " ").split())
    for phrase in phrases:
        # Whole words only: the first and last word of each phrase are words of her text.
        parts = phrase.replace(",", " ").split()
        assert parts[0] in words and parts[-1] in words, phrase
    assert sum("Check out my programme" in p for p in phrases) <= 1
