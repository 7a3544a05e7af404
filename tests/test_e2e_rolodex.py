"""End to end: the Rolodex and follow-ups."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage.models import FollowUp, Member, RolodexEntry, Touchpoint
from testing.harness import Harness, Server


def modal_fields(interaction: Any) -> dict[str, dict[str, Any]]:
    """Label text -> component, for the form the bot opened."""
    fields = {}
    for row in interaction.modal["components"]:
        if "component" in row:
            fields[row["label"]] = row["component"]
        else:
            for component in row["components"]:
                fields[component.get("label", component["custom_id"])] = component
    return fields


async def fill_entry(
    kindred: Harness,
    server: Server,
    who: str,
    opened: Any,
    *,
    how_met: str = "",
    notes: str = "",
    tags: str = "",
    marks: tuple[str, ...] = (),
    cadence: str | None = None,
) -> Any:
    fields = modal_fields(opened)
    values: dict[str, Any] = {
        fields["How you met"]["custom_id"]: how_met,
        fields["About them, as a whole person"]["custom_id"]: notes,
        fields["Tags (comma-separated)"]["custom_id"]: tags,
        fields["Do you know, like, trust them?"]["custom_id"]: list(marks),
    }
    if cadence is not None:
        values[fields["Stay in touch"]["custom_id"]] = [cadence]
    submitted = await kindred.fd.submit_modal(server.person(who), opened, values=values)
    await submitted.wait_response()
    return submitted


async def add_entry(
    kindred: Harness,
    server: Server,
    who: str,
    *,
    member: str | None = None,
    name: str | None = None,
    **form: Any,
) -> Any:
    options: dict[str, Any] = {}
    if member:
        options["member"] = f"@{member}"
    if name:
        options["name"] = name
    opened = await server.run(who, "rolodex add", **options)
    assert opened.modal is not None, opened.reply.content if opened.reply else None
    return await fill_entry(kindred, server, who, opened, **form)


async def entries(kindred: Harness, server: Server, who: str) -> list[RolodexEntry]:
    assert kindred.db is not None
    async with kindred.db.read() as session:
        return list(
            await session.scalars(
                select(RolodexEntry)
                .join(Member, Member.id == RolodexEntry.owner_member_id)
                .where(Member.guild_id == server.id, Member.user_id == int(server.person(who).id))
                .order_by(RolodexEntry.id)
            )
        )


async def click(kindred: Harness, server: Server, who: str, message: Any, label: str) -> Any:
    [custom_id] = [
        c["custom_id"]
        for row in message.components
        for c in row["components"]
        if c.get("label") == label
    ]
    clicked = await kindred.fd.click(server.person(who), message, custom_id)
    await clicked.wait_response()
    return clicked


def text_of(message: Any) -> str:
    parts = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
    return "\n".join(parts)


async def test_add_a_member_and_someone_outside_discord(kindred: Harness, server: Server) -> None:
    saved = await add_entry(
        kindred,
        server,
        "Olu",
        member="Maya",
        how_met="November breakfast",
        notes="Runs a bakery, two kids, loves climbing",
        tags="Baking, #Lisbon",
        marks=("know", "like"),
        cadence="monthly",
    )
    assert saved.ephemeral and "Added to your Rolodex" in saved.reply.content
    await add_entry(kindred, server, "Olu", name="Sam Okafor", notes="Bookkeeping for studios")
    maya, sam = await entries(kindred, server, "Olu")
    assert maya.person_user_id == int(server.person("Maya").id)
    assert (maya.tags, maya.know, maya.like, maya.trust) == ("baking,lisbon", True, True, False)
    assert maya.cadence_days == 30 and maya.touch_due_at is not None
    assert sam.person_user_id is None and sam.notes == "Bookkeeping for studios"
    shown = await server.run("Olu", "rolodex show", person="maya")
    assert "bakery" in text_of(shown.reply) and "monthly" in text_of(shown.reply)
    listed = await server.run("Olu", "rolodex list", tag="lisbon")
    assert "Maya" in text_of(listed.reply) and "Sam" not in text_of(listed.reply)


async def test_context_menu_opens_the_same_form(kindred: Harness, server: Server) -> None:
    opened = await kindred.fd.user_command(
        server.person("Ines"),
        "Add to my Rolodex",
        target=server.person("Maya"),
        guild=server.guild,
        channel=server.channel("general"),
    )
    await opened.wait_response()
    assert opened.modal is not None and "Maya" in opened.modal["title"]
    await fill_entry(kindred, server, "Ines", opened, notes="Knows everyone in ceramics")
    [entry] = await entries(kindred, server, "Ines")
    assert entry.person_user_id == int(server.person("Maya").id)


async def test_edit_and_remove(kindred: Harness, server: Server) -> None:
    await add_entry(kindred, server, "Maya", name="Priya", notes="Designer")
    opened = await server.run("Maya", "rolodex edit", person="Priya")
    fields = modal_fields(opened)
    assert fields["About them, as a whole person"]["value"] == "Designer"
    await fill_entry(
        kindred, server, "Maya", opened, notes="Designer, just moved to Porto", marks=("trust",)
    )
    [entry] = await entries(kindred, server, "Maya")
    assert entry.notes == "Designer, just moved to Porto" and entry.trust
    await server.run("Maya", "rolodex log", person="Priya", what="Coffee in Porto")
    # Her notes and history would go at once: asked first, with what goes.
    ask = await server.run("Maya", "rolodex remove", person="priya")
    assert "Remove **Priya**" in ask.reply.content and "1 touchpoint" in ask.reply.content
    assert len(await entries(kindred, server, "Maya")) == 1
    kept = await click(kindred, server, "Maya", ask.reply, "Keep")
    assert "Nothing changed" in kindred.fd.get_message(ask.reply.id).content
    assert kept.response_type == 7 and len(await entries(kindred, server, "Maya")) == 1
    ask = await server.run("Maya", "rolodex remove", person="priya")
    await click(kindred, server, "Maya", ask.reply, "Remove Priya")
    assert "Removed" in kindred.fd.get_message(ask.reply.id).content
    assert await entries(kindred, server, "Maya") == []


async def test_adding_someone_already_there_says_so_and_edits(
    kindred: Harness, server: Server
) -> None:
    await add_entry(kindred, server, "Ines", name="Maya", notes="Bakery, two kids")
    opened = await server.run("Ines", "rolodex add", member="@Maya")
    assert opened.modal is not None
    assert opened.modal["title"] == "Already in your Rolodex: Maya"
    assert modal_fields(opened)["About them, as a whole person"]["value"] == "Bakery, two kids"
    saved = await fill_entry(kindred, server, "Ines", opened, notes="Bakery, two kids, climbs")
    assert "already in your Rolodex" in saved.reply.content
    [entry] = await entries(kindred, server, "Ines")
    assert entry.notes == "Bakery, two kids, climbs"
    assert entry.person_user_id == int(server.person("Maya").id)  # now linked to her
    again = await server.run("Ines", "rolodex add", name="maya")
    assert again.modal["title"] == "Already in your Rolodex: Maya"
    # Another member of the same name is a different person: said before any form.
    namesake = kindred.fd.add_user("Maya")
    kindred.fd.add_member(server.guild, namesake)
    server.people["Maya2"] = namesake
    clash = await server.run("Ines", "rolodex add", member="@Maya2")
    assert clash.modal is None and "tells them apart" in clash.reply.content


async def test_drifting_without_any_rhythm_says_so(kindred: Harness, server: Server) -> None:
    empty = await server.run("Maya", "rolodex drifting")
    assert "empty" in empty.reply.content
    await add_entry(kindred, server, "Maya", name="Sam")
    none = await server.run("Maya", "rolodex drifting")
    assert "Nobody here has a stay-in-touch rhythm" in none.reply.content
    assert "within" not in none.reply.content
    await add_entry(kindred, server, "Maya", name="Bea", cadence="monthly")
    fine = await server.run("Maya", "rolodex drifting")
    assert "(1 of 2) is within it" in fine.reply.content


async def test_followup_list_marks_what_is_past_due(kindred: Harness, server: Server) -> None:
    await server.run("Maya", "followup set", person="Jo", when="3d")
    await server.run("Maya", "followup set", person="Kim", when="2w")
    listed = await server.run("Maya", "followup list")
    assert "past due" not in text_of(listed.reply)
    await kindred.move_to(kindred.clock.now() + timedelta(days=4))
    listed = await server.run("Maya", "followup list")
    lines = text_of(listed.reply).splitlines()
    [jo] = [line for line in lines if "Jo" in line]
    [kim] = [line for line in lines if "Kim" in line]
    assert "past due" in jo and "past due" not in kim


async def test_search_finds_notes_and_puts_trusted_people_first(
    kindred: Harness, server: Server
) -> None:
    await add_entry(kindred, server, "Ines", name="Alex", notes="Does bookkeeping on the side")
    await add_entry(kindred, server, "Ines", name="Bea", tags="bookkeeping", marks=("trust",))
    await add_entry(kindred, server, "Ines", name="Cleo", notes="Illustrator, loves cats")
    found = await server.run("Ines", "rolodex search", query="who do I know for bookkeeping?")
    description = found.reply.embeds[0]["description"]
    assert description.index("Bea") < description.index("Alex")
    assert "Cleo" not in description
    none = await server.run("Ines", "rolodex search", query="astrophysics")
    assert "Nobody" in none.reply.content


async def test_someone_elses_rolodex_stays_private(kindred: Harness, server: Server) -> None:
    await add_entry(kindred, server, "Maya", name="Sam Secret", notes="Private notes about Sam")
    for command, options in (
        ("rolodex show", {"person": "Sam Secret"}),
        ("rolodex edit", {"person": "Sam Secret"}),
        ("rolodex remove", {"person": "Sam Secret"}),
        ("rolodex log", {"person": "Sam Secret", "what": "Coffee"}),
    ):
        reply = await server.run("Ines", command, **options)
        assert reply.modal is None and "can't find" in reply.reply.content, command
    search = await server.run("Ines", "rolodex search", query="Sam")
    assert "Private notes" not in text_of(search.reply)
    listed = await server.run("Ines", "rolodex list")
    assert "Sam" not in text_of(listed.reply)
    [entry] = await entries(kindred, server, "Maya")
    hijack = await server.run("Ines", "rolodex show", person=f"#{entry.id}")
    assert "can't find" in hijack.reply.content
    choices = await server.autocomplete("Ines", "rolodex show", "person", person="Sam")
    assert choices == []
    assert (await entries(kindred, server, "Maya"))[0].notes == "Private notes about Sam"


async def test_bad_input_changes_nothing(kindred: Harness, server: Server) -> None:
    empty = await server.run("Maya", "rolodex add", name="   ")
    assert "Who should I add" in empty.reply.content
    opened = await server.run("Maya", "rolodex add", name="Dana")
    fields = modal_fields(opened)
    assert fields["About them, as a whole person"]["max_length"] == 1500
    self_add = await server.run("Maya", "rolodex add", member="@Maya")
    assert "the others" in self_add.reply.content
    past = await server.run("Maya", "followup set", person="Dana", when="2020-01-01")
    assert "future" in past.reply.content
    someday = await server.run("Maya", "followup set", person="Dana", when="someday")
    assert "someday" in someday.reply.content
    assert await entries(kindred, server, "Maya") == []
    assert kindred.db is not None
    async with kindred.db.read() as session:
        assert (await session.scalars(select(FollowUp))).all() == [] or all(
            f.person != "Dana" for f in (await session.scalars(select(FollowUp))).all()
        )


async def test_cadence_reminder_at_local_time_and_restart_after_a_touchpoint(
    kindred: Harness, server: Server
) -> None:
    await server.run("Ines", "reflections start", time="07:30", timezone="Asia/Kathmandu")
    await add_entry(kindred, server, "Ines", name="Tova", cadence="every 2 weeks")
    [entry] = await entries(kindred, server, "Ines")
    due_day = entry.created_at.date() + timedelta(days=14)
    expected = datetime.combine(due_day, time(7, 30), tzinfo=ZoneInfo("Asia/Kathmandu"))
    assert entry.touch_due_at == expected.astimezone(UTC)

    def reminders() -> list[Any]:
        return [m for m in kindred.fd.dms_to(server.person("Ines")) if "been a while" in m.content]

    await kindred.move_to(entry.touch_due_at - timedelta(minutes=1))
    assert reminders() == []
    await kindred.clock.set(entry.touch_due_at)
    await kindred.fd.wait_for(lambda: len(reminders()) == 1)
    assert "Tova" in reminders()[0].content
    drifting = await server.run("Ines", "rolodex drifting")
    assert "Tova" in text_of(drifting.reply)
    logged = await server.run("Ines", "rolodex log", person="Tova", what="Coffee", kind="coffee")
    assert "Noted a touchpoint" in logged.reply.content
    [entry] = await entries(kindred, server, "Ines")
    assert entry.touch_due_at is not None and entry.touch_due_at > kindred.clock.now()
    calm = await server.run("Ines", "rolodex drifting")
    assert "Nobody is drifting" in calm.reply.content
    await kindred.clock.set(entry.touch_due_at)
    await kindred.fd.wait_for(lambda: len(reminders()) == 2)
    await server.run("Ines", "reflections stop")


async def test_followup_snooze_then_done_logs_a_touchpoint(
    kindred: Harness, server: Server
) -> None:
    await add_entry(kindred, server, "Maya", name="Rui", cadence="monthly")
    reply = await server.run("Maya", "followup set", person="Rui", when="3d", note="Shop opening")
    assert "I'll remind you" in reply.reply.content
    listed = await server.run("Maya", "followup list")
    assert "Rui" in text_of(listed.reply)
    assert kindred.db is not None
    async with kindred.db.read() as session:
        followup = await session.scalar(select(FollowUp).where(FollowUp.person == "Rui"))
    assert followup is not None

    def reminders() -> list[Any]:
        return [m for m in kindred.fd.dms_to(server.person("Maya")) if "follow up" in m.content]

    await kindred.clock.set(followup.due_at)
    await kindred.fd.wait_for(lambda: len(reminders()) == 1)
    first = reminders()[0]
    snooze = next(
        c["custom_id"]
        for row in first.components
        for c in row["components"]
        if c["label"] == "Snooze 3 days"
    )
    click = await kindred.fd.click(server.person("Maya"), first, snooze)
    await click.wait_response()
    assert "Snoozed" in kindred.fd.get_message(first.id).content
    await kindred.move_to(followup.due_at + timedelta(days=3) - timedelta(minutes=1))
    assert len(reminders()) == 1
    await kindred.clock.set(followup.due_at + timedelta(days=3))
    await kindred.fd.wait_for(lambda: len(reminders()) == 2)
    second = reminders()[1]
    done = next(
        c["custom_id"]
        for row in second.components
        for c in row["components"]
        if c["label"] == "Done"
    )
    click = await kindred.fd.click(server.person("Maya"), second, done)
    await click.wait_response()
    async with kindred.db.read() as session:
        state = await session.scalar(select(FollowUp.state).where(FollowUp.id == followup.id))
        touches = (await session.scalars(select(Touchpoint))).all()
    assert state == "done"
    assert any(t.note == "Shop opening" for t in touches)


async def test_followup_cancel(kindred: Harness, server: Server) -> None:
    reply = await server.run("Ines", "followup set", person="Jo", when="next week")
    number = int(reply.reply.content.rsplit("#", 1)[1].rstrip("."))
    other = await server.run("Maya", "followup cancel", number=number)
    assert "no open follow-up" in other.reply.content
    cancelled = await server.run("Ines", "followup cancel", number=number)
    assert "Cancelled" in cancelled.reply.content
    empty = await server.run("Ines", "followup list")
    assert "No follow-ups" in empty.reply.content


async def test_offers_after_thanks_and_the_event_check(kindred: Harness, server: Server) -> None:
    await server.run("Olu", "setup", thanks_channel="#referral-thanks")
    thanked = await server.run(
        "Ines",
        "thanks give",
        member="@Maya",
        kind="advice",
        story="Thanks for the pricing advice, Maya!",
    )
    labels = {
        c["label"]: c["custom_id"] for row in thanked.reply.components for c in row["components"]
    }
    assert set(labels) == {"Add to my Rolodex", "Set a follow-up"}
    opened = await kindred.fd.click(
        server.person("Ines"), thanked.reply, labels["Add to my Rolodex"]
    )
    await opened.wait_response()
    assert opened.modal is not None and "Maya" in opened.modal["title"]
    await fill_entry(kindred, server, "Ines", opened, notes="Pricing wizard")
    assert [e.name for e in await entries(kindred, server, "Ines")] == ["Maya"]
    follow = await kindred.fd.click(server.person("Ines"), thanked.reply, labels["Set a follow-up"])
    await follow.wait_response()
    fields = modal_fields(follow)
    assert fields["With whom"]["value"] == "Maya"

    event = await server.run("Maya", "pitchcheck event")
    for _ in range(8):
        yes = next(
            c["custom_id"]
            for row in event.reply.components
            for c in row["components"]
            if c["label"] == "Yes"
        )
        click = await kindred.fd.click(server.person("Maya"), event.reply, yes)
        await click.wait_response()
    offer = next(
        c["custom_id"]
        for row in event.reply.components
        for c in row["components"]
        if c["label"] == "Set a follow-up"
    )
    opened = await kindred.fd.click(server.person("Maya"), event.reply, offer)
    await opened.wait_response()
    fields = modal_fields(opened)
    submitted = await kindred.fd.submit_modal(
        server.person("Maya"),
        opened,
        values={
            fields["With whom"]["custom_id"]: "Lena from the breakfast",
            fields["When (2026-12-01, 3d, next week, friday)"]["custom_id"]: "friday",
            fields["About what (optional)"]["custom_id"]: "Her ceramics class",
        },
    )
    await submitted.wait_response()
    assert "Lena from the breakfast" in submitted.reply.content


async def test_export_has_vcard_and_csv(kindred: Harness, server: Server) -> None:
    await add_entry(
        kindred, server, "Olu", name="Zoe; Smith", notes="Line one\nLine two", tags="climbing"
    )
    export = await server.run("Olu", "mydata export")
    message = await export.wait_message()
    files = {a.filename: a.content for m in [message, *export.followups] for a in m.attachments}
    vcard = files["kindred-rolodex.vcf"].decode()
    assert "BEGIN:VCARD" in vcard and "FN:Zoe\\; Smith" in vcard and "CATEGORIES:climbing" in vcard
    csv_text = files["kindred-rolodex.csv"].decode()
    assert csv_text.splitlines()[0].startswith("name,discord_user_id")
    data = json.loads(next(v for k, v in files.items() if k.endswith(".json")))
    assert data["tables"]["rolodex_entries.owner_member_id"][0]["notes"] == "Line one\nLine two"
