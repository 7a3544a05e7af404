"""The sandbox shows the whole product: each test types a short script into a fresh demo
server (one bot for the module, as the harness does) and reads the transcript."""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kindred.settings import load_settings
from testing.sandbox import (
    SANDBOX_FAILED,
    Noticed,
    Sandbox,
    log_to_file,
    open_sandbox,
    sandbox_bot,
)
from testing.sandbox_display import Names, discord_time, relative_words

World = tuple[Any, Any, Any]  # fakediscord, the bot, the sandbox clock


@pytest.fixture(scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    folder = tmp_path_factory.mktemp("sandbox")
    async with sandbox_bot(load_settings(), f"sqlite+aiosqlite:///{folder}/sandbox.db") as made:
        yield made


async def play(world: World, script: str, tmp_path: Path) -> tuple[str, Sandbox]:
    """Run `script` in a new demo server; its transcript, checked to be what a person could
    read: no raw mentions, timestamps or ids."""
    out = io.StringIO()
    fd, bot, clock = world
    sandbox = await open_sandbox(fd, bot, clock, out, images=tmp_path / "images")
    await sandbox.run_lines(script.strip().splitlines())
    transcript = out.getvalue()
    assert not re.search(r"<[@#]|<t:|\d{15,}", transcript), transcript
    if "went wrong" not in script:
        assert SANDBOX_FAILED not in transcript, transcript
    return transcript, sandbox


def lines_after(transcript: str, typed: str) -> str:
    """What the sandbox printed after the first line `typed` ("Maya> :click 1") up to the
    next typed line."""
    after = transcript.split(f"{typed}\n", 1)[1]
    return re.split(r"^\w+> ", after, maxsplit=1, flags=re.MULTILINE)[0]


async def test_right_click_apps_on_messages_and_members(world: World, tmp_path: Path) -> None:
    transcript, _ = await play(
        world,
        """
        /setup thanks_channel:#referral-thanks
        :as Ines
        :say #general Maya, try Lena for your books: https://lena-books.example
        :as Maya
        :app Thank the author on m1
        :fill referral | Ines sent me to Lena, who sorted my books.
        :say #introductions Hi! I run Clayworks. 20% off all classes this month, DM me!
        :app spotted on #introductions
        :app Add to my Rolodex on @Ines
        :fill | | | trust | monthly
        /rolodex show person:Ines
        :app Add to my Rolodex on m1
        :app Wave on @Ines
        :app Thank the author on m99
        """,
        tmp_path,
    )
    assert "[#general · m1] Ines:" in transcript
    thanked = lines_after(transcript, ":fill referral | Ines sent me to Lena, who sorted my books.")
    assert re.search(r"\[#referral-thanks · m\d\] Kindred:", thanked)
    assert "**@Maya** thanks **@Ines**" in thanked and "[The message that helped](m1)" in thanked
    assert "[form] Thank the author" in lines_after(transcript, ":app Thank the author on m1")
    pitch = lines_after(transcript, ":app spotted on #introductions")
    assert "Reads like a pitch" in pitch and "> Hi! I run Clayworks." in pitch
    assert "[form] Rolodex: Ines" in lines_after(transcript, ":app Add to my Rolodex on @Ines")
    shown = lines_after(transcript, "/rolodex show person:Ines")
    assert "**Trust**" in shown and "monthly · next nudge in a month" in shown
    assert (
        '(sandbox) On a message, the apps are: "Spotted an elevator pitch?", '
        '"Thank the author", "Remove this thank-you".' in transcript
    )
    assert '(sandbox) On a member, the apps are: "Add to my Rolodex".' in transcript
    assert "(sandbox) There is no message m99 (yet)." in transcript


async def test_form_menus_show_their_choices_and_what_is_filled_in(
    world: World, tmp_path: Path
) -> None:
    transcript, _ = await play(
        world,
        """
        /setup thanks_channel:#referral-thanks
        :as Maya
        :app Add to my Rolodex on @Ines
        :fill At the breakfast | Sings in a choir | | know, 3 | 4
        /rolodex edit person:Ines
        :fill | - | | like | -
        /rolodex show person:Ines
        /rolodex edit person:Ines
        :fill | | | love
        :fill | | | know, like | every week, monthly
        :as Ines
        :say #general Thanks for yesterday!
        :as Maya
        :app Thank the author on #general
        :fill | A lovely chat.
        """,
        tmp_path,
    )
    form = lines_after(transcript, ":app Add to my Rolodex on @Ines")
    assert "4. Do you know, like, trust them? (optional): choose any of know, like, trust" in form
    assert "5. Stay in touch (optional): choose one of none, every week, every 2 weeks" in form
    assert "· now: none" in form  # the rhythm's pre-selected choice
    edit = lines_after(transcript, "/rolodex edit person:Ines")
    assert '1. How you met (optional) · now: "At the breakfast"' in edit
    assert '· now: "Sings in a choir"' in edit
    assert "choose any of know, like, trust · now: know, trust" in edit  # 3 was trust
    assert "· now: monthly" in edit  # the 4th rhythm
    # A blank kept "how you met", "-" cleared the notes and the rhythm.
    shown = lines_after(transcript, "/rolodex show person:Ines")
    assert "**Like**" in shown and "How you met:** At the breakfast" in shown
    assert "Sings in a choir" not in shown and "monthly" not in shown
    assert "(sandbox) 'love' is not one of: know, like, trust." in transcript
    assert "(sandbox) “Stay in touch” takes 0 to 1 choice(s)." in transcript
    # The required kind of a thank-you can't be left blank.
    assert "(sandbox) “What kind of help?” takes 1 choice(s)." in transcript


async def test_option_values_keep_colons_and_links_and_take_choice_names(
    world: World, tmp_path: Path
) -> None:
    text = "Open studio starts Monday: https://example.com/open?day=mon. Come by: bring a friend!"
    transcript, _ = await play(
        world,
        f"""
        /setup digest_day:Friday digest_hour:18 intro_nudges:no
        /pitchcheck text text:{text}
        /setup digest_day:Someday
        /setup digest_hour:25
        /setup thanks_channel:#nowhere
        /stup timezone:Berlin
        """,
        tmp_path,
    )
    assert "Weekly thanks digest: Fridays at 18:00" in transcript
    assert f"> {text}" in lines_after(transcript, f"/pitchcheck text text:{text}")
    assert "(sandbox) digest_day: is one of: Monday, Tuesday, Wednesday, Thursday, Friday," in (
        transcript
    )
    assert "(sandbox) digest_hour: goes from 0 to 23." in transcript
    assert "(sandbox) No channel '#nowhere'. Channels: #general, #introductions," in transcript
    assert "(sandbox) There is no /stup command. Did you mean setup?" in transcript


async def test_click_and_select_reach_only_the_current_members_own_messages(
    world: World, tmp_path: Path
) -> None:
    transcript, sandbox = await play(
        world,
        """
        :as Maya
        /reflections start time:9am
        :time +1d
        /pitchcheck event
        :as Olu
        :click Yes
        :click Write my reflection
        :click 1
        :as Maya
        :click 1
        """,
        tmp_path,
    )
    assert "(sandbox) “Yes” is on Maya's message: only Maya sees it (:as Maya first)." in (
        transcript
    )
    assert "(sandbox) “Write my reflection” is on Maya's message" in transcript
    assert "(sandbox) There is no button for Olu to click yet." in transcript
    # Olu's tries sent Discord nothing; Maya's "1" clicked "Yes" on her newest message.
    maya = int(sandbox.people["Maya"].id)
    clicks = [
        ix
        for ix in sandbox.fd._interactions.values()
        if ix.label.startswith("click") and ix.guild is not None and ix.guild == sandbox.guild
    ]
    assert [int(ix.user.id) for ix in clicks] == [maya]
    assert "Question 2 of 8" in lines_after(transcript, "Maya> :click 1")


async def test_names_times_in_each_members_zone_and_relative_words(
    world: World, tmp_path: Path
) -> None:
    transcript, _ = await play(
        world,
        """
        /setup thanks_channel:#referral-thanks timezone:Berlin
        /meet settings pairing:True rhythm:weekly
        /meet join
        :as Maya
        /reflections start time:9am timezone:Tokyo
        /meet join
        :app Add to my Rolodex on @Ines
        :fill | | | | every 2 weeks
        /rolodex show person:Ines
        """,
        tmp_path,
    )
    assert "Referral-thanks channel: #referral-thanks" in transcript
    assert "(sandbox) Times now show in Europe/Berlin for Olu, Maya, Ines, Priya." in transcript
    assert "(sandbox) Times now show in Asia/Tokyo for Maya." in transcript
    # The same round, at 10:00 in Berlin, is at 18:00 on Maya's Discord in Tokyo.
    # Any distance, as the wall clock of the run decides it ("in an hour" at 07:40 in Tokyo).
    soon = r"\(in (\d+ days|a day|\d+ hours|an hour|\d+ minutes|a minute|a few seconds)\)"
    round_time = r"Next round: Monday, \d+ \w+ \d{4} %s:00 " + soon
    assert re.search(round_time % 10, lines_after(transcript, "Olu> /meet join"))
    assert re.search(round_time % 18, lines_after(transcript, "Maya> /meet join"))
    prompt = lines_after(transcript, "/reflections start time:9am timezone:Tokyo")
    assert re.search(r"Next prompt: \w+day, \d+ \w+ \d{4} 09:00 " + soon, prompt)
    assert "next nudge in 2 weeks" in lines_after(transcript, "/rolodex show person:Ines")
    assert not re.search(r"in \d+ h\b", transcript)


async def test_buttons_expire_on_sandbox_time(world: World, tmp_path: Path) -> None:
    transcript, _ = await play(
        world,
        """
        :as Maya
        /pitchcheck event
        :time +9m
        :click Yes
        :time +9m
        :time +2m
        :click No
        """,
        tmp_path,
    )
    # Ten minutes from the last click, on the sandbox clock (the test took seconds).
    assert "greyed out" not in lines_after(transcript, ":time +9m")
    assert "Question 2 of 8" in lines_after(transcript, ":click Yes")
    expired = lines_after(transcript, ":time +2m")
    assert "(sandbox) The buttons under “After the event”, which only Maya sees, are greyed" in (
        expired
    )
    assert "(sandbox) “No” is greyed out: it expired, or was already used." in transcript


async def test_refusals_from_discord_name_things_not_ids(world: World, tmp_path: Path) -> None:
    _, sandbox = await play(
        world,
        """
        :as Maya
        /pitchcheck event
        """,
        tmp_path,
    )
    fd = sandbox.fd
    answer = next(m for m in sandbox.shown.values() if m.ephemeral)
    with pytest.raises(ValueError) as refused:  # what Discord's client would never send
        await fd.click(sandbox.people["Olu"], answer, answer.custom_ids()[0])
    raw = str(refused.value)
    assert re.search(r"\d{15,}", raw)
    plain = sandbox.names.plain(raw)
    assert plain == "that message is ephemeral and only visible to another user"
    assert sandbox.names.plain(f"{sandbox.people['Ines']!r} cannot see it") == "Ines cannot see it"
    channel = sandbox.channels["general"]
    assert sandbox.names.plain(f"not in {channel.id}") == "not in #general"


def test_relative_times_read_as_words() -> None:
    hour, day = timedelta(hours=1), timedelta(days=1)
    assert relative_words(timedelta(hours=338)) == "in 2 weeks"
    assert relative_words(timedelta(seconds=20)) == "in a few seconds"
    assert relative_words(timedelta(minutes=-1)) == "a minute ago"
    assert relative_words(16 * hour) == "in 16 hours"
    assert relative_words(63 * hour) == "in 3 days"
    assert relative_words(-10 * day) == "a week ago"
    assert relative_words(31 * day) == "in a month"
    assert relative_words(400 * day) == "in a year"


def test_discord_times_show_in_the_viewers_zone() -> None:
    instant = datetime(2026, 12, 11, 17, 0, tzinfo=UTC)
    now = instant - timedelta(days=3)
    tokyo, berlin = ZoneInfo("Asia/Tokyo"), ZoneInfo("Europe/Berlin")
    assert discord_time(instant, "F", tokyo, now) == "Saturday, 12 December 2026 02:00"
    assert discord_time(instant, "F", berlin, now) == "Friday, 11 December 2026 18:00"
    assert discord_time(instant, None, berlin, now) == "11 December 2026 18:00"
    assert discord_time(instant, "t", berlin, now) == "18:00"
    assert discord_time(instant, "R", berlin, now) == "in 3 days"
    names = Names(users={1: "Maya"}.get, channels={2: "general"}.get, zones={1: tokyo})
    text = f"<@1> in <#2> at <t:{int(instant.timestamp())}:t> </thanks give:3> <:wave:4>"
    assert names.text(text, viewer=1, now=now) == "@Maya in #general at 02:00 /thanks give :wave:"


def test_library_warnings_and_errors_stay_out_of_the_prompt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    log = tmp_path / "sandbox.log"
    out = io.StringIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            log_to_file("INFO", log)
            root.addHandler(Noticed(lambda line: print(line, file=out), log))
            logging.getLogger("discord.http").warning("We are being rate limited.")
            warnings.warn("a library's deprecation", UserWarning, stacklevel=1)
            logging.getLogger("kindred.replies").error("command /setup failed (ref 1a2b3c4d)")
            logging.captureWarnings(False)
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
    assert capsys.readouterr().err == ""
    written = log.read_text(encoding="utf-8")
    assert "We are being rate limited." in written and "a library's deprecation" in written
    # An error Kindred logs is one line in the transcript, pointing at the details.
    assert out.getvalue() == (
        f"(sandbox) Kindred logged an error: command /setup failed (ref 1a2b3c4d). Details: {log}\n"
    )


README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


async def test_the_readme_example_runs(world: World, tmp_path: Path) -> None:
    block = README.split("`make sandbox` opens a prompt", 1)[1].split("```")[1]
    typed = [line.split("> ", 1)[1] for line in block.splitlines() if "> " in line]
    assert any(line.startswith(":app ") for line in typed)
    transcript, _ = await play(world, "\n".join(typed), tmp_path)
    said = re.findall(r"^\(\w+\) .*", transcript, flags=re.MULTILINE)
    assert all(
        line.startswith(("(sandbox) You are now", "(sandbox) Times now", "(sandbox) Time moved"))
        for line in said
    ), said
    assert (
        "**@Maya** thanks **@Ines**" in transcript and "**Know · like · trust**" not in transcript
    )
    assert "Added to your Rolodex" in transcript


async def test_odd_lines_are_explained_and_the_session_goes_on(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: Sandbox, rest: str) -> None:
        raise RuntimeError("a bug in the sandbox")

    monkeypatch.setattr(Sandbox, "fill", broken)
    transcript, _ = await play(
        world,
        """
        :time +1000000000d
        :event create Gala @ 9999-12-31 23:59
        :event create Gala @ +2d for 99999h
        :fill a line that went wrong
        /kindred help
        """,
        tmp_path,
    )
    assert "Time moves a year at most in one step" in transcript
    assert "Events here start within a year" in transcript
    assert f"(sandbox) {SANDBOX_FAILED} (RuntimeError); the log has the details." in transcript
    assert "Hi, I'm Kindred" in transcript  # the session went on
