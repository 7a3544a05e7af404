"""Views, forms and persistent buttons that answer every click.

discord.py logs an exception from a view, a modal or a DynamicItem and leaves the member with
"This interaction failed". Kindred's bases hand it to `kindred.replies.reply_error` instead,
as the command tree does: a kind private answer, a fresh reference id in the log.

A view's timeout runs on the bot's Clock, not on discord.py's wall-time timer, so buttons
expire when tests and the sandbox move time, as everything else scheduled does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Self, cast

import discord

from kindred.options import form_problem
from kindred.replies import reply_error, send_private
from prompts import render

if TYPE_CHECKING:
    from discord.ui.view import ViewStore

    from kindred.bot import KindredBot
    from kindred.clock import Clock

PAGER_TIMEOUT_SECONDS = 600.0
log = logging.getLogger(__name__)


def bot_of(interaction: discord.Interaction) -> KindredBot:
    """The bot an interaction reached: always a KindredBot here."""
    return cast("KindredBot", interaction.client)


class KindredView(discord.ui.View):
    """A view whose `timeout` (seconds without a click) counts on the bot's Clock."""

    def __init__(self, *, timeout: float | None = 180.0) -> None:
        # discord.py's own timer would count wall time: it gets None, and `_expire` counts.
        super().__init__(timeout=None)
        self.idle_seconds = timeout
        self.expires_at: datetime | None = None
        self.expiring = False  # on_timeout is running: the message is being greyed out
        self._clock: Clock | None = None
        self._expiry: asyncio.Task[None] | None = None

    def _start_listening_from_store(self, store: ViewStore) -> None:
        bot = store._state._get_client()
        clock: Clock | None = getattr(bot, "clock", None)
        timed_views: set[KindredView] | None = getattr(bot, "timed_views", None)
        if self.idle_seconds is not None and (clock is None or timed_views is None):
            # Not a KindredBot (a bare client in a tool): wall time, as discord.py counts it.
            self.timeout = self.idle_seconds
        super()._start_listening_from_store(store)
        if self.idle_seconds is None or clock is None or timed_views is None:
            return
        self._clock = clock
        self._touch()
        if self._expiry is not None:
            self._expiry.cancel()
        timed_views.add(self)
        self._expiry = asyncio.create_task(self._expire(timed_views), name="view-expiry")

    def _touch(self) -> None:
        if self._clock is not None and self.idle_seconds is not None:
            self.expires_at = self._clock.now() + timedelta(seconds=self.idle_seconds)

    def _dispatch_item(
        self, item: discord.ui.Item[Any], interaction: discord.Interaction
    ) -> asyncio.Task[None] | None:
        if self.expires_at is not None:  # still counting (not stopped, not expired)
            self._touch()  # the timeout counts from the last click, as in discord.py
        return super()._dispatch_item(item, interaction)

    async def _expire(self, timed_views: set[KindredView]) -> None:
        assert self._clock is not None
        try:
            while (due := self.expires_at) is not None and self._clock.now() < due:
                await self._clock.sleep_until(due)
            if self.expires_at is None:
                return  # stopped
            self.expiring = True
            self.expires_at = None
            super().stop()  # stops listening, as discord.py's own timeout does
            try:
                await self.on_timeout()
            except Exception:
                log.exception("a view's timeout failed (%s)", type(self).__name__)
        finally:
            # Listening again (an edit re-sends the view) started a new count: that one's.
            if self._expiry is asyncio.current_task():
                self.expiring = False
                timed_views.discard(self)

    def overdue(self, now: datetime) -> bool:
        """Its time has come (by the clock) and it has not finished expiring."""
        return self.expiring or (self.expires_at is not None and self.expires_at <= now)

    def stop(self) -> None:
        self.expires_at = None
        if self._expiry is not None and self._expiry is not asyncio.current_task():
            self._expiry.cancel()
        super().stop()

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await reply_error(interaction, error, where=f"button in {type(self).__name__}")


class KindredModal(discord.ui.Modal):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Discord's client keeps each field within its declared length; a raw one need not.
        problem = form_problem(self)
        if problem is not None:
            raise problem  # answered by on_error, like any refusal
        return True

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
