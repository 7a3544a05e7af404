"""The reflection scheduler: finds due subscriptions and hands their prompts to the courier."""

from __future__ import annotations

import functools
import json
import logging
import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from coaching.reflections import (
    DAILY,
    DuePlan,
    DueState,
    Schedule,
    plan_due,
    prompt_at,
    stored_time_of_day,
)
from coaching.shards import EVERY_SERVER, ShardOwnership
from cogs.reflections.views import BUTTON_SETS
from kindred.loops import Job
from prompts import _CONTROLS, escape_markdown, render, template_names
from storage import reflections as store

if TYPE_CHECKING:
    from kindred.bot import KindredBot

log = logging.getLogger("kindred.reflections")

PACK_PREFIX = "reflections/pack/"
TICK_LIMIT = 1000
_NO_DAYS: frozenset[date] = frozenset()
# Rows planned between two hand-offs to the database (see store.TickWrites).
TICK_CHUNK = 250


def pack_keys() -> list[str]:
    return [
        name.removeprefix(PACK_PREFIX) for name in template_names() if name.startswith(PACK_PREFIX)
    ]


def render_prompt(key: str, *, community: str, custom: dict[str, str]) -> str:
    if key.startswith("custom:"):
        return custom.get(key, "")
    return _pack_prompt(key, community)


# Templates don't change while the bot runs, so a rendering can be reused across ticks. With
# thousands of servers the (prompt x community) pairs outnumber any cache, though: a miss fills
# in a stencil (the template rendered once with markers where the values go) instead of
# running Jinja, a few microseconds instead of a hundred.
_PROMPT_SLOT = "\ue000"  # private-use characters: no template, nor the md filter, alters them
_COMMUNITY_SLOT = "\ue001"
_SLOTS = re.compile(f"([{_PROMPT_SLOT}{_COMMUNITY_SLOT}])")


@functools.cache
def _stencil(name: str, **context: Any) -> str:
    """`name` rendered with the slot markers among `context`, as a format string: "{0}" where
    the prompt goes, "{1}" where the community does."""
    parts = _SLOTS.split(render(name, **context))
    return "".join(
        part.replace("{", "{{").replace("}", "}}")
        if n % 2 == 0
        else ("{0}" if part == _PROMPT_SLOT else "{1}")
        for n, part in enumerate(parts)
    )


def _stencil_fits(community: str) -> bool:
    # The stencils hold for a name the templates neither test (`{% if community %}`: an empty
    # one) nor lose an edge of (render strips), and which carries no marker itself.
    return (
        bool(community)
        and community == community.strip()
        and _PROMPT_SLOT not in community
        and _COMMUNITY_SLOT not in community
    )


@functools.lru_cache(maxsize=16384)
def _pack_prompt(key: str, community: str) -> str:
    if not _stencil_fits(community):
        return render(PACK_PREFIX + key, community=community)
    # Pack prompts put the community's name in as it is (tests/test_reflection_stencils.py).
    return _stencil(PACK_PREFIX + key, community=_COMMUNITY_SLOT).format("", community)


@functools.lru_cache(maxsize=16384)
def _daily_dm(prompt: str, community: str, switched_to_weekly: bool) -> str:
    if not _stencil_fits(community) or not prompt or _SLOTS.search(prompt):
        return render(
            "reflections/daily_dm",
            prompt=prompt,
            community=community,
            switched_to_weekly=switched_to_weekly,
        )
    stencil = _stencil(
        "reflections/daily_dm",
        prompt=_PROMPT_SLOT,
        community=_COMMUNITY_SLOT,
        switched_to_weekly=switched_to_weekly,
    )
    # The template shows both through the md filter, which a marker passes unchanged.
    return stencil.format(escape_markdown(prompt), _community_md(community))


@functools.lru_cache(maxsize=16384)
def _community_md(community: str) -> str:
    return escape_markdown(community)


# The scheduler enqueues 1,000 DMs a tick, all alike but for the text and the entry reference
# their buttons point at. Their payloads are JSON text built from cached parts, exactly
# json.dumps({"content": body, "buttons": [set, ref]}), instead of encoding each one; the
# courier turns "buttons" into the button row when it sends (`Courier.register_buttons`).


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
    stencils = _pack_daily_stencils(key, switched_to_weekly)
    if stencils is not None and _escapes_apart(community):
        # The hot path of a tick over many servers (the pairs outnumber this cache): two
        # format strings.
        prompt, head = stencils
        return prompt.format("", community), head.format(_community_json(community))
    prompt = render_prompt(key, community=community, custom={})
    return prompt, _daily_payload_head(prompt, community, switched_to_weekly)


@functools.cache
def _pack_daily_stencils(key: str, switched_to_weekly: bool) -> tuple[str, str] | None:
    """For `_pack_daily`, when the name escapes apart: the pack prompt's stencil, and the DM's
    payload head as a format string with "{0}" for the name through the md filter, JSON-escaped.
    (JSON escapes character by character, so the escaped parts joined are the escaped whole.)
    None when the prompt can't be escaped apart from the name."""
    escaped = _escaped_pack_prompt(key)
    if escaped is None:
        return None
    body = _stencil(
        "reflections/daily_dm",
        prompt=_PROMPT_SLOT,
        community=_COMMUNITY_SLOT,
        switched_to_weekly=switched_to_weekly,
    ).format(escaped.format(_COMMUNITY_SLOT), _COMMUNITY_SLOT)
    parts = [
        _json_inside(part).replace("{", "{{").replace("}", "}}")
        for part in body.split(_COMMUNITY_SLOT)
    ]
    head = '{{"content": "' + "{0}".join(parts) + '", "buttons": '  # as _payload_head
    return _stencil(PACK_PREFIX + key, community=_COMMUNITY_SLOT), head


def _json_inside(text: str) -> str:
    """`text` as JSON escapes it inside a string's quotes."""
    return json.dumps(text)[1:-1]


@functools.lru_cache(maxsize=16384)
def _community_json(community: str) -> str:
    return _json_inside(_community_md(community))


@functools.cache
def _escaped_pack_prompt(key: str) -> str | None:
    """The pack prompt through the md filter, as a format string with "{0}" for the escaped
    community name; None if a "@" comes right before it (escaping the two apart could miss
    an "@everyone")."""
    parts = escape_markdown(render(PACK_PREFIX + key, community=_COMMUNITY_SLOT)).split(
        _COMMUNITY_SLOT
    )
    if any(part.endswith("@") for part in parts[:-1]):
        return None
    return "{0}".join(part.replace("{", "{{").replace("}", "}}") for part in parts)


@functools.lru_cache(maxsize=16384)
def _escapes_apart(community: str) -> bool:
    """Whether escaping a prompt with this name in it equals escaping the text around it and
    the name apart: the md filter works character by character but for a line's first
    characters (the name never starts a line's markup here) and mass mentions (no "@")."""
    return (
        _stencil_fits(community)
        and not community[0].isspace()
        and community[0] not in ">#-"
        and "@" not in community
        and "\n" not in community
        and _CONTROLS.search(community) is None
    )


class ReflectionScheduler(Job):
    """Finds due subscriptions, enqueues their prompts into the courier, sleeps until the
    next one is due. `wake()` after any change that could move a send time earlier."""

    name = "reflections"
    log = log
    retry_after = timedelta(seconds=5)
    batch = TICK_LIMIT
    # Woken after each member's change (/reflections start, settings): `next_due` is the
    # soonest send `tick` would handle (same rows).
    ask_first = True

    def __init__(self, bot: KindredBot, ownership: ShardOwnership = EVERY_SERVER) -> None:
        super().__init__(bot)
        # Only servers on this process's shards: another process schedules the rest.
        self.ownership = ownership
        self.keys = pack_keys()
        self.sorted_keys = sorted(self.keys)

    async def next_due(self) -> datetime | None:
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
            # (Only servers that have some: the others share _NO_DAYS in _plan_chunk.)
            quiet = {
                guild_id: frozenset(days) for guild_id, days in servers.quiet_days.items() if days
            }
            # Per server: community name, its own prompts, the whole pack in rotation order.
            guilds: dict[int, tuple[str, dict[str, str], list[str]]] = {}
            for guild_id in guild_ids:
                guild_custom = servers.prompts[guild_id]
                keys = sorted([*self.keys, *guild_custom]) if guild_custom else self.sorted_keys
                guilds[guild_id] = (servers.names.get(guild_id, ""), guild_custom, keys)
            sent = 0
            plans: dict[tuple[Any, ...], DuePlan] = {}
            async with store.TickWrites(session, now=now) as writes:
                for first in range(0, len(due), TICK_CHUNK):
                    sent += await self._plan_chunk(
                        writes, due[first : first + TICK_CHUNK], now, catchup, quiet, guilds, plans
                    )
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
                    timezone, stored_time_of_day(time_of_day), weekdays, cadence, paused_until
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
