"""The "spotted an elevator pitch" self-check: `/pitchcheck ...`, a context menu, the nudge."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from coaching.insights import PITCH_BANDS
from coaching.pitch import PitchReport, analyze, suggestion_text
from coaching.pitch_event import EVENT_QUESTIONS, EventResult, score_event, sparkline, trend
from coaching.text import clean, optional, visible
from cogs.common import member_of
from kindred.charts import Picture, draw, pitch_chart
from kindred.errors import UserFacingError
from kindred.replies import defer_private, send_private
from kindred.ui import KindredModal, OwnedView
from prompts import escape_markdown, render
from storage import pitch as store
from storage.communities import get_community
from storage.courier import enqueue
from storage.members import ensure_member, get_member

if TYPE_CHECKING:
    from kindred.bot import KindredBot
    from storage.models import Member, PitchCheck

MAX_TEXT = 4000
HISTORY_SIZE = 12
CHART_SIZE = 30  # the chart shows more checks than the list
NUDGE_EVERY = timedelta(days=7)
EVENT_TIMEOUT_SECONDS = 600.0
SIGNALS_SHOWN = 5
COLOURS = {
    "connecting": "#7a9e7e",
    "balanced": "#d9a441",
    "pitching": "#c2577a",
    "unjudged": "#8a8f98",
}


def score_bar(score: int) -> str:
    filled = round(score / 10)
    return "🟩" * filled + "⬜" * (10 - filled)


def report_embed(report: PitchReport, *, checked: str | None = None) -> discord.Embed:
    """The report in Kindred's voice; phrases shown exactly as written (escaped)."""
    excerpt = None
    if checked:
        flat = " ".join(checked.split())
        excerpt = flat if len(flat) <= 300 else flat[:299] + "…"
    if not report.judged:
        # Too short, or not English: say so plainly, judge nothing.
        return discord.Embed(
            title=render("pitch/unjudged_title", verdict=report.verdict),
            description=render(
                "pitch/unjudged_line",
                reason=report.suggestions[0].text if report.suggestions else "",
                checked=excerpt,
            )[:4096],
            colour=discord.Colour.from_str(COLOURS["unjudged"]),
        )
    embed = discord.Embed(
        title=render("pitch/verdict_title", verdict=report.verdict, score=report.score),
        description=render(
            "pitch/verdict_line",
            verdict=report.verdict,
            kind=report.kind,
            bar=score_bar(report.score or 0),
            checked=excerpt,
        )[:4096],
        colour=discord.Colour.from_str(COLOURS[report.verdict]),
    )
    for side, label in (("connect", "pitch/label_connect"), ("pitch", "pitch/label_pitch")):
        lines = [
            render("pitch/signal_line", excerpt=signal.excerpt[:80], reason=signal.reason)
            for signal in report.signals
            if signal.side == side
        ][:SIGNALS_SHOWN]
        if lines:
            embed.add_field(name=render(label), value=_fit("\n".join(lines), 1024), inline=False)
    if report.suggestions:
        embed.add_field(
            name=render("pitch/label_try"),
            value=_fit(
                "\n".join(f"• {suggestion_text(s, escape_markdown)}" for s in report.suggestions),
                1024,
            ),
            inline=False,
        )
    if not report.signals:
        embed.add_field(name="\u200b", value=render("pitch/nothing_found"), inline=False)
    embed.set_footer(text=render("pitch/footer"))
    return embed


async def history_picture(checks: list[PitchCheck]) -> Picture:
    """Her scores over time (oldest first) on the verdict bands."""
    points = [(check.created_at, check.score) for check in reversed(checks)]
    scores = [score for _, score in points]
    day = "{0.day} {0:%b %Y}".format
    return await draw(
        pitch_chart,
        render("pitch/chart_title"),
        render("pitch/chart_subtitle", count=len(points)),
        points,
        {verdict: render("pitch/chart_band", verdict=verdict) for verdict, _, _ in PITCH_BANDS},
        filename="self-checks.png",
        description=render(
            "pitch/chart_alt",
            count=len(points),
            first_day=day(points[0][0]),
            last_day=day(points[-1][0]),
            lowest=min(scores),
            highest=max(scores),
            latest=scores[-1],
            verdict=checks[0].verdict,
            trend=trend(scores),
        ),
    )


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 100 else flat[:99] + "…"


class DraftModal(KindredModal):
    def __init__(self, cog: PitchCog) -> None:
        super().__init__(title=render("pitch/draft_title"), timeout=None)
        self.cog = cog
        self.draft: discord.ui.TextInput[DraftModal] = discord.ui.TextInput(
            label=render("pitch/draft_label"),
            style=discord.TextStyle.paragraph,
            placeholder=render("pitch/draft_placeholder"),
            max_length=MAX_TEXT,
            required=True,
        )
        self.add_item(self.draft)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.cog.check_and_reply(interaction, self.draft.value, kind="text")


# What another feature does with a finished event check instead of the default (store it,
# offer a follow-up): the events debrief stores it against the event. Returns the buttons
# to show under the result.
EventCheckDone = Callable[[discord.Interaction, EventResult], Awaitable[discord.ui.View | None]]


class EventCheckView(OwnedView):
    """Eight yes/no questions in one private message, answered one after another."""

    def __init__(
        self,
        cog: PitchCog,
        owner_id: int,
        name: str | None,
        *,
        on_done: EventCheckDone | None = None,
    ) -> None:
        super().__init__(owner_id, timeout=EVENT_TIMEOUT_SECONDS)
        self.cog = cog
        self.name = name
        self.on_done = on_done
        self.answers: list[bool] = []
        self.yes.label = render("pitch/yes")
        self.no.label = render("pitch/no")

    def question_text(self) -> str:
        question = EVENT_QUESTIONS[len(self.answers)]
        return render(
            "pitch/event_progress",
            number=len(self.answers) + 1,
            total=len(EVENT_QUESTIONS),
            question=render(f"pitch/event_{question.key}"),
        )

    def embed(self) -> discord.Embed:
        return discord.Embed(
            title=render("pitch/event_title", name=self.name),
            description=self.question_text(),
            colour=discord.Colour.from_str("#7a9e7e"),
        )

    @discord.ui.button(label="Yes", style=discord.ButtonStyle.primary)
    async def yes(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._answer(interaction, True)

    @discord.ui.button(label="No", style=discord.ButtonStyle.secondary)
    async def no(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
        await self._answer(interaction, False)

    async def _answer(self, interaction: discord.Interaction, answer: bool) -> None:
        self.answers.append(answer)
        if len(self.answers) < len(EVENT_QUESTIONS):
            await interaction.response.edit_message(embed=self.embed(), view=self)
            return
        self.stop()
        result = score_event(self.answers)
        if self.on_done is not None:
            offers = await self.on_done(interaction, result)
        else:
            await self.cog.record(
                interaction,
                kind="event",
                score=result.score,
                verdict=result.verdict,
                signals=list(result.connecting_keys),
                label=self.name,
            )
            rolodex = self.cog.bot.rolodex  # follow up with someone from the event
            offers = rolodex.offers(None, add=False) if rolodex is not None else None
        embed = discord.Embed(
            title=render("pitch/verdict_title", verdict=result.verdict, score=result.score),
            description=score_bar(result.score)
            + "\n\n"
            + render(
                "pitch/event_result",
                strongest=render(f"pitch/strength_{result.strongest}") if result.strongest else "",
                try_next=render(f"pitch/try_{result.try_next}") if result.try_next else "",
            ),
            colour=discord.Colour.from_str(COLOURS[result.verdict]),
        )
        embed.set_footer(text=render("pitch/event_title", name=self.name))
        await interaction.response.edit_message(embed=embed, view=offers)


class PitchCog(commands.Cog):
    pitchcheck = app_commands.Group(
        name="pitchcheck",
        description="Does it read as a pitch or as connecting? Private, kind feedback",
    )

    def __init__(self, bot: KindredBot) -> None:
        self.bot = bot
        self.context_menu = app_commands.ContextMenu(
            name="Spotted an elevator pitch?", callback=self.check_message
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.context_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.context_menu.name, type=self.context_menu.type)

    # -- shared -----------------------------------------------------------------------------

    async def _member(self, session: Any, interaction: discord.Interaction) -> Member | None:
        """The member row in this server (None in DMs, where results aren't stored)."""
        if interaction.guild is None:
            return None
        return await member_of(self.bot, session, interaction)

    async def record(self, interaction: discord.Interaction, **fields: Any) -> None:
        async with self.bot.db.session() as session:
            member = await self._member(session, interaction)
            if member is not None:
                await store.record_check(
                    session, member_id=member.id, now=self.bot.clock.now(), **fields
                )

    async def check_and_reply(
        self, interaction: discord.Interaction, text: str, *, kind: str
    ) -> None:
        text = clean(text)
        if not visible(text):
            raise UserFacingError("errors/check_empty")
        report = analyze(text[:MAX_TEXT])
        if report.judged and report.score is not None:
            # A text too short or not in English was not judged: nothing for the history.
            await self.record(
                interaction,
                kind=kind,
                score=report.score,
                verdict=report.verdict,
                signals=sorted({signal.kind for signal in report.signals}),
                excerpt=_excerpt(text),
            )
        await send_private(interaction, embed=report_embed(report, checked=text))

    # -- commands ---------------------------------------------------------------------------

    @pitchcheck.command(name="text", description="Check your own words: an intro, a message, a bio")
    @app_commands.describe(text="What you wrote (or are about to post)")
    async def check_text(
        self, interaction: discord.Interaction, text: app_commands.Range[str, 1, MAX_TEXT]
    ) -> None:
        await self.check_and_reply(interaction, text, kind="text")

    @pitchcheck.command(name="draft", description="Check a longer draft in a form")
    async def check_draft(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(DraftModal(self))

    async def check_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        if message.author.id != interaction.user.id:
            await send_private(interaction, render("pitch/not_your_message"))
            return
        if not visible(message.content):
            await send_private(interaction, render("pitch/empty_message"))
            return
        await self.check_and_reply(interaction, message.content, kind="message")

    @pitchcheck.command(name="event", description="A quick look back at how you connected")
    @app_commands.describe(name="Which event (optional)")
    async def check_event(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        view = EventCheckView(self, interaction.user.id, optional(name) or None)
        view.message_interaction = interaction
        await send_private(interaction, embed=view.embed(), view=view)

    @pitchcheck.command(name="history", description="Your recent self-checks and the trend")
    async def history(self, interaction: discord.Interaction) -> None:
        async with self.bot.db.session() as session:
            member = await self._member(session, interaction)
            charted = (
                await store.recent_checks(session, member.id, limit=CHART_SIZE) if member else []
            )
        checks = charted[:HISTORY_SIZE]
        scores = [check.score for check in reversed(checks)]
        embed = discord.Embed(
            title=render("pitch/history_title"),
            description=render(
                "pitch/history",
                checks=[
                    {
                        "day": check.created_at.date().isoformat(),
                        "kind": check.kind,
                        "label": check.label,
                        "score": check.score,
                        "verdict": check.verdict,
                        "excerpt": (check.excerpt or "")[:60],
                    }
                    for check in checks
                ],
                spark=sparkline(scores),
                trend=trend(scores),
            )[:4096],
            colour=discord.Colour.from_str("#7a9e7e"),
        )
        picture = None
        if charted:
            await defer_private(interaction)  # drawing may take a moment
            picture = await history_picture(charted)
        await send_private(interaction, embed=embed, file=picture.file() if picture else None)

    @pitchcheck.command(
        name="nudges", description="Private DMs about your introductions: on or off"
    )
    @app_commands.describe(setting="on or off")
    @app_commands.choices(
        setting=[
            app_commands.Choice(name="on", value="on"),
            app_commands.Choice(name="off", value="off"),
        ]
    )
    @app_commands.guild_only()
    async def nudges(
        self, interaction: discord.Interaction, setting: app_commands.Choice[str]
    ) -> None:
        async with self.bot.db.session() as session:
            member = await self._member(session, interaction)
            assert member is not None
            await store.set_nudges(session, member.id, on=setting.value == "on")
        await send_private(interaction, render("pitch/nudges", on=setting.value == "on"))

    # -- the introductions nudge --------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if (
            message.guild is None
            or message.author.bot
            or not self.bot.settings.message_content_intent
        ):
            return
        text = clean(message.content)
        if not visible(text):
            return
        async with self.bot.db.read() as session:
            community = await get_community(session, message.guild.id)
        if (
            community is None
            or not community.intro_nudges
            or community.intro_channel_id != message.channel.id
        ):
            return
        report = analyze(text[:MAX_TEXT])
        if report.verdict != "pitching" or report.score is None:
            return
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            member = await get_member(session, message.guild.id, message.author.id)
            if member is None:
                member = await ensure_member(session, message.guild.id, message.author.id, now=now)
            preference = await store.preference(session, member.id)
            if not preference.nudges:
                return
            if preference.last_nudged_at and now - preference.last_nudged_at < NUDGE_EVERY:
                return
            await store.note_nudged(session, preference, now=now)
            await store.record_check(
                session,
                member_id=member.id,
                kind="nudge",
                score=report.score,
                verdict=report.verdict,
                signals=sorted({signal.kind for signal in report.signals}),
                excerpt=_excerpt(text),
                now=now,
            )
            await enqueue(
                session,
                guild_id=message.guild.id,
                member_id=member.id,
                purpose="pitch_nudge",
                dedupe_key=f"pitch_nudge:{member.id}:{message.id}",
                payload={
                    "content": render(
                        "pitch/nudge_dm",
                        suggestion=(
                            suggestion_text(report.suggestions[0], escape_markdown)
                            if report.suggestions
                            else None
                        ),
                    )
                },
                due_at=now,
                now=now,
            )
        self.bot.courier.wake()


async def setup(bot: KindredBot) -> None:
    await bot.add_cog(PitchCog(bot))
