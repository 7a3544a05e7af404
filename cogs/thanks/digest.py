"""The weekly thanks digest: a post in each community's thanks channel, at its time."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from coaching.thanks import digest_key, digest_picks, digest_weeks, plan_digest
from cogs.thanks.views import display_name
from kindred.loops import Job
from prompts import render
from storage import thanks as store
from storage.courier import enqueue

log = logging.getLogger("kindred.thanks")


class ThanksDigest(Job):
    """Posts the digest of every community of this process's servers whose time has come
    (through the courier), then sleeps until the next one is due."""

    name = "thanks-digest"
    log = log

    async def next_due(self) -> datetime | None:
        async with self.bot.db.read() as session:
            return await store.next_digest_due(session, self.bot.ownership)

    async def tick(self) -> int:
        """Post the digest of every community whose digest time has come; returns posts queued."""
        now = self.bot.clock.now()
        queued = 0
        async with self.bot.db.session() as session:
            due = await store.due_digests(session, now=now, owner=self.bot.ownership)
            for community in due:
                due_at = community.next_digest_at
                assert due_at is not None
                plan = plan_digest(due_at, community.digest_covered_until, now)
                await store.digest_done(
                    session, community, due_at=due_at, covered_until=plan.covered_until
                )
                if community.thanks_channel_id is None or not plan.post:
                    continue
                week = await store.week_of_thanks(
                    session, community.guild_id, since=plan.since, until=due_at
                )
                if not week:
                    continue
                picks = digest_picks([(t.id, t.kind, t.giver_member_id) for t in week])
                # The row holds which thank-yous to show, not their words: they are read when
                # the digest is sent, so one removed or deleted meanwhile is left out.
                recipe = {
                    "guild": community.guild_id,
                    "picks": picks,
                    # "The last 2 weeks" only when it holds thanks older than a week.
                    "weeks": digest_weeks(due_at, min(t.created_at for t in week)),
                    "givers": len({t.giver_member_id for t in week}),
                    "receivers": len({t.receiver_member_id for t in week if t.receiver_member_id}),
                    "referrals": sum(t.kind == "referral" for t in week),
                }
                await enqueue(
                    session,
                    guild_id=community.guild_id,
                    channel_id=community.thanks_channel_id,
                    purpose="thanks_digest",
                    dedupe_key=digest_key(community.guild_id, due_at, community.timezone),
                    payload={"build": ["thanks_digest", recipe]},
                    due_at=now,
                    now=now,
                )
                queued += 1
        if queued:
            self.bot.courier.wake()
        return queued

    async def build(self, recipe: dict[str, Any]) -> dict[str, Any]:
        """The digest post, from the thank-yous picked that are still there."""
        guild_id = int(recipe["guild"])
        async with self.bot.db.read() as session:
            shown = await store.shown_thanks(session, [int(i) for i in recipe["picks"]])
        picks = [
            {
                "giver": display_name(self.bot, guild_id, giver),
                "receiver": display_name(self.bot, guild_id, receiver),
                "kind": thanks.kind,
                "story": thanks.story[:280],
            }
            for thanks, giver, receiver in shown
        ]
        body = render(
            "thanks/digest",
            weeks=recipe["weeks"],
            givers=recipe["givers"],
            receivers=recipe["receivers"],
            referrals=recipe.get("referrals", 0),  # digests queued before it was counted
            picks=picks,
        )
        return {"content": body[:2000]}
