"""Members meet members: `/meet ...` (the card, coffee pairing, "not with", organizer
settings and counts) and `/introduce`.

The forms and buttons are in `views`, the rounds on the Clock in `rounds`, introductions in
`introductions`; the rules (matching, round dates, limits) in `coaching.meet`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from coaching.meet import (
    NOT_WITH_MAX,
    PAUSE_MAX,
    RHYTHMS,
    SECOND_CHECKIN_AFTER,
    WEEKDAY_NAMES,
    Counts,
    InvalidCard,
    card_is_empty,
    clean_card,
    organizer_summary,
)
from coaching.reflections import local_date
from coaching.rolodex import InvalidEntry, clean_name
from cogs.common import (
    member_date,
    member_of,
    require_organizer,
    timezone_autocomplete,
    zone_from,
)
from cogs.meet.introductions import Introductions
from cogs.meet.rounds import Rounds, outbox_row, thread_problem
from cogs.meet.views import (
    CARD_COLOUR,
    CheckInButton,
    IntroAnswerButton,
    IntroThanksModal,
    OfferButton,
    ProfileModal,
    card_embed,
    checkin_buttons,
    month_name,
    name_of,
    offer_view,
)
from cogs.rolodex.views import FollowUpModal
from kindred.errors import UserFacingError
from kindred.replies import close_with_note, send_private
from prompts import render
from storage import meet as store
from storage import rolodex as rolodex_store
from storage.courier import enqueue_many

if TYPE_CHECKING:
    from kindred.bot import KindredBot
    from storage.models import MeetParticipant, MeetSettings, Member

WEEKDAY_CHOICES = [app_commands.Choice(name=n, value=i) for i, n in enumerate(WEEKDAY_NAMES)]
RHYTHM_CHOICES = [
    app_commands.Choice(name=render(f"meet/rhythm_{rhythm}"), value=rhythm) for rhythm in RHYTHMS
]
GROUP_CHOICES = [
    app_commands.Choice(name=render("meet/groups", size=size), value=size) for size in (2, 3)
]


class MeetCog(commands.Cog):
    meet = app_commands.Group(
        name="meet", description="Meet other members: coffee pairing and your card", guild_only=True
    )
    notwith = app_commands.Group(
        name="notwith", description="People you'd rather not be paired with (private)", parent=meet
    )

    def __init__(self, bot: KindredBot) -> None:
        self.bot = bot
        self.rounds = Rounds(bot)
        self.introductions = Introductions(self)
        self.rounds.close_expired = self.introductions.close_expired

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(CheckInButton, IntroAnswerButton, OfferButton)
        self.bot.courier.register_action("meet_thread", self.rounds.deliver_thread)
        self.rounds.start()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(CheckInButton, IntroAnswerButton, OfferButton)
        await self.rounds.stop()

    # -- the card ---------------------------------------------------------------------------

    @meet.command(name="profile", description="Your get-to-know-me card, for people you meet")
    async def profile(self, interaction: discord.Interaction) -> None:
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            card = store.card_of(await store.get_profile(session, member.id))
        await interaction.response.send_modal(ProfileModal(self, card))

    async def save_card(self, interaction: discord.Interaction, values: dict[str, str]) -> None:
        try:
            card = clean_card(values)
        except InvalidCard as error:
            raise UserFacingError(
                "errors/meet_card_long",
                field=render(f"meet/card_{error.field}"),
                limit=error.limit,
                length=error.length,
            ) from None
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            await store.save_profile(session, member, card, now=self.bot.clock.now())
            joined = await store.get_participant(session, member.id)
        await send_private(
            interaction,
            render(
                "meet/profile_saved",
                empty=card_is_empty(card),
                joined=joined is not None and joined.active,
            ),
            embed=discord.Embed.from_dict(card_embed(interaction.user.display_name, card)),
        )

    # -- opting in --------------------------------------------------------------------------

    @meet.command(name="join", description="Join coffee pairing (or come back from a pause)")
    @app_commands.describe(timezone="Your time zone, so partners are a few hours away at most")
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    async def join(
        self,
        interaction: discord.Interaction,
        timezone: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        zone = zone_from(timezone)[0] if timezone is not None else None
        now = self.bot.clock.now()
        assert interaction.guild is not None
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            _participant, new = await store.join(session, member, timezone=zone, now=now)
            settings = await store.get_settings(session, member.guild_id)
            has_card = await store.get_profile(session, member.id) is not None
            # A first hello by DM: if DMs are closed, Kindred learns it now, not on round day.
            await enqueue_many(
                session,
                [
                    outbox_row(
                        member.guild_id,
                        member.id,
                        "meet_welcome",
                        f"meet_welcome:{member.id}",
                        {"content": render("meet/welcome_dm", community=interaction.guild.name)},
                        now,
                    )
                ],
            )
        self.bot.courier.wake()
        await send_private(
            interaction,
            render(
                "meet/joined",
                new=new,
                zone=zone,
                has_card=has_card,
                next_at=_next_at(settings),
            ),
        )

    async def _participant(
        self, session: Any, interaction: discord.Interaction
    ) -> tuple[Member, MeetParticipant]:
        member = await member_of(self.bot, session, interaction)
        participant = await store.get_participant(session, member.id)
        if participant is None or not participant.active:
            raise UserFacingError("meet/not_joined")
        return member, participant

    @meet.command(name="skip", description="Sit out the next coffee round")
    async def skip(self, interaction: discord.Interaction) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            member, participant = await self._participant(session, interaction)
            settings = await store.get_settings(session, member.guild_id)
            if settings is None or settings.next_round_on is None:
                raise UserFacingError("meet/no_round_planned")
            already = participant.skip_round_on == settings.next_round_on
            await store.skip_round(session, participant, settings.next_round_on, now=now)
        await send_private(
            interaction, render("meet/skipped", already=already, next_at=_next_at(settings))
        )

    @meet.command(name="pause", description="No coffee rounds until a date")
    @app_commands.describe(until="Back from this date: 2026-12-01, 3w, next month")
    async def pause(
        self, interaction: discord.Interaction, until: app_commands.Range[str, 1, 30]
    ) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            member, participant = await self._participant(session, interaction)
            today = local_date(now, await store.community_zone(session, member.guild_id))
            day = member_date(until, today)
            if day <= today:
                raise UserFacingError("errors/date_in_past", value=until)
            if day - today > PAUSE_MAX:
                raise UserFacingError("errors/meet_pause_too_long")
            await store.pause(session, participant, day, now=now)
        await send_private(interaction, render("meet/paused", day=day.isoformat()))

    @meet.command(name="leave", description="Leave coffee pairing, in one step")
    async def leave(self, interaction: discord.Interaction) -> None:
        async with self.bot.db.session() as session:
            _member, participant = await self._participant(session, interaction)
            await store.leave(session, participant, now=self.bot.clock.now())
        await send_private(interaction, render("meet/left"))

    @meet.command(name="status", description="Where you stand: pairing, your card, your list")
    async def status(self, interaction: discord.Interaction) -> None:
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            participant = await store.get_participant(session, member.id)
            settings = await store.get_settings(session, member.guild_id)
            card = store.card_of(await store.get_profile(session, member.id))
            avoided = len(await store.not_with_users(session, member.id))
            zone = await store.community_zone(session, member.guild_id)
        today = local_date(self.bot.clock.now(), zone)
        state = "out"
        if participant is not None and participant.active:
            state = "in"
            if participant.paused_until is not None and participant.paused_until > today:
                state = "paused"
            elif settings is not None and participant.skip_round_on == settings.next_round_on:
                state = "skipping"
        embed = discord.Embed.from_dict(card_embed(interaction.user.display_name, card))
        await send_private(
            interaction,
            render(
                "meet/status",
                state=state,
                paused_until=(
                    participant.paused_until.isoformat()
                    if participant and participant.paused_until
                    else None
                ),
                next_at=_next_at(settings),
                has_card=card is not None and not card_is_empty(card),
                avoided=avoided,
            ),
            embed=embed,
        )

    # -- "not with" -------------------------------------------------------------------------

    @notwith.command(name="add", description="Never pair or introduce me with this person")
    @app_commands.describe(member="Nobody is told, ever")
    async def notwith_add(self, interaction: discord.Interaction, member: discord.User) -> None:
        if member.id == interaction.user.id:
            raise UserFacingError("errors/meet_notwith_self")
        async with self.bot.db.session() as session:
            me = await member_of(self.bot, session, interaction)
            listed = await store.not_with_users(session, me.id)
            if member.id not in listed and len(listed) >= NOT_WITH_MAX:
                raise UserFacingError("errors/meet_notwith_full", limit=NOT_WITH_MAX)
            added = await store.add_not_with(session, me, member.id, now=self.bot.clock.now())
        await send_private(
            interaction, render("meet/notwith_added", added=added, user_id=member.id)
        )

    @notwith.command(name="remove", description="Take someone off your private list")
    async def notwith_remove(self, interaction: discord.Interaction, member: discord.User) -> None:
        async with self.bot.db.session() as session:
            me = await member_of(self.bot, session, interaction)
            removed = await store.remove_not_with(session, me.id, member.id)
        await send_private(
            interaction, render("meet/notwith_removed", removed=removed, user_id=member.id)
        )

    @notwith.command(name="list", description="Your private list (only you see it)")
    async def notwith_list(self, interaction: discord.Interaction) -> None:
        async with self.bot.db.session() as session:
            me = await member_of(self.bot, session, interaction)
            listed = await store.not_with_users(session, me.id)
        await send_private(interaction, render("meet/notwith_list", user_ids=listed)[:2000])

    # -- organizers -------------------------------------------------------------------------

    @meet.command(name="settings", description="Organizers: coffee pairing on or off, its rhythm")
    @app_commands.describe(
        pairing="Run coffee rounds in this server",
        rhythm="How often",
        day="Which day",
        hour="What time (0-23, community time)",
        groups="Pairs, or trios",
        thread_channel="Where I may open a private thread for each pair (optional)",
        no_thread_channel="Stop opening threads",
    )
    @app_commands.choices(rhythm=RHYTHM_CHOICES, day=WEEKDAY_CHOICES, groups=GROUP_CHOICES)
    async def settings(
        self,
        interaction: discord.Interaction,
        pairing: bool | None = None,
        rhythm: app_commands.Choice[str] | None = None,
        day: app_commands.Choice[int] | None = None,
        hour: app_commands.Range[int, 0, 23] | None = None,
        groups: app_commands.Choice[int] | None = None,
        thread_channel: discord.TextChannel | None = None,
        no_thread_channel: bool | None = None,
    ) -> None:
        require_organizer(interaction)
        guild = interaction.guild
        assert guild is not None
        changes: dict[str, object] = {}
        for name, value in (
            ("enabled", pairing),
            ("rhythm", rhythm.value if rhythm else None),
            ("weekday", day.value if day else None),
            ("hour", hour),
            ("group_size", groups.value if groups else None),
        ):
            if value is not None:
                changes[name] = value
        if thread_channel is not None:
            if guild.get_channel(thread_channel.id) is None:
                raise UserFacingError("errors/channel_unknown", channel_id=thread_channel.id)
            changes["thread_channel_id"] = thread_channel.id
        elif no_thread_channel:
            changes["thread_channel_id"] = None
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            await member_of(self.bot, session, interaction)  # the community row, named
            settings = await store.ensure_settings(session, guild.id, now=now)
            if changes:
                await store.update_settings(session, settings, now=now, **changes)
            opted_in = await store.opted_in_count(session, guild.id)
        self.rounds.wake()
        await send_private(
            interaction,
            render("meet/settings_saved" if changes else "meet/settings_intro"),
            embed=self._settings_embed(guild, settings, opted_in),
        )

    def _settings_embed(
        self, guild: discord.Guild, settings: MeetSettings, opted_in: int
    ) -> discord.Embed:
        embed = discord.Embed(
            title=render("meet/settings_title", community=guild.name), colour=CARD_COLOUR
        )
        embed.description = render(
            "meet/settings",
            enabled=settings.enabled,
            rhythm=settings.rhythm,
            weekday=settings.weekday,
            hour=settings.hour,
            size=settings.group_size,
            thread_channel_id=settings.thread_channel_id,
            problem=thread_problem(guild, settings.thread_channel_id),
            next_at=_next_at(settings),
            opted_in=organizer_summary(Counts(opted_in=opted_in)).opted_in,
        )
        return embed

    @meet.command(name="stats", description="Organizers: anonymous counts, never names")
    async def stats(self, interaction: discord.Interaction) -> None:
        require_organizer(interaction)
        assert interaction.guild is not None
        async with self.bot.db.read() as session:
            counts = await store.counts(session, interaction.guild.id)
        summary = organizer_summary(counts)
        await send_private(
            interaction,
            embed=discord.Embed(
                title=render("meet/stats_title", community=interaction.guild.name),
                description=render("meet/stats", **dataclasses.asdict(summary)),
                colour=CARD_COLOUR,
            ),
        )

    # -- introductions ----------------------------------------------------------------------

    @app_commands.command(name="introduce", description="Connect two members (both say yes first)")
    @app_commands.guild_only()
    @app_commands.describe(
        member_a="Someone you know",
        member_b="Someone they'd be glad to know",
        why="Why these two should meet (both will read it)",
    )
    async def introduce(
        self,
        interaction: discord.Interaction,
        member_a: discord.User,
        member_b: discord.User,
        why: app_commands.Range[str, 1, 500],
    ) -> None:
        await self.introductions.introduce(interaction, member_a, member_b, why)

    # -- "did you meet?" and what follows ---------------------------------------------------

    async def answer_check_in(
        self, interaction: discord.Interaction, row_id: int, answer: str
    ) -> None:
        found = await self._check_in(interaction, row_id)
        guild_id = found.match.guild_id
        names = {m.id: await name_of(self.bot, guild_id, m.user_id) for m in found.others}
        introducer = (
            await name_of(self.bot, guild_id, found.introducer.user_id)
            if found.introducer is not None
            else None
        )
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            again = await store.check_in(session, row_id)
            assert again is not None
            await store.answer_check_in(session, again.row, answer, now=now)
            if answer == "scheduled":
                # Once more in a few days; the key makes it once however often she clicks.
                await enqueue_many(
                    session,
                    [
                        outbox_row(
                            guild_id,
                            found.member.id,
                            "meet_checkin",
                            f"meet_checkin:{row_id}:2",
                            {
                                "content": render(
                                    "meet/checkin_again_dm", names=list(names.values())
                                ),
                                "components": checkin_buttons(row_id),
                            },
                            now,
                            due_at=now + SECOND_CHECKIN_AFTER,
                        )
                    ],
                )
        self.bot.courier.wake()
        await close_with_note(
            interaction, render(f"meet/checkin_{answer}", names=list(names.values()))
        )
        if answer != "met":
            return
        offers = [("rdx", m, render("meet/offer_add", name=n)) for m, n in names.items()]
        offers += [("fu", m, render("meet/offer_followup", name=n)) for m, n in names.items()]
        if found.introducer is not None and introducer is not None:
            offers.append(("thx", found.introducer.id, render("meet/offer_thank", name=introducer)))
        await send_private(
            interaction, render("meet/checkin_offers"), view=offer_view(row_id, offers)
        )

    async def _check_in(self, interaction: discord.Interaction, row_id: int) -> store.CheckIn:
        async with self.bot.db.read() as session:
            found = await store.check_in(session, row_id)
        if found is None:
            raise UserFacingError("errors/meet_gone")
        if found.member.user_id != interaction.user.id:
            raise UserFacingError("errors/meet_not_yours")
        return found

    async def offer(
        self, interaction: discord.Interaction, action: str, row_id: int, other_id: int
    ) -> None:
        """One of the offers after "We met"."""
        found = await self._check_in(interaction, row_id)
        guild_id = found.match.guild_id
        people = {m.id: m for m in found.others}
        if found.introducer is not None:
            people[found.introducer.id] = found.introducer
        other = people.get(other_id)
        if other is None:
            raise UserFacingError("errors/meet_gone")
        if action == "thx":
            guild = self.bot.get_guild(guild_id)
            if guild is None or found.introduction is None:
                raise UserFacingError("errors/meet_feature_off")
            user = self.bot.get_user(other.user_id) or await self.bot.fetch_user(other.user_id)
            await interaction.response.send_modal(
                IntroThanksModal(
                    guild=guild, introducer=user, introduction_id=found.introduction.id
                )
            )
            return
        name = await name_of(self.bot, guild_id, other.user_id)
        rolodex = self.bot.rolodex
        if action == "fu":
            if rolodex is None:
                raise UserFacingError("errors/meet_feature_off")
            await interaction.response.send_modal(FollowUpModal(rolodex, name, guild_id=guild_id))
            return
        await self._add_to_rolodex(interaction, found, other, name)

    async def _add_to_rolodex(
        self, interaction: discord.Interaction, found: store.CheckIn, other: Member, name: str
    ) -> None:
        """One click: she is in the Rolodex, how they met filled in."""
        day = found.round_on or found.match.created_at.date()
        introducer = (
            await name_of(self.bot, found.match.guild_id, found.introducer.user_id)
            if found.introducer is not None
            else None
        )
        how_met = render(
            "meet/how_met",
            introduced=found.introduction is not None,
            introducer=introducer,
            month=month_name(day.month),
        )
        try:
            entry_name = clean_name(name)
        except InvalidEntry:
            entry_name = render("meet/someone")
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            owner = await member_of(self.bot, session, interaction, guild_id=found.match.guild_id)
            existing = await rolodex_store.entry_for_user(session, owner.id, other.user_id)
            if existing is None:
                if await rolodex_store.find_entry(session, owner.id, entry_name) is not None:
                    raise UserFacingError("errors/rolodex_exists", name=entry_name)
                fields = {
                    "name": entry_name,
                    "how_met": how_met,
                    "notes": "",
                    "tags": "",
                    "cadence_days": None,
                    "know": False,
                    "like": False,
                    "trust": False,
                }
                await rolodex_store.save_entry(
                    session, owner, None, fields, person_user_id=other.user_id, now=now
                )
            elif not existing.how_met:
                existing.how_met = how_met
        await send_private(
            interaction,
            render(
                "meet/rolodex_added",
                already=existing is not None,
                name=existing.name if existing else entry_name,
                how_met=how_met,
            ),
        )


def _next_at(settings: MeetSettings | None) -> int | None:
    if settings is None or not settings.enabled or settings.next_round_at is None:
        return None
    return int(settings.next_round_at.timestamp())


async def setup(bot: KindredBot) -> None:
    await bot.add_cog(MeetCog(bot))
