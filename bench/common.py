"""Helpers every benchmark uses: machine facts, statistics, the report format."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from storage.db import Database, open_database
from storage.migrate import upgrade


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> str:
    """Median and p99 of durations given in seconds, in milliseconds."""
    return (
        f"median {statistics.median(values) * 1000:.1f} ms, "
        f"p99 {percentile(values, 0.99) * 1000:.1f} ms (n={len(values)})"
    )


@dataclass
class Section:
    title: str
    command: str
    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        print(f"  {line}", flush=True)
        self.lines.append(line)

    def markdown(self) -> str:
        body = "\n".join(f"- {line}" for line in self.lines)
        return f"## {self.title}\n\nCommand: `{self.command}`\n\n{body}\n"


def job_host(db: Any, clock: Any, **extra: Any) -> Any:
    """What a scheduler `Job` needs of the bot, for calling its tick() directly: the loop is
    never started and waking the courier does nothing."""
    return SimpleNamespace(
        clock=clock,
        db=db,
        courier=SimpleNamespace(wake=lambda: None),
        new_loop=lambda *_, **__: None,
        **extra,
    )


async def timed_ticks(
    db: Any, clock: Any, tick: Callable[[], Awaitable[int]], instants: Sequence[datetime]
) -> tuple[list[float], list[int]]:
    """One tick at each instant: (durations in seconds, what each handled). The bot copies
    SQLite's log into the database file from a background task (Database.checkpoint_every,
    every 30 s), not in a tick's commit: so here too, between ticks."""
    durations: list[float] = []
    handled: list[int] = []
    for instant in instants:
        await db.checkpoint()
        await clock.set(instant)
        began = time.perf_counter()
        handled.append(await tick())
        durations.append(time.perf_counter() - began)
    return durations, handled


@contextlib.asynccontextmanager
async def seeded_database(
    section: Section, what: str, seed: Callable[[Database], Awaitable[object]]
) -> AsyncIterator[Database]:
    """A migrated SQLite file in a temporary folder, filled by `seed` (its time reported as
    the set-up of `what`), disposed of afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite+aiosqlite:///{Path(tmp)}/bench.db")
        await upgrade(db.engine)
        try:
            began = time.perf_counter()
            await seed(db)
            section.add(f"set-up: {what} in {time.perf_counter() - began:.1f} s")
            yield db
        finally:
            await db.dispose()


BOT_SCRIPT = Path(__file__).resolve().parent.parent / "bot.py"


async def publish_commands(cwd: Path, env: dict[str, str], limit: float) -> None:
    """`bot.py sync` (publish the slash commands to fakediscord) before a bot process runs;
    `limit`: seconds it may take. It also leaves the project's bytecode cached, as any earlier
    start of a deployed bot has: on a machine that sets PYTHONDONTWRITEBYTECODE (this one
    does), every timed start would otherwise compile Kindred's modules again (~0.3 s)."""
    env = {key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"}
    sync = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BOT_SCRIPT),
        "sync",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(sync.communicate(), timeout=limit)
    if sync.returncode != 0:
        raise RuntimeError(f"bot.py sync failed: {output.decode(errors='replace')}")
