"""Coffee pairing: a round for a server of 10,000 members with 2,000 opted in.

- The matching alone (`coaching.meet.match`, pure Python, one core): 2,000 members over a
  dozen time zones, most with a card, partners of the last four rounds and a few hundred
  "not with" choices ruled out; pairs and trios.
- The whole round in the real bot against fakediscord, on the system clock: who is eligible,
  the gateway's check of who is still in the server, the matching, and one unit of work
  writing the round, its matches and 4,000 outbox rows (a DM and a check-in each).
- Delivery of the 2,000 round DMs at the courier's pace (COURIER_MAX_PER_SECOND, Discord's
  global limit of 50/s in fakediscord), against the pacing bound.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.common import Section
from coaching.meet import PAIRS, TRIOS, Candidate, keywords, match, pairs_of
from kindred.clock import SystemClock
from storage import meet as store
from storage.models import MeetMatchMember, MeetRound
from testing.courier import add_people
from testing.harness import Harness
from testing.meet import seed_community

MEMBERS = 10_000
OPTED_IN = 2_000
ZONES = [
    "America/Los_Angeles", "America/Chicago", "America/New_York", "America/Sao_Paulo",
    "Europe/London", "Europe/Berlin", "Europe/Lisbon", "Africa/Lagos", "Asia/Kolkata",
    "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney",
]  # fmt: skip
OFFSETS = [-480, -360, -300, -180, 0, 60, 0, 60, 330, 480, 540, 600]
WORDS = (
    "pottery sourdough climbing pricing bookkeeping design branding hiring sailing choir "
    "poetry gardening python marketing investors podcasting running knitting mentoring "
    "photography coaching nonprofit retail fundraising negotiation wellness travel parenting "
    "ceramics copywriting"
).split()
REPEAT_ROUNDS = 4
NOT_WITH = 300
RUNS = 5


def candidates(seed: int = 11) -> list[Candidate]:
    rng = random.Random(seed)
    people = []
    for member in range(1, OPTED_IN + 1):
        if rng.random() < 0.2:  # no card
            people.append(Candidate(member, OFFSETS[member % len(OFFSETS)]))
            continue
        people.append(
            Candidate(
                member,
                OFFSETS[member % len(OFFSETS)],
                topics=keywords(" ".join(rng.sample(WORDS, rng.randint(1, 4)))),
                offers=keywords(" ".join(rng.sample(WORDS, rng.randint(0, 2)))),
                wants=keywords(" ".join(rng.sample(WORDS, rng.randint(0, 2)))),
            )
        )
    return people


def pure_matching(section: Section) -> None:
    people = candidates()
    rng = random.Random(3)
    recent: set[tuple[int, int]] = set()
    for past in range(REPEAT_ROUNDS):
        for group in match(people, seed=past, recent=recent).groups:
            recent.update(pairs_of(group))
    avoid = {
        (a, b) for a, b in ((rng.randint(1, OPTED_IN), rng.randint(1, OPTED_IN))
                            for _ in range(NOT_WITH)) if a < b
    }  # fmt: skip
    for size, label in ((PAIRS, "pairs"), (TRIOS, "trios")):
        durations = []
        plan = None
        for run in range(RUNS):
            began = time.process_time()
            plan = match(people, group_size=size, avoid=avoid, recent=recent, seed=100 + run)
            durations.append(time.process_time() - began)
        assert plan is not None
        offsets = {c.id: c.offset for c in people}
        spread = statistics.mean(
            max(offsets[m] for m in g) - min(offsets[m] for m in g) for g in plan.groups
        )
        section.add(
            f"matching {OPTED_IN:,} members in {label} (pure Python, one core, CPU time), "
            f"{len(recent):,} recent pairs and {len(avoid)} 'not with' ruled out: median "
            f"{statistics.median(durations) * 1000:.0f} ms of {RUNS} (max "
            f"{max(durations) * 1000:.0f} ms); {len(plan.groups)} groups, "
            f"{len(plan.unmatched)} left out; mean time-zone spread in a group "
            f"{spread / 60:.1f} h"
        )


async def whole_round(section: Section) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # Real time and Discord's global limit: delivery is measured against the pacing.
        harness = Harness(Path(tmp), clock=SystemClock(), global_rate_limit=50)
        await harness.start()
        try:
            assert harness.bot is not None and harness.db is not None
            bot = harness.bot
            meet = bot.meet
            assert meet is not None
            await meet.rounds.stop()  # the round is run below, by hand, to time it
            server = await harness.new_server(members=())
            began = time.perf_counter()
            people = await add_people(harness, server.guild, MEMBERS, prefix="m")
            await seed_community(
                harness, server.id, people, opted_in=OPTED_IN, zones=ZONES, words=WORDS
            )
            now = bot.clock.now()
            async with harness.db.session() as session:
                settings = await store.ensure_settings(session, server.id, now=now)
                await store.update_settings(session, settings, now=now, enabled=True)
                settings.next_round_at = now
                settings.next_round_on = settings.next_slot_on = now.date()
            section.add(
                f"set-up: {MEMBERS:,} members in fakediscord and the database, {OPTED_IN:,} "
                f"opted in, in {time.perf_counter() - began:.1f} s"
            )
            # The write alone (SQLite's one lock is held for it), timed inside the round.
            writes: list[float] = []
            record = meet.rounds._record

            async def timed_record(*args: Any, **kwargs: Any) -> None:
                started = time.perf_counter()
                await record(*args, **kwargs)
                writes.append(time.perf_counter() - started)

            meet.rounds._record = timed_record  # type: ignore[method-assign]
            began = time.perf_counter()
            reached = await meet.rounds.run_round(server.id, bot.clock.now())
            tick = time.perf_counter() - began
            async with harness.db.read() as session:
                rounds = await session.scalar(select(func.count()).select_from(MeetRound))
                placed = await session.scalar(select(func.count()).select_from(MeetMatchMember))
            section.add(
                f"the whole round in the bot: {reached:,} members checked with the gateway "
                f"(by id, 100 at a time), matched, and written with 4,000 outbox rows in one "
                f"unit of work: {tick:.2f} s, of which the write (SQLite's lock held) "
                f"{writes[0]:.2f} s (rounds {rounds}, members placed {placed:,})"
            )
            started = time.monotonic()
            opted = people[:OPTED_IN]
            await harness.fd.wait_for(
                lambda: sum(1 for user in opted if harness.fd.dms_to(user)) == OPTED_IN,
                timeout=OPTED_IN,
                interval=0.5,
            )
            elapsed = time.monotonic() - started
            assert harness.settings is not None
            rate = harness.settings.courier_max_per_second
            bound = OPTED_IN / rate
            duplicates = sum(1 for user in opted if len(harness.fd.dms_to(user)) > 1)
            section.add(
                f"delivery of the {OPTED_IN:,} round DMs (card embeds, starter questions) at "
                f"COURIER_MAX_PER_SECOND={rate:g}: {elapsed:.1f} s, {OPTED_IN / elapsed:.1f} "
                f"DMs/s; ratio to the pacing bound ({bound:.0f} s) {elapsed / bound:.3f}; "
                f"duplicates {duplicates}; check-ins wait for their day (in "
                f"{timedelta(days=4).days} days)"
            )
        finally:
            await harness.stop()


async def run(section: Section) -> None:
    pure_matching(section)
    await asyncio.sleep(0)
    await whole_round(section)
