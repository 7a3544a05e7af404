"""End to end: options outside what a command declares, as a modified client or a raw API
call could send them (fakediscord's `checked=False`), are refused privately and change
nothing. Discord's own client never sends them; discord.py passes them on as they come."""

from __future__ import annotations

from typing import Any

import discord
from discord import AppCommandOptionType, app_commands
from sqlalchemy import select

from kindred.options import option_problem
from prompts import render
from storage.models import (
    MeetProfile,
    MeetSettings,
    Member,
    PitchCheck,
    ReflectionEntry,
    RolodexEntry,
    Thanks,
)
from testing.harness import Harness, Server
from tests.forms import labelled_text_inputs
from tests.test_e2e_holes import count, labelled

UNEXPECTED = render("errors/unexpected", reference="").split(".")[0]
NOTHING_CHANGED = "Nothing was changed."


def refused(reply: Any) -> str:
    assert reply.ephemeral and reply.modal is None
    content = reply.reply.content
    assert NOTHING_CHANGED in content and UNEXPECTED not in content, content
    return str(content)


async def test_a_story_longer_than_declared_is_refused_and_nothing_is_posted(
    kindred: Harness, server: Server
) -> None:
    await server.run("Olu", "setup", thanks_channel="#referral-thanks")
    reply = await server.run(
        "Maya",
        "thanks give",
        checked=False,
        member="@Ines",
        kind="advice",
        story="Ines helped me so much. " * 250,
    )
    assert "**story** holds up to 1,000 characters, and this one has 6,000" in refused(reply)
    await kindred.settle()
    assert await count(kindred, Thanks, Thanks.guild_id == server.id) == 0
    assert kindred.fd.channel_messages(server.channel("referral-thanks")) == []


async def test_a_text_of_fifty_thousand_characters_is_not_checked_or_kept(
    kindred: Harness, server: Server
) -> None:
    reply = await server.run("Maya", "pitchcheck text", checked=False, text="Buy now! " * 5000)
    assert "**text** holds up to" in refused(reply)
    members = select(Member.id).where(Member.guild_id == server.id)
    assert await count(kindred, PitchCheck, PitchCheck.member_id.in_(members)) == 0


async def test_a_number_out_of_range_a_missing_option_and_an_unknown_choice(
    kindred: Harness, server: Server
) -> None:
    before = await server.run("Olu", "meet settings", pairing=True, hour=9)
    assert before.ephemeral
    reply = await server.run("Olu", "meet settings", checked=False, hour=99)
    assert "**hour** takes a number from 0 to 23" in refused(reply)
    assert kindred.db is not None
    async with kindred.db.read() as session:
        settings = await session.scalar(
            select(MeetSettings).where(MeetSettings.guild_id == server.id)
        )
    assert settings is not None and settings.hour == 9
    reply = await server.run("Maya", "thanks give", checked=False, member="@Ines", kind="advice")
    assert "This command needs **story**" in refused(reply)
    reply = await server.run(
        "Maya",
        "thanks give",
        checked=False,
        member="@Ines",
        kind="a bribe",
        story="Ines helped me plan my launch.",
    )
    assert "**kind** takes one of:" in refused(reply)
    assert await count(kindred, Thanks, Thanks.guild_id == server.id) == 0


def bounded_text_options(kindred: Harness) -> list[tuple[str, str, int]]:
    """(command, option, its longest length) for every text option with a declared limit."""
    assert kindred.bot is not None
    found = []
    for command in kindred.bot.tree.walk_commands():
        if not isinstance(command, app_commands.Command):
            continue
        for parameter in command.parameters:
            if parameter.type is AppCommandOptionType.string and parameter.max_value:
                found.append(
                    (command.qualified_name, parameter.display_name, int(parameter.max_value))
                )
    return found


async def test_every_text_option_one_character_too_long_is_refused(
    kindred: Harness, server: Server
) -> None:
    options = bounded_text_options(kindred)
    assert len(options) >= 20  # every feature's commands, not a few
    for command, option, longest in options:
        reply = await server.run("Olu", command, checked=False, **{option: "x" * (longest + 1)})
        # An earlier required option may be named first: refused either way, before anything.
        content = refused(reply)
        assert f"**{option}** holds up to" in content or "This command needs" in content, (
            command,
            content,
        )


async def test_options_within_bounds_still_run_the_command(
    kindred: Harness, server: Server
) -> None:
    reply = await server.run("Maya", "rolodex search", checked=False, query="x" * 100)
    assert reply.ephemeral and NOTHING_CHANGED not in reply.reply.content


# -- forms -------------------------------------------------------------------------------------


FORMS = ("rolodex add", "meet profile", "reflection")


async def open_form(kindred: Harness, server: Server, form: str) -> Any:
    """Maya opens one of the forms a command or a button opens."""
    if form != "reflection":
        return await server.run("Maya", form, **({"name": "Rui"} if form == "rolodex add" else {}))
    now = await server.run("Maya", "reflections now")
    write = labelled(now.reply, "Write my reflection")
    opened = await kindred.fd.click(server.person("Maya"), now.reply, write)
    await opened.wait_response()
    return opened


async def test_every_form_field_one_character_too_long_is_refused(
    kindred: Harness, server: Server
) -> None:
    checked = 0
    for form in FORMS:
        opened = await open_form(kindred, server, form)
        assert opened.modal is not None, form
        for place, (_, field) in enumerate(labelled_text_inputs(opened.modal)):
            if not field.get("max_length"):
                continue
            # A form is answered once: open it again for each field (its label may differ:
            # the reflection's is the day's question).
            again = await open_form(kindred, server, form)
            label, same = labelled_text_inputs(again.modal)[place]
            submitted = await kindred.fd.submit_modal(
                server.person("Maya"),
                again,
                values={same["custom_id"]: "x" * (field["max_length"] + 1)},
                checked=False,
            )
            await submitted.wait_response()
            content = refused(submitted)
            assert f"**{label}** holds up to {field['max_length']:,} characters" in content
            checked += 1
    assert checked >= 6
    maya = select(Member.id).where(
        Member.guild_id == server.id, Member.user_id == int(server.person("Maya").id)
    )
    assert await count(kindred, RolodexEntry, RolodexEntry.owner_member_id.in_(maya)) == 0
    answered = ReflectionEntry.answer.is_not(None) & (ReflectionEntry.answer != "")
    assert await count(kindred, ReflectionEntry, ReflectionEntry.member_id.in_(maya), answered) == 0
    assert await count(kindred, MeetProfile, MeetProfile.member_id.in_(maya)) == 0


def parameters_of(kindred: Harness, command: str) -> list[app_commands.Parameter]:
    assert kindred.bot is not None
    found = kindred.bot.tree.get_command(command.split()[0])
    for part in command.split()[1:]:
        assert isinstance(found, app_commands.Group)
        found = found.get_command(part)
    assert isinstance(found, app_commands.Command)
    return found.parameters


def test_options_of_the_wrong_kind_are_named(kindred: Harness) -> None:
    # What a raw client could put in a payload, as discord.py hands it on (an empty number
    # arrives as NaN; JSON's true is no whole number).
    hour = parameters_of(kindred, "meet settings")
    for wrong in ("9", True, float("nan"), 9.5):
        problem = option_problem(hour, {"hour": wrong})
        assert problem is not None and problem.context["problem"] == "wrong_kind", wrong
    assert option_problem(hour, {"hour": 9, "pairing": True}) is None
    assert option_problem(hour, {"pairing": "yes"}) is not None
    member = parameters_of(kindred, "thanks give")
    unresolved = option_problem(
        member, {"member": discord.Object(id=1), "kind": "advice", "story": "Thank you so much!"}
    )
    assert unresolved is not None and unresolved.context["kind"] == "a member of this server"
    text = parameters_of(kindred, "pitchcheck text")
    assert option_problem(text, {"text": 42}) is not None
    assert option_problem(text, {"text": "Hello there, lovely to meet you all."}) is None
