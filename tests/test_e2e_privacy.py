"""End to end: /privacy, /mydata export and /mydata delete."""

from __future__ import annotations

import json
from datetime import timedelta

from cogs.privacy import DELETE_CONFIRM_SECONDS
from storage.communities import ensure_community
from storage.courier import enqueue
from storage.members import ensure_member, get_member
from storage.models import OutboxMessage
from testing.harness import Harness, Server


async def give_member_data(kindred: Harness, server: Server, name: str, text: str) -> int:
    """Store something about a member, as a feature would (a queued DM), far in the future."""
    assert kindred.db is not None
    now = kindred.clock.now()
    async with kindred.db.session() as session:
        await ensure_community(session, server.id, now=now)
        member = await ensure_member(session, server.id, int(server.person(name).id), now=now)
        await enqueue(
            session,
            guild_id=server.id,
            member_id=member.id,
            purpose="test",
            dedupe_key=f"test:{server.id}:{name}:{text}",
            payload={"content": text},
            due_at=now.replace(year=now.year + 5),
            now=now,
        )
        return member.id


async def outbox_rows(kindred: Harness, member_id: int) -> int:
    assert kindred.db is not None
    async with kindred.db.read() as session:
        rows = await session.execute(
            OutboxMessage.__table__.select().where(OutboxMessage.member_id == member_id)
        )
        return len(rows.all())


async def test_privacy_explains_in_private(kindred: Harness, server: Server) -> None:
    reply = await server.run("Maya", "privacy")
    assert reply.ephemeral
    text = reply.reply.embeds[0]["description"]
    assert "/mydata export" in text and "/mydata delete" in text
    assert "Only you" in text
    # What deleting does, and what back-ups still hold and for how long.
    assert "overwritten" in text and "no back-ups myself" in text and "30 days" in text


async def test_export_contains_my_data_and_nobody_elses(kindred: Harness, server: Server) -> None:
    await give_member_data(kindred, server, "Maya", "Maya's private words")
    await give_member_data(kindred, server, "Ines", "Ines's private words")
    reply = await server.run("Maya", "mydata export")
    message = await reply.wait_message()
    assert reply.ephemeral
    assert "record" in message.content
    [attachment] = [a for m in [message, *reply.followups] for a in m.attachments]
    assert attachment.filename.endswith(".json")
    data = json.loads(attachment.content)
    assert data["user_id"] == str(server.person("Maya").id)
    assert data["member"]["user_id"] == int(server.person("Maya").id)
    outbox = data["tables"]["outbox"]
    assert [row["payload"]["content"] for row in outbox] == ["Maya's private words"]
    assert "Ines" not in attachment.content.decode()


async def test_export_for_someone_kindred_never_met(kindred: Harness, server: Server) -> None:
    reply = await server.run("Ines", "mydata export")
    message = await reply.wait_message()
    [attachment] = [a for m in [message, *reply.followups] for a in m.attachments]
    data = json.loads(attachment.content)
    assert data["member"] is None and data["tables"] == {}


async def test_delete_asks_first_then_removes_everything(kindred: Harness, server: Server) -> None:
    maya = await give_member_data(kindred, server, "Maya", "to be forgotten")
    ines = await give_member_data(kindred, server, "Ines", "to be kept")
    ask = await server.run("Maya", "mydata delete")
    assert ask.ephemeral and "can't be undone" in ask.reply.content
    assert await outbox_rows(kindred, maya) == 1  # asking deletes nothing
    [confirm] = [
        c["custom_id"]
        for row in ask.reply.components
        for c in row["components"]
        if c.get("label") == "Delete my data"
    ]
    click = await kindred.fd.click(server.person("Maya"), ask.reply, confirm)
    await click.wait_response()
    done = ask.reply  # the confirmation replaces the question in place
    await kindred.fd.wait_for(lambda: "I removed" in done.content)
    assert "I removed or unlinked 2 records" in done.content
    assert done.components == []
    assert await outbox_rows(kindred, maya) == 0
    assert await outbox_rows(kindred, ines) == 1
    assert kindred.db is not None
    async with kindred.db.read() as session:
        assert await get_member(session, server.id, int(server.person("Maya").id)) is None


async def test_keep_changes_nothing(kindred: Harness, server: Server) -> None:
    maya = await give_member_data(kindred, server, "Maya", "keep me")
    ask = await server.run("Maya", "mydata delete")
    keep = next(
        c["custom_id"]
        for row in ask.reply.components
        for c in row["components"]
        if c.get("label") == "Keep it"
    )
    click = await kindred.fd.click(server.person("Maya"), ask.reply, keep)
    await click.wait_response()
    assert "Nothing was deleted" in ask.reply.content
    assert await outbox_rows(kindred, maya) == 1


async def test_confirmation_times_out_on_the_clock_and_greys_out(
    kindred: Harness, server: Server
) -> None:
    maya = await give_member_data(kindred, server, "Maya", "timeout")
    ask = await server.run("Maya", "mydata delete")

    def greyed() -> bool:
        return all(c.get("disabled") for row in ask.reply.components for c in row["components"])

    # The timeout counts on the bot's clock (tests and the sandbox move it), not wall time.
    await kindred.advance(timedelta(seconds=DELETE_CONFIRM_SECONDS - 5))
    await kindred.settle()
    assert not greyed()
    await kindred.advance(timedelta(seconds=10))
    await kindred.settle()  # waits for the view to expire and its message to be edited
    assert greyed()
    assert await outbox_rows(kindred, maya) == 1


async def test_mydata_is_for_servers_only(kindred: Harness, server: Server) -> None:
    fd = kindred.fd
    interaction = await fd.slash(server.person("Maya"), "privacy", guild=None)
    await interaction.wait_response()
    assert interaction.ephemeral  # /privacy works in DMs too
