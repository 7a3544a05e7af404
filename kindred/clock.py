"""Every "now" in Kindred comes from a Clock, so tests and the sandbox can move time."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...

    async def sleep_until(self, when: datetime) -> None:
        """Return at `when` (or soon after); callers re-check their work when it returns."""
        ...


# How long a scheduler sleeps at most before it looks at the database again, even when nothing
# woke it: a row due sooner written by another process (several processes, `db copy`) is
# noticed within this.
IDLE_RECHECK_SECONDS = 60.0


async def sleep_until_due_or_woken(
    clock: Clock,
    due: datetime | None,
    *events: asyncio.Event,
    recheck: float = IDLE_RECHECK_SECONDS,
) -> None:
    """Return when `due` comes by `clock`, when one of `events` is set, or after `recheck`
    seconds, whichever is first; the caller then looks at its work again."""
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    if due is not None:
        waits.append(asyncio.ensure_future(clock.sleep_until(due)))
    try:
        await asyncio.wait(waits, timeout=recheck, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waits:
            waiter.cancel()


class SystemClock:
    """Wall-clock time."""

    # Long sleeps are cut into slices so a suspended laptop or a clock jump is noticed.
    max_slice = 60.0

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        delay = (when - self.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(min(delay, self.max_slice))


class FakeClock:
    """A clock that only moves when told to; sleepers wake when it passes their time.

    With `short_waits_pass`, a sleeper that wants to wait no longer than that moves the clock
    itself: the courier's pacing (a fraction of a second per message) then costs clock time,
    not real time, and never stalls a test that doesn't move the clock. Every schedule is
    minutes or more ahead, so it still waits to be told.
    """

    def __init__(
        self, start: datetime | None = None, *, short_waits_pass: timedelta | None = None
    ) -> None:
        start = start or datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._moved = asyncio.Condition()
        self.short_waits_pass = short_waits_pass

    def now(self) -> datetime:
        return self._now

    async def sleep_until(self, when: datetime) -> None:
        if self.short_waits_pass is not None and when - self._now <= self.short_waits_pass:
            await self.set(when)
            return
        async with self._moved:
            await self._moved.wait_for(lambda: self._now >= when)

    async def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        async with self._moved:
            self._now = max(self._now, when.astimezone(UTC))
            self._moved.notify_all()
        # Let woken tasks run before the caller looks at the outcome.
        for _ in range(3):
            await asyncio.sleep(0)

    async def advance(self, delta: timedelta) -> None:
        await self.set(self._now + delta)


class ShiftableClock:
    """Real time plus an offset the sandbox can push forward (`:time +1d`).

    Sleepers wake early when the offset moves, so scheduled work shows up at once.
    """

    def __init__(self) -> None:
        self._offset = timedelta()
        self._shifted = asyncio.Event()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    async def sleep_until(self, when: datetime) -> None:
        delay = (when - self.now()).total_seconds()
        if delay <= 0:
            return
        shifted = self._shifted
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(shifted.wait(), timeout=min(delay, SystemClock.max_slice))

    async def advance(self, delta: timedelta) -> None:
        if delta < timedelta():
            raise ValueError("time only moves forward")
        self._offset += delta
        shifted, self._shifted = self._shifted, asyncio.Event()
        shifted.set()
        for _ in range(3):
            await asyncio.sleep(0)
