"""The referral-thanks channel: `/thanks ...`, "Thank the author", outcomes, the weekly digest.

Discord does not let a command that has subcommands be run on its own, so giving thanks is
`/thanks give` next to `/thanks received|given|stats|notify` (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import asyncio
import logging
import math
import weakref
from collections import Counter
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from coaching.reflections import Schedule, next_send, zone
from coaching.thanks import (
    DAY,
    KINDS,
    OUTCOMES,
    STORY_MAX,
    ThanksRefused,
    check_thanks,
    digest_picks,
    story_key,
)
from cogs.common import bot_can_post, member_of, require_organizer
from kindred.errors import UserFacingError
from kindred.loops import Upcoming
from kindred.replies import close_with_note, send_private
from kindred.ui import KindredModal, PersistentButton, bot_of, send_paged
from prompts import render
from storage import thanks as store
from storage.communities import get_community
from storage.courier import enqueue
from storage.members import ensure_member
from storage.models import Community, Member, Thanks

if TYPE_CHECKING:
    from kindred.bot import KindredBot

log = logging.getLogger("kindred.thanks")

PAGE_SIZE = 5
DIGEST_WINDOW = timedelta(days=7)
# A digest more than this late (the bot was down at its time) is not posted; the next one
# covers its weeks too, up to DIGEST_MAX_WINDOW.
DIGEST_LATE_AFTER = timedelta(hours=6)
DIGEST_MAX_WINDOW = timedelta(weeks=4)
KIND_CHOICES = [app_commands.Choice(name=kind, value=kind) for kind in KINDS]


def message_url(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def digest_since(covered_until: datetime | None, due_at: datetime) -> datetime:
    """Where the digest due at `due_at` starts: after the last digest's end (so missed weeks
    are folded in), a week back for the first one, and never more than four weeks back."""
    start = covered_until if covered_until is not None else due_at - DIGEST_WINDOW
    return max(start, due_at - DIGEST_MAX_WINDOW)


def next_digest_at(community: Community, after: datetime) -> datetime | None:
    schedule = Schedule(
        timezone=community.timezone,
        time_of_day=time(community.digest_hour),
        days=1 << community.digest_weekday,
    )
    found = next_send(after, schedule)
    return found[0] if found else None


class OutcomeButton(
    PersistentButton,
    template=r"thx:outcome:(?P<thanks>\d+):(?P<outcome>met|client|not_fit)",
):
    """ "We met" / "Became a client" / "Not a fit" under a referral thank-you DM."""

    custom_id_format = "thx:outcome:{thanks}:{outcome}"

    async def act(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        outcome = self.parts["outcome"]
        async with bot.db.session() as session:
            thanks = await store.get_thanks(session, int(self.parts["thanks"]))
            receiver = (
                await session.get(Member, thanks.receiver_member_id)
                if thanks and thanks.receiver_member_id
                else None
            )
            if thanks is None or receiver is None or receiver.user_id != interaction.user.id:
                await send_private(interaction, render("errors/thanks_not_receiver"))
                return
            giver = await session.get(Member, thanks.giver_member_id)
            thanks.outcome = outcome
            thanks.outcome_at = bot.clock.now()
        giver_name = await _display_name(bot, giver.guild_id if giver else 0, giver)
        await close_with_note(
            interaction, render("thanks/outcome_saved", outcome=outcome, giver=giver_name)
        )


async def _display_name(bot: KindredBot, guild_id: int, member: Member | None) -> str:
    """A name to show; without the members intent the cache rarely has one, so a mention,
    which Discord shows as the name and which never pings under AllowedMentions.none()."""
    if member is None:
        return render("thanks/someone")
    guild = bot.get_guild(guild_id)
    found = guild.get_member(member.user_id) if guild else None
    if found is not None:
        return found.display_name
    user = bot.get_user(member.user_id)
    return user.display_name if user else f"<@{member.user_id}>"


async def _in_server(guild: discord.Guild, user: discord.abc.User) -> bool:
    """Members come resolved with slash options; a message's author may need one lookup."""
    if isinstance(user, discord.Member) or guild.get_member(user.id) is not None:
        return True
    try:
        await guild.fetch_member(user.id)
    except discord.NotFound:
        return False
    return True


class ThanksModal(KindredModal):
    """The "Thank the author" form: the kind and the story, linked to the helpful message."""

    def __init__(self, cog: ThanksCog, target: discord.Message) -> None:
        super().__init__(title=render("thanks/form_title"), timeout=None)
        self.cog = cog
        self.target = target
        self.kind: discord.ui.Select[ThanksModal] = discord.ui.Select(
            options=[discord.SelectOption(label=kind, value=kind) for kind in KINDS],
            min_values=1,
            max_values=1,
        )
        self.story: discord.ui.TextInput[ThanksModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            min_length=1,
            max_length=STORY_MAX,
            placeholder=render("thanks/form_story_hint"),
        )
        self.add_item(discord.ui.Label(text=render("thanks/form_kind"), component=self.kind))
        self.add_item(discord.ui.Label(text=render("thanks/form_story"), component=self.story))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        await self.cog.give(
            interaction,
            receiver=self.target.author,
            kind=self.kind.values[0] if self.kind.values else "other",
            story=self.story.value,
            source_url=message_url(interaction.guild.id, self.target.channel.id, self.target.id),
        )


class ThanksCog(commands.Cog):
    thanks = app_commands.Group(
        name="thanks", description="Thank people who helped you, in public", guild_only=True
    )

    def __init__(self, bot: KindredBot) -> None:
        self.bot = bot
        self.context_menu = app_commands.ContextMenu(
            name="Thank the author", callback=self.thank_author
        )
        self.context_menu.guild_only = True
        self.digest = bot.new_loop(
            "thanks-digest", self._digest_step, retry_after=timedelta(seconds=60), log=log
        )
        # Per (server, giver); weak, so a member's lock goes when no give is running.
        self._giving: weakref.WeakValueDictionary[tuple[int, int], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.context_menu)
        self.bot.add_dynamic_items(OutcomeButton)
        self.bot.start_loop(self.digest)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.context_menu.name, type=self.context_menu.type)
        self.bot.remove_dynamic_items(OutcomeButton)
        await self.bot.stop_loop(self.digest)

    def _giving_lock(self, guild_id: int, user_id: int) -> asyncio.Lock:
        lock = self._giving.get((guild_id, user_id))
        if lock is None:
            lock = self._giving[(guild_id, user_id)] = asyncio.Lock()
        return lock

    # -- giving -----------------------------------------------------------------------------

    async def give(
        self,
        interaction: discord.Interaction,
        *,
        receiver: discord.abc.User,
        kind: str,
        story: str,
        source_url: str | None = None,
    ) -> None:
        guild = interaction.guild
        assert guild is not None
        now = self.bot.clock.now()
        async with self.bot.db.read() as session:
            community = await get_community(session, guild.id)
        if community is None or community.thanks_channel_id is None:
            raise UserFacingError("errors/thanks_no_channel")
        channel = guild.get_channel(community.thanks_channel_id)
        if not isinstance(channel, discord.TextChannel) or not bot_can_post(channel):
            log.warning(
                "cannot post thanks in channel %s of server %s",
                community.thanks_channel_id,
                guild.id,
            )
            raise UserFacingError(
                "errors/thanks_cannot_post", channel_id=community.thanks_channel_id
            )
        receiver_in_server = await _in_server(guild, receiver)
        # One give at a time per member (a double click must not pass the limits twice), but
        # the post to Discord happens outside any write unit: SQLite has one writer at a time,
        # and every other member's command would wait through this one's HTTP call.
        # Interactions from a server all reach the process that owns its shard, so an
        # in-process lock is enough.
        giving = self._giving_lock(guild.id, interaction.user.id)
        if giving.locked() and not interaction.response.is_done():
            # This member's previous thank-you is still being posted (it may be waiting on the
            # channel's rate limit): say "thinking" now, not after it, past Discord's 3 s.
            await interaction.response.defer(ephemeral=True, thinking=True)
        async with giving:
            async with self.bot.db.session() as session:
                giver = await ensure_member(session, guild.id, interaction.user.id, now=now)
                recent = await store.recent_by_giver(session, giver.id, since=now - DAY)
                giver_id = giver.id
            try:
                remaining = check_thanks(
                    giver_user_id=interaction.user.id,
                    receiver_user_id=receiver.id,
                    receiver_is_bot=receiver.bot,
                    receiver_in_server=receiver_in_server,
                    kind=kind,
                    story=story,
                    now=now,
                    recent=recent,
                )
            except ThanksRefused as refused:
                details = {
                    key: (int(value.timestamp()) if isinstance(value, datetime) else value)
                    for key, value in refused.details.items()
                }
                raise UserFacingError(f"errors/thanks_{refused.reason}", **details) from None
            # Posting can wait on the channel's rate limit (5 messages per 5 s), longer than
            # Discord's 3 s to answer: say "thinking" first, reply when it is done.
            if not interaction.response.is_done():
                await interaction.response.defer(ephemeral=True, thinking=True)
            # Post first: if Discord refuses, nothing is recorded.
            embed = discord.Embed(
                title=render("thanks/post_title", kind=kind),
                description=render(
                    "thanks/post_description",
                    giver=interaction.user.display_name,
                    receiver=receiver.display_name,
                    story=story.strip(),
                    source_url=source_url,
                ),
                colour=discord.Colour.from_str("#d9a441"),
            )
            embed.set_footer(text=render("thanks/post_footer"))
            try:
                post = await channel.send(
                    render("thanks/post_content", receiver_id=receiver.id),
                    embed=embed,
                    allowed_mentions=discord.AllowedMentions(
                        users=[discord.Object(id=receiver.id)], roles=False, everyone=False
                    ),
                )
            except discord.HTTPException as exc:
                log.warning("posting thanks in %s failed: HTTP %s", channel.id, exc.status)
                raise UserFacingError("errors/thanks_cannot_post", channel_id=channel.id) from None
            async with self.bot.db.session() as session:
                receiver_row = await ensure_member(session, guild.id, receiver.id, now=now)
                thanks = await store.add_thanks(
                    session,
                    guild_id=guild.id,
                    giver_member_id=giver_id,
                    receiver_member_id=receiver_row.id,
                    kind=kind,
                    story=story.strip(),
                    story_key=story_key(story),
                    source_url=source_url,
                    channel_id=channel.id,
                    message_id=post.id,
                    removed=False,
                    created_at=now,
                )
                if receiver_row.thanks_dms:
                    await self._enqueue_notice(
                        session, thanks, receiver_row, interaction.user.display_name, guild, post
                    )
        self.bot.courier.wake()
        text = render("thanks/given", url=post.jump_url, remaining=remaining)
        rolodex = self.bot.rolodex  # offers, one click each, to note them and follow up
        if rolodex is None:
            await send_private(interaction, text)
            return
        await send_private(
            interaction,
            text + "\n\n" + render("rolodex/offer_after_thanks", name=receiver.display_name),
            view=rolodex.offers(receiver.id),
        )

    async def _enqueue_notice(
        self,
        session: Any,
        thanks: Thanks,
        receiver: Member,
        giver_name: str,
        guild: discord.Guild,
        post: discord.Message,
    ) -> None:
        payload: dict[str, Any] = {
            "content": render(
                "thanks/dm_notice",
                giver=giver_name,
                community=guild.name,
                kind=thanks.kind,
                story=thanks.story[:900],
                url=post.jump_url,
            )[:2000]
        }
        if thanks.kind == "referral":
            payload["components"] = [
                {
                    "type": 1,
                    "components": [
                        {
                            "type": 2,
                            "style": 2,
                            "label": render(f"thanks/outcome_{outcome}"),
                            "custom_id": f"thx:outcome:{thanks.id}:{outcome}",
                        }
                        for outcome in OUTCOMES
                    ],
                }
            ]
        await enqueue(
            session,
            guild_id=guild.id,
            member_id=receiver.id,
            purpose="thanks_notice",
            dedupe_key=f"thanks_notice:{thanks.id}",
            payload=payload,
            due_at=thanks.created_at,
            now=thanks.created_at,
        )

    @thanks.command(name="give", description="Thank someone in public for their help")
    @app_commands.describe(
        member="Who helped you",
        kind="What kind of help",
        story="What happened (10 to 1,000 characters)",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    async def give_command(
        self,
        interaction: discord.Interaction,
        member: discord.User,
        kind: app_commands.Choice[str],
        story: app_commands.Range[str, 1, 1000],
    ) -> None:
        await self.give(interaction, receiver=member, kind=kind.value, story=story)

    async def thank_author(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        await interaction.response.send_modal(ThanksModal(self, message))

    @thanks.command(name="notify", description="DMs when someone thanks you: on or off")
    @app_commands.choices(
        setting=[
            app_commands.Choice(name="on", value="on"),
            app_commands.Choice(name="off", value="off"),
        ]
    )
    async def notify(
        self, interaction: discord.Interaction, setting: app_commands.Choice[str]
    ) -> None:
        assert interaction.guild is not None
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            member.thanks_dms = setting.value == "on"
        await send_private(interaction, render("thanks/notify", on=setting.value == "on"))

    # -- seeing it --------------------------------------------------------------------------

    async def list_embed(
        self,
        *,
        guild_id: int,
        direction: str,
        user_id: int,
        who: str | None,
        page: int,
    ) -> tuple[discord.Embed, int]:
        async with self.bot.db.read() as session:
            rows, total = await store.public_thanks(
                session,
                guild_id,
                receiver_user_id=user_id if direction == "received" else None,
                giver_user_id=user_id if direction == "given" else None,
                offset=page * PAGE_SIZE,
                limit=PAGE_SIZE,
            )
        guild = self.bot.get_guild(guild_id)

        def name(user_id: int | None) -> str:
            if user_id is None:
                return render("thanks/someone")
            member = guild.get_member(user_id) if guild else None
            user = member or self.bot.get_user(user_id)
            return user.display_name if user else f"<@{user_id}>"

        lines = [
            render(
                "thanks/list_entry",
                day=thanks.created_at.date().isoformat(),
                giver=name(giver_id),
                receiver=name(receiver_id),
                kind=thanks.kind,
                story=thanks.story[:300],
                url=(
                    message_url(guild_id, thanks.channel_id, thanks.message_id)
                    if thanks.message_id
                    else None
                ),
            )
            for thanks, giver_id, receiver_id in rows
        ]
        pages = max(1, -(-total // PAGE_SIZE))
        embed = discord.Embed(
            title=render("thanks/list_title", direction=direction, who=who),
            description=("\n\n".join(lines) or render("thanks/list_empty", direction=direction))[
                :4096
            ],
            colour=discord.Colour.from_str("#d9a441"),
        )
        embed.set_footer(text=render("thanks/list_footer", page=page + 1, pages=pages))
        return embed, pages

    async def _list(
        self, interaction: discord.Interaction, direction: str, member: discord.User | None
    ) -> None:
        assert interaction.guild is not None
        guild_id = interaction.guild.id
        target = member or interaction.user

        async def page(number: int) -> tuple[discord.Embed, int]:
            return await self.list_embed(
                guild_id=guild_id,
                direction=direction,
                user_id=target.id,
                who=target.display_name,
                page=number,
            )

        await send_paged(interaction, page)

    @thanks.command(name="received", description="Recent public thanks someone received")
    @app_commands.describe(member="Whose thanks (you, if empty)")
    async def received(
        self, interaction: discord.Interaction, member: discord.User | None = None
    ) -> None:
        await self._list(interaction, "received", member)

    @thanks.command(name="given", description="Recent public thanks someone gave")
    @app_commands.describe(member="Whose thanks (you, if empty)")
    async def given(
        self, interaction: discord.Interaction, member: discord.User | None = None
    ) -> None:
        await self._list(interaction, "given", member)

    @thanks.command(name="stats", description="Your thanks by month, kinds and referral outcomes")
    async def stats(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        async with self.bot.db.session() as session:
            member = await member_of(self.bot, session, interaction)
            given, received = await store.member_thanks(session, member.id)
        months: dict[str, dict[str, Any]] = {}
        for direction, items in (("given", given), ("received", received)):
            for thanks in items:
                key = thanks.created_at.strftime("%Y-%m")
                months.setdefault(key, {"name": key, "given": 0, "received": 0})[direction] += 1
        referrals = [t for t in [*given, *received] if t.kind == "referral"]
        outcomes = Counter(t.outcome or "open" for t in referrals)
        embed = discord.Embed(
            title=render("thanks/stats_title"),
            description=render(
                "thanks/stats",
                months=[months[key] for key in sorted(months, reverse=True)[:12]],
                given_kinds=Counter(t.kind for t in given).most_common(),
                received_kinds=Counter(t.kind for t in received).most_common(),
                outcomes={k: outcomes.get(k, 0) for k in (*OUTCOMES, "open")},
            )[:4096],
            colour=discord.Colour.from_str("#d9a441"),
        )
        await send_private(interaction, embed=embed)

    # -- moderation -------------------------------------------------------------------------

    async def remove(self, interaction: discord.Interaction, thanks_id: int) -> None:
        require_organizer(interaction)
        assert interaction.guild is not None
        async with self.bot.db.session() as session:
            thanks = await store.get_thanks(session, thanks_id)
            if thanks is None or thanks.guild_id != interaction.guild.id or thanks.removed:
                raise UserFacingError("errors/thanks_unknown", id=thanks_id)
            await store.mark_removed(session, thanks.id)
            channel_id, message_id = thanks.channel_id, thanks.message_id
        post_gone = False
        if message_id:
            try:
                await self.bot.http.delete_message(channel_id, message_id)
                post_gone = True
            except discord.HTTPException as exc:
                log.warning("could not delete thanks post %s: HTTP %s", message_id, exc.status)
        await send_private(interaction, render("thanks/removed", id=thanks_id, post_gone=post_gone))

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        async with self.bot.db.session() as session:
            thanks = await store.by_message(session, payload.message_id)
            if thanks is not None and not thanks.removed:
                await store.mark_removed(session, thanks.id)
                log.info("thanks %d removed with its post", thanks.id)

    async def delete_posts_of(self, member_id: int) -> int:
        """Remove the public posts of thanks a member gave (before their data is deleted)."""
        async with self.bot.db.read() as session:
            posts = await store.posts_by_giver(session, member_id)
        removed = 0
        for channel_id, message_id in posts:
            try:
                await self.bot.http.delete_message(channel_id, message_id)
                removed += 1
            except discord.NotFound:
                removed += 1
            except discord.HTTPException as exc:
                log.warning("could not delete thanks post %s: HTTP %s", message_id, exc.status)
        return removed

    # -- the weekly digest ------------------------------------------------------------------

    async def _digest_step(self) -> Upcoming:
        await self.digest_tick()
        async with self.bot.db.read() as session:
            return await store.next_digest_due(session, self.bot.ownership)

    async def digest_tick(self) -> int:
        """Post the digest of every community whose digest time has come; returns posts queued."""
        now = self.bot.clock.now()
        queued = 0
        async with self.bot.db.session() as session:
            due = await store.due_digests(session, now=now, owner=self.bot.ownership)
            for community in due:
                due_at = community.next_digest_at
                assert due_at is not None
                community.next_digest_at = next_digest_at(community, due_at)
                if community.thanks_channel_id is None:
                    continue
                if now - due_at > DIGEST_LATE_AFTER:
                    # Long past (the bot was down): not posted at an odd hour; its thanks
                    # go into next week's digest, which covers from where this one would have.
                    community.digest_covered_until = digest_since(
                        community.digest_covered_until, due_at
                    )
                    continue
                since = digest_since(community.digest_covered_until, due_at)
                community.digest_covered_until = due_at
                week = await store.week_of_thanks(
                    session, community.guild_id, since=since, until=due_at
                )
                if not week:
                    continue
                members = {
                    m.id: m
                    for m in [
                        await session.get(Member, member_id)
                        for member_id in {t.giver_member_id for t in week}
                        | {t.receiver_member_id for t in week if t.receiver_member_id}
                    ]
                    if m is not None
                }
                picks = digest_picks([(t.id, t.kind, t.giver_member_id) for t in week])
                by_id = {t.id: t for t in week}
                body = render(
                    "thanks/digest",
                    # "The last 2 weeks" only when it holds thanks older than a week.
                    weeks=max(
                        1, math.ceil((due_at - min(t.created_at for t in week)) / DIGEST_WINDOW)
                    ),
                    givers=len({t.giver_member_id for t in week}),
                    receivers=len({t.receiver_member_id for t in week if t.receiver_member_id}),
                    picks=[
                        {
                            "giver": await _display_name(
                                self.bot, community.guild_id, members.get(by_id[i].giver_member_id)
                            ),
                            "receiver": await _display_name(
                                self.bot,
                                community.guild_id,
                                members.get(by_id[i].receiver_member_id or -1),
                            ),
                            "kind": by_id[i].kind,
                            "story": by_id[i].story[:280],
                        }
                        for i in picks
                    ],
                )[:2000]
                local_week = due_at.astimezone(zone(community.timezone)).strftime("%G-W%V")
                await enqueue(
                    session,
                    guild_id=community.guild_id,
                    channel_id=community.thanks_channel_id,
                    purpose="thanks_digest",
                    dedupe_key=f"thanks_digest:{community.guild_id}:{local_week}",
                    payload={"content": body},
                    due_at=now,
                    now=now,
                )
                queued += 1
        if queued:
            self.bot.courier.wake()
        return queued


async def setup(bot: KindredBot) -> None:
    await bot.add_cog(ThanksCog(bot))
