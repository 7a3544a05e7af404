"""Reminders by DM: stay in touch with someone (a loop), and follow up on a given day."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from coaching.rolodex import describe_cadence, followup_reminder_key, touch_reminder_key
from cogs.rolodex.views import FollowUpButton
from kindred.loops import Job
from prompts import render
from storage import rolodex as store
from storage.courier import enqueue

if TYPE_CHECKING:
    from kindred.bot import KindredBot
    from storage.models import FollowUp, Member

log = logging.getLogger("kindred.rolodex")

# (action, label template, button style) under a follow-up reminder: see views.FollowUpButton.
FOLLOWUP_BUTTONS = (
    ("done", "rolodex/followup_done", 3),
    ("snooze", "rolodex/followup_snooze", 2),
    ("drop", "rolodex/followup_drop", 2),
)
TICK_LIMIT = 500


class StayInTouch(Job):
    """Queues one DM per drift for entries past their stay-in-touch time (this process's
    servers), then sleeps until the next one is due."""

    name = "rolodex"
    log = log
    # Woken after every saved entry (most have no reminder due yet): `next_due` is the
    # soonest reminder `tick` would take (same rows).
    ask_first = True

    async def next_due(self) -> datetime | None:
        async with self.bot.db.read() as session:
            return await store.next_touch_due(session, self.bot.ownership)

    async def tick(self) -> int:
        now = self.bot.clock.now()
        queued = 0
        async with self.bot.db.session() as session:
            due = await store.take_due_touch_reminders(
                session, now=now, limit=TICK_LIMIT, owner=self.bot.ownership
            )
            for entry, member, due_day in due:
                await enqueue(
                    session,
                    guild_id=member.guild_id,
                    member_id=member.id,
                    purpose="stay_in_touch",
                    dedupe_key=touch_reminder_key(entry.id, due_day),
                    payload={
                        "content": render(
                            "rolodex/cadence_dm",
                            name=entry.name,
                            cadence=describe_cadence(entry.cadence_days),
                            last=entry.last_touch_on.isoformat() if entry.last_touch_on else None,
                        )
                    },
                    due_at=now,
                    now=now,
                )
                queued += 1
        if queued:
            self.bot.courier.wake()
        return queued


async def enqueue_followup_reminder(
    bot: KindredBot, session: Any, followup: FollowUp, member: Member
) -> None:
    """The reminder DM of a follow-up, due at its time, with "Done", "Snooze", "Not needed"."""
    await enqueue(
        session,
        guild_id=member.guild_id,
        member_id=member.id,
        purpose="followup",
        dedupe_key=followup_reminder_key(followup.id, followup.snoozes),
        payload={
            "content": render("rolodex/followup_dm", person=followup.person, note=followup.note),
            "components": [
                {
                    "type": 1,
                    "components": [
                        {
                            "type": 2,
                            "style": style,
                            "label": render(label),
                            "custom_id": FollowUpButton.custom_id_for(
                                action=action, id=followup.id
                            ),
                        }
                        for action, label, style in FOLLOWUP_BUTTONS
                    ],
                }
            ],
        },
        due_at=followup.due_at,
        now=bot.clock.now(),
    )
