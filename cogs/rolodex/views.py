"""The Rolodex form, the follow-up form, and the buttons that open them or answer a reminder."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import discord

from coaching.rolodex import CADENCES, HOW_MET_MAX, NOTES_MAX, WHAT_MAX, describe_cadence
from coaching.text import cut_at_word
from kindred.errors import UserFacingError
from kindred.ui import KindredModal, KindredView, OwnedView, PersistentButton, bot_of
from prompts import render
from storage.types import row_id, snowflake

if TYPE_CHECKING:
    from cogs.rolodex import RolodexCog
    from kindred.bot import KindredBot
    from storage.models import RolodexEntry


TITLE_MAX = 45  # Discord's limit for a form's title
REMOVE_TIMEOUT_SECONDS = 120.0


class EntryModal(KindredModal):
    """The Rolodex form: how we met, notes, tags, marks, stay in touch."""

    def __init__(
        self,
        cog: RolodexCog,
        *,
        name: str,
        person_user_id: int | None,
        entry: RolodexEntry | None = None,
        already: bool = False,
    ) -> None:
        """`already`: opened to add someone who is in her Rolodex: her entry, to edit (the
        title says so)."""
        title = render("rolodex/form_title", name=name, already=already)
        super().__init__(title=cut_at_word(title, TITLE_MAX), timeout=None)
        self.cog = cog
        self.already = already
        self.name = name
        self.person_user_id = person_user_id
        self.entry_id = entry.id if entry else None
        self.how_met: discord.ui.TextInput[EntryModal] = discord.ui.TextInput(
            style=discord.TextStyle.short,
            required=False,
            max_length=HOW_MET_MAX,
            default=entry.how_met if entry else None,
            placeholder=render("rolodex/form_how_met_hint"),
        )
        self.notes: discord.ui.TextInput[EntryModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=NOTES_MAX,
            default=entry.notes if entry else None,
            placeholder=render("rolodex/form_notes_hint"),
        )
        self.tags: discord.ui.TextInput[EntryModal] = discord.ui.TextInput(
            style=discord.TextStyle.short,
            required=False,
            max_length=300,
            default=entry.tags.replace(",", ", ") if entry else None,
            placeholder=render("rolodex/form_tags_hint"),
        )
        marks = {"know": entry.know, "like": entry.like, "trust": entry.trust} if entry else {}
        self.marks: discord.ui.Select[EntryModal] = discord.ui.Select(
            options=[
                discord.SelectOption(label=mark, value=mark, default=bool(marks.get(mark)))
                for mark in ("know", "like", "trust")
            ],
            min_values=0,
            max_values=3,
            required=False,
        )
        current = describe_cadence(entry.cadence_days) if entry else "none"
        self.cadence: discord.ui.Select[EntryModal] = discord.ui.Select(
            options=[
                discord.SelectOption(label=label, value=label, default=label == current)
                for label in CADENCES
            ],
            min_values=0,
            max_values=1,
            required=False,
        )
        for label, component in (
            ("rolodex/form_how_met", self.how_met),
            ("rolodex/form_notes", self.notes),
            ("rolodex/form_tags", self.tags),
            ("rolodex/form_marks", self.marks),
            ("rolodex/form_cadence", self.cadence),
        ):
            self.add_item(discord.ui.Label(text=render(label), component=component))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.cog.save_entry(
            interaction,
            entry_id=self.entry_id,
            name=self.name,
            person_user_id=self.person_user_id,
            how_met=self.how_met.value,
            notes=self.notes.value,
            tags=self.tags.value,
            marks=set(self.marks.values),
            cadence=self.cadence.values[0] if self.cadence.values else "none",
            already=self.already,
        )


class FollowUpModal(KindredModal):
    def __init__(self, cog: RolodexCog, person: str | None, *, guild_id: int | None = None) -> None:
        """`guild_id`: the server whose Rolodex it is, when opened from a DM."""
        super().__init__(title=render("rolodex/followup_form_title"), timeout=None)
        self.cog = cog
        self.guild_id = guild_id
        self.person: discord.ui.TextInput[FollowUpModal] = discord.ui.TextInput(
            label=render("rolodex/followup_form_person"), max_length=100, default=person
        )
        self.when: discord.ui.TextInput[FollowUpModal] = discord.ui.TextInput(
            label=render("rolodex/followup_form_when"),
            max_length=30,
            default=render("rolodex/followup_form_when_default"),
        )
        self.note: discord.ui.TextInput[FollowUpModal] = discord.ui.TextInput(
            label=render("rolodex/followup_form_note"),
            style=discord.TextStyle.paragraph,
            max_length=WHAT_MAX,
            required=False,
        )
        for item in (self.person, self.when, self.note):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.cog.set_followup(
            interaction,
            person=self.person.value,
            when=self.when.value,
            note=self.note.value,
            guild_id=self.guild_id,
        )


class OfferButton(
    PersistentButton,
    template=r"rdx:(?P<action>add|fu):(?P<user>\d+)",
):
    """The one-click offers after thanks, the event check or a reflection."""

    custom_id_format = "rdx:{action}:{user}"

    async def act(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        cog = rolodex_of(bot)
        if interaction.guild is None:
            raise UserFacingError("errors/server_only")
        user_id = snowflake(self.parts["user"])
        if user_id is None:
            raise UserFacingError("errors/button_unknown")
        person = None
        if user_id:
            found: discord.abc.User | None = interaction.guild.get_member(user_id) or bot.get_user(
                user_id
            )
            if found is None:
                # No member cache (no privileged intent): one lookup for the name.
                with contextlib.suppress(discord.HTTPException):
                    found = await interaction.guild.fetch_member(user_id)
            person = found.display_name if found else None
        if self.parts["action"] == "add":
            name = person or render("rolodex/someone")
            await cog.open_form(interaction, name=name, person_user_id=user_id)
        else:
            await interaction.response.send_modal(FollowUpModal(cog, person))


def offer_view(user_id: int | None, *, add: bool = True) -> KindredView:
    """Buttons offering to add someone to the Rolodex and to set a follow-up."""
    view = KindredView(timeout=None)
    if add and user_id:
        button = OfferButton(action="add", user=user_id)
        button.item.label = render("rolodex/offer_add")
        view.add_item(button)
    follow = OfferButton(action="fu", user=user_id or 0)
    follow.item.label = render("rolodex/offer_followup")
    view.add_item(follow)
    return view


class FollowUpButton(
    PersistentButton,
    template=r"fu:(?P<action>done|snooze|drop):(?P<id>\d+)",
):
    """ "Done", "Snooze 3 days", "Not needed" under a follow-up reminder DM."""

    custom_id_format = "fu:{action}:{id}"

    async def act(self, interaction: discord.Interaction) -> None:
        cog = rolodex_of(bot_of(interaction))
        await cog.followup_action(interaction, self.parts["action"], row_id(self.parts["id"]))


class RemoveView(OwnedView):
    """ "Remove <name>" / "Keep" under `/rolodex remove`: her notes and history go at once,
    so she says it twice; it greys itself out after two minutes."""

    def __init__(self, cog: RolodexCog, owner_id: int, entry_id: int, name: str) -> None:
        super().__init__(owner_id, timeout=REMOVE_TIMEOUT_SECONDS)
        self.cog = cog
        self.entry_id = entry_id
        self.confirm.label = cut_at_word(render("rolodex/remove_button", name=name), 80)
        self.keep.label = render("rolodex/keep_button")

    @discord.ui.button(label="Remove", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.stop()
        await self.cog.remove_confirmed(interaction, self.entry_id)

    @discord.ui.button(label="Keep", style=discord.ButtonStyle.secondary)
    async def keep(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(content=render("rolodex/kept"), view=None)


def rolodex_of(bot: KindredBot) -> RolodexCog:
    cog = bot.rolodex
    if cog is None:  # its buttons are registered by the cog: it was unloaded meanwhile
        raise RuntimeError("the rolodex extension is not loaded")
    return cog
