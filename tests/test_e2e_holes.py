"""End to end: the smaller holes stay closed.

Follow-up buttons act only on a pending follow-up; every date a member types is within a few
years; text blank to the eye is refused everywhere (and NUL never stored); every click and
every form gets a clear private answer, whatever its custom id.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from discord.http import Route
from sqlalchemy import func, select, update

from prompts import render
from storage.models import (
    CommunityPrompt,
    FollowUp,
    Member,
    OutboxMessage,
    PitchCheck,
    QuietDay,
    ReflectionEntry,
    RolodexEntry,
    Thanks,
    Touchpoint,
)
from testing.harness import Harness, Server
from tests.test_e2e_journal import text_field
from tests.test_e2e_rolodex import add_entry, fill_entry

UNEXPECTED = render("errors/unexpected", reference="").split(".")[0]
INVISIBLE = "\u200b" * 30
NUL = "\x00" * 30


async def count(kindred: Harness, model: Any, *where: Any) -> int:
    assert kindred.db is not None
    async with kindred.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


def members_of(server: Server) -> Any:
    return select(Member.id).where(Member.guild_id == server.id)


def labelled(message: Any, label: str) -> str:
    return next(
        c["custom_id"]
        for row in message.components
        for c in row["components"]
        if c.get("label") == label
    )


# -- follow-ups ------------------------------------------------------------------------------


async def reminder_for(kindred: Harness, server: Server, person: str) -> tuple[int, Any]:
    """Set a follow-up with `person` for Maya in 3 days; move to its reminder. (id, DM)"""
    reply = await server.run("Maya", "followup set", person=person, when="3d", note="Shop opening")
    number = int(reply.reply.content.rsplit("#", 1)[1].rstrip("."))
    assert kindred.db is not None
    async with kindred.db.read() as session:
        due_at = await session.scalar(select(FollowUp.due_at).where(FollowUp.id == number))
    assert due_at is not None
    await kindred.move_to(due_at)
    [dm] = [m for m in kindred.fd.dms_to(server.person("Maya")) if person in m.content]
    return number, dm


async def test_followup_buttons_act_only_on_a_pending_followup(
    kindred: Harness, server: Server
) -> None:
    await add_entry(kindred, server, "Maya", name="Rui")
    await add_entry(kindred, server, "Maya", name="Dana")
    rui, rui_dm = await reminder_for(kindred, server, "Rui")
    dana, dana_dm = await reminder_for(kindred, server, "Dana")
    for number in (rui, dana):
        cancelled = await server.run("Maya", "followup cancel", number=number)
        assert "Cancelled" in cancelled.reply.content
    # "Snooze 3 days" on a cancelled follow-up's old reminder: it stays cancelled.
    snooze = await kindred.fd.click(
        server.person("Maya"), rui_dm, labelled(rui_dm, "Snooze 3 days")
    )
    await snooze.wait_response()
    assert "was cancelled" in kindred.fd.get_message(rui_dm.id).content
    # "Done" on a cancelled one logs nothing.
    done = await kindred.fd.click(server.person("Maya"), dana_dm, labelled(dana_dm, "Done"))
    await done.wait_response()
    assert "was cancelled" in kindred.fd.get_message(dana_dm.id).content
    assert await count(kindred, Touchpoint, Touchpoint.owner_member_id.in_(members_of(server))) == 0
    assert await count(kindred, FollowUp, FollowUp.state == "pending", FollowUp.id == rui) == 0
    assert await count(kindred, OutboxMessage, OutboxMessage.dedupe_key == f"followup:{rui}:1") == 0
    await kindred.advance(timedelta(days=4))
    await kindred.settle()
    assert [m for m in kindred.fd.dms_to(server.person("Maya")) if "Rui" in m.content] == [rui_dm]
    # "Done" on one done already (from another device) logs it once only.
    lena, lena_dm = await reminder_for(kindred, server, "Lena")
    assert kindred.db is not None
    async with kindred.db.session() as session:
        await session.execute(update(FollowUp).where(FollowUp.id == lena).values(state="done"))
    again = await kindred.fd.click(server.person("Maya"), lena_dm, labelled(lena_dm, "Done"))
    await again.wait_response()
    assert "already done" in kindred.fd.get_message(lena_dm.id).content


# -- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "command", "options", "expected"),
    [
        ("Maya", "followup set", {"person": "Quinn", "when": "9999-12-31"}, "a long way off"),
        ("Maya", "followup set", {"person": "Quinn", "when": "9999-12-30"}, "a long way off"),
        ("Maya", "followup set", {"person": "Quinn", "when": "31.12.2999"}, "a long way off"),
        ("Olu", "admin quietdays add", {"date": "9999-12-31"}, "a long way off"),
        (
            "Maya",
            "rolodex log",
            {"person": "Quinn", "what": "Coffee at dawn", "when": "0001-01-02"},
            "back",
        ),
    ],
)
async def test_dates_are_bounded_with_a_kind_refusal(
    kindred: Harness,
    server: Server,
    who: str,
    command: str,
    options: dict[str, str],
    expected: str,
) -> None:
    await add_entry(kindred, server, "Maya", name="Quinn", cadence="monthly")
    reply = await server.run(who, command, **options)
    assert reply.ephemeral and expected in reply.reply.content, reply.reply.content
    assert "Nothing was changed" in reply.reply.content
    assert UNEXPECTED not in reply.reply.content
    assert await count(kindred, FollowUp, FollowUp.owner_member_id.in_(members_of(server))) == 0
    assert await count(kindred, QuietDay, QuietDay.guild_id == server.id) == 0
    assert await count(kindred, Touchpoint, Touchpoint.owner_member_id.in_(members_of(server))) == 0


# -- text blank to the eye -------------------------------------------------------------------


@pytest.mark.parametrize("blank", [INVISIBLE, NUL, "\u3164\u2800\u200d"], ids=["zw", "nul", "fill"])
@pytest.mark.parametrize(
    ("who", "command", "options", "expected"),
    [
        ("Maya", "thanks give", {"member": "@Ines", "kind": "advice", "story": "{}"}, "empty"),
        ("Olu", "admin prompts add", {"text": "{}"}, "empty"),
        ("Maya", "rolodex add", {"name": "{}"}, "Who should I add"),
        ("Maya", "pitchcheck text", {"text": "{}"}, "no text to check"),
        ("Maya", "followup set", {"person": "{}", "when": "3d"}, "Who should I add"),
        ("Maya", "rolodex log", {"person": "Rui", "what": "{}"}, "empty"),
        ("Maya", "reflections journal", {"search": "{}"}, "empty"),
        ("Maya", "rolodex search", {"query": "{}"}, "empty"),
    ],
)
async def test_text_blank_to_the_eye_is_refused_everywhere(
    kindred: Harness,
    who: str,
    command: str,
    options: dict[str, str],
    expected: str,
    blank: str,
) -> None:
    server = await kindred.new_server()
    await server.run("Olu", "setup", thanks_channel="#referral-thanks")
    await add_entry(kindred, server, "Maya", name="Rui")
    filled = {key: value.format(blank) for key, value in options.items()}
    reply = await server.run(who, command, **filled)
    assert reply.modal is None and reply.ephemeral
    assert expected in reply.reply.content, reply.reply.content
    await kindred.settle()
    assert await count(kindred, Thanks, Thanks.guild_id == server.id) == 0
    assert kindred.fd.channel_messages(server.channel("referral-thanks")) == []
    assert await count(kindred, CommunityPrompt, CommunityPrompt.guild_id == server.id) == 0
    assert await count(kindred, RolodexEntry, RolodexEntry.guild_id == server.id) == 1
    assert await count(kindred, FollowUp, FollowUp.owner_member_id.in_(members_of(server))) == 0
    assert await count(kindred, PitchCheck, PitchCheck.member_id.in_(members_of(server))) == 0


async def test_a_blank_dm_answer_is_refused_and_nul_never_stored(
    kindred: Harness, server: Server
) -> None:
    now = await server.run("Maya", "reflections now")
    await kindred.fd.send_dm(server.person("Maya"), INVISIBLE)
    await kindred.fd.wait_for(lambda: len(kindred.fd.dms_to(server.person("Maya"))) == 1)
    assert "empty" in kindred.fd.dms_to(server.person("Maya"))[0].content
    opened = await kindred.fd.click(
        server.person("Maya"), now.reply, labelled(now.reply, "Write my reflection")
    )
    await opened.wait_response()
    submitted = await kindred.fd.submit_modal(
        server.person("Maya"),
        opened,
        values={text_field(opened)["custom_id"]: "Met\x00 Ana at the\x00 market."},
    )
    await submitted.wait_response()
    # A name with NUL in it is stored without it, too.
    named = await server.run("Maya", "rolodex add", name="Ana\x00 Lima")
    await fill_entry(kindred, server, "Maya", named, notes="Bakes\x00 bread")
    assert kindred.db is not None
    async with kindred.db.read() as session:
        member = await session.scalar(
            select(Member.id).where(Member.user_id == int(server.person("Maya").id))
        )
        answers = list(
            await session.scalars(
                select(ReflectionEntry.answer).where(ReflectionEntry.member_id == member)
            )
        )
        entry = await session.scalar(
            select(RolodexEntry).where(RolodexEntry.owner_member_id == member)
        )
    assert answers == ["Met Ana at the market."]
    assert entry is not None and (entry.name, entry.notes) == ("Ana Lima", "Bakes bread")


# -- every click and every form is answered --------------------------------------------------

FORGED = [
    "fu:done:abc",
    "fu:snooze:99999999999999999999",
    "thx:outcome:abc:met",
    "thx:outcome:99999999999:client",
    "refl:write:e99999999999",
    "refl:skip:1-20261399",
    "reflb:daily:99999999999-20260101",
    "rdx:add:99999999999999999999999",
    "refln:keep:1",
    "kindred:nothing:here",
]


@pytest.fixture
def impatient(monkeypatch: pytest.MonkeyPatch) -> None:
    """A click nothing takes is answered after one short look (not the second or so the bot
    gives a view or form that may be registered a moment late)."""
    monkeypatch.setattr("kindred.bot.LATE_HANDLER_TRIES", 1)


@pytest.mark.usefixtures("impatient")
async def test_every_button_answers_privately_whatever_its_custom_id(
    kindred: Harness, server: Server
) -> None:
    assert kindred.bot is not None
    channel = kindred.fd.dm_channel(server.person("Maya"))
    sent = await kindred.bot.http.request(
        Route("POST", "/channels/{channel_id}/messages", channel_id=channel.id),
        json={
            "content": "Buttons changed on the way",
            "components": [
                {
                    "type": 1,
                    "components": [
                        {"type": 2, "style": 2, "label": f"b{i}", "custom_id": custom_id}
                        for i, custom_id in enumerate(FORGED[start : start + 5], start)
                    ],
                }
                for start in (0, 5)
            ],
        },
    )
    message = kindred.fd.get_message(int(sent["id"]))
    for custom_id in FORGED:
        click = await kindred.fd.click(server.person("Maya"), message, custom_id)
        await click.wait_response()
        await kindred.fd.wait_for(lambda click=click: click.reply is not None)
        assert click.ephemeral, custom_id
        assert click.reply.content and UNEXPECTED not in click.reply.content, custom_id


@pytest.mark.usefixtures("impatient")
async def test_a_form_sent_after_a_restart_is_answered_with_its_words(
    kindred: Harness, server: Server
) -> None:
    now = await server.run("Ines", "reflections now")
    opened = await kindred.fd.click(
        server.person("Ines"), now.reply, labelled(now.reply, "Write my reflection")
    )
    await opened.wait_response()
    await kindred.restart_bot()
    submitted = await kindred.fd.submit_modal(
        server.person("Ines"),
        opened,
        values={text_field(opened)["custom_id"]: "Words I would hate to lose."},
    )
    await submitted.wait_response()
    assert submitted.ephemeral and "before I last restarted" in submitted.reply.content
    assert "Words I would hate to lose." in submitted.reply.content
