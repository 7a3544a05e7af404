"""Times of day as members type them: "09:00", "9", "8am", "8:30 pm", "20h15", "21h",
"9p", "noon"; full-width digits and colons ("９：３０") read as their plain forms."""

from __future__ import annotations

import re
import unicodedata
from datetime import time


class InvalidTime(ValueError):
    """The text is not a time of day."""


_TIME = re.compile(
    r"^\s*(?P<hour>\d{1,2})(?:\s*[:.h]\s*(?P<minute>\d{2})|\s*h)?"
    r"\s*(?P<ampm>[ap]\.?(?:\s*m\.?)?)?\s*$",
    re.IGNORECASE,
)


_NAMED = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}


def parse_time_of_day(text: str) -> time:
    text = unicodedata.normalize("NFKC", text or "")
    named = _NAMED.get(" ".join((text or "").lower().split()).removesuffix("."))
    if named is not None:
        return named
    match = _TIME.match(text or "")
    if not match:
        raise InvalidTime(text)
    hour = int(match.group("hour"))
    minute = int(match.group("minute") or 0)
    ampm = (match.group("ampm") or "").lower().replace(".", "").replace(" ", "")[:1]
    if ampm:
        if not 1 <= hour <= 12:
            raise InvalidTime(text)
        hour = hour % 12 + (12 if ampm == "p" else 0)
    elif match.group("minute") is None and len(match.group("hour")) > 2:
        raise InvalidTime(text)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise InvalidTime(text)
    return time(hour, minute)


def format_time_of_day(value: time) -> str:
    return value.strftime("%H:%M")
