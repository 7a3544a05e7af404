"""Coffee pairing and introductions, for the end-to-end tests and the benchmark: switching
rounds on, joining, reading DMs and clicking their buttons, what the database holds."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from coaching.meet import CARD_FIELDS
from storage.models import (
    Community,
    MeetMatch,
    MeetMatchMember,
    MeetParticipant,
    MeetProfile,
    MeetRound,
    MeetSettings,
    Member,
)
from testing.harness import Harness, Server


async def start_pairing(kindred: Harness, server: Server, **options: Any) -> datetime:
    """The organizer switches weekly rounds on, the day after today at 10:00 (community
    time); returns when the first round is due."""
    weekday = (kindred.clock.now().weekday() + 1) % 7
    options = {"pairing": True, "rhythm": "weekly", "day": weekday, "hour": 10, **options}
    reply = await server.run("Olu", "meet settings", **options)
    assert reply.reply is not None and "Saved" in reply.reply.content, reply.reply
    at = await next_round_at(kindred, server)
    assert at is not None
    return at


async def stop_every_round(kindred: Harness) -> None:
    """Switch coffee rounds off in every server: a module's later tests move the clock by
    weeks, and the rounds of servers an earlier test finished with need not run meanwhile."""
    assert kindred.db is not None
    async with kindred.db.session() as session:
        await session.execute(update(MeetSettings).values(enabled=False, next_round_at=None))


async def next_round_at(kindred: Harness, server: Server) -> datetime | None:
    assert kindred.db is not None
    async with kindred.db.read() as session:
        settings = await session.get(MeetSettings, server.id)
        return settings.next_round_at if settings is not None else None


async def join(server: Server, *names: str) -> None:
    for name in names:
        reply = await server.run(name, "meet join")
        assert reply.reply is not None and "You're in" in reply.reply.content, reply.reply


def dms(kindred: Harness, server: Server, name: str, containing: str = "") -> list[Any]:
    return [m for m in kindred.fd.dms_to(server.person(name)) if containing in m.content]


def round_dms(kindred: Harness, server: Server, name: str) -> list[Any]:
    return dms(kindred, server, name, "Coffee round")


def button_id(message: Any, label: str) -> str:
    for row in message.components:
        for component in row.get("components", []):
            if component.get("label", "").startswith(label):
                return str(component["custom_id"])
    raise AssertionError(f"no button {label!r} on {message!r}")


async def click(kindred: Harness, server: Server, who: str, message: Any, label: str) -> Any:
    live = kindred.fd.get_message(message.id) or message
    clicked = await kindred.fd.click(server.person(who), live, button_id(live, label))
    await clicked.wait_response()
    return clicked


async def groups(kindred: Harness, server: Server) -> list[list[set[str]]]:
    """Each round of the server, oldest first: its groups, as sets of names."""
    assert kindred.db is not None
    names = {int(user.id): name for name, user in server.people.items()}
    async with kindred.db.read() as session:
        rows = await session.execute(
            select(MeetRound.id, MeetMatch.id, Member.user_id)
            .join(MeetMatch, MeetMatch.round_id == MeetRound.id)
            .join(MeetMatchMember, MeetMatchMember.match_id == MeetMatch.id)
            .join(Member, Member.id == MeetMatchMember.member_id)
            .where(MeetRound.guild_id == server.id)
            .order_by(MeetRound.round_on, MeetMatch.id)
        )
        by_round: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
        for round_id, match_id, user_id in rows:
            by_round[round_id][match_id].add(names.get(user_id, str(user_id)))
    return [list(matches.values()) for matches in by_round.values()]


async def seed_community(
    kindred: Harness,
    guild_id: int,
    users: list[Any],
    *,
    opted_in: int,
    zones: list[str],
    words: list[str],
    seed: int = 5,
) -> None:
    """`users` as members of a community (the first `opted_in` of them in coffee pairing,
    in `zones`, most with a card made of `words`), written in bulk, as if they had used
    `/meet join` and `/meet profile` over months."""
    assert kindred.db is not None
    rng = random.Random(seed)
    now = datetime.now(UTC)
    async with kindred.db.session() as session:
        if await session.get(Community, guild_id) is None:
            await session.execute(
                insert(Community).values(
                    guild_id=guild_id,
                    name="Bench",
                    timezone="UTC",
                    prompt_time="09:00",
                    reflections_enabled=True,
                    pitch_enabled=True,
                    thanks_enabled=True,
                    rolodex_enabled=True,
                    created_at=now,
                    updated_at=now,
                )
            )
        await session.execute(
            insert(Member),
            [
                {
                    "guild_id": guild_id,
                    "user_id": int(user.id),
                    "reachable": True,
                    "dm_channel_id": int(kindred.fd.dm_channel(user).id),
                    "created_at": now,
                    "updated_at": now,
                }
                for user in users
            ],
        )
        ids = dict(
            (
                await session.execute(
                    select(Member.user_id, Member.id).where(Member.guild_id == guild_id)
                )
            ).all()
        )
        joined = [ids[int(user.id)] for user in users[:opted_in]]
        await session.execute(
            insert(MeetParticipant),
            [
                {
                    "member_id": member_id,
                    "guild_id": guild_id,
                    "active": True,
                    "timezone": zones[index % len(zones)],
                    "joined_at": now,
                    "updated_at": now,
                }
                for index, member_id in enumerate(joined)
            ],
        )
        await session.execute(
            insert(MeetProfile),
            [
                {
                    "member_id": member_id,
                    **{
                        field: " ".join(rng.sample(words, rng.randint(0, 3)))
                        for field in CARD_FIELDS
                    },
                    "created_at": now,
                    "updated_at": now,
                }
                for member_id in joined
                if rng.random() < 0.8
            ],
        )
