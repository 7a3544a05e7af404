"""Pictures: counting and drawing the community picture of a 10,000-member server with a
year of data, and the bot's memory with and without a chart drawn.

- in this process: the counts (`storage.insights.community_panels`) and the drawing
  (`kindred.charts`, in the calling thread) for 4, 12 and 52 weeks; the first drawing of a
  process pays matplotlib's import, reported apart;
- the bot as its own process (`python bot.py run`, as bench/load.py runs it) on the same
  database: resident memory idle, after one `/insights weeks:52` and after ten more, and
  how long `/kindred help` takes while a picture is being drawn.

`python -m bench.insights` prints the figures (`make bench` writes BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Section, machine, summary_ms
from bench.load import LoadWorld, _status, start_bot, stop_bot
from coaching.insights import WEEK_CHOICES, period_starts, window
from cogs.insights.report import _words
from fakediscord import FakeDiscord, Interaction
from kindred.charts import community_chart, draw_now
from prompts import render
from storage.db import open_database
from storage.insights import community_panels
from storage.migrate import upgrade
from testing.community import Activity, seed_activity

MEMBERS = 10_000
ACTIVITY = Activity(members=MEMBERS, weeks=52, opted_in=0.3, thanks_per_week=150)
DRAWS = 15
MORE_INSIGHTS = 10


async def _seeded(tmp: Path, guild_id: int) -> tuple[Path, dict[str, int], float]:
    path = tmp / "insights.db"
    db = open_database(f"sqlite+aiosqlite:///{path}")
    await upgrade(db.engine)
    began = time.perf_counter()
    rows = await seed_activity(db, guild_id, datetime.now(UTC), ACTIVITY, name="Big Meetup")
    seconds = time.perf_counter() - began
    await db.dispose()
    return path, rows, seconds


async def in_process(section: Section, path: Path, guild_id: int) -> None:
    db = open_database(f"sqlite+aiosqlite:///{path}")
    try:
        for weeks in (52, *[w for w in WEEK_CHOICES if w != 52]):
            win = window(datetime.now(UTC), weeks)
            counting = []
            for _ in range(5):
                began = time.perf_counter()
                async with db.read() as session:
                    panels = await community_panels(session, guild_id, win)
                counting.append(time.perf_counter() - began)
            build = community_chart(
                render("insights/title", community="Big Meetup", weeks=weeks),
                render("insights/subtitle"),
                period_starts(win, "UTC"),
                [_words(panel, win.bucket_days) for panel in panels],
            )
            drawing = []
            for _ in range(DRAWS):
                began = time.perf_counter()
                png, width, height, _ = draw_now(build)
                drawing.append(time.perf_counter() - began)
            if weeks == 52:
                section.add(
                    f"first picture of a process (imports matplotlib, builds its font cache "
                    f"if missing): {drawing[0] * 1000:.0f} ms"
                )
            section.add(
                f"{weeks} weeks: counting {summary_ms(counting)}; drawing "
                f"{summary_ms(drawing[1:])} ({width}×{height} px, {len(png) / 1024:.0f} KiB PNG)"
            )
    finally:
        await db.dispose()


async def _answered(fd: FakeDiscord, ix: Interaction) -> float:
    """Seconds from the interaction to its complete answer (after "thinking", if any)."""
    began = time.perf_counter()
    await fd.wait_for(
        lambda: ix.reply is not None and ix.reply.has_body() and not ix.reply.loading,
        timeout=60,
        interval=0.005,
    )
    return time.perf_counter() - began


def _children_rss(pid: int) -> list[tuple[str, int]]:
    """The bot's child processes (the drawing process, multiprocessing's resource tracker):
    what each runs and its VmRSS in KiB."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            name = "drawing process" if b"spawn_main" in b" ".join(command) else "helper"
            if b"resource_tracker" in b" ".join(command):
                name = "multiprocessing's resource tracker"
            found.append((name, _status(int(child))["VmRSS"]))
    return found


async def bot_process(section: Section, world: LoadWorld, guild, channel, organizer) -> None:  # type: ignore[no-untyped-def]
    await start_bot(world)
    assert world.process is not None
    fd = world.fd
    idle = world.idle_rss
    ask = await fd.slash(organizer, "insights", options={"weeks": 52}, guild=guild, channel=channel)
    first = await _answered(fd, ix=ask)
    assert ask.reply is not None and ask.reply.attachments, "no picture came back"
    once = _status(world.process.pid)
    # While pictures are drawn, a member's command still answers.
    helps = []
    for _ in range(MORE_INSIGHTS):
        drawing = await fd.slash(
            organizer, "insights", options={"weeks": 52}, guild=guild, channel=channel
        )
        helping = await fd.slash(organizer, "kindred help", guild=guild, channel=channel)
        helps.append(await _answered(fd, helping))
        await _answered(fd, drawing)
    after = _status(world.process.pid)
    section.add(
        f"`python bot.py run` on that database: /insights weeks:52 answered (thinking, then "
        f"the picture) in {first * 1000:.0f} ms the first time"
    )
    drawing = _children_rss(world.process.pid)
    section.add(
        f"resident memory (VmRSS) of the bot: idle {idle['VmRSS'] / 1024:.0f} MiB; after one "
        f"picture {once['VmRSS'] / 1024:.0f} MiB; after {MORE_INSIGHTS + 1} "
        f"{after['VmRSS'] / 1024:.0f} MiB (peak VmHWM {after['VmHWM'] / 1024:.0f} MiB): "
        f"matplotlib never enters it; the pictures are drawn in a drawing process of the bot's "
        f"(kindred.charts), started with the first one: "
        + (", ".join(f"{name} {rss / 1024:.0f} MiB" for name, rss in drawing) or "none found")
    )
    section.add(
        f"/kindred help sent while a picture was being drawn: median "
        f"{statistics.median(helps) * 1000:.0f} ms, max {max(helps) * 1000:.0f} ms "
        f"(n={len(helps)})"
    )


async def run(section: Section) -> None:
    section.add(f"run: `{section.command}` (bench/insights.py) on {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        fd = FakeDiscord()
        organizer = fd.add_user("Organizer")
        guild = fd.add_guild("Big Meetup", owner=organizer)
        channel = fd.add_channel(guild, "general")
        guild_id = int(guild.id)
        path, rows, seconds = await _seeded(Path(tmp), guild_id)
        section.add(
            f"one server of {MEMBERS:,} members with a year of data, SQLite: "
            + ", ".join(f"{table} {count:,}" for table, count in rows.items())
            + f" (seeded in {seconds:.0f} s, {path.stat().st_size / 2**20:.0f} MiB)"
        )
        await in_process(section, path, guild_id)
        world = LoadWorld(Path(tmp), fd, path, [], rows, seconds)
        try:
            await bot_process(section, world, guild, channel, organizer)
        finally:
            await stop_bot(world)


async def _main() -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    section = Section(title="Pictures", command="python -m bench.insights")
    await run(section)


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
