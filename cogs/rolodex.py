"""The Rolodex and follow-ups: `/rolodex ...`, `/followup ...`, reminders, one-click offers."""

from __future__ import annotations

import contextlib
import logging
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy import select

from coaching.dates import InvalidDate, parse_date
from coaching.reflections import send_instant, zone
from coaching.rolodex import (
    CADENCES,
    HOW_MET_MAX,
    NOTES_MAX,
    TOUCH_KINDS,
    WHAT_MAX,
    InvalidEntry,
    Searchable,
    clean_name,
    clean_text,
    describe_cadence,
    name_key,
    parse_cadence,
    parse_tags,
    search_rank,
    touch_due_on,
)
from cogs.common import member_of
from kindred.errors import UserFacingError
from kindred.loops import Upcoming
from kindred.replies import close_with_note, send_private
from kindred.ui import (
    KindredModal,
    KindredView,
    PersistentButton,
    bot_of,
    embed_pages,
    send_paged,
)
from prompts import render
from storage import rolodex as store
from storage.courier import enqueue
from storage.models import Community, FollowUp, Member, OutboxMessage, RolodexEntry
from storage.reflections import get_subscription

if TYPE_CHECKING:
    from kindred.bot import KindredBot

log = logging.getLogger("kindred.rolodex")

SNOOZE = timedelta(days=3)
LIST_PAGE = 8


def _invalid(error: InvalidEntry) -> UserFacingError:
    return UserFacingError(f"errors/rolodex_{error.field}", **error.details)


async def reminder_zone_and_time(session: Any, member: Member) -> tuple[str, time]:
    """A member's reflection time if they have one, otherwise 09:00 in their zone."""
    subscription = await get_subscription(session, member.id)
    if subscription is not None and subscription.active:
        hour, minute = (int(part) for part in subscription.time_of_day.split(":"))
        return subscription.timezone, time(hour, minute)
    community = await session.get(Community, member.guild_id)
    return (member.timezone or (community.timezone if community else "UTC")), time(9, 0)


async def reminder_at(session: Any, member: Member, day: date) -> datetime:
    zone_name, at = await reminder_zone_and_time(session, member)
    return send_instant(day, at, zone(zone_name))


async def local_today(bot: KindredBot, session: Any, member: Member) -> date:
    zone_name, _ = await reminder_zone_and_time(session, member)
    return bot.clock.now().astimezone(zone(zone_name)).date()


async def restart_cadence(session: Any, entry: RolodexEntry, member: Member) -> None:
    due = touch_due_on(entry.last_touch_on or entry.created_at.date(), entry.cadence_days)
    entry.touch_due_at = await reminder_at(session, member, due) if due else None


class EntryModal(KindredModal):
    """The Rolodex form: how we met, notes, tags, marks, stay in touch."""

    def __init__(
        self,
        cog: RolodexCog,
        *,
        name: str,
        person_user_id: int | None,
        entry: RolodexEntry | None = None,
    ) -> None:
        super().__init__(title=render("rolodex/form_title", name=name)[:45], timeout=None)
        self.cog = cog
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
        )


class FollowUpModal(KindredModal):
    def __init__(self, cog: RolodexCog, person: str | None) -> None:
        super().__init__(title=render("rolodex/followup_form_title"), timeout=None)
        self.cog = cog
        self.person: discord.ui.TextInput[FollowUpModal] = discord.ui.TextInput(
            label=render("rolodex/followup_form_person"), max_length=100, default=person
        )
        self.when: discord.ui.TextInput[FollowUpModal] = discord.ui.TextInput(
            label=render("rolodex/followup_form_when"), max_length=30, default="next week"
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
            interaction, person=self.person.value, when=self.when.value, note=self.note.value
        )


class OfferButton(
    PersistentButton,
    template=r"rdx:(?P<action>add|fu):(?P<user>\d+)",
):
    """The one-click offers after thanks, the event check or a reflection."""

    custom_id_format = "rdx:{action}:{user}"

    async def act(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        cog = _cog(bot)
        if interaction.guild is None:
            raise UserFacingError("errors/server_only")
        user_id = int(self.parts["user"])
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
            async with bot.db.session() as session:
                member = await member_of(bot, session, interaction)
                existing = await store.entry_for_user(session, member.id, user_id)
            await interaction.response.send_modal(
                EntryModal(
                    cog,
                    name=existing.name if existing else (person or "Someone"),
                    person_user_id=user_id,
                    entry=existing,
                )
            )
        else:
            await interaction.response.send_modal(FollowUpModal(cog, person))


def offer_view(user_id: int | None, *, add: bool = True) -> discord.ui.View:
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
        cog = _cog(bot_of(interaction))
        await cog.followup_action(interaction, self.parts["action"], int(self.parts["id"]))


def _cog(bot: KindredBot) -> RolodexCog:
    cog = bot.rolodex
    if cog is None:  # its buttons are registered by the cog: it was unloaded meanwhile
        raise RuntimeError("the rolodex extension is not loaded")
    return cog


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
        self.reminders = bot.new_loop(
            "rolodex", self._reminders_step, retry_after=timedelta(seconds=60), log=log
        )

    def offers(self, user_id: int | None, *, add: bool = True) -> discord.ui.View:
        """One-click offers to add someone to the Rolodex and to set a follow-up, for the
        replies of other features (after thanks, the event check, a reflection)."""
        return offer_view(user_id, add=add)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.context_menu)
        self.bot.add_dynamic_items(OfferButton, FollowUpButton)
        self.bot.start_loop(self.reminders)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.context_menu.name, type=self.context_menu.type)
        self.bot.remove_dynamic_items(OfferButton, FollowUpButton)
        await self.bot.stop_loop(self.reminders)

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
    ) -> None:
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
            entry = (await session.get(RolodexEntry, entry_id)) if entry_id else None
            if entry is not None and entry.owner_member_id != member.id:
                raise UserFacingError("errors/rolodex_unknown", name=name)
            clash = await store.find_entry(session, member.id, fields["name"])
            if clash is not None and (entry is None or clash.id != entry.id):
                raise UserFacingError("errors/rolodex_exists", name=fields["name"])
            if entry is None:
                entry = await store.add_entry(
                    session,
                    guild_id=member.guild_id,
                    owner_member_id=member.id,
                    person_user_id=person_user_id,
                    name_key=name_key(fields["name"]),
                    created_at=now,
                    updated_at=now,
                    **fields,
                )
                created = True
            else:
                for key, value in fields.items():
                    setattr(entry, key, value)
                entry.name_key = name_key(fields["name"])
                entry.updated_at = now
                created = False
            await restart_cadence(session, entry, member)
        self.wake()
        await send_private(
            interaction,
            render("rolodex/saved", created=created, name=entry.name, line=entry_line(entry)),
        )

    async def _open_form(
        self,
        interaction: discord.Interaction,
        *,
        name: str,
        person_user_id: int | None,
    ) -> None:
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            existing = (
                await store.entry_for_user(session, member.id, person_user_id)
                if person_user_id
                else await store.find_entry(session, member.id, name)
            )
        await interaction.response.send_modal(
            EntryModal(
                self,
                name=existing.name if existing else name,
                person_user_id=person_user_id,
                entry=existing,
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
        await self._open_form(
            interaction, name=display, person_user_id=member.id if member else None
        )

    async def add_from_menu(self, interaction: discord.Interaction, user: discord.User) -> None:
        if user.id == interaction.user.id:
            raise UserFacingError("errors/rolodex_self")
        await self._open_form(interaction, name=user.display_name, person_user_id=user.id)

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
        entry = await self._entry(interaction, person)
        async with self.bot.db.session() as session:
            await session.delete(await session.get(RolodexEntry, entry.id))
        await send_private(interaction, render("rolodex/removed", name=entry.name))

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
        wanted = tag.strip().lstrip("#").casefold() if tag else None
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
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            entry = await store.find_entry(session, member.id, person)
            if entry is None:
                raise UserFacingError("errors/rolodex_unknown", name=person)
            today = await local_today(self.bot, session, member)
            day = today
            if when:
                try:
                    day = parse_date(when, today)
                except InvalidDate:
                    raise UserFacingError("errors/bad_date", value=when) from None
                if day > today:
                    raise UserFacingError("errors/rolodex_future_touch", value=when)
            await store.add_touchpoint(
                session,
                entry_id=entry.id,
                owner_member_id=member.id,
                kind=kind.value if kind else "other",
                note=what.strip(),
                happened_on=day,
                created_at=now,
            )
            if entry.last_touch_on is None or day >= entry.last_touch_on:
                entry.last_touch_on = day
            entry.updated_at = now
            await restart_cadence(session, entry, member)
        self.wake()
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
            today = await local_today(self.bot, session, member)
        late = []
        for entry in entries:
            due = touch_due_on(entry.last_touch_on or entry.created_at.date(), entry.cadence_days)
            if due is not None and due <= today:
                late.append((due, entry))
        late.sort(key=lambda item: item[0])
        await self._paged(
            interaction,
            render("rolodex/drifting_title"),
            [
                render("rolodex/drifting_line", line=entry_line(e), late_days=(today - due).days)
                for due, e in late
            ],
            render("rolodex/drifting_empty"),
        )

    # -- follow-ups -------------------------------------------------------------------------

    async def set_followup(
        self, interaction: discord.Interaction, *, person: str, when: str, note: str | None
    ) -> None:
        try:
            person_name = clean_name(person)
            note_text = clean_text(note, "note", WHAT_MAX)
        except InvalidEntry as error:
            raise _invalid(error) from None
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            today = await local_today(self.bot, session, member)
            try:
                day = parse_date(when, today)
            except InvalidDate:
                raise UserFacingError("errors/followup_when", value=when) from None
            instant = await reminder_at(session, member, day)
            if day < today or instant <= now:
                raise UserFacingError("errors/date_in_past", value=when)
            entry = await store.find_entry(session, member.id, person_name)
            followup = await store.add_followup(
                session,
                owner_member_id=member.id,
                entry_id=entry.id if entry else None,
                person=entry.name if entry else person_name,
                note=note_text,
                due_on=day,
                due_at=instant,
                state="pending",
                snoozes=0,
                created_at=now,
            )
            await self._enqueue_reminder(session, followup, member)
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

    async def _enqueue_reminder(self, session: Any, followup: FollowUp, member: Member) -> None:
        buttons = [
            ("done", "rolodex/followup_done", 3),
            ("snooze", "rolodex/followup_snooze", 2),
            ("drop", "rolodex/followup_drop", 2),
        ]
        await enqueue(
            session,
            guild_id=member.guild_id,
            member_id=member.id,
            purpose="followup",
            dedupe_key=f"followup:{followup.id}:{followup.snoozes}",
            payload={
                "content": render(
                    "rolodex/followup_dm", person=followup.person, note=followup.note
                ),
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {
                                "type": 2,
                                "style": style,
                                "label": render(label),
                                "custom_id": f"fu:{action}:{followup.id}",
                            }
                            for action, label, style in buttons
                        ],
                    }
                ],
            },
            due_at=followup.due_at,
            now=self.bot.clock.now(),
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
            followup = await session.get(FollowUp, number)
            if (
                followup is None
                or followup.owner_member_id != member.id
                or followup.state != "pending"
            ):
                raise UserFacingError("errors/followup_unknown", id=number)
            followup.state = "cancelled"
            await self._drop_reminder(session, followup)
        await send_private(
            interaction, render("rolodex/followup_cancelled", person=followup.person)
        )

    async def _drop_reminder(self, session: Any, followup: FollowUp) -> None:
        row = await session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.dedupe_key == f"followup:{followup.id}:{followup.snoozes}",
                OutboxMessage.state == "pending",
            )
        )
        if row is not None:
            row.state = "dropped"

    async def followup_action(
        self, interaction: discord.Interaction, action: str, followup_id: int
    ) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            followup = await session.get(FollowUp, followup_id)
            member = await session.get(Member, followup.owner_member_id) if followup else None
            if followup is None or member is None or member.user_id != interaction.user.id:
                await send_private(interaction, render("errors/entry_not_yours"))
                return
            if action == "done":
                followup.state = "done"
                if followup.entry_id:
                    entry = await session.get(RolodexEntry, followup.entry_id)
                    if entry is not None:
                        today = await local_today(self.bot, session, member)
                        await store.add_touchpoint(
                            session,
                            entry_id=entry.id,
                            owner_member_id=member.id,
                            kind="other",
                            note=followup.note or render("rolodex/followup_touch_note"),
                            happened_on=today,
                            created_at=now,
                        )
                        entry.last_touch_on = today
                        await restart_cadence(session, entry, member)
                note = render("rolodex/followup_marked_done", person=followup.person)
            elif action == "snooze":
                followup.snoozes += 1
                followup.due_at = followup.due_at + SNOOZE
                followup.due_on = followup.due_on + SNOOZE
                await self._enqueue_reminder(session, followup, member)
                note = render("rolodex/followup_snoozed", at=int(followup.due_at.timestamp()))
            else:
                followup.state = "cancelled"
                note = render("rolodex/followup_not_needed")
        self.bot.courier.wake()
        await close_with_note(interaction, note)

    # -- stay-in-touch reminders ------------------------------------------------------------

    def wake(self) -> None:
        self.reminders.wake()

    async def _reminders_step(self) -> Upcoming:
        await self.cadence_tick()
        async with self.bot.db.read() as session:
            return await store.next_touch_due(session, self.bot.ownership)

    async def cadence_tick(self) -> int:
        now = self.bot.clock.now()
        queued = 0
        async with self.bot.db.session() as session:
            due = await store.due_touch_reminders(
                session, now=now, limit=500, owner=self.bot.ownership
            )
            for entry, member in due:
                due_day = touch_due_on(
                    entry.last_touch_on or entry.created_at.date(), entry.cadence_days
                )
                entry.touch_due_at = None  # once per drift; a logged touch restarts it
                await enqueue(
                    session,
                    guild_id=member.guild_id,
                    member_id=member.id,
                    purpose="stay_in_touch",
                    dedupe_key=f"touch:{entry.id}:{due_day}",
                    payload={
                        "content": render(
                            "rolodex/cadence_dm",
                            name=entry.name,
                            cadence=describe_cadence(entry.cadence_days),
                            last=entry.last_touch_on.isoformat() if entry.last_touch_on else None,
                        )
                    },
                    due_at=now,
                    now=now,
                )
                queued += 1
        if queued:
            self.bot.courier.wake()
        return queued


async def setup(bot: KindredBot) -> None:
    await bot.add_cog(RolodexCog(bot))
