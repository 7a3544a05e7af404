"""End to end: `/insights` for organizers and the monthly picture by DM.

The picture is checked as Discord would receive it (a PNG attachment with a description),
and every text drawn in it is recorded from the drawing itself (`drawn`), so the tests can
say that no member's name or id, and nothing anyone wrote, is in the picture or its words.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image
from sqlalchemy import select, update

from storage.models import InsightSubscription, OutboxMessage
from testing.community import FILLER, Activity, seed_activity
from testing.harness import Harness, Server
from tests.dms import turn_off_command

PEOPLE = ("Maya", "Ines", "Priya", "Zara", "Lena", "Amara")


def picture_of(message: Any) -> tuple[Any, Image.Image]:
    [attachment] = message.attachments
    image = Image.open(io.BytesIO(attachment.content))
    image.load()  # decodes the whole picture, not only its header
    return attachment, image


def secrets_of(server: Server) -> list[str]:
    """What must never reach an organizer's picture: names, ids, anyone's words."""
    found = [FILLER, "Seeded thank-you", "accountant"]
    for name, user in server.people.items():
        found += [name, str(user.id)]
    return found


def assert_anonymous(server: Server, *texts: str) -> None:
    for text in texts:
        for secret in secrets_of(server):
            assert secret not in text, f"{secret!r} in {text[:200]!r}"


async def busy_server(kindred: Harness, people: tuple[str, ...] = PEOPLE) -> Server:
    server = await kindred.new_server(members=people)
    assert kindred.db is not None
    await seed_activity(
        kindred.db,
        server.id,
        kindred.clock.now(),
        Activity(members=len(people), weeks=12, opted_in=1.0, thanks_per_week=8),
        user_ids=[int(server.person(p).id) for p in people],
    )
    return server


async def test_an_organizer_sees_the_community_as_a_private_picture(
    kindred: Harness, drawn: list[tuple[str, ...]]
) -> None:
    server = await busy_server(kindred)
    reply = await server.run("Olu", "insights", weeks=12)
    assert reply.ephemeral
    message = reply.reply
    assert "the last 12 weeks" in message.content
    assert "6 members opted in" in message.content
    assert "% of daily prompts answered" in message.content
    assert "given by 6 members" in message.content
    attachment, image = picture_of(message)
    assert attachment.filename == "community-insights.png"
    assert image.format == "PNG" and image.width == 900 and 900 < image.height < 1600
    assert attachment.description.startswith("Charts of") and "Reflections" in (
        attachment.description
    )
    # Discord reads the picture's size itself; fakediscord does the same.
    assert attachment.payload()["width"] == 900
    [texts] = drawn
    assert "Reflections: share of daily prompts answered" in texts
    assert_anonymous(server, message.content, attachment.description, attachment.filename, *texts)
    assert_anonymous(server, attachment.content.decode("latin-1"))  # not in the file either


async def test_figures_from_fewer_than_five_members_are_hidden(
    kindred: Harness, drawn: list[tuple[str, ...]]
) -> None:
    four = ("Maya", "Ines", "Priya", "Zara")
    server = await busy_server(kindred, four)
    reply = await server.run("Olu", "insights", weeks=4)
    content = reply.reply.content
    assert "fewer than five members opted in" in content
    assert "fewer than five members thanked someone" in content
    assert "hidden" in content.casefold()
    assert not any(char.isdigit() for line in content.splitlines()[1:] for char in line), content
    attachment, _ = picture_of(reply.reply)
    assert "hidden, fewer than five members" in attachment.description
    [texts] = drawn
    assert (
        texts.count(
            "Hidden: fewer than five members took part, and a small number could point at someone"
        )
        == 3
    )
    # A fifth member joins in: now the community's figures show.
    fifth = kindred.fd.add_user("Lena")
    kindred.fd.add_member(server.guild, fifth)
    server.people["Lena"] = fifth
    assert kindred.db is not None
    await seed_activity(
        kindred.db,
        server.id,
        kindred.clock.now(),
        Activity(members=5, weeks=4, opted_in=1.0, thanks_per_week=10, seed=5),
        user_ids=[int(server.person(p).id) for p in (*four, "Lena")],
    )
    shown = await server.run("Olu", "insights", weeks=4)
    assert "5 members opted in" in shown.reply.content
    assert "given by 5 members" in shown.reply.content


async def test_insights_are_for_organizers_only(
    kindred: Harness, drawn: list[tuple[str, ...]]
) -> None:
    server = await busy_server(kindred)
    reply = await server.run("Maya", "insights")
    assert reply.ephemeral and "Manage Server" in reply.reply.content
    assert reply.reply.attachments == [] and drawn == []


async def organizer_subscriptions(kindred: Harness, server: Server) -> list[InsightSubscription]:
    assert kindred.db is not None
    async with kindred.db.read() as session:
        return list(
            await session.scalars(
                select(InsightSubscription).where(InsightSubscription.guild_id == server.id)
            )
        )


def first_of_next_month(now: datetime) -> datetime:
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return datetime(year, month, 1, 9, tzinfo=UTC)


async def test_the_monthly_picture_goes_out_once_a_month_to_who_asked(
    kindred: Harness, drawn: list[tuple[str, ...]]
) -> None:
    server = await busy_server(kindred)
    off = await server.run("Olu", "setup")
    assert "Monthly picture by DM (you): off" in _fields(off.reply)
    on = await server.run("Olu", "setup", insights_dm=True)
    assert "on the 1st of each month" in on.reply.content
    assert "Monthly picture by DM (you): on" in _fields(on.reply)
    [subscription] = await organizer_subscriptions(kindred, server)
    olu = server.person("Olu")
    first = first_of_next_month(kindred.clock.now())
    assert subscription.next_send_at == first

    await kindred.move_to(first - timedelta(minutes=1))
    assert kindred.fd.dms_to(olu) == []
    await kindred.move_to(first + timedelta(minutes=1))
    await kindred.fd.wait_for(lambda: len(kindred.fd.dms_to(olu)) == 1)
    [dm] = kindred.fd.dms_to(olu)
    assert "Your monthly picture" in dm.content and "the last 4 weeks" in dm.content
    assert turn_off_command(dm) == "/setup insights_dm:False"
    attachment, image = picture_of(dm)
    assert image.width == 900 and attachment.description.startswith("Charts of")
    assert_anonymous(server, dm.content, attachment.description, *drawn[-1])
    # Later that month: nothing more. Next month: the next one.
    await kindred.move_to(first + timedelta(days=10))
    assert len(kindred.fd.dms_to(olu)) == 1
    await kindred.move_to(first_of_next_month(first) + timedelta(hours=1))
    await kindred.fd.wait_for(lambda: len(kindred.fd.dms_to(olu)) == 2)
    # Nobody else got one: members never asked, and couldn't.
    for name in PEOPLE:
        assert kindred.fd.dms_to(server.person(name)) == []

    stopped = await server.run("Olu", "setup", insights_dm=False)
    assert "off for you" in stopped.reply.content
    assert await organizer_subscriptions(kindred, server) == []


async def test_an_organizer_who_steps_down_gets_no_more_pictures(
    kindred: Harness, drawn: list[tuple[str, ...]]
) -> None:
    server = await busy_server(kindred)
    kemi = kindred.fd.add_user("Kemi")
    kindred.fd.add_member(server.guild, kemi, manage_guild=True)
    server.people["Kemi"] = kemi
    on = await server.run("Kemi", "setup", insights_dm=True)
    assert "on the 1st of each month" in on.reply.content
    assert len(await organizer_subscriptions(kindred, server)) == 1
    kindred.fd.add_member(server.guild, kemi)  # her organizer role is gone
    await kindred.move_to(first_of_next_month(kindred.clock.now()) + timedelta(hours=1))
    assert kindred.fd.dms_to(kemi) == []
    assert await organizer_subscriptions(kindred, server) == []
    assert drawn == []


async def test_a_picture_in_the_outbox_is_sent_once_even_when_resent(
    kindred: Harness, drawn: list[tuple[str, ...]]
) -> None:
    server = await busy_server(kindred)
    await server.run("Olu", "setup", insights_dm=True)
    olu = server.person("Olu")
    await kindred.move_to(first_of_next_month(kindred.clock.now()) + timedelta(hours=1))
    await kindred.fd.wait_for(lambda: len(kindred.fd.dms_to(olu)) == 1)
    duplicates = kindred.fd.stats["nonce_duplicates"]
    # As after a crash between Discord's answer and marking the row sent: sent again.
    assert kindred.db is not None and kindred.bot is not None
    async with kindred.db.session() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.purpose == "insights_monthly", OutboxMessage.guild_id == server.id)
            .values(state="pending")
        )
    kindred.bot.courier.wake()
    await kindred.fd.wait_for(lambda: kindred.fd.stats["nonce_duplicates"] == duplicates + 1)
    await kindred.settle()
    assert len(kindred.fd.dms_to(olu)) == 1
    resend = [
        r
        for r in kindred.fd.requests
        if r.files and r.path == f"/channels/{kindred.fd.dm_channel(olu).id}/messages"
    ]
    assert len(resend) == 2 and resend[0].json["nonce"] == resend[1].json["nonce"]
    assert resend[1].files[0].content == resend[0].files[0].content  # the same picture


async def test_her_monthly_opt_in_is_in_her_data_export_and_delete(
    kindred: Harness, drawn: list[tuple[str, ...]]
) -> None:
    server = await busy_server(kindred)
    await server.run("Olu", "setup", insights_dm=True)
    export = await server.run("Olu", "mydata export")
    files = [a for m in [export.reply, *export.followups] for a in m.attachments]
    assert any(b'"insight_subscriptions"' in a.content for a in files)
    ask = await server.run("Olu", "mydata delete")
    [confirm] = [
        c["custom_id"]
        for row in ask.reply.components
        for c in row["components"]
        if c.get("label") == "Delete my data"
    ]
    click = await kindred.fd.click(server.person("Olu"), ask.reply, confirm)
    await click.wait_response()
    # Deleting answers "thinking" first, and says so when it is done.
    await kindred.fd.wait_for(lambda: "I removed" in ask.reply.content)
    assert await organizer_subscriptions(kindred, server) == []
    await kindred.move_to(first_of_next_month(kindred.clock.now()) + timedelta(hours=1))
    assert kindred.fd.dms_to(server.person("Olu")) == []


def _fields(message: Any) -> str:
    return "\n".join(
        f"{field['name']}: {field['value']}"
        for embed in message.embeds
        for field in embed.get("fields", [])
    )
