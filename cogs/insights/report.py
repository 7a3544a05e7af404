"""The community picture: the panels of every source, their words, the chart, the alt text.

Shared by `/insights` and the monthly DM, so both show the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from coaching.insights import Panel, period_starts, window
from kindred.charts import PanelWords, Picture, community_chart, draw
from prompts import render
from storage import insights as store

if TYPE_CHECKING:
    from kindred.bot import KindredBot

FILENAME = "community-insights.png"


@dataclass(frozen=True, slots=True)
class Report:
    lines: list[str]  # one per panel, for the message under the picture
    any_hidden: bool  # some figure was hidden by the small-numbers rule
    picture: Picture


def _words(panel: Panel, bucket_days: int) -> PanelWords:
    return PanelWords(
        panel=panel,
        title=render(f"insights/{panel.key}_title", bucket_days=bucket_days),
        series=tuple(render(f"insights/{panel.key}_series", key=key) for key in panel.series),
        hidden_note=render("insights/hidden_panel"),
        hidden_period=render("insights/hidden_period"),
    )


def _alt(panel: Panel, period: str) -> str:
    shown = [v for row in panel.values for v in row if v is not None]
    hidden_periods = sum(1 for row in panel.values if all(v is None for v in row))
    return render(
        f"insights/{panel.key}_alt",
        panel=panel,
        facts=panel.facts,
        shown=shown,
        hidden_periods=0 if panel.hidden else hidden_periods,
        period=period,
    )


async def community_report(
    bot: KindredBot, guild_id: int, community: str, zone: str, weeks: int
) -> Report:
    """The last `weeks` weeks of the community, counted, hidden where small, and drawn."""
    win = window(bot.clock.now(), weeks)
    async with bot.db.read(offload=True) as session:
        panels = await store.community_panels(session, guild_id, win)
    period = render("insights/period", bucket_days=win.bucket_days)
    picture = await draw(
        community_chart,
        render("insights/title", community=community, weeks=weeks),
        render("insights/subtitle"),
        period_starts(win, zone),
        [_words(panel, win.bucket_days) for panel in panels],
        filename=FILENAME,
        description=render(
            "insights/alt",
            community=community,
            weeks=weeks,
            parts=[_alt(panel, period) for panel in panels],
        ),
    )
    return Report(
        lines=[
            render(f"insights/{panel.key}_line", panel=panel, facts=panel.facts) for panel in panels
        ],
        any_hidden=any(panel.hidden or panel.some_hidden for panel in panels),
        picture=picture,
    )
