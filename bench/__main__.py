"""`python -m bench`: run every benchmark and write BENCHMARKS.md.

Each benchmark runs in a fresh Python process (`python -m bench --only N`): threads, tasks
and a grown heap left by one (a courier, a crashed bot's database connections) must not
slow the next one down.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import importlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from bench import (
    commands,
    courier,
    events,
    insights,
    load,
    meet,
    million,
    peers,
    pitch,
    reflections,
    scale,
)
from bench.common import Section, git_revision, machine

ROOT = Path(__file__).resolve().parent.parent
# Where a benchmark's child process leaves its section, as JSON.
RESULT_MARK = "KINDRED-BENCH-SECTION "

BENCHMARKS = [
    ("Slash-command latency (bot + fakediscord over loopback)", commands.run),
    ("Courier: paced delivery and crash safety", courier.run),
    ("Reflection scheduler", reflections.run),
    ("Peers: per-member daily DMs at local time, side by side", peers.run),
    ("Events: debriefs when an event with 2,000 members ends", events.run),
    ("Pitch analyzer", pitch.run),
    ("Scale-out: two bot processes on PostgreSQL, one killed", scale.two_process_crash),
    (
        "Load: a burst of 50 writers (and its profile), CPU per command, command latency and "
        "memory with 100,000 members",
        load.run,
    ),
    (
        "Pictures: the community picture of a 10,000-member server, memory with a chart",
        insights.run,
    ),
    ("Coffee pairing: a round for 10,000 members, 2,000 opted in", meet.run),
    ("Past one community: 1,000,000 subscriptions and 10,000 servers", million.run),
]


async def run_one(index: int) -> Section:
    logging.basicConfig(level=logging.WARNING)
    # Injected 429s are the point of the courier benchmark; don't print each retry.
    logging.getLogger("discord.http").setLevel(logging.ERROR)
    title, bench = BENCHMARKS[index]
    section = Section(title=title, command="make bench")
    await bench(section)
    return section


def run_isolated(index: int) -> Section:
    title = BENCHMARKS[index][0]
    print(title, flush=True)
    child = subprocess.run(
        [sys.executable, "-m", "bench", "--only", str(index)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    lines = []
    for line in child.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            lines = json.loads(line.removeprefix(RESULT_MARK))
        else:
            print(line, flush=True)
    if child.returncode != 0 or not lines:
        lines = [*lines, f"FAILED: the benchmark process exited with {child.returncode}"]
    return Section(title=title, command="make bench", lines=lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", type=int, help="run one benchmark (by index) in this process")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short run: smaller workloads where a benchmark has them (KINDRED_BENCH_QUICK=1)",
    )
    parser.add_argument(
        "--update",
        type=int,
        metavar="N",
        help="run benchmark N (by index) again and replace its section in BENCHMARKS.md",
    )
    args = parser.parse_args()
    if args.quick:
        # Read by the benchmarks when imported, and inherited by each one's own process.
        os.environ["KINDRED_BENCH_QUICK"] = "1"
        importlib.reload(million)
        importlib.reload(peers)
    if args.only is not None:
        section = asyncio.run(run_one(args.only))
        print(RESULT_MARK + json.dumps(section.lines), flush=True)
        return 0
    if args.update is not None:
        return update_section(args.update)
    sections = [run_isolated(index) for index in range(len(BENCHMARKS))]
    header = (
        "# Benchmarks\n\n"
        "Written by `make bench` (`python -m bench`); do not edit by hand. Each benchmark runs "
        "in its own Python process.\n\n"
        f"- Run: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, revision {git_revision()}\n"
        f"- Machine: {machine()}\n\n"
        "Timings are wall-clock on a shared machine: read medians and ratios, not single runs.\n\n"
        + (
            "**A quick run** (`--quick`, KINDRED_BENCH_QUICK=1): smaller workloads where a "
            "benchmark has them; run `make bench` for the figures of record.\n\n"
            if os.environ.get("KINDRED_BENCH_QUICK")
            else ""
        )
    )
    (ROOT / "BENCHMARKS.md").write_text(header + "\n".join(s.markdown() for s in sections))
    print(f"wrote {ROOT / 'BENCHMARKS.md'}")
    return 1 if any(line.startswith("FAILED") for s in sections for line in s.lines) else 0


def update_section(index: int) -> int:
    """Benchmark `index` run again, its section in BENCHMARKS.md replaced (and said so: the
    section's command names this run, with its time and revision)."""
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text()
    section = run_isolated(index)
    section.command = (
        f"python -m bench --update {index}; this section alone, run "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC at revision {git_revision()}"
    )
    heading = f"## {section.title}\n"
    if heading not in text:
        text = text.rstrip("\n") + "\n\n" + section.markdown()
    else:
        start = text.index(heading)
        following = text.find("\n## ", start + len(heading))
        # The blank line before the next heading stays.
        rest = "" if following < 0 else "\n" + text[following + 1 :]
        text = text[:start] + section.markdown() + rest
    path.write_text(text)
    print(f"updated {section.title!r} in {path}")
    return 1 if any(line.startswith("FAILED") for line in section.lines) else 0


if __name__ == "__main__":
    sys.exit(main())
