"""The Rolodex and follow-ups: `/rolodex ...`, `/followup ...`, "Add to my Rolodex".

The forms and buttons are in `views`, the reminders (stay in touch, follow up) in `reminders`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from coaching.rolodex import (
    HOW_MET_MAX,
    NOTES_MAX,
    TOUCH_KINDS,
    WHAT_MAX,
    InvalidEntry,
    Searchable,
    clean_name,
    clean_text,
    describe_cadence,
    parse_cadence,
    parse_tags,
    search_rank,
    touch_due_on,
)
from coaching.text import optional
from cogs.common import member_date, member_of, required_text
from cogs.rolodex.overview import overview_reply
from cogs.rolodex.reminders import StayInTouch, enqueue_followup_reminder
from cogs.rolodex.views import EntryModal, FollowUpButton, OfferButton, RemoveView, offer_view
from kindred.errors import UserFacingError
from kindred.replies import close_with_note, defer_private, send_private
from kindred.ui import KindredView, embed_pages, send_paged
from prompts import render
from storage import rolodex as store

if TYPE_CHECKING:
    from kindred.bot import KindredBot
    from storage.models import RolodexEntry

LIST_PAGE = 8


def _invalid(error: InvalidEntry) -> UserFacingError:
    return UserFacingError(f"errors/rolodex_{error.field}", **error.details)


def entry_line(entry: RolodexEntry) -> str:
    return render(
        "rolodex/entry_line",
        id=entry.id,
        name=entry.name,
        marks=[m for m in ("know", "like", "trust") if getattr(entry, m)],
        tags=entry.tags.split(",") if entry.tags else [],
    )


class RolodexCog(commands.Cog):
    rolodex = app_commands.Group(
        name="rolodex", description="Your private Rolodex of people you know", guild_only=True
    )
    followup = app_commands.Group(
        name="followup", description="Reminders to follow up with people", guild_only=True
    )

    def __init__(self, bot: KindredBot) -> None:
        self.bot = bot
        self.context_menu = app_commands.ContextMenu(
            name="Add to my Rolodex", callback=self.add_from_menu
        )
        self.context_menu.guild_only = True
        self.reminders = StayInTouch(bot)

    def offers(self, user_id: int | None, *, add: bool = True) -> KindredView:
        """One-click offers to add someone to the Rolodex and to set a follow-up, for the
        replies of other features (after thanks, the event check, a reflection)."""
        return offer_view(user_id, add=add)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.context_menu)
        self.bot.add_dynamic_items(OfferButton, FollowUpButton)
        self.reminders.start()

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.context_menu.name, type=self.context_menu.type)
        self.bot.remove_dynamic_items(OfferButton, FollowUpButton)
        await self.reminders.stop()

    # -- entries ----------------------------------------------------------------------------

    async def name_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild is None:
            return []
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            names = await store.names_like(session, member.id, current, 25)
        return [app_commands.Choice(name=name, value=name) for name in names]

    async def save_entry(
        self,
        interaction: discord.Interaction,
        *,
        entry_id: int | None,
        name: str,
        person_user_id: int | None,
        how_met: str,
        notes: str,
        tags: str,
        marks: set[str],
        cadence: str,
        already: bool = False,
    ) -> None:
        """`already`: the form was opened to add someone who was in her Rolodex already."""
        try:
            fields = {
                "name": clean_name(name),
                "how_met": clean_text(how_met, "how_met", HOW_MET_MAX),
                "notes": clean_text(notes, "notes", NOTES_MAX),
                "tags": parse_tags(tags),
                "cadence_days": parse_cadence(cadence),
                "know": "know" in marks,
                "like": "like" in marks,
                "trust": "trust" in marks,
            }
        except InvalidEntry as error:
            raise _invalid(error) from None
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            entry = await store.get_entry(session, entry_id) if entry_id else None
            if entry is not None and entry.owner_member_id != member.id:
                raise UserFacingError("errors/rolodex_unknown", name=name)
            clash = await store.find_entry(session, member.id, fields["name"])
            if clash is not None and (entry is None or clash.id != entry.id):
                raise UserFacingError("errors/rolodex_exists", name=fields["name"])
            created = entry is None
            entry = await store.save_entry(
                session, member, entry, fields, person_user_id=person_user_id, now=now
            )
        self.reminders.wake_for(entry.touch_due_at)
        await send_private(
            interaction,
            render(
                "rolodex/saved",
                created=created,
                already=already,
                name=entry.name,
                line=entry_line(entry),
            ),
        )

    async def open_form(
        self,
        interaction: discord.Interaction,
        *,
        name: str,
        person_user_id: int | None,
    ) -> None:
        """The Rolodex form to add someone; someone already there (linked to the member, or
        by the same name) opens as her entry to edit, and the form says so."""
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            existing = (
                await store.entry_for_user(session, member.id, person_user_id)
                if person_user_id
                else None
            ) or await store.find_entry(session, member.id, name)
        linked = existing.person_user_id if existing is not None else None
        if existing is not None and linked and person_user_id and linked != person_user_id:
            # Another member of the same name: said before she fills in a form.
            raise UserFacingError("errors/rolodex_exists", name=existing.name, member=True)
        await interaction.response.send_modal(
            EntryModal(
                self,
                name=existing.name if existing else name,
                person_user_id=person_user_id,
                entry=existing,
                already=existing is not None,
            )
        )

    @rolodex.command(name="add", description="Add someone you know (a member, or any name)")
    @app_commands.describe(member="A member of this server", name="Or the name of anyone else")
    async def add(
        self,
        interaction: discord.Interaction,
        member: discord.User | None = None,
        name: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        if member is None and (name is None or not name.strip()):
            raise UserFacingError("errors/rolodex_name_empty")
        if member is not None and member.id == interaction.user.id:
            raise UserFacingError("errors/rolodex_self")
        try:
            display = clean_name(name) if name else member.display_name  # type: ignore[union-attr]
        except InvalidEntry as error:
            raise _invalid(error) from None
        await self.open_form(
            interaction, name=display, person_user_id=member.id if member else None
        )

    async def add_from_menu(self, interaction: discord.Interaction, user: discord.User) -> None:
        if user.id == interaction.user.id:
            raise UserFacingError("errors/rolodex_self")
        await self.open_form(interaction, name=user.display_name, person_user_id=user.id)

    async def _entry(self, interaction: discord.Interaction, person: str) -> RolodexEntry:
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            entry = await store.find_entry(session, member.id, person)
        if entry is None:
            raise UserFacingError("errors/rolodex_unknown", name=person)
        return entry

    @rolodex.command(name="show", description="Everything you noted about someone")
    @app_commands.describe(person="A name in your Rolodex")
    async def show(self, interaction: discord.Interaction, person: str) -> None:
        entry = await self._entry(interaction, person)
        async with self.bot.db.read() as session:
            touches = await store.recent_touchpoints(session, entry.id, 5)
        embed = discord.Embed(
            title=entry.name,
            description=render(
                "rolodex/show",
                entry=entry,
                marks=[m for m in ("know", "like", "trust") if getattr(entry, m)],
                tags=entry.tags.split(",") if entry.tags else [],
                cadence=describe_cadence(entry.cadence_days),
                due=int(entry.touch_due_at.timestamp()) if entry.touch_due_at else None,
                touches=[
                    {"day": t.happened_on.isoformat(), "kind": t.kind, "note": t.note}
                    for t in touches
                ],
            )[:4096],
            colour=discord.Colour.from_str("#7a9e7e"),
        )
        await send_private(interaction, embed=embed)

    show.autocomplete("person")(name_autocomplete)

    @rolodex.command(name="edit", description="Change what you noted about someone")
    @app_commands.describe(person="A name in your Rolodex")
    async def edit(self, interaction: discord.Interaction, person: str) -> None:
        entry = await self._entry(interaction, person)
        await interaction.response.send_modal(
            EntryModal(self, name=entry.name, person_user_id=entry.person_user_id, entry=entry)
        )

    edit.autocomplete("person")(name_autocomplete)

    @rolodex.command(name="remove", description="Remove someone from your Rolodex")
    @app_commands.describe(person="A name in your Rolodex")
    async def remove(self, interaction: discord.Interaction, person: str) -> None:
        """Asks first (her notes and history go at once), with what would be lost."""
        entry = await self._entry(interaction, person)
        async with self.bot.db.read() as session:
            touches, followups = await store.entry_counts(session, entry.id)
        view = RemoveView(self, interaction.user.id, entry.id, entry.name)
        view.message_interaction = interaction
        await send_private(
            interaction,
            render(
                "rolodex/remove_ask",
                name=entry.name,
                touch_count=touches,
                followup_count=followups,
            ),
            view=view,
        )

    async def remove_confirmed(self, interaction: discord.Interaction, entry_id: int) -> None:
        """ "Remove" pressed under the question: gone, unless it went meanwhile."""
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            entry = await store.get_entry(session, entry_id)
            if entry is None or entry.owner_member_id != member.id:
                raise UserFacingError("errors/rolodex_gone")
            name = entry.name
            await store.remove_entry(session, entry.id)
        self.reminders.wake()
        await interaction.response.edit_message(
            content=render("rolodex/removed", name=name), view=None
        )

    remove.autocomplete("person")(name_autocomplete)

    async def _paged(
        self, interaction: discord.Interaction, title: str, lines: list[str], empty: str
    ) -> None:
        pages = [
            discord.Embed(
                title=title,
                description="\n".join(lines[start : start + LIST_PAGE])[:4096],
                colour=discord.Colour.from_str("#7a9e7e"),
            ).set_footer(
                text=render(
                    "rolodex/page_footer",
                    page=number + 1,
                    pages=-(-len(lines) // LIST_PAGE),
                    total=len(lines),
                )
            )
            for number, start in enumerate(range(0, len(lines), LIST_PAGE))
        ]
        if not pages:
            await send_private(interaction, empty)
            return
        await send_paged(interaction, embed_pages(pages))

    @rolodex.command(name="list", description="Everyone in your Rolodex, or those with a tag")
    @app_commands.describe(tag="Only people with this tag")
    async def list_entries(
        self, interaction: discord.Interaction, tag: app_commands.Range[str, 1, 40] | None = None
    ) -> None:
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            entries = await store.owner_entries(session, member.id)
        wanted = optional(optional(tag).lstrip("#")).casefold() or None
        if wanted:
            entries = [e for e in entries if wanted in (e.tags.split(",") if e.tags else [])]
        await self._paged(
            interaction,
            render("rolodex/list_title", tag=wanted),
            [entry_line(e) for e in entries],
            render("rolodex/list_empty", tag=wanted),
        )

    @rolodex.command(name="search", description="Who do I know for ...? Trusted people first")
    @app_commands.describe(query="e.g. bookkeeping, Lisbon, design")
    async def search(
        self, interaction: discord.Interaction, query: app_commands.Range[str, 1, 100]
    ) -> None:
        query = required_text(query)
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            entries = await store.owner_entries(session, member.id)
        by_id = {e.id: e for e in entries}
        ranked = search_rank(
            query,
            [
                Searchable(e.id, e.name, e.tags, e.notes, e.how_met, e.know, e.like, e.trust)
                for e in entries
            ],
        )
        await self._paged(
            interaction,
            render("rolodex/search_title", query=query),
            [entry_line(by_id[i]) for i in ranked],
            render("rolodex/search_empty", query=query),
        )

    @rolodex.command(name="log", description="Note a call, coffee, message or event with someone")
    @app_commands.describe(
        person="A name in your Rolodex",
        what="What happened",
        kind="call, coffee, message, event or other",
        when="When (default today): 2026-11-20, friday ...",
    )
    @app_commands.choices(kind=[app_commands.Choice(name=k, value=k) for k in TOUCH_KINDS])
    async def log_touch(
        self,
        interaction: discord.Interaction,
        person: str,
        what: app_commands.Range[str, 1, WHAT_MAX],
        kind: app_commands.Choice[str] | None = None,
        when: app_commands.Range[str, 1, 30] | None = None,
    ) -> None:
        what = required_text(what)
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            entry = await store.find_entry(session, member.id, person)
            if entry is None:
                raise UserFacingError("errors/rolodex_unknown", name=person)
            today = await store.local_today(session, member, now=now)
            day = today
            if when:
                day = member_date(when, today)
                if day > today:
                    raise UserFacingError("errors/rolodex_future_touch", value=when)
            await store.log_touch(
                session,
                entry,
                member,
                kind=kind.value if kind else "other",
                note=what,
                day=day,
                now=now,
            )
        self.reminders.wake()
        await send_private(
            interaction,
            render(
                "rolodex/logged",
                name=entry.name,
                day=day.isoformat(),
                due=int(entry.touch_due_at.timestamp()) if entry.touch_due_at else None,
            ),
        )

    log_touch.autocomplete("person")(name_autocomplete)

    @rolodex.command(name="drifting", description="People past their stay-in-touch time")
    async def drifting(self, interaction: discord.Interaction) -> None:
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            entries = await store.owner_entries(session, member.id)
            today = await store.local_today(session, member, now=self.bot.clock.now())
        late = []
        for entry in entries:
            due = touch_due_on(entry.last_touch_on or entry.created_at.date(), entry.cadence_days)
            if due is not None and due <= today:
                late.append((due, entry))
        late.sort(key=lambda item: item[0])
        # "Everyone is within their rhythm" is only true of people who have one.
        rhythms = sum(1 for entry in entries if entry.cadence_days)
        await self._paged(
            interaction,
            render("rolodex/drifting_title"),
            [
                render("rolodex/drifting_line", line=entry_line(e), late_days=(today - due).days)
                for due, e in late
            ],
            render("rolodex/drifting_empty", total=len(entries), rhythms=rhythms),
        )

    @rolodex.command(name="overview", description="Your Rolodex as a picture: know, like, trust")
    async def overview(self, interaction: discord.Interaction) -> None:
        await defer_private(interaction)  # drawing may take a moment
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            entries = await store.owner_entries(session, member.id)
            today = await store.local_today(session, member, now=self.bot.clock.now())
        text, picture = await overview_reply(entries, today)
        await send_private(interaction, text, file=picture.file() if picture else None)

    # -- follow-ups -------------------------------------------------------------------------

    async def set_followup(
        self,
        interaction: discord.Interaction,
        *,
        person: str,
        when: str,
        note: str | None,
        guild_id: int | None = None,
    ) -> None:
        """`guild_id`: the server whose Rolodex it is, for a form opened from a DM."""
        try:
            person_name = clean_name(person)
            note_text = clean_text(note, "note", WHAT_MAX)
        except InvalidEntry as error:
            raise _invalid(error) from None
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction, guild_id=guild_id)
            today = await store.local_today(session, member, now=now)
            day = member_date(when, today, unreadable="errors/followup_when")
            instant = await store.reminder_at(session, member, day)
            if day < today or instant <= now:
                raise UserFacingError("errors/date_in_past", value=when)
            entry = await store.find_entry(session, member.id, person_name)
            followup = await store.add_followup(
                session,
                member,
                entry=entry,
                person=person_name,
                note=note_text,
                day=day,
                at=instant,
                now=now,
            )
            await enqueue_followup_reminder(self.bot, session, followup, member)
        self.bot.courier.wake()
        await send_private(
            interaction,
            render(
                "rolodex/followup_set",
                id=followup.id,
                person=followup.person,
                at=int(instant.timestamp()),
            ),
        )

    @followup.command(name="set", description="Remind me to follow up with someone")
    @app_commands.describe(
        person="Who (a name in your Rolodex, or anyone)",
        when="2026-12-01, 3d, next week, friday",
        note="What to follow up about",
    )
    async def followup_set(
        self,
        interaction: discord.Interaction,
        person: app_commands.Range[str, 1, 100],
        when: app_commands.Range[str, 1, 30],
        note: app_commands.Range[str, 1, WHAT_MAX] | None = None,
    ) -> None:
        await self.set_followup(interaction, person=person, when=when, note=note)

    followup_set.autocomplete("person")(name_autocomplete)

    @followup.command(name="list", description="Your upcoming follow-ups")
    async def followup_list(self, interaction: discord.Interaction) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            pending = await store.pending_followups(session, member.id)
        await self._paged(
            interaction,
            render("rolodex/followup_list_title"),
            [
                render(
                    "rolodex/followup_line",
                    id=f.id,
                    person=f.person,
                    at=int(f.due_at.timestamp()),
                    note=f.note,
                    # Its reminder came and she hasn't said done, snoozed or not needed.
                    past_due=f.due_at <= now,
                )
                for f in pending
            ],
            render("rolodex/followup_list_empty"),
        )

    @followup.command(name="cancel", description="Cancel a follow-up reminder")
    @app_commands.describe(number="The number shown by /followup list")
    async def followup_cancel(
        self, interaction: discord.Interaction, number: app_commands.Range[int, 1]
    ) -> None:
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            found = await store.owned_followup(session, number)
            followup = found[0] if found is not None and found[1].id == member.id else None
            if followup is None or followup.state != "pending":
                raise UserFacingError("errors/followup_unknown", id=number)
            await store.cancel_followup(session, followup)
        await send_private(
            interaction, render("rolodex/followup_cancelled", person=followup.person)
        )

    async def followup_action(
        self, interaction: discord.Interaction, action: str, followup_id: int | None
    ) -> None:
        """ "Done", "Snooze 3 days" or "Not needed" under a reminder: only for a follow-up
        still pending (one cancelled, done or waved off stays so, and the buttons go)."""
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            found = await store.owned_followup(session, followup_id) if followup_id else None
            if found is None or found[1].user_id != interaction.user.id:
                raise UserFacingError("errors/followup_gone")
            followup, member = found
            if followup.state != "pending":
                note = render(
                    "rolodex/followup_not_pending", state=followup.state, person=followup.person
                )
            elif action == "done":
                note_text = followup.note or render("rolodex/followup_touch_note")
                await store.complete_followup(session, followup, member, note=note_text, now=now)
                note = render("rolodex/followup_marked_done", person=followup.person)
            elif action == "snooze":
                await store.snooze_followup(session, followup)
                await enqueue_followup_reminder(self.bot, session, followup, member)
                note = render("rolodex/followup_snoozed", at=int(followup.due_at.timestamp()))
            else:
                await store.not_needed(session, followup)
                note = render("rolodex/followup_not_needed")
        self.bot.courier.wake()
        self.reminders.wake()
        await close_with_note(interaction, note)


async def setup(bot: KindredBot) -> None:
    await bot.add_cog(RolodexCog(bot))
