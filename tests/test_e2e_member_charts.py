"""End to end: members' own pictures, privately: the self-check history on its verdict
bands, the journal's calendar of days reflected, the Rolodex overview.

Each picture is checked as Discord receives it (it decodes, its size, its description) and
by every text drawn in it (recorded from the drawing), which never holds a name.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from PIL import Image

from storage import rolodex as rolodex_store
from storage.communities import ensure_community
from storage.members import ensure_member
from storage.models import ReflectionEntry
from testing.harness import Harness, Server

CONNECT = (
    "Hi everyone, I'm Ana. I love hiking with my dog and I'm slowly learning to bake bread. "
    "What got you all into this community? I'd love to hear your stories."
)
PITCH = (
    "Hi all! I help busy moms reclaim 10 hours a week with my signature program. "
    "Book a free discovery call, link in bio! Only 3 spots left this month."
)
GENTLE_NEVER = ("missed", "miss ", "failed", "streak broken", "gap")


def picture_of(message: Any) -> tuple[Any, Image.Image]:
    [attachment] = message.attachments
    image = Image.open(io.BytesIO(attachment.content))
    image.load()
    return attachment, image


def names_and_ids(server: Server) -> list[str]:
    return [text for name, user in server.people.items() for text in (name, str(user.id))]


async def test_pitch_history_has_a_score_chart_on_the_verdict_bands(
    kindred: Harness, server: Server, drawn: list[tuple[str, ...]]
) -> None:
    for text in (PITCH, CONNECT, PITCH + " Thanks!"):
        await server.run("Maya", "pitchcheck text", text=text)
    reply = await server.run("Maya", "pitchcheck history")
    assert reply.ephemeral and reply.reply.embeds  # the list is still there
    attachment, image = picture_of(reply.reply)
    assert attachment.filename == "self-checks.png"
    assert (image.width, image.height) == (900, 575)
    assert "Line chart of your last 3 self-check scores" in attachment.description
    assert "pitch under 40, balanced 40 to 59, connecting 60 and up" in attachment.description
    [texts] = drawn
    assert {"Pitch (under 40)", "Balanced (40-59)", "Connecting (60+)"} <= set(texts)
    for secret in [*names_and_ids(server), "discovery call", "hiking"]:
        assert not any(secret in text for text in texts), secret
    # Ines has no checks: her history draws nothing and shows nobody else's.
    empty = await server.run("Ines", "pitchcheck history")
    assert empty.reply.attachments == [] and len(drawn) == 1
    assert "No checks yet" in empty.reply.embeds[0]["description"]


async def reflect_on(kindred: Harness, server: Server, who: str, days_back: list[int]) -> None:
    assert kindred.db is not None
    now = kindred.clock.now()
    async with kindred.db.session() as session:
        await ensure_community(session, server.id, now=now)
        member = await ensure_member(session, server.id, int(server.person(who).id), now=now)
        for back in days_back:
            sent = now - timedelta(days=back)
            session.add(
                ReflectionEntry(
                    member_id=member.id,
                    kind="daily",
                    local_date=sent.date(),
                    prompt_key="pack/seeded",
                    prompt_text="What did you learn from someone this week?",
                    sent_at=sent,
                    answer=f"Coffee with Priya, day {back}",
                    answered_at=sent + timedelta(hours=1),
                )
            )


async def test_the_journal_shows_a_gentle_calendar_of_days_reflected(
    kindred: Harness, server: Server, drawn: list[tuple[str, ...]]
) -> None:
    await reflect_on(kindred, server, "Maya", [1, 2, 2, 9, 40, 120, 400])
    reply = await server.run("Maya", "reflections journal")
    assert reply.ephemeral and reply.reply.embeds
    attachment, image = picture_of(reply.reply)
    assert attachment.filename == "reflection-calendar.png"
    assert (image.width, image.height) == (900, 412)
    # Five days in the last six months (the one 400 days back is outside; day 2 twice).
    assert "filled on the days you reflected: 5 days" in attachment.description
    [texts] = drawn
    assert "Days you reflected" in texts and "twice or more" in texts
    everything = " ".join([*texts, attachment.description, reply.reply.content]).casefold()
    for word in GENTLE_NEVER:
        assert word not in everything, word
    assert "coffee with priya" not in everything  # her words stay in the journal's text
    # A search is about words: no calendar. The pager keeps the picture on page two.
    searched = await server.run("Maya", "reflections journal", search="Coffee")
    assert searched.reply.attachments == [] and len(drawn) == 1
    # Someone with no reflections gets the kind empty text, without a picture.
    nothing = await server.run("Ines", "reflections journal")
    assert nothing.reply.attachments == [] and len(drawn) == 1


async def test_the_calendar_stays_while_the_journal_pages(
    kindred: Harness, server: Server, drawn: list[tuple[str, ...]]
) -> None:
    await reflect_on(kindred, server, "Maya", list(range(1, 12)))
    reply = await server.run("Maya", "reflections journal")
    [next_page] = [
        c["custom_id"]
        for row in reply.reply.components
        for c in row["components"]
        if c.get("label") == "Next"
    ]
    click = await kindred.fd.click(server.person("Maya"), reply.reply, next_page)
    await click.wait_response()
    assert "Page 2" in reply.reply.embeds[0]["footer"]["text"]
    picture_of(reply.reply)  # still there after the edit


async def rolodex_of(kindred: Harness, server: Server, who: str, people: dict[str, Any]) -> None:
    """Entries: name -> (know, like, trust, cadence days, days since the last touch)."""
    assert kindred.db is not None
    now = kindred.clock.now()
    async with kindred.db.session() as session:
        await ensure_community(session, server.id, now=now)
        owner = await ensure_member(session, server.id, int(server.person(who).id), now=now)
        for name, (know, like, trust, cadence, since) in people.items():
            entry = await rolodex_store.save_entry(
                session,
                owner,
                None,
                {
                    "name": name,
                    "how_met": "",
                    "notes": f"{name} runs a bakery",
                    "tags": "",
                    "cadence_days": cadence,
                    "know": know,
                    "like": like,
                    "trust": trust,
                },
                person_user_id=None,
                now=now,
            )
            await rolodex_store.log_touch(
                session,
                entry,
                owner,
                kind="coffee",
                note="",
                day=(now - timedelta(days=since)).date(),
                now=now,
            )


async def test_the_rolodex_overview_counts_in_the_picture_and_names_in_her_text(
    kindred: Harness, server: Server, drawn: list[tuple[str, ...]]
) -> None:
    await rolodex_of(
        kindred,
        server,
        "Maya",
        {
            "Ana Beatriz": (True, True, True, 30, 45),  # 15 days past her monthly coffee
            "Priya": (True, True, False, 7, 2),  # in touch
            "Lena": (True, False, False, None, 100),  # no rhythm
            "Carmen": (False, False, False, 14, 20),  # 6 days past
        },
    )
    await rolodex_of(kindred, server, "Ines", {"Secret Friend": (True, True, True, 7, 30)})
    reply = await server.run("Maya", "rolodex overview")
    assert reply.ephemeral
    text = reply.reply.content
    assert "**4 people** in your Rolodex: you know 3, like 2 and trust 1" in text
    assert "Ana Beatriz (15 days), Carmen (6 days)" in text
    assert "Secret Friend" not in text
    attachment, image = picture_of(reply.reply)
    assert (image.width, image.height) == (900, 550)
    assert attachment.description == (
        "Bar chart of your Rolodex: 4 people; you know 3, like 2 and trust 1. "
        "Stay-in-touch rhythms: 1 in touch, 2 drifting, 1 with no rhythm."
    )
    [texts] = drawn
    for secret in ["Ana Beatriz", "Priya", "Lena", "Carmen", "bakery", *names_and_ids(server)]:
        assert not any(secret in t for t in texts), secret
    assert "drifting: 2" in texts and "You trust" in texts
    # An empty Rolodex: a kind word, no picture.
    empty = await server.run("Olu", "rolodex overview")
    assert "empty so far" in empty.reply.content and empty.reply.attachments == []
