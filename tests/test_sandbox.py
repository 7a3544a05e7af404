"""The sandbox: command parsing, and the documented tour runs start to finish."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from testing.sandbox import SandboxError, parse_duration, parse_slash, parse_when
from testing.sandbox_input import (
    BOOLEAN,
    CHANNEL,
    INTEGER,
    STRING,
    SUB_COMMAND,
    convert_options,
)

ROOT = Path(__file__).resolve().parent.parent
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# Discord's JSON for a few commands, as the bot syncs them (trimmed to what parsing reads).
COMMANDS: dict[str, dict[str, Any]] = {
    "setup": {
        "name": "setup",
        "options": [
            {"name": "thanks_channel", "type": CHANNEL},
            {"name": "prompt_time", "type": STRING},
            {"name": "timezone", "type": STRING},
            {
                "name": "digest_day",
                "type": INTEGER,
                "choices": [{"name": day, "value": n} for n, day in enumerate(DAYS)],
            },
            {"name": "digest_hour", "type": INTEGER, "min_value": 0, "max_value": 23},
            {"name": "intro_nudges", "type": BOOLEAN},
        ],
    },
    "pitchcheck": {
        "name": "pitchcheck",
        "options": [
            {
                "name": "text",
                "type": SUB_COMMAND,
                "options": [{"name": "text", "type": STRING, "required": True}],
            }
        ],
    },
    "kindred": {"name": "kindred", "options": [{"name": "help", "type": SUB_COMMAND}]},
}


def test_slash_options_may_contain_spaces_and_colons() -> None:
    command, _, options = parse_slash(
        "/setup thanks_channel:#referral-thanks prompt_time:8:30 pm timezone:Europe/Berlin",
        COMMANDS,
    )
    assert command == "setup"
    assert options == {
        "thanks_channel": "#referral-thanks",
        "prompt_time": "8:30 pm",
        "timezone": "Europe/Berlin",
    }


def test_only_the_commands_own_option_names_start_an_option() -> None:
    # "Monday:" and "https:" are not options of /pitchcheck text: they stay in the value.
    text = "Our open studio starts Monday: https://example.com/open?day=mon, come by: really!"
    assert parse_slash(f"/pitchcheck text text:{text}", COMMANDS)[2] == {"text": text}
    # A value that holds " text:" itself goes in double quotes.
    quoted = "Subject text: hello there"
    assert parse_slash(f'/pitchcheck text text:"{quoted}"', COMMANDS)[2] == {"text": quoted}


def test_subcommands_are_part_of_the_command() -> None:
    assert parse_slash("/kindred   help", COMMANDS)[::2] == ("kindred help", {})


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("/stup timezone:Berlin", "There is no /stup command. Did you mean setup?"),
        ("/pitchcheck", "/pitchcheck needs one more word: /pitchcheck text."),
        ("/setup Berlin", "/setup doesn't know 'Berlin'"),
        ("/setup timezone:Berlin timezone:Lisbon", "timezone: is given twice"),
        ("/setup timezone:", "Type a value after timezone:"),
        ("/kindred help please", "/kindred help takes no options."),
    ],
)
def test_slash_mistakes_are_explained(line: str, says: str) -> None:
    with pytest.raises(SandboxError, match=re.escape(says)):
        parse_slash(line, COMMANDS)


def _convert(line: str) -> dict[str, Any]:
    command, specs, raw = parse_slash(line, COMMANDS)
    people = {"maya": "<Maya>"}

    def person(text: str) -> str:
        if text.lstrip("@").lower() not in people:
            raise SandboxError(f"No member called {text!r}")
        return people[text.lstrip("@").lower()]

    return convert_options(
        command, specs, raw, person=person, channel=lambda text: f"<channel {text}>"
    )


def test_options_are_typed_as_discords_client_sends_them() -> None:
    assert _convert("/setup digest_day:Friday digest_hour:18 intro_nudges:yes") == {
        "digest_day": 4,
        "digest_hour": 18,
        "intro_nudges": True,
    }
    assert _convert("/setup digest_day:friday")["digest_day"] == 4  # any case
    assert _convert("/setup digest_day:4")["digest_day"] == 4  # or the value itself
    assert _convert("/setup thanks_channel:#general") == {"thanks_channel": "<channel #general>"}


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("/setup digest_day:Someday", "digest_day: is one of: Monday, Tuesday, Wednesday,"),
        ("/setup digest_hour:25", "digest_hour: goes from 0 to 23."),
        ("/setup digest_hour:six", "digest_hour: takes a whole number, e.g. digest_hour:3"),
        ("/setup intro_nudges:maybe", "intro_nudges: is True or False."),
        ("/pitchcheck text", "/pitchcheck text needs text:"),
    ],
)
def test_option_values_discord_would_refuse_are_explained(line: str, says: str) -> None:
    with pytest.raises(SandboxError, match=re.escape(says)):
        _convert(line)


def test_durations() -> None:
    assert parse_duration("+1d") == timedelta(days=1)
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("+2w") == timedelta(weeks=2)
    with pytest.raises(SandboxError):
        parse_duration("-1d")
    with pytest.raises(SandboxError):
        parse_duration("tomorrow")
    assert parse_duration("+52w") == timedelta(weeks=52)
    for too_far in ("+54w", "+1000000000d", "+" + "9" * 40 + "m"):
        with pytest.raises(SandboxError, match="a year at most"):
            parse_duration(too_far)


def test_event_times() -> None:
    now = datetime(2026, 12, 1, 15, 42, 7, tzinfo=UTC)
    assert parse_when("+2d", now) == datetime(2026, 12, 3, 15, 42, tzinfo=UTC)
    assert parse_when("+3d 18:30", now) == datetime(2026, 12, 4, 18, 30, tzinfo=UTC)
    assert parse_when("2026-12-24 09:00", now) == datetime(2026, 12, 24, 9, tzinfo=UTC)
    for bad in ("next tuesday", "+3d 25:00"):
        with pytest.raises(SandboxError):
            parse_when(bad, now)


@pytest.mark.slow  # the whole tour in its own process: about 10 s
def test_the_documented_tour_runs(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bot.py"),
            "sandbox",
            "--script",
            str(ROOT / "docs" / "demo.sandbox"),
            "--database",
            f"sqlite+aiosqlite:///{tmp_path}/sandbox.db",
        ],
        cwd=tmp_path,  # no .env here: the sandbox needs no configuration
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    elapsed = time.monotonic() - started
    transcript = result.stdout
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Kindred sandbox" in transcript
    assert "Hi, I'm Kindred" in transcript  # /kindred help answered
    assert "Saved" in transcript and "Europe/Berlin" in transcript and "08:30" in transcript
    assert 'find "Europe/Berln"' in transcript  # the typo explained...
    assert "did you mean Berlin, Germany" in transcript  # ...with the likely place
    assert "Manage Server" in transcript  # Maya refused
    assert "Time moved forward" in transcript
    assert "Today's reflection" in transcript  # the scheduled DM arrived
    assert "pottery" in transcript and "Priya about coffee" in transcript  # both answers saved
    # Pictures are saved where a person can open them, and the path is printed.
    saved = re.findall(r"📎 (\S+) (\d+)×(\d+), saved to (\S+)", transcript)
    assert {name for name, *_ in saved} == {"reflection-calendar.png", "community-insights.png"}
    for _, width, height, path in saved:
        image = Image.open(tmp_path / path if not Path(path).is_absolute() else path)
        assert image.size == (int(width), int(height))
    assert "alt: Charts of Demo Meetup over the last 12 weeks" in transcript
    assert "Coffee round" in transcript and "you're a trio" in transcript  # the round ran
    assert "Sourdough chemistry" in transcript  # Maya's card, shown to the people she meets
    assert "#coffee › ☕" in transcript  # their private thread
    assert "how you met: coffee pairing," in transcript  # "We met", then into the Rolodex
    # The events arc: a nudge before, an intention, the debrief, the Rolodex, a follow-up.
    assert 'created the event "November breakfast"' in transcript
    assert "November breakfast** is coming up" in transcript
    assert "Noted: reconnecting with someone" in transcript
    assert "You meant to reconnect with someone: did you?" in transcript
    assert "Noted in your Rolodex" in transcript and "Sam from the bakery" in transcript
    assert re.search(r"\*\*Ines\*\*.* · follow-up ", transcript)  # one click set it
    assert "Your events" in transcript and "You met: Ines, Sam from the bakery" in transcript
    # The verbs for what Discord shows beyond slash commands:
    assert "Weekly thanks digest: Fridays" in transcript  # a choice typed by its name
    assert "[menu: Edit or delete an entry… ▾] 1. " in transcript
    assert "Your reflection · " in transcript  # :select 1 picked the newest entry
    assert "[#general · m1] Ines:" in transcript  # messages carry the numbers :app takes
    assert "[form] Thank the author" in transcript  # "Thank the author" on #general's latest
    assert "**@Maya** thanks **@Ines**" in transcript  # the post, mentions as names
    assert "[The message that helped](m1)" in transcript  # links to messages as numbers
    assert "Reads like a pitch" in transcript  # "Spotted an elevator pitch?" on her intro
    assert "> Open studio starts Monday: https://example.com/open-studio." in transcript
    assert "4. Do you know, like, trust them? (optional): choose any of know" in transcript
    assert (
        "**Know · like · trust**" in transcript and "monthly · next nudge in a month" in transcript
    )
    assert "(sandbox) Times now show in Europe/Lisbon for Maya." in transcript
    assert "greyed out now: they expired" in transcript  # on sandbox time
    assert "(sandbox) No" not in transcript and "(discord)" not in transcript  # no refusals
    assert not re.search(r"\d{15,}", transcript)  # no ids: names, numbers, m3
    # Library warnings and Kindred's log go to a file, not the prompt.
    assert result.stderr == ""
    assert f"Kindred's log: {tmp_path}/sandbox.log" in transcript
    assert "discord.client" in (tmp_path / "sandbox.log").read_text(encoding="utf-8")
    # Generous bound for shared machines; the issue asks for a start in under 30 s.
    assert elapsed < 60, f"sandbox tour took {elapsed:.1f} s"
