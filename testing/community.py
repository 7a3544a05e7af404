"""A community with a history: members, reflections and thank-yous over past weeks, written
straight into the database (bulk, at the driver level), for the insights tests, the
benchmark (10,000 members, a year) and the sandbox's `:demo-year`.

Every text written is neutral filler ("A seeded reflection."): the pictures must never show
what anyone wrote, and a test that looks for these words in a picture's text would notice.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import column, select, table

from storage.communities import ensure_community
from storage.db import Database
from storage.driver import driver_converter, executemany_driver
from storage.models import Member, ReflectionEntry, ReflectionSubscription, Thanks

KINDS = (("referral", 3), ("introduction", 3), ("advice", 2), ("support", 2), ("other", 1))
OUTCOMES = (("met", 4), ("client", 2), ("not_fit", 1), (None, 3))
FILLER = "A seeded reflection."
CHUNK = 20_000


@dataclass(frozen=True)
class Activity:
    """How busy the community was: over `weeks` weeks before now."""

    members: int
    weeks: int = 52
    opted_in: float = 0.4  # share of members who get daily prompts
    answer_rate: float = 0.45  # share of prompts answered (each member around it)
    thanks_per_week: int = 40
    seed: int = 21


def _insert(name: str, names: tuple[str, ...]) -> Any:
    return table(name, *(column(n) for n in names)).insert()


async def seed_activity(
    db: Database,
    guild_id: int,
    now: datetime,
    activity: Activity,
    *,
    user_ids: list[int] | None = None,
    name: str = "",
) -> dict[str, int]:
    """Members (`user_ids`, or made-up ids), their prompts and answers, and thank-yous
    between them; returns rows written per table."""
    rng = random.Random(activity.seed)
    users = user_ids or [10**15 + guild_id % 10**6 * 10**5 + i for i in range(activity.members)]
    counts: dict[str, int] = {}
    async with db.session() as session:
        await ensure_community(session, guild_id, now=now, name=name)
        dialect = (await session.connection()).dialect
        when = driver_converter(Member.__table__.c.created_at, dialect)
        day = driver_converter(ReflectionEntry.__table__.c.local_date, dialect)
        member_names = (
            "guild_id", "user_id", "reachable", "thanks_dms", "created_at", "updated_at",
        )  # fmt: skip
        stamp = when(now - timedelta(weeks=activity.weeks + 1))
        known = set(
            await session.scalars(select(Member.user_id).where(Member.guild_id == guild_id))
        )
        await executemany_driver(
            session,
            _insert("members", member_names),
            member_names,
            [(guild_id, u, True, True, stamp, stamp) for u in users if u not in known],
        )
        rows = await session.execute(
            select(Member.id, Member.user_id).where(Member.guild_id == guild_id)
        )
        by_user = {int(user): int(member) for member, user in rows}
        members = [by_user[u] for u in users]
        counts["members"] = len(members)

        opted = [m for m in members if rng.random() < activity.opted_in]
        subscribed = set(
            await session.scalars(
                select(ReflectionSubscription.member_id).where(
                    ReflectionSubscription.guild_id == guild_id
                )
            )
        )
        subscription_names = (
            "member_id", "guild_id", "active", "display_name", "timezone", "time_of_day",
            "days", "cadence", "prompts_sent", "unanswered", "created_at", "updated_at",
        )  # fmt: skip
        # No next send time: the scheduler leaves these members alone.
        subscriptions = [
            (m, guild_id, True, "", "UTC", "09:00", 127, "daily", 0, 0, stamp, stamp)
            for m in opted
            if m not in subscribed
        ]
        await executemany_driver(
            session,
            _insert(ReflectionSubscription.__tablename__, subscription_names),
            subscription_names,
            subscriptions,
        )
        counts["reflection_subscriptions"] = len(opted)

        entry_names = (
            "member_id", "kind", "local_date", "prompt_key", "prompt_text", "sent_at", "answer",
            "answered_at", "skipped",
        )  # fmt: skip
        entries = _insert(ReflectionEntry.__tablename__, entry_names)
        batch: list[tuple[Any, ...]] = []
        written = 0
        days = activity.weeks * 7
        rates = {m: min(0.95, max(0.05, rng.gauss(activity.answer_rate, 0.2))) for m in opted}
        for back in range(days, 0, -1):
            sent = now - timedelta(days=back)
            sent_text, day_text = when(sent), day(sent.date())
            answered_text = when(sent + timedelta(hours=2))
            for m in opted:
                answered = rng.random() < rates[m]
                batch.append(
                    (m, "daily", day_text, "pack/seeded", "A seeded prompt.", sent_text,
                     FILLER if answered else None, answered_text if answered else None, False)
                )  # fmt: skip
                if len(batch) >= CHUNK:
                    await executemany_driver(session, entries, entry_names, batch)
                    written += len(batch)
                    batch = []
        await executemany_driver(session, entries, entry_names, batch)
        counts["reflection_entries"] = written + len(batch)

        thanks_names = (
            "guild_id", "giver_member_id", "receiver_member_id", "kind", "story", "story_key",
            "channel_id", "removed", "outcome", "created_at",
        )  # fmt: skip
        kinds = [k for k, weight in KINDS for _ in range(weight)]
        outcomes = [o for o, weight in OUTCOMES for _ in range(weight)]
        given = []
        for week in range(activity.weeks):
            for _ in range(max(0, round(rng.gauss(activity.thanks_per_week, 4)))):
                giver, receiver = rng.sample(members, 2) if len(members) > 1 else (members[0],) * 2
                kind = rng.choice(kinds)
                story = f"Seeded thank-you {guild_id}-{week}-{len(given)}."
                given.append(
                    (guild_id, giver, receiver, kind, story,
                     hashlib.sha256(story.encode()).hexdigest(), guild_id, False,
                     rng.choice(outcomes) if kind == "referral" else None,
                     when(now - timedelta(weeks=week, hours=rng.randint(1, 160))))
                )  # fmt: skip
        await executemany_driver(
            session, _insert(Thanks.__tablename__, thanks_names), thanks_names, given
        )
        counts["thanks"] = len(given)
    return counts
