"""`/kindred help`: what Kindred is and what a member can do with it."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from kindred.bot import KindredBot
from kindred.replies import send_private
from prompts import render


class HelpCog(commands.Cog):
    kindred = app_commands.Group(name="kindred", description="About Kindred, your networking coach")

    def __init__(self, bot: KindredBot) -> None:
        self.bot = bot

    @kindred.command(name="help", description="What Kindred does and the commands you can use")
    async def help(self, interaction: discord.Interaction) -> None:
        community = interaction.guild.name if interaction.guild else None
        embed = discord.Embed(
            title=render("help/help_title"),
            description=render("help/help", community=community),
            colour=discord.Colour.from_str("#c2577a"),
        )
        embed.set_footer(text=render("help/help_footer"))
        await send_private(interaction, embed=embed)


async def setup(bot: KindredBot) -> None:
    await bot.add_cog(HelpCog(bot))
