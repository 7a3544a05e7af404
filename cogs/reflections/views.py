"""The buttons under a reflection DM, the answer form, and saving an answer."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord

from coaching.reflections import (
    ANSWER_MAX_CHARS,
    DAILY,
    ENTRY_MAX_CHARS,
    STOPPED,
    backoff_choice,
    describe_date,
    describe_days,
    local_date,
    pause_from_prompt,
    schedule_of,
    validate_answer,
    weekday_name,
    weekly_streak,
    why_later,
)
from coaching.text import LABEL_MAX, PLACEHOLDER_MAX, cut_at_word
from kindred.errors import UserFacingError
from kindred.replies import close_with_note, send_private
from kindred.ui import KindredModal, KindredView, PersistentButton, bot_of
from prompts import render
from storage import reflections as store

if TYPE_CHECKING:
    from kindred.bot import KindredBot
    from storage.models import Member, ReflectionEntry, ReflectionSubscription

# (action, label template, button style) for the buttons under each kind of DM.
PROMPT_BUTTONS = (
    ("write", "button_write", 1),
    ("skip", "button_skip", 2),
    ("pause", "button_pause", 2),
    ("stop", "button_stop", 4),
)
BACKOFF_BUTTONS = (
    ("weekly", "backoff_weekly", 1),
    ("pause", "backoff_pause", 2),
    ("daily", "backoff_daily", 2),
    ("stop", "backoff_stop", 4),
)
# The scheduler's DMs name their buttons by set (see `Courier.register_buttons`).
BUTTON_SETS = {DAILY: ("refl", PROMPT_BUTTONS), "backoff": ("reflb", BACKOFF_BUTTONS)}
BACKOFF_NOTES = {
    "weekly": "backoff_chose_weekly",
    "pause": "backoff_chose_pause",
    "daily": "backoff_chose_daily",
    "stop": "stopped",
}


def button_row(prefix: str, ref: str, buttons: tuple[tuple[str, str, int], ...]) -> list[Any]:
    return [
        {
            "type": 1,
            "components": [
                {
                    "type": 2,
                    "style": style,
                    "label": _label(template),
                    "custom_id": f"{prefix}:{action}:{ref}",
                }
                for action, template, style in buttons
            ],
        }
    ]


@functools.cache
def _label(template: str) -> str:
    return render(f"reflections/{template}")


def epoch(instant: Any) -> int:
    return int(instant.timestamp()) if instant else 0


def weekday_of(day: Any) -> str | None:
    """The weekday of a member's next prompt, for a weekly cadence ("on Thursdays")."""
    return weekday_name(day) if day else None


def wake_scheduler(bot: KindredBot) -> None:
    if bot.reflections is not None:
        bot.reflections.scheduler.wake()


async def paused_text(
    session: Any, subscription: ReflectionSubscription, next_at: Any, *, template: str
) -> str:
    """What a pause says, whichever way she paused: the day prompts come back, her next
    prompt, and why that is later when it is (a quiet day, not one of her days, weekly)."""
    back_on = subscription.paused_until
    assert back_on is not None
    quiet = await store.quiet_days_for(session, [subscription.guild_id])
    why = why_later(
        back_on,
        subscription.next_send_on,
        schedule_of(subscription),
        quiet_days=quiet[subscription.guild_id],
        last_sent_on=subscription.last_sent_on,
    )
    return render(
        template,
        back_on=describe_date(back_on),
        next_at=epoch(next_at),
        why=why,
        days=describe_days(subscription.days),
    )


def checked_answer(text: str, limit: int = ANSWER_MAX_CHARS) -> str:
    """What a member wrote, as stored (`coaching.reflections.validate_answer`), or a kind
    refusal."""
    try:
        return validate_answer(text, limit)
    except ValueError as exc:
        if str(exc) == "empty":
            raise UserFacingError("errors/answer_empty") from None
        raise UserFacingError(
            "errors/answer_too_long", length=len(text.strip()), limit=limit
        ) from None


async def save_answer(
    bot: KindredBot, ref: str, user_id: int, text: str, *, limit: int = ANSWER_MAX_CHARS
) -> str:
    """Store an answer for the entry's owner, joined to what it holds; returns the
    acknowledgement to show."""
    answer = checked_answer(text, limit)
    now = bot.clock.now()
    async with bot.db.session() as session:
        entry, member = await owned_entry(session, ref, user_id)
        saved = await store.record_answer(session, entry, answer, now=now)
        today = local_date(now, saved.subscription.timezone if saved.subscription else "UTC")
        answered = await store.answered_dates(session, member.id, since=today - timedelta(weeks=60))
    streak = weekly_streak(answered, today)
    return render("reflections/saved", streak=streak, variant=entry.id, how=saved.how)


async def owned_entry(session: Any, ref: str, user_id: int) -> tuple[ReflectionEntry, Member]:
    found = await store.entry_with_owner(session, ref)
    if found is None:
        raise UserFacingError("errors/entry_gone")
    if found[1].user_id != user_id:
        raise UserFacingError("errors/entry_not_yours")
    return found


def question_items(
    prompt: str, field: discord.ui.TextInput[Any], mode: str
) -> list[discord.ui.Item[Any]]:
    """A reflection form's items around its answer `field`: the question whole at the top
    (a text block, which a phone shows above the field) when the label can't hold it, and
    the field labelled with the question cut at a word, its hint saying who sees it (`mode`:
    "new", "adding" to an answer, "editing" one). Discord: a label holds 45 characters, a
    hint 100."""
    question = " ".join(prompt.split()) or render("reflections/modal_no_question")
    label = cut_at_word(question, LABEL_MAX)
    field.placeholder = cut_at_word(question, PLACEHOLDER_MAX)
    items: list[discord.ui.Item[Any]] = []
    if label != question:
        items.append(discord.ui.TextDisplay(render("reflections/modal_question", prompt=prompt)))
    description = render("reflections/modal_label", mode=mode)
    items.append(discord.ui.Label(text=label, description=description, component=field))
    return items


class ReflectionModal(KindredModal):
    """ "Write my reflection": the question (`question_items`), and the answer field opening
    with what the entry holds, so she adds to it."""

    def __init__(self, bot: KindredBot, ref: str, prompt: str, existing: str | None) -> None:
        super().__init__(title=render("reflections/modal_title"), timeout=None)
        self.bot = bot
        self.ref = ref
        # With her earlier words in it, the form holds them and room for more.
        self.limit = ENTRY_MAX_CHARS if existing else ANSWER_MAX_CHARS
        self.answer: discord.ui.TextInput[ReflectionModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, default=existing, max_length=self.limit
        )
        for item in question_items(prompt, self.answer, "adding" if existing else "new"):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        acknowledgement = await save_answer(
            self.bot, self.ref, interaction.user.id, self.answer.value, limit=self.limit
        )
        # Someone in the reflection to follow up with? The Rolodex offers it, one click.
        rolodex = self.bot.rolodex
        offers = rolodex.offers(None, add=False) if rolodex is not None else None
        await send_private(interaction, acknowledgement, view=offers)


class PromptButton(
    PersistentButton,
    template=r"refl:(?P<action>write|skip|pause|stop):(?P<ref>e\d+|\d+-\d{8})",
):
    """The buttons under a daily prompt; they keep working after a restart."""

    custom_id_format = "refl:{action}:{ref}"

    async def act(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        now = bot.clock.now()
        action, ref = self.parts["action"], self.parts["ref"]
        if action == "write":
            async with bot.db.read() as session:
                entry, _ = await owned_entry(session, ref, interaction.user.id)
            await interaction.response.send_modal(
                ReflectionModal(bot, f"e{entry.id}", entry.prompt_text, entry.answer)
            )
            return
        async with bot.db.session() as session:
            entry, member = await owned_entry(session, ref, interaction.user.id)
            if action == "skip":
                await store.skip_entry(session, entry, now=now)
                text = render("reflections/skipped")
            elif (subscription := await store.get_subscription(session, member.id)) is None:
                text = render("reflections/not_subscribed")
            elif not subscription.active:  # an older prompt's button, after a stop
                text = render("reflections/stopped_already")
            elif action == "pause":
                today = local_date(now, subscription.timezone)
                change = pause_from_prompt(today)
                next_at = await store.apply_change(session, subscription, change, now=now)
                text = await paused_text(
                    session, subscription, next_at, template="reflections/paused"
                )
            else:
                await store.apply_change(session, subscription, STOPPED, now=now)
                text = render("reflections/stopped")
        wake_scheduler(bot)
        await close_with_note(interaction, text)


class BackoffButton(
    PersistentButton,
    template=r"reflb:(?P<action>weekly|pause|daily|stop):(?P<ref>\d+-\d{8})",
):
    """The answer to "shall I write less often?"."""

    custom_id_format = "reflb:{action}:{ref}"

    async def act(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        now = bot.clock.now()
        action, ref = self.parts["action"], self.parts["ref"]
        async with bot.db.session() as session:
            entry, member = await owned_entry(session, ref, interaction.user.id)
            subscription = await store.get_subscription(session, member.id)
            if subscription is None:
                raise UserFacingError("errors/entry_gone")
            await store.record_backoff_choice(session, entry, action, now=now)
            change = backoff_choice(action, local_date(now, subscription.timezone))
            next_at = await store.apply_change(session, subscription, change, now=now)
            template = f"reflections/{BACKOFF_NOTES[action]}"
            if action == "pause":
                note = await paused_text(session, subscription, next_at, template=template)
            else:
                note = render(
                    template,
                    next_at=epoch(next_at),
                    weekday=weekday_of(subscription.next_send_on),
                )
        wake_scheduler(bot)
        await close_with_note(interaction, note)


class NoteButton(
    PersistentButton,
    template=r"refln:(?P<action>keep|drop):(?P<message>\d{1,20})",
):
    """ "Add to today's journal" / "No, thanks" under Kindred's answer to a DM sent when no
    prompt was open. Her words stay in her DM until she says yes: the button names the
    message, and only a yes reads it into the journal."""

    custom_id_format = "refln:{action}:{message}"

    async def act(self, interaction: discord.Interaction) -> None:
        if self.parts["action"] == "drop":
            await close_with_note(interaction, render("reflections/note_dropped"))
            return
        bot = bot_of(interaction)
        message_id = int(self.parts["message"])
        try:
            message = await bot.http.get_message(interaction.channel_id or 0, message_id)
        except discord.NotFound:
            raise UserFacingError("reflections/note_gone") from None
        if int(message["author"]["id"]) != interaction.user.id:
            raise UserFacingError("errors/entry_not_yours")
        text = checked_answer(message.get("content") or "")
        now = bot.clock.now()
        async with bot.db.session() as session:
            member = await store.journal_home(session, interaction.user.id)
            if member is None:
                raise UserFacingError("reflections/note_no_home")
            today = local_date(now, await store.member_zone(session, member.id))
            await store.add_note(
                session,
                member.id,
                text,
                key=f"note:{message_id}",
                title=render("reflections/note_title"),
                day=today,
                now=now,
            )
        await close_with_note(interaction, render("reflections/note_kept"))


def note_offer_view(message_id: int) -> KindredView:
    """The buttons offering to keep a DM as a note in today's journal."""
    view = KindredView(timeout=None)
    for action, label, style in (
        ("keep", "note_keep", discord.ButtonStyle.primary),
        ("drop", "note_drop", discord.ButtonStyle.secondary),
    ):
        button = NoteButton(action=action, message=message_id)
        button.item.label = _label(label)
        button.item.style = style
        view.add_item(button)
    return view


def write_now_view(entry_id: int) -> KindredView:
    """The "Write my reflection" button under a `/reflections now` prompt."""
    view = KindredView(timeout=None)
    write = PromptButton(action="write", ref=f"e{entry_id}")
    write.item.label = render("reflections/button_write")
    write.item.style = discord.ButtonStyle.primary
    view.add_item(write)
    return view
