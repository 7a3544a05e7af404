"""`/rolodex overview`: how many people she knows, likes and trusts, and who is drifting.

The picture holds counts only; the drifting names are in the private reply's text, where
only she reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from coaching.insights import RolodexFacts, rolodex_overview
from kindred.charts import Picture, draw, rolodex_chart
from prompts import render

if TYPE_CHECKING:
    from storage.models import RolodexEntry

DRIFTING_NAMED = 5


async def overview_reply(
    entries: Sequence[RolodexEntry], today: date
) -> tuple[str, Picture | None]:
    """The reply's text and its picture (None for an empty Rolodex)."""
    overview = rolodex_overview(
        [
            RolodexFacts(
                name=e.name,
                know=e.know,
                like=e.like,
                trust=e.trust,
                cadence_days=e.cadence_days,
                last_touch_on=e.last_touch_on,
                created_on=e.created_at.date(),
            )
            for e in entries
        ],
        today,
    )
    text = render(
        "rolodex/overview",
        overview=overview,
        drifting=overview.drifting[:DRIFTING_NAMED],
        more=max(0, len(overview.drifting) - DRIFTING_NAMED),
    )
    if not overview.people:
        return text, None
    picture = await draw(
        rolodex_chart,
        render("rolodex/overview_title"),
        render("rolodex/overview_subtitle"),
        overview,
        (
            render("rolodex/overview_circles", circle="people"),
            render("rolodex/overview_circles", circle="know"),
            render("rolodex/overview_circles", circle="like"),
            render("rolodex/overview_circles", circle="trust"),
        ),
        (
            render("rolodex/overview_rhythm", part="on_track"),
            render("rolodex/overview_rhythm", part="drifting"),
            render("rolodex/overview_rhythm", part="none"),
        ),
        render("rolodex/overview_rhythm", part="title"),
        filename="rolodex-overview.png",
        description=render("rolodex/overview_alt", overview=overview),
    )
    return text, picture
