"""Where the bot's CPU goes: py-spy samples of the bot process, grouped by library.

`Sampler(pid)` attaches py-spy (the `bench` extra) to a running process and records every
thread's Python stacks ("raw" collapsed format) until stopped; `breakdown()` attributes each
sample to a group by its innermost frame: the code on the CPU at that moment (a C call, such
as zlib, counts for the Python frame that made it). Only the thread holding the GIL is sampled
(`--gil`), so the shares are of the Python CPU of the process; C work that releases the GIL
(SQLite's step, waiting in epoll or on a queue) is not in them.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import sys
from collections import Counter
from pathlib import Path

RATE = 250  # samples per second

# (group, path fragments of the innermost frame's file), first match wins.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("SQLite + aiosqlite (threads, hand-offs)", ("aiosqlite/", "sqlite3/", "inline_sqlite")),
    ("SQLAlchemy ORM (session, unit of work, loading)", ("sqlalchemy/orm/",)),
    ("SQLAlchemy core (compile, execute, pool, async bridge)", ("sqlalchemy/", "greenlet")),
    ("discord.py app commands (dispatch, transformers)", ("discord/app_commands/",)),
    ("discord.py views/forms", ("discord/ui/",)),
    ("discord.py HTTP + webhooks (callbacks)", ("discord/http.py", "discord/webhook")),
    ("discord.py gateway, parsing, models", ("discord/",)),
    ("aiohttp / yarl / multidict (HTTP, websocket)", ("aiohttp/", "yarl/", "multidict/")),
    ("Jinja2 rendering (prompts)", ("jinja2/", "markupsafe/", "prompts/")),
    ("asyncio event loop", ("asyncio/", "selectors.py")),
    ("threading (waiting threads, queues)", ("threading.py", "queue.py")),
    ("logging", ("logging/",)),
    ("json / zlib", ("json/", "zlib")),
    ("Kindred's own code", ("cogs/", "coaching/", "storage/", "kindred/", "bot.py")),
)


def _group(frame: str) -> str:
    # A frame reads "function (path:line)".
    where = frame.rsplit(" (", 1)[-1]
    for group, fragments in GROUPS:
        if any(fragment in where for fragment in fragments):
            return group
    return "other (stdlib, threads)"


def breakdown(raw: str) -> tuple[int, list[tuple[str, float]]]:
    """(samples, [(group, share of the samples)]) from py-spy's raw output, largest first."""
    counts: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        counts[_group(frames[-1])] += int(count)
    total = sum(counts.values())
    return total, [(group, n / total) for group, n in counts.most_common()] if total else []


def available() -> str | None:
    """py-spy's path next to this Python, or on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


class Sampler:
    """py-spy recording `pid` from `start()` to `stop()`."""

    def __init__(self, pid: int, out: Path) -> None:
        self.pid = pid
        self.out = out
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> bool:
        spy = available()
        if spy is None:
            return False
        self.process = await asyncio.create_subprocess_exec(
            spy,
            "record",
            "--pid",
            str(self.pid),
            "--rate",
            str(RATE),
            # Only the thread holding the GIL: the Python CPU. (py-spy's guess at which threads
            # are idle fails here: threads blocked in a queue or in epoll were counted.)
            # SQLite's own work runs without the GIL and is left out: a few percent at most.
            "--gil",
            "--format",
            "raw",
            "--output",
            str(self.out),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await asyncio.sleep(0.5)  # attached
        return True

    async def stop(self) -> str | None:
        """Stop recording (py-spy writes its file on SIGINT); the raw stacks, or None."""
        if self.process is None:
            return None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        with contextlib.suppress(OSError):
            return self.out.read_text()
        return None


def lines(samples: int, shares: list[tuple[str, float]]) -> str:
    return f"{samples:,} samples: " + "; ".join(
        f"{group} {share * 100:.0f}%" for group, share in shares if share >= 0.005
    )
