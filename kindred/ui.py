"""Views, forms and persistent buttons that answer every click.

discord.py logs an exception from a view, a modal or a DynamicItem and leaves the member with
"This interaction failed". Kindred's bases hand it to `kindred.replies.reply_error` instead,
as the command tree does: a kind private answer, a fresh reference id in the log.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, Self, cast

import discord

from kindred.replies import reply_error, send_private
from prompts import render

if TYPE_CHECKING:
    from kindred.bot import KindredBot

PAGER_TIMEOUT_SECONDS = 600.0


def bot_of(interaction: discord.Interaction) -> KindredBot:
    """The bot an interaction reached: always a KindredBot here."""
    return cast("KindredBot", interaction.client)


class KindredView(discord.ui.View):
    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await reply_error(interaction, error, where=f"button in {type(self).__name__}")


class KindredModal(discord.ui.Modal):
    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await reply_error(interaction, error, where=f"form {type(self).__name__}")


class PersistentButton(discord.ui.DynamicItem[discord.ui.Button], template=r"(?!)"):
    """A button whose custom id carries what it acts on, so it works after a restart.

    A subclass gives a `template` with named groups, `custom_id_format`, the same as a format
    string (`"refl:{action}:{ref}"`), and `act`; the groups are in `self.parts`. This base never
    matches.
    """

    custom_id_format: ClassVar[str]

    def __init__(self, **parts: Any) -> None:
        self.parts = {name: str(value) for name, value in parts.items()}
        custom_id = self.custom_id_for(**self.parts)
        super().__init__(discord.ui.Button(label=custom_id, custom_id=custom_id))

    @classmethod
    def custom_id_for(cls, **parts: Any) -> str:
        """The custom id of this button for these parts: for a message sent as JSON (the
        courier's DMs), without building the item."""
        return cls.custom_id_format.format(**parts)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> Self:
        return cls(**match.groupdict())

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.act(interaction)
        except Exception as error:
            await reply_error(interaction, error, where=f"button {self.item.custom_id}")

    async def act(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class OwnedView(KindredView):
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
        await send_private(interaction, render("errors/not_your_button"))
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


# Shows page n (from 0): its embed and how many pages there are now (rows come and go).
PageSource = Callable[[int], Awaitable[tuple[discord.Embed, int]]]


class Pager(OwnedView):
    """ "Previous" and "Next" under a private list, for the member who asked for it."""

    def __init__(self, owner_id: int, show: PageSource, pages: int) -> None:
        super().__init__(owner_id, timeout=PAGER_TIMEOUT_SECONDS)
        self.show = show
        self.pages = pages
        self.page = 0
        self.previous_page.label = render("pager/previous")
        self.next_page.label = render("pager/next")
        self._refresh()

    def _refresh(self) -> None:
        self.previous_page.disabled = self.page == 0
        self.next_page.disabled = self.page >= self.pages - 1

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous_page(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._go(interaction, self.page - 1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next_page(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._go(interaction, self.page + 1)

    async def _go(self, interaction: discord.Interaction, page: int) -> None:
        self.page = max(0, min(self.pages - 1, page))
        embed, self.pages = await self.show(self.page)
        self._refresh()
        await interaction.response.edit_message(embed=embed, view=self)


async def send_paged(
    interaction: discord.Interaction,
    show: PageSource,
    *,
    empty: str | None = None,
    file: discord.File | None = None,
) -> None:
    """Reply privately with page 1 of a list, with a pager when there is more than one;
    `empty` instead when the list has no page at all. A `file` (a picture) stays attached
    while the pager turns pages."""
    embed, pages = await show(0)
    if pages == 0 and empty is not None:
        await send_private(interaction, empty, file=file)
        return
    if pages <= 1:
        await send_private(interaction, embed=embed, file=file)
        return
    pager = Pager(interaction.user.id, show, pages)
    pager.message_interaction = interaction
    await send_private(interaction, embed=embed, view=pager, file=file)


def embed_pages(pages: list[discord.Embed]) -> PageSource:
    """A page source over embeds made up front."""

    async def show(page: int) -> tuple[discord.Embed, int]:
        return pages[page], len(pages)

    return show
