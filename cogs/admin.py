"""`/setup`: organizers choose channels, the default time zone and prompt time."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import KindredBot, send_private
from coaching.times import InvalidTime, format_time_of_day, parse_time_of_day
from coaching.timezones import InvalidTimezone, parse_timezone
from cogs.common import bot_can_post, require_organizer, timezone_autocomplete
from kindred.errors import UserFacingError
from prompts import render
from storage.communities import ensure_community, update_community
from storage.models import Community


class AdminCog(commands.Cog):
    def __init__(self, bot: KindredBot) -> None:
        self.bot = bot

    @app_commands.command(name="setup", description="Organizers: configure Kindred for this server")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(
        thanks_channel="Where members thank each other in public",
        intro_channel="Where new members introduce themselves",
        timezone="The community's default time zone (type a city)",
        prompt_time="Default time for daily reflection prompts, e.g. 09:00 or 8:30am",
    )
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def setup_command(
        self,
        interaction: discord.Interaction,
        thanks_channel: discord.TextChannel | None = None,
        intro_channel: discord.TextChannel | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        prompt_time: app_commands.Range[str, 1, 16] | None = None,
    ) -> None:
        require_organizer(interaction)
        assert interaction.guild is not None  # require_organizer refuses DMs
        guild = interaction.guild
        # Validate everything before writing anything: one bad value changes nothing.
        changes: dict[str, object] = {}
        if timezone is not None:
            try:
                changes["timezone"] = parse_timezone(timezone).key
            except InvalidTimezone:
                raise UserFacingError("errors/bad_timezone", value=timezone) from None
        if prompt_time is not None:
            try:
                changes["prompt_time"] = format_time_of_day(parse_time_of_day(prompt_time))
            except InvalidTime:
                raise UserFacingError("errors/bad_time", value=prompt_time) from None
        for field, chosen in (
            ("thanks_channel_id", thanks_channel),
            ("intro_channel_id", intro_channel),
        ):
            if chosen is None:
                continue
            channel = guild.get_channel(chosen.id)
            if channel is None:
                raise UserFacingError("errors/channel_unknown", channel_id=chosen.id)
            if not bot_can_post(channel):
                raise UserFacingError("admin/cannot_post", channel_id=channel.id)
            changes[field] = channel.id

        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            community = await ensure_community(
                session,
                guild.id,
                now=now,
                name=guild.name,
                timezone=self.bot.settings.default_timezone,
                prompt_time=self.bot.settings.default_prompt_time,
            )
            if changes:
                await update_community(session, community, now=now, **changes)
        await send_private(
            interaction,
            render("admin/setup_saved" if changes else "admin/setup_intro"),
            embed=configuration_embed(community, guild),
        )


def configuration_embed(community: Community, guild: discord.Guild) -> discord.Embed:
    embed = discord.Embed(
        title=render("admin/config_title", community=guild.name),
        colour=discord.Colour.from_str("#c2577a"),
    )
    for field, key in (
        ("thanks_channel", community.thanks_channel_id),
        ("intro_channel", community.intro_channel_id),
    ):
        channel = guild.get_channel(key) if key else None
        warning = channel is not None and not bot_can_post(channel)
        embed.add_field(
            name=render(f"admin/label_{field}"),
            value=render(
                "admin/channel_value",
                channel_id=key,
                missing=bool(key and not channel),
                cannot_post=warning,
            ),
            inline=False,
        )
    embed.add_field(name=render("admin/label_timezone"), value=community.timezone, inline=True)
    embed.add_field(
        name=render("admin/label_prompt_time"), value=community.prompt_time, inline=True
    )
    embed.set_footer(text=render("admin/config_footer"))
    return embed


async def setup(bot: KindredBot) -> None:
    await bot.add_cog(AdminCog(bot))
