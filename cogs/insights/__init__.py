"""Pictures of the community for organizers: `/insights [weeks]` and the monthly DM.

The counting is `storage.insights`, the small-numbers rule `coaching.insights`, the drawing
`kindred.charts`; the monthly DM's job is `monthly`, the picture both share `report`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from coaching.insights import DEFAULT_WEEKS, WEEK_CHOICES
from cogs.common import require_organizer
from cogs.insights.monthly import MonthlyInsights
from cogs.insights.report import community_report
from kindred.replies import defer_private, send_private
from prompts import render
from storage.communities import get_community

if TYPE_CHECKING:
    from kindred.bot import KindredBot


class InsightsCog(commands.Cog):
    def __init__(self, bot: KindredBot) -> None:
        self.bot = bot
        self.monthly = MonthlyInsights(bot)

    async def cog_load(self) -> None:
        self.monthly.start()

    async def cog_unload(self) -> None:
        await self.monthly.stop()

    @app_commands.command(
        name="insights", description="Organizers: is the community getting closer? A picture"
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(weeks="How far back (default: the last 12 weeks)")
    @app_commands.choices(
        weeks=[app_commands.Choice(name=f"the last {n} weeks", value=n) for n in WEEK_CHOICES]
    )
    async def insights(
        self, interaction: discord.Interaction, weeks: app_commands.Choice[int] | None = None
    ) -> None:
        require_organizer(interaction)
        guild = interaction.guild
        assert guild is not None  # require_organizer refuses DMs
        # Counting a year of a large server and drawing can pass Discord's 3 s: "thinking".
        await defer_private(interaction)
        async with self.bot.db.read(offload=True) as session:
            community = await get_community(session, guild.id)
        zone = community.timezone if community else self.bot.settings.default_timezone
        span = weeks.value if weeks else DEFAULT_WEEKS
        report = await community_report(self.bot, guild.id, guild.name, zone, span)
        await send_private(
            interaction,
            render(
                "insights/summary",
                community=guild.name,
                weeks=span,
                lines=report.lines,
                any_hidden=report.any_hidden,
            ),
            file=report.picture.file(),
        )


async def setup(bot: KindredBot) -> None:
    await bot.add_cog(InsightsCog(bot))
