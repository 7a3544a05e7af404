"""The monthly community picture by DM, for organizers who turned it on (`/setup`).

On the 1st of each month (09:00 community time) the job checks each subscriber is still an
organizer (Manage Server; one who is not any more, or left, is unsubscribed and gets
nothing), draws the last four weeks and queues the DM with the picture through the courier,
keyed by organizer and month, so it goes out once.
"""

from __future__ import annotations

import logging
from datetime import datetime

import discord

from coaching.insights import MONTHLY_WEEKS, monthly_key, next_monthly
from cogs.insights.report import community_report
from kindred.loops import Job
from prompts import render
from storage import insights as store
from storage.courier import enqueue

log = logging.getLogger("kindred.insights")

BATCH = 20


class MonthlyInsights(Job):
    name = "insights-monthly"
    log = log
    batch = BATCH

    async def next_due(self) -> datetime | None:
        async with self.bot.db.read(offload=True) as session:
            return await store.next_monthly_due(session, self.bot.ownership)

    async def still_organizer(self, guild_id: int, user_id: int) -> bool:
        """Whether the member may still see the community picture. Discord errors other
        than "not there" propagate: the loop tries again later."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return False
        try:
            member = await guild.fetch_member(user_id)
        except discord.NotFound:
            return False
        permissions = member.guild_permissions
        return permissions.manage_guild or permissions.administrator

    async def tick(self) -> int:
        now = self.bot.clock.now()
        async with self.bot.db.read(offload=True) as session:
            due = await store.due_monthly(session, now=now, owner=self.bot.ownership, limit=BATCH)
        queued = 0
        for subscription, user_id, zone in due:
            # Asked of Discord and drawn before the write unit: never wait inside one.
            allowed = await self.still_organizer(subscription.guild_id, user_id)
            payload = None
            if allowed:
                guild = self.bot.get_guild(subscription.guild_id)
                name = guild.name if guild is not None else ""
                report = await community_report(
                    self.bot, subscription.guild_id, name, zone, MONTHLY_WEEKS
                )
                payload = {
                    "content": render(
                        "insights/monthly_dm",
                        community=name,
                        weeks=MONTHLY_WEEKS,
                        lines=report.lines,
                    ),
                    "files": [report.picture.outbox_file()],
                }
            else:
                log.info("member %d is no longer an organizer: monthly picture off", user_id)
            async with self.bot.db.session() as session:
                if payload is not None:
                    queued += await enqueue(
                        session,
                        guild_id=subscription.guild_id,
                        member_id=subscription.member_id,
                        purpose="insights_monthly",
                        dedupe_key=monthly_key(
                            subscription.member_id, subscription.next_send_at, zone
                        ),
                        payload=payload,
                        due_at=now,
                        now=now,
                    )
                await store.monthly_done(
                    session,
                    subscription.id,
                    next_at=next_monthly(now, zone) if allowed else None,
                )
        if queued:
            self.bot.courier.wake()
        return len(due)
