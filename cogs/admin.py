"""`/setup`: organizers choose channels, the default time zone and prompt time."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from coaching.insights import next_monthly
from coaching.text import visible_length
from coaching.times import InvalidTime, format_time_of_day, parse_time_of_day
from cogs.common import (
    bot_can_post,
    member_date,
    require_organizer,
    required_text,
    timezone_autocomplete,
    zone_from,
)
from kindred.bot import KindredBot
from kindred.errors import UserFacingError
from kindred.replies import send_private
from prompts import render
from storage import insights as insights_store
from storage import reflections as reflection_store
from storage import thanks as thanks_store
from storage.communities import ensure_community, get_community, update_community
from storage.members import ensure_member

if TYPE_CHECKING:
    from cogs.thanks import ThanksCog
    from storage.models import Community

MIN_PROMPT_CHARS = 10


class AdminCog(commands.Cog):
    admin = app_commands.Group(
        name="admin",
        description="Organizers: community prompts, quiet days",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )
    prompts_group = app_commands.Group(
        name="prompts", description="Your community's own reflection prompts", parent=admin
    )
    quietdays = app_commands.Group(
        name="quietdays", description="Days with no reflection prompts", parent=admin
    )
    thanks_group = app_commands.Group(
        name="thanks", description="Moderate the thanks channel", parent=admin
    )

    @thanks_group.command(name="remove", description="Remove a thank-you: its post and its record")
    @app_commands.describe(
        number="Type a name or a word to find it; organizers see numbers in /thanks received"
    )
    async def thanks_remove(
        self, interaction: discord.Interaction, number: app_commands.Range[int, 1]
    ) -> None:
        require_organizer(interaction)
        await self._thanks().remove(interaction, number)

    @thanks_remove.autocomplete("number")
    async def thanks_numbers(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await self._thanks().number_choices(interaction, current)

    def _thanks(self) -> ThanksCog:
        thanks = self.bot.thanks
        if thanks is None:
            raise RuntimeError("the thanks extension is not loaded")
        return thanks

    def __init__(self, bot: KindredBot) -> None:
        self.bot = bot

    async def _community(self, session: Any, guild: discord.Guild) -> Community:
        return await ensure_community(
            session,
            guild.id,
            now=self.bot.clock.now(),
            name=guild.name,
            timezone=self.bot.settings.default_timezone,
            prompt_time=self.bot.settings.default_prompt_time,
        )

    @prompts_group.command(name="add", description="Add a reflection prompt for this community")
    @app_commands.describe(text="The question, in your community's words (10-300 characters)")
    async def prompts_add(
        self, interaction: discord.Interaction, text: app_commands.Range[str, 1, 300]
    ) -> None:
        require_organizer(interaction)
        assert interaction.guild is not None
        cleaned = " ".join(required_text(text).split())
        if visible_length(cleaned) < MIN_PROMPT_CHARS:
            raise UserFacingError("admin/prompt_too_short", minimum=MIN_PROMPT_CHARS)
        async with self.bot.db.session() as session:
            await self._community(session, interaction.guild)
            prompt = await reflection_store.add_community_prompt(
                session,
                interaction.guild.id,
                cleaned,
                author_user_id=interaction.user.id,
                now=self.bot.clock.now(),
            )
        if prompt is None:
            raise UserFacingError(
                "admin/prompts_full", limit=reflection_store.MAX_COMMUNITY_PROMPTS
            )
        await send_private(interaction, render("admin/prompt_added", id=prompt.id, text=cleaned))

    @prompts_group.command(name="list", description="This community's own reflection prompts")
    async def prompts_list(self, interaction: discord.Interaction) -> None:
        require_organizer(interaction)
        assert interaction.guild is not None
        async with self.bot.db.read() as session:
            prompts = await reflection_store.community_prompts(session, interaction.guild.id)
        await send_private(
            interaction,
            render("admin/prompt_list", prompts=[(p.id, p.text) for p in prompts])[:2000],
        )

    @prompts_group.command(name="remove", description="Remove one of the community's prompts")
    @app_commands.describe(number="The number shown by /admin prompts list")
    async def prompts_remove(
        self, interaction: discord.Interaction, number: app_commands.Range[int, 1]
    ) -> None:
        require_organizer(interaction)
        assert interaction.guild is not None
        async with self.bot.db.session() as session:
            removed = await reflection_store.remove_community_prompt(
                session, interaction.guild.id, number
            )
        if not removed:
            raise UserFacingError("admin/prompt_unknown", id=number)
        await send_private(interaction, render("admin/prompt_removed", id=number))

    async def _quiet_day(self, interaction: discord.Interaction, text: str) -> date:
        require_organizer(interaction)
        assert interaction.guild is not None
        async with self.bot.db.read() as session:
            community = await get_community(session, interaction.guild.id)
        zone = community.timezone if community else self.bot.settings.default_timezone
        today = self.bot.clock.now().astimezone(ZoneInfo(zone)).date()
        day = member_date(text, today)
        if day < today:
            raise UserFacingError("errors/date_in_past", value=text)
        return day

    @quietdays.command(name="add", description="No reflection prompts on this date")
    @app_commands.describe(date="A date like 2026-12-24, or friday, 3d")
    async def quietdays_add(
        self, interaction: discord.Interaction, date: app_commands.Range[str, 1, 30]
    ) -> None:
        day = await self._quiet_day(interaction, date)
        assert interaction.guild is not None
        async with self.bot.db.session() as session:
            await self._community(session, interaction.guild)
            added = await reflection_store.add_quiet_day(session, interaction.guild.id, day)
            await self._reschedule_guild(session, interaction.guild.id)
        await send_private(interaction, render("admin/quiet_added", day=day.isoformat(), new=added))

    @quietdays.command(name="remove", description="Allow reflection prompts on this date again")
    @app_commands.describe(date="A date like 2026-12-24")
    async def quietdays_remove(
        self, interaction: discord.Interaction, date: app_commands.Range[str, 1, 30]
    ) -> None:
        day = await self._quiet_day(interaction, date)
        assert interaction.guild is not None
        async with self.bot.db.session() as session:
            removed = await reflection_store.remove_quiet_day(session, interaction.guild.id, day)
            await self._reschedule_guild(session, interaction.guild.id)
        await send_private(
            interaction, render("admin/quiet_removed", day=day.isoformat(), removed=removed)
        )

    @quietdays.command(name="list", description="Upcoming quiet days")
    async def quietdays_list(self, interaction: discord.Interaction) -> None:
        require_organizer(interaction)
        assert interaction.guild is not None
        today = self.bot.clock.now().date() - timedelta(days=1)
        async with self.bot.db.read() as session:
            days = await reflection_store.list_quiet_days(
                session, interaction.guild.id, since=today
            )
        await send_private(
            interaction, render("admin/quiet_list", days=[d.isoformat() for d in days])[:2000]
        )

    async def _reschedule_guild(self, session: Any, guild_id: int) -> None:
        await reflection_store.reschedule_guild(session, guild_id, now=self.bot.clock.now())
        if self.bot.reflections is not None:
            self.bot.reflections.scheduler.wake()

    @app_commands.command(name="setup", description="Organizers: configure Kindred for this server")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(
        thanks_channel="Where members thank each other in public",
        intro_channel="Where new members introduce themselves",
        timezone="The community's default time zone (type a city)",
        prompt_time="Default time for daily reflection prompts, e.g. 09:00 or 8:30am",
        intro_nudges="Privately DM authors of introductions that read like a pitch (weekly cap)",
        digest_day="Day of the weekly thanks digest",
        digest_hour="Hour of the weekly thanks digest (0-23, community time)",
        insights_dm="A DM to you on the 1st of each month with the community picture",
        event_nudges="Members who haven't chosen get event nudges and look-backs (default off)",
    )
    @app_commands.choices(
        digest_day=[
            app_commands.Choice(name=name, value=index)
            for index, name in enumerate(
                ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
            )
        ]
    )
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def setup_command(
        self,
        interaction: discord.Interaction,
        thanks_channel: discord.TextChannel | None = None,
        intro_channel: discord.TextChannel | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        prompt_time: app_commands.Range[str, 1, 16] | None = None,
        intro_nudges: bool | None = None,
        digest_day: app_commands.Choice[int] | None = None,
        digest_hour: app_commands.Range[int, 0, 23] | None = None,
        insights_dm: bool | None = None,
        event_nudges: bool | None = None,
    ) -> None:
        require_organizer(interaction)
        assert interaction.guild is not None  # require_organizer refuses DMs
        guild = interaction.guild
        # Validate everything before writing anything: one bad value changes nothing.
        changes: dict[str, object] = {}
        zone_note = None
        if timezone is not None:
            changes["timezone"], zone_note = zone_from(timezone)
        if prompt_time is not None:
            try:
                changes["prompt_time"] = format_time_of_day(parse_time_of_day(prompt_time))
            except InvalidTime:
                raise UserFacingError("errors/bad_time", value=prompt_time) from None
        if digest_day is not None:
            changes["digest_weekday"] = digest_day.value
        if digest_hour is not None:
            changes["digest_hour"] = digest_hour
        if event_nudges is not None:
            changes["events_default"] = event_nudges
        # Without the intent the nudge can't read posts: the rest still applies, and the
        # reply explains that one part.
        nudges_need_intent = bool(intro_nudges) and not self.bot.settings.message_content_intent
        if intro_nudges is not None and not nudges_need_intent:
            changes["intro_nudges"] = intro_nudges
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
                await thanks_store.schedule_digest(session, community, after=now)
            # The monthly picture is each organizer's own choice, not the server's.
            organizer = await ensure_member(session, guild.id, interaction.user.id, now=now)
            first_at = next_monthly(now, community.timezone)
            if insights_dm is not None:
                await insights_store.set_monthly(
                    session, organizer, on=insights_dm, first_at=first_at, now=now
                )
            monthly = await insights_store.monthly_subscription(session, organizer.id)
        if changes and self.bot.thanks is not None:
            self.bot.thanks.digest.wake()
        if insights_dm is not None and self.bot.insights is not None:
            self.bot.insights.monthly.wake()
        saved = bool(changes) or insights_dm is not None
        text = render("admin/setup_saved" if saved else "admin/setup_intro")
        if nudges_need_intent:
            text += "\n" + render("admin/nudges_need_intent", others=saved)
        if zone_note:
            text += "\n" + zone_note
        if insights_dm is not None:
            text += "\n" + render(
                "insights/monthly_on", on=insights_dm, first_at=int(first_at.timestamp())
            )
        await send_private(
            interaction,
            text,
            embed=configuration_embed(community, guild, monthly=monthly is not None),
        )


def configuration_embed(
    community: Community, guild: discord.Guild, *, monthly: bool
) -> discord.Embed:
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
        name=render("admin/label_digest"),
        value=render(
            "admin/digest_value", weekday=community.digest_weekday, hour=community.digest_hour
        ),
        inline=True,
    )
    embed.add_field(
        name=render("admin/label_intro_nudges"),
        value=render("admin/nudges_value", on=community.intro_nudges),
        inline=True,
    )
    embed.add_field(
        name=render("admin/label_prompt_time"), value=community.prompt_time, inline=True
    )
    embed.add_field(
        name=render("admin/label_insights_dm"),
        value=render("admin/insights_dm_value", on=monthly),
        inline=True,
    )
    embed.add_field(
        name=render("admin/label_event_nudges"),
        value=render("admin/nudges_value", on=community.events_default),
        inline=True,
    )
    embed.set_footer(text=render("admin/config_footer"))
    return embed


async def setup(bot: KindredBot) -> None:
    await bot.add_cog(AdminCog(bot))
