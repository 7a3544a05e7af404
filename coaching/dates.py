"""Dates as members type them: "2026-12-01", "3d", "2w", "tomorrow", "next week", "friday"."""

from __future__ import annotations

import re
from datetime import date, timedelta


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
_DAY_MONTH = re.compile(r"^(\d{1,2})[./](\d{1,2})(?:[./](\d{4}))?$")
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
    if cleaned == "tomorrow":
        return today + timedelta(days=1)
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
        # Day first, as most of the world writes it; 31.12 and 31/12 both work.
        day, month = int(match.group(1)), int(match.group(2))
        year = int(match.group(3)) if match.group(3) else today.year
        result = _checked(year, month, day, text)
        if not match.group(3) and result < today:
            result = _checked(year + 1, month, day, text)
        return result
    raise InvalidDate(text)


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
