"""Pieces several cogs share: permission checks, time zone autocomplete."""

from __future__ import annotations

import discord
from discord import app_commands

from coaching.timezones import search_timezones
from kindred.errors import UserFacingError


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
