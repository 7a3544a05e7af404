"""Daily reflection prompts: `/reflections ...`, the DM buttons, plain-DM answers, the scheduler."""

from __future__ import annotations

import functools
import json
import logging
import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from coaching.dates import InvalidDate, parse_date
from coaching.reflections import (
    ANSWER_MAX_CHARS,
    DAILY,
    MAX_PAUSE_DAYS,
    WEEKLY,
    DuePlan,
    DueState,
    InvalidDays,
    Schedule,
    describe_days,
    local_date,
    next_send,
    parse_days,
    plan_due,
    prompt_at,
    prompt_for,
    validate_answer,
    weekly_streak,
)
from coaching.shards import EVERY_SERVER, ShardOwnership
from coaching.times import InvalidTime, format_time_of_day, parse_time_of_day
from coaching.timezones import InvalidTimezone, parse_timezone
from cogs.common import member_of, timezone_autocomplete
from kindred.errors import UserFacingError
from kindred.loops import Next, Upcoming
from kindred.replies import close_with_note, send_private
from kindred.ui import KindredModal, KindredView, PersistentButton, bot_of, send_paged
from prompts import render, template_names
from storage import reflections as store
from storage.communities import ensure_community
from storage.models import Member, ReflectionEntry, ReflectionSubscription

if TYPE_CHECKING:
    from kindred.bot import KindredBot

log = logging.getLogger("kindred.reflections")

PACK_PREFIX = "reflections/pack/"
TICK_LIMIT = 1000
_NO_DAYS: frozenset[date] = frozenset()
# Rows planned between two hand-offs to the database (see store.TickWrites).
TICK_CHUNK = 250
JOURNAL_PAGE_SIZE = 4
DM_ANSWER_WINDOW = timedelta(days=3)


def pack_keys() -> list[str]:
    return [
        name.removeprefix(PACK_PREFIX) for name in template_names() if name.startswith(PACK_PREFIX)
    ]


def render_prompt(key: str, *, community: str, custom: dict[str, str]) -> str:
    if key.startswith("custom:"):
        return custom.get(key, "")
    return _pack_prompt(key, community)


# Templates don't change while the bot runs, so a rendering can be reused across ticks.
@functools.lru_cache(maxsize=16384)
def _pack_prompt(key: str, community: str) -> str:
    return render(PACK_PREFIX + key, community=community)


@functools.lru_cache(maxsize=16384)
def _daily_dm(prompt: str, community: str, switched_to_weekly: bool) -> str:
    return render(
        "reflections/daily_dm",
        prompt=prompt,
        community=community,
        switched_to_weekly=switched_to_weekly,
    )


def epoch(instant: datetime | None) -> int:
    return int(instant.timestamp()) if instant else 0


def schedule_of(subscription: Any) -> Schedule:
    """The schedule of a subscription (an entity or a row with the same columns)."""
    return Schedule(
        timezone=subscription.timezone,
        time_of_day=_stored_time(subscription.time_of_day),
        days=subscription.days,
        cadence=subscription.cadence,
        paused_until=subscription.paused_until,
    )


# A stored time of day is one of 1,440 "HH:MM" strings; the scheduler reads 1,000 per tick.
_stored_time = functools.lru_cache(maxsize=2048)(parse_time_of_day)


# (action, label template, button style) for the buttons under each kind of DM.
PROMPT_BUTTONS = (
    ("write", "button_write", 1),
    ("skip", "button_skip", 2),
    ("pause", "button_pause", 2),
    ("stop", "button_stop", 4),
)
BACKOFF_BUTTONS = (
    ("weekly", "backoff_weekly", 1),
    ("pause", "backoff_pause", 2),
    ("daily", "backoff_daily", 2),
    ("stop", "backoff_stop", 4),
)


def button_row(prefix: str, ref: str, buttons: tuple[tuple[str, str, int], ...]) -> list[Any]:
    return [
        {
            "type": 1,
            "components": [
                {
                    "type": 2,
                    "style": style,
                    "label": _label(template),
                    "custom_id": f"{prefix}:{action}:{ref}",
                }
                for action, template, style in buttons
            ],
        }
    ]


@functools.cache
def _label(template: str) -> str:
    return render(f"reflections/{template}")


# The scheduler enqueues 1,000 DMs a tick, all alike but for the text and the entry reference
# their buttons point at. Their payloads are JSON text built from cached parts, exactly
# json.dumps({"content": body, "buttons": [set, ref]}), instead of encoding each one; the
# courier turns "buttons" into the button row when it sends (`Courier.register_buttons`).
BUTTON_SETS = {DAILY: ("refl", PROMPT_BUTTONS), "backoff": ("reflb", BACKOFF_BUTTONS)}


def _payload_head(body: str) -> str:
    """The payload's JSON up to the buttons' entry reference."""
    return '{"content": ' + json.dumps(body) + ', "buttons": '


def _payload(head: str, kind: str, ref: str) -> str:
    # An entry ref is digits and a dash: nothing in it needs JSON escaping.
    return f'{head}["{BUTTON_SETS[kind][0]}", "{ref}"]}}'


@functools.lru_cache(maxsize=16384)
def _daily_payload_head(prompt: str, community: str, switched_to_weekly: bool) -> str:
    return _payload_head(_daily_dm(prompt, community, switched_to_weekly))


@functools.lru_cache(maxsize=16384)
def _pack_daily(key: str, community: str, switched_to_weekly: bool) -> tuple[str, str]:
    """A pack prompt's text and its DM's payload head."""
    prompt = render_prompt(key, community=community, custom={})
    return prompt, _daily_payload_head(prompt, community, switched_to_weekly)


class ReflectionScheduler:
    """Finds due subscriptions, enqueues their prompts into the courier, sleeps until the
    next one is due. `wake()` after any change that could move a send time earlier."""

    def __init__(self, bot: KindredBot, ownership: ShardOwnership = EVERY_SERVER) -> None:
        self.bot = bot
        # Only servers on this process's shards: another process schedules the rest.
        self.ownership = ownership
        self.loop = bot.new_loop(
            "reflections", self._step, retry_after=timedelta(seconds=5), log=log
        )
        self.keys = pack_keys()
        self.sorted_keys = sorted(self.keys)

    def start(self) -> None:
        self.bot.start_loop(self.loop)

    async def stop(self) -> None:
        await self.bot.stop_loop(self.loop)

    def wake(self) -> None:
        self.loop.wake()

    async def _step(self) -> Upcoming:
        if await self.tick() >= TICK_LIMIT:
            return Next.NOW
        async with self.bot.db.read() as session:
            return await store.next_due_at(session, self.ownership)

    async def tick(self) -> int:
        """Handle up to TICK_LIMIT due subscriptions in one unit of work.

        A hot path (1,000 members in tens of milliseconds): rows come and go as plain tuples
        (storage runs the bulk statements at the driver level), renders and the JSON of the
        DMs' shared parts are cached, and nothing per member is built twice."""
        now = self.bot.clock.now()
        catchup = timedelta(hours=self.bot.settings.reflection_catchup_hours)
        async with self.bot.db.session() as session:
            due = await store.due_schedules(
                session, now=now, limit=TICK_LIMIT, owner=self.ownership
            )
            if not due:
                return 0
            guild_ids = sorted({row[2] for row in due})  # guild_id (see below)
            servers = await store.server_context(session, guild_ids)
            # Quiet days as frozensets: equal sets (most often none) are one key in `plans`.
            quiet = {guild_id: frozenset(days) for guild_id, days in servers.quiet_days.items()}
            # Per server: community name, its own prompts, the whole pack in rotation order.
            guilds: dict[int, tuple[str, dict[str, str], list[str]]] = {}
            for guild_id in guild_ids:
                guild_custom = servers.prompts[guild_id]
                keys = sorted([*self.keys, *guild_custom]) if guild_custom else self.sorted_keys
                guilds[guild_id] = (servers.names.get(guild_id, ""), guild_custom, keys)
            writes = await store.TickWrites(session, now=now).start()
            sent = 0
            plans: dict[tuple[Any, ...], DuePlan] = {}
            for first in range(0, len(due), TICK_CHUNK):
                sent += await self._plan_chunk(
                    writes, due[first : first + TICK_CHUNK], now, catchup, quiet, guilds, plans
                )
            await writes.finish()
        if sent:
            self.bot.courier.wake()
        return len(due)

    async def _plan_chunk(
        self,
        writes: store.TickWrites,
        due: list[Any],
        now: datetime,
        catchup: timedelta,
        quiet: dict[int, frozenset[date]],
        guilds: dict[int, tuple[str, dict[str, str], list[str]]],
        plans: dict[tuple[Any, ...], DuePlan],
    ) -> int:
        """Plan one chunk of a tick's due subscriptions and hand its rows to `writes`; returns
        how many prompts it sends. `plans`: the tick's plans so far, by situation."""
        entries: list[store.EntryRow] = []
        outbox_rows: list[store.OutboxRow] = []
        changes: list[store.ScheduleRow] = []
        for row in due:
            (
                subscription_id,
                member_id,
                guild_id,
                display_name,
                timezone,
                time_of_day,
                weekdays,
                cadence,
                paused_until,
                next_send_at,
                next_send_on,
                last_sent_on,
                prompts_sent,
                unanswered,
                backoff_state,
            ) = row  # the columns of store.due_schedules, in order
            # Members who share a zone, a time, quiet days and where they stand (all but the
            # ids, the name and the prompt count) get the same plan: made once per tick.
            quiet_days = quiet.get(guild_id, _NO_DAYS)
            situation = (quiet_days, *row[4:12], unanswered, backoff_state)
            plan = plans.get(situation)
            if plan is None:
                schedule = Schedule(
                    timezone, _stored_time(time_of_day), weekdays, cadence, paused_until
                )
                state = DueState(
                    schedule, next_send_at, next_send_on, last_sent_on, unanswered, backoff_state
                )
                plan = plans[situation] = plan_due(
                    state, now=now, catchup=catchup, quiet_days=quiet_days
                )
            if plan.send:
                community_name, guild_custom, keys = guilds[guild_id]
                local = plan.local_date
                ref = store.entry_ref_for(member_id, local)
                if plan.kind == DAILY:
                    key = prompt_at(prompts_sent, member_id, keys)
                    if key in guild_custom:  # as render_prompt, with the DM's head cached
                        prompt_text = guild_custom[key]
                        head = _daily_payload_head(
                            prompt_text, community_name, plan.switched_to_weekly
                        )
                    else:
                        prompt_text, head = _pack_daily(
                            key, community_name, plan.switched_to_weekly
                        )
                    prompts_sent += 1
                else:
                    key = "backoff"
                    prompt_text = render("reflections/backoff_ask", name=display_name)
                    head = _payload_head(prompt_text)
                entries.append((member_id, plan.kind, local, key, prompt_text))
                outbox_rows.append(
                    (
                        guild_id,
                        member_id,
                        f"reflection:{member_id}:{local}",
                        _payload(head, plan.kind, ref),
                    )
                )
            upcoming = plan.next
            changes.append(
                (
                    subscription_id,
                    upcoming[0] if upcoming else None,
                    upcoming[1] if upcoming else None,
                    prompts_sent,
                    plan.cadence,
                    plan.backoff_state,
                    plan.unanswered,
                    plan.last_sent_on,
                )
            )
        await writes.send(entries, outbox_rows, changes)
        return len(outbox_rows)


async def reschedule(
    session: Any, subscription: ReflectionSubscription, *, now: datetime
) -> datetime | None:
    """Recompute the next send after a change; returns it (None when nothing is ahead)."""
    quiet = await store.quiet_days_for(session, [subscription.guild_id])
    upcoming = None
    if subscription.active:
        upcoming = next_send(
            now,
            schedule_of(subscription),
            quiet_days=quiet[subscription.guild_id],
            last_sent_on=subscription.last_sent_on,
        )
    subscription.next_send_at = upcoming[0] if upcoming else None
    subscription.next_send_on = upcoming[1] if upcoming else None
    subscription.updated_at = now
    await session.flush()
    return subscription.next_send_at


async def save_answer(bot: KindredBot, ref: str, user_id: int, text: str) -> str:
    """Store an answer for the entry's owner; returns the acknowledgement to show."""
    try:
        answer = validate_answer(text)
    except ValueError as exc:
        if str(exc) == "empty":
            raise UserFacingError("errors/answer_empty") from None
        raise UserFacingError(
            "errors/answer_too_long", length=len(text.strip()), limit=ANSWER_MAX_CHARS
        ) from None
    now = bot.clock.now()
    async with bot.db.session() as session:
        entry, member = await _owned_entry(session, ref, user_id)
        entry.answer = answer
        entry.answered_at = now
        entry.skipped = False
        subscription = await store.get_subscription(session, member.id)
        zone = subscription.timezone if subscription else "UTC"
        if subscription is not None:
            subscription.unanswered = 0
            subscription.backoff_state = None
        today = local_date(now, zone)
        answered = await store.answered_dates(session, member.id, since=today - timedelta(weeks=60))
    streak = weekly_streak(answered, today)
    return render("reflections/saved", streak=streak, variant=entry.id)


async def _owned_entry(session: Any, ref: str, user_id: int) -> tuple[ReflectionEntry, Member]:
    entry = await store.entry_by_ref(session, ref)
    if entry is None:
        raise UserFacingError("errors/entry_gone")
    member = await session.get(Member, entry.member_id)
    if member is None:
        raise UserFacingError("errors/entry_gone")
    if member.user_id != user_id:
        raise UserFacingError("errors/entry_not_yours")
    return entry, member


class ReflectionModal(KindredModal):
    def __init__(self, bot: KindredBot, ref: str, prompt: str, existing: str | None) -> None:
        super().__init__(title=render("reflections/modal_title"), timeout=None)
        self.bot = bot
        self.ref = ref
        self.answer: discord.ui.TextInput[ReflectionModal] = discord.ui.TextInput(
            label=render("reflections/modal_label"),
            style=discord.TextStyle.paragraph,
            placeholder=(prompt[:97] + "...") if len(prompt) > 100 else prompt,
            default=existing,
            required=True,
            max_length=ANSWER_MAX_CHARS,
        )
        self.add_item(self.answer)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        acknowledgement = await save_answer(
            self.bot, self.ref, interaction.user.id, self.answer.value
        )
        from cogs.rolodex import offer_view  # someone in the reflection to follow up with?

        await send_private(interaction, acknowledgement, view=offer_view(None, add=False))


class PromptButton(
    PersistentButton,
    template=r"refl:(?P<action>write|skip|pause|stop):(?P<ref>e\d+|\d+-\d{8})",
):
    """The buttons under a daily prompt; they keep working after a restart."""

    def __init__(self, action: str, ref: str) -> None:
        super().__init__(discord.ui.Button(label=action, custom_id=f"refl:{action}:{ref}"))
        self.action = action
        self.ref = ref

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> PromptButton:
        return cls(match["action"], match["ref"])

    async def act(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        now = bot.clock.now()
        if self.action == "write":
            async with bot.db.read() as session:
                entry, _ = await _owned_entry(session, self.ref, interaction.user.id)
            await interaction.response.send_modal(
                ReflectionModal(bot, f"e{entry.id}", entry.prompt_text, entry.answer)
            )
            return
        async with bot.db.session() as session:
            entry, member = await _owned_entry(session, self.ref, interaction.user.id)
            subscription = await store.get_subscription(session, member.id)
            if self.action == "skip":
                if entry.answer is None:
                    entry.skipped = True
                if subscription is not None:
                    subscription.unanswered = 0
                    subscription.backoff_state = None
                text = render("reflections/skipped")
            elif subscription is None:
                text = render("reflections/not_subscribed")
            elif self.action == "pause":
                today = local_date(now, subscription.timezone)
                subscription.paused_until = today + timedelta(days=7)
                subscription.unanswered = 0
                next_at = await reschedule(session, subscription, now=now)
                text = render("reflections/paused_week", next_at=epoch(next_at))
            else:
                subscription.active = False
                await reschedule(session, subscription, now=now)
                text = render("reflections/stopped")
        _wake_scheduler(bot)
        await close_with_note(interaction, text)


class BackoffButton(
    PersistentButton,
    template=r"reflb:(?P<action>weekly|pause|daily|stop):(?P<ref>\d+-\d{8})",
):
    """The answer to "shall I write less often?"."""

    def __init__(self, action: str, ref: str) -> None:
        super().__init__(discord.ui.Button(label=action, custom_id=f"reflb:{action}:{ref}"))
        self.action = action
        self.ref = ref

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> BackoffButton:
        return cls(match["action"], match["ref"])

    async def act(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        now = bot.clock.now()
        async with bot.db.session() as session:
            entry, member = await _owned_entry(session, self.ref, interaction.user.id)
            subscription = await store.get_subscription(session, member.id)
            if subscription is None:
                raise UserFacingError("errors/entry_gone")
            entry.answer = entry.answer or self.action
            entry.answered_at = entry.answered_at or now
            subscription.unanswered = 0
            subscription.backoff_state = "settled"
            if self.action == "weekly":
                subscription.cadence = WEEKLY
                text_name = "backoff_chose_weekly"
            elif self.action == "pause":
                today = local_date(now, subscription.timezone)
                subscription.paused_until = today + timedelta(days=14)
                text_name = "backoff_chose_pause"
            elif self.action == "daily":
                subscription.cadence = DAILY
                text_name = "backoff_chose_daily"
            else:
                subscription.active = False
                text_name = "stopped"
            next_at = await reschedule(session, subscription, now=now)
        _wake_scheduler(bot)
        await close_with_note(
            interaction, render(f"reflections/{text_name}", next_at=epoch(next_at))
        )


class ReflectionsCog(commands.Cog):
    reflections = app_commands.Group(
        name="reflections", description="Daily reflection prompts by DM", guild_only=True
    )

    def __init__(self, bot: KindredBot) -> None:
        self.bot = bot
        self.scheduler = ReflectionScheduler(bot, bot.ownership)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PromptButton, BackoffButton)
        for prefix, buttons in BUTTON_SETS.values():
            self.bot.courier.register_buttons(
                prefix, functools.partial(button_row, prefix, buttons=buttons)
            )
        self.scheduler.start()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PromptButton, BackoffButton)
        await self.scheduler.stop()

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _parse_changes(
        time_text: str | None, timezone: str | None, days: str | None
    ) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if time_text is not None:
            try:
                changes["time_of_day"] = format_time_of_day(parse_time_of_day(time_text))
            except InvalidTime:
                raise UserFacingError("errors/bad_time", value=time_text) from None
        if timezone is not None:
            try:
                changes["timezone"] = parse_timezone(timezone).key
            except InvalidTimezone:
                raise UserFacingError("errors/bad_timezone", value=timezone) from None
        if days is not None:
            try:
                changes["days"] = parse_days(days)
            except InvalidDays:
                raise UserFacingError("errors/bad_days", value=days) from None
        return changes

    def _settings_text(self, subscription: ReflectionSubscription, *, changed: bool) -> str:
        return render(
            "reflections/settings",
            changed=changed,
            days=describe_days(subscription.days),
            time=subscription.time_of_day,
            timezone=subscription.timezone,
            cadence=subscription.cadence,
            active=subscription.active,
            paused_until=subscription.paused_until.isoformat()
            if subscription.paused_until
            else None,
            next_at=epoch(subscription.next_send_at),
        )

    # -- commands ---------------------------------------------------------------------------

    @reflections.command(name="start", description="Get a short reflection question by DM")
    @app_commands.describe(
        time="When, in your time zone: 09:00, 8am, 8:30 pm",
        timezone="Your time zone (type a city)",
        days="daily, weekdays, weekends, or a list like mon,wed,fri",
    )
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def start(
        self,
        interaction: discord.Interaction,
        time: app_commands.Range[str, 1, 16] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        days: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        changes = self._parse_changes(time, timezone, days)
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            community = await ensure_community(session, member.guild_id, now=now)
            existing = await store.get_subscription(session, member.id)
            already = existing is not None and existing.active
            fields: dict[str, Any] = {
                "active": True,
                "paused_until": None,
                "display_name": interaction.user.display_name[:100],
                "time_of_day": changes.get(
                    "time_of_day", existing.time_of_day if existing else community.prompt_time
                ),
                "timezone": changes.get(
                    "timezone",
                    existing.timezone if existing else (member.timezone or community.timezone),
                ),
                "days": changes.get("days", existing.days if existing else 0b1111111),
            }
            if existing is None or not existing.active:
                fields.update(cadence=DAILY, unanswered=0, backoff_state=None)
            subscription = await store.save_subscription(session, member, now=now, **fields)
            member.timezone = subscription.timezone
            next_at = await reschedule(session, subscription, now=now)
        self.scheduler.wake()
        if next_at is None:
            await send_private(interaction, render("reflections/no_next"))
            return
        await send_private(
            interaction,
            render(
                "reflections/started",
                already=already,
                days=describe_days(subscription.days),
                time=subscription.time_of_day,
                timezone=subscription.timezone,
                next_at=epoch(next_at),
            ),
        )

    @reflections.command(name="settings", description="See or change your reflection prompts")
    @app_commands.describe(
        time="When, in your time zone: 09:00, 8am, 8:30 pm",
        timezone="Your time zone (type a city)",
        days="daily, weekdays, weekends, or a list like mon,wed,fri",
        cadence="Every chosen day, or once a week",
    )
    @app_commands.choices(
        cadence=[
            app_commands.Choice(name="every chosen day", value=DAILY),
            app_commands.Choice(name="once a week", value=WEEKLY),
        ]
    )
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def settings(
        self,
        interaction: discord.Interaction,
        time: app_commands.Range[str, 1, 16] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        days: app_commands.Range[str, 1, 60] | None = None,
        cadence: app_commands.Choice[str] | None = None,
    ) -> None:
        changes = self._parse_changes(time, timezone, days)
        if cadence is not None:
            changes["cadence"] = cadence.value
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            subscription = await store.get_subscription(session, member.id)
            if subscription is None:
                raise UserFacingError("reflections/not_subscribed")
            if changes:
                for key, value in changes.items():
                    setattr(subscription, key, value)
                if "cadence" in changes:
                    subscription.backoff_state = "settled" if cadence else None
                await reschedule(session, subscription, now=now)
        if changes:
            self.scheduler.wake()
        await send_private(interaction, self._settings_text(subscription, changed=bool(changes)))

    @reflections.command(name="pause", description="Pause prompts until a date (or 3d, 2w)")
    @app_commands.describe(until="A date like 2026-12-01, or 3d, 2w, friday")
    async def pause(
        self, interaction: discord.Interaction, until: app_commands.Range[str, 1, 30]
    ) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            subscription = await store.get_subscription(session, member.id)
            if subscription is None or not subscription.active:
                raise UserFacingError("reflections/not_subscribed")
            today = local_date(now, subscription.timezone)
            try:
                resume_on = parse_date(until, today)
            except InvalidDate:
                raise UserFacingError("errors/bad_date", value=until) from None
            if resume_on <= today:
                raise UserFacingError("errors/date_in_past", value=until)
            if (resume_on - today).days > MAX_PAUSE_DAYS:
                raise UserFacingError("errors/pause_too_long")
            subscription.paused_until = resume_on
            next_at = await reschedule(session, subscription, now=now)
        self.scheduler.wake()
        name = "reflections/paused" if next_at else "reflections/paused_nothing_next"
        await send_private(
            interaction, render(name, until=resume_on.isoformat(), next_at=epoch(next_at))
        )

    @reflections.command(name="resume", description="Resume prompts now")
    async def resume(self, interaction: discord.Interaction) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            subscription = await store.get_subscription(session, member.id)
            if subscription is None or not subscription.active:
                raise UserFacingError("reflections/not_subscribed")
            subscription.paused_until = None
            next_at = await reschedule(session, subscription, now=now)
        self.scheduler.wake()
        if next_at is None:
            await send_private(interaction, render("reflections/no_next"))
            return
        await send_private(interaction, render("reflections/resumed", next_at=epoch(next_at)))

    @reflections.command(name="stop", description="Stop reflection prompts (your journal stays)")
    async def stop(self, interaction: discord.Interaction) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            subscription = await store.get_subscription(session, member.id)
            if subscription is None or not subscription.active:
                raise UserFacingError("reflections/not_subscribed")
            subscription.active = False
            await reschedule(session, subscription, now=now)
        await send_private(interaction, render("reflections/stopped"))

    @reflections.command(name="now", description="A reflection prompt right now, just for you")
    async def now(self, interaction: discord.Interaction) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            subscription = await store.get_subscription(session, member.id)
            custom = (await store.community_prompts_for(session, [member.guild_id]))[
                member.guild_id
            ]
            position = subscription.prompts_sent if subscription else 0
            key = prompt_for(position, member.id, [*self.scheduler.keys, *custom])
            community = interaction.guild.name if interaction.guild else ""
            prompt_text = render_prompt(key, community=community, custom=custom)
            zone = subscription.timezone if subscription else (member.timezone or "UTC")
            entry_id = await store.add_entry(
                session,
                member_id=member.id,
                kind="now",
                local_date=local_date(now, zone),
                prompt_key=key,
                prompt_text=prompt_text,
                sent_at=now,
                skipped=False,
            )
            if subscription is not None:
                subscription.prompts_sent += 1
        view = KindredView(timeout=None)
        write = PromptButton("write", f"e{entry_id}")
        write.item.label = render("reflections/button_write")
        write.item.style = discord.ButtonStyle.primary
        view.add_item(write)
        await send_private(interaction, render("reflections/now", prompt=prompt_text), view=view)

    @reflections.command(name="journal", description="Your past reflections (only you see them)")
    @app_commands.describe(search="Only reflections containing this word")
    async def journal(
        self,
        interaction: discord.Interaction,
        search: app_commands.Range[str, 1, 50] | None = None,
    ) -> None:
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)

        async def page(number: int) -> tuple[discord.Embed, int]:
            return await self.journal_embed(member.id, search, number)

        await send_paged(
            interaction, page, empty=render("reflections/journal_empty", search=search)
        )

    async def journal_embed(
        self, member_id: int, search: str | None, page: int
    ) -> tuple[discord.Embed, int]:
        """Page `page` of the journal and how many pages there are (0 when it is empty)."""
        async with self.bot.db.read() as session:
            entries, total = await store.journal_page(
                session,
                member_id,
                search=search,
                offset=page * JOURNAL_PAGE_SIZE,
                limit=JOURNAL_PAGE_SIZE,
            )
        pages = -(-total // JOURNAL_PAGE_SIZE)
        embed = discord.Embed(
            title=render("reflections/journal_title", search=search),
            description="\n\n".join(
                render(
                    "reflections/journal_entry",
                    day=entry.local_date.isoformat(),
                    prompt=_shorten(entry.prompt_text, 180),
                    answer=_shorten(entry.answer or "", 700),
                )
                for entry in entries
            )[:4096],
            colour=discord.Colour.from_str("#7a9e7e"),
        )
        embed.set_footer(
            text=render(
                "reflections/journal_footer", page=page + 1, pages=max(1, pages), total=total
            )
        )
        return embed, pages

    # -- plain DM replies -------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is not None or message.author.bot or not message.content.strip():
            return
        now = self.bot.clock.now()
        async with self.bot.db.read() as session:
            entry = await store.latest_open_entry(
                session, message.author.id, since=now - DM_ANSWER_WINDOW
            )
        try:
            if entry is None:
                reply = render("reflections/dm_saved_no_prompt")
            else:
                reply = await save_answer(
                    self.bot, f"e{entry.id}", message.author.id, message.content
                )
        except UserFacingError as error:
            reply = render(error.template, **error.context)
        await message.channel.send(reply, allowed_mentions=discord.AllowedMentions.none())


def _wake_scheduler(bot: KindredBot) -> None:
    if bot.reflections is not None:
        bot.reflections.scheduler.wake()


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def setup(bot: KindredBot) -> None:
    await bot.add_cog(ReflectionsCog(bot))
