"""The courier: the one task that sends every message Kindred starts on its own.

Features enqueue rows in the outbox (storage.courier.enqueue) and call `bot.courier.wake()`
after their transaction commits. The courier claims due rows with a lease, paces requests
below Discord's global limit, sends each with a nonce derived from its key (a resend after a
crash is recognised by Discord as the same message), and records the outcome. A payload may
carry files (a picture, base64 in `"files"`), sent as a multipart message with the same nonce.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord.ext import commands
from discord.http import Route

from coaching.courier import nonce_for, retry_delay, should_give_up
from kindred.clock import Clock
from kindred.loops import Next, Upcoming
from storage import courier as outbox
from storage.courier import Recipient

if TYPE_CHECKING:
    from kindred.bot import KindredBot
    from storage.models import OutboxMessage

log = logging.getLogger("kindred.courier")

# A feature's own delivery of an outbox row (a private thread, ...): see register_action.
Action = Callable[["OutboxMessage", Callable[[], Awaitable[datetime]]], Awaitable[int | None]]

DMS_CLOSED = 50007
UNKNOWN_CHANNEL = 10003
LEASE = timedelta(seconds=120)
BATCH = 50
CONCURRENCY = 8
# Rows for one channel in flight at once: a channel takes 5 posts per 5 s, so more would only
# wait on its rate limit while holding room other rows (DMs) could use.
CHANNEL_IN_FLIGHT = 5
# Quick retries in the same delivery, in real seconds, before a row goes back to the queue
# with a longer backoff: most 5xx and timeouts pass within seconds.
INLINE_RETRY_DELAYS = (1.0, 3.0)
RETRY_AFTER = timedelta(seconds=5)  # after the loop itself failed (the database, a bug)


# Makes a payload at send time from a reference (see `Courier.register_builder`).
Builder = Callable[[Any], Awaitable[dict[str, Any] | None]]
# Runs in the unit of work that marks a row sent (see `Courier.register_after_sent`).
AfterSent = Callable[[Any, "OutboxMessage", int], Awaitable[bool]]


class TransientError(Exception):
    """Discord or the network failed in a way that may pass: try the row again."""


class Pacer:
    """Spaces request starts evenly on the injected clock: at most `rate` per second."""

    def __init__(self, rate: float, clock: Clock) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = timedelta(seconds=1.0 / rate)
        self.clock = clock
        # A start waits for at most the slots booked by the requests in flight, CONCURRENCY
        # deliveries at one request each: a slot booked further ahead means the wall clock
        # was set back, and waiting that out would stall every message.
        self._horizon = self.interval * 4 * CONCURRENCY
        self._next: datetime | None = None

    async def acquire(self) -> datetime:
        """Wait for this start's slot; returns the slot."""
        now = self.clock.now()
        booked = self._next
        if booked is None or booked < now or booked - now > self._horizon:
            booked = now
        self._next = booked + self.interval
        while self.clock.now() < booked:
            await self.clock.sleep_until(booked)
        return booked


class Courier:
    def __init__(self, bot: KindredBot, *, max_per_second: float, worker: str) -> None:
        self.bot = bot
        self.worker = worker
        self.pacer = Pacer(max_per_second, bot.clock)
        self.loop = bot.new_loop(
            "courier", self._step, retry_after=RETRY_AFTER, log=log, busy=lambda: self._inflight > 0
        )
        self._released = False
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self.inline_retry_delays: tuple[float, ...] = INLINE_RETRY_DELAYS
        self._inflight = 0
        self._last_for_recipient: dict[tuple[str, int], asyncio.Task[None]] = {}
        self.cycles = 0  # claim rounds, to show an idle courier does not poll
        self.sent = 0
        self.failed = 0
        self.dropped = 0
        # Payloads may name a set of buttons instead of carrying their JSON (see
        # `register_buttons`): a reflection tick stores 1,000 DMs whose buttons differ only in
        # the entry they point at, and their JSON was half of every outbox row.
        self.button_sets: dict[str, Callable[[str], list[dict[str, Any]]]] = {}
        self.builders: dict[str, Builder] = {}
        self.after_sent: dict[str, AfterSent] = {}
        self._channel_chains: Counter[int] = Counter()  # rows in flight per channel
        # Payloads with an "action" are delivered by a feature's own requests (see
        # `register_action`), with the courier's pacing, retries and records.
        self.actions: dict[str, Action] = {}

    def register_action(self, name: str, perform: Action) -> None:
        """A payload's `"action": name` is delivered by `perform(row, pace)`, which makes
        its requests (awaiting `pace()` before each) and returns the id of the message it
        posted, if any. Discord's errors are handled as for a message: 5xx and 429 retried,
        other refusals recorded as failed."""
        self.actions[name] = perform

    def register_buttons(self, name: str, build: Callable[[str], list[dict[str, Any]]]) -> None:
        """A payload's `"buttons": [name, ref]` becomes `"components": build(ref)` at send."""
        self.button_sets[name] = build

    def register_builder(self, name: str, build: Builder) -> None:
        """A payload `{"build": [name, ref]}` is made by `await build(ref)` when it is sent,
        from what the database holds then: a row waiting in the outbox holds a reference, not
        a member's words, and a message whose subject was removed meanwhile (`build` returns
        None) is dropped instead of sent."""
        self.builders[name] = build

    def register_after_sent(self, purpose: str, hook: AfterSent) -> None:
        """`await hook(session, row, message_id)` runs in the unit of work that marks a row of
        `purpose` sent (so what it writes is never lost to a crash: until that commits, the
        row is resent with the same nonce and Discord returns the same message). It returns
        True when the message must not stay (its subject was removed while it was on its
        way): the courier deletes it then."""
        self.after_sent[purpose] = hook

    def start(self) -> None:
        self.bot.start_loop(self.loop)

    async def stop(self) -> None:
        for task in list(self._last_for_recipient.values()):
            task.cancel()
        await self.bot.stop_loop(self.loop)

    def wake(self) -> None:
        """Something was enqueued: look again now instead of at the next planned time."""
        self.loop.wake()

    async def _step(self) -> Upcoming:
        if not self._released:
            async with self.bot.db.session() as session:
                released = await outbox.release_claims(session, worker=self.worker)
            if released:
                log.info("resending %d message(s) interrupted by the last stop", released)
            self._released = True
        if await self.claim_and_launch():
            return Next.NOW
        if self._inflight:
            # Refill as soon as deliveries finish (each wakes the loop), so one slow row never
            # stalls the rest.
            return None
        async with self.bot.db.read() as session:
            return await outbox.next_due_at(session)

    async def claim_and_launch(self) -> int:
        """Claim due rows up to the in-flight limit and start delivering them."""
        room = BATCH - self._inflight
        if room < BATCH // 2:
            return 0
        self.cycles += 1
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            rows = await outbox.claim_due(
                session,
                now=now,
                worker=self.worker,
                lease=LEASE,
                limit=room,
                channel_room={
                    channel: CHANNEL_IN_FLIGHT - count
                    for channel, count in self._channel_chains.items()
                },
                channel_limit=CHANNEL_IN_FLIGHT,
            )
            members = await outbox.recipients(
                session, [row.member_id for row in rows if row.member_id is not None]
            )
        for row in rows:
            self._launch(row, members.get(row.member_id) if row.member_id else None)
        return len(rows)

    def _launch(self, row: OutboxMessage, member: Recipient | None) -> None:
        # One recipient's rows go one after another: in order, and a closed DM costs one
        # request, not one per row already in flight.
        key = ("member", row.member_id) if row.member_id else ("channel", row.channel_id or 0)
        previous = self._last_for_recipient.get(key)
        task = asyncio.create_task(self._deliver_after(previous, row, member))
        self._last_for_recipient[key] = task
        self._inflight += 1
        channel = None if row.member_id else row.channel_id
        if channel is not None:
            self._channel_chains[channel] += 1

        def finished(done: asyncio.Task[None]) -> None:
            self._inflight -= 1
            if channel is not None:
                self._channel_chains[channel] -= 1
                if self._channel_chains[channel] <= 0:
                    del self._channel_chains[channel]
            if self._last_for_recipient.get(key) is done:
                del self._last_for_recipient[key]
            self.loop.wake()

        task.add_done_callback(finished)

    async def _deliver_after(
        self, previous: asyncio.Task[None] | None, row: OutboxMessage, member: Recipient | None
    ) -> None:
        if previous is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(previous)
            if member is not None:
                # The previous row may have learnt something (DMs closed, a new DM channel).
                async with self.bot.db.read() as session:
                    member = (await outbox.recipients(session, [member.id])).get(member.id)
                if member is None:
                    return  # deleted meanwhile (/mydata delete); the row went with it
        await self._deliver_in_slot(row, member)

    async def _deliver_in_slot(self, row: OutboxMessage, member: Recipient | None) -> None:
        async with self._slots:
            for delay in (*self.inline_retry_delays, None):
                try:
                    await self._deliver(row, member)
                    return
                except TransientError as exc:
                    if delay is None:
                        await self._retry(row, str(exc))
                        return
                    log.info("outbox row %d (%s): %s; trying again", row.id, row.purpose, exc)
                    await asyncio.sleep(delay)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a bug must not lose the row: it is retried later
                    log.exception("outbox row %d (%s) failed unexpectedly", row.id, row.purpose)
                    await self._retry(row, f"unexpected: {type(exc).__name__}")
                    return

    async def _deliver(self, row: OutboxMessage, member: Recipient | None) -> None:
        channel_id = row.channel_id
        if member is not None:
            if not member.reachable:
                await self._drop(row, member, "member unreachable")
                return
            channel_id = member.dm_channel_id
            if channel_id is None:
                channel_id = await self._open_dm(member)
        assert channel_id is not None
        body = dict(row.payload)
        action_name = body.get("action")
        action = self.actions.get(action_name) if action_name else None
        if action_name and action is None:  # its feature isn't loaded: no guessing how
            await self._fail(row, f"unknown action {action_name!r}")
            return
        recipe = body.pop("build", None)
        if recipe is not None:
            build = self.builders.get(recipe[0])
            if build is None:  # its feature's cog isn't loaded
                await self._fail(row, f"unknown builder {recipe[0]!r}")
                return
            built = await build(recipe[1])
            if built is None:
                await self._withdraw(row, "its subject is gone")
                return
            body = built
        buttons = body.pop("buttons", None)
        if buttons is not None:
            build = self.button_sets.get(buttons[0])
            if build is None:  # a feature's cog isn't loaded: don't send a DM without its buttons
                await self._fail(row, f"unknown button set {buttons[0]!r}")
                return
            body["components"] = build(buttons[1])
        files = _files(body.pop("files", None) or [])
        body["nonce"] = nonce_for(row.dedupe_key)
        body["enforce_nonce"] = True
        body.setdefault("allowed_mentions", {"parse": []})
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        try:
            if action is not None:
                message_id = await action(row, self.pacer.acquire)
            elif files:
                await self.pacer.acquire()
                # A message with files is multipart, as Discord wants it: the JSON in
                # payload_json, file n in files[n], described in `attachments`. The nonce
                # stays in the JSON, so a resend is still recognised.
                body["attachments"] = [file.to_dict(index) for index, file in enumerate(files)]
                form = [{"name": "payload_json", "value": json.dumps(body)}] + [
                    {
                        "name": f"files[{index}]",
                        "value": file.fp,
                        "filename": file.filename,
                        "content_type": "application/octet-stream",
                    }
                    for index, file in enumerate(files)
                ]
                message = await self.bot.http.request(route, form=form, files=files)
                message_id = int(message["id"])
            else:
                await self.pacer.acquire()
                message = await self.bot.http.request(route, json=body)
                message_id = int(message["id"])
        except discord.Forbidden as exc:
            if exc.code == DMS_CLOSED and member is not None:
                await self._drop(row, member, "DMs closed (50007)")
            else:
                await self._fail(row, f"forbidden ({exc.code})")
            return
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_CHANNEL and member is not None:
                # The cached DM channel is gone; open a new one on the next try.
                async with self.bot.db.session() as session:
                    await outbox.remember_dm_channel(
                        session, member.id, None, now=self.bot.clock.now()
                    )
                member.dm_channel_id = None
            raise TransientError(f"not found ({exc.code})") from exc
        except discord.HTTPException as exc:
            if exc.status >= 500 or exc.status == 429:
                raise TransientError(f"HTTP {exc.status}") from exc
            await self._fail(row, f"HTTP {exc.status} ({exc.code})")
            return
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise TransientError(f"network: {type(exc).__name__}") from exc
        hook = self.after_sent.get(row.purpose)
        async with self.bot.db.session() as session:
            await outbox.mark_sent(session, row.id, now=self.bot.clock.now(), message_id=message_id)
            unwanted = await hook(session, row, message_id) if hook is not None else False
        self.sent += 1
        log.debug("sent outbox row %d (%s)", row.id, row.purpose)
        if hook is not None:
            self.wake()  # the hook may have queued a follow-on message
        if unwanted and message_id is not None:
            try:
                await self.bot.http.delete_message(channel_id, message_id)
            except discord.HTTPException as exc:
                log.warning("could not withdraw message %s: HTTP %s", message_id, exc.status)

    async def _open_dm(self, member: Recipient) -> int:
        await self.pacer.acquire()
        try:
            channel = await self.bot.http.start_private_message(member.user_id)
        except discord.HTTPException as exc:
            raise TransientError(f"open DM: HTTP {exc.status}") from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise TransientError(f"open DM: {type(exc).__name__}") from exc
        channel_id = int(channel["id"])
        member.dm_channel_id = channel_id
        async with self.bot.db.session() as session:
            await outbox.remember_dm_channel(
                session, member.id, channel_id, now=self.bot.clock.now()
            )
        return channel_id

    async def _retry(self, row: OutboxMessage, error: str) -> None:
        attempts = row.attempts + 1
        async with self.bot.db.session() as session:
            if should_give_up(attempts):
                await outbox.mark_failed(session, row.id, attempts=attempts, error=error)
            else:
                due = self.bot.clock.now() + retry_delay(attempts)
                await outbox.mark_retry(session, row.id, attempts=attempts, due_at=due, error=error)
        if should_give_up(attempts):
            self.failed += 1
            log.error(
                "outbox row %d (%s) failed after %d tries: %s", row.id, row.purpose, attempts, error
            )
        else:
            log.warning("outbox row %d (%s) will be retried: %s", row.id, row.purpose, error)

    async def _fail(self, row: OutboxMessage, error: str) -> None:
        async with self.bot.db.session() as session:
            await outbox.mark_failed(session, row.id, attempts=row.attempts + 1, error=error)
        self.failed += 1
        log.error("outbox row %d (%s) cannot be sent: %s", row.id, row.purpose, error)

    async def _withdraw(self, row: OutboxMessage, reason: str) -> None:
        async with self.bot.db.session() as session:
            await outbox.mark_dropped(session, row.id, reason=reason)
        self.dropped += 1
        log.info("outbox row %d (%s) dropped: %s", row.id, row.purpose, reason)

    async def _drop(self, row: OutboxMessage, member: Recipient, error: str) -> None:
        member.reachable = False
        async with self.bot.db.session() as session:
            dropped = await outbox.mark_member_unreachable(
                session, member.id, now=self.bot.clock.now(), error=error
            )
        self.dropped += dropped
        log.info("member %d is unreachable by DM; dropped %d message(s)", member.id, dropped)


def _files(specs: list[dict[str, str]]) -> list[discord.File]:
    """A payload's `"files": [{"filename", "description", "data" (base64)}]` as files to
    upload: a picture is made once, when the message is queued, and every retry sends the
    same bytes."""
    return [
        discord.File(
            io.BytesIO(base64.b64decode(spec["data"])),
            filename=spec["filename"],
            description=spec.get("description"),
        )
        for spec in specs
    ]


class CourierCog(commands.Cog):
    def __init__(self, bot: KindredBot) -> None:
        self.bot = bot
        self.courier = Courier(
            bot, max_per_second=bot.settings.courier_max_per_second, worker=bot.worker
        )

    async def cog_load(self) -> None:
        self.courier.start()

    async def cog_unload(self) -> None:
        await self.courier.stop()


async def setup(bot: KindredBot) -> None:
    await bot.add_cog(CourierCog(bot))
