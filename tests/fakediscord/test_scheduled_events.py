"""fakediscord's guild scheduled events: REST, gateway events, Discord's rules, the spec.

The real discord.py client is the other side; payloads are checked against the response
schemas of Discord's OpenAPI spec, and query strings are validated like request bodies.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest
from discord.http import Route
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fakediscord import FakeDiscord, Guild, User, stop_client
from fakediscord.models import EVENT_ACTIVE, EVENT_CANCELED, EVENT_COMPLETED
from fakediscord.spec import find_spec_path
from tests.fakediscord.helpers import RecordingBot, run_bot, shutdown

START = datetime(2031, 5, 6, 17, 0, tzinfo=UTC)


@dataclass
class Env:
    fd: FakeDiscord
    bot: RecordingBot
    guild: Guild
    olu: User
    maya: User
    ines: User


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[Env]:
    fd = FakeDiscord(ratelimit_time_scale=0.05)
    await fd.start()
    olu = fd.add_user("Olu")
    guild = fd.add_guild("Demo Meetup", owner=olu)
    maya, ines = fd.add_user("Maya"), fd.add_user("Ines")
    fd.add_member(guild, maya, nick="Maya R.")
    fd.add_member(guild, ines)
    # An event from before the bot connects arrives in GUILD_CREATE.
    fd.create_scheduled_event(
        guild, "Spring breakfast", start=START, end=START + timedelta(hours=2)
    )
    intents = discord.Intents.default()
    intents.guild_scheduled_events = True
    bot = RecordingBot(intents=intents)
    task = await run_bot(fd, bot)
    try:
        yield Env(fd, bot, guild, olu, maya, ines)
    finally:
        await shutdown(fd, bot, task)


def response_schema(name: str) -> Draft202012Validator:
    """A validator for one of the spec's response schemas."""
    path = find_spec_path()
    if path is None:
        pytest.skip("Discord's OpenAPI spec is not available")
    spec = json.loads(path.read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry().with_resource(
        "urn:spec", Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"urn:spec#/components/schemas/{name}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


async def get(env: Env, path: str, **params: Any) -> Any:
    return await env.bot.http.request(Route("GET", path), params=params or None)


def events_path(env: Env, suffix: str = "") -> str:
    return f"/guilds/{env.guild.id}/scheduled-events{suffix}"


async def test_ready_guild_carries_listed_events(env: Env) -> None:
    guild = env.bot.get_guild(env.guild.id)
    assert guild is not None
    assert [event.name for event in guild.scheduled_events] == ["Spring breakfast"]


async def test_payloads_match_discords_response_schema(env: Env) -> None:
    event = env.fd.create_scheduled_event(
        env.guild,
        "Founders' dinner",
        start=START,
        end=START + timedelta(hours=3),
        creator=env.maya,
        location="Café Lua, Lisbon",
        description="Bring a friend",
    )
    env.fd.set_event_interest(event, env.ines, True)
    one = await get(env, events_path(env, f"/{event.id}"), with_user_count=1)
    listed = await get(env, events_path(env), with_user_count=0)
    users = await get(env, events_path(env, f"/{event.id}/users"), with_member=1)
    external = response_schema("ExternalScheduledEventResponse")
    for payload in (one, *listed):
        assert list(external.iter_errors(payload)) == []
    assert one["user_count"] == 1 and one["creator_id"] == str(env.maya.id)
    assert one["entity_metadata"] == {"location": "Café Lua, Lisbon"}
    assert all("user_count" not in payload for payload in listed)
    user_schema = response_schema("ScheduledEventUserResponse")
    assert [list(user_schema.iter_errors(u)) for u in users] == [[]]
    assert users[0]["user"]["id"] == str(env.ines.id) and users[0]["member"]["nick"] is None


async def test_gateway_events_reach_discord_py(env: Env) -> None:
    bot = env.bot
    start = START + timedelta(days=7)
    seen = len(bot.seen["scheduled_event_create"])
    event = env.fd.create_scheduled_event(env.guild, "Walk", start=start, end=start + timedelta(1))
    await env.fd.wait_for(lambda: len(bot.seen["scheduled_event_create"]) > seen)
    created = bot.seen["scheduled_event_create"][-1]
    assert (created.name, created.start_time) == ("Walk", start)
    assert created.status is discord.EventStatus.scheduled

    updated = len(bot.seen["scheduled_event_update"])
    env.fd.update_scheduled_event(event, start=start + timedelta(hours=1))
    env.fd.start_scheduled_event(event)
    env.fd.end_scheduled_event(event)
    await env.fd.wait_for(lambda: len(bot.seen["scheduled_event_update"]) >= updated + 3)
    # discord.py updates one object in place; each `before` is a copy of the moment.
    befores = [before for before, _ in bot.seen["scheduled_event_update"][-3:]]
    assert befores[1].start_time == start + timedelta(hours=1)
    assert befores[2].status is discord.EventStatus.active
    assert bot.seen["scheduled_event_update"][-1][1].status is discord.EventStatus.completed

    doomed = env.fd.create_scheduled_event(
        env.guild, "Maybe", start=start, end=start + timedelta(1)
    )
    env.fd.delete_scheduled_event(doomed)
    await env.fd.wait_for(lambda: bot.seen["scheduled_event_delete"])
    assert bot.seen["scheduled_event_delete"][-1].id == doomed.id


async def test_user_add_and_remove_are_raw_ids(env: Env) -> None:
    frames: list[str] = []
    env.bot.add_listener(_collect(frames), "on_socket_event_type")
    event = env.fd.create_scheduled_event(
        env.guild, "Coffee", start=START, end=START + timedelta(hours=1)
    )
    env.fd.set_event_interest(event, env.maya, True)
    env.fd.set_event_interest(event, env.maya, True)  # a second press changes nothing
    env.fd.set_event_interest(event, env.maya, False)
    await env.fd.wait_for(lambda: frames.count("GUILD_SCHEDULED_EVENT_USER_REMOVE") == 1)
    assert frames.count("GUILD_SCHEDULED_EVENT_USER_ADD") == 1
    assert event.interested == set()


def _collect(frames: list[str]) -> Any:
    async def on_socket_event_type(event_type: str) -> None:
        frames.append(event_type)

    return on_socket_event_type


async def test_status_rules_are_discords(env: Env) -> None:
    fd = env.fd
    event = fd.create_scheduled_event(env.guild, "Rules", start=START, end=START + timedelta(1))
    with pytest.raises(ValueError, match="cannot go"):
        fd.update_scheduled_event(event, status=EVENT_COMPLETED)  # not started yet
    fd.start_scheduled_event(event)
    with pytest.raises(ValueError, match="only a scheduled"):
        fd.update_scheduled_event(event, start=START + timedelta(hours=1))
    with pytest.raises(ValueError, match="cannot go"):
        fd.update_scheduled_event(event, status=EVENT_CANCELED)  # active: only completed
    fd.end_scheduled_event(event)
    with pytest.raises(ValueError, match="not open"):
        fd.set_event_interest(event, env.ines, True)
    with pytest.raises(ValueError, match="end time"):
        fd.create_scheduled_event(env.guild, "Endless", start=START)
    with pytest.raises(ValueError, match="after it starts"):
        fd.create_scheduled_event(env.guild, "Backwards", start=START, end=START)
    cancelled = fd.create_scheduled_event(env.guild, "Off", start=START, end=START + timedelta(1))
    fd.cancel_scheduled_event(cancelled)
    assert cancelled.status == EVENT_CANCELED and event.status == EVENT_COMPLETED
    assert EVENT_ACTIVE not in (event.status, cancelled.status)


async def test_ended_events_leave_the_list_but_can_be_fetched(env: Env) -> None:
    fd = env.fd
    ended = fd.create_scheduled_event(env.guild, "Ended", start=START, end=START + timedelta(1))
    fd.end_scheduled_event(ended)
    deleted = fd.create_scheduled_event(env.guild, "Gone", start=START, end=START + timedelta(1))
    fd.delete_scheduled_event(deleted)
    listed = {int(e["id"]) for e in await get(env, events_path(env))}
    assert ended.id not in listed and deleted.id not in listed
    fetched = await get(env, events_path(env, f"/{ended.id}"))
    assert fetched["status"] == EVENT_COMPLETED
    with pytest.raises(discord.NotFound) as missing:
        await get(env, events_path(env, f"/{deleted.id}"))
    assert missing.value.code == 10070


async def test_users_page_by_id(env: Env) -> None:
    fd = env.fd
    event = fd.create_scheduled_event(env.guild, "Big one", start=START, end=START + timedelta(1))
    people = [fd.add_user(f"Guest {n}") for n in range(150)]
    for person in people:
        fd.add_member(env.guild, person)
        fd.set_event_interest(event, person, True)
    ids = sorted(p.id for p in people)
    path = events_path(env, f"/{event.id}/users")
    first = await get(env, path, limit=100, with_member=0)
    rest = await get(env, path, limit=100, with_member=0, after=first[-1]["user"]["id"])
    assert [int(u["user_id"]) for u in first + rest] == ids
    assert all("member" not in u for u in first)
    before = await get(env, path, limit=3, before=ids[10])
    assert [int(u["user_id"]) for u in before] == ids[7:10]


async def test_query_strings_are_checked_against_the_spec(env: Env) -> None:
    fd = env.fd
    if not fd.spec.enabled:
        pytest.skip("Discord's OpenAPI spec is not available")
    event = fd.create_scheduled_event(env.guild, "Checked", start=START, end=START + timedelta(1))
    path = events_path(env, f"/{event.id}/users")
    with pytest.raises(discord.HTTPException) as too_many:
        await get(env, path, limit=101)
    assert too_many.value.code == 50035 and "limit" in str(too_many.value)
    with pytest.raises(discord.HTTPException) as not_a_flag:
        await get(env, events_path(env), with_user_count="maybe")
    assert not_a_flag.value.code == 50035
    with pytest.raises(discord.HTTPException) as not_an_id:
        await get(env, path, after="yesterday")
    assert not_an_id.value.code == 50035
    # Parameters the spec does not declare are ignored, as Discord ignores them.
    assert await get(env, path, colour="red") == []


async def test_events_are_per_intent(env: Env) -> None:
    # A client without the scheduled-events intent gets none of these events.
    intents = discord.Intents.default()
    intents.guild_scheduled_events = False
    quiet = RecordingBot(intents=intents)
    task = await run_bot(env.fd, quiet)
    try:
        env.fd.create_scheduled_event(
            env.guild, "Unseen", start=START, end=START + timedelta(hours=1)
        )
        await env.fd.wait_for(
            lambda: any(e.name == "Unseen" for e in env.bot.seen["scheduled_event_create"])
        )
        assert quiet.seen["scheduled_event_create"] == []
    finally:
        await stop_client(quiet, task)
