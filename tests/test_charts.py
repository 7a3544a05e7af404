"""The drawing (kindred.charts): pictures decode, have the size phones and Discord expect,
hold only the words and numbers they were given, and are drawn off the event loop by a
matplotlib that the bot's start-up never imports."""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from coaching.insights import (
    Calendar,
    RolodexFacts,
    Tally,
    period_starts,
    referrals_panel,
    reflection_calendar,
    reflections_panel,
    rolodex_overview,
    thanks_panel,
    window,
)
from kindred import charts
from kindred.charts import (
    PanelWords,
    calendar_chart,
    community_chart,
    draw,
    draw_now,
    pitch_chart,
    rolodex_chart,
)

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
NUMBER = re.compile(r"^[\d.,%: ]+$|^\d{1,2} [A-Z][a-z]{2}$")  # counts, shares, "3 Oct"


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def words_for(panels: list, hidden: str = "HIDDEN NOTE") -> list[PanelWords]:  # type: ignore[type-arg]
    return [
        PanelWords(p, f"TITLE {p.key}", tuple(f"S:{s}" for s in p.series), hidden, "HIDDEN WEEK")
        for p in panels
    ]


def community(givers_total: int = 9) -> list:  # type: ignore[type-arg]
    win = window(NOW, 12)
    periods = [(Tally(60, 9), 30)] * 11 + [(Tally(10, 3), 5)]
    kinds = {(i, "referral"): 3 for i in range(12)} | {(i, "advice"): 2 for i in range(12)}
    return [
        reflections_panel(win, 12, periods, 9),
        thanks_panel(win, kinds, [6] * 11 + [2], givers_total),
        referrals_panel({"met": 5, "client": 2, None: 3}, 6),
    ]


def test_the_community_picture_holds_only_given_words_and_numbers() -> None:
    panels = community()
    png, width, height, texts = draw_now(
        community_chart("HEADER", "SUB", period_starts(window(NOW, 12), "UTC"), words_for(panels))
    )
    image = decoded(png)
    assert image.format == "PNG" and (image.width, image.height) == (width, height)
    assert width == 900 and 1000 < height < 1400 and len(png) < 400_000
    given = {"HEADER", "SUB", "HIDDEN WEEK", *(f"TITLE {p.key}" for p in panels)}
    given |= {f"S:{s}" for p in panels for s in p.series}
    given |= {f"S:{s}: {n}" for s, n in (("client", 2), ("met", 5), ("not_fit", 0), ("open", 3))}
    others = [t for t in texts if t not in given and not NUMBER.match(t)]
    assert others == []
    assert "HIDDEN WEEK" in texts  # the last week had three givers and three members


def test_a_hidden_panel_draws_its_note_and_no_figure() -> None:
    panels = community(givers_total=4)
    _, _, _, texts = draw_now(
        community_chart("H", "S", period_starts(window(NOW, 12), "UTC"), words_for(panels))
    )
    assert texts.count("HIDDEN NOTE") == 1
    assert "S:referral" not in texts and "S:advice" not in texts


def test_member_pictures_decode_at_their_sizes() -> None:
    points = [(NOW - timedelta(days=3 * i), 20 + 5 * i) for i in range(12)][::-1]
    bands = {"pitching": "P", "balanced": "B", "connecting": "C"}
    png, *_ = draw_now(pitch_chart("T", "S", points, bands))
    assert decoded(png).size == (900, 575)
    cal: Calendar = reflection_calendar([date(2026, 11, 2)], date(2026, 11, 20))
    png, *_ = draw_now(
        calendar_chart(
            "T", "S", cal, list("MTWTFSS"), {m: f"M{m}" for m in range(1, 13)}, ("a", "b", "c")
        )
    )
    assert decoded(png).size == (900, 412)
    overview = rolodex_overview(
        [RolodexFacts("Someone", True, True, False, 7, None, date(2026, 1, 1))], date(2026, 11, 20)
    )
    png, _, _, texts = draw_now(
        rolodex_chart("T", "S", overview, ("p", "k", "l", "t"), ("on", "drift", "none"), "R")
    )
    assert decoded(png).size == (900, 550)
    assert not any("Someone" in text for text in texts)  # names never reach the picture


async def test_drawing_leaves_the_event_loop_free() -> None:
    panels = community()
    periods = period_starts(window(NOW, 12), "UTC")
    task = asyncio.ensure_future(
        draw(
            community_chart,
            "H",
            "S",
            periods,
            words_for(panels),
            filename="x.png",
            description="alt " * 400,
        )
    )
    turns = 0
    while not task.done():
        await asyncio.sleep(0)
        turns += 1
    picture = task.result()
    # The loop went round many times while the picture was drawn in the drawing process.
    assert turns > 20
    assert picture.png == draw_now(community_chart("H", "S", periods, words_for(panels)))[0]
    assert len(picture.description) == 1024  # Discord's limit for an attachment description
    assert picture.file().description == picture.description


def test_starting_the_bot_does_not_import_matplotlib() -> None:
    code = (
        "import importlib, sys\n"
        "import bot, kindred.bot\n"
        "for name in kindred.bot.EXTENSIONS: importlib.import_module(name)\n"
        "heavy = sorted(m for m in ('matplotlib', 'numpy', 'PIL') if m in sys.modules)\n"
        "print(','.join(heavy) or 'none')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "none"


def test_a_picture_drawn_leaves_matplotlib_out_of_the_bot_process() -> None:
    code = (
        "import asyncio, sys\n"
        "from datetime import date\n"
        "from coaching.insights import reflection_calendar\n"
        "from kindred.charts import calendar_chart, draw, stop_drawing\n"
        "cal = reflection_calendar([date(2026, 11, 2)], date(2026, 11, 20))\n"
        "async def main():\n"
        "    picture = await draw(calendar_chart, 'T', 'S', cal, list('MTWTFSS'),\n"
        "        {m: str(m) for m in range(1, 13)}, ('a', 'b', 'c'),\n"
        "        filename='c.png', description='d')\n"
        "    stop_drawing()\n"
        "    return picture\n"
        "picture = asyncio.run(main())\n"
        "heavy = sorted(m for m in ('matplotlib', 'numpy', 'PIL') if m in sys.modules)\n"
        "print(picture.png[:4] == b'\\x89PNG', ','.join(heavy) or 'none')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True", "none"], result.stderr


async def test_a_drawing_process_that_died_is_replaced() -> None:
    panels = community()
    periods = period_starts(window(NOW, 12), "UTC")
    args = (community_chart, "H", "S", periods, words_for(panels))
    first = await draw(*args, filename="x.png", description="d")
    pool = charts._pool
    assert pool is not None
    for process in list(pool._processes.values()):
        os.kill(process.pid, signal.SIGKILL)
        process.join()
    again = await draw(*args, filename="x.png", description="d")
    assert again.png == first.png
    assert charts._pool is not pool  # a new drawing process drew it
    charts.stop_drawing()


@pytest.mark.slow  # a bot process, SIGKILLed, and the wait for its drawing process to end
def test_the_drawing_process_ends_when_the_bot_is_killed(tmp_path: Path) -> None:
    # A bot killed with SIGKILL can't stop its drawing process: that one notices and ends.
    code = (
        "import asyncio, os, sys\n"
        "from datetime import date\n"
        "from coaching.insights import reflection_calendar\n"
        "from kindred import charts\n"
        "cal = reflection_calendar([date(2026, 11, 2)], date(2026, 11, 20))\n"
        "async def main():\n"
        "    await charts.draw(charts.calendar_chart, 'T', 'S', cal, list('MTWTFSS'),\n"
        "        {m: str(m) for m in range(1, 13)}, ('a', 'b', 'c'),\n"
        "        filename='c.png', description='d')\n"
        "    [process] = charts._pool._processes.values()\n"
        "    print(process.pid, flush=True)\n"
        "    os.kill(os.getpid(), 9)\n"
        "asyncio.run(main())\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == -signal.SIGKILL, result.stderr
    drawing = int(result.stdout.split()[0])
    deadline = time.monotonic() + 30
    while Path(f"/proc/{drawing}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)  # a real process ending: waited on, not assumed
    assert not Path(f"/proc/{drawing}").exists(), "the drawing process outlived the bot"
