"""`/privacy`, `/mydata export`, `/mydata delete`: members own their data."""

from __future__ import annotations

import io
import json

import discord
from discord import app_commands
from discord.ext import commands

from coaching.rolodex import csv_text, vcards
from kindred.bot import KindredBot
from kindred.errors import UserFacingError
from kindred.replies import send_private
from kindred.ui import OwnedView
from prompts import render
from storage.members import get_member
from storage.privacy import delete_member, export_member

DELETE_CONFIRM_SECONDS = 120.0


class ConfirmDeleteView(OwnedView):
    def __init__(self, cog: PrivacyCog, owner_id: int, guild_id: int) -> None:
        super().__init__(owner_id, timeout=cog.delete_confirm_seconds)
        self.cog = cog
        self.guild_id = guild_id
        self.confirm.label = render("privacy/delete_confirm_button")
        self.cancel.label = render("privacy/delete_cancel_button")

    @discord.ui.button(label="Delete", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.stop()
        bot = self.cog.bot
        # Deleting takes a few requests to Discord (posts, DMs): "thinking" first.
        await interaction.response.defer()
        user = interaction.user
        # Thanks they gave are theirs: the public posts and the DMs about them go too (thanks
        # to them stay, no longer naming them); digests that showed either are posted again.
        thanks = bot.thanks
        async with bot.db.read() as session:
            member = await get_member(session, self.guild_id, user.id)
        forgotten = (
            await thanks.forget_posts(self.guild_id, member.id) if member and thanks else None
        )
        async with bot.db.session() as session:
            removed = await delete_member(
                session,
                self.guild_id,
                user.id,
                names=[user.display_name, user.name, user.global_name or ""],
                replacement=render("thanks/someone"),
            )
        # Nothing of what was deleted stays readable in the database files.
        await bot.db.scrub()
        if forgotten is not None and thanks is not None:
            await thanks.repost_digests(forgotten)
        await interaction.edit_original_response(
            content=render("privacy/deleted", removed=removed, total=sum(removed.values())),
            view=None,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @discord.ui.button(label="Keep", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(
            content=render("privacy/delete_cancelled"),
            view=None,
            allowed_mentions=discord.AllowedMentions.none(),
        )


class PrivacyCog(commands.Cog):
    mydata = app_commands.Group(
        name="mydata", description="See or delete what Kindred stores about you", guild_only=True
    )

    def __init__(self, bot: KindredBot) -> None:
        self.bot = bot
        self.delete_confirm_seconds = DELETE_CONFIRM_SECONDS

    @app_commands.command(name="privacy", description="What Kindred stores about you, and why")
    async def privacy(self, interaction: discord.Interaction) -> None:
        embed = discord.Embed(
            title=render("privacy/title"),
            description=render("privacy/explained"),
            colour=discord.Colour.from_str("#c2577a"),
        )
        await send_private(interaction, embed=embed)

    @mydata.command(
        name="export", description="Get a file with everything Kindred stores about you here"
    )
    async def export(self, interaction: discord.Interaction) -> None:
        guild = _require_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.bot.db.read() as session:
            data = await export_member(session, guild.id, interaction.user.id)
        data["exported_at"] = self.bot.clock.now().isoformat()
        data["server_name"] = guild.name
        payload = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
        files = [discord.File(io.BytesIO(payload), filename=f"kindred-data-{guild.id}.json")]
        rolodex = data["tables"].get("rolodex_entries.owner_member_id") or []
        if rolodex:
            # The Rolodex also as contacts (vCard) and a spreadsheet (CSV).
            files.append(
                discord.File(
                    io.BytesIO(vcards(rolodex).encode("utf-8")), filename="kindred-rolodex.vcf"
                )
            )
            files.append(
                discord.File(
                    io.BytesIO(csv_text(rolodex).encode("utf-8")), filename="kindred-rolodex.csv"
                )
            )
        rows = sum(len(rows) for rows in data["tables"].values()) + (1 if data["member"] else 0)
        await send_private(interaction, render("privacy/exported", rows=rows), files=files)

    @mydata.command(name="delete", description="Delete everything Kindred stores about you here")
    async def delete(self, interaction: discord.Interaction) -> None:
        guild = _require_guild(interaction)
        view = ConfirmDeleteView(self, interaction.user.id, guild.id)
        view.message_interaction = interaction
        await send_private(
            interaction,
            render("privacy/delete_ask", minutes=max(1, round(self.delete_confirm_seconds / 60))),
            view=view,
        )


def _require_guild(interaction: discord.Interaction) -> discord.Guild:
    if interaction.guild is None:
        raise UserFacingError("errors/server_only")
    return interaction.guild


async def setup(bot: KindredBot) -> None:
    await bot.add_cog(PrivacyCog(bot))
