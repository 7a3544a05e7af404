"""IANA time zones: validation and "type a city" search for autocomplete."""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass


class InvalidTimezone(ValueError):
    """The text is not a time zone we know."""


@dataclass(frozen=True, slots=True)
class ZoneEntry:
    key: str  # "America/New_York"
    label: str  # "New York (America)"
    search: str  # lower-case words a member might type


def _label(key: str) -> str:
    parts = key.split("/")
    city = parts[-1].replace("_", " ")
    if len(parts) == 1:
        return city
    region = " / ".join(p.replace("_", " ") for p in parts[:-1])
    return f"{city} ({region})"


@functools.cache
def zone_entries() -> tuple[ZoneEntry, ...]:
    """Every canonical zone tzdata ships, sorted by name.

    Legacy aliases (US/Eastern, Etc/GMT+5 ...) are left out of search because their names
    confuse more than help (Etc/GMT+5 is five hours *behind*), but they still validate.
    """
    entries = []
    for key in sorted(zoneinfo.available_timezones()):
        if key.startswith(("Etc/", "SystemV/", "US/", "posix", "right")) and key != "Etc/UTC":
            continue
        if "/" not in key and key not in ("UTC",):
            continue
        words = key.lower().replace("_", " ").replace("/", " ")
        entries.append(ZoneEntry(key=key, label=_label(key), search=words))
    return tuple(entries)


@functools.cache
def _keys_by_lower() -> dict[str, str]:
    return {key.lower(): key for key in zoneinfo.available_timezones()}


@functools.cache
def _keys_by_city() -> dict[str, str]:
    cities: dict[str, str] = {}
    for entry in zone_entries():
        city = entry.key.rsplit("/", 1)[-1].replace("_", " ").lower()
        cities.setdefault(city, entry.key)
    return cities


def parse_timezone(text: str) -> zoneinfo.ZoneInfo:
    """Resolve an IANA name (any case) or a city name ("berlin", "new york")."""
    cleaned = " ".join(text.strip().split())
    if not cleaned or len(cleaned) > 64:
        raise InvalidTimezone(text)
    key = _keys_by_lower().get(cleaned.lower().replace(" ", "_"))
    if key is None:
        key = _keys_by_city().get(cleaned.lower().replace("_", " "))
    if key is None:
        raise InvalidTimezone(text)
    try:
        return zoneinfo.ZoneInfo(key)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidTimezone(text) from exc


def search_timezones(query: str, limit: int = 25) -> list[ZoneEntry]:
    """Zones matching what a member typed, best first: city prefix, word prefix, substring."""
    needle = " ".join(query.strip().lower().replace("_", " ").replace("/", " ").split())
    entries = zone_entries()
    if not needle:
        popular = [e for e in entries if e.key in _POPULAR]
        return sorted(popular, key=lambda e: _POPULAR.index(e.key))[:limit]
    ranked: list[tuple[int, str, ZoneEntry]] = []
    for entry in entries:
        city = entry.key.rsplit("/", 1)[-1].replace("_", " ").lower()
        if city.startswith(needle):
            rank = 0
        elif any(word.startswith(needle) for word in entry.search.split()):
            rank = 1
        elif needle in entry.search:
            rank = 2
        else:
            continue
        ranked.append((rank, entry.key, entry))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [entry for _, _, entry in ranked[:limit]]


# Shown before a member types anything: a spread of the zones most members live in.
_POPULAR = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Sao_Paulo",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
]
