"""The "Thank the author" form, and how thank-yous name people and link to posts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from coaching.thanks import KINDS, STORY_MAX
from kindred.ui import KindredModal
from prompts import render

if TYPE_CHECKING:
    from cogs.thanks import ThanksCog
    from kindred.bot import KindredBot
    from storage.models import Member


THANKS_COLOUR = discord.Colour.from_str("#d9a441")


def message_url(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def display_name(bot: KindredBot, guild_id: int, member: Member | None) -> str:
    """A name to show; without the members intent the cache rarely has one, so a mention,
    which Discord shows as the name and which never pings under AllowedMentions.none()."""
    if member is None:
        return render("thanks/someone")
    guild = bot.get_guild(guild_id)
    found = guild.get_member(member.user_id) if guild else None
    if found is not None:
        return found.display_name
    user = bot.get_user(member.user_id)
    return user.display_name if user else f"<@{member.user_id}>"


class ThanksModal(KindredModal):
    """The "Thank the author" form: the kind and the story, linked to the helpful message."""

    def __init__(
        self, cog: ThanksCog, target: discord.Message, *, default_kind: str | None = None
    ) -> None:
        super().__init__(title=render("thanks/form_title"), timeout=None)
        self.cog = cog
        self.target = target
        self.kind: discord.ui.Select[ThanksModal] = discord.ui.Select(
            options=[
                discord.SelectOption(label=kind, value=kind, default=kind == default_kind)
                for kind in KINDS
            ],
            min_values=1,
            max_values=1,
        )
        self.story: discord.ui.TextInput[ThanksModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            min_length=1,
            max_length=STORY_MAX,
            placeholder=render("thanks/form_story_hint"),
        )
        self.add_item(discord.ui.Label(text=render("thanks/form_kind"), component=self.kind))
        self.add_item(discord.ui.Label(text=render("thanks/form_story"), component=self.story))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.cog.give(
            interaction,
            receiver=self.target.author,
            kind=self.kind.values[0] if self.kind.values else "other",
            story=self.story.value,
            source_url=message_url(interaction.guild.id, self.target.channel.id, self.target.id),
        )
