"""`python -m bench`: run every benchmark and write BENCHMARKS.md."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys
from pathlib import Path

from bench import commands, courier, load, pitch, reflections, scale
from bench.common import Section, git_revision, machine

ROOT = Path(__file__).resolve().parent.parent

BENCHMARKS = [
    ("Slash-command latency (bot + fakediscord over loopback)", commands.run),
    ("Courier: paced delivery and crash safety", courier.run),
    ("Reflection scheduler", reflections.run),
    ("Pitch analyzer", pitch.run),
    ("Scale-out: two bot processes on PostgreSQL, one killed", scale.two_process_crash),
    ("Load: concurrent writers, command latency and memory with 100,000 members", load.run),
]


async def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    # Injected 429s are the point of the courier benchmark; don't print each retry.
    logging.getLogger("discord.http").setLevel(logging.ERROR)
    sections = []
    for title, bench in BENCHMARKS:
        print(title, flush=True)
        section = Section(title=title, command="make bench")
        await bench(section)
        sections.append(section)
    header = (
        "# Benchmarks\n\n"
        "Written by `make bench` (`python -m bench`); do not edit by hand.\n\n"
        f"- Run: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, revision {git_revision()}\n"
        f"- Machine: {machine()}\n\n"
        "Timings are wall-clock on a shared machine: read medians and ratios, not single runs.\n\n"
    )
    (ROOT / "BENCHMARKS.md").write_text(header + "\n".join(s.markdown() for s in sections))
    print(f"wrote {ROOT / 'BENCHMARKS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
