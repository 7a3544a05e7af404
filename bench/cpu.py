"""Bot CPU per slash command (issue 22): the common commands, one at a time, against the bot
as its own process (`python bot.py run`), each type's CPU read from /proc/<pid>/stat.

The bot process's utime + stime (every thread: the event loop, aiosqlite's, discord.py's
keep-alive) is read before and after `ROUNDS` commands of one type, issued one after another
by different members, each waited for; the difference over the count is that type's CPU per
command. /rolodex add counts its form too (one command is the command and its submit). The
thank-you posts queued by /thanks give go out at the channel's pace (5 per 5 s) during the
later types' runs, so /thanks give is measured last and its posts are not in its own figure.

`python -m bench.load cpu` runs it alone.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import Section, git_revision
from fakediscord import FakeDiscord, Interaction
from fakediscord.models import Guild, User

ROUNDS = 100
WARM_UP = 5  # commands of each type before the measured ones: imports, template compiles
# The figure this issue set out to divide by three: measured on the code before the work on
# the burst (revision, date), by this same bench (median over the types below).
BASELINE_REVISION = "2734ca6"
BASELINE_DATE = "2026-12-07"
# Median of 17 runs (7.3-13.2 ms: the machine was shared with other benchmarks).
BASELINE_CPU_MS_PER_COMMAND: float | None = 9.5
BASELINE_BY_TYPE: dict[str, float] = {
    "/pitchcheck text": 7.0,
    "/reflections start": 12.9,
    "/reflections now": 8.0,
    "/rolodex add + form": 14.2,
    "/reflections journal": 11.1,
    "/rolodex search": 5.4,
    "/thanks received": 5.1,
    "/thanks give": 12.6,
}


@dataclass(frozen=True)
class CommandKind:
    label: str
    command: str
    options: Callable[[int, list[User]], dict[str, Any]]  # member index, all members
    form: bool = False  # answered with a form, submitted at once


def _pitch(index: int, _members: list[User]) -> dict[str, Any]:
    return {
        "text": f"Hi, I'm member {index}. I just moved here and would love to hear what "
        "brought you to the meetup."
    }


def _start(index: int, _members: list[User]) -> dict[str, Any]:
    return {"time": f"{6 + index % 12:02d}:{(index * 7) % 60:02d}"}


def _contact(index: int, _members: list[User]) -> dict[str, Any]:
    return {"name": f"Contact of member {index}"}


def _thanks(index: int, members: list[User]) -> dict[str, Any]:
    receiver = members[(index + 1) % len(members)]
    return {
        "member": receiver,
        "kind": "advice",
        "story": f"Member {index} says: {receiver.name} helped me with the plan.",
    }


def _none(_index: int, _members: list[User]) -> dict[str, Any]:
    return {}


# The commands a member uses most (the burst's five and the three readers of what they wrote),
# in the order measured: the readers after the writers, so they have rows to read.
KINDS: tuple[CommandKind, ...] = (
    CommandKind("/pitchcheck text", "pitchcheck text", _pitch),
    CommandKind("/reflections start", "reflections start", _start),
    CommandKind("/reflections now", "reflections now", _none),
    CommandKind("/rolodex add + form", "rolodex add", _contact, form=True),
    CommandKind("/reflections journal", "reflections journal", _none),
    CommandKind("/rolodex search", "rolodex search", lambda *_: {"query": "contact"}),
    CommandKind("/thanks received", "thanks received", _none),
    CommandKind("/thanks give", "thanks give", _thanks),
)
# The lightest command, measured apart (not in the median): a template and the DM check every
# interaction makes, so what is left is discord.py, the reply's HTTP hop and the dispatch.
FLOOR = CommandKind("/kindred help", "kindred help", _none)


@dataclass
class KindResult:
    kind: CommandKind
    cpu_ms: float  # per command
    latencies: list[float]  # seconds, fakediscord's send -> callback (the form's too)
    unanswered: int


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process and of its live child processes (the bot's drawing
    process draws the journal's calendar: its CPU is the command's too)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    seconds = ticks / os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                with contextlib.suppress(OSError):
                    seconds += cpu_seconds(int(child))
    return seconds


async def _answered(fd: FakeDiscord, ix: Interaction) -> bool:
    try:
        await fd.wait_for(lambda: ix.acknowledged or ix.rejected, timeout=15, interval=0.5)
    except TimeoutError:
        return False
    return ix.acknowledged


async def _submit(fd: FakeDiscord, user: User, opened: Interaction) -> Interaction:
    assert opened.modal is not None
    values: dict[str, Any] = {}
    for row in opened.modal["components"]:
        for component in [row["component"]] if "component" in row else row["components"]:
            if component.get("type") == 4:  # text inputs get a line
                values[component["custom_id"]] = "Met at the CPU bench"
    return await fd.submit_modal(user, opened, values=values)


async def _one(
    fd: FakeDiscord, guild: Guild, channel: Any, kind: CommandKind, user: User, options: dict
) -> tuple[list[float], bool]:
    ix = await fd.slash(user, kind.command, options=options, guild=guild, channel=channel)
    if not await _answered(fd, ix):
        return [], False
    answers = [ix]
    if kind.form:
        if ix.modal is None:
            return [], False
        submitted = await _submit(fd, user, ix)
        if not await _answered(fd, submitted):
            return [], False
        answers.append(submitted)
    return [a.response_latency for a in answers if a.response_latency is not None], True


async def measure(
    world: Any,
    guild: Guild,
    channel: Any,
    members: list[User],
    pid: int,
    rounds: int,
    kinds: tuple[CommandKind, ...] = KINDS,
) -> list[KindResult]:
    fd = world.fd
    results = []
    for kind in kinds:
        for index in range(WARM_UP):
            user = members[-1 - index]
            await _one(
                fd, guild, channel, kind, user, kind.options(len(members) - 1 - index, members)
            )
        latencies: list[float] = []
        unanswered = 0
        before = cpu_seconds(pid)
        for index in range(rounds):
            user = members[index % len(members)]
            taken, ok = await _one(fd, guild, channel, kind, user, kind.options(index, members))
            latencies.extend(taken)
            unanswered += not ok
        used = cpu_seconds(pid) - before
        results.append(KindResult(kind, used * 1000 / rounds, latencies, unanswered))
    return results


def reference_loop_ms() -> float:
    """CPU time of a fixed piece of pure Python (adding up numbers, filling a dict): this VM's
    speed drifts (the same loop took 0.73-1.19 s within minutes on 2026-12-07), so each run
    says how fast the machine was while it measured."""
    began = time.process_time()
    total, seen = 0, {}
    for number in range(1_000_000):
        total += number
        seen[number & 1023] = total
    return (time.process_time() - began) * 1000


def cpu_lines(
    section: Section,
    results: list[KindResult],
    rounds: int,
    idle: float,
    speed: list[float] | None = None,
    floor: KindResult | None = None,
) -> None:
    median = statistics.median(r.cpu_ms for r in results)
    section.add(
        f"bot CPU per slash command (utime+stime of the bot process and its drawing process "
        f"from /proc/<pid>/stat, all their threads, over {rounds} commands of each type one "
        f"at a time by {rounds} "
        f"different members, after {WARM_UP} unmeasured ones; the idle bot used "
        f"{idle * 1000:.1f} ms of CPU per second, included): "
        + "; ".join(
            f"{r.kind.label} {r.cpu_ms:.1f} ms"
            + (
                f" (was {BASELINE_BY_TYPE[r.kind.label]:.1f})"
                if r.kind.label in BASELINE_BY_TYPE
                else ""
            )
            + (f", {r.unanswered} unanswered" if r.unanswered else "")
            for r in results
        )
    )
    latencies = sorted(v for r in results for v in r.latencies)
    line = f"median over the {len(results)} types: {median:.1f} ms of CPU per command"
    if BASELINE_CPU_MS_PER_COMMAND is not None:
        line += (
            f"; before this work ({BASELINE_REVISION}, measured {BASELINE_DATE} with this "
            f"bench): {BASELINE_CPU_MS_PER_COMMAND:.1f} ms, so "
            f"{median / BASELINE_CPU_MS_PER_COMMAND:.2f} of it (the goal: at most a third)"
        )
    if latencies:
        line += (
            f"; these interactions' round trips (one at a time): median "
            f"{statistics.median(latencies) * 1000:.1f} ms"
        )
    if speed:
        line += (
            f"; the machine's speed meanwhile (bench.cpu.reference_loop_ms, a fixed Python loop, "
            f"before and after): {speed[0]:.0f} and {speed[-1]:.0f} ms of CPU; on a slow stretch "
            "every figure here grows with it, so compare A/B runs made by turns"
        )
    section.add(line + f"; revision {git_revision()}")
    if floor is not None:
        section.add(
            f"the lightest command, {floor.kind.label} (a template, and no database work but "
            f"the DM check every interaction makes), measured the same way: "
            f"{floor.cpu_ms:.1f} ms of CPU: what any command costs before its own work "
            f"(discord.py's parsing and dispatch, the reply's HTTP request, the DM check); the "
            f"burst's median goal (50 ms, with 50 members each "
            f"waiting for her answer) needs 1,000 answers a second (Little's law: 50 in flight "
            f"/ 50 ms), about 1 ms of CPU per interaction with everything in it, so on this "
            f"machine's one core this floor alone is {floor.cpu_ms:.1f} ms of it"
        )
