"""End to end: Discord scheduled events bring a nudge before and a debrief after.

The real bot against fakediscord's scheduled events, on the injected clock. Each test takes
a year of its own (the clock only moves forward), so tests don't see each other's events.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from coaching.events import follow_up_day
from coaching.pitch_event import EVENT_QUESTIONS
from fakediscord.models import ScheduledEvent
from storage.models import (
    Event,
    EventAttendee,
    EventConnection,
    EventPreference,
    FollowUp,
    Member,
    PitchCheck,
    RolodexEntry,
    Touchpoint,
)
from testing.harness import Harness, Server
from tests.dms import turn_off_command
from tests.test_e2e_rolodex import add_entry

_years = itertools.count(2041)
NUDGE = "is coming up"
DEBRIEF = "How was"


async def fresh_year(kindred: Harness, month: int = 1, day: int = 1) -> int:
    year = next(_years)
    await kindred.move_to(datetime(year, month, day, tzinfo=UTC))
    return year


def local(day: date, at: time, zone: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def dms(kindred: Harness, server: Server, who: str, marker: str) -> list[Any]:
    return [m for m in kindred.fd.dms_to(server.person(who)) if marker in m.content]


async def query(kindred: Harness, statement: Any) -> list[Any]:
    assert kindred.db is not None
    async with kindred.db.read() as session:
        return list((await session.execute(statement)).all())


async def wait_rows(
    kindred: Harness, statement: Any, check: Callable[[list[Any]], bool], what: str
) -> list[Any]:
    found: list[Any] = []

    async def ready() -> bool:
        nonlocal found
        found = await query(kindred, statement)
        return check(found)

    await kindred.fd.wait_for(ready, timeout=5, message=what)
    return found


def event_rows(fd_event: ScheduledEvent) -> Any:
    return select(Event).where(Event.discord_event_id == fd_event.id)


async def create_event(
    kindred: Harness,
    server: Server,
    name: str,
    start: datetime,
    hours: float = 2,
    **options: Any,
) -> ScheduledEvent:
    """An organizer creates an event; returns once Kindred has it."""
    event = kindred.fd.create_scheduled_event(
        server.guild,
        name,
        start=start,
        end=start + timedelta(hours=hours),
        creator=server.person("Olu"),
        **options,
    )
    await wait_rows(kindred, event_rows(event), bool, f"Kindred never saw {name}")
    await kindred.settle()
    return event


async def change(
    kindred: Harness, event: ScheduledEvent, act: Callable[[], object], status: str
) -> None:
    """Something happens to the event on Discord; returns once Kindred's copy says `status`."""
    act()
    await wait_rows(
        kindred,
        event_rows(event),
        lambda rows: bool(rows) and rows[0][0].status == status,
        f"event never became {status}",
    )
    await kindred.settle()


async def interested(kindred: Harness, server: Server, event: ScheduledEvent, *who: str) -> None:
    for name in who:
        kindred.fd.set_event_interest(event, server.person(name), True)
    users = {int(server.person(name).id) for name in who}
    await wait_rows(
        kindred,
        select(Member.user_id)
        .join(EventAttendee, EventAttendee.member_id == Member.id)
        .join(Event, Event.id == EventAttendee.event_id)
        .where(Event.discord_event_id == event.id, EventAttendee.interested.is_(True)),
        lambda rows: users <= {row[0] for row in rows},
        f"interest of {who} never arrived",
    )
    await kindred.settle()


async def opt_in(server: Server, *who: str) -> None:
    for name in who:
        reply = await server.run(name, "events notify", setting="on")
        assert "You're in" in reply.reply.content


def button(message: Any, label: str) -> str:
    for row in message.components:
        for component in row["components"]:
            if label in component.get("label", ""):
                return str(component["custom_id"])
    raise AssertionError(f"no button {label!r} in {message.components}")


async def click(kindred: Harness, server: Server, who: str, message: Any, label: str) -> Any:
    interaction = await kindred.fd.click(server.person(who), message, button(message, label))
    await interaction.wait_response()
    return interaction


async def expect_at(
    kindred: Harness, server: Server, who: str, marker: str, instant: datetime
) -> Any:
    """Nothing new a minute before `instant`; exactly one new DM with `marker` at it."""
    count = len(dms(kindred, server, who, marker))
    await kindred.move_to(instant - timedelta(minutes=1))
    assert len(dms(kindred, server, who, marker)) == count, f"early {marker!r} for {who}"
    await kindred.move_to(instant)
    await kindred.fd.wait_for(
        lambda: len(dms(kindred, server, who, marker)) == count + 1,
        message=f"no {marker!r} for {who} at {instant}",
    )
    return dms(kindred, server, who, marker)[-1]


async def look_back(kindred: Harness, server: Server, who: str, debrief: Any) -> Any:
    """The eight questions from the debrief DM, each answered the connecting way."""
    start = await click(kindred, server, who, debrief, "Look back")
    for question in EVENT_QUESTIONS:
        answer = "Yes" if question.connecting_answer else "No"
        step = await kindred.fd.click(server.person(who), start.reply, button(start.reply, answer))
        await step.wait_response()
    return start


def form_fields(opened: Any) -> dict[str, dict[str, Any]]:
    return {row["label"]: row["component"] for row in opened.modal["components"]}


async def who_did_you_meet(
    kindred: Harness,
    server: Server,
    who: str,
    debrief: Any,
    *,
    picked: tuple[str, ...] = (),
    typed: str = "",
) -> Any:
    opened = await click(kindred, server, who, debrief, "Who did you meet?")
    assert opened.modal is not None
    fields = form_fields(opened)
    values: dict[str, Any] = {fields["Anyone else (one name per line)"]["custom_id"]: typed}
    if picked:
        select_menu = fields["People from the event"]
        by_label = {o["label"]: o["value"] for o in select_menu["options"]}
        values[select_menu["custom_id"]] = [by_label[name] for name in picked]
    submitted = await kindred.fd.submit_modal(server.person(who), opened, values=values)
    await submitted.wait_response()
    return submitted


async def her_rolodex(kindred: Harness, server: Server, who: str) -> list[RolodexEntry]:
    rows = await query(
        kindred,
        select(RolodexEntry)
        .join(Member, Member.id == RolodexEntry.owner_member_id)
        .where(Member.guild_id == server.id, Member.user_id == int(server.person(who).id))
        .order_by(RolodexEntry.name),
    )
    return [row[0] for row in rows]


# -- the nudge before ----------------------------------------------------------------------------


async def test_nudge_at_her_own_time_across_zones_and_dst(kindred: Harness) -> None:
    server = await kindred.new_server(members=("Maya", "Ines", "Priya"))
    year = next(_years)
    # Europe changes clocks on the last Sunday of March; the event is the Monday after.
    sunday = max(date(year, 3, d) for d in range(25, 32) if date(year, 3, d).weekday() == 6)
    await kindred.move_to(local(sunday - timedelta(days=3), time(12), "UTC"))
    await server.run("Maya", "reflections start", time="09:00", timezone="Europe/Berlin")
    await server.run("Ines", "reflections start", time="7:30pm", timezone="America/New_York")
    await opt_in(server, "Maya", "Ines", "Priya")
    start = local(sunday + timedelta(days=1), time(18, 30), "Europe/Berlin")
    event = await create_event(kindred, server, "Spring breakfast", start, location="Café Lua")
    await interested(kindred, server, event, "Maya", "Ines", "Olu")
    # Maya: 09:00 Berlin on the Sunday the clocks change (CEST, so 07:00 UTC, not 08:00).
    maya_at = local(sunday, time(9), "Europe/Berlin")
    assert maya_at == datetime.combine(sunday, time(7), tzinfo=UTC)
    # Ines: 19:30 in New York (already on summer time) on Sunday, 12 h+ before 12:30 EDT.
    ines_at = local(sunday, time(19, 30), "America/New_York")
    first, second = sorted([("Maya", maya_at), ("Ines", ines_at)], key=lambda p: p[1])
    nudge = await expect_at(kindred, server, first[0], NUDGE, first[1])
    await expect_at(kindred, server, second[0], NUDGE, second[1])
    assert "Spring breakfast" in nudge.content and "Café Lua" in nudge.content
    assert f"<t:{int(start.timestamp())}:F>" in nudge.content
    assert nudge.content.count("• ") == 2  # two questions to bring along
    labels = [c["label"] for row in nudge.components for c in row["components"]]
    assert labels == [
        "Learn 3 people's stories",
        "Reconnect with someone",
        "Introduce two people",
        "Just enjoy it",
        "Stop event DMs",
    ]
    await kindred.move_to(start)
    assert len(dms(kindred, server, "Maya", NUDGE)) == 1  # once
    # Priya opted in but is not interested; Olu is interested but never opted in.
    assert dms(kindred, server, "Priya", NUDGE) == [] and dms(kindred, server, "Olu", NUDGE) == []


async def test_a_late_interest_is_nudged_in_waking_hours(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred, 6, 10)
    await opt_in(server, "Maya")
    start = datetime(year, 6, 11, 18, 0, tzinfo=UTC)  # 18:00 UTC, Maya on UTC at 09:00
    event = await create_event(kindred, server, "Last-minute drinks", start)
    await kindred.move_to(
        datetime(year, 6, 11, 2, 0, tzinfo=UTC)
    )  # her 09:00 the day before passed
    await interested(kindred, server, event, "Maya")
    assert dms(kindred, server, "Maya", NUDGE) == []  # 02:00: not in the middle of the night
    await expect_at(kindred, server, "Maya", NUDGE, datetime(year, 6, 11, 8, 0, tzinfo=UTC))


# -- the debrief after ----------------------------------------------------------------------------


async def test_the_whole_arc_after_an_organizer_ends_the_event(kindred: Harness) -> None:
    server = await kindred.new_server(members=("Maya", "Ines", "Priya"))
    year = await fresh_year(kindred, 5, 1)
    await opt_in(server, "Maya", "Ines")
    start = datetime(year, 5, 6, 17, 0, tzinfo=UTC)
    event = await create_event(kindred, server, "Founders' dinner", start)
    await interested(kindred, server, event, "Maya", "Ines", "Priya")
    # 09:00 her time (UTC here) the day before: at least 12 hours ahead, about a day.
    nudge = await expect_at(kindred, server, "Maya", NUDGE, datetime(year, 5, 5, 9, tzinfo=UTC))
    assert turn_off_command(nudge) == "/events notify setting:off"
    chosen = await click(kindred, server, "Maya", nudge, "Reconnect with someone")
    assert "Noted: reconnecting" in chosen.reply.content and chosen.reply.components == []

    await kindred.move_to(start + timedelta(minutes=30))
    assert dms(kindred, server, "Maya", DEBRIEF) == []  # still going
    await change(kindred, event, lambda: kindred.fd.end_scheduled_event(event), "completed")
    await kindred.fd.wait_for(lambda: dms(kindred, server, "Ines", DEBRIEF))
    [debrief] = dms(kindred, server, "Maya", DEBRIEF)
    assert "You meant to reconnect with someone: did you?" in debrief.content
    assert turn_off_command(debrief) == "/events notify setting:off"
    assert "You meant" not in dms(kindred, server, "Ines", DEBRIEF)[0].content
    assert dms(kindred, server, "Priya", DEBRIEF) == []  # interested, never opted in

    # Look back: the eight questions of the post-event check, stored against the event.
    check = await look_back(kindred, server, "Maya", debrief)
    assert "100/100" in check.reply.embeds[0]["title"]
    assert [c["label"] for row in check.reply.components for c in row["components"]] == [
        "Who did you meet?"
    ]
    [stored] = await query(
        kindred, select(PitchCheck).where(PitchCheck.label == "Founders' dinner")
    )
    assert (stored[0].kind, stored[0].score) == ("event", 100)

    # Who did you meet: a member from the list, anyone by name (Rui is in her Rolodex
    # already), Ines twice (once picked, once typed): each once.
    await add_entry(kindred, server, "Maya", name="Rui from the bakery", how_met="Market")
    saved = await who_did_you_meet(
        kindred, server, "Maya", debrief, picked=("Ines",), typed="Rui from the bakery\nines"
    )
    assert "Noted in your Rolodex" in saved.reply.content
    assert "Rui from the bakery** (already there" in saved.reply.content
    entries = await her_rolodex(kindred, server, "Maya")
    assert [(e.name, e.person_user_id, e.how_met) for e in entries] == [
        ("Ines", int(server.person("Ines").id), f"Founders' dinner, {start.date().isoformat()}"),
        ("Rui from the bakery", None, "Market"),
    ]
    for entry in entries:
        touches = await query(
            kindred, select(Touchpoint.kind).where(Touchpoint.entry_id == entry.id)
        )
        assert touches == [("event",)]

    # One click each: a follow-up in two or three days at her reminder time.
    labels = [c["label"] for row in saved.reply.components for c in row["components"]]
    assert labels == ["Follow up with Ines", "Follow up with Rui from the bakery"]
    message = saved.reply
    followed = await kindred.fd.click(server.person("Maya"), message, button(message, "Ines"))
    await followed.wait_response()
    [followup] = await query(kindred, select(FollowUp).where(FollowUp.person == "Ines"))
    today = kindred.clock.now().date()
    assert followup[0].due_on == follow_up_day(today) and followup[0].due_at.time() == time(9)
    assert 2 <= (followup[0].due_on - today).days <= 3
    assert followup[0].entry_id == entries[0].id
    assert [c.get("disabled", False) for row in message.components for c in row["components"]] == [
        True,
        False,
    ]
    assert "Follow-up set: Ines" in message.components[0]["components"][0]["label"]
    again = await kindred.fd.click(server.person("Maya"), message, button(message, "Rui"))
    await again.wait_response()
    assert (
        len(
            await query(
                kindred,
                select(FollowUp).where(FollowUp.owner_member_id == followup[0].owner_member_id),
            )
        )
        == 2
    )

    # The same people again: no second Rolodex entry, no second connection.
    await who_did_you_meet(kindred, server, "Maya", debrief, typed="Ines")
    assert len(await her_rolodex(kindred, server, "Maya")) == 2
    [(connections,)] = await query(
        kindred,
        select(func.count(EventConnection.id)).where(EventConnection.name == "Ines"),
    )
    assert connections == 1

    # The reminders come on the day.
    await kindred.move_to(followup[0].due_at - timedelta(minutes=1))
    assert dms(kindred, server, "Maya", "Time to follow up") == []
    await kindred.move_to(followup[0].due_at)
    await kindred.fd.wait_for(lambda: len(dms(kindred, server, "Maya", "Time to follow up")) == 2)
    assert "Ines" in dms(kindred, server, "Maya", "Time to follow up")[0].content


async def test_debrief_when_the_end_time_passes(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred, 4, 1)
    await opt_in(server, "Maya")
    start = datetime(year, 4, 3, 18, 0, tzinfo=UTC)
    event = await create_event(kindred, server, "Book swap", start, hours=2)
    await interested(kindred, server, event, "Maya", "Ines")
    debrief = await expect_at(kindred, server, "Maya", DEBRIEF, start + timedelta(hours=2))
    assert "Book swap" in debrief.content and "You meant" not in debrief.content
    assert [c["label"] for row in debrief.components for c in row["components"]] == [
        "Look back (8 questions)",
        "Who did you meet?",
        "I couldn't make it",
        "Stop event DMs",
    ]
    skipped = await click(kindred, server, "Maya", debrief, "I couldn't make it")
    assert "No worries" in skipped.reply.content
    # Ending it on Discord afterwards changes nothing: one debrief per event.
    await change(kindred, event, lambda: kindred.fd.end_scheduled_event(event), "completed")
    await kindred.move_to(start + timedelta(days=1))
    assert len(dms(kindred, server, "Maya", DEBRIEF)) == 1
    assert dms(kindred, server, "Ines", DEBRIEF) == []


async def test_the_form_refuses_too_many_or_nobody_and_changes_nothing(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred, 4, 20)
    await opt_in(server, "Maya")
    start = datetime(year, 4, 22, 18, 0, tzinfo=UTC)
    event = await create_event(kindred, server, "Quiz night", start)
    await interested(kindred, server, event, "Maya")
    debrief = await expect_at(kindred, server, "Maya", DEBRIEF, start + timedelta(hours=2))
    crowd = "\n".join(f"Guest {n}" for n in range(6))
    too_many = await who_did_you_meet(kindred, server, "Maya", debrief, typed=crowd)
    assert too_many.ephemeral and "up to 5 at a time" in too_many.reply.content
    nobody = await who_did_you_meet(kindred, server, "Maya", debrief, typed="  \n ")
    assert "Nobody noted yet" in nobody.reply.content
    assert await her_rolodex(kindred, server, "Maya") == []
    assert (
        await query(kindred, select(EventConnection).where(EventConnection.guild_id == server.id))
        == []
    )


async def test_cancelled_and_deleted_events_send_nothing(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred, 3, 1)
    await opt_in(server, "Maya", "Ines")
    start = datetime(year, 3, 10, 18, 0, tzinfo=UTC)
    cancelled = await create_event(kindred, server, "Cancelled lunch", start)
    deleted = await create_event(kindred, server, "Deleted walk", start + timedelta(hours=1))
    await interested(kindred, server, cancelled, "Maya", "Ines")
    await interested(kindred, server, deleted, "Maya", "Ines")
    await change(
        kindred, cancelled, lambda: kindred.fd.cancel_scheduled_event(cancelled), "canceled"
    )
    # The walk's nudge went out; then it was deleted, before it happened.
    await kindred.move_to(datetime(year, 3, 10, 9, 0, tzinfo=UTC))
    assert [m.content.count("Deleted walk") for m in dms(kindred, server, "Maya", NUDGE)] == [1]
    await change(kindred, deleted, lambda: kindred.fd.delete_scheduled_event(deleted), "deleted")
    await kindred.move_to(start + timedelta(days=2))
    for who in ("Maya", "Ines"):
        assert dms(kindred, server, who, DEBRIEF) == []
        assert not [m for m in dms(kindred, server, who, NUDGE) if "Cancelled lunch" in m.content]
    [(due,)] = await query(
        kindred,
        select(func.count()).where(Event.debrief_due_at.is_not(None), Event.guild_id == server.id),
    )
    assert due == 0


async def test_a_changed_time_moves_the_nudge_and_the_debrief(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred, 7, 1)
    await opt_in(server, "Maya")
    start = datetime(year, 7, 8, 18, 0, tzinfo=UTC)
    event = await create_event(kindred, server, "Summer picnic", start)
    await interested(kindred, server, event, "Maya")
    later = start + timedelta(days=2)
    await change(
        kindred,
        event,
        lambda: kindred.fd.update_scheduled_event(
            event, start=later, end=later + timedelta(hours=3)
        ),
        "scheduled",
    )
    await wait_rows(kindred, event_rows(event), lambda r: r[0][0].starts_at == later, "not moved")
    await kindred.move_to(datetime(year, 7, 7, 9, 0, tzinfo=UTC))  # the old nudge time
    assert dms(kindred, server, "Maya", NUDGE) == []
    nudge = await expect_at(kindred, server, "Maya", NUDGE, datetime(year, 7, 9, 9, tzinfo=UTC))
    assert f"<t:{int(later.timestamp())}:F>" in nudge.content
    await kindred.move_to(start + timedelta(hours=2))  # the old end: nothing
    assert dms(kindred, server, "Maya", DEBRIEF) == []
    await expect_at(kindred, server, "Maya", DEBRIEF, later + timedelta(hours=3))


async def test_a_restart_around_the_end_sends_the_debrief_once(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred, 9, 1)
    await opt_in(server, "Maya", "Ines")
    start = datetime(year, 9, 3, 18, 0, tzinfo=UTC)
    event = await create_event(kindred, server, "Autumn mixer", start)
    await interested(kindred, server, event, "Maya")
    await kindred.move_to(start)

    async def away() -> None:
        # While the bot is down: Ines presses Interested, the organizer ends the event early,
        # and the clock passes its end time.
        kindred.fd.set_event_interest(event, server.person("Ines"), True)
        kindred.fd.end_scheduled_event(event)
        await kindred.clock.set(start + timedelta(hours=5))

    await kindred.restart_bot(away)
    for who in ("Maya", "Ines"):
        await kindred.fd.wait_for(
            lambda who=who: dms(kindred, server, who, DEBRIEF), message=f"no debrief for {who}"
        )
    await kindred.settle()
    await kindred.restart_bot()  # once more: nothing is sent twice
    await kindred.move_to(start + timedelta(days=1))
    assert len(dms(kindred, server, "Maya", DEBRIEF)) == 1
    assert len(dms(kindred, server, "Ines", DEBRIEF)) == 1

    # Down past the catch-up window: the debrief is skipped, not sent out of the blue.
    later = await create_event(kindred, server, "Too long ago", start + timedelta(days=3))
    await interested(kindred, server, later, "Maya")

    async def long_away() -> None:
        await kindred.clock.set(start + timedelta(days=3, hours=2 + 25))

    await kindred.restart_bot(long_away)
    await kindred.settle()
    await kindred.move_to(kindred.clock.now() + timedelta(hours=1))
    assert not [m for m in dms(kindred, server, "Maya", DEBRIEF) if "Too long ago" in m.content]
    [(debriefed_at,)] = await query(
        kindred, select(Event.debriefed_at).where(Event.discord_event_id == later.id)
    )
    assert debriefed_at is not None


async def test_a_restart_asks_discord_only_about_servers_with_events(kindred: Harness) -> None:
    # With 10,000 servers, asking about each one at every start would hold Discord's global
    # rate limit for minutes: only servers with an event listed or open in Kindred are asked.
    quiet = await kindred.new_server()
    listed = await kindred.new_server()
    emptied = await kindred.new_server()
    year = await fresh_year(kindred, 10, 1)
    start = datetime(year, 10, 5, 18, 0, tzinfo=UTC)
    await create_event(kindred, listed, "Still on", start)
    gone = await create_event(kindred, emptied, "Deleted while away", start)
    asked_before = len(kindred.fd.requests)

    async def away() -> None:
        kindred.fd.delete_scheduled_event(gone)

    await kindred.restart_bot(away)

    async def settled() -> bool:
        [(status,)] = await query(
            kindred, select(Event.status).where(Event.discord_event_id == gone.id)
        )
        return status == "deleted"

    for _ in range(200):
        if await settled():
            break
        await asyncio.sleep(0.02)
    assert await settled(), "the event deleted while the bot was away is still open"
    asked = {
        r.path.split("/guilds/")[1].split("/")[0]
        for r in kindred.fd.requests[asked_before:]
        if r.method == "GET" and r.path.endswith("/scheduled-events")
    }
    assert str(listed.guild.id) in asked
    assert str(emptied.guild.id) in asked
    assert str(quiet.guild.id) not in asked


# -- choices -------------------------------------------------------------------------------------


async def test_opting_in_and_out(kindred: Harness) -> None:
    server = await kindred.new_server(members=("Maya", "Ines", "Priya"))
    year = await fresh_year(kindred, 10, 1)
    shown = await server.run("Maya", "events notify")
    assert "off" in shown.reply.content and "server's default" in shown.reply.content
    setup = await server.run("Olu", "setup", event_nudges=True)
    assert "Event nudges" in json.dumps(setup.reply.embeds)
    refused = await server.run("Maya", "setup", event_nudges=False)
    assert "Manage Server" in refused.reply.content
    await server.run("Ines", "events notify", setting="off")
    await server.run("Priya", "reflections settings", event_dms=False)
    start = datetime(year, 10, 5, 18, 0, tzinfo=UTC)
    event = await create_event(kindred, server, "Harvest supper", start)
    await interested(kindred, server, event, "Maya", "Ines", "Priya")
    nudge = await expect_at(kindred, server, "Maya", NUDGE, datetime(year, 10, 4, 9, tzinfo=UTC))
    assert dms(kindred, server, "Ines", NUDGE) == [] and dms(kindred, server, "Priya", NUDGE) == []
    stopped = await click(kindred, server, "Maya", nudge, "Stop event DMs")
    assert "Event DMs are off" in stopped.reply.content
    await kindred.move_to(start + timedelta(days=1))
    assert dms(kindred, server, "Maya", DEBRIEF) == []
    prefs = await query(
        kindred, select(EventPreference.notify).join(Member).where(Member.guild_id == server.id)
    )
    assert sorted(p[0] for p in prefs) == [False, False, False]


# -- history, organizers, privacy ----------------------------------------------------------------


async def test_history_and_a_gentle_welcome_back(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred, 1, 5)
    empty = await server.run("Maya", "events history")
    assert "No events yet" in empty.reply.content
    await opt_in(server, "Maya")
    first = await create_event(kindred, server, "Winter tea", datetime(year, 1, 10, 17, tzinfo=UTC))
    await interested(kindred, server, first, "Maya", "Ines")
    debrief = await expect_at(
        kindred, server, "Maya", DEBRIEF, datetime(year, 1, 10, 19, tzinfo=UTC)
    )
    await look_back(kindred, server, "Maya", debrief)
    await who_did_you_meet(kindred, server, "Maya", debrief, picked=("Ines",))
    # Months later she comes back.
    await kindred.move_to(datetime(year, 6, 1, tzinfo=UTC))
    second = await create_event(
        kindred, server, "June garden", datetime(year, 6, 5, 17, tzinfo=UTC)
    )
    await interested(kindred, server, second, "Maya")
    nudge = await expect_at(kindred, server, "Maya", NUDGE, datetime(year, 6, 4, 9, tzinfo=UTC))
    assert "Welcome back" in nudge.content
    shown = await server.run("Maya", "events history")
    text = shown.reply.embeds[0]["description"]
    assert shown.ephemeral
    assert text.index("June garden") < text.index("Winter tea")
    assert "You met: Ines" in text and "Look back: 100/100" in text and "coming up" in text
    assert "Good to have you back" in text
    for unkind in ("missed", "absent", "finally", "where have you"):
        assert unkind not in (text + nudge.content).lower()


async def test_organizers_see_counts_only_and_nothing_below_five(kindred: Harness) -> None:
    people = ("Maya", "Ines", "Priya", "Ana", "Bea", "Cleo")
    server = await kindred.new_server(members=people)
    year = await fresh_year(kindred, 11, 1)
    await opt_in(server, "Olu", *people)
    big = await create_event(kindred, server, "Big night", datetime(year, 11, 3, 18, tzinfo=UTC))
    small = await create_event(
        kindred, server, "Small circle", datetime(year, 11, 3, 19, tzinfo=UTC)
    )
    await interested(kindred, server, big, *people)
    await interested(kindred, server, small, *people[:4])
    await kindred.move_to(datetime(year, 11, 3, 21, 30, tzinfo=UTC))
    for index, name in enumerate(people[:5]):
        [debrief] = [m for m in dms(kindred, server, name, DEBRIEF) if "Big night" in m.content]
        saved = await who_did_you_meet(
            kindred, server, name, debrief, typed=f"Guest {index}\nGuest x"
        )
        if index < 3:
            message = saved.reply
            step = await kindred.fd.click(server.person(name), message, button(message, "Guest x"))
            await step.wait_response()
    for name in people[:4]:
        [debrief] = [m for m in dms(kindred, server, name, DEBRIEF) if "Small circle" in m.content]
        await who_did_you_meet(kindred, server, name, debrief, typed="Someone")
    report = await server.run("Olu", "events report")
    text = report.reply.content
    assert report.ephemeral
    assert "5 members looked back, noted 10 connections, 60% set a follow-up" in text
    assert "Small circle" in text and "fewer than 5 members" in text
    for name in (*people, "Guest"):
        assert name not in text
    refused = await server.run("Maya", "events report")
    assert "Manage Server" in refused.reply.content
    # Three days on, the creator (opted in) gets the big night's picture; nothing for the small.
    assert dms(kindred, server, "Olu", "After **") == []
    await kindred.move_to(datetime(year, 11, 6, 22, tzinfo=UTC))
    [picture] = dms(kindred, server, "Olu", "After **")
    assert "Big night" in picture.content and "60%" in picture.content
    assert turn_off_command(picture) == "/events notify setting:off"


async def test_export_and_delete_cover_everything_stored(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred, 8, 1)
    await opt_in(server, "Maya", "Ines")
    event = await create_event(kindred, server, "Data picnic", datetime(year, 8, 4, 17, tzinfo=UTC))
    await interested(kindred, server, event, "Maya", "Ines")
    await kindred.move_to(datetime(year, 8, 4, 19, tzinfo=UTC))
    [maya_debrief] = dms(kindred, server, "Maya", DEBRIEF)
    [ines_debrief] = dms(kindred, server, "Ines", DEBRIEF)
    await who_did_you_meet(kindred, server, "Maya", maya_debrief, picked=("Ines",))
    await who_did_you_meet(kindred, server, "Ines", ines_debrief, picked=("Maya",))
    export = await server.run("Maya", "mydata export")
    message = await export.wait_message()
    [data_file] = [
        a
        for m in [message, *export.followups]
        for a in m.attachments
        if a.filename.endswith(".json")
    ]
    tables = json.loads(data_file.content)["tables"]
    assert [row["notify"] for row in tables["event_preferences"]] == [True]
    assert [row["display_name"] for row in tables["event_attendees"]] == ["Maya"]
    assert [row["name"] for row in tables["event_connections.owner_member_id"]] == ["Ines"]
    assert "Ines" not in json.dumps(tables["event_attendees"])

    ask = await server.run("Maya", "mydata delete")
    confirm = await kindred.fd.click(server.person("Maya"), ask.reply, button(ask.reply, "Delete"))
    await confirm.wait_response()
    # Deleting answers "thinking" first, and says so when it is done.
    await kindred.fd.wait_for(lambda: "I removed" in ask.reply.content)
    maya_id = int(server.person("Maya").id)
    for table in (EventAttendee, EventPreference):
        rows = await query(kindred, select(table).join(Member).where(Member.user_id == maya_id))
        assert rows == []
    mine = await query(
        kindred,
        select(EventConnection)
        .join(Member, Member.id == EventConnection.owner_member_id)
        .where(Member.user_id == maya_id),
    )
    assert mine == []
    # Ines's note that she met Maya stays hers, no longer linked to Maya's account.
    [(kept,)] = await query(
        kindred, select(EventConnection).where(EventConnection.guild_id == server.id)
    )
    assert kept.name == "Maya" and kept.person_user_id is None


async def test_only_interest_frames_of_the_raw_gateway_stream_reach_the_listener(
    kindred: Harness,
) -> None:
    """The raw stream is on for "Interested" presses alone: every other frame (a GUILD_CREATE
    for each of 10,000 servers at start, one per interaction) is dropped before discord.py
    schedules a task for it."""
    server = await kindred.new_server(members=("Maya",))
    assert kindred.bot is not None
    scheduled: list[str] = []
    original = kindred.bot._schedule_event

    def counting(coro: Any, event_name: str, *args: Any, **kwargs: Any) -> Any:
        if event_name == "on_socket_raw_receive":
            scheduled.append(str(args[0])[:60])
        return original(coro, event_name, *args, **kwargs)

    kindred.bot._schedule_event = counting  # type: ignore[method-assign]
    try:
        reply = await server.run("Maya", "events notify", setting="on")
        assert "You're in" in reply.reply.content
        assert scheduled == []  # the interaction's frame went no further
        start = kindred.clock.now() + timedelta(days=2)
        event = await create_event(kindred, server, "Raw coffee", start)
        await interested(kindred, server, event, "Maya")
        assert len(scheduled) == 1 and "GUILD_SCHEDULED_EVENT_USER_ADD" in scheduled[0]
    finally:
        kindred.bot._schedule_event = original  # type: ignore[method-assign]
