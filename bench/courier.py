"""Courier figures: delivery rate against the pacing bound, and the long crash run."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench.common import Section
from kindred.clock import SystemClock
from testing.courier import add_people, enqueue_dms, members_for
from testing.crash import run_crash_scenario
from testing.harness import Harness

PACED_MESSAGES = 1000
CRASH_MESSAGES = 5000
CRASH_THANKS = 500
CRASH_KILLS = 10
CRASH_RATE = 100


async def run(section: Section) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # Real time and Discord's global limit: this measures the pacing itself.
        harness = Harness(Path(tmp), clock=SystemClock(), global_rate_limit=50)
        await harness.start()
        try:
            assert harness.settings is not None
            rate = harness.settings.courier_max_per_second
            server = await harness.new_server()
            people = await add_people(harness, server.guild, PACED_MESSAGES, prefix="bench")
            ids = await members_for(harness, server.id, people, cache_dm_channel=True)
            await asyncio.sleep(0.3)
            harness.fd.inject_faults(rate_429=0.2, rate_5xx=0.01, seed=3)
            started = time.monotonic()
            await enqueue_dms(harness, server.id, list(ids.values()), key="bench")
            await harness.fd.wait_for(
                lambda: all(harness.fd.dms_to(u) for u in people), timeout=PACED_MESSAGES
            )
            elapsed = time.monotonic() - started
            harness.fd.inject_faults()
            bound = PACED_MESSAGES / rate
            duplicates = sum(1 for u in people if len(harness.fd.dms_to(u)) > 1)
            section.add(
                f"{PACED_MESSAGES} DMs at COURIER_MAX_PER_SECOND={rate:g} with 20% injected 429s "
                f"and 1% 5xx: {elapsed:.1f} s, {PACED_MESSAGES / elapsed:.1f} DMs/s; "
                f"ratio to the pacing bound ({bound:.0f} s) {elapsed / bound:.3f}; "
                f"duplicates {duplicates}"
            )
        finally:
            await harness.stop()
    with tempfile.TemporaryDirectory() as tmp:
        outcome = await run_crash_scenario(
            Path(tmp),
            messages=CRASH_MESSAGES,
            kills=CRASH_KILLS,
            rate=CRASH_RATE,
            thanks=CRASH_THANKS,
            kill_after=(0.5, 4.0),
        )
        section.add(
            f"crash run: {CRASH_MESSAGES} DMs at {CRASH_RATE}/s and {CRASH_THANKS} thank-you "
            "posts in one channel (its 5-per-5-s window scaled 20x shorter), each followed by "
            f"a DM to the thanked member; bot SIGKILLed {CRASH_KILLS} times (DMs delivered at "
            f"each kill: {outcome.delivered_at_each_kill}; posts out: "
            f"{outcome.posted_at_each_kill}); DMs missing {len(outcome.missing)}, duplicated "
            f"{len(outcome.duplicates)}; thank-yous never posted {len(outcome.never_posted)}, "
            f"posted twice {len(outcome.posted_twice)}, record without its post's link "
            f"{len(outcome.unlinked)}, thanked member told twice {len(outcome.told_twice)} or "
            f"never {len(outcome.never_told)}; outbox states {outcome.states}, "
            f"{outcome.seconds:.1f} s in all"
        )
