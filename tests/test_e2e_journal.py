"""End to end: the journal never loses words, and holds only real reflections.

A second answer joins the first, a DM reply goes to today's prompt, a DM with no open prompt
is offered as a note instead of dropped, Kindred's own "write less often?" question is neither
an entry nor a streak week, and a member edits or deletes her entries from the journal. Also:
`/reflections now` a few times a day, and organizers' prompts shown like any member text.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from coaching.reflections import prompt_for
from prompts import escape_markdown, render
from storage.models import CommunityPrompt, Member, ReflectionSubscription
from testing.harness import Harness, Server
from tests.forms import text_inputs
from tests.test_e2e_reflections import (
    at,
    button,
    click,
    dms,
    entries,
    expect_prompt_at,
    fresh_year,
    move_to,
)


def text_field(opened: Any) -> dict[str, Any]:
    [field] = text_inputs(opened.modal)
    return field


async def submit_form(kindred: Harness, server: Server, who: str, opened: Any, text: str) -> Any:
    submitted = await kindred.fd.submit_modal(
        server.person(who), opened, values={text_field(opened)["custom_id"]: text}
    )
    await submitted.wait_response()
    return submitted


async def dm(kindred: Harness, server: Server, who: str, text: str) -> Any:
    """`who` writes to Kindred by DM; returns Kindred's answer."""
    count = len(dms(kindred, server, who))
    await kindred.fd.send_dm(server.person(who), text)
    await kindred.fd.wait_for(lambda: len(dms(kindred, server, who)) == count + 1)
    return dms(kindred, server, who)[-1]


async def test_a_second_answer_to_the_same_prompt_is_added_not_overwritten(
    kindred: Harness, server: Server
) -> None:
    now = await server.run("Maya", "reflections now")
    await dm(kindred, server, "Maya", "First thoughts, by DM.")
    opened = await click(kindred, server, "Maya", now.reply, "Write my reflection")
    assert text_field(opened).get("value") == "First thoughts, by DM."  # opens with what's there
    submitted = await submit_form(kindred, server, "Maya", opened, "A second thought, in the form.")
    [entry] = await entries(kindred, server, "Maya")
    assert entry.answer == "First thoughts, by DM.\n\nA second thought, in the form."
    assert "Added to your reflection" in submitted.reply.content
    # Adding in the form, keeping what was there, stores it once.
    opened = await click(kindred, server, "Maya", now.reply, "Write my reflection")
    await submit_form(kindred, server, "Maya", opened, f"{entry.answer}\n\nAnd a third.")
    [entry] = await entries(kindred, server, "Maya")
    assert entry.answer.count("First thoughts") == 1 and entry.answer.endswith("And a third.")


async def test_a_second_dm_reply_joins_todays_prompt_not_an_older_one(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    await server.run("Maya", "reflections start", time="09:00", timezone="UTC")
    day = date(year, 1, 1)
    await expect_prompt_at(kindred, server, "Maya", at(day, time(9), "UTC"))  # left open
    await expect_prompt_at(kindred, server, "Maya", at(day + timedelta(1), time(9), "UTC"))
    await dm(kindred, server, "Maya", "Today, one.")
    added = await dm(kindred, server, "Maya", "Today, two.")
    assert [(e.local_date, e.answer) for e in await entries(kindred, server, "Maya")] == [
        (day, None),
        (day + timedelta(1), "Today, one.\n\nToday, two."),
    ]
    assert "Added to your reflection" in added.content


async def test_a_dm_with_no_open_prompt_is_offered_as_a_note_not_dropped(
    kindred: Harness,
) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    await server.run("Ines", "reflections start", time="09:00", timezone="UTC")
    day = date(year, 1, 1)
    await expect_prompt_at(kindred, server, "Ines", at(day, time(9), "UTC"))
    await dm(kindred, server, "Ines", "Answered today's.")
    await move_to(kindred, at(day + timedelta(1), time(8), "UTC"))  # before the next prompt
    offer = await dm(kindred, server, "Ines", "A thought over breakfast.")
    assert "Add this to today's journal?" in offer.content
    clicked = await click(kindred, server, "Ines", offer, "Add to today's journal")
    assert clicked.response_type == 7  # the buttons go, the note says what happened
    assert "Added to today's journal" in kindred.fd.get_message(offer.id).content
    kept = await entries(kindred, server, "Ines")
    assert [(e.kind, e.local_date, e.answer) for e in kept][-1] == (
        "note",
        day + timedelta(1),
        "A thought over breakfast.",
    )
    journal = await server.run("Ines", "reflections journal")
    assert "A thought over breakfast." in journal.reply.embeds[0]["description"]
    # "No, thanks" keeps nothing.
    declined = await dm(kindred, server, "Ines", "Just thinking out loud.")
    await click(kindred, server, "Ines", declined, "No, thanks")
    assert len(await entries(kindred, server, "Ines")) == len(kept)
    # Someone Kindred has no journal for hears how to start one.
    stranger = kindred.fd.add_user("Stranger")
    await kindred.fd.send_dm(stranger, "Hello?")
    await kindred.fd.wait_for(lambda: len(kindred.fd.dms_to(stranger)) == 1)
    assert "/reflections now" in kindred.fd.dms_to(stranger)[0].content


async def test_the_write_less_often_question_is_no_journal_entry_nor_a_streak_week(
    kindred: Harness,
) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    thursday = date(year, 1, 2)
    while thursday.weekday() != 3:
        thursday += timedelta(days=1)
    await move_to(kindred, at(thursday - timedelta(days=1), time(12), "UTC"))
    await server.run("Maya", "reflections start", time="09:00", timezone="UTC")
    for offset in range(3):  # Thursday to Saturday, unanswered
        await expect_prompt_at(
            kindred, server, "Maya", at(thursday + timedelta(offset), time(9), "UTC")
        )
    sunday = thursday + timedelta(3)
    ask = await expect_prompt_at(kindred, server, "Maya", at(sunday, time(9), "UTC"))
    assert "less often" in ask.content
    await click(kindred, server, "Maya", ask, "Keep daily")
    await expect_prompt_at(kindred, server, "Maya", at(sunday + timedelta(1), time(9), "UTC"))
    saved = await dm(kindred, server, "Maya", "Monday's reflection.")
    # One week with a reflection, not two: clicking "Keep daily" on Sunday was no reflection.
    assert "weeks in a row" not in saved.content
    journal = await server.run("Maya", "reflections journal")
    text = journal.reply.embeds[0]["description"]
    assert "Monday's reflection." in text and "less often" not in text
    assert "1 reflection" in journal.reply.embeds[0]["footer"]["text"]


async def test_an_entry_can_be_edited_or_deleted_from_the_journal(
    kindred: Harness, server: Server
) -> None:
    for words in ("Reworded later.", "Deleted later."):
        now = await server.run("Ines", "reflections now")
        opened = await click(kindred, server, "Ines", now.reply, "Write my reflection")
        await submit_form(kindred, server, "Ines", opened, words)
    first, second = await entries(kindred, server, "Ines")

    async def choose(entry_id: int) -> Any:
        journal = await server.run("Ines", "reflections journal")
        [menu] = [
            c for row in journal.reply.components for c in row["components"] if c["type"] == 3
        ]
        assert {o["value"] for o in menu["options"]} == {str(first.id), str(second.id)}
        chosen = await kindred.fd.select(
            server.person("Ines"), journal.reply, menu["custom_id"], [str(entry_id)]
        )
        await chosen.wait_response()
        assert chosen.ephemeral
        return chosen

    chosen = await choose(first.id)
    assert "Reworded later." in chosen.reply.embeds[0]["description"]
    opened = await click(kindred, server, "Ines", chosen.reply, "Edit")
    assert text_field(opened).get("value") == "Reworded later."
    edited = await submit_form(kindred, server, "Ines", opened, "Said better, this time.")
    assert "Updated" in edited.reply.content

    chosen = await choose(second.id)
    await click(kindred, server, "Ines", chosen.reply, "Delete")
    assert "can't be undone" in chosen.reply.content
    await click(kindred, server, "Ines", chosen.reply, "Delete it")
    assert "Deleted" in chosen.reply.content
    assert [e.answer for e in await entries(kindred, server, "Ines")] == ["Said better, this time."]


async def test_reflections_now_gives_a_few_a_day(kindred: Harness, server: Server) -> None:
    for _ in range(3):
        reply = await server.run("Maya", "reflections now")
        assert "right now" in reply.reply.content
    third = reply.reply.content.split("\n\n", 1)[1]
    limited = await server.run("Maya", "reflections now")
    assert limited.ephemeral and "3 fresh prompts in a day" in limited.reply.content
    assert third in limited.reply.content  # the one still waiting, with its button
    assert button(limited.reply, "Write my reflection")
    assert len(await entries(kindred, server, "Maya")) == 3
    await kindred.advance(timedelta(hours=24, minutes=1))
    again = await server.run("Maya", "reflections now")
    assert "right now" in again.reply.content


async def test_organizer_prompts_reach_members_escaped(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    prompt = "[Claim your badge](https://example.com/badge) and **shout** about it?"
    await server.run("Olu", "admin prompts add", text=prompt)
    await server.run("Maya", "reflections start", time="09:00", timezone="UTC")
    assert kindred.db is not None and kindred.bot is not None
    async with kindred.db.read() as session:
        member_id = await session.scalar(
            select(Member.id).where(
                Member.guild_id == server.id, Member.user_id == int(server.person("Maya").id)
            )
        )
        prompt_id = await session.scalar(
            select(CommunityPrompt.id).where(CommunityPrompt.guild_id == server.id)
        )
    assert member_id is not None
    keys = [*kindred.bot.reflections.scheduler.keys, f"custom:{prompt_id}"]  # type: ignore[union-attr]
    position = next(n for n in range(200) if prompt_for(n, member_id, keys).startswith("custom"))

    async def next_is_hers() -> None:
        assert kindred.db is not None
        async with kindred.db.session() as session:
            await session.execute(
                update(ReflectionSubscription)
                .where(ReflectionSubscription.member_id == member_id)
                .values(prompts_sent=position)
            )

    escaped = escape_markdown(prompt)
    await next_is_hers()
    now = await server.run("Maya", "reflections now")
    assert escaped in now.reply.content and "[Claim your badge](" not in now.reply.content
    await next_is_hers()
    daily = await expect_prompt_at(kindred, server, "Maya", at(date(year, 1, 1), time(9), "UTC"))
    assert escaped in daily.content and "[Claim your badge](" not in daily.content


@pytest.mark.parametrize("tampered", ["abc", "99999999999999999999999", "-1"])
async def test_a_tampered_journal_menu_choice_is_answered_kindly(
    kindred: Harness, server: Server, tampered: str
) -> None:
    now = await server.run("Ines", "reflections now")
    opened = await click(kindred, server, "Ines", now.reply, "Write my reflection")
    await submit_form(kindred, server, "Ines", opened, "Kept safe.")
    journal = await server.run("Ines", "reflections journal")
    [menu] = [c for row in journal.reply.components for c in row["components"] if c["type"] == 3]
    chosen = await kindred.fd.select(
        server.person("Ines"), journal.reply, menu["custom_id"], [tampered], checked=False
    )
    await chosen.wait_response()
    assert chosen.ephemeral
    assert chosen.reply.content == render("reflections/journal_entry_gone")
