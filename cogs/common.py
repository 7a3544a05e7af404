"""Pieces several cogs share: permission checks, time zone autocomplete, the member row."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from coaching.timezones import search_timezones
from kindred.errors import UserFacingError
from prompts import render
from storage.communities import ensure_community
from storage.members import ensure_member

if TYPE_CHECKING:
    from kindred.bot import KindredBot
    from storage.models import Member


def require_organizer(interaction: discord.Interaction) -> None:
    """Organizer commands are checked here, in code, whatever Discord's permission hints say.

    Default permissions on a command are only a hint that server admins can override, so
    every organizer command calls this before doing anything.
    """
    if interaction.guild is None:
        raise UserFacingError("errors/server_only")
    permissions = interaction.permissions
    if not (permissions.manage_guild or permissions.administrator):
        raise UserFacingError("errors/not_organizer")


async def timezone_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=entry.label[:100], value=entry.key)
        for entry in search_timezones(current, limit=25)
    ]


def bot_can_post(channel: discord.abc.GuildChannel) -> bool:
    """Kindred needs to see the channel, send, and embed there."""
    me = channel.guild.me
    permissions = channel.permissions_for(me)
    return permissions.view_channel and permissions.send_messages and permissions.embed_links


class OwnedView(discord.ui.View):
    """A view only its owner may use; it greys itself out when it times out.

    Set `message_interaction` to the interaction whose response carries the view, so the
    timeout can edit that (possibly ephemeral) message.
    """

    def __init__(self, owner_id: int, *, timeout: float = 180.0) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.message_interaction: discord.Interaction | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            render("errors/not_your_button"),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        return False

    def disable_all(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select):
                item.disabled = True

    async def on_timeout(self) -> None:
        self.disable_all()
        if self.message_interaction is not None:
            # The message may be gone or the token expired: then there is nothing to grey out.
            with contextlib.suppress(discord.HTTPException):
                await self.message_interaction.edit_original_response(view=self)


async def member_of(bot: KindredBot, session: Any, interaction: discord.Interaction) -> Member:
    """The member row of whoever runs the command in this server, created (with the server's
    community row, named and with the bot's defaults) on first use."""
    if interaction.guild is None:
        raise UserFacingError("errors/server_only")
    now = bot.clock.now()
    await ensure_community(
        session,
        interaction.guild.id,
        now=now,
        name=interaction.guild.name,
        timezone=bot.settings.default_timezone,
        prompt_time=bot.settings.default_prompt_time,
    )
    return await ensure_member(session, interaction.guild.id, interaction.user.id, now=now)
