"""The background loop every scheduled job runs on: the courier, the reflection scheduler,
the Rolodex's stay-in-touch reminders and the thanks digest.

A job is one coroutine, its step: it does what is due and says when it next has work. The
loop runs the step, then sleeps on the injected Clock until then, until someone wakes it
(after writing work that may be due sooner), or at most IDLE_RECHECK_SECONDS; a failing step
is logged and tried again after `retry_after`. Tests and the sandbox move the clock, and
`idle` tells them when every job has caught up.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar, Literal

from kindred.clock import Clock, sleep_until_due_or_woken

if TYPE_CHECKING:
    from kindred.bot import KindredBot


class Next(enum.Enum):
    NOW = "now"  # more work is waiting: run the step again at once


# What a step returns: when it next has work (None: only when woken), or Next.NOW.
Upcoming = datetime | Literal[Next.NOW] | None


class BackgroundLoop:
    def __init__(
        self,
        name: str,
        clock: Clock,
        step: Callable[[], Awaitable[Upcoming]],
        *,
        retry_after: timedelta,
        log: logging.Logger,
        before: Callable[[], Awaitable[object]] | None = None,
        busy: Callable[[], bool] | None = None,
    ) -> None:
        """`before` runs once when the loop starts (the bot's `wait_until_ready`); `busy`
        says whether work the step started elsewhere is still going (the courier's
        deliveries)."""
        self.name = name
        self.clock = clock
        self.step = step
        self.retry_after = retry_after
        self.log = log
        self.before = before
        self.busy = busy
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._asleep_until: datetime | Literal[Next.NOW] | None = Next.NOW

    def start(self) -> None:
        if self._task is None:
            self._asleep_until = Next.NOW
            self._task = asyncio.create_task(self._run(), name=f"kindred-{self.name}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def wake(self) -> None:
        """Work was written that may be due sooner: look again now."""
        self._wake.set()

    @property
    def due(self) -> datetime | None:
        """When the loop next has work by the clock, while it sleeps (None: only when woken,
        or running now)."""
        due = self._asleep_until
        return due if isinstance(due, datetime) else None

    @property
    def idle(self) -> bool:
        """Asleep with nothing due by the clock, no wake-up pending and nothing busy (a
        stopped loop is idle too): what tests wait for after moving the clock."""
        if self._task is None:
            return True
        due = self._asleep_until
        return (
            not self._wake.is_set()
            and not (self.busy is not None and self.busy())
            and due is not Next.NOW
            and (due is None or due > self.clock.now())
        )

    async def _run(self) -> None:
        if self.before is not None:
            await self.before()
        while True:
            self._asleep_until = Next.NOW
            self._wake.clear()
            try:
                upcoming = await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                self.log.exception(
                    "%s failed; retrying in %g s", self.name, self.retry_after.total_seconds()
                )
                retry = self.clock.now() + self.retry_after
                self._asleep_until = retry
                await sleep_until_due_or_woken(self.clock, retry)
                continue
            if upcoming is Next.NOW:
                continue
            self._asleep_until = upcoming
            await sleep_until_due_or_woken(self.clock, upcoming, self._wake)


class Job:
    """A scheduled job of the bot on a BackgroundLoop: `tick` does what is due and returns
    how many it handled, `next_due` says when more is due (None: nothing is). A tick that
    handled a full batch (`batch`) runs again at once."""

    name: ClassVar[str]
    log: ClassVar[logging.Logger]
    retry_after: ClassVar[timedelta] = timedelta(seconds=60)
    batch: ClassVar[int | None] = None
    # Read `next_due` before a tick, and tick only when something is due by then: for jobs
    # woken after members' changes (most often with nothing due yet), so a wake-up costs a
    # read instead of a write unit queued for the write turn behind a burst of commands.
    # Only where `next_due` is the soonest of the rows `tick` would handle.
    ask_first: ClassVar[bool] = False

    def __init__(self, bot: KindredBot) -> None:
        self.bot = bot
        self.loop = bot.new_loop(self.name, self._step, retry_after=self.retry_after, log=self.log)

    def start(self) -> None:
        self.bot.start_loop(self.loop)

    async def stop(self) -> None:
        await self.bot.stop_loop(self.loop)

    def wake(self) -> None:
        """Work was written that may be due sooner than the job knew."""
        self.loop.wake()

    def wake_for(self, due: datetime | None) -> None:
        """Work was written that falls due at `due` (None: none, as when a reminder is
        turned off): wake the job only when it would not look by then anyway. A loop asleep
        until `due` or sooner reads `next_due` again when it wakes and finds this work then;
        one that is running (its read may have come before this write), or asleep with
        nothing due, is woken. Saves the read a wake-up costs after most members' changes."""
        if due is None:
            return
        asleep_until = self.loop.due
        if asleep_until is not None and asleep_until <= due:
            return
        self.loop.wake()

    async def tick(self) -> int:
        raise NotImplementedError

    async def next_due(self) -> datetime | None:
        raise NotImplementedError

    async def _step(self) -> Upcoming:
        if self.ask_first:
            due = await self.next_due()
            if due is None or due > self.bot.clock.now():
                return due
        handled = await self.tick()
        if self.batch is not None and handled >= self.batch:
            return Next.NOW
        return await self.next_due()
