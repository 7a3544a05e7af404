"""`/reflections journal`: her journal, paged, with a way to edit or delete an entry.

Under each page a menu lists its entries; choosing one shows it whole, privately, with "Edit"
(a form holding what is there, whose text replaces it) and "Delete" (asked once).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import discord

from coaching.reflections import ENTRY_MAX_CHARS
from cogs.reflections.views import checked_answer, question_items
from kindred.errors import UserFacingError
from kindred.replies import send_private
from kindred.ui import KindredModal, OwnedView, Pager
from prompts import render
from storage import reflections as store
from storage.types import row_id

if TYPE_CHECKING:
    from kindred.bot import KindredBot
    from storage.models import ReflectionEntry

PAGE_SIZE = 4
COLOUR = discord.Colour.from_str("#7a9e7e")


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class Journal:
    """One member's journal, as pages and entries she can change."""

    def __init__(self, bot: KindredBot, member_id: int, owner_id: int, search: str | None):
        self.bot = bot
        self.member_id = member_id
        self.owner_id = owner_id
        self.search = search

    async def page(self, number: int) -> tuple[discord.Embed, int, list[ReflectionEntry]]:
        """Page `number` (from 0), how many pages there are (0 when empty), its entries."""
        async with self.bot.db.read() as session:
            entries, total = await store.journal_page(
                session,
                self.member_id,
                search=self.search,
                offset=number * PAGE_SIZE,
                limit=PAGE_SIZE,
            )
        pages = -(-total // PAGE_SIZE)
        embed = discord.Embed(
            title=render("reflections/journal_title", search=self.search),
            description="\n\n".join(
                render(
                    "reflections/journal_entry",
                    day=entry.local_date.isoformat(),
                    prompt=shorten(entry.prompt_text, 180),
                    answer=shorten(entry.answer or "", 700),
                )
                for entry in entries
            )[:4096],
            colour=COLOUR,
        )
        embed.set_footer(
            text=render(
                "reflections/journal_footer", page=number + 1, pages=max(1, pages), total=total
            )
        )
        return embed, pages, entries

    async def entry(self, entry_id: int) -> ReflectionEntry:
        async with self.bot.db.read() as session:
            entry = await store.journal_entry(session, self.member_id, entry_id)
        if entry is None:
            raise UserFacingError("reflections/journal_entry_gone")
        return entry

    async def send(
        self, interaction: discord.Interaction, *, file: discord.File | None = None
    ) -> None:
        """Page 1 privately, with the entry menu (and "Previous" / "Next" when longer); a
        `file` (the calendar picture) stays attached while the pages turn."""
        embed, pages, entries = await self.page(0)
        if pages == 0:
            await send_private(
                interaction, render("reflections/journal_empty", search=self.search), file=file
            )
            return
        view = JournalView(self, pages, entries)
        view.message_interaction = interaction
        await send_private(interaction, embed=embed, view=view, file=file)


class JournalView(Pager):
    """The pager and, under it, a menu of this page's entries."""

    def __init__(self, journal: Journal, pages: int, entries: Sequence[ReflectionEntry]) -> None:
        self.journal = journal
        self.choose: discord.ui.Select[JournalView] = discord.ui.Select(
            placeholder=render("reflections/journal_choose"), min_values=1, max_values=1
        )
        self.choose.callback = self._chosen  # type: ignore[method-assign]
        self._entries = list(entries)
        super().__init__(journal.owner_id, self._show, pages)
        if pages <= 1:
            self.remove_item(self.previous_page)
            self.remove_item(self.next_page)
        self.add_item(self.choose)

    async def _show(self, number: int) -> tuple[discord.Embed, int]:
        embed, pages, self._entries = await self.journal.page(number)
        return embed, pages

    def _refresh(self) -> None:
        super()._refresh()
        if hasattr(self, "choose"):
            self.choose.options = [
                discord.SelectOption(
                    label=shorten(f"{entry.local_date.isoformat()} · {entry.answer or ''}", 100),
                    value=str(entry.id),
                )
                for entry in self._entries
            ] or [discord.SelectOption(label="—", value="0")]

    async def _chosen(self, interaction: discord.Interaction) -> None:
        # The value is an entry id we listed, unless the click was tampered with on the way.
        chosen = row_id(self.choose.values[0]) if self.choose.values else None
        if chosen is None:
            raise UserFacingError("reflections/journal_entry_gone")
        entry = await self.journal.entry(chosen)
        view = EntryView(self.journal, entry.id)
        view.message_interaction = interaction
        await send_private(interaction, embed=entry_embed(entry), view=view)


def entry_embed(entry: ReflectionEntry) -> discord.Embed:
    return discord.Embed(
        title=render("reflections/journal_entry_title", day=entry.local_date.isoformat()),
        description=render(
            "reflections/journal_entry",
            day=entry.local_date.isoformat(),
            prompt=entry.prompt_text,
            answer=entry.answer or "",
        )[:4096],
        colour=COLOUR,
    )


class EntryButtons(OwnedView):
    """Buttons about one entry of her journal; `labels`: each button's template."""

    labels: ClassVar[dict[str, str]] = {}
    timeout_seconds: ClassVar[float] = 600.0

    def __init__(self, journal: Journal, entry_id: int) -> None:
        super().__init__(journal.owner_id, timeout=self.timeout_seconds)
        self.journal = journal
        self.entry_id = entry_id
        for name, template in self.labels.items():
            getattr(self, name).label = render(template)


class EntryView(EntryButtons):
    """ "Edit" and "Delete" under one entry; "Delete" asks once more."""

    labels = {"edit": "reflections/journal_edit", "delete": "reflections/journal_delete"}

    @discord.ui.button(label="Edit", style=discord.ButtonStyle.primary)
    async def edit(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        entry = await self.journal.entry(self.entry_id)
        await interaction.response.send_modal(EditModal(self.journal, entry))

    @discord.ui.button(label="Delete", style=discord.ButtonStyle.danger)
    async def delete(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        await self.journal.entry(self.entry_id)  # still there
        view = ConfirmDelete(self.journal, self.entry_id)
        view.message_interaction = self.message_interaction
        await interaction.response.edit_message(
            content=render("reflections/journal_delete_ask"), view=view
        )


class ConfirmDelete(EntryButtons):
    labels = {
        "confirm": "reflections/journal_delete_confirm",
        "keep": "reflections/journal_delete_keep",
    }
    timeout_seconds = 120.0

    @discord.ui.button(label="Delete it", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        self.stop()
        async with self.journal.bot.db.session() as session:
            entry = await store.journal_entry(session, self.journal.member_id, self.entry_id)
            if entry is not None:
                await store.delete_entry(session, entry)
        await interaction.response.edit_message(
            content=render("reflections/journal_deleted"), embed=None, view=None
        )

    @discord.ui.button(label="Keep it", style=discord.ButtonStyle.secondary)
    async def keep(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        self.stop()
        await interaction.response.edit_message(
            content=render("reflections/journal_kept"), view=None
        )


class EditModal(KindredModal):
    """The journal's Edit: what the entry holds, to reword; what she submits replaces it."""

    def __init__(self, journal: Journal, entry: ReflectionEntry) -> None:
        super().__init__(title=render("reflections/journal_edit_title"), timeout=None)
        self.journal = journal
        self.entry_id = entry.id
        self.answer: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, default=entry.answer, max_length=ENTRY_MAX_CHARS
        )
        for item in question_items(entry.prompt_text, self.answer, "editing"):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        answer = checked_answer(self.answer.value, ENTRY_MAX_CHARS)
        async with self.journal.bot.db.session() as session:
            entry = await store.journal_entry(session, self.journal.member_id, self.entry_id)
            if entry is None:
                raise UserFacingError("reflections/journal_entry_gone")
            await store.edit_answer(session, entry, answer, now=self.journal.bot.clock.now())
        await send_private(interaction, render("reflections/journal_edited"))
