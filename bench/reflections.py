"""Reflection scheduler: one tick over 100,000 subscriptions in every IANA zone."""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert

from bench.common import Section, job_host, seeded_database, timed_ticks
from coaching.reflections import Schedule, next_send
from coaching.timezones import zone_entries
from cogs.reflections.scheduler import ReflectionScheduler
from kindred.clock import FakeClock
from storage.models import Community, Member, ReflectionSubscription

SUBSCRIPTIONS = 100_000
DUE_PER_TICK = 1000
GUILDS = 40
TICKS = 45
# Ticks until the render cache (pack prompt x community, ~3,000 here) stops missing.
WARM_UP = 20


async def _populate(db: Any, start: datetime) -> None:
    rng = random.Random(7)
    zones = [entry.key for entry in zone_entries()]
    async with db.session() as session:
        await session.execute(
            insert(Community),
            [
                {
                    "guild_id": 10_000 + g,
                    "name": f"Community {g}",
                    "timezone": "UTC",
                    "prompt_time": "09:00",
                    "reflections_enabled": True,
                    "pitch_enabled": True,
                    "thanks_enabled": True,
                    "rolodex_enabled": True,
                    "created_at": start,
                    "updated_at": start,
                }
                for g in range(GUILDS)
            ],
        )
        await session.execute(
            insert(Member),
            [
                {
                    "id": i + 1,
                    "guild_id": 10_000 + i % GUILDS,
                    "user_id": 5_000_000 + i,
                    "reachable": True,
                    "created_at": start,
                    "updated_at": start,
                }
                for i in range(SUBSCRIPTIONS)
            ],
        )
        rows = []
        for i in range(SUBSCRIPTIONS):
            zone = zones[i % len(zones)]
            # Batch k (of 1,000 members) is due k minutes after the start: at a whole minute,
            # as every next send the scheduler stores is (a member's HH:MM in their zone).
            due = start + timedelta(minutes=i // DUE_PER_TICK)
            local = due.astimezone(__import__("zoneinfo").ZoneInfo(zone))
            rows.append(
                {
                    "member_id": i + 1,
                    "guild_id": 10_000 + i % GUILDS,
                    "active": True,
                    "display_name": f"Member {i}",
                    "timezone": zone,
                    "time_of_day": local.strftime("%H:%M"),
                    "days": 0b1111111,
                    "cadence": "daily",
                    "next_send_at": due,
                    "next_send_on": local.date(),
                    "prompts_sent": rng.randint(0, 200),
                    "unanswered": 0,
                    "created_at": start,
                    "updated_at": start,
                }
            )
        await session.execute(insert(ReflectionSubscription), rows)


async def run(section: Section) -> None:
    start = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)
    what = f"{SUBSCRIPTIONS:,} subscriptions over {len(zone_entries())} IANA zones"
    async with seeded_database(section, what, lambda db: _populate(db, start)) as db:
        clock = FakeClock(start)
        bot = job_host(db, clock, settings=SimpleNamespace(reflection_catchup_hours=3.0))
        scheduler = ReflectionScheduler(bot)
        durations, handled = await timed_ticks(
            db,
            clock,
            scheduler.tick,
            [start + timedelta(minutes=tick, seconds=59) for tick in range(TICKS)],
        )
    # The first ticks also fill the rendering caches (pack prompt x community); a running
    # bot has them warm, so the steady-state median is over the later ticks.
    steady = durations[WARM_UP:]
    median = statistics.median(steady)
    section.add(
        f"one tick finding and enqueueing {handled[0]:,} due prompts (journal entry + outbox "
        f"row + next send time each): median {median * 1000:.1f} ms over {len(steady)} warm "
        f"ticks (min {min(steady) * 1000:.1f}, max {max(steady) * 1000:.1f}); "
        f"first tick (cold caches) {durations[0] * 1000:.1f} ms; SQLite's log checkpointed "
        "between ticks, as the bot's background task does"
    )
    section.add(f"per due member, excluding Discord: {median / handled[0] * 1000:.3f} ms")
    # The pure schedule maths alone, for reference.
    schedule = Schedule("America/New_York", datetime(2026, 1, 1, 8, 30).time())
    began = time.perf_counter()
    for _ in range(10_000):
        next_send(start, schedule)
    section.add(
        f"next_send() alone: {(time.perf_counter() - began) / 10_000 * 1e6:.1f} µs per call"
    )
