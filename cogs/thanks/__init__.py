"""The referral-thanks channel: `/thanks ...`, "Thank the author", moderation.

Discord does not let a command that has subcommands be run on its own, so giving thanks is
`/thanks give` next to `/thanks received|given|stats|notify` (docs/ARCHITECTURE.md). The
form and the outcome buttons are in `views`, the weekly digest in `digest`.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import Counter
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from coaching.thanks import DAY, KINDS, OUTCOMES, ThanksRefused, check_thanks, story_key
from cogs.common import bot_can_post, member_of, require_organizer
from cogs.thanks.digest import ThanksDigest
from cogs.thanks.views import OutcomeButton, ThanksModal, message_url, outcome_buttons
from kindred.errors import UserFacingError
from kindred.replies import send_private
from kindred.ui import send_paged
from prompts import render
from storage import thanks as store
from storage.communities import get_community
from storage.courier import enqueue
from storage.meet import introduction_between
from storage.members import ensure_member, set_thanks_dms

if TYPE_CHECKING:
    from kindred.bot import KindredBot
    from storage.models import Member, Thanks

log = logging.getLogger("kindred.thanks")

PAGE_SIZE = 5
KIND_CHOICES = [app_commands.Choice(name=kind, value=kind) for kind in KINDS]


async def in_server(guild: discord.Guild, user: discord.abc.User) -> bool:
    """Members come resolved with slash options; a message's author may need one lookup."""
    if isinstance(user, discord.Member) or guild.get_member(user.id) is not None:
        return True
    try:
        await guild.fetch_member(user.id)
    except discord.NotFound:
        return False
    return True


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
        self.digest = ThanksDigest(bot)
        # Per (server, giver); weak, so a member's lock goes when no give is running.
        self._giving: weakref.WeakValueDictionary[tuple[int, int], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.context_menu)
        self.bot.add_dynamic_items(OutcomeButton)
        self.digest.start()

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.context_menu.name, type=self.context_menu.type)
        self.bot.remove_dynamic_items(OutcomeButton)
        await self.digest.stop()

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
        guild: discord.Guild | None = None,
        introduction_id: int | None = None,
    ) -> None:
        """`guild`: the server, for a thank-you given from a DM button ("Thank her for the
        introduction"); `introduction_id`: the introduction it is for, if known."""
        guild = guild or interaction.guild
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
        receiver_in_server = await in_server(guild, receiver)
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
                raise UserFacingError.refused(
                    f"errors/thanks_{refused.reason}", refused.details
                ) from None
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
                if kind == "introduction" and introduction_id is None:
                    # Thanks between people an introduction brought together point at it.
                    introduction_id = await introduction_between(
                        session, guild.id, interaction.user.id, receiver.id
                    )
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
                    introduction_id=introduction_id,
                    created_at=now,
                )
                if receiver_row.thanks_dms:
                    await self._enqueue_notice(
                        session, thanks, receiver_row, interaction.user.display_name, guild, post
                    )
        self.bot.courier.wake()
        text = render("thanks/given", url=post.jump_url, remaining=remaining)
        rolodex = self.bot.rolodex  # offers, one click each, to note them and follow up
        if rolodex is None or interaction.guild is None:  # its buttons act in a server
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
            payload["components"] = outcome_buttons(thanks.id)
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
        introduced = None
        if interaction.guild is not None:
            async with self.bot.db.read() as session:
                introduced = await introduction_between(
                    session, interaction.guild.id, interaction.user.id, message.author.id
                )
        # Thanking someone an introduction connected her with: "introduction" comes first.
        kind = "introduction" if introduced is not None else None
        await interaction.response.send_modal(ThanksModal(self, message, default_kind=kind))

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
            await set_thanks_dms(session, member, on=setting.value == "on")
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


async def setup(bot: KindredBot) -> None:
    await bot.add_cog(ThanksCog(bot))
