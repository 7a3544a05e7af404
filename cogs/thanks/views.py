"""The "Thank the author" form and the referral outcome buttons under a thank-you DM."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from coaching.thanks import KINDS, OUTCOMES, STORY_MAX
from kindred.replies import close_with_note, send_private
from kindred.ui import KindredModal, PersistentButton, bot_of
from prompts import render
from storage import thanks as store
from storage.types import row_id

if TYPE_CHECKING:
    from cogs.thanks import ThanksCog
    from kindred.bot import KindredBot
    from storage.models import Member


THANKS_COLOUR = discord.Colour.from_str("#d9a441")


def message_url(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


class OutcomeButton(
    PersistentButton,
    template=r"thx:outcome:(?P<thanks>\d+):(?P<outcome>met|client|not_fit)",
):
    """ "We met" / "Became a client" / "Not a fit" under a referral thank-you DM."""

    custom_id_format = "thx:outcome:{thanks}:{outcome}"

    async def act(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        outcome = self.parts["outcome"]
        thanks_id = row_id(self.parts["thanks"])
        async with bot.db.session() as session:
            found = await store.with_members(session, thanks_id) if thanks_id else None
            thanks, giver, receiver = found if found is not None else (None, None, None)
            if thanks is None or receiver is None or receiver.user_id != interaction.user.id:
                await send_private(interaction, render("errors/thanks_not_receiver"))
                return
            await store.record_outcome(session, thanks, outcome, now=bot.clock.now())
        giver_name = display_name(bot, giver.guild_id if giver else 0, giver)
        await close_with_note(
            interaction, render("thanks/outcome_saved", outcome=outcome, giver=giver_name)
        )


def outcome_buttons(thanks_id: int) -> list[dict[str, Any]]:
    """The outcome buttons of a referral's DM, as JSON for the courier."""
    return [
        {
            "type": 1,
            "components": [
                {
                    "type": 2,
                    "style": 2,
                    "label": render(f"thanks/outcome_{outcome}"),
                    "custom_id": OutcomeButton.custom_id_for(thanks=thanks_id, outcome=outcome),
                }
                for outcome in OUTCOMES
            ],
        }
    ]


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
