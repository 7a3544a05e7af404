"""Double-opt-in introductions: `/introduce`, the Accept / Not now answers, and closing the
ones nobody finished within a week.

Nobody learns who declined: a "Not now" changes nothing anyone sees. The introduction stays
open until both accept (then both get each other's introduction, and the introducer hears
"it's on its way") or its week runs out (then the introducer hears "not this time", and
whoever accepted that it didn't come together, the same words whatever the reason). An
introduction to someone who chose "not with" the other is recorded and sent to nobody: to
the introducer it looks like any other that didn't come together.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from coaching.meet import (
    CHECKIN_AFTER,
    DAY,
    INTRO_EXPIRES_AFTER,
    IntroParty,
    IntroRefused,
    check_introduction,
    checkin_at,
)
from cogs.common import member_of
from cogs.meet.rounds import outbox_row, starter, thread_problem, thread_row
from cogs.meet.views import card_embed, checkin_buttons, intro_buttons, name_of
from cogs.thanks import in_server
from kindred.errors import UserFacingError
from kindred.replies import close_with_note, send_private
from prompts import render
from storage import meet as store
from storage.courier import enqueue_many
from storage.members import ensure_member, get_member
from storage.reflections import quiet_days_for

if TYPE_CHECKING:
    from cogs.meet import MeetCog


class Introductions:
    def __init__(self, cog: MeetCog) -> None:
        self.cog = cog
        self.bot = cog.bot

    async def introduce(
        self,
        interaction: discord.Interaction,
        a: discord.User | discord.Member,
        b: discord.User | discord.Member,
        why: str,
    ) -> None:
        guild = interaction.guild
        if guild is None:
            raise UserFacingError("errors/server_only")
        now = self.bot.clock.now()
        in_a, in_b = await in_server(guild, a), await in_server(guild, b)
        async with self.bot.db.session() as session:
            introducer = await member_of(self.bot, session, interaction)
            rows = [await get_member(session, guild.id, person.id) for person in (a, b)]
            recent = await store.introducer_recent(session, introducer.id, since=now - DAY)
            last = await store.pair_last_introduced(session, guild.id, a.id, b.id)
        parties = [
            IntroParty(person.id, person.bot, present, row is None or row.reachable)
            for person, present, row in zip((a, b), (in_a, in_b), rows, strict=True)
        ]
        try:
            reason = check_introduction(
                introducer_id=interaction.user.id,
                a=parties[0],
                b=parties[1],
                why=why,
                now=now,
                introducer_recent=recent,
                pair_last=last,
            )
        except IntroRefused as refused:
            raise UserFacingError.refused(
                f"errors/meet_intro_{refused.reason}", refused.details
            ) from None
        async with self.bot.db.session() as session:
            introducer = await member_of(self.bot, session, interaction)
            row_a = await ensure_member(session, guild.id, a.id, now=now)
            row_b = await ensure_member(session, guild.id, b.id, now=now)
            introduction = await store.add_introduction(
                session,
                guild_id=guild.id,
                introducer=introducer,
                a=row_a,
                b=row_b,
                why=reason,
                now=now,
                expires_at=now + INTRO_EXPIRES_AFTER,
            )
            # "Not with" holds here too, silently: nobody is asked, and to the introducer it
            # ends like any introduction that didn't come together.
            if not await store.avoids(session, guild.id, a.id, b.id):
                cards = await store.cards_of(session, [row_a.id, row_b.id])
                rows_out = [
                    outbox_row(
                        guild.id,
                        member.id,
                        "meet_intro_ask",
                        f"meet_intro_ask:{introduction.id}:{member.id}",
                        {
                            "content": render(
                                "meet/intro_ask_dm",
                                community=guild.name,
                                introducer=interaction.user.display_name,
                                name=other.display_name,
                                other_id=other.id,
                                why=reason,
                                expires_at=int(introduction.expires_at.timestamp()),
                            )[:2000],
                            "embeds": [card_embed(other.display_name, cards.get(other_row.id))],
                            "components": intro_buttons(introduction.id),
                        },
                        now,
                    )
                    for member, other, other_row in ((row_a, b, row_b), (row_b, a, row_a))
                ]
                await enqueue_many(session, rows_out)
        self.bot.courier.wake()
        self.cog.rounds.wake()
        await send_private(
            interaction,
            render(
                "meet/intro_sent",
                a=a.display_name,
                b=b.display_name,
                expires_at=int((now + INTRO_EXPIRES_AFTER).timestamp()),
            ),
        )

    async def answer(
        self, interaction: discord.Interaction, introduction_id: int, answer: str
    ) -> None:
        now = self.bot.clock.now()
        async with self.bot.db.read() as session:
            found = await store.get_introduction(session, introduction_id)
        if found is None or found.side_of(interaction.user.id) is None:
            raise UserFacingError("errors/meet_intro_gone")
        names = await self._names(found)  # before the write: never wait on Discord inside one
        async with self.bot.db.session() as session:
            found = await store.get_introduction(session, introduction_id)
            me = found.side_of(interaction.user.id) if found is not None else None
            if found is None or me is None:
                raise UserFacingError("errors/meet_intro_gone")
            other_name = names[found.other_than(me).id]
            state = found.row.state
            both = False
            if state == "open":
                answers = await store.answer_introduction(
                    session,
                    found.row,
                    me,
                    "accepted" if answer == "accept" else "declined",
                    now=now,
                )
                both = all(answers.get(m.id) == "accepted" for m in (found.a, found.b))
                if both:
                    await self._connect(session, found, names, now)
        if state != "open":
            note = render("meet/intro_no_longer_open", state=state, name=other_name)
        else:
            note = render("meet/intro_answered", answer=answer, both=both, name=other_name)
        if both:
            self.bot.courier.wake()
        await close_with_note(interaction, note)

    async def _names(self, found: store.Introduction) -> dict[int | None, str]:
        """Display names of the two and the introducer (None: an introducer who deleted
        her data), by member id."""
        guild_id = found.row.guild_id
        names: dict[int | None, str] = {
            m.id: await name_of(self.bot, guild_id, m.user_id) for m in (found.a, found.b)
        }
        introducer = found.introducer
        names[None] = (
            await name_of(self.bot, guild_id, introducer.user_id)
            if introducer is not None
            else render("meet/someone")
        )
        if introducer is not None:
            names[introducer.id] = names[None]
        return names

    async def _connect(
        self,
        session: Any,
        found: store.Introduction,
        names: dict[int | None, str],
        now: datetime,
    ) -> None:
        """Both said yes: each gets the other's introduction, a private thread if the server
        has one, a "did you meet?" a few days on, and the introducer hears it's on its way."""
        row = found.row
        guild_id = row.guild_id
        await store.decide_introduction(session, row, "accepted", now=now)
        [made] = await store.add_matches(
            session, guild_id, [[found.a.id, found.b.id]], now=now, introduction_id=row.id
        )
        guild = self.bot.get_guild(guild_id)
        settings = await store.get_settings(session, guild_id)
        channel = settings.thread_channel_id if settings is not None else None
        if thread_problem(guild, channel) is not None:
            channel = None
        zone = await store.community_zone(session, guild_id)
        quiet = (await quiet_days_for(session, [guild_id]))[guild_id]
        checkin = checkin_at(now, zone, quiet, after=CHECKIN_AFTER)
        cards = await store.cards_of(session, [found.a.id, found.b.id])
        introducer = names[None]
        keys = self.cog.rounds.starter_keys
        rows = []
        for member, other in ((found.a, found.b), (found.b, found.a)):
            rows.append(
                outbox_row(
                    guild_id,
                    member.id,
                    "meet_intro_connected",
                    f"meet_intro_connected:{row.id}:{member.id}",
                    {
                        "content": render(
                            "meet/intro_connected_dm",
                            introducer=introducer,
                            name=names[other.id],
                            other_id=other.user_id,
                            why=row.why,
                            starter=starter(keys, names[other.id], cards.get(other.id), row.id),
                            thread_channel_id=channel,
                        )[:2000],
                        "embeds": [card_embed(names[other.id], cards.get(other.id))],
                    },
                    now,
                )
            )
            row_id = made.members[member.id]
            rows.append(
                outbox_row(
                    guild_id,
                    member.id,
                    "meet_checkin",
                    f"meet_checkin:{row_id}:1",
                    {
                        "content": render(
                            "meet/checkin_dm", names=[names[other.id]], introduced=True
                        ),
                        "components": checkin_buttons(row_id),
                    },
                    now,
                    due_at=checkin,
                )
            )
        rows += _introducer_hears(found, "meet/intro_done_introducer", names, now)
        if channel is not None:
            rows.append(
                thread_row(
                    guild_id,
                    channel,
                    made.match_id,
                    [names[found.a.id], names[found.b.id]],
                    [found.a.user_id, found.b.user_id],
                    kind="introduction",
                    now=now,
                )
            )
        await enqueue_many(session, rows)

    async def close_expired(self, now: datetime) -> int:
        """Introductions whose week ran out without both saying yes: the introducer hears
        "not this time", whoever accepted hears it didn't come together."""
        async with self.bot.db.read() as session:
            due = await store.expired_introductions(
                session, now=now, owner=self.bot.ownership, limit=200
            )
        for introduction_id in due:
            async with self.bot.db.read() as session:
                found = await store.get_introduction(session, introduction_id)
            if found is None:
                continue
            names = await self._names(found)
            async with self.bot.db.session() as session:
                found = await store.get_introduction(session, introduction_id)
                if found is None or found.row.state != "open":
                    continue
                await store.decide_introduction(session, found.row, "closed", now=now)
                answers = await store.intro_answers(session, found.row.id)
                rows = _introducer_hears(found, "meet/intro_closed_introducer", names, now)
                for member in (found.a, found.b):
                    if answers.get(member.id) != "accepted":
                        continue
                    other = found.other_than(member)
                    rows.append(
                        outbox_row(
                            found.row.guild_id,
                            member.id,
                            "meet_intro_result",
                            f"meet_intro_result:{found.row.id}:{member.id}",
                            {"content": render("meet/intro_closed_member", name=names[other.id])},
                            now,
                        )
                    )
                await enqueue_many(session, rows)
        if due:
            self.bot.courier.wake()
        return len(due)


def _introducer_hears(
    found: store.Introduction, template: str, names: dict[int | None, str], now: datetime
) -> list[dict[str, Any]]:
    """The introducer's one DM about how it ended (none if she deleted her data)."""
    if found.introducer is None:
        return []
    text = render(template, a=names[found.a.id], b=names[found.b.id])
    return [
        outbox_row(
            found.row.guild_id,
            found.introducer.id,
            "meet_intro_result",
            f"meet_intro_result:{found.row.id}",
            {"content": text},
            now,
        )
    ]
