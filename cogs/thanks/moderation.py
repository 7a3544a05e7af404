"""Organizers taking a thank-you down: by its number (`/admin thanks remove`, with the
numbers offered as she types), or with "Remove this thank-you" on the post itself."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from cogs.common import require_organizer
from kindred.errors import UserFacingError
from kindred.replies import send_private
from prompts import render
from storage import thanks as store

if TYPE_CHECKING:
    from cogs.thanks import ThanksCog

log = logging.getLogger("kindred.thanks")

CHOICES = 25  # Discord shows at most 25 suggestions


async def remove(cog: ThanksCog, interaction: discord.Interaction, thanks_id: int) -> None:
    """Take a thank-you down: its record is marked removed, its post deleted (or, still on
    its way, never posted) and its DMs not sent."""
    require_organizer(interaction)
    assert interaction.guild is not None
    async with cog.bot.db.session() as session:
        thanks = await store.get_thanks(session, thanks_id)
        if thanks is None or thanks.guild_id != interaction.guild.id or thanks.removed:
            raise UserFacingError("errors/thanks_unknown", id=thanks_id)
        never_posted = await store.withdraw(session, thanks)
        channel_id, message_id = thanks.channel_id, thanks.message_id
    post_gone = False
    if message_id:
        try:
            await cog.bot.http.delete_message(channel_id, message_id)
            post_gone = True
        except discord.HTTPException as exc:
            log.warning("could not delete thanks post %s: HTTP %s", message_id, exc.status)
    await send_private(
        interaction,
        render("thanks/removed", id=thanks_id, post_gone=post_gone, never_posted=never_posted),
    )


async def remove_this(
    cog: ThanksCog, interaction: discord.Interaction, message: discord.Message
) -> None:
    """ "Remove this thank-you" on a post: organizers only, and only on Kindred's own
    thank-you posts (a digest, a member's message or a removed one is refused kindly)."""
    require_organizer(interaction)
    thanks = None
    if cog.bot.user is not None and message.author.id == cog.bot.user.id:
        async with cog.bot.db.read() as session:
            thanks = await store.by_message(session, message.id)
    if thanks is None or thanks.removed or thanks.guild_id != interaction.guild_id:
        raise UserFacingError("errors/thanks_not_a_post")
    await remove(cog, interaction, thanks.id)


async def number_choices(
    cog: ThanksCog, interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[int]]:
    """The server's latest thank-yous as she types a number (organizers only): "#12 · Maya →
    Ines · referral · story", filtered by what she typed (a number, a name, a word)."""
    guild = interaction.guild
    permissions = interaction.permissions
    if guild is None or not (permissions.manage_guild or permissions.administrator):
        return []
    async with cog.bot.db.read() as session:
        rows, _total = await store.public_thanks(session, guild.id, offset=0, limit=100)
    wanted = current.strip().lstrip("#").casefold()
    choices = []
    for thanks, giver_id, receiver_id in rows:
        # A choice shows plain text, where a mention is digits: names only when known.
        name = render(
            "thanks/remove_choice",
            id=thanks.id,
            day=thanks.created_at.date().isoformat(),
            giver=cog.user_name(guild, giver_id, mention=False),
            receiver=cog.user_name(guild, receiver_id, mention=False),
            kind=thanks.kind,
            story=" ".join(thanks.story.split()),
        )
        if wanted and wanted not in name.casefold():
            continue
        choices.append(app_commands.Choice(name=name[:100], value=thanks.id))
        if len(choices) == CHOICES:
            break
    return choices
