"""End to end: daily reflection prompts, with the controllable clock.

Each test takes a year of its own (the clock only moves forward), so tests don't depend on
each other's schedules; other tests' subscriptions are skipped by the catch-up rule.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coaching.reflections import describe_date
from coaching.text import cut_at_word
from storage.models import Member, OutboxMessage, ReflectionEntry, ReflectionSubscription
from testing.harness import Harness, Server
from tests.dms import turn_off_command
from tests.forms import modal_texts, text_inputs

_years = itertools.count(2031)


async def fresh_year(kindred: Harness) -> int:
    year = next(_years)
    await kindred.move_to(datetime(year, 1, 1, tzinfo=UTC))
    return year


def at(day: date, clock: time, zone: str) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def transitions(zone: str, year: int) -> list[date]:
    """Local dates on which the zone's UTC offset changes."""
    tz = ZoneInfo(zone)
    days = []
    day = date(year, 1, 1)
    while day.year == year:
        before = datetime.combine(day, time(0), tzinfo=tz).utcoffset()
        after = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).utcoffset()
        if before != after:
            days.append(day)
        day += timedelta(days=1)
    return days


def dms(kindred: Harness, server: Server, who: str) -> list[Any]:
    return kindred.fd.dms_to(server.person(who))


def prompts(kindred: Harness, server: Server, who: str) -> list[Any]:
    return [m for m in dms(kindred, server, who) if m.components]


async def move_to(kindred: Harness, instant: datetime) -> None:
    await kindred.move_to(instant)


async def expect_prompt_at(kindred: Harness, server: Server, who: str, instant: datetime) -> Any:
    """Nothing new a minute before `instant`; exactly one new prompt at `instant`."""
    count = len(prompts(kindred, server, who))
    await move_to(kindred, instant - timedelta(minutes=1))
    assert len(prompts(kindred, server, who)) == count, f"early prompt before {instant}"
    await kindred.clock.set(instant)
    await kindred.fd.wait_for(
        lambda: len(prompts(kindred, server, who)) == count + 1,
        timeout=5,
        message=f"no prompt for {who} at {instant} (had {count})",
    )
    return prompts(kindred, server, who)[-1]


async def answer_by_dm(kindred: Harness, server: Server, who: str, text: str) -> None:
    count = len(dms(kindred, server, who))
    await kindred.fd.send_dm(server.person(who), text)
    await kindred.fd.wait_for(lambda: len(dms(kindred, server, who)) == count + 1)


async def subscription(kindred: Harness, server: Server, who: str) -> ReflectionSubscription:
    assert kindred.db is not None
    async with kindred.db.read() as session:
        row = await session.scalar(
            select(ReflectionSubscription)
            .join(Member, Member.id == ReflectionSubscription.member_id)
            .where(Member.guild_id == server.id, Member.user_id == int(server.person(who).id))
        )
    assert row is not None
    return row


async def entries(kindred: Harness, server: Server, who: str) -> list[ReflectionEntry]:
    assert kindred.db is not None
    async with kindred.db.read() as session:
        rows = await session.scalars(
            select(ReflectionEntry)
            .join(Member, Member.id == ReflectionEntry.member_id)
            .where(Member.guild_id == server.id, Member.user_id == int(server.person(who).id))
            .order_by(ReflectionEntry.id)
        )
        return list(rows)


def button(message: Any, label: str) -> str:
    for row in message.components:
        for component in row["components"]:
            if component.get("label") == label:
                return component["custom_id"]
    raise AssertionError(f"no button {label!r} in {message.components}")


async def click(kindred: Harness, server: Server, who: str, message: Any, label: str) -> Any:
    interaction = await kindred.fd.click(server.person(who), message, button(message, label))
    await interaction.wait_response()
    return interaction


@pytest.mark.parametrize(
    "zone", ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kathmandu"]
)
async def test_prompts_arrive_at_local_time_across_dst(kindred: Harness, zone: str) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    reply = await server.run("Maya", "reflections start", time="08:30", timezone=zone)
    assert reply.ephemeral and "08:30" in reply.reply.content
    first = at(date(year, 1, 1), time(8, 30), zone)
    if first <= kindred.clock.now():
        first = at(date(year, 1, 2), time(8, 30), zone)
    assert f"<t:{int(first.timestamp())}:F>" in reply.reply.content
    await expect_prompt_at(kindred, server, "Maya", first)
    await answer_by_dm(kindred, server, "Maya", "First one")
    changes = transitions(zone, year)
    assert len(changes) == (0 if zone == "Asia/Kathmandu" else 2)
    checkpoints = changes or [date(year, 3, 29), date(year, 10, 25)]
    for change in checkpoints:
        for day in (change - timedelta(days=1), change, change + timedelta(days=1)):
            await expect_prompt_at(kindred, server, "Maya", at(day, time(8, 30), zone))
            # Answering keeps the daily rhythm (three unanswered prompts invite a slower one).
            await answer_by_dm(kindred, server, "Maya", f"Noted on {day}")
    if zone == "Asia/Kathmandu":
        # +05:45: 08:30 local is 02:45 UTC.
        assert at(date(year, 6, 1), time(8, 30), zone).strftime("%H:%M") == "02:45"


async def test_nonexistent_time_goes_out_at_the_first_valid_minute(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    zone = "America/New_York"
    spring, _autumn = transitions(zone, year)
    await move_to(kindred, at(spring - timedelta(days=1), time(12), zone))
    await server.run("Maya", "reflections start", time="02:30", timezone=zone)
    # 02:30 does not exist on the spring-forward day: 03:00 EDT is the first valid minute.
    expected = datetime.combine(spring, time(7, 0), tzinfo=UTC)
    await expect_prompt_at(kindred, server, "Maya", expected)


async def test_repeated_time_goes_out_once(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    zone = "America/New_York"
    _, autumn = transitions(zone, year)
    await move_to(kindred, at(autumn - timedelta(days=1), time(12), zone))
    await server.run("Maya", "reflections start", time="01:30", timezone=zone)
    first = datetime.combine(autumn, time(5, 30), tzinfo=UTC)  # 01:30 EDT
    await expect_prompt_at(kindred, server, "Maya", first)
    count = len(prompts(kindred, server, "Maya"))
    await move_to(kindred, first + timedelta(hours=1, minutes=5))  # 01:30 EST, again
    assert len(prompts(kindred, server, "Maya")) == count
    await expect_prompt_at(
        kindred, server, "Maya", at(autumn + timedelta(days=1), time(1, 30), zone)
    )


async def test_answer_by_modal_and_by_plain_dm(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    zone = "Europe/Berlin"
    await server.run("Ines", "reflections start", time="09:00", timezone=zone)
    day = date(year, 1, 2)
    prompt = await expect_prompt_at(kindred, server, "Ines", at(day, time(9), zone))
    assert "Today's reflection" in prompt.content
    assert turn_off_command(prompt) == "/reflections stop"
    opened = await click(kindred, server, "Ines", prompt, "Write my reflection")
    assert opened.modal is not None
    [field] = text_inputs(opened.modal)
    submitted = await kindred.fd.submit_modal(
        server.person("Ines"), opened, values={field["custom_id"]: "I asked Ana about her garden."}
    )
    await submitted.wait_response()
    assert submitted.ephemeral and "journal" in submitted.reply.content.lower()
    [first] = await entries(kindred, server, "Ines")
    assert first.answer == "I asked Ana about her garden." and first.local_date == day

    second = await expect_prompt_at(kindred, server, "Ines", at(day + timedelta(1), time(9), zone))
    assert second.id != prompt.id
    before = len(dms(kindred, server, "Ines"))
    await kindred.fd.send_dm(server.person("Ines"), "Listened more than I talked today.")
    await kindred.fd.wait_for(lambda: len(dms(kindred, server, "Ines")) == before + 1)
    acknowledgement = dms(kindred, server, "Ines")[-1]
    assert (
        "journal" in acknowledgement.content.lower() or "saved" in acknowledgement.content.lower()
    )
    assert "@" not in acknowledgement.content
    latest = (await entries(kindred, server, "Ines"))[-1]
    assert latest.answer == "Listened more than I talked today."

    journal = await server.run("Ines", "reflections journal")
    text = journal.reply.embeds[0]["description"]
    assert "garden" in text and "Listened" in text
    assert journal.ephemeral
    searched = await server.run("Ines", "reflections journal", search="garden")
    assert "garden" in searched.reply.embeds[0]["description"]
    assert "Listened" not in searched.reply.embeds[0]["description"]
    # Nobody else sees Ines's journal.
    other = await server.run("Maya", "reflections journal")
    assert "garden" not in (other.reply.content + str(other.reply.embeds))


async def test_skip_pause_resume_and_stop(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    zone = "UTC"
    await server.run("Maya", "reflections start", time="10:00", timezone=zone)
    day = date(year, 1, 1)
    first = await expect_prompt_at(kindred, server, "Maya", at(day, time(10), zone))
    skipped = await click(kindred, server, "Maya", first, "Skip today")
    assert skipped.response_type == 7
    edited = kindred.fd.get_message(first.id)
    assert "Skipped" in edited.content and edited.components == []
    assert (await entries(kindred, server, "Maya"))[-1].skipped

    second = await expect_prompt_at(kindred, server, "Maya", at(day + timedelta(1), time(10), zone))
    await click(kindred, server, "Maya", second, "Pause a week")
    # One meaning of "until", said plainly: the day prompts come back.
    back = describe_date(day + timedelta(8))
    assert f"no prompts until **{back}**, the day they come back" in (
        kindred.fd.get_message(second.id).content
    )
    count = len(prompts(kindred, server, "Maya"))
    await move_to(kindred, at(day + timedelta(days=5), time(12), zone))
    assert len(prompts(kindred, server, "Maya")) == count  # paused
    resumed = await server.run("Maya", "reflections resume")
    assert "Welcome back" in resumed.reply.content
    third = await expect_prompt_at(kindred, server, "Maya", at(day + timedelta(6), time(10), zone))

    paused = await server.run("Maya", "reflections pause", until="3d")
    back = describe_date(day + timedelta(9))
    assert f"no prompts until **{back}**, the day they come back" in paused.reply.content
    shown = await server.run("Maya", "reflections settings")
    assert f"no prompts until {back}, the day they come back" in shown.reply.content
    await expect_prompt_at(kindred, server, "Maya", at(day + timedelta(9), time(10), zone))

    await click(kindred, server, "Maya", third, "Stop")
    assert not (await subscription(kindred, server, "Maya")).active
    count = len(prompts(kindred, server, "Maya"))
    await move_to(kindred, at(day + timedelta(days=12), time(12), zone))
    assert len(prompts(kindred, server, "Maya")) == count
    assert await entries(kindred, server, "Maya")  # the journal stays
    again = await server.run("Maya", "reflections stop")
    assert "are stopped" in again.reply.content and "haven't started" not in again.reply.content
    # Stopped, then resumed: on again as she had it.
    resumed = await server.run("Maya", "reflections resume")
    assert "Welcome back" in resumed.reply.content and "10:00" in resumed.reply.content
    assert (await subscription(kindred, server, "Maya")).active
    await expect_prompt_at(kindred, server, "Maya", at(day + timedelta(13), time(10), zone))


async def test_a_pause_says_why_the_next_prompt_comes_later(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    await server.run("Maya", "reflections start", time="09:00", timezone="UTC", days="weekdays")
    friday = date(year, 1, 1) + timedelta(days=(4 - date(year, 1, 1).weekday()) % 7 + 7)
    await server.run("Olu", "admin quietdays add", date=friday.isoformat())
    paused = await server.run("Maya", "reflections pause", until=friday.isoformat())
    monday = friday + timedelta(days=3)
    text = paused.reply.content
    assert f"no prompts until **{describe_date(friday)}**" in text
    assert "quiet day" in text and f"<t:{int(at(monday, time(9), 'UTC').timestamp())}:F>" in text
    saturday = friday + timedelta(days=1)
    weekend = await server.run("Maya", "reflections pause", until=saturday.isoformat())
    assert "the first of your days (weekdays)" in weekend.reply.content


async def test_a_weekly_cadence_says_which_day(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    await server.run("Maya", "reflections start", time="09:00", timezone="UTC")
    weekly = await server.run("Maya", "reflections settings", cadence="weekly")
    row = await subscription(kindred, server, "Maya")
    assert row.next_send_on is not None and row.next_send_on.year == year
    day = describe_date(row.next_send_on).split()[0]
    assert f"once a week, on {day}s" in weekly.reply.content


async def test_stop_command_and_settings(kindred: Harness) -> None:
    server = await kindred.new_server()
    await fresh_year(kindred)
    await server.run("Maya", "reflections start", time="7am", timezone="Berlin", days="weekdays")
    shown = await server.run("Maya", "reflections settings")
    assert "weekdays" in shown.reply.content and "07:00" in shown.reply.content
    changed = await server.run("Maya", "reflections settings", days="mon,wed,fri", time="8:15 pm")
    assert "Mon, Wed, Fri" in changed.reply.content and "20:15" in changed.reply.content
    row = await subscription(kindred, server, "Maya")
    assert (row.time_of_day, row.days, row.timezone) == ("20:15", 0b10101, "Europe/Berlin")
    assert row.next_send_at is not None
    local = row.next_send_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert local.weekday() in (0, 2, 4) and local.strftime("%H:%M") == "20:15"
    stopped = await server.run("Maya", "reflections stop")
    assert "Stopped" in stopped.reply.content
    assert not (await subscription(kindred, server, "Maya")).active


async def test_back_off_to_weekly_after_three_unanswered(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    zone = "UTC"
    await server.run("Maya", "reflections start", time="09:00", timezone=zone)
    day = date(year, 1, 1)
    for offset in range(3):
        await expect_prompt_at(kindred, server, "Maya", at(day + timedelta(offset), time(9), zone))
    ask = await expect_prompt_at(kindred, server, "Maya", at(day + timedelta(3), time(9), zone))
    assert "less often" in ask.content
    assert button(ask, "Once a week") and button(ask, "Keep daily")
    # No answer: the next one says it switched to weekly, then a week passes.
    switched = await expect_prompt_at(
        kindred, server, "Maya", at(day + timedelta(4), time(9), zone)
    )
    assert "once a week" in switched.content
    assert (await subscription(kindred, server, "Maya")).cadence == "weekly"
    count = len(prompts(kindred, server, "Maya"))
    await move_to(kindred, at(day + timedelta(10), time(10), zone))
    assert len(prompts(kindred, server, "Maya")) == count
    await expect_prompt_at(kindred, server, "Maya", at(day + timedelta(11), time(9), zone))


async def test_back_off_question_answered(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    zone = "UTC"
    await server.run("Ines", "reflections start", time="09:00", timezone=zone)
    day = date(year, 1, 1)
    for offset in range(3):
        await expect_prompt_at(kindred, server, "Ines", at(day + timedelta(offset), time(9), zone))
    ask = await expect_prompt_at(kindred, server, "Ines", at(day + timedelta(3), time(9), zone))
    await click(kindred, server, "Ines", ask, "Keep daily")
    assert (await subscription(kindred, server, "Ines")).cadence == "daily"
    following = await expect_prompt_at(
        kindred, server, "Ines", at(day + timedelta(4), time(9), zone)
    )
    assert "once a week" not in following.content and "less often" not in following.content


async def test_quiet_days_have_no_prompts(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    zone = "UTC"
    await server.run("Maya", "reflections start", time="09:00", timezone=zone)
    # Same zone and time in another server, without the quiet day: a tick plans the two
    # alike except for the quiet day.
    other = await kindred.new_server()
    await other.run("Ines", "reflections start", time="09:00", timezone=zone)
    quiet, later = date(year, 1, 3), date(year, 2, 14)
    added = await server.run("Olu", "admin quietdays add", date=quiet.isoformat())
    assert "quiet day" in added.reply.content
    refused = await server.run("Maya", "admin quietdays add", date=quiet.isoformat())
    assert "Manage Server" in refused.reply.content
    listed = await server.run("Olu", "admin quietdays list")
    assert quiet.isoformat() in listed.reply.content
    await expect_prompt_at(kindred, server, "Maya", at(date(year, 1, 2), time(9), zone))
    count = len(prompts(kindred, server, "Maya"))
    await kindred.fd.wait_for(lambda: len(prompts(kindred, other, "Ines")) == 1)  # January 2
    await expect_prompt_at(kindred, other, "Ines", at(quiet, time(9), zone))
    await move_to(kindred, at(quiet, time(12), zone))
    assert len(prompts(kindred, server, "Maya")) == count
    await expect_prompt_at(kindred, server, "Maya", at(date(year, 1, 4), time(9), zone))
    await server.run("Olu", "admin quietdays add", date=later.isoformat())
    removed = await server.run("Olu", "admin quietdays remove", date=later.isoformat())
    assert "normal day" in removed.reply.content
    past = await server.run("Olu", "admin quietdays add", date=f"{year - 1}-12-01")
    assert "future" in past.reply.content


async def test_catch_up_inside_and_outside_the_window(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    zone = "UTC"
    await server.run("Maya", "reflections start", time="09:00", timezone=zone)
    day = date(year, 1, 1)
    # "Down" until 2 h after the time: within REFLECTION_CATCHUP_HOURS (3), sent late.
    count = len(prompts(kindred, server, "Maya"))
    await kindred.clock.set(at(day, time(11), zone))
    await kindred.fd.wait_for(lambda: len(prompts(kindred, server, "Maya")) == count + 1)
    # Down until 4 h after the next day's time: that day is skipped, no double the day after.
    await move_to(kindred, at(day + timedelta(1), time(13), zone))
    assert len(prompts(kindred, server, "Maya")) == count + 1
    await expect_prompt_at(kindred, server, "Maya", at(day + timedelta(2), time(9), zone))
    dates = [e.local_date for e in await entries(kindred, server, "Maya")]
    assert dates == [day, day + timedelta(2)]


async def test_no_duplicate_after_a_restart(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    zone = "UTC"
    await server.run("Maya", "reflections start", time="09:00", timezone=zone)
    day = date(year, 1, 1)
    before_restart = await expect_prompt_at(kindred, server, "Maya", at(day, time(9), zone))
    count = len(dms(kindred, server, "Maya"))
    await kindred.restart_bot()
    await move_to(kindred, at(day, time(9, 30), zone))
    assert len(dms(kindred, server, "Maya")) == count
    # The buttons of a prompt sent before the restart still work.
    opened = await click(kindred, server, "Maya", before_restart, "Write my reflection")
    assert opened.modal is not None
    await expect_prompt_at(kindred, server, "Maya", at(day + timedelta(1), time(9), zone))


async def test_member_with_closed_dms(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    zone = "UTC"
    kindred.fd.set_dms_open(server.person("Ines"), False)
    await server.run("Ines", "reflections start", time="09:00", timezone=zone)
    day = date(year, 1, 1)
    await move_to(kindred, at(day, time(9), zone))
    channel = kindred.fd.dm_channel(server.person("Ines"))
    path = f"/channels/{channel.id}/messages"
    await kindred.fd.wait_for(
        lambda: any(r.path == path and r.status == 403 for r in kindred.fd.requests)
    )
    await move_to(kindred, at(day + timedelta(2), time(9, 30), zone))
    attempts = [r for r in kindred.fd.requests if r.path == path and r.method == "POST"]
    assert len(attempts) == 1
    assert kindred.db is not None
    async with kindred.db.read() as session:
        states = set(
            await session.scalars(
                select(OutboxMessage.state).where(
                    OutboxMessage.member_id
                    == (await subscription(kindred, server, "Ines")).member_id
                )
            )
        )
    assert states == {"dropped"}
    notice = await server.run("Ines", "reflections settings")
    await notice.wait_followups(1)
    assert "Direct Messages" in notice.followups[0].content


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"time": "25:00"}, "25:00"),
        ({"timezone": "Mars/Base"}, "Mars/Base"),
        ({"days": "funday"}, "funday"),
    ],
)
async def test_bad_start_input_changes_nothing(
    kindred: Harness, options: dict[str, str], expected: str
) -> None:
    server = await kindred.new_server()
    reply = await server.run("Maya", "reflections start", **options)
    assert reply.ephemeral
    assert expected in reply.reply.content and "Nothing was changed" in reply.reply.content
    assert kindred.db is not None
    async with kindred.db.read() as session:
        count = await session.scalar(
            select(ReflectionSubscription.id).where(ReflectionSubscription.guild_id == server.id)
        )
    assert count is None


async def test_bad_pause_and_answers_change_nothing(kindred: Harness) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    zone = "UTC"
    await server.run("Maya", "reflections start", time="09:00", timezone=zone)
    past = await server.run("Maya", "reflections pause", until=f"{year - 1}-06-01")
    assert "future" in past.reply.content
    nonsense = await server.run("Maya", "reflections pause", until="someday")
    assert "someday" in nonsense.reply.content
    assert (await subscription(kindred, server, "Maya")).paused_until is None

    prompt = await expect_prompt_at(kindred, server, "Maya", at(date(year, 1, 1), time(9), zone))
    opened = await click(kindred, server, "Maya", prompt, "Write my reflection")
    [field] = text_inputs(opened.modal)
    blank = await kindred.fd.submit_modal(
        server.person("Maya"), opened, values={field["custom_id"]: "   "}
    )
    await blank.wait_response()
    assert "empty" in blank.reply.content
    before = len(dms(kindred, server, "Maya"))
    await kindred.fd.send_dm(server.person("Maya"), "x" * 1999 + "\n" + "y" * 2000)
    await kindred.fd.wait_for(lambda: len(dms(kindred, server, "Maya")) == before + 1)
    assert "1500" in dms(kindred, server, "Maya")[-1].content.replace(",", "")
    assert [e.answer for e in await entries(kindred, server, "Maya")] == [None]


async def test_now_gives_a_private_prompt_to_answer(kindred: Harness, server: Server) -> None:
    reply = await server.run("Ines", "reflections now")
    assert reply.ephemeral and "right now" in reply.reply.content
    opened = await click(kindred, server, "Ines", reply.reply, "Write my reflection")
    [field] = text_inputs(opened.modal)
    # The form shows the question she answers: cut at a word as the field's label (Discord
    # holds 45 characters there), and whole above it on a phone when it is longer.
    [entry] = await entries(kindred, server, "Ines")
    question = " ".join(entry.prompt_text.split())
    [label] = [row for row in opened.modal["components"] if row.get("type") == 18]
    assert label["label"] == cut_at_word(question, 45)
    assert "only you" in label["description"].lower()
    assert question in modal_texts(opened.modal).replace("\\", "")
    saved = await kindred.fd.submit_modal(
        server.person("Ines"), opened, values={field["custom_id"]: "Thanked Priya for the intro."}
    )
    await saved.wait_response()
    assert [e.answer for e in await entries(kindred, server, "Ines")] == [
        "Thanked Priya for the intro."
    ]


async def test_the_first_scheduled_prompt_is_not_the_one_now_just_gave(
    kindred: Harness,
) -> None:
    server = await kindred.new_server()
    year = await fresh_year(kindred)
    now = await server.run("Maya", "reflections now")
    assert "right now" in now.reply.content
    [given] = await entries(kindred, server, "Maya")
    await server.run("Maya", "reflections start", time="09:00", timezone="UTC")
    first = await expect_prompt_at(kindred, server, "Maya", at(date(year, 1, 1), time(9), "UTC"))
    *_, scheduled = await entries(kindred, server, "Maya")
    assert scheduled.kind == "daily" and scheduled.prompt_key != given.prompt_key
    assert "Today's reflection" in first.content


async def test_community_prompts_admin(kindred: Harness, server: Server) -> None:
    added = await server.run("Olu", "admin prompts add", text="Who made you laugh at the meetup?")
    assert "#" in added.reply.content
    listed = await server.run("Olu", "admin prompts list")
    assert "Who made you laugh at the meetup?" in listed.reply.content
    refused = await server.run("Maya", "admin prompts add", text="Members can't add these, right?")
    assert "Manage Server" in refused.reply.content
    # Looking isn't changing: she's told it's for organizers, not that she "can't change".
    looking = await server.run("Maya", "admin prompts list")
    assert "for organizers" in looking.reply.content and "change" not in looking.reply.content
    short = await server.run("Olu", "admin prompts add", text="Hi?")
    assert "short" in short.reply.content
    number = int(added.reply.content.split("#")[1].split("*")[0])
    removed = await server.run("Olu", "admin prompts remove", number=number)
    assert "out of the rotation" in removed.reply.content
    unknown = await server.run("Olu", "admin prompts remove", number=number)
    assert "no community prompt" in unknown.reply.content.lower()
