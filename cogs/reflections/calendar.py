"""The journal's picture: a calendar of the days she reflected, the last six months."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from coaching.insights import CALENDAR_WEEKS, reflection_calendar
from kindred.charts import Picture, calendar_chart, draw
from prompts import render
from storage.insights import reflected_days
from storage.rolodex import local_today

if TYPE_CHECKING:
    from kindred.bot import KindredBot
    from storage.models import Member


async def calendar_picture(bot: KindredBot, member: Member) -> Picture | None:
    """The calendar, or None before her first reflection in that time (nothing to show)."""
    async with bot.db.read() as session:
        today = await local_today(session, member, now=bot.clock.now())
        since = today - timedelta(weeks=CALENDAR_WEEKS)
        days = await reflected_days(session, member.id, since=since)
    cal = reflection_calendar(days, today)
    if not cal.days:
        return None
    months = render("reflections/calendar_months").split()
    latest = max(day for day in days if day <= today)
    latest_text = f"{latest.day} {months[latest.month - 1]}"
    return await draw(
        calendar_chart,
        render("reflections/calendar_title"),
        render("reflections/calendar_subtitle", days=cal.days),
        cal,
        render("reflections/calendar_weekdays").split(),
        {number: months[number - 1] for number in range(1, 13)},
        (
            render("reflections/calendar_legend", level=0),
            render("reflections/calendar_legend", level=1),
            render("reflections/calendar_legend", level=2),
        ),
        filename="reflection-calendar.png",
        description=render("reflections/calendar_alt", days=cal.days, latest=latest_text),
    )
