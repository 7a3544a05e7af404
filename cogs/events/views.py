"""The buttons under the nudge and the debrief DMs, the "Who did you meet?" form and the one-
click follow-ups. Every button names its row and works after a restart; only the member it
belongs to may use it."""

from __future__ import annotations

import functools
from datetime import date
from typing import TYPE_CHECKING, Any

import discord

from coaching.events import (
    INTENTIONS,
    MAX_PEOPLE,
    Person,
    TooManyPeople,
    follow_up_day,
    people_met,
)
from coaching.pitch_event import EventResult
from coaching.reflections import zone
from cogs.pitch import EventCheckView
from cogs.rolodex.reminders import enqueue_followup_reminder
from kindred.errors import UserFacingError
from kindred.replies import close_with_note, send_private
from kindred.ui import KindredModal, KindredView, PersistentButton, bot_of
from prompts import render
from storage import events as store
from storage import pitch as pitch_store
from storage import rolodex as rolodex_store

if TYPE_CHECKING:
    from kindred.bot import KindredBot
    from storage.models import Event, EventAttendee, EventConnection, FollowUp, Member

# The courier builds these button rows when it sends (`Courier.register_buttons`).
NUDGE_SET, DEBRIEF_SET = "evtn", "evtd"
DEBRIEF_ACTIONS = (("check", 1), ("met", 1), ("skip", 2), ("stop", 2))
OTHERS_LISTED = 25  # a select menu's most options
ALL_ATTENDEES = 10_000
TYPED_MAX = 500


@functools.cache
def _label(name: str) -> str:
    return render(f"events/button_{name}")


def _button(label: str, custom_id: str, style: int) -> dict[str, Any]:
    return {"type": 2, "style": style, "label": label, "custom_id": custom_id}


def nudge_buttons(ref: str) -> list[dict[str, Any]]:
    """One intention to pick, and a way to stop event DMs."""
    intentions = [
        _button(_label(f"intention_{key}"), IntentionButton.custom_id_for(aid=ref, choice=key), 2)
        for key in INTENTIONS
    ]
    stop = _button(_label("stop"), DebriefButton.custom_id_for(action="stop", aid=ref), 2)
    return [{"type": 1, "components": intentions}, {"type": 1, "components": [stop]}]


def debrief_buttons(ref: str) -> list[dict[str, Any]]:
    return [
        {
            "type": 1,
            "components": [
                _button(_label(action), DebriefButton.custom_id_for(action=action, aid=ref), style)
                for action, style in DEBRIEF_ACTIONS
            ],
        }
    ]


async def owned_attendee(
    session: Any, attendee_id: int, user_id: int
) -> tuple[EventAttendee, Event, Member]:
    found = await store.attendee_with_event(session, attendee_id)
    if found is None:
        raise UserFacingError("events/err_gone")
    if found[2].user_id != user_id:
        raise UserFacingError("events/err_not_yours")
    return found


class IntentionButton(
    PersistentButton,
    template=r"evt:int:(?P<aid>\d+):(?P<choice>stories|reconnect|introduce|enjoy)",
):
    """ "Learn three people's stories" and the other intentions under a nudge."""

    custom_id_format = "evt:int:{aid}:{choice}"

    async def act(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        choice = self.parts["choice"]
        async with bot.db.session() as session:
            row, event, _ = await owned_attendee(
                session, int(self.parts["aid"]), interaction.user.id
            )
            store.choose_intention(row, choice, now=bot.clock.now())
        await close_with_note(
            interaction, render("events/intention_chosen", intention=choice, name=event.name)
        )


class DebriefButton(
    PersistentButton,
    template=r"evt:(?P<action>check|met|skip|stop):(?P<aid>\d+)",
):
    """Under the debrief: look back (the eight questions), who did you meet, couldn't make
    it; and, under both DMs, stop event DMs."""

    custom_id_format = "evt:{action}:{aid}"

    async def act(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        attendee_id = int(self.parts["aid"])
        action = self.parts["action"]
        if action == "check":
            await start_check(interaction, bot, attendee_id)
        elif action == "met":
            await open_met_form(interaction, bot, attendee_id)
        else:
            now = bot.clock.now()
            async with bot.db.session() as session:
                row, _, member = await owned_attendee(session, attendee_id, interaction.user.id)
                if action == "skip":
                    store.note_skipped(row, now=now)
                else:
                    await store.set_notify(session, member, on=False, now=now)
            note = "events/skipped" if action == "skip" else "events/stopped"
            await close_with_note(interaction, render(note))


def met_view(attendee_id: int) -> KindredView:
    """ "Who did you meet?", under the result of the look back."""
    view = KindredView(timeout=None)
    met = DebriefButton(action="met", aid=attendee_id)
    met.item.label = _label("met")
    met.item.style = discord.ButtonStyle.primary
    view.add_item(met)
    return view


# -- the look back: the eight questions of the post-event check --------------------------------


async def start_check(interaction: discord.Interaction, bot: KindredBot, attendee_id: int) -> None:
    async with bot.db.read() as session:
        _, event, _ = await owned_attendee(session, attendee_id, interaction.user.id)
    pitch = bot.pitch
    if pitch is None:
        raise RuntimeError("the pitch extension is not loaded")
    view = EventCheckView(
        pitch,
        interaction.user.id,
        event.name,
        on_done=functools.partial(_check_done, bot, attendee_id),
    )
    view.message_interaction = interaction
    await send_private(interaction, embed=view.embed(), view=view)


async def _check_done(
    bot: KindredBot, attendee_id: int, interaction: discord.Interaction, result: EventResult
) -> discord.ui.View:
    """Her answers count for this event (and in `/pitchcheck history`); next: who she met."""
    now = bot.clock.now()
    async with bot.db.session() as session:
        row, event, member = await owned_attendee(session, attendee_id, interaction.user.id)
        await pitch_store.record_check(
            session,
            member_id=member.id,
            kind="event",
            label=event.name,
            score=result.score,
            verdict=result.verdict,
            signals=list(result.connecting_keys),
            now=now,
        )
        store.note_check(row, result.score, now=now)
    return met_view(attendee_id)


# -- who did you meet? -------------------------------------------------------------------------


async def open_met_form(
    interaction: discord.Interaction, bot: KindredBot, attendee_id: int
) -> None:
    async with bot.db.read() as session:
        _, event, member = await owned_attendee(session, attendee_id, interaction.user.id)
        others = await store.other_attendees(session, event.id, member.id, limit=OTHERS_LISTED)
    await interaction.response.send_modal(MetModal(bot, attendee_id, event.name, others))


class MetModal(KindredModal):
    """Up to five people: other attendees picked from a list, anyone else by name."""

    def __init__(
        self, bot: KindredBot, attendee_id: int, name: str, others: list[tuple[int, str]]
    ) -> None:
        super().__init__(title=render("events/met_title", name=name)[:45], timeout=None)
        self.bot = bot
        self.attendee_id = attendee_id
        self.others = others
        self.members: discord.ui.Select[MetModal] | None = None
        if others:
            self.members = discord.ui.Select(
                options=[
                    discord.SelectOption(label=person[:100], value=str(user_id))
                    for user_id, person in others
                ],
                min_values=0,
                max_values=min(MAX_PEOPLE, len(others)),
                required=False,
            )
            self.add_item(
                discord.ui.Label(text=render("events/met_members_label"), component=self.members)
            )
        self.typed: discord.ui.TextInput[MetModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=TYPED_MAX,
            placeholder=render("events/met_others_hint"),
        )
        self.add_item(
            discord.ui.Label(text=render("events/met_others_label"), component=self.typed)
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        names = dict(self.others)
        picked = [
            Person(names[int(value)], int(value))
            for value in (self.members.values if self.members else [])
            if int(value) in names
        ]
        await save_people(interaction, self.bot, self.attendee_id, picked, self.typed.value)


async def save_people(
    interaction: discord.Interaction,
    bot: KindredBot,
    attendee_id: int,
    picked: list[Person],
    typed: str,
) -> None:
    """The form's people into her Rolodex; a typed name that is another attendee's (all of
    them, not only the 25 the list could show) is that member."""
    now = bot.clock.now()
    async with bot.db.session() as session:
        row, event, member = await owned_attendee(session, attendee_id, interaction.user.id)
        others = await store.other_attendees(session, event.id, member.id, limit=ALL_ATTENDEES)
        known = {name.casefold(): Person(name, user_id) for user_id, name in others}
        try:
            people = people_met(picked, typed, known, herself=interaction.user.id)
        except TooManyPeople as error:
            raise UserFacingError(
                "events/err_too_many", limit=MAX_PEOPLE, count=error.args[0]
            ) from None
        if not people:
            raise UserFacingError("events/err_no_people")
        today = await rolodex_store.local_today(session, member, now=now)
        zone_name, _ = await rolodex_store.reminder_setting(session, member)
        day = min(today, _local_day(event, zone_name))
        await store.note_people(
            session,
            row,
            member,
            people,
            how_met=render("events/how_met", name=event.name, day=day.isoformat()),
            event_name=event.name,
            day=day,
            now=now,
        )
        noted = await store.connections_of(session, row.id)
    content, view = met_reply(noted, follow_up_day(today))
    await send_private(interaction, content, view=view)


def _local_day(event: Event, zone_name: str) -> date:
    return event.starts_at.astimezone(zone(zone_name)).date()


def met_reply(
    noted: list[tuple[EventConnection, FollowUp | None]], next_day: date
) -> tuple[str, KindredView]:
    """What she noted, and a follow-up button per person (done ones greyed out)."""
    content = render(
        "events/met_saved",
        people=[
            {
                "name": connection.name,
                "new": connection.new_entry,
                "followup": int(followup.due_at.timestamp()) if followup else None,
            }
            for connection, followup in noted
        ],
        weekday=next_day.strftime("%A"),
    )
    view = KindredView(timeout=None)
    for connection, followup in noted[:MAX_PEOPLE]:
        button = FollowUpButton(cid=connection.id)
        button.item.label = render(
            "events/button_followup", name=connection.name, done=followup is not None
        )[:80]
        button.item.disabled = followup is not None
        view.add_item(button)
    return content[:2000], view


class FollowUpButton(PersistentButton, template=r"evt:fu:(?P<cid>\d+)"):
    """One click: a follow-up with someone she met, in two or three days."""

    custom_id_format = "evt:fu:{cid}"

    async def act(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        now = bot.clock.now()
        async with bot.db.session() as session:
            found = await store.connection_with_owner(session, int(self.parts["cid"]))
            if found is None:
                raise UserFacingError("events/err_gone")
            connection, member, event = found
            if member.user_id != interaction.user.id:
                raise UserFacingError("events/err_not_yours")
            today = await rolodex_store.local_today(session, member, now=now)
            if await store.pending_followup(session, connection) is None:
                day = follow_up_day(today)
                entry = (
                    await rolodex_store.get_entry(session, connection.entry_id)
                    if connection.entry_id
                    else None
                )
                followup = await rolodex_store.add_followup(
                    session,
                    member,
                    entry=entry,
                    person=connection.name,
                    note=render("events/followup_note", name=event.name),
                    day=day,
                    at=await rolodex_store.reminder_at(session, member, day),
                    now=now,
                )
                store.link_followup(connection, followup)
                await enqueue_followup_reminder(bot, session, followup, member)
            noted = await store.connections_of(session, connection.attendee_id)
        bot.courier.wake()
        content, view = met_reply(noted, follow_up_day(today))
        await interaction.response.edit_message(
            content=content, view=view, allowed_mentions=discord.AllowedMentions.none()
        )
