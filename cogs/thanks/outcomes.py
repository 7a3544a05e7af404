"""What came of a referral: one question to the member who received it, and the news for the
member who made it.

When Maya thanks Ines for a referral, Maya (who received it) is the one who knows what came
of it. About ten days later (`coaching.thanks.OUTCOME_ASK_AFTER`) Kindred asks her once, by
DM, with persistent buttons; her answer goes into the thank-you and, the first time, a DM to
Ines says what came of her referral. Both DMs are courier rows built at send time, so a
removed thank-you, a deleted member or a member who turned thanks DMs off gets nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from coaching.thanks import OUTCOMES
from cogs.thanks.views import display_name, message_url
from kindred.replies import close_with_note, send_private
from kindred.ui import PersistentButton, bot_of
from prompts import render
from storage import thanks as store
from storage.communities import get_community
from storage.types import row_id

if TYPE_CHECKING:
    from kindred.bot import KindredBot
    from storage.models import Member, Thanks

OUTCOME_PATTERN = r"(?P<outcome>met|client|not_fit)"


class ResultButton(PersistentButton, template=r"thx:result:(?P<thanks>\d+):" + OUTCOME_PATTERN):
    """ "We met" / "Became a client" / "Not a fit" under the question to the member who
    received a referral."""

    custom_id_format = "thx:result:{thanks}:{outcome}"

    async def act(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        async with bot.db.session() as session:
            thanks, giver, receiver = await _thanks_of(session, self.parts["thanks"])
            if thanks is None or giver is None or giver.user_id != interaction.user.id:
                await send_private(interaction, render("errors/thanks_not_giver"))
                return
            if thanks.removed:
                await close_with_note(interaction, render("thanks/outcome_removed"))
                return
            told = await store.record_outcome(
                session, thanks, self.parts["outcome"], now=bot.clock.now()
            )
        if told:
            bot.courier.wake()
        await close_with_note(
            interaction,
            render(
                "thanks/outcome_saved",
                outcome=self.parts["outcome"],
                referrer=display_name(bot, thanks.guild_id, receiver),
                telling=told and receiver is not None and receiver.thanks_dms,
            ),
        )


class OutcomeButton(PersistentButton, template=r"thx:outcome:(?P<thanks>\d+):" + OUTCOME_PATTERN):
    """The buttons Kindred used to put under the thanked member's own DM, asking the
    referrer what came of her referral. They stay answerable (old DMs keep them): a click
    says kindly that the member who received the referral is asked now, and asks her if
    nobody has yet. Nothing is recorded from it: she is the one who knows."""

    custom_id_format = "thx:outcome:{thanks}:{outcome}"

    async def act(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        async with bot.db.session() as session:
            thanks, giver, receiver = await _thanks_of(session, self.parts["thanks"])
            if thanks is None or receiver is None or receiver.user_id != interaction.user.id:
                await send_private(interaction, render("errors/thanks_not_receiver"))
                return
            asking = (
                not thanks.removed
                and thanks.outcome is None
                and giver is not None
                and giver.thanks_dms
            )
            if asking:
                await store.queue_ask(session, thanks, now=bot.clock.now())
        if asking:
            bot.courier.wake()
        await close_with_note(
            interaction,
            render(
                "thanks/outcome_moved",
                giver=display_name(bot, thanks.guild_id, giver),
                outcome=thanks.outcome,
                asking=asking,
            ),
        )


async def _thanks_of(session: Any, ref: str) -> tuple[Thanks | None, Member | None, Member | None]:
    """The thank-you a button names, with its giver and receiver (all None when it is gone
    or the id was tampered with)."""
    thanks_id = row_id(ref)
    found = await store.with_members(session, thanks_id) if thanks_id else None
    return found if found is not None else (None, None, None)


def result_buttons(thanks_id: int) -> list[dict[str, Any]]:
    """The answers under the question to the member who received a referral, as JSON for the
    courier."""
    return [
        {
            "type": 1,
            "components": [
                {
                    "type": 2,
                    "style": 2,
                    "label": render(f"thanks/outcome_{outcome}"),
                    "custom_id": ResultButton.custom_id_for(thanks=thanks_id, outcome=outcome),
                }
                for outcome in OUTCOMES
            ],
        }
    ]


async def build_ask(bot: KindredBot, ref: Any) -> dict[str, Any] | None:
    """The question to the giver of a referral thank-you, from the record as it is when it is
    sent: nothing when the thank-you was removed, she answered already (an old button), she
    turned thanks DMs off, or the referrer's data is gone (there is nobody to tell)."""
    async with bot.db.read() as session:
        found = await store.with_members(session, int(ref))
        community = await get_community(session, found[0].guild_id) if found else None
    if found is None:
        return None
    thanks, giver, receiver = found
    if thanks.removed or thanks.outcome is not None or receiver is None:
        return None
    if giver is None or not giver.thanks_dms:
        return None
    guild = bot.get_guild(thanks.guild_id)
    return {
        "content": render(
            "thanks/outcome_ask_dm",
            referrer=display_name(bot, thanks.guild_id, receiver),
            community=guild.name if guild else (community.name if community else ""),
            given_at=int(thanks.created_at.timestamp()),
            story=thanks.story[:600],
            url=(
                message_url(thanks.guild_id, thanks.channel_id, thanks.message_id)
                if thanks.message_id
                else None
            ),
        )[:2000],
        "components": result_buttons(thanks.id),
    }


async def build_news(bot: KindredBot, ref: Any) -> dict[str, Any] | None:
    """The DM telling the referrer what came of her referral (nothing when the thank-you is
    gone or removed, or she turned thanks DMs off)."""
    async with bot.db.read() as session:
        found = await store.with_members(session, int(ref))
    if found is None:
        return None
    thanks, giver, receiver = found
    if thanks.removed or thanks.outcome is None or receiver is None or not receiver.thanks_dms:
        return None
    return {
        "content": render(
            "thanks/outcome_news_dm",
            outcome=thanks.outcome,
            giver=display_name(bot, thanks.guild_id, giver),
            story=thanks.story[:600],
        )[:2000]
    }
