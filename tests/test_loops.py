"""The background loop and the courier's pacer, on a clock the test moves."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from cogs.courier import Pacer
from kindred.clock import FakeClock
from kindred.loops import BackgroundLoop, Job, Next, Upcoming

START = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


async def until(condition: Callable[[], bool], timeout: float = 2.0) -> None:  # noqa: ASYNC109
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 (polling what the loop does on its own)
            await asyncio.sleep(0.001)


async def test_a_loop_sleeps_until_its_next_work_or_a_wake_up() -> None:
    clock = FakeClock(START)
    runs: list[datetime] = []

    async def step() -> Upcoming:
        # Work is due at 09:00, then at 10:00.
        runs.append(clock.now())
        nine = START + timedelta(hours=1)
        return nine if clock.now() < nine else nine + timedelta(hours=1)

    loop = BackgroundLoop(
        "test", clock, step, retry_after=timedelta(seconds=5), log=logging.getLogger()
    )
    loop.start()
    try:
        await until(lambda: loop.idle)
        assert runs == [START]
        await clock.advance(timedelta(minutes=59))
        await asyncio.sleep(0.01)
        assert runs == [START] and loop.idle  # nothing due yet: no step
        loop.wake()
        assert not loop.idle
        await until(lambda: len(runs) == 2 and loop.idle)
        await clock.advance(timedelta(minutes=1))  # its time
        await until(lambda: len(runs) == 3 and loop.idle)
    finally:
        await loop.stop()
    assert loop.idle  # a stopped loop waits for nothing


async def test_a_full_batch_runs_again_at_once() -> None:
    clock = FakeClock(START)
    batches = [Next.NOW, Next.NOW, None]

    async def step() -> Upcoming:
        return batches.pop(0)

    loop = BackgroundLoop(
        "test", clock, step, retry_after=timedelta(seconds=5), log=logging.getLogger()
    )
    loop.start()
    try:
        await until(lambda: not batches and loop.idle)
    finally:
        await loop.stop()


async def test_a_failing_step_is_logged_and_tried_again_after_a_pause_on_the_clock(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock(START)
    attempts = 0

    async def step() -> Upcoming:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("the database went away")
        return None

    loop = BackgroundLoop(
        "flaky", clock, step, retry_after=timedelta(seconds=5), log=logging.getLogger("t")
    )
    loop.start()
    try:
        await until(lambda: attempts == 1 and loop.idle)
        assert "flaky failed; retrying in 5 s" in caplog.text
        await clock.advance(timedelta(seconds=5))
        await until(lambda: attempts == 2 and loop.idle)
    finally:
        await loop.stop()


async def test_the_pacer_spaces_starts_on_the_clock() -> None:
    clock = FakeClock(START)
    pacer = Pacer(4, clock)  # a start every 250 ms
    assert await pacer.acquire() == START
    second = asyncio.ensure_future(pacer.acquire())
    third = asyncio.ensure_future(pacer.acquire())
    await asyncio.sleep(0.01)
    assert not second.done() and not third.done()
    await clock.advance(timedelta(milliseconds=250))
    assert await second == START + timedelta(milliseconds=250)
    await asyncio.sleep(0.01)
    assert not third.done()
    await clock.advance(timedelta(milliseconds=250))
    assert await third == START + timedelta(milliseconds=500)
    # A quiet spell: the next start goes at once.
    await clock.advance(timedelta(seconds=10))
    assert await pacer.acquire() == clock.now()


class SetBackClock:
    """A wall clock someone can set back; its sleeps pass at once."""

    def __init__(self) -> None:
        self.at = START

    def now(self) -> datetime:
        return self.at

    async def sleep_until(self, when: datetime) -> None:
        self.at = max(self.at, when)


async def test_the_pacer_forgets_slots_booked_before_the_clock_was_set_back() -> None:
    clock = SetBackClock()
    pacer = Pacer(1, clock)
    assert await pacer.acquire() == START
    clock.at = START - timedelta(hours=1)
    # The next slot would be an hour and a second away: it starts now instead.
    assert await pacer.acquire() == START - timedelta(hours=1)


async def test_the_harness_clock_lets_short_waits_pass_and_nothing_else() -> None:
    clock = FakeClock(START, short_waits_pass=timedelta(seconds=1))
    await clock.sleep_until(START + timedelta(milliseconds=400))
    assert clock.now() == START + timedelta(milliseconds=400)
    long_wait = asyncio.ensure_future(clock.sleep_until(START + timedelta(minutes=1)))
    await asyncio.sleep(0.01)
    assert not long_wait.done() and clock.now() == START + timedelta(milliseconds=400)
    await clock.advance(timedelta(minutes=1))
    await long_wait


class _CountingJob(Job):
    """A job whose work is due at `due` (None: none), counting its reads and ticks."""

    name = "counting"
    log = logging.getLogger("test")
    ask_first = True

    def __init__(self, bot: Any, due: datetime | None) -> None:
        super().__init__(bot)
        self.due = due
        self.reads = 0
        self.ticks = 0

    async def next_due(self) -> datetime | None:
        self.reads += 1
        return self.due

    async def tick(self) -> int:
        self.ticks += 1
        self.due = None
        return 1


def _job_host(clock: FakeClock) -> SimpleNamespace:
    """What a Job asks of the bot: its clock and a loop (kindred.bot.KindredBot.new_loop)."""
    return SimpleNamespace(
        clock=clock,
        new_loop=lambda name, step, *, retry_after, log: BackgroundLoop(
            name, clock, step, retry_after=retry_after, log=log
        ),
        start_loop=lambda loop: loop.start(),
        stop_loop=lambda loop: loop.stop(),
    )


async def test_a_job_woken_for_later_work_sleeps_on_and_ticks_only_when_due() -> None:
    clock = FakeClock(START)
    job = _CountingJob(_job_host(clock), START + timedelta(hours=1))
    job.start()
    try:
        await until(lambda: job.loop.idle)
        # Asked first: nothing due yet, so no tick (no write unit) at start.
        assert (job.reads, job.ticks) == (1, 0)
        job.wake_for(START + timedelta(hours=2))  # after its 09:00: it looks then anyway
        job.wake_for(None)  # no work added
        await asyncio.sleep(0.01)
        assert job.loop.idle and job.reads == 1
        job.due = START + timedelta(minutes=30)
        job.wake_for(job.due)  # sooner than it knew: woken, reads, still nothing due
        await until(lambda: job.reads == 2 and job.loop.idle)
        assert job.ticks == 0
        await clock.advance(timedelta(minutes=30))
        await until(lambda: job.ticks == 1 and job.loop.idle)
    finally:
        await job.stop()
