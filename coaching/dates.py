"""Dates as members type them: "2026-12-01", "3d", "2w", "tomorrow", "next week", "friday"."""

from __future__ import annotations

import re
from datetime import date, timedelta


class InvalidDate(ValueError):
    """The text is not a date we understand."""


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
MAX_DAYS_AHEAD = 366


def parse_date(text: str, today: date) -> date:
    """A calendar date relative to `today` (the member's local date). Past dates are allowed
    here; callers decide whether the past makes sense."""
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
            result = today + timedelta(days=amount)
        elif unit.startswith("w"):
            result = today + timedelta(weeks=amount)
        else:
            result = _add_months(today, amount)
        if (result - today).days > MAX_DAYS_AHEAD:
            raise InvalidDate(text)
        return result
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
