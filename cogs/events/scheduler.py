"""The events job: nudges before, debriefs after, organizers' pictures; all through the courier.

A debrief is one tick for the whole event: every interested member who wants event DMs gets
hers, queued in one unit of work (an event of 2,000 in tens of milliseconds, `bench/events.py`).
"""

from __future__ import annotations

import functools
import json
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from coaching.events import (
    came_back,
    debrief_key,
    debrief_on_time,
    nudge_at,
    nudge_key,
    organizer_summary,
    questions_for,
    report_key,
)
from coaching.reflections import zone
from cogs.events.views import DEBRIEF_SET, NUDGE_SET
from kindred.loops import Job
from prompts import render, template_names
from storage import events as store
from storage.courier import enqueue, enqueue_many

if TYPE_CHECKING:
    from cogs.events.sync import EventSync
    from kindred.bot import KindredBot
    from storage.models import Event

log = logging.getLogger("kindred.events")

NUDGE_LIMIT = 1000
EVENT_LIMIT = 20
QUESTIONS = "events/questions/"


def question_keys() -> list[str]:
    return [n.removeprefix(QUESTIONS) for n in template_names() if n.startswith(QUESTIONS)]


@functools.lru_cache(maxsize=4096)
def _question(key: str) -> str:
    return render(QUESTIONS + key)


def _payload_head(body: str, button_set: str) -> str:
    """The JSON of a DM up to its buttons' reference: exactly json.dumps({"content": body,
    "buttons": [set, ref]}) once the ref is added (see `Courier.register_buttons`)."""
    return '{"content": ' + json.dumps(body) + f', "buttons": ["{button_set}", "'


@functools.lru_cache(maxsize=256)
def _debrief_head(name: str, at: int, intention: str | None) -> str:
    # An event's debriefs differ only by the intention shown back: five texts per event.
    body = render("events/debrief_dm", name=name, at=at, intention=intention)
    return _payload_head(body, DEBRIEF_SET)


class EventScheduler(Job):
    """Finds due nudges, debriefs and organizer reports (this process's servers), queues them,
    and sleeps until the next is due. Before its first tick after a (re)connect it brings
    Kindred's copy of every event up to date from Discord (`EventSync.reconcile_all`)."""

    name = "events"
    log = log
    retry_after = timedelta(seconds=30)
    batch = NUDGE_LIMIT

    def __init__(self, bot: KindredBot, sync: EventSync) -> None:
        super().__init__(bot)
        self.sync = sync
        self.questions = question_keys()

    async def next_due(self) -> datetime | None:
        async with self.bot.db.read() as session:
            return await store.next_due(session, self.bot.ownership)

    async def tick(self) -> int:
        if self.sync.reconcile_wanted:
            await self.sync.reconcile_all()
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            handled = await self._nudges(session, now)
            handled += await self._debriefs(session, now)
            handled += await self._reports(session, now)
        if handled:
            self.bot.courier.wake()
        return handled

    # -- before ---------------------------------------------------------------------------------

    async def _nudges(self, session: Any, now: datetime) -> int:
        due = await store.due_nudges(session, now=now, limit=NUDGE_LIMIT, owner=self.bot.ownership)
        sent: list[int] = []
        moved: list[tuple[int, datetime]] = []
        dropped: list[int] = []
        rows: list[dict[str, Any]] = []
        for nudge in due:
            # Her zone and time as they are now (she may have changed them since).
            when = (
                nudge_at(nudge.starts_at, zone(nudge.zone_name), nudge.at, now)
                if nudge.open and nudge.wants and nudge.reachable
                else None
            )
            if when is None:
                dropped.append(nudge.attendee_id)
                continue
            if when > now:
                moved.append((nudge.attendee_id, when))
                continue
            first, second = questions_for(nudge.member_id, nudge.event_id, self.questions)
            body = render(
                "events/nudge_dm",
                name=nudge.name,
                at=int(nudge.starts_at.timestamp()),
                location=nudge.location,
                welcome_back=came_back(nudge.previous_event, nudge.starts_at),
                questions=[_question(first), _question(second)],
            )
            rows.append(
                {
                    "guild_id": nudge.guild_id,
                    "member_id": nudge.member_id,
                    "purpose": "event_nudge",
                    "dedupe_key": nudge_key(nudge.event_id, nudge.member_id, nudge.starts_at),
                    "payload_json": _payload_head(body, NUDGE_SET) + f'{nudge.attendee_id}"]}}',
                    "due_at": now,
                    "created_at": now,
                }
            )
            sent.append(nudge.attendee_id)
        await enqueue_many(session, rows)
        await store.nudges_done(session, sent=sent, moved=moved, dropped=dropped, now=now)
        return len(due)

    # -- after ----------------------------------------------------------------------------------

    async def _debriefs(self, session: Any, now: datetime) -> int:
        queued = 0
        for event in await store.due_debriefs(
            session, now=now, limit=EVENT_LIMIT, owner=self.bot.ownership
        ):
            assert event.debrief_due_at is not None
            if not debrief_on_time(event.debrief_due_at, now):
                log.warning(
                    "event %s ended at %s, past the catch-up window: no debriefs",
                    event.id,
                    event.debrief_due_at,
                )
                store.debriefs_planned(event, now=now)
                continue
            queued += await self._debrief(session, event, now)
        return queued

    async def _debrief(self, session: Any, event: Event, now: datetime) -> int:
        """Every interested member's debrief of one event, in one go."""
        recipients = await store.debrief_recipients(session, event.id)
        at = int(event.starts_at.timestamp())
        guild_id, event_id, name = event.guild_id, event.id, event.name
        await enqueue_many(
            session,
            [
                {
                    "guild_id": guild_id,
                    "member_id": member_id,
                    "purpose": "event_debrief",
                    "dedupe_key": debrief_key(event_id, member_id),
                    "payload_json": _debrief_head(name, at, intention) + f'{attendee_id}"]}}',
                    "due_at": now,
                    "created_at": now,
                }
                for attendee_id, member_id, intention in recipients
            ],
        )
        store.debriefs_planned(event, now=now)
        log.info("event %s: %d debrief(s) queued", event.id, len(recipients))
        return len(recipients)

    # -- organizers -----------------------------------------------------------------------------

    async def _reports(self, session: Any, now: datetime) -> int:
        sent = 0
        for event in await store.due_reports(
            session, now=now, limit=EVENT_LIMIT, owner=self.bot.ownership
        ):
            event.report_due_at = None
            summary = organizer_summary(*await store.report_counts(session, event.id))
            if summary is None or event.creator_user_id is None:
                continue  # fewer than five: nothing, so nobody can be picked out
            creator = await store.event_dms_wanted_by(
                session, event.guild_id, event.creator_user_id, now=now
            )
            if creator is None:
                continue  # no event DMs for her: she reads it with /events report instead
            await enqueue(
                session,
                guild_id=event.guild_id,
                member_id=creator.id,
                purpose="event_report",
                dedupe_key=report_key(event.id),
                payload={
                    "content": render(
                        "events/report_dm",
                        name=event.name,
                        at=int(event.starts_at.timestamp()),
                        summary=summary,
                    )
                },
                due_at=now,
                now=now,
            )
            sent += 1
        return sent
