"""Daily reflection prompts: `/reflections ...` and plain-DM answers.

The buttons under the DMs and the answer form are in `views`, the scheduler in `scheduler`.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from coaching import reflections as rules
from coaching.reflections import (
    InvalidDays,
    SubscriptionChange,
    describe_date,
    describe_days,
    parse_days,
    prompt_for,
)
from coaching.times import InvalidTime, format_time_of_day, parse_time_of_day
from cogs.common import member_date, member_of, required_text, timezone_autocomplete, zone_from
from cogs.reflections.calendar import calendar_picture
from cogs.reflections.journal import Journal
from cogs.reflections.scheduler import ReflectionScheduler, render_prompt
from cogs.reflections.views import (
    BUTTON_SETS,
    BackoffButton,
    NoteButton,
    PromptButton,
    button_row,
    checked_answer,
    epoch,
    note_offer_view,
    paused_text,
    save_answer,
    weekday_of,
    write_now_view,
)
from kindred.errors import UserFacingError
from kindred.replies import defer_private, send_private
from prompts import render
from storage import reflections as store
from storage.communities import ensure_community

if TYPE_CHECKING:
    from kindred.bot import KindredBot
    from storage.models import ReflectionSubscription

DM_ANSWER_WINDOW = timedelta(days=3)


class ReflectionsCog(commands.Cog):
    reflections = app_commands.Group(
        name="reflections", description="Daily reflection prompts by DM", guild_only=True
    )

    def __init__(self, bot: KindredBot) -> None:
        self.bot = bot
        self.scheduler = ReflectionScheduler(bot, bot.ownership)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PromptButton, BackoffButton, NoteButton)
        for prefix, buttons in BUTTON_SETS.values():
            self.bot.courier.register_buttons(
                prefix, functools.partial(button_row, prefix, buttons=buttons)
            )
        self.scheduler.start()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PromptButton, BackoffButton, NoteButton)
        await self.scheduler.stop()

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _parse_changes(
        time_text: str | None, timezone: str | None, days: str | None
    ) -> tuple[SubscriptionChange, str | None]:
        """What she asked to change, and a line to say back if her zone was read from an
        abbreviation."""
        requested = SubscriptionChange()
        zone_note = None
        if time_text is not None:
            try:
                time_of_day = format_time_of_day(parse_time_of_day(time_text))
            except InvalidTime:
                raise UserFacingError("errors/bad_time", value=time_text) from None
            requested = dataclasses.replace(requested, time_of_day=time_of_day)
        if timezone is not None:
            zone, zone_note = zone_from(timezone)
            requested = dataclasses.replace(requested, timezone=zone)
        if days is not None:
            try:
                mask = parse_days(days)
            except InvalidDays:
                raise UserFacingError("errors/bad_days", value=days) from None
            requested = dataclasses.replace(requested, days=mask)
        return requested, zone_note

    async def _subscription(
        self, session: Any, interaction: discord.Interaction, *, active: bool = True
    ) -> ReflectionSubscription:
        """Her subscription; one she stopped only when `active` is False (else she is told
        it is stopped, and how to bring it back)."""
        member = await member_of(self.bot, session, interaction)
        subscription = await store.get_subscription(session, member.id)
        if subscription is None:
            raise UserFacingError("reflections/not_subscribed")
        if active and not subscription.active:
            raise UserFacingError("reflections/stopped_already")
        return subscription

    def _settings_text(self, subscription: ReflectionSubscription, *, changed: bool) -> str:
        return render(
            "reflections/settings",
            changed=changed,
            days=describe_days(subscription.days),
            time=subscription.time_of_day,
            timezone=subscription.timezone,
            cadence=subscription.cadence,
            weekday=weekday_of(subscription.next_send_on),
            active=subscription.active,
            paused_until=describe_date(subscription.paused_until)
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
        requested, zone_note = self._parse_changes(time, timezone, days)
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            community = await ensure_community(session, member.guild_id, now=now)
            existing = await store.get_subscription(session, member.id)
            already = existing is not None and existing.active
            change = rules.start(
                requested, already_active=already, display_name=interaction.user.display_name
            )
            subscription, next_at = await store.subscribe(
                session,
                member,
                change,
                existing=existing,
                now=now,
                default_time=community.prompt_time,
                default_timezone=community.timezone,
            )
        self.scheduler.wake_for(next_at)
        if next_at is None:
            await send_private(interaction, render("reflections/no_next"))
            return
        started = render(
            "reflections/started",
            already=already,
            days=describe_days(subscription.days),
            time=subscription.time_of_day,
            timezone=subscription.timezone,
            next_at=epoch(next_at),
        )
        await send_private(interaction, f"{started}\n{zone_note}" if zone_note else started)

    @reflections.command(name="settings", description="See or change your reflection prompts")
    @app_commands.describe(
        time="When, in your time zone: 09:00, 8am, 8:30 pm",
        timezone="Your time zone (type a city)",
        days="daily, weekdays, weekends, or a list like mon,wed,fri",
        cadence="Every chosen day, or once a week",
        event_dms="A nudge before events you're interested in, and a look back after",
    )
    @app_commands.choices(
        cadence=[
            app_commands.Choice(name="every chosen day", value=rules.DAILY),
            app_commands.Choice(name="once a week", value=rules.WEEKLY),
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
        event_dms: bool | None = None,
    ) -> None:
        requested, zone_note = self._parse_changes(time, timezone, days)
        if cadence is not None:
            requested = dataclasses.replace(requested, cadence=cadence.value)
        changed = bool(requested.fields())
        now = self.bot.clock.now()
        events = self.bot.events if event_dms is not None else None
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            subscription = await store.get_subscription(session, member.id)
            if subscription is None and (changed or events is None):
                raise UserFacingError("reflections/not_subscribed")
            if changed and subscription is not None:
                await store.apply_change(session, subscription, rules.settings(requested), now=now)
            if events is not None:  # the events toggle works without a subscription too
                await events.set_notify(session, member, on=bool(event_dms))
                event_note = await events.notify_text(session, member, changed=True)
        if changed:
            self.scheduler.wake()
        replies = [self._settings_text(subscription, changed=changed)] if subscription else []
        if zone_note:
            replies.append(zone_note)
        if events is not None:
            events.wake()
            replies.append(event_note)
        await send_private(interaction, "\n\n".join(replies))

    @reflections.command(name="pause", description="No prompts until a day (they come back then)")
    @app_commands.describe(until="The day prompts come back: 2026-12-01, friday, 3d, 2w")
    async def pause(
        self, interaction: discord.Interaction, until: app_commands.Range[str, 1, 30]
    ) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            subscription = await self._subscription(session, interaction)
            today = rules.local_date(now, subscription.timezone)
            resume_on = member_date(until, today)
            if resume_on <= today:
                raise UserFacingError("errors/date_in_past", value=until)
            if (resume_on - today).days > rules.MAX_PAUSE_DAYS:
                raise UserFacingError("errors/pause_too_long")
            change = rules.pause_until(resume_on)
            next_at = await store.apply_change(session, subscription, change, now=now)
            text = await paused_text(session, subscription, next_at, template="reflections/paused")
        self.scheduler.wake()
        await send_private(interaction, text)

    @reflections.command(name="resume", description="Prompts again now, after a pause or a stop")
    async def resume(self, interaction: discord.Interaction) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            subscription = await self._subscription(session, interaction, active=False)
            was = (
                "stopped"
                if not subscription.active
                else "paused"
                if subscription.paused_until is not None
                else "on"
            )
            next_at = await store.apply_change(session, subscription, rules.RESUMED, now=now)
        self.scheduler.wake()
        if next_at is None:
            await send_private(interaction, render("reflections/no_next"))
            return
        await send_private(
            interaction,
            render(
                "reflections/resumed",
                was=was,
                days=describe_days(subscription.days),
                time=subscription.time_of_day,
                timezone=subscription.timezone,
                weekday=weekday_of(subscription.next_send_on)
                if subscription.cadence == rules.WEEKLY
                else None,
                next_at=epoch(next_at),
            ),
        )

    @reflections.command(name="stop", description="Stop reflection prompts (your journal stays)")
    async def stop(self, interaction: discord.Interaction) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            subscription = await self._subscription(session, interaction)
            await store.apply_change(session, subscription, rules.STOPPED, now=now)
        await send_private(interaction, render("reflections/stopped"))

    @reflections.command(name="now", description="A reflection prompt right now, just for you")
    async def now(self, interaction: discord.Interaction) -> None:
        now = self.bot.clock.now()
        since = now - timedelta(days=1)
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            recent = await store.now_prompts_since(session, member.id, since=since)
            allowed = rules.now_allowed(len(recent))
            if not allowed:
                waiting = await store.open_now_prompt(session, member.id, since=since)
            else:
                waiting = None
                subscription = await store.get_subscription(session, member.id)
                custom = (await store.community_prompts_for(session, [member.guild_id]))[
                    member.guild_id
                ]
                # Her place in her walk through the prompts, also before she subscribed, so
                # her first scheduled prompt isn't the one she was just given here.
                position = (
                    subscription.prompts_sent
                    if subscription
                    else await store.prompts_given(session, member.id)
                )
                key = prompt_for(position, member.id, [*self.scheduler.keys, *custom])
                community = interaction.guild.name if interaction.guild else ""
                prompt_text = render_prompt(key, community=community, custom=custom)
                zone = subscription.timezone if subscription else (member.timezone or "UTC")
                entry_id = await store.add_prompt_now(
                    session,
                    member,
                    subscription,
                    prompt_key=key,
                    prompt_text=prompt_text,
                    local_date=rules.local_date(now, zone),
                    now=now,
                )
        if not allowed:
            # A few a day: kindly, with the one still waiting (if any) to answer.
            await send_private(
                interaction,
                render(
                    "reflections/now_limit",
                    limit=rules.NOW_PER_DAY,
                    again_at=epoch(min(recent) + timedelta(days=1)),
                    prompt=waiting.prompt_text if waiting else None,
                ),
                view=write_now_view(waiting.id) if waiting else None,
            )
            return
        await send_private(
            interaction,
            render("reflections/now", prompt=prompt_text),
            view=write_now_view(entry_id),
        )

    @reflections.command(name="journal", description="Your past reflections (only you see them)")
    @app_commands.describe(search="Only reflections containing this word")
    async def journal(
        self,
        interaction: discord.Interaction,
        search: app_commands.Range[str, 1, 50] | None = None,
    ) -> None:
        if search is not None:
            search = required_text(search)
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)

        picture = None
        if search is None:  # the calendar is of every reflection; a search shows only words
            await defer_private(interaction)  # drawing may take a moment
            picture = await calendar_picture(self.bot, member)
        await Journal(self.bot, member.id, interaction.user.id, search).send(
            interaction, file=picture.file() if picture else None
        )

    # -- plain DM replies -------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is not None or message.author.bot or not message.content:
            return
        now = self.bot.clock.now()
        async with self.bot.db.read() as session:
            entry = await store.newest_entry(
                session, message.author.id, since=now - DM_ANSWER_WINDOW
            )
            today = (
                rules.local_date(now, await store.member_zone(session, entry.member_id))
                if entry is not None
                else None
            )
            home = await store.journal_home(session, message.author.id) if entry is None else None
        target = rules.dm_reply_target(
            newest_on=entry.local_date if entry is not None else None,
            answered=entry is not None and entry.answer is not None,
            skipped=entry is not None and entry.skipped,
            today=today or now.date(),
        )
        view = None
        try:
            if entry is not None and target != "offer":
                reply = await save_answer(
                    self.bot, f"e{entry.id}", message.author.id, message.content
                )
            elif entry is None and home is None:
                reply = render("reflections/dm_saved_no_prompt")  # no journal anywhere yet
            else:
                checked_answer(message.content)  # an empty or too long one is said so now
                reply = render("reflections/dm_offer_note")
                view = note_offer_view(message.id)
        except UserFacingError as error:
            reply = render(error.template, **error.context)
        await message.channel.send(
            reply, view=view, allowed_mentions=discord.AllowedMentions.none()
        )


async def setup(bot: KindredBot) -> None:
    await bot.add_cog(ReflectionsCog(bot))
