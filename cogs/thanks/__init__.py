"""The referral-thanks channel: `/thanks ...`, "Thank the author", moderation.

Discord does not let a command that has subcommands be run on its own, so giving thanks is
`/thanks give` next to `/thanks received|given|stats|notify` (docs/ARCHITECTURE.md). The
form is in `views`, what came of a referral in `outcomes`, taking a thank-you down in
`moderation`, the weekly digest in `digest`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands
from discord.http import Route

from coaching.text import clean
from coaching.thanks import (
    DAY,
    KINDS,
    OUTCOMES,
    ThanksRefused,
    check_limits,
    check_person,
    check_thanks,
    remaining_to_say,
    story_key,
)
from cogs.common import bot_can_post, member_of
from cogs.thanks import moderation
from cogs.thanks.digest import ThanksDigest
from cogs.thanks.outcomes import OutcomeButton, ResultButton, build_ask, build_news
from cogs.thanks.views import THANKS_COLOUR, ThanksModal, display_name, message_url
from kindred.errors import UserFacingError
from kindred.replies import send_private
from kindred.ui import send_paged
from prompts import render
from storage import thanks as store
from storage.communities import get_community, thanks_channel_of
from storage.meet import introduction_between
from storage.members import ensure_member, get_member, set_thanks_dms

if TYPE_CHECKING:
    from kindred.bot import KindredBot

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
        self.remove_menu = app_commands.ContextMenu(
            name="Remove this thank-you", callback=self.remove_this
        )
        self.remove_menu.guild_only = True
        # A first filter only: who may remove is checked in code (`moderation.remove_this`).
        self.remove_menu.default_permissions = discord.Permissions(manage_guild=True)
        self.digest = ThanksDigest(bot)
        # Per (server, giver); weak, so a member's lock goes when no give is running.
        self._giving: weakref.WeakValueDictionary[tuple[int, int], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.context_menu)
        self.bot.tree.add_command(self.remove_menu)
        self.bot.add_dynamic_items(ResultButton, OutcomeButton)
        courier = self.bot.courier
        courier.register_builder("thanks_post", self.build_post)
        courier.register_builder("thanks_notice", self.build_notice)
        courier.register_builder("thanks_ask", functools.partial(build_ask, self.bot))
        courier.register_builder("thanks_news", functools.partial(build_news, self.bot))
        courier.register_builder("thanks_digest", self.digest.build)
        courier.register_after_sent("thanks_post", self.post_sent)
        self.digest.start()

    async def cog_unload(self) -> None:
        for menu in (self.context_menu, self.remove_menu):
            self.bot.tree.remove_command(menu.name, type=menu.type)
        self.bot.remove_dynamic_items(ResultButton, OutcomeButton)
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
        """Record the thank-you and queue its post in one unit of work, then answer at once:
        the courier posts it (once, even through a crash) as the channel's rate limit allows,
        and writes the post's link into the record when it is out. `guild`: the server, for a
        thank-you given from a DM button ("Thank her for the introduction");
        `introduction_id`: the introduction it is for, if known."""
        guild = guild or interaction.guild
        assert guild is not None
        now = self.bot.clock.now()
        channel_id = await thanks_channel_of(self.bot.db, guild.id)
        if channel_id is None:
            raise UserFacingError("errors/thanks_no_channel")
        channel = guild.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel) or not bot_can_post(channel):
            log.warning("cannot post thanks in channel %s of server %s", channel_id, guild.id)
            raise UserFacingError("errors/thanks_cannot_post", channel_id=channel_id)
        receiver_in_server = await in_server(guild, receiver)
        story = clean(story)
        # One give at a time per member: on PostgreSQL two units of work could both pass the
        # limits. Interactions from a server all reach the process that owns its shard, so an
        # in-process lock is enough; nothing inside it waits on Discord.
        async with (
            self._giving_lock(guild.id, interaction.user.id),
            self.bot.db.session() as session,
        ):
            giver = await ensure_member(session, guild.id, interaction.user.id, now=now)
            recent = await store.recent_by_giver(session, giver.id, since=now - DAY)
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
                raise refusal(refused, receiver=receiver, story=story) from None
            asking = kind == "referral" and giver.thanks_dms
            receiver_row = await ensure_member(session, guild.id, receiver.id, now=now)
            if kind == "introduction" and introduction_id is None:
                # Thanks between people an introduction brought together point at it.
                introduction_id = await introduction_between(
                    session, guild.id, interaction.user.id, receiver.id
                )
            await store.record_thanks(
                session,
                now=now,
                guild_id=guild.id,
                giver_member_id=giver.id,
                receiver_member_id=receiver_row.id,
                kind=kind,
                story=story,
                story_key=story_key(story),
                source_url=source_url,
                channel_id=channel.id,
                introduction_id=introduction_id,
            )
        self.bot.courier.wake()
        text = render(
            "thanks/given",
            channel_id=channel.id,
            remaining=remaining_to_say(remaining),
            asking=asking,
            name=receiver.display_name,
        )
        rolodex = self.bot.rolodex  # offers, one click each, to note them and follow up
        if rolodex is None or interaction.guild is None:  # its buttons act in a server
            await send_private(interaction, text)
            return
        await send_private(
            interaction,
            text + "\n\n" + render("rolodex/offer_after_thanks", name=receiver.display_name),
            view=rolodex.offers(receiver.id),
        )

    # -- the post and the DM, made when the courier sends them -----------------------------

    async def build_post(self, ref: Any) -> dict[str, Any] | None:
        """The public post of a thank-you, from the record as it is now (None: removed)."""
        async with self.bot.db.read() as session:
            found = await store.with_members(session, int(ref))
        if found is None or found[0].removed or found[1] is None:
            return None
        thanks, giver, receiver = found
        embed = discord.Embed(
            title=render("thanks/post_title", kind=thanks.kind),
            description=render(
                "thanks/post_description",
                giver_id=giver.user_id,
                receiver_id=receiver.user_id if receiver else None,
                story=thanks.story,
                source_url=thanks.source_url,
            ),
            colour=THANKS_COLOUR,
        )
        embed.set_footer(text=render("thanks/post_footer"))
        # Only the thanked member is pinged (never anyone named in the story).
        mentions: dict[str, Any] = {"parse": []}
        if receiver is not None:
            mentions["users"] = [str(receiver.user_id)]
        return {
            "content": render(
                "thanks/post_content", receiver_id=receiver.user_id if receiver else None
            ),
            "embeds": [embed.to_dict()],
            "allowed_mentions": mentions,
        }

    async def build_notice(self, ref: Any) -> dict[str, Any] | None:
        """The DM telling the thanked member, once the post is out (None: removed meanwhile)."""
        async with self.bot.db.read() as session:
            found = await store.with_members(session, int(ref))
            community = await get_community(session, found[0].guild_id) if found else None
        if found is None or found[0].removed or found[2] is None or found[0].message_id is None:
            return None
        thanks, giver, _receiver = found
        guild = self.bot.get_guild(thanks.guild_id)
        return {
            "content": render(
                "thanks/dm_notice",
                giver=display_name(self.bot, thanks.guild_id, giver),
                community=guild.name if guild else (community.name if community else ""),
                kind=thanks.kind,
                story=thanks.story[:900],
                url=message_url(thanks.guild_id, thanks.channel_id, thanks.message_id),
                # For a referral, its giver will be asked what came of it (if she wants
                # thanks DMs): the referrer hears it then.
                asking=thanks.kind == "referral" and giver is not None and giver.thanks_dms,
            )[:2000]
        }

    async def post_sent(self, session: Any, row: Any, message_id: int) -> bool:
        """The courier posted a thank-you (in its unit of work): link it, queue the DM; True
        when the thank-you was removed while its post was on its way (the courier deletes it)."""
        kept = await store.post_sent(
            session, int(row.payload["build"][1]), message_id, now=self.bot.clock.now()
        )
        return not kept

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
        """The form, once what can be known before it is written passes: her own message,
        a bot's, no thanks channel, or a thank-you she can't give yet is said first."""
        guild = interaction.guild
        assert guild is not None  # guild_only
        author = message.author
        now = self.bot.clock.now()
        try:
            check_person(
                giver_user_id=interaction.user.id,
                receiver_user_id=author.id,
                receiver_is_bot=author.bot,
                receiver_in_server=True,  # checked with the story, one lookup fewer here
            )
        except ThanksRefused as refused:
            raise refusal(refused) from None
        async with self.bot.db.read() as session:
            community = await get_community(session, guild.id)
            if community is None or community.thanks_channel_id is None:
                raise UserFacingError("errors/thanks_no_channel")
            giver = await get_member(session, guild.id, interaction.user.id)
            recent = (
                await store.recent_by_giver(session, giver.id, since=now - DAY) if giver else []
            )
            try:
                check_limits(receiver_user_id=author.id, now=now, recent=recent)
            except ThanksRefused as refused:
                raise refusal(refused, receiver=author) from None
            introduced = await introduction_between(
                session, guild.id, interaction.user.id, author.id
            )
        # Thanking someone an introduction connected her with: "introduction" comes first.
        kind = "introduction" if introduced is not None else None
        await interaction.response.send_modal(ThanksModal(self, message, default_kind=kind))

    @thanks.command(name="notify", description="Thank-you DMs (you're thanked; a referral's news)")
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
        numbers: bool = False,
    ) -> tuple[discord.Embed, int]:
        """A page of thank-yous; `numbers`: with each one's number, for organizers (what
        `/admin thanks remove` asks for)."""
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
        lines = [
            render(
                "thanks/list_entry",
                number=thanks.id if numbers else None,
                day=thanks.created_at.date().isoformat(),
                giver=self.user_name(guild, giver_id),
                receiver=self.user_name(guild, receiver_id),
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
            colour=THANKS_COLOUR,
        )
        embed.set_footer(
            text=render("thanks/list_footer", page=page + 1, pages=pages, numbers=numbers)
        )
        return embed, pages

    def user_name(
        self, guild: discord.Guild | None, user_id: int | None, *, mention: bool = True
    ) -> str:
        """A member's name as the cache knows it, else a mention (shown as the name in a
        message; where a mention shows as digits, `mention=False`: empty)."""
        if user_id is None:
            return render("thanks/someone")
        member = guild.get_member(user_id) if guild else None
        user = member or self.bot.get_user(user_id)
        if user is not None:
            return user.display_name
        return f"<@{user_id}>" if mention else ""

    async def _list(
        self, interaction: discord.Interaction, direction: str, member: discord.User | None
    ) -> None:
        assert interaction.guild is not None
        guild_id = interaction.guild.id
        target = member or interaction.user
        permissions = interaction.permissions
        numbers = permissions.manage_guild or permissions.administrator

        async def page(number: int) -> tuple[discord.Embed, int]:
            return await self.list_embed(
                guild_id=guild_id,
                direction=direction,
                user_id=target.id,
                who=target.display_name,
                page=number,
                numbers=numbers,
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
            colour=THANKS_COLOUR,
        )
        await send_private(interaction, embed=embed)

    # -- moderation -------------------------------------------------------------------------

    async def remove(self, interaction: discord.Interaction, thanks_id: int) -> None:
        await moderation.remove(self, interaction, thanks_id)

    async def remove_this(self, interaction: discord.Interaction, message: discord.Message) -> None:
        await moderation.remove_this(self, interaction, message)

    async def number_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await moderation.number_choices(self, interaction, current)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        async with self.bot.db.session() as session:
            thanks = await store.by_message(session, payload.message_id)
            if thanks is not None and not thanks.removed:
                await store.mark_removed(session, thanks.id)
                log.info("thanks %d removed with its post", thanks.id)

    async def forget_posts(
        self, guild_id: int, member_id: int
    ) -> list[tuple[int, int, dict[str, Any]]]:
        """Before a member's data is deleted: the posts of the thank-yous she gave and the DMs
        that told people about them come down. Returns the digests that showed her thank-yous
        or named her, for `repost_digests` once her data is gone."""
        async with self.bot.db.read() as session:
            posts = await store.posts_by_giver(session, member_id)
            notices = await store.sent_notices_of(session, member_id)
            digests = await store.digests_showing(
                session, guild_id, await store.member_thanks_ids(session, member_id)
            )
        for channel_id, message_id in [*posts, *notices]:
            try:
                await self.bot.http.delete_message(channel_id, message_id)
            except discord.NotFound:
                pass  # gone already
            except discord.HTTPException as exc:
                log.warning("could not delete message %s: HTTP %s", message_id, exc.status)
        return digests

    async def repost_digests(self, digests: list[tuple[int, int, dict[str, Any]]]) -> None:
        """Digests that showed a member's thank-yous, written again from what is left."""
        for channel_id, message_id, recipe in digests:
            body = await self.digest.build(recipe)
            try:
                await self.bot.http.request(
                    Route(
                        "PATCH",
                        "/channels/{channel_id}/messages/{message_id}",
                        channel_id=channel_id,
                        message_id=message_id,
                    ),
                    json={"content": body["content"], "allowed_mentions": {"parse": []}},
                )
            except discord.HTTPException as exc:
                log.warning("could not edit digest %s: HTTP %s", message_id, exc.status)

    # -- the weekly digest ------------------------------------------------------------------


def refusal(
    refused: ThanksRefused, *, receiver: discord.abc.User | None = None, story: str | None = None
) -> UserFacingError:
    """A rule's refusal as the member reads it: times as Discord timestamps, the person by
    name, and (turned away for timing only) her story to keep for later."""
    details: dict[str, Any] = {
        key: (int(value.timestamp()) if isinstance(value, datetime) else value)
        for key, value in refused.details.items()
    }
    if refused.reason in ("cooldown", "daily_cap"):
        details["name"] = receiver.display_name if receiver is not None else None
        details["story"] = story
    return UserFacingError(f"errors/thanks_{refused.reason}", **details)


async def setup(bot: KindredBot) -> None:
    await bot.add_cog(ThanksCog(bot))
