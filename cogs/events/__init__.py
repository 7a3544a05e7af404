"""Meetups drive the coaching: Discord's scheduled events bring a nudge before (an intention,
two questions to bring) and a debrief after (the eight-question look back, "Who did you
meet?" into the Rolodex, one-click follow-ups), for members who opted in.

`sync` follows Discord's events, `scheduler` sends what is due, `views` answers the buttons
and the form. `/events notify`, `/events history` and, for organizers, `/events report`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from coaching.events import SMALL_NUMBERS, Status, organizer_summary, welcome_back
from coaching.pitch_event import sparkline, trend
from cogs.common import member_of, require_organizer
from cogs.events.scheduler import EventScheduler
from cogs.events.sync import EventSync, info_from_event, interest_frame
from cogs.events.views import (
    DEBRIEF_SET,
    NUDGE_SET,
    DebriefButton,
    FollowUpButton,
    IntentionButton,
    debrief_buttons,
    nudge_buttons,
)
from kindred.replies import send_private
from prompts import render
from storage import events as store
from storage import pitch as pitch_store

if TYPE_CHECKING:
    from kindred.bot import KindredBot
    from storage.models import Member

HISTORY_SIZE = 8
OPEN = (Status.SCHEDULED, Status.ACTIVE)
CHECKS_SHOWN = 12
REPORTS_SHOWN = 5
BUTTONS = (IntentionButton, DebriefButton, FollowUpButton)


class EventsCog(commands.Cog):
    events = app_commands.Group(
        name="events",
        description="Meetups: a nudge before, a look back after (if you opt in)",
        guild_only=True,
    )

    def __init__(self, bot: KindredBot) -> None:
        self.bot = bot
        self.sync = EventSync(bot, changed=self.wake)
        self.scheduler = EventScheduler(bot, self.sync)

    def wake(self) -> None:
        self.scheduler.wake()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*BUTTONS)
        self.bot.courier.register_buttons(NUDGE_SET, nudge_buttons)
        self.bot.courier.register_buttons(DEBRIEF_SET, debrief_buttons)
        # Loaded into a running bot (a reload): catch up now; otherwise at the shards' READY.
        self.sync.reconcile_wanted = self.bot.is_ready()
        self.scheduler.start()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*BUTTONS)
        await self.scheduler.stop()

    # -- Discord's news ---------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_shard_ready(self, _shard_id: int) -> None:
        # A new gateway session (at start, or after one that could not be resumed) may have
        # missed events: the events job looks again before its next tick.
        self.sync.reconcile_wanted = True
        self.wake()

    @commands.Cog.listener()
    async def on_scheduled_event_create(self, event: discord.ScheduledEvent) -> None:
        await self.sync.event_changed(info_from_event(event))

    @commands.Cog.listener()
    async def on_scheduled_event_update(
        self, _before: discord.ScheduledEvent, after: discord.ScheduledEvent
    ) -> None:
        await self.sync.event_changed(info_from_event(after))

    @commands.Cog.listener()
    async def on_scheduled_event_delete(self, event: discord.ScheduledEvent) -> None:
        await self.sync.event_changed(info_from_event(event, Status.DELETED))

    @commands.Cog.listener()
    async def on_socket_raw_receive(self, message: str | bytes) -> None:
        frame = interest_frame(message)
        if frame is not None:
            await self.sync.interest_changed(*frame)

    # -- her choice -------------------------------------------------------------------------------

    async def set_notify(self, session: Any, member: Member, *, on: bool) -> None:
        """Her choice, from `/events notify` or `/reflections settings`; wake() after the
        unit of work."""
        await store.set_notify(session, member, on=on, now=self.bot.clock.now())

    async def notify_text(self, session: Any, member: Member, *, changed: bool) -> str:
        on, own = await store.notify_on(session, member)
        return render("events/notify", changed=changed, on=on, own=own is not None)

    @events.command(name="notify", description="A nudge before and a look back after events")
    @app_commands.describe(setting="on or off (leave out to see where you stand)")
    @app_commands.choices(
        setting=[
            app_commands.Choice(name="on", value="on"),
            app_commands.Choice(name="off", value="off"),
        ]
    )
    async def notify(
        self, interaction: discord.Interaction, setting: app_commands.Choice[str] | None = None
    ) -> None:
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            if setting is not None:
                await self.set_notify(session, member, on=setting.value == "on")
            text = await self.notify_text(session, member, changed=setting is not None)
        self.wake()
        await send_private(interaction, text)

    @events.command(name="history", description="Your events, whom you met, your look-backs")
    async def history(self, interaction: discord.Interaction) -> None:
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            items = await store.history(session, member.id, limit=HISTORY_SIZE)
            checks = await pitch_store.recent_checks(session, member.id, limit=CHECKS_SHOWN * 3)
        if not items:
            await send_private(interaction, render("events/history_empty"))
            return
        now = self.bot.clock.now()
        scores = [c.score for c in reversed(checks) if c.kind == "event"][-CHECKS_SHOWN:]
        embed = discord.Embed(
            title=render("events/history_title"),
            description=render(
                "events/history",
                items=[
                    {
                        "name": item.name,
                        "at": int(item.starts_at.timestamp()),
                        "intention": item.intention,
                        "score": item.check_score,
                        "skipped": item.skipped,
                        "met": item.met,
                        "upcoming": item.status in OPEN and item.starts_at > now,
                    }
                    for item in items
                ],
                spark=sparkline(scores),
                trend=trend(scores),
                welcome_back=welcome_back([item.starts_at for item in items], self.bot.clock.now()),
            )[:4096],
            colour=discord.Colour.from_str("#7a9e7e"),
        )
        await send_private(interaction, embed=embed)

    @events.command(name="report", description="Organizers: how members followed up after events")
    async def report(self, interaction: discord.Interaction) -> None:
        require_organizer(interaction)
        assert interaction.guild is not None
        async with self.bot.db.read() as session:
            ended = await store.ended_events(session, interaction.guild.id, limit=REPORTS_SHOWN)
            rows = [
                {
                    "name": event.name,
                    "at": int(event.starts_at.timestamp()),
                    "summary": organizer_summary(*await store.report_counts(session, event.id)),
                }
                for event in ended
            ]
        await send_private(
            interaction, render("events/report", events=rows, minimum=SMALL_NUMBERS)[:2000]
        )


async def setup(bot: KindredBot) -> None:
    await bot.add_cog(EventsCog(bot))
