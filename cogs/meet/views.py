"""The card form, the buttons under the meet DMs (they work after a restart), and the JSON
the courier sends: cards as embeds, button rows."""

from __future__ import annotations

import contextlib
import functools
from typing import TYPE_CHECKING, Any

import discord

from coaching.meet import CARD_FIELDS, CARD_LIMITS, card_is_empty
from kindred.errors import UserFacingError
from kindred.ui import KindredModal, PersistentButton, bot_of
from prompts import escape_markdown, render

if TYPE_CHECKING:
    from cogs.meet import MeetCog
    from kindred.bot import KindredBot

CARD_COLOUR = 0xB07AA1
PRIMARY, SECONDARY, SUCCESS = 1, 2, 3
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def meet_of(bot: KindredBot) -> MeetCog:
    cog = bot.meet
    if cog is None:  # its buttons are registered by the cog: it was unloaded meanwhile
        raise RuntimeError("the meet extension is not loaded")
    return cog


async def name_of(bot: KindredBot, guild_id: int, user_id: int) -> str:
    """A member's display name; without the members intent the cache rarely has it, so one
    lookup, and a mention (shown as the name, never a ping) if that fails too."""
    guild = bot.get_guild(guild_id)
    found: discord.abc.User | None = (guild.get_member(user_id) if guild else None) or (
        bot.get_user(user_id)
    )
    if found is None and guild is not None:
        with contextlib.suppress(discord.HTTPException):
            found = await guild.fetch_member(user_id)
    return found.display_name if found is not None else f"<@{user_id}>"


def month_name(month: int) -> str:
    return MONTHS[month - 1]


# -- JSON for the courier -----------------------------------------------------------------


def card_embed(name: str, card: dict[str, str] | None) -> dict[str, Any]:
    """Someone's card as an embed: her own words, field by field."""
    embed: dict[str, Any] = {"title": name[:256], "color": CARD_COLOUR}
    if card is None or card_is_empty(card):
        embed["description"] = render("meet/card_empty", name=name)
        return embed
    embed["fields"] = [
        {"name": card_label(field), "value": escape_markdown(text)[:1024]}
        for field in CARD_FIELDS
        if (text := card.get(field))
    ]
    return embed


def card_label(field: str) -> str:
    # A round shows some 8,000 card fields: their five labels are rendered once.
    return label(f"card_{field}")


def button_row(buttons: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    """One row of buttons (custom id, label, style) as JSON."""
    return [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": style, "label": label[:80], "custom_id": custom_id}
                for custom_id, label, style in buttons
            ],
        }
    ]


@functools.cache
def label(name: str) -> str:
    return render(f"meet/{name}")


def checkin_buttons(row_id: int) -> list[dict[str, Any]]:
    return button_row(
        [
            (CheckInButton.custom_id_for(row=row_id, answer=answer), label(name), style)
            for answer, name, style in (
                ("met", "button_met", SUCCESS),
                ("scheduled", "button_scheduled", PRIMARY),
                ("couldnt", "button_couldnt", SECONDARY),
            )
        ]
    )


def intro_buttons(introduction_id: int) -> list[dict[str, Any]]:
    return button_row(
        [
            (
                IntroAnswerButton.custom_id_for(intro=introduction_id, answer="accept"),
                render("meet/button_accept"),
                SUCCESS,
            ),
            (
                IntroAnswerButton.custom_id_for(intro=introduction_id, answer="decline"),
                render("meet/button_decline"),
                SECONDARY,
            ),
        ]
    )


# -- the card form ------------------------------------------------------------------------


class ProfileModal(KindredModal):
    """`/meet profile`: five short answers, every one optional."""

    def __init__(self, cog: MeetCog, card: dict[str, str] | None) -> None:
        super().__init__(title=render("meet/profile_title"), timeout=None)
        self.cog = cog
        self.inputs: dict[str, discord.ui.TextInput[ProfileModal]] = {}
        for field in CARD_FIELDS:
            text_input: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
                label=render(f"meet/profile_{field}"),
                placeholder=render(f"meet/profile_{field}_hint"),
                style=discord.TextStyle.short if field == "region" else discord.TextStyle.paragraph,
                required=False,
                max_length=CARD_LIMITS[field],
                default=(card or {}).get(field) or None,
            )
            self.inputs[field] = text_input
            self.add_item(text_input)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.cog.save_card(
            interaction, {field: text_input.value for field, text_input in self.inputs.items()}
        )


# -- buttons under DMs --------------------------------------------------------------------


class CheckInButton(
    PersistentButton,
    template=r"meet:did:(?P<row>\d+):(?P<answer>met|scheduled|couldnt)",
):
    """ "We met" / "We've scheduled it" / "Couldn't make it this time"."""

    custom_id_format = "meet:did:{row}:{answer}"

    async def act(self, interaction: discord.Interaction) -> None:
        cog = meet_of(bot_of(interaction))
        await cog.answer_check_in(interaction, int(self.parts["row"]), self.parts["answer"])


class IntroAnswerButton(
    PersistentButton,
    template=r"meet:intro:(?P<intro>\d+):(?P<answer>accept|decline)",
):
    """ "Accept" / "Not now" under an introduction."""

    custom_id_format = "meet:intro:{intro}:{answer}"

    async def act(self, interaction: discord.Interaction) -> None:
        cog = meet_of(bot_of(interaction))
        await cog.introductions.answer(interaction, int(self.parts["intro"]), self.parts["answer"])


class OfferButton(
    PersistentButton,
    template=r"meet:(?P<action>rdx|fu|thx):(?P<row>\d+):(?P<other>\d+)",
):
    """After "We met", one click each: add her to my Rolodex, set a follow-up, thank the
    introducer. `row` is the clicker's place in the match, `other` a member id."""

    custom_id_format = "meet:{action}:{row}:{other}"

    async def act(self, interaction: discord.Interaction) -> None:
        cog = meet_of(bot_of(interaction))
        await cog.offer(
            interaction, self.parts["action"], int(self.parts["row"]), int(self.parts["other"])
        )


def offer_view(row_id: int, offers: list[tuple[str, int, str]]) -> discord.ui.View:
    """Buttons for (action, other member id, label)."""
    view = discord.ui.View(timeout=None)
    for action, other, label in offers:
        button = OfferButton(action=action, row=row_id, other=other)
        button.item.label = label[:80]
        button.item.style = discord.ButtonStyle.secondary
        view.add_item(button)
    return view


class IntroThanksModal(KindredModal):
    """ "Thank her for the introduction": the story, posted as an introduction thank-you."""

    def __init__(
        self, *, guild: discord.Guild, introducer: discord.abc.User, introduction_id: int
    ) -> None:
        super().__init__(
            title=render("meet/thank_form_title", name=introducer.display_name)[:45], timeout=None
        )
        self.guild = guild
        self.introducer = introducer
        self.introduction_id = introduction_id
        self.story: discord.ui.TextInput[IntroThanksModal] = discord.ui.TextInput(
            label=render("meet/thank_form_story"),
            placeholder=render("meet/thank_form_hint"),
            style=discord.TextStyle.paragraph,
            max_length=1000,
        )
        self.add_item(self.story)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        thanks = bot_of(interaction).thanks
        if thanks is None:
            raise UserFacingError("errors/meet_feature_off")
        await thanks.give(
            interaction,
            receiver=self.introducer,
            kind="introduction",
            story=self.story.value,
            guild=self.guild,
            introduction_id=self.introduction_id,
        )
