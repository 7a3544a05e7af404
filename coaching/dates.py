"""Dates as members type them: "2026-12-01", "31.12", "12/25/2026" (month first only when it
must be), "3d", "2w", "tomorrow" (and "tmrw"), "friday", "the weekend", "end of month", and
phrases: "in two weeks", "a fortnight", "next month", "12 December", "dec 12", "the 15th".

The short forms are read here (they are formats, and fast); phrases go to `dateparser`
(https://github.com/scrapinghub/dateparser), a maintained library for dates as people write
them, read in English, day before month, and towards the future. It is imported on first use
(its language data takes a tenth of a second to load once), so the bot starts without it.
See docs/places-and-dates.md for the choice.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta


class InvalidDate(ValueError):
    """The text is not a date we understand."""


class DateOutOfRange(InvalidDate):
    """A real date, but further ahead (or back) than anything Kindred plans or notes."""

    def __init__(self, text: str, *, day: date, earliest: date, latest: date) -> None:
        super().__init__(text)
        self.day = day
        self.earliest = earliest
        self.latest = latest


WEEKDAYS = {
    "mon": 0, "monday": 0,
    "tue": 1, "tues": 1, "tuesday": 1,
    "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}  # fmt: skip

_RELATIVE = re.compile(r"^(?:in\s+)?(\d{1,3})\s*(d|day|days|w|wk|week|weeks|m|mo|month|months)$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})[./](\d{1,2})(?:[./](\d{4}))?\.?$")
_TOMORROW = frozenset({"tomorrow", "tmrw", "tmr", "tomorow", "tommorow", "tommorrow"})
_WEEKEND = frozenset({"weekend", "the weekend", "this weekend", "at the weekend", "on the weekend"})
_MONTH_END = frozenset({"end of month", "end of the month", "month end", "eom"})
# Every date a member types lies within these bounds: a follow-up, a pause or a quiet day
# further ahead is almost surely a typo (and 9999-12-31 has no next day to compute), and a
# touchpoint further back is one.
YEARS_AHEAD = 3
YEARS_BACK = 50


def date_bounds(today: date) -> tuple[date, date]:
    """The earliest and latest dates a member may type, seen from `today`."""
    return _add_months(today, -12 * YEARS_BACK), _add_months(today, 12 * YEARS_AHEAD)


def parse_date(text: str, today: date) -> date:
    """A calendar date relative to `today` (the member's local date), within `date_bounds`
    (else DateOutOfRange). Past dates are allowed here; callers decide whether the past makes
    sense."""
    result = _parse(text, today)
    earliest, latest = date_bounds(today)
    if not earliest <= result <= latest:
        raise DateOutOfRange(text, day=result, earliest=earliest, latest=latest)
    return result


def _parse(text: str, today: date) -> date:
    cleaned = " ".join((text or "").strip().lower().split())
    if not cleaned:
        raise InvalidDate(text)
    if cleaned == "today":
        return today
    if cleaned in _TOMORROW:
        return today + timedelta(days=1)
    if cleaned in _WEEKEND:  # its Saturday; today when it is Saturday or Sunday
        return today if today.weekday() >= 5 else today + timedelta(days=5 - today.weekday())
    if cleaned in _MONTH_END:
        return _add_months(today.replace(day=1), 1) - timedelta(days=1)
    if cleaned == "next week":
        return today + timedelta(days=7 - today.weekday())  # next Monday
    if cleaned == "next month":
        return _add_months(today, 1)
    match = _RELATIVE.match(cleaned)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        if unit.startswith("d"):
            return today + timedelta(days=amount)
        if unit.startswith("w"):
            return today + timedelta(weeks=amount)
        return _add_months(today, amount)
    weekday = WEEKDAYS.get(cleaned.removeprefix("next ").removeprefix("this "))
    if weekday is not None:
        ahead = (weekday - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    match = _ISO.match(cleaned)
    if match:
        return _checked(int(match.group(1)), int(match.group(2)), int(match.group(3)), text)
    match = _DAY_MONTH.match(cleaned)
    if match:
        # Day first, as most of the world writes it; 31.12 and 31/12 both work. Month first
        # only when it can't be anything else ("12/25/2026").
        day, month = int(match.group(1)), int(match.group(2))
        if month > 12 >= day:
            day, month = month, day
        year = int(match.group(3)) if match.group(3) else today.year
        result = _checked(year, month, day, text)
        if not match.group(3) and result < today:
            result = _checked(year + 1, month, day, text)
        return result
    found = _phrase(cleaned, today)
    if found is None:
        raise InvalidDate(text)
    return found


# Plain digits and punctuation that dateparser would read as some date ("42", "1/2/3/4"):
# only the forms above may be all digits.
_NOT_A_PHRASE = re.compile(r"^[\d\s./:-]+$")


def _phrase(cleaned: str, today: date) -> date | None:
    """A date written in words, by dateparser; None when it reads none."""
    if len(cleaned) > 40 or _NOT_A_PHRASE.match(cleaned):
        return None
    import dateparser  # a few megabytes of language data: only when a phrase comes

    found = dateparser.parse(
        cleaned,
        languages=["en"],
        settings={
            "RELATIVE_BASE": datetime.combine(today, time(12)),
            "PREFER_DATES_FROM": "future",
            "DATE_ORDER": "DMY",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    if found is None:
        return None
    day = found.date()
    if day < today and not _PAST.search(cleaned) and not _YEAR.search(cleaned):
        # "the 15th" or "1 March" already gone this month or year: the next one, as for
        # "31.12" above (dateparser's preference for the future misses these).
        day = _add_months(day, 12 if _MONTH_NAME.search(cleaned) else 1)
    return day


_PAST = re.compile(r"\b(?:ago|last|yesterday|before|past|previous)\b")
_YEAR = re.compile(r"\b\d{4}\b")
_MONTH_NAME = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b")


def _checked(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidDate(text) from None


def _add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")
