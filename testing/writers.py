"""Many members writing at once while the courier sends: shared by the test and `make bench`.

One bot process on SQLite. `writers` members each run
`commands_each` slash commands that write, one after another, all writers at once, while
the courier works through `dms` DMs enqueued at the start. Afterwards we count what went
wrong: "database is locked" (or any OperationalError) in the logs of the bot, SQLAlchemy and
aiosqlite; commands without a reply or with the "something went wrong" reply; writes
missing from the database.

`run_concurrent_writers` runs it in the in-process harness (bot, fakediscord and the members
share one event loop). `Crowd`, `drive_writers` and `missing_writes` are the parts bench/load.py
reuses to run the same workload against the bot as its own process.

Bot-side handling time of an interaction, in the harness: from discord.py's INTERACTION_CREATE
parser being called in the bot (the event is read off the websocket and decoded) to
fakediscord receiving the bot's interaction callback. The commands used here answer with their
full reply in the callback, after their unit of work committed, so this is the whole command.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, func, select

from coaching.reflections import NOW_PER_DAY
from fakediscord import FakeDiscord, Interaction
from fakediscord.interactions import DEFERRED_CHANNEL_MESSAGE
from prompts import render
from storage.db import Database
from storage.models import (
    Member,
    PitchCheck,
    ReflectionEntry,
    ReflectionSubscription,
    RolodexEntry,
    Thanks,
)
from testing.courier import add_people, enqueue_dms, members_for
from testing.harness import Harness

# One writer's commands, in turn. /rolodex add is two interactions: the command opens the
# form, the form's submit writes.
CYCLE = ("pitchcheck text", "reflections start", "rolodex add", "thanks give", "reflections now")
LOCKED_MARKERS = ("database is locked", "OperationalError")
MODAL_SUBMIT = 5  # interaction type
UNEXPECTED = render("errors/unexpected", reference="").split(".")[0]
# The kind answer to a /reflections now past the day's few (which adds no journal entry).
NOW_LIMIT = render("reflections/now_limit", limit=NOW_PER_DAY, again_at=0, prompt=None)[:30]


class LogCapture(logging.Handler):
    """Every WARNING+ record, from any logger (bot, cogs, storage, sqlalchemy, aiosqlite...)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []
        self._formatter = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + self._formatter.formatException(record.exc_info)
        return text

    def locked(self) -> list[str]:
        return [
            f"{r.name}: {self.text(r)}"
            for r in self.records
            if any(marker in self.text(r) for marker in LOCKED_MARKERS)
        ]

    def by_logger(self) -> Counter[str]:
        return Counter(f"{r.name} {r.levelname}" for r in self.records)

    def first_messages(self) -> dict[str, str]:
        first: dict[str, str] = {}
        for r in self.records:
            first.setdefault(f"{r.name} {r.levelname}", r.getMessage())
        return first

    def __enter__(self) -> LogCapture:
        root = logging.getLogger()
        root.addHandler(self)
        # The drivers' loggers must pass WARNING through, whatever a caller configured.
        for name in ("sqlalchemy", "aiosqlite"):
            logger = logging.getLogger(name)
            if logger.getEffectiveLevel() > logging.WARNING:
                logger.setLevel(logging.WARNING)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)


class WriteLockTimer:
    """How long each `BEGIN IMMEDIATE` waited for SQLite's write lock (engine events only)."""

    def __init__(self, engine: Any) -> None:
        self.waits: list[float] = []
        self._engine = engine.sync_engine
        event.listen(self._engine, "before_cursor_execute", self._before)
        event.listen(self._engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):
            conn.info["kindred_begin"] = time.monotonic()

    def _after(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        started = conn.info.pop("kindred_begin", None)
        if started is not None and statement.startswith("BEGIN IMMEDIATE"):
            self.waits.append(time.monotonic() - started)

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._before)
        event.remove(self._engine, "after_cursor_execute", self._after)


class ReceiptClock:
    """When the bot began handling each INTERACTION_CREATE, by interaction id.

    Wraps the bot's own parser entry (the dict discord.py's gateway reads from), so the bot's
    code is untouched; same process and clock (time.monotonic) as fakediscord's timestamps.
    """

    def __init__(self, bot: Any) -> None:
        self.received: dict[int, float] = {}
        parsers: dict[str, Callable[[dict[str, Any]], None]] = bot._connection.parsers
        original = parsers["INTERACTION_CREATE"]

        def parse(data: dict[str, Any]) -> None:
            self.received[int(data["id"])] = time.monotonic()
            original(data)

        parsers["INTERACTION_CREATE"] = parse
        self._restore = lambda: parsers.__setitem__("INTERACTION_CREATE", original)

    def handling(self, ix: Interaction) -> float | None:
        received = self.received.get(ix.id)
        if received is None or ix.responded_at is None:
            return None
        return ix.responded_at - received

    def close(self) -> None:
        self._restore()


@dataclass
class WritersOutcome:
    writers: int
    commands_each: int
    dms: int
    commands: int = 0  # slash commands issued
    interactions: int = 0  # including form submits
    replied: int = 0
    missing_replies: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)  # answered after Discord's 3 s deadline
    unexpected_replies: list[str] = field(default_factory=list)
    missing_writes: list[str] = field(default_factory=list)
    locked_errors: list[str] = field(default_factory=list)
    warnings: Counter[str] = field(default_factory=Counter)
    warning_samples: dict[str, str] = field(default_factory=dict)  # first message of each
    handling: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    lock_waits: list[float] = field(default_factory=list)  # BEGIN IMMEDIATE, seconds
    round_trips: list[float] = field(default_factory=list)
    seconds: float = 0.0
    dms_sent_during: int = 0  # of the bulk DMs, while the writers ran
    thanks_notices_sent: int = 0

    def all_handling(self) -> list[float]:
        return [value for values in self.handling.values() for value in values]


@dataclass
class Crowd:
    """Where the writers run their commands: a fakediscord guild, its channel and people."""

    fd: FakeDiscord
    guild: Any
    channel: Any
    people: dict[str, Any]  # name -> fakediscord user

    @property
    def guild_id(self) -> int:
        return int(self.guild.id)


@dataclass
class Expected:
    pitch_checks: Counter[int] = field(default_factory=Counter)
    journal_now: Counter[int] = field(default_factory=Counter)
    start_time: dict[int, str] = field(default_factory=dict)
    rolodex: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    thanks: set[tuple[int, int, str]] = field(default_factory=set)


async def run_concurrent_writers(
    harness: Harness, *, writers: int, commands_each: int, dms: int
) -> WritersOutcome:
    assert harness.bot is not None and harness.db is not None
    outcome = WritersOutcome(writers=writers, commands_each=commands_each, dms=dms)
    names = [f"writer{i}" for i in range(writers)]
    server = await harness.new_server(members=tuple(names))
    setup = await server.run("Olu", "setup", thanks_channel="#referral-thanks")
    assert setup.reply is not None and "Saved" in setup.reply.content, setup.reply
    recipients = await add_people(harness, server.guild, dms, prefix="dm")
    recipient_ids = await members_for(harness, server.id, recipients, cache_dm_channel=True)
    crowd = Crowd(harness.fd, server.guild, server.channel("general"), server.people)
    expected = Expected()
    clock = ReceiptClock(harness.bot)
    lock_timer = WriteLockTimer(harness.db.engine)
    try:
        with LogCapture() as logs:
            started = time.monotonic()
            await enqueue_dms(harness, server.id, list(recipient_ids.values()), key="load")
            await drive_writers(crowd, names, commands_each, outcome, expected, clock.handling)
            outcome.seconds = time.monotonic() - started
            outcome.dms_sent_during = sum(1 for user in recipients if harness.fd.dms_to(user))
            # Replies are in; give writes the courier queued (thanks notices) a moment.
            await asyncio.sleep(0.2)
        outcome.locked_errors = logs.locked()
        outcome.warnings = logs.by_logger()
        outcome.warning_samples = logs.first_messages()
    finally:
        clock.close()
        lock_timer.close()
    outcome.lock_waits = lock_timer.waits
    # Writers get DMs only from thanks notices.
    outcome.thanks_notices_sent = sum(len(harness.fd.dms_to(server.person(name))) for name in names)
    outcome.missing_writes = await missing_writes(harness.db, crowd, expected)
    return outcome


async def drive_writers(
    crowd: Crowd,
    names: list[str],
    commands_each: int,
    outcome: WritersOutcome,
    expected: Expected,
    handling_of: Callable[[Interaction], float | None],
    answer_poll: float = 0.01,
) -> None:
    """All writers at once, each running its commands one after another.

    `handling_of` gives an answered interaction's handling time (None: not known);
    `answer_poll` is how often a writer checks for its answer at the latest.
    """
    await asyncio.gather(
        *(
            _writer(crowd, index, names, commands_each, outcome, expected, handling_of, answer_poll)
            for index in range(len(names))
        )
    )


async def _writer(
    crowd: Crowd,
    index: int,
    names: list[str],
    commands_each: int,
    outcome: WritersOutcome,
    expected: Expected,
    handling_of: Callable[[Interaction], float | None],
    answer_poll: float,
) -> None:
    fd = crowd.fd
    name = names[index]
    user = crowd.people[name]
    user_id = int(user.id)
    thanked = 0
    for step in range(commands_each):
        command = CYCLE[step % len(CYCLE)]
        label = f"{name} /{command} #{step}"
        options: dict[str, Any]
        if command == "pitchcheck text":
            options = {
                "text": f"Hi, I'm {name}. I just moved here and would love to hear what "
                f"brought you to the meetup (note {step})."
            }
        elif command == "reflections start":
            options = {"time": f"{6 + index % 12:02d}:{(step * 7) % 60:02d}"}
        elif command == "rolodex add":
            options = {"name": f"Contact {step} of {name}"}
        elif command == "thanks give":
            thanked += 1
            receiver = names[(index + thanked) % len(names)]
            options = {
                "member": crowd.people[receiver],
                "kind": "advice",
                "story": f"{name} says: {receiver} helped me with the plan, time {thanked}.",
            }
        else:
            options = {}
        outcome.commands += 1
        ix = await fd.slash(
            user,
            command,
            options=options,
            guild=crowd.guild,
            channel=crowd.channel,
        )
        interactions = [ix]
        if await _answered(fd, ix, answer_poll) and command == "rolodex add":
            if ix.modal is None:
                outcome.missing_replies.append(f"{label}: no form, {ix.reply}")
                continue
            submitted = await _submit_form(fd, user, ix)
            interactions.append(submitted)
            await _answered(fd, submitted, answer_poll)
        for ix in interactions:
            outcome.interactions += 1
            if ix.rejected:
                # fakediscord refused the callback: 10062 after Discord's 3 s deadline.
                outcome.expired.append(f"{label}: {ix.rejected[0]}")
            if ix.reply is None and ix.modal is None:
                outcome.missing_replies.append(f"{label}: no reply ({ix.rejected})")
                continue
            outcome.replied += 1
            if ix.reply is not None and UNEXPECTED in (ix.reply.content or ""):
                outcome.unexpected_replies.append(f"{label}: {ix.reply.content}")
            handling = handling_of(ix)
            if handling is not None:
                key = "rolodex add (form submit)" if ix.type == MODAL_SUBMIT else command
                outcome.handling[key].append(handling)
            if ix.response_latency is not None:
                outcome.round_trips.append(ix.response_latency)
        # Each command commits its write before it answers, so a late answer still wrote.
        if command == "pitchcheck text":
            expected.pitch_checks[user_id] += 1
        elif command == "reflections start":
            expected.start_time[user_id] = options["time"]
        elif command == "rolodex add":
            if len(interactions) == 2:  # the form was submitted
                expected.rolodex[user_id].add(options["name"])
        elif command == "thanks give":
            receiver_id = int(options["member"].id)
            expected.thanks.add((user_id, receiver_id, options["story"]))
        elif NOW_LIMIT not in (interactions[0].reply.content if interactions[0].reply else ""):
            expected.journal_now[user_id] += 1


async def _answered(fd: Any, ix: Interaction, poll: float, timeout: float = 15.0) -> bool:  # noqa: ASYNC109
    """Wait for the bot's callback, or fakediscord refusing a late one; True if answered."""
    with contextlib.suppress(TimeoutError):
        await fd.wait_for(lambda: ix.acknowledged or ix.rejected, timeout=timeout, interval=poll)
        if ix.response_type == DEFERRED_CHANNEL_MESSAGE:
            # "Thinking...": answered when the followup fills the message in.
            await fd.wait_for(
                lambda: ix.reply is not None and ix.reply.has_body(), timeout=timeout, interval=poll
            )
            return True
    return ix.acknowledged and ix.response_type != DEFERRED_CHANNEL_MESSAGE


async def _submit_form(fd: Any, user: Any, opened: Interaction) -> Interaction:
    assert opened.modal is not None
    values: dict[str, Any] = {}
    for row in opened.modal["components"]:
        components = [row["component"]] if "component" in row else row["components"]
        for component in components:
            # Text inputs get a line; selects (marks, cadence) stay empty.
            if component.get("type") == 4:
                values[component["custom_id"]] = "Met at the load test"
    return await fd.submit_modal(user, opened, values=values)


async def missing_writes(db: Database, crowd: Crowd, expected: Expected) -> list[str]:
    """What the writers' answered commands should have stored and the database lacks."""
    missing: list[str] = []
    guild_id = crowd.guild_id
    async with db.read() as session:
        member_of = {
            row.user_id: row.id
            for row in await session.execute(
                select(Member.user_id, Member.id).where(Member.guild_id == guild_id)
            )
        }
        user_of = {member_id: user_id for user_id, member_id in member_of.items()}
        checks = Counter(
            {
                user_of[member_id]: count
                for member_id, count in await session.execute(
                    select(PitchCheck.member_id, func.count()).group_by(PitchCheck.member_id)
                )
                if member_id in user_of
            }
        )
        if checks != expected.pitch_checks:
            missing.append(f"pitch checks {dict(checks)} != {dict(expected.pitch_checks)}")
        journal = Counter(
            {
                user_of[member_id]: count
                for member_id, count in await session.execute(
                    select(ReflectionEntry.member_id, func.count())
                    .where(ReflectionEntry.kind == "now")
                    .group_by(ReflectionEntry.member_id)
                )
                if member_id in user_of
            }
        )
        if journal != expected.journal_now:
            missing.append(f"journal entries {dict(journal)} != {dict(expected.journal_now)}")
        starts = {
            user_of[member_id]: time_of_day
            for member_id, time_of_day, active in await session.execute(
                select(
                    ReflectionSubscription.member_id,
                    ReflectionSubscription.time_of_day,
                    ReflectionSubscription.active,
                )
            )
            if member_id in user_of and active
        }
        if starts != expected.start_time:
            missing.append(f"subscriptions {starts} != {expected.start_time}")
        rolodex: dict[int, set[str]] = defaultdict(set)
        for owner, entry_name in await session.execute(
            select(RolodexEntry.owner_member_id, RolodexEntry.name).where(
                RolodexEntry.guild_id == guild_id
            )
        ):
            rolodex[user_of[owner]].add(entry_name)
        if rolodex != expected.rolodex:
            missing.append(f"rolodex entries {dict(rolodex)} != {dict(expected.rolodex)}")
        thanks = {
            (user_of[giver], user_of[receiver], story)
            for giver, receiver, story in await session.execute(
                select(Thanks.giver_member_id, Thanks.receiver_member_id, Thanks.story).where(
                    Thanks.guild_id == guild_id
                )
            )
        }
        if thanks != expected.thanks:
            missing.append(
                f"thanks: {len(expected.thanks - thanks)} missing, "
                f"{len(thanks - expected.thanks)} unexpected"
            )
    return missing
