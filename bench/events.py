"""Events: an event with 2,000 interested, opted-in members ends; one scheduler tick queues
every debrief DM (before the courier paces them out)."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, insert, select

from bench.common import Section, job_host, seeded_database, timed_ticks
from coaching.events import INTENTIONS
from coaching.shards import EVERY_SERVER
from cogs.events.scheduler import EventScheduler
from kindred.clock import FakeClock
from storage.models import (
    Community,
    Event,
    EventAttendee,
    EventPreference,
    Member,
    OutboxMessage,
)

MEMBERS = 2000
EVENTS = 12  # one ends each minute: one tick each
WARM_UP = 2
GUILD = 10_000


async def _populate(db: Any, start: datetime) -> None:
    rng = random.Random(11)
    async with db.session() as session:
        await session.execute(
            insert(Community),
            [
                {
                    "guild_id": GUILD,
                    "name": "Big Meetup",
                    "timezone": "Europe/Lisbon",
                    "prompt_time": "09:00",
                    "created_at": start,
                    "updated_at": start,
                }
            ],
        )
        await session.execute(
            insert(Member),
            [
                {
                    "id": i + 1,
                    "guild_id": GUILD,
                    "user_id": 5_000_000 + i,
                    "reachable": True,
                    "created_at": start,
                    "updated_at": start,
                }
                for i in range(MEMBERS)
            ],
        )
        await session.execute(
            insert(EventPreference),
            [{"member_id": i + 1, "notify": True, "updated_at": start} for i in range(MEMBERS)],
        )
        for number in range(EVENTS):
            # Event k ends k minutes after the start (its debriefs are due then).
            ends = start + timedelta(minutes=number)
            event = (
                await session.execute(
                    insert(Event).returning(Event.id),
                    [
                        {
                            "guild_id": GUILD,
                            "discord_event_id": 900_000 + number,
                            "name": f"Monthly breakfast #{number}",
                            "location": "Café Lua",
                            "starts_at": ends - timedelta(hours=2),
                            "ends_at": ends,
                            "status": "active",
                            "debrief_due_at": ends,
                            "created_at": start,
                            "updated_at": start,
                        }
                    ],
                )
            ).scalar_one()
            await session.execute(
                insert(EventAttendee),
                [
                    {
                        "event_id": event,
                        "member_id": i + 1,
                        "display_name": f"Member {i}",
                        "interested": True,
                        "intention": rng.choice([None, *INTENTIONS]),
                        "skipped": False,
                        "created_at": start,
                        "updated_at": start,
                    }
                    for i in range(MEMBERS)
                ],
            )


async def run(section: Section) -> None:
    start = datetime(2026, 11, 5, 21, 0, tzinfo=UTC)
    what = f"{EVENTS} events with {MEMBERS:,} interested, opted-in members each"
    async with seeded_database(section, what, lambda db: _populate(db, start)) as db:
        clock = FakeClock(start)
        bot = job_host(db, clock, ownership=EVERY_SERVER)
        scheduler = EventScheduler(bot, SimpleNamespace(reconcile_wanted=False))  # type: ignore[arg-type]
        # Event k's debriefs are due k minutes after the start.
        durations, queued = await timed_ticks(
            db,
            clock,
            scheduler.tick,
            [start + timedelta(minutes=number, seconds=30) for number in range(EVENTS)],
        )
        async with db.read() as session:
            rows = await session.scalar(
                select(func.count()).where(OutboxMessage.purpose == "event_debrief")
            )
    steady = durations[WARM_UP:]
    median = statistics.median(steady)
    section.add(
        f"one tick queueing an ended event's {queued[0]:,} debrief DMs (an outbox row each, "
        f"her intention shown back): median {median * 1000:.1f} ms over "
        f"{len(steady)} ticks (min {min(steady) * 1000:.1f}, max {max(steady) * 1000:.1f}); "
        f"first tick {durations[0] * 1000:.1f} ms; goal: well under 100 ms"
    )
    section.add(
        f"outbox rows queued: {rows:,} for {EVENTS} events x {MEMBERS:,} members "
        f"({'all' if rows == EVENTS * MEMBERS else 'NOT all'}); the courier then sends them "
        "at COURIER_MAX_PER_SECOND"
    )
