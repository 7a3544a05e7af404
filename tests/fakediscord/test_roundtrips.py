"""End-to-end: the real discord.py client against fakediscord, one bot for the module."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.http import Route

from fakediscord import Channel, FakeDiscord, Guild, InteractionTimeout, User
from tests.fakediscord.helpers import RecordingBot, run_bot, shutdown

# ---------------------------------------------------------------------- the bot under test


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    answer: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Your answer", custom_id="answer", max_length=200
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"thanks: {self.answer.value}", ephemeral=True)


class PanelView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)
        self.bumps = 0

    @discord.ui.button(label="Open", custom_id="panel:open")
    async def open(self, interaction: discord.Interaction, _: discord.ui.Button[PanelView]) -> None:
        await interaction.response.send_modal(FeedbackModal())

    @discord.ui.button(label="Bump", custom_id="panel:bump")
    async def bump(self, interaction: discord.Interaction, _: discord.ui.Button[PanelView]) -> None:
        self.bumps += 1
        await interaction.response.edit_message(content=f"bumped {self.bumps}", view=self)

    @discord.ui.select(
        custom_id="panel:pick",
        options=[discord.SelectOption(label=x, value=x) for x in ("tea", "coffee", "water")],
    )
    async def pick(
        self, interaction: discord.Interaction, select: discord.ui.Select[PanelView]
    ) -> None:
        await interaction.response.send_message(f"picked {select.values[0]}", ephemeral=True)


def build_bot() -> RecordingBot:
    intents = discord.Intents.default()
    intents.members = True  # privileged, allowed by default in FakeDiscord
    bot = RecordingBot(intents=intents)
    tree = bot.tree

    @tree.command(name="setup", description="Set up Kindred")
    async def setup(
        interaction: discord.Interaction,
        timezone: str,
        count: app_commands.Range[int, 1, 5] = 1,
        who: discord.Member | None = None,
        where: discord.TextChannel | None = None,
    ) -> None:
        extra = f" who={who.display_name}" if who else ""
        extra += f" where={where.name}" if where else ""
        await interaction.response.send_message(
            f"tz={timezone} count={count}{extra}", ephemeral=True
        )

    @setup.autocomplete("timezone")
    async def tz_complete(_: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        zones = ["Europe/Berlin", "Europe/Bern", "America/New_York"]
        return [app_commands.Choice(name=z, value=z) for z in zones if current.lower() in z.lower()]

    @tree.command(name="pick", description="Pick a colour")
    @app_commands.guild_only()
    async def pick(interaction: discord.Interaction, colour: Literal["red", "green"]) -> None:
        await interaction.response.send_message(f"colour={colour}")

    kindred = app_commands.Group(name="kindred", description="Kindred")

    @kindred.command(name="help", description="Help")
    async def kindred_help(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("here to help", ephemeral=True)

    tree.add_command(kindred)

    @tree.command(name="panel", description="A panel")
    async def panel(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("panel", view=PanelView())

    @tree.command(name="private-panel", description="An ephemeral panel")
    async def private_panel(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("just for you", view=PanelView(), ephemeral=True)

    @tree.command(name="dm-panel", description="A panel in your DMs")
    async def dm_panel(interaction: discord.Interaction) -> None:
        await interaction.user.send("panel in DM", view=PanelView())
        await interaction.response.send_message("check your DMs", ephemeral=True)

    @tree.command(name="role", description="Pick a role")
    async def role(interaction: discord.Interaction, which: discord.Role) -> None:
        await interaction.response.send_message(f"role={which.name}", ephemeral=True)

    @tree.command(name="slow", description="Defer then edit")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await asyncio.sleep(0.02)
        await interaction.edit_original_response(content="done thinking")

    @tree.command(name="slow-followup", description="Defer then followup")
    async def slow_followup(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("via followup")
        await interaction.followup.send("second followup", ephemeral=True)

    @tree.command(name="file", description="Ephemeral file")
    async def file(interaction: discord.Interaction) -> None:
        data = discord.File(io.BytesIO(b"hello notes"), filename="notes.txt")
        await interaction.response.send_message("your notes", file=data, ephemeral=True)

    @tree.command(name="sleepy", description="Answers too late")
    async def sleepy(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.3)
        await interaction.response.send_message("late")

    @tree.context_menu(name="Add to my Rolodex")
    async def rolodex(interaction: discord.Interaction, member: discord.Member) -> None:
        await interaction.response.send_message(f"added {member.display_name}", ephemeral=True)

    @tree.context_menu(name="Thank the author")
    async def thank(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"thanks {message.author.name}: {message.content}")

    @tree.error
    async def on_app_error(interaction: discord.Interaction, error: Exception) -> None:
        bot.seen["app_command_error"].append(error)

    return bot


# ---------------------------------------------------------------------- module fixture


@dataclass
class Env:
    fd: FakeDiscord
    bot: RecordingBot
    maya: User
    ines: User
    guild: Guild
    general: Channel
    readonly: Channel
    hidden: Channel


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[Env]:
    fd = FakeDiscord(ratelimit_time_scale=0.05)
    await fd.start()
    maya = fd.add_user("Maya")
    ines = fd.add_user("Ines")
    guild = fd.add_guild("Demo Meetup", owner=maya)
    fd.add_member(guild, ines, nick="Inès")
    general = fd.add_channel(guild, "general")
    readonly = fd.add_channel(guild, "referral-thanks", bot_can_send=False)
    hidden = fd.add_channel(guild, "mods-only", bot_can_view=False)
    bot = build_bot()
    task = await run_bot(fd, bot)
    await bot.tree.sync()  # global: what members see in DMs
    bot.tree.copy_global_to(guild=discord.Object(guild.id))
    await bot.tree.sync(guild=discord.Object(guild.id))  # guild copies take precedence
    try:
        yield Env(fd, bot, maya, ines, guild, general, readonly, hidden)
    finally:
        await shutdown(fd, bot, task)


# ---------------------------------------------------------------------- connection & cache


async def test_ready_populates_cache(env: Env) -> None:
    guild = env.bot.get_guild(env.guild.id)
    assert guild is not None and guild.name == "Demo Meetup"
    assert env.bot.user is not None and env.bot.user.id == env.fd.bot_user.id
    assert env.bot.application_id == env.fd.application_id
    assert {c.name for c in guild.text_channels} >= {"general", "referral-thanks", "mods-only"}
    assert {m.id for m in guild.members} >= {env.maya.id, env.ines.id, env.fd.bot_user.id}
    assert guild.owner_id == env.maya.id
    assert guild.get_member(env.ines.id).nick == "Inès"
    me = guild.me
    general = guild.get_channel(env.general.id)
    readonly = guild.get_channel(env.readonly.id)
    hidden = guild.get_channel(env.hidden.id)
    assert general.permissions_for(me).send_messages
    assert readonly.permissions_for(me).view_channel
    assert not readonly.permissions_for(me).send_messages
    assert not hidden.permissions_for(me).view_channel


async def test_responses_are_exactly_application_json(env: Env) -> None:
    headers = {"Authorization": f"Bot {env.fd.bot_token}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{env.fd.api_base}/users/@me", headers=headers) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "application/json"
            assert "X-RateLimit-Bucket" in resp.headers
        async with session.get(f"{env.fd.api_base}/nope/nothing", headers=headers) as resp:
            assert resp.status == 404
            assert await resp.json() == {"message": "404: Not Found", "code": 0}
        async with session.get(f"{env.fd.api_base}/users/@me") as resp:
            assert resp.status == 401


async def test_bad_token_is_a_login_failure(env: Env) -> None:
    other = discord.Client(intents=discord.Intents.none())
    with pytest.raises(discord.LoginFailure):
        await other.login("not-the-token")
    await other.close()


# ---------------------------------------------------------------------- slash commands


async def test_slash_round_trip_ephemeral(env: Env) -> None:
    ix = await env.fd.slash(
        env.maya,
        "setup",
        options={"timezone": "Europe/Berlin", "count": 3, "who": env.ines, "where": env.general},
        guild=env.guild,
        channel=env.general,
    )
    await ix.wait_response()
    assert ix.response_type == 4
    assert ix.ephemeral
    assert ix.reply is not None
    assert ix.reply.content == "tz=Europe/Berlin count=3 who=Inès where=general"
    assert ix.reply.flags & 64
    # Ephemeral replies are not part of the channel's visible history.
    assert ix.reply not in env.fd.channel_messages(env.general)


async def test_subcommand_path_and_dm_context(env: Env) -> None:
    ix = await env.fd.slash(env.maya, "kindred help", guild=env.guild, channel=env.general)
    assert (await ix.wait_message()).content == "here to help"
    assert ix.data["guild_id"] == str(env.guild.id)  # the guild copy was used
    assert ix.payload["member"]["permissions"].isdigit()

    in_dm = await env.fd.slash(env.maya, "kindred help")  # guild=None: the user's DM
    assert (await in_dm.wait_message()).content == "here to help"
    assert "guild_id" not in in_dm.data and "member" not in in_dm.payload
    assert in_dm.payload["user"]["id"] == str(env.maya.id)
    assert in_dm.payload["context"] == 1
    assert in_dm.channel.id == env.fd.dm_channel(env.maya).id
    with pytest.raises(ValueError, match="not available in DMs"):
        await env.fd.slash(env.maya, "pick", options={"colour": "red"})


async def test_slash_refuses_what_discord_would_not_send(env: Env) -> None:
    fd, maya, g, c = env.fd, env.maya, env.guild, env.general
    with pytest.raises(ValueError, match="unknown slash command"):
        await fd.slash(maya, "nonexistent", guild=g, channel=c)
    with pytest.raises(ValueError, match="unknown option"):
        await fd.slash(maya, "setup", options={"timezone": "x", "colour": 1}, guild=g, channel=c)
    with pytest.raises(ValueError, match="expects a integer"):
        await fd.slash(maya, "setup", options={"timezone": "x", "count": "3"}, guild=g, channel=c)
    with pytest.raises(ValueError, match="max_value"):
        await fd.slash(maya, "setup", options={"timezone": "x", "count": 9}, guild=g, channel=c)
    with pytest.raises(ValueError, match="missing required"):
        await fd.slash(maya, "setup", guild=g, channel=c)
    with pytest.raises(ValueError, match="not one of the choices"):
        await fd.slash(maya, "pick", options={"colour": "blue"}, guild=g, channel=c)
    with pytest.raises(ValueError, match="is a group"):
        await fd.slash(maya, "kindred", guild=g, channel=c)
    with pytest.raises(ValueError, match="not a member"):
        await fd.slash(fd.add_user("Stranger"), "pick", options={"colour": "red"}, guild=g)
    ix = await fd.slash(maya, "pick", options={"colour": "green"}, guild=g, channel=c)
    assert (await ix.wait_message()).content == "colour=green"
    assert not ix.ephemeral
    assert ix.reply in fd.channel_messages(c)


async def test_autocomplete(env: Env) -> None:
    choices = await env.fd.autocomplete(
        env.maya,
        "setup",
        options={"timezone": "berl"},
        focused="timezone",
        guild=env.guild,
        channel=env.general,
    )
    assert choices == [{"name": "Europe/Berlin", "value": "Europe/Berlin"}]
    with pytest.raises(ValueError, match="no autocomplete"):
        await env.fd.autocomplete(
            env.maya, "setup", options={"timezone": "x"}, focused="count", guild=env.guild
        )


async def test_defer_then_edit_original(env: Env) -> None:
    ix = await env.fd.slash(env.maya, "slow", guild=env.guild, channel=env.general)
    await ix.wait_response()
    assert ix.response_type == 5
    message = await ix.wait_message()
    assert message.content == "done thinking"
    assert ix.ephemeral and not message.loading


async def test_defer_then_followups(env: Env) -> None:
    ix = await env.fd.slash(env.maya, "slow-followup", guild=env.guild, channel=env.general)
    followups = await ix.wait_followups(1)
    # The first followup after a deferral becomes the original response.
    assert ix.reply is not None and ix.reply.content == "via followup"
    assert [m.content for m in followups] == ["second followup"]
    assert followups[0].ephemeral
    assert ix.reply in env.fd.channel_messages(env.general)


async def test_file_in_ephemeral_reply(env: Env) -> None:
    ix = await env.fd.slash(env.maya, "file", guild=env.guild, channel=env.general)
    reply = await ix.wait_message()
    assert reply.ephemeral
    assert [(a.name, a.content) for a in reply.attachments] == [("notes.txt", b"hello notes")]
    request = next(r for r in env.fd.requests if r.files and "/callback" in r.path)
    assert request.files[0].filename == "notes.txt"
    async with aiohttp.ClientSession() as session, session.get(reply.attachments[0].url) as resp:
        assert await resp.read() == b"hello notes"


async def test_context_menus(env: Env) -> None:
    fd = env.fd
    ix = await fd.user_command(
        env.maya, "Add to my Rolodex", target=env.ines, guild=env.guild, channel=env.general
    )
    assert (await ix.wait_message()).content == "added Inès"
    said = await fd.send_message(env.ines, env.general, "I can intro you to Ada")
    ix = await fd.message_command(
        env.maya, "Thank the author", target=said, guild=env.guild, channel=env.general
    )
    assert (await ix.wait_message()).content == "thanks Ines: I can intro you to Ada"


async def test_late_ack_is_unknown_interaction(env: Env) -> None:
    env.fd.interaction_ack_deadline = 0.1  # Discord's is 3 s; the command sleeps 0.3 s
    try:
        ix = await env.fd.slash(env.maya, "sleepy", guild=env.guild, channel=env.general)
        await env.fd.wait_for(lambda: ix.rejected)
    finally:
        env.fd.interaction_ack_deadline = 3.0
    assert ix.rejected[0][0] == 404 and ix.rejected[0][1]["code"] == 10062
    assert ix.response_type is None
    with pytest.raises(InteractionTimeout, match="10062"):
        await ix.wait_response(timeout=0.01)
    await env.fd.wait_for(lambda: env.bot.seen["app_command_error"])
    error = env.bot.seen["app_command_error"][-1]
    assert isinstance(error.__cause__ or error.original, discord.NotFound)


async def test_response_latency_is_create_sent_to_callback_received(env: Env) -> None:
    started = time.monotonic()
    ix = await env.fd.slash(env.maya, "sleepy", guild=env.guild, channel=env.general)
    assert ix.sent_at is not None and ix.sent_at >= started
    assert ix.response_latency is None  # nothing answered yet
    await ix.wait_response()
    finished = time.monotonic()
    assert ix.responded_at is not None and ix.sent_at < ix.responded_at <= finished
    # The command sleeps 0.3 s before answering; the latency covers that and no more than
    # the test's own view of the round trip.
    assert ix.response_latency is not None
    assert 0.3 <= ix.response_latency <= finished - started


# ---------------------------------------------------------------------- components & modals


async def test_button_modal_and_select(env: Env) -> None:
    fd, maya = env.fd, env.maya
    ix = await fd.slash(maya, "panel", guild=env.guild, channel=env.general)
    panel = await ix.wait_message()

    bump = await fd.click(maya, panel, "panel:bump")
    await bump.wait_response()
    assert bump.response_type == 7
    assert fd.get_message(panel.id).content == "bumped 1"

    opened = await fd.click(maya, panel, "panel:open")
    await opened.wait_response()
    assert opened.response_type == 9
    assert opened.modal is not None and opened.modal["title"] == "Feedback"
    with pytest.raises(ValueError, match="no input"):
        await fd.submit_modal(maya, opened, {"nope": "x"})
    submitted = await fd.submit_modal(maya, opened, {"answer": "loved it"})
    assert (await submitted.wait_message()).content == "thanks: loved it"
    assert submitted.ephemeral

    picked = await fd.select(maya, panel, "panel:pick", ["coffee"])
    assert (await picked.wait_message()).content == "picked coffee"
    with pytest.raises(ValueError, match="not an option"):
        await fd.select(maya, panel, "panel:pick", ["beer"])
    with pytest.raises(ValueError, match="no button"):
        await fd.click(maya, panel, "panel:missing")


# ---------------------------------------------------------------------- messages


async def test_dm_send_and_receive(env: Env) -> None:
    fd = env.fd
    user = await env.bot.fetch_user(env.ines.id)
    sent = await user.send("hello from Kindred")
    assert [m.content for m in fd.dms_to(env.ines)] == ["hello from Kindred"]
    assert sent.channel.id == fd.dm_channel(env.ines).id
    await fd.send_dm(env.ines, "my answer")
    msg = await fd.wait_for(
        lambda: next((m for m in env.bot.seen["message"] if m.content == "my answer"), None)
    )
    assert isinstance(msg.channel, discord.DMChannel)


async def test_guild_messages_without_message_content_intent(env: Env) -> None:
    fd, bot = env.fd, env.bot
    plain = await fd.send_message(env.maya, env.general, "secret words")
    mention = await fd.send_message(env.maya, env.general, f"<@{fd.bot_user.id}> hi bot")
    seen = await fd.wait_for(
        lambda: {m.id: m for m in bot.seen["message"]}.get(mention.id) and bot.seen["message"]
    )
    by_id = {m.id: m for m in seen}
    assert by_id[plain.id].content == ""
    assert by_id[mention.id].content == f"<@{fd.bot_user.id}> hi bot"


async def test_moderator_delete_dispatches_message_delete(env: Env) -> None:
    message = await env.fd.send_message(env.ines, env.general, "oops")
    await env.fd.delete_message(message, by=env.maya)
    await env.fd.wait_for(
        lambda: any(e.message_id == message.id for e in env.bot.seen["raw_message_delete"])
    )
    assert message not in env.fd.channel_messages(env.general)


async def test_world_changes_after_connect(env: Env) -> None:
    fd, bot = env.fd, env.bot
    newcomer = fd.add_user("Zoe")
    fd.add_member(env.guild, newcomer)
    await fd.wait_for(lambda: bot.get_guild(env.guild.id).get_member(newcomer.id))
    fd.remove_member(env.guild, newcomer)
    await fd.wait_for(lambda: bot.get_guild(env.guild.id).get_member(newcomer.id) is None)
    channel = fd.add_channel(env.guild, "late-channel")
    await fd.wait_for(lambda: bot.get_channel(channel.id))
    guild = fd.add_guild("Second Meetup", owner=env.maya)
    joined = await fd.wait_for(lambda: bot.get_guild(guild.id))
    assert joined in bot.seen["guild_join"]


async def test_dms_closed_is_50007(env: Env) -> None:
    closed = env.fd.add_user("Closed", dms_open=False)
    channel = await env.bot.create_dm(discord.Object(closed.id))
    with pytest.raises(discord.Forbidden) as info:
        await channel.send("hi")
    assert info.value.code == 50007
    assert env.fd.dms_to(closed) == []


async def test_missing_permissions_is_50013(env: Env) -> None:
    channel = env.bot.get_channel(env.readonly.id)
    with pytest.raises(discord.Forbidden) as info:
        await channel.send("thanks!")
    assert info.value.code == 50013
    hidden = env.bot.get_channel(env.hidden.id)
    with pytest.raises(discord.Forbidden) as info:
        await hidden.send("hi")
    assert info.value.code == 50001
    assert env.fd.channel_messages(env.readonly) == []


async def test_unknown_channel_and_message(env: Env) -> None:
    http = env.bot.http
    with pytest.raises(discord.NotFound) as info:
        await http.request(Route("GET", "/channels/{channel_id}", channel_id=12345678901234567))
    assert info.value.code == 10003
    with pytest.raises(discord.NotFound) as info:
        await http.get_message(env.general.id, 12345678901234567)
    assert info.value.code == 10008


async def test_spec_and_length_violations_are_50035(env: Env) -> None:
    http = env.bot.http
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=env.general.id)
    with pytest.raises(discord.HTTPException) as info:
        await http.request(route, json={"content": "x" * 2001})
    assert info.value.status == 400 and info.value.code == 50035
    assert "content" in env.fd.requests[-1].response["errors"]
    channel = env.bot.get_channel(env.general.id)
    with pytest.raises(discord.HTTPException) as info:
        await channel.send(embed=discord.Embed(title="t" * 300))
    assert info.value.code == 50035
    embeds = [discord.Embed(description="d" * 3000) for _ in range(3)]  # 9000 > 6000 total
    with pytest.raises(discord.HTTPException) as info:
        await channel.send(embeds=embeds)
    assert info.value.code == 50035
    with pytest.raises(discord.HTTPException) as info:
        await http.request(route, json={"content": "ok", "nonce": "n" * 26})
    assert info.value.code == 50035
    before = len(env.fd.channel_messages(env.general))
    assert len(env.fd.channel_messages(env.general)) == before


async def test_enforce_nonce_deduplicates(env: Env) -> None:
    fd = env.fd
    channel = fd.add_channel(env.guild, "nonce-test")
    bot_channel = await fd.wait_for(lambda: env.bot.get_channel(channel.id))
    first = await bot_channel.send("only once", nonce="kindred-1234")
    second = await bot_channel.send("only once", nonce="kindred-1234")
    assert first.id == second.id
    assert [m.content for m in fd.channel_messages(channel)] == ["only once"]
    assert fd.stats["nonce_duplicates"] >= 1
    third = await bot_channel.send("another", nonce="kindred-5678")
    assert third.id != first.id


# ---------------------------------------------------------------------- rate limits & faults


async def test_concurrent_sends_survive_injected_429s(env: Env) -> None:
    fd, bot = env.fd, env.bot
    channel = fd.add_channel(env.guild, "burst")
    bot_channel = await fd.wait_for(lambda: bot.get_channel(channel.id))
    users = [fd.add_user(f"member{i}") for i in range(30)]
    dms = [await bot.create_dm(discord.Object(u.id)) for u in users]
    fd.global_rate_limit = 10_000  # isolate per-route behaviour; the global limit has its own test
    fd.inject_faults(rate_429=0.2, rate_5xx=0.0, seed=7)
    start = len(fd.requests)
    try:
        await asyncio.gather(
            *(bot_channel.send(f"m{i}") for i in range(30)),
            *(dm.send(f"dm{i}") for i, dm in enumerate(dms)),
        )
    finally:
        fd.inject_faults()
        fd.global_rate_limit = 50
    assert sorted(m.content for m in fd.channel_messages(channel)) == sorted(
        f"m{i}" for i in range(30)
    )
    for i, user in enumerate(users):
        assert [m.content for m in fd.dms_to(user)] == [f"dm{i}"]
    statuses = [r.status for r in fd.requests[start:]]
    assert statuses.count(429) >= 5  # faults were really injected...
    assert statuses.count(200) == 60  # ...and each message was created exactly once


async def test_global_limit_429_then_everything_delivered(env: Env) -> None:
    fd, bot = env.fd, env.bot
    channels = [fd.add_channel(env.guild, f"global-{i}") for i in range(14)]
    bot_channels = [await fd.wait_for(lambda c=c: bot.get_channel(c.id)) for c in channels]
    start = len(fd.requests)
    await asyncio.gather(*(c.send(f"x{j}") for c in bot_channels for j in range(5)))
    global_429s = [
        r for r in fd.requests[start:] if r.status == 429 and r.response.get("global") is True
    ]
    assert global_429s, "a 70-request burst must hit the 50/s global limit"
    for channel in channels:
        assert sorted(m.content for m in fd.channel_messages(channel)) == [
            f"x{j}" for j in range(5)
        ]


async def test_injected_5xx_creates_nothing(env: Env) -> None:
    fd = env.fd
    channel = fd.add_channel(env.guild, "flaky")
    bot_channel = await fd.wait_for(lambda: env.bot.get_channel(channel.id))
    fd.inject_faults(rate_5xx=1.0, statuses_5xx=(503,), max_per_request=1)
    try:
        with pytest.raises(discord.DiscordServerError):
            await bot_channel.send("lost")
    finally:
        fd.inject_faults()
    assert fd.channel_messages(channel) == []
    await bot_channel.send("retried")
    assert [m.content for m in fd.channel_messages(channel)] == ["retried"]


# ---------------------------------------------------------------------- gateway resume


async def test_resume_replays_missed_events(env: Env) -> None:
    fd, bot = env.fd, env.bot
    resumed_before = len(bot.seen["resumed"])
    assert fd.drop_gateway() == 1
    missed = await fd.send_message(env.maya, env.general, "while you were away")
    await fd.wait_for(lambda: len(bot.seen["resumed"]) > resumed_before)
    await fd.wait_for(lambda: any(m.id == missed.id for m in bot.seen["message"]))
    ix = await fd.slash(env.maya, "kindred help", guild=env.guild, channel=env.general)
    await ix.wait_response()


async def test_components_on_ephemeral_and_dm_messages(env: Env) -> None:
    fd, maya = env.fd, env.maya
    ix = await fd.slash(maya, "private-panel", guild=env.guild, channel=env.general)
    private = await ix.wait_message()
    assert private.ephemeral
    with pytest.raises(ValueError, match="only visible to another user"):
        await fd.click(env.ines, private, "panel:bump")
    bump = await fd.click(maya, private, "panel:bump")
    assert (await bump.wait_message()).content == "bumped 1"
    assert bump.ephemeral

    ix = await fd.slash(maya, "dm-panel", guild=env.guild, channel=env.general)
    await ix.wait_message()
    dm_panel = await fd.wait_for(lambda: fd.dms_to(maya) and fd.dms_to(maya)[-1])
    assert dm_panel.content == "panel in DM"
    opened = await fd.click(maya, dm_panel, "panel:open")
    await opened.wait_response()
    assert opened.guild is None and opened.response_type == 9
    thanks = await fd.submit_modal(maya, opened, {"answer": "from my DMs"})
    assert (await thanks.wait_message()).content == "thanks: from my DMs"


async def test_role_option_is_resolved(env: Env) -> None:
    role = env.fd.add_role(env.guild, "Organizers")
    await env.fd.wait_for(lambda: env.bot.get_guild(env.guild.id).get_role(role.id))
    ix = await env.fd.slash(
        env.maya, "role", options={"which": role}, guild=env.guild, channel=env.general
    )
    assert (await ix.wait_message()).content == "role=Organizers"
    assert ix.data["resolved"]["roles"][str(role.id)]["name"] == "Organizers"
