"""Pictures of a community getting closer, and of a member's own progress: the rules.

Organizers see counts over the last weeks, never names, never what anyone wrote, never a
figure about one member. Every figure says how many members it is drawn from, and any
figure drawn from fewer than `MIN_MEMBERS` is hidden (its value becomes None and its panel
says so), so nobody can be picked out of a small number.

A panel is one small picture: bars per period (stacked by kind), a share per period, or the
parts of a whole. Each data source (reflections, thanks, referrals; coffee pairs,
introductions, event look-backs) turns its tallies into one `Panel` with a
function here; `storage.insights.SOURCES` lists them in the order they are drawn.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from coaching.pitch import CONNECTING_FROM, PITCHING_BELOW
from coaching.rolodex import touch_due_on

MIN_MEMBERS = 5
WEEK_CHOICES = (4, 12, 52)
DEFAULT_WEEKS = 12
# Past twelve weeks a bar a week gets thin and often hidden: a year is drawn in 4-week bars.
LONG_BUCKET_DAYS = 28
THANKS_KINDS = ("referral", "introduction", "advice", "support", "other")
REFERRAL_PARTS = ("client", "met", "not_fit", "open")  # "open": nobody said yet
MONTHLY_HOUR = 9  # the monthly picture goes out on the 1st at 09:00 community time
MONTHLY_WEEKS = 4

Style = Literal["bars", "share", "parts"]


def hidden(members: int) -> bool:
    """The small-numbers rule: a figure drawn from fewer than five members is not shown."""
    return members < MIN_MEMBERS


@dataclass(frozen=True, slots=True)
class Window:
    """The last `weeks` weeks up to `end`, in periods of `bucket_days` (oldest first)."""

    end: datetime
    weeks: int
    bucket_days: int

    @property
    def start(self) -> datetime:
        return self.end - timedelta(weeks=self.weeks)

    @property
    def buckets(self) -> tuple[tuple[datetime, datetime], ...]:
        size = timedelta(days=self.bucket_days)
        count = self.weeks * 7 // self.bucket_days
        return tuple(
            (self.end - size * (count - i), self.end - size * (count - i - 1)) for i in range(count)
        )

    def bucket_of(self, instant: datetime) -> int | None:
        """The period `instant` falls in, or None outside the window."""
        if not self.start <= instant < self.end:
            return None
        return int((instant - self.start) / timedelta(days=self.bucket_days))


def window(now: datetime, weeks: int) -> Window:
    if weeks not in WEEK_CHOICES:
        raise ValueError(f"weeks must be one of {WEEK_CHOICES}")
    return Window(end=now, weeks=weeks, bucket_days=LONG_BUCKET_DAYS if weeks > 12 else 7)


@dataclass(frozen=True, slots=True)
class Tally:
    """A count and how many different members it is drawn from."""

    count: int = 0
    members: int = 0


@dataclass(frozen=True, slots=True)
class Panel:
    """One picture of the whole. `values` is per period and series for "bars", per period
    (a share 0-1, in the first place) for "share", and one row of parts for "parts"; None is
    a figure hidden by the small-numbers rule. `facts` feed the text lines and the alt text
    (hidden ones are None too)."""

    key: str
    style: Style
    series: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]
    hidden: bool
    facts: Mapping[str, int | float | str | None] = field(default_factory=dict)

    @property
    def some_hidden(self) -> bool:
        """Some period is hidden though the panel as a whole is shown."""
        return not self.hidden and any(v is None for row in self.values for v in row)


def reflections_panel(
    win: Window, opted_in: int, periods: Sequence[tuple[Tally, int]], reached: int
) -> Panel:
    """The share of daily prompts answered per period. `periods` holds, per period, the
    prompts sent (with how many members they went to) and how many were answered;
    `reached` is how many members got a prompt in the whole window."""
    panel_hidden = hidden(reached)
    values = tuple(
        (None if panel_hidden or hidden(sent.members) or not sent.count else answered / sent.count,)
        for sent, answered in periods
    )
    sent_total = sum(sent.count for sent, _ in periods)
    answered_total = sum(answered for _, answered in periods)
    return Panel(
        key="reflections",
        style="share",
        series=("answered",),
        values=values,
        hidden=panel_hidden,
        facts={
            "opted_in": None if hidden(opted_in) else opted_in,
            "share": None if panel_hidden or not sent_total else answered_total / sent_total,
        },
    )


def thanks_panel(
    win: Window,
    by_kind: Mapping[tuple[int, str], int],
    givers: Sequence[int],
    givers_total: int,
) -> Panel:
    """Thank-yous given per period, stacked by kind. `by_kind` counts (period, kind);
    `givers` is how many members gave thanks in each period."""
    rows = []
    for period in range(len(win.buckets)):
        if hidden(givers[period] if period < len(givers) else 0):
            rows.append(tuple(None for _ in THANKS_KINDS))
        else:
            rows.append(tuple(float(by_kind.get((period, kind), 0)) for kind in THANKS_KINDS))
    total = sum(by_kind.values())
    kinds = {kind: sum(c for (_, k), c in by_kind.items() if k == kind) for kind in THANKS_KINDS}
    top = max(THANKS_KINDS, key=lambda kind: kinds[kind]) if total else None
    panel_hidden = hidden(givers_total)
    return Panel(
        key="thanks",
        style="bars",
        series=THANKS_KINDS,
        values=tuple((None,) * len(THANKS_KINDS) for _ in rows) if panel_hidden else tuple(rows),
        hidden=panel_hidden,
        facts={
            "total": None if panel_hidden else total,
            "givers": None if panel_hidden else givers_total,
            "top_kind": None if panel_hidden else top,
        },
    )


def referrals_panel(outcomes: Mapping[str | None, int], members: int) -> Panel:
    """What came of referral thank-yous in the window: became a client, met, not a fit, or
    nobody said yet. `members` is how many members the outcomes are drawn from."""
    counts = {part: 0 for part in REFERRAL_PARTS}
    for outcome, count in outcomes.items():
        counts[outcome if outcome in counts else "open"] += count
    panel_hidden = hidden(members)
    total = sum(counts.values())
    return Panel(
        key="referrals",
        style="parts",
        series=REFERRAL_PARTS,
        values=(tuple(None if panel_hidden else float(counts[p]) for p in REFERRAL_PARTS),),
        hidden=panel_hidden,
        facts={
            "total": None if panel_hidden else total,
            **{part: None if panel_hidden else counts[part] for part in REFERRAL_PARTS},
        },
    )


MEETING_SERIES = ("pairs", "introductions")
EVENT_SERIES = ("debriefs", "connections")


def _counted_pairs(
    key: str,
    series: tuple[str, str],
    per_period: Sequence[tuple[int, int, int]],
    members_total: int,
    extra: Mapping[str, float | None] | None = None,
) -> Panel:
    """Bars of two counts per period; `per_period` holds (first, second, members behind
    them). Totals of each count are the facts, with `extra` ones."""
    panel_hidden = hidden(members_total)
    rows = tuple(
        (None, None) if panel_hidden or hidden(members) else (float(first), float(second))
        for first, second, members in per_period
    )
    totals = (sum(f for f, _, _ in per_period), sum(s for _, s, _ in per_period))
    facts: dict[str, int | float | str | None] = {
        name: None if panel_hidden else total for name, total in zip(series, totals, strict=True)
    }
    for name, value in (extra or {}).items():
        facts[name] = None if panel_hidden else value
    return Panel(
        key=key, style="bars", series=series, values=rows, hidden=panel_hidden, facts=facts
    )


def meeting_panel(
    win: Window,
    per_period: Sequence[tuple[int, int, int]],
    members_total: int,
    met_share: float | None,
) -> Panel:
    """Coffee groups made and introductions accepted per period. `per_period` holds, per
    period, (groups made by rounds, introductions accepted, members in either);
    `met_share` is the share of round groups in which someone said "We met"."""
    return _counted_pairs(
        "meeting", MEETING_SERIES, per_period, members_total, {"met_share": met_share}
    )


def events_panel(
    win: Window, per_period: Sequence[tuple[int, int, int]], members_total: int
) -> Panel:
    """Look-backs after events and connections noted ("Who did you meet?") per period.
    `per_period` holds (look-backs, connections noted, members who looked back)."""
    return _counted_pairs("events", EVENT_SERIES, per_period, members_total)


def period_starts(win: Window, zone: str) -> list[date]:
    """The first local day of each period, for the axis."""
    tz = ZoneInfo(zone)
    return [start.astimezone(tz).date() for start, _ in win.buckets]


def next_monthly(after: datetime, zone: str) -> datetime:
    """The 1st of the month after `after`'s local month, at MONTHLY_HOUR local, in UTC."""
    tz = ZoneInfo(zone)
    local = after.astimezone(tz)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    # 09:00 exists on every day in every zone (changes happen at night).
    return datetime.combine(date(year, month, 1), time(MONTHLY_HOUR), tz).astimezone(after.tzinfo)


def monthly_key(member_id: int, due_at: datetime, zone: str) -> str:
    """The outbox key of one monthly picture: one per organizer and local month."""
    local = due_at.astimezone(ZoneInfo(zone))
    return f"insights_monthly:{member_id}:{local:%Y-%m}"


# ------------------------------------------------------------------------ members' pictures

# The pitch check's verdict bands on its 0-100 score: (verdict, from, below).
PITCH_BANDS: tuple[tuple[str, int, int], ...] = (
    ("pitching", 0, PITCHING_BELOW),
    ("balanced", PITCHING_BELOW, CONNECTING_FROM),
    ("connecting", CONNECTING_FROM, 101),
)
CALENDAR_WEEKS = 26


@dataclass(frozen=True, slots=True)
class Calendar:
    """Days reflected in the last weeks: `grid[weekday][week]` is how many reflections that
    day (None after today); weeks start on Monday, oldest first."""

    first_monday: date
    grid: tuple[tuple[int | None, ...], ...]
    days: int  # days with a reflection in the calendar
    month_starts: tuple[tuple[int, int], ...]  # (week column, month number) where a month begins


def reflection_calendar(
    reflected_on: Iterable[date], today: date, *, weeks: int = CALENDAR_WEEKS
) -> Calendar:
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    counts: dict[date, int] = {}
    for day in reflected_on:
        if first <= day <= today:
            counts[day] = counts.get(day, 0) + 1
    grid = tuple(
        tuple(
            None
            if (day := first + timedelta(weeks=week, days=weekday)) > today
            else counts.get(day, 0)
            for week in range(weeks)
        )
        for weekday in range(7)
    )
    starts: list[tuple[int, int]] = []
    for week in range(weeks):
        monday = first + timedelta(weeks=week)
        sunday = monday + timedelta(days=6)
        if sunday.day <= 7:  # the 1st of a month falls in this week
            starts.append((week, sunday.month))
    if not starts or starts[0][0] >= 3:
        # The first month's name too, where it has room before the next one.
        starts.insert(0, (0, first.month))
    return Calendar(first, grid, days=len(counts), month_starts=tuple(starts))


def month_name(month: int) -> str:
    return _calendar.month_abbr[month]


@dataclass(frozen=True, slots=True)
class RolodexFacts:
    """What the overview needs of one entry (no notes: the picture never shows them)."""

    name: str
    know: bool
    like: bool
    trust: bool
    cadence_days: int | None
    last_touch_on: date | None
    created_on: date


@dataclass(frozen=True, slots=True)
class RolodexOverview:
    people: int
    know: int
    like: int
    trust: int
    on_track: int  # a stay-in-touch rhythm, not yet due
    drifting: tuple[tuple[str, int], ...]  # (name, days past due), most overdue first
    no_rhythm: int


def rolodex_overview(entries: Sequence[RolodexFacts], today: date) -> RolodexOverview:
    drifting: list[tuple[str, int]] = []
    on_track = no_rhythm = 0
    for entry in entries:
        due = touch_due_on(entry.last_touch_on or entry.created_on, entry.cadence_days)
        if due is None:
            no_rhythm += 1
        elif due <= today:
            drifting.append((entry.name, (today - due).days))
        else:
            on_track += 1
    drifting.sort(key=lambda item: (-item[1], item[0].casefold()))
    return RolodexOverview(
        people=len(entries),
        know=sum(e.know for e in entries),
        like=sum(e.like for e in entries),
        trust=sum(e.trust for e in entries),
        on_track=on_track,
        drifting=tuple(drifting),
        no_rhythm=no_rhythm,
    )
