"""Per-member daily DMs at local time, three ways, on one workload.

100,000 subscriptions spread over the IANA zones, a daily time each, 1,000 of them due in
one minute, as in the reflection scheduler's benchmark. Each way runs in its own process (so
memory is its own):

- Kindred: the reflection scheduler's tick over its indexed next-send column.
- APScheduler 3.x as a Python developer would set it up: an AsyncIOScheduler with its
  SQLAlchemy job store on SQLite, one CronTrigger per member in her zone. It runs on real
  time, so its 1,000 due jobs are placed at the next whole minute and timed as they fire.
- The naive `discord.ext.tasks.loop(minutes=1)` that reads every subscription each minute
  and compares each member's local time with her chosen time.

`python -m bench.peers` prints the table; `make bench` writes it to BENCHMARKS.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import Section
from bench.cpu import reference_loop_ms

# KINDRED_BENCH_QUICK=1: a tenth of the workload, for a short try.
SUBSCRIPTIONS = 10_000 if os.environ.get("KINDRED_BENCH_QUICK") else 100_000
DUE = 1_000
MARK = "KINDRED-PEER "


def _rss_mib() -> float:
    with open("/proc/self/statm", encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _zones() -> list[str]:
    from coaching.timezones import zone_entries

    return [entry.key for entry in zone_entries()]


def _local_hhmm(instant: datetime, zone: str) -> tuple[int, int]:
    local = instant.astimezone(ZoneInfo(zone))
    return local.hour, local.minute


# -- Kindred -----------------------------------------------------------------------------------


async def _kindred() -> dict[str, Any]:
    from bench import reflections

    baseline = _rss_mib()
    section = Section(title="", command="")
    began = time.process_time()
    wall = time.perf_counter()
    # The reflection benchmark's own set-up and ticks: the same code path as the bot's.
    await reflections.run(section)
    return {
        "speed_ms": reference_loop_ms(),
        "name": "Kindred (reflection scheduler tick)",
        "lines": section.lines,
        "cpu_s": time.process_time() - began,
        "wall_s": time.perf_counter() - wall,
        "rss_mib": _rss_mib() - baseline,
    }


# -- APScheduler -------------------------------------------------------------------------------

# When each job ran; the job store needs a job's function by name, so it lives up here.
FIRED: list[float] = []
ALL_FIRED: asyncio.Event | None = None


async def send_prompt(member: int) -> None:
    """What each job does: note when it ran (a real bot would queue the DM)."""
    FIRED.append(time.time())
    if len(FIRED) >= DUE and ALL_FIRED is not None:
        ALL_FIRED.set()


async def _apscheduler() -> dict[str, Any]:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.cron import CronTrigger

    baseline = _rss_mib()
    zones = _zones()
    # The jobs run `bench.peers:send_prompt`: under `python -m bench.peers` this module is
    # __main__, a different module object from the one the job store imports.
    module = importlib.import_module("bench.peers")
    fired = module.FIRED
    module.ALL_FIRED = done = asyncio.Event()
    with tempfile.TemporaryDirectory() as tmp:
        scheduler = AsyncIOScheduler(
            jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{tmp}/jobs.db")},
            job_defaults={"misfire_grace_time": 3600, "coalesce": True},
        )
        # Started paused: a running scheduler wakes up for every job added (a callback queued
        # per job, each reading the job store), and 100,000 of those queued before the due
        # minute kept the event loop busy past it, so the measured window below missed the
        # work it was meant to see (it read 0.000 ms per due member on 2026-12-07).
        scheduler.start(paused=True)
        began = time.perf_counter()
        # The members not due in the measured minute: daily times from half an hour on.
        later = datetime.now(UTC) + timedelta(minutes=30)
        for i in range(DUE, SUBSCRIPTIONS):
            zone = zones[i % len(zones)]
            hour, minute = _local_hhmm(later + timedelta(minutes=i // DUE), zone)
            scheduler.add_job(
                "bench.peers:send_prompt",
                CronTrigger(hour=hour, minute=minute, timezone=zone),
                args=[i],
                id=str(i),
            )
        # The 1,000 due at the next whole minute at least 10 s away, each in her own zone.
        now = datetime.now(UTC)
        due_at = (now + timedelta(seconds=70)).replace(second=0, microsecond=0)
        for i in range(DUE):
            zone = zones[i % len(zones)]
            hour, minute = _local_hhmm(due_at, zone)
            scheduler.add_job(
                "bench.peers:send_prompt",
                CronTrigger(hour=hour, minute=minute, timezone=zone),
                args=[i],
                id=str(i),
            )
        setup = time.perf_counter() - began
        rss = _rss_mib() - baseline
        scheduler.resume()
        await asyncio.sleep(max(0.0, due_at.timestamp() - time.time() - 1.0))
        if fired:
            raise RuntimeError("APScheduler ran jobs before the due minute: the bench is wrong")
        cpu_before = time.process_time()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), timeout=due_at.timestamp() + 120 - time.time())
        cpu = time.process_time() - cpu_before
        speed = reference_loop_ms()
        scheduler.shutdown(wait=False)
    late = sorted(t - due_at.timestamp() for t in fired)
    return {
        "speed_ms": speed,
        "name": "APScheduler 3.x (AsyncIOScheduler, SQLAlchemy job store on SQLite)",
        "setup_s": setup,
        "rss_mib": rss,
        "due_found": len(fired),
        "cpu_per_due_ms": cpu / max(1, len(fired)) * 1000,
        "late_median_s": late[len(late) // 2] if late else None,
        "late_max_s": late[-1] if late else None,
    }


# -- The naive loop ----------------------------------------------------------------------------


async def _naive() -> dict[str, Any]:
    from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
    from sqlalchemy.ext.asyncio import create_async_engine

    baseline = _rss_mib()
    zones = _zones()
    start = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp}/naive.db")
        meta = MetaData()
        subs = Table(
            "subscriptions",
            meta,
            Column("member_id", Integer, primary_key=True),
            Column("timezone", String(64)),
            Column("time_of_day", String(5)),
        )
        began = time.perf_counter()
        async with engine.begin() as conn:
            await conn.run_sync(meta.create_all)
            rows = []
            for i in range(SUBSCRIPTIONS):
                zone = zones[i % len(zones)]
                hour, minute = _local_hhmm(start + timedelta(minutes=i // DUE), zone)
                rows.append(
                    {"member_id": i, "timezone": zone, "time_of_day": f"{hour:02}:{minute:02}"}
                )
            await conn.execute(insert(subs), rows)
        setup = time.perf_counter() - began
        rss_setup = _rss_mib() - baseline

        async def one_minute(now: datetime) -> list[int]:
            """The body of `@tasks.loop(minutes=1)`: every subscription, every minute."""
            due = []
            async with engine.connect() as conn:
                for member, zone, chosen in await conn.execute(select(subs)):
                    local = now.astimezone(ZoneInfo(zone))
                    if f"{local.hour:02}:{local.minute:02}" == chosen:
                        due.append(member)
            return due

        durations, cpus, found = [], [], 0
        for minute in range(5):
            now = start + timedelta(minutes=minute)
            cpu = time.process_time()
            wall = time.perf_counter()
            found = len(await one_minute(now))
            durations.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        rss = _rss_mib() - baseline
        speed = reference_loop_ms()
        await engine.dispose()
    durations.sort()
    cpus.sort()
    return {
        "speed_ms": speed,
        "name": "tasks.loop(minutes=1) reading every subscription",
        "setup_s": setup,
        "rss_mib": max(rss, rss_setup),
        "due_found": found,
        "cpu_per_due_ms": cpus[len(cpus) // 2] / max(1, found) * 1000,
        "scan_s": durations[len(durations) // 2],
    }


PEERS = {"kindred": _kindred, "apscheduler": _apscheduler, "naive": _naive}


def _run_peer(name: str) -> dict[str, Any]:
    child = subprocess.run(
        [sys.executable, "-m", "bench.peers", "--peer", name],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in child.stdout.splitlines():
        if line.startswith(MARK):
            return dict(json.loads(line.removeprefix(MARK)))
    return {"name": name, "failed": child.stderr[-2000:]}


async def run(section: Section) -> None:
    section.add(
        f"workload: {SUBSCRIPTIONS:,} daily subscriptions over the IANA zones, {DUE:,} due in "
        "one minute; each way in its own process"
    )
    results = {name: _run_peer(name) for name in PEERS}
    kindred = results["kindred"]
    for line in kindred.get("lines", []):
        if "per due member" in line or "set-up" in line or "median" in line:
            section.add(f"Kindred: {line}")
    per_due = _kindred_per_due(kindred.get("lines", []))
    for name in ("apscheduler", "naive"):
        peer = results[name]
        if "failed" in peer:
            section.add(f"FAILED: {name}: {peer['failed']}")
            continue
        line = (
            f"{peer['name']}: set-up {peer['setup_s']:.1f} s, memory +{peer['rss_mib']:.0f} MiB, "
            f"{peer['due_found']:,} due found, CPU per due member {peer['cpu_per_due_ms']:.3f} ms"
        )
        if per_due:
            line += f" ({peer['cpu_per_due_ms'] / per_due:.0f}x Kindred's {per_due:.3f} ms"
            if peer.get("speed_ms") and kindred.get("speed_ms"):
                # Each way runs minutes apart, and this VM's speed drifts 2-3x: the same
                # fixed loop, timed right after each one's measurement, puts them on one scale.
                same_speed = (peer["cpu_per_due_ms"] / peer["speed_ms"]) / (
                    per_due / kindred["speed_ms"]
                )
                line += (
                    f"; {same_speed:.0f}x at the same machine speed: the fixed loop of "
                    f"bench.cpu.reference_loop_ms took {peer['speed_ms']:.0f} ms right after "
                    f"this one's measurement and {kindred['speed_ms']:.0f} ms after Kindred's"
                )
            line += ")"
        if "late_median_s" in peer and peer["late_median_s"] is not None:
            line += (
                f"; found late by median {peer['late_median_s']:.2f} s, "
                f"max {peer['late_max_s']:.2f} s after the minute"
            )
        if "scan_s" in peer:
            line += (
                f"; one scan takes {peer['scan_s']:.2f} s, so a due member waits for the next "
                "run of the loop (0 to 60 s) plus the scan"
            )
        section.add(line)
    section.add(
        "why: Kindred keeps each member's next send as an indexed UTC instant and reads only "
        "the due rows, in a few multi-row statements; APScheduler's job store unpickles, "
        "reschedules and writes back one job at a time; the loop reads and converts every "
        "subscription every minute"
    )


def _kindred_per_due(lines: list[str]) -> float | None:
    for line in lines:
        if line.startswith("per due member"):
            return float(line.split(":")[1].split("ms")[0])
    return None


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--peer":
        result = asyncio.run(PEERS[sys.argv[2]]())
        print(MARK + json.dumps(result), flush=True)
        return
    section = Section(title="Peers", command="python -m bench.peers")
    asyncio.run(run(section))


if __name__ == "__main__":
    main()
