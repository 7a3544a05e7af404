"""Private threads: the real discord.py creates them, adds members, posts, and sees them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
from discord.http import Route

from fakediscord import Channel, FakeDiscord, Guild, User, stop_client
from fakediscord import permissions as P
from fakediscord.models import PRIVATE_THREAD
from tests.fakediscord.helpers import RecordingBot, run_bot, shutdown


@dataclass
class Env:
    fd: FakeDiscord
    bot: RecordingBot
    guild: Guild
    coffee: Channel
    no_threads: Channel
    maya: User
    ines: User
    outsider: User


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[Env]:
    fd = FakeDiscord(ratelimit_time_scale=0.05)
    await fd.start()
    maya, ines, outsider = fd.add_user("Maya"), fd.add_user("Ines"), fd.add_user("Outsider")
    guild = fd.add_guild("Demo Meetup", owner=maya)
    fd.add_member(guild, ines)
    coffee = fd.add_channel(guild, "coffee")
    no_threads = fd.add_channel(guild, "announcements", bot_can_create_threads=False)
    bot = RecordingBot()
    task = await run_bot(fd, bot)
    try:
        yield Env(fd, bot, guild, coffee, no_threads, maya, ines, outsider)
    finally:
        await shutdown(fd, bot, task)


async def private_thread(env: Env, name: str = "Coffee: Maya & Ines") -> discord.Thread:
    channel = env.bot.get_channel(env.coffee.id)
    assert isinstance(channel, discord.TextChannel)
    return await channel.create_thread(
        name=name, type=discord.ChannelType.private_thread, invitable=False
    )


async def test_a_private_thread_is_created_and_announced(env: Env) -> None:
    thread = await private_thread(env)
    assert thread.type is discord.ChannelType.private_thread and not thread.invitable
    assert thread.parent_id == env.coffee.id and thread.owner_id == env.fd.bot_user.id
    [made] = [t for t in env.fd.threads_in(env.coffee) if t.id == thread.id]
    assert made.type == PRIVATE_THREAD and env.fd.bot_user.id in made.thread_members
    await env.fd.wait_for(lambda: any(t.id == thread.id for t in env.bot.seen["thread_create"]))
    assert env.bot.get_guild(env.guild.id).get_thread(thread.id) is not None  # type: ignore[union-attr]


async def test_members_are_added_and_read_what_is_posted(env: Env) -> None:
    thread = await private_thread(env)
    made = env.fd.world.channels[thread.id]
    # A private thread is invisible to members who are not in it.
    assert env.fd.world.permissions_in(made, env.ines.id) == 0
    await thread.add_user(discord.Object(env.ines.id))
    await thread.add_user(discord.Object(env.maya.id))
    assert set(made.thread_members) == {env.fd.bot_user.id, env.ines.id, env.maya.id}
    assert env.fd.world.permissions_in(made, env.ines.id) & P.VIEW_CHANNEL
    await thread.send("Hello you two!")
    assert [m.content for m in env.fd.channel_messages(made)] == ["Hello you two!"]
    assert made.message_count == 1
    listed = await env.bot.http.request(
        Route("GET", "/channels/{channel_id}/thread-members", channel_id=thread.id)
    )
    assert {int(m["user_id"]) for m in listed} == set(made.thread_members)


async def test_someone_outside_the_server_cannot_be_added(env: Env) -> None:
    thread = await private_thread(env)
    with pytest.raises(discord.NotFound) as refused:
        await thread.add_user(discord.Object(env.outsider.id))
    assert refused.value.code == 10007  # Unknown Member


async def test_no_permission_to_create_private_threads(env: Env) -> None:
    channel = env.bot.get_channel(env.no_threads.id)
    assert isinstance(channel, discord.TextChannel)
    assert not channel.permissions_for(channel.guild.me).create_private_threads
    with pytest.raises(discord.Forbidden) as refused:
        await channel.create_thread(name="nope", type=discord.ChannelType.private_thread)
    assert refused.value.code == 50013
    assert env.fd.threads_in(env.no_threads) == []


async def test_bodies_are_checked_against_the_spec(env: Env) -> None:
    with pytest.raises(discord.HTTPException) as refused:
        await env.bot.http.start_thread_without_message(
            env.coffee.id, name="x" * 101, auto_archive_duration=60, type=12
        )
    assert refused.value.status == 400 and refused.value.code == 50035


async def test_members_only_go_into_threads(env: Env) -> None:
    with pytest.raises(discord.HTTPException) as refused:
        await env.bot.http.add_user_to_thread(env.coffee.id, env.ines.id)
    assert refused.value.code == 50024  # not a thread


async def test_a_bot_connecting_later_sees_active_threads(env: Env) -> None:
    thread = await private_thread(env, "Seen on connect")
    late = RecordingBot()
    task = await run_bot(env.fd, late)
    try:
        guild = late.get_guild(env.guild.id)
        assert guild is not None and guild.get_thread(thread.id) is not None
    finally:
        await stop_client(late, task)
