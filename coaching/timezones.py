"""Time zones as a member names them: a city (any of 15,000 people or more), a country with
one zone, an IANA name, or a common abbreviation (EST, CET) resolved to a city's zone so
daylight saving follows. Validation and "type a city" search for autocomplete."""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from coaching import places


class InvalidTimezone(ValueError):
    """The text is not a time zone we can settle on. `why` says which case ("unknown",
    "offset": a fixed offset that has no daylight saving, "ambiguous": an abbreviation or a
    country with several zones); `choices` are places she may mean."""

    def __init__(self, text: str, why: str = "unknown", choices: tuple[str, ...] = ()) -> None:
        super().__init__(text)
        self.text = text
        self.why = why
        self.choices = choices


@dataclass(frozen=True, slots=True)
class Resolved:
    key: str  # "America/New_York"
    # Said back to her when what she typed was not a place name: {"abbreviation": "EST",
    # "place": "New York"} means "I took EST to mean New York time".
    note: dict[str, str] = field(default_factory=dict)


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


# Abbreviations people type, and the city whose zone they usually mean (with its daylight
# saving). Ambiguous ones ("IST": India, Ireland or Israel) ask instead.
_ABBREVIATIONS: dict[str, tuple[str, str]] = {
    "est": ("America/New_York", "New York"), "edt": ("America/New_York", "New York"),
    "et": ("America/New_York", "New York"), "eastern": ("America/New_York", "New York"),
    "cst": ("America/Chicago", "Chicago"), "cdt": ("America/Chicago", "Chicago"),
    "ct": ("America/Chicago", "Chicago"), "central": ("America/Chicago", "Chicago"),
    "mst": ("America/Denver", "Denver"), "mdt": ("America/Denver", "Denver"),
    "mt": ("America/Denver", "Denver"), "mountain": ("America/Denver", "Denver"),
    "pst": ("America/Los_Angeles", "Los Angeles"), "pdt": ("America/Los_Angeles", "Los Angeles"),
    "pt": ("America/Los_Angeles", "Los Angeles"), "pacific": ("America/Los_Angeles", "Los Angeles"),
    "akst": ("America/Anchorage", "Anchorage"), "hst": ("Pacific/Honolulu", "Honolulu"),
    "bst": ("Europe/London", "London"), "wet": ("Europe/Lisbon", "Lisbon"),
    "cet": ("Europe/Berlin", "Berlin"), "cest": ("Europe/Berlin", "Berlin"),
    "eet": ("Europe/Athens", "Athens"), "eest": ("Europe/Athens", "Athens"),
    "msk": ("Europe/Moscow", "Moscow"), "wat": ("Africa/Lagos", "Lagos"),
    "cat": ("Africa/Maputo", "Maputo"), "eat": ("Africa/Nairobi", "Nairobi"),
    "sast": ("Africa/Johannesburg", "Johannesburg"), "pkt": ("Asia/Karachi", "Karachi"),
    "sgt": ("Asia/Singapore", "Singapore"), "hkt": ("Asia/Hong_Kong", "Hong Kong"),
    "jst": ("Asia/Tokyo", "Tokyo"), "kst": ("Asia/Seoul", "Seoul"),
    "aest": ("Australia/Sydney", "Sydney"), "aedt": ("Australia/Sydney", "Sydney"),
    "acst": ("Australia/Adelaide", "Adelaide"), "awst": ("Australia/Perth", "Perth"),
    "nzst": ("Pacific/Auckland", "Auckland"), "nzdt": ("Pacific/Auckland", "Auckland"),
    "brt": ("America/Sao_Paulo", "São Paulo"),
    "art": ("America/Argentina/Buenos_Aires", "Buenos Aires"),
}  # fmt: skip
_AMBIGUOUS = {
    "ist": ("Mumbai", "Dublin", "Jerusalem"),
    "ast": ("Halifax", "Riyadh", "San Juan"),
    "cst6cdt": ("Chicago",),
    "gmt": ("London", "Reykjavik", "Accra"),
}
# "GMT+1", "UTC -5", "+05:30": a fixed offset, which no place keeps all year round.
_OFFSET = re.compile(r"^(?:utc|gmt|z)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$")
_UTC = {"utc", "gmt+0", "gmt-0", "utc+0", "utc-0", "z", "zulu", "etc/utc", "universal"}


def parse_timezone(text: str) -> zoneinfo.ZoneInfo:
    """The zone a member means: see `resolve_timezone`."""
    return zoneinfo.ZoneInfo(resolve_timezone(text).key)


def resolve_timezone(text: str, now: datetime | None = None) -> Resolved:
    """A city ("mumbai", "San Francisco", "portland, us"), a country with one zone ("India"),
    an IANA name ("Europe/Berlin"), an abbreviation (EST), or "UTC". Raises InvalidTimezone
    saying why, with places she may mean, for anything else."""
    cleaned = " ".join(text.strip().split())
    if not cleaned or len(cleaned) > 64:
        raise InvalidTimezone(text)
    lowered = cleaned.lower()
    if lowered in _UTC:
        return Resolved("UTC")
    key = _keys_by_lower().get(lowered.replace(" ", "_"))
    if key is not None and not _is_legacy(key):
        return Resolved(key)
    if lowered in _ABBREVIATIONS:
        zone, city = _ABBREVIATIONS[lowered]
        return Resolved(zone, {"abbreviation": cleaned, "place": city})
    if lowered in _AMBIGUOUS:
        raise InvalidTimezone(text, "ambiguous", _AMBIGUOUS[lowered])
    offset = _OFFSET.match(lowered)
    if offset:
        raise InvalidTimezone(text, "offset", _places_at(offset, now or _REFERENCE))
    found = places.find(cleaned, limit=1, exact=True)
    if found:
        return Resolved(found[0].zone)
    country = places.country(cleaned)
    if country is not None:
        name, zones = country
        if len(zones) == 1:
            return Resolved(zones[0])
        biggest = [p.label for p in _biggest_in(name, 4)]
        raise InvalidTimezone(text, "ambiguous", tuple(biggest))
    city = _keys_by_city().get(lowered.replace("_", " "))
    if city is not None:
        return Resolved(city)
    # The start of a name ("bangalor", "new yor"): the biggest place it can be.
    found = places.find(cleaned, limit=1)
    if found and len(places.fold(cleaned)) >= 4:
        return Resolved(found[0].zone)
    # A typo: places that start like the last part of it ("Europe/Berln" -> "Ber...").
    start = cleaned.rsplit("/", 1)[-1].replace("_", " ")[:3]
    raise InvalidTimezone(text, "unknown", tuple(p.label for p in places.find(start, 3)))


# Offsets are compared at this instant unless the caller says when (a winter day: standard
# time in the north).
_REFERENCE = datetime(2026, 1, 15, 12, tzinfo=UTC)


def _places_at(match: re.Match[str], now: datetime) -> tuple[str, ...]:
    sign = -1 if match.group(1) == "-" else 1
    wanted = sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
    seen: set[str] = set()
    out: list[str] = []
    for place in places.gazetteer().places:
        if place.zone in seen:
            continue
        seen.add(place.zone)
        if now.astimezone(zoneinfo.ZoneInfo(place.zone)).utcoffset() == wanted:
            out.append(place.label)
            if len(out) == 3:
                break
    return tuple(out)


def _biggest_in(country: str, count: int) -> list[places.Place]:
    out: list[places.Place] = []
    zones: set[str] = set()
    for place in places.gazetteer().places:
        if place.country == country and place.zone not in zones:
            zones.add(place.zone)
            out.append(place)
            if len(out) == count:
                break
    return out


def _is_legacy(key: str) -> bool:
    """Names like "EST", "CET", "Etc/GMT+5": fixed offsets or old aliases, not places."""
    return key.startswith(("Etc/", "SystemV/")) or ("/" not in key and key != "UTC")


def search_timezones(query: str, limit: int = 25) -> list[ZoneEntry]:
    """What to offer as she types, best first: cities (most populous first), then zone
    names. The value is always the IANA name, the label says the place."""
    needle = " ".join(query.strip().lower().replace("_", " ").replace("/", " ").split())
    entries = zone_entries()
    if not needle:
        popular = [e for e in entries if e.key in _POPULAR]
        return sorted(popular, key=lambda e: _POPULAR.index(e.key))[:limit]
    out: list[ZoneEntry] = []
    for place in places.find(query, limit=limit):
        out.append(ZoneEntry(key=place.zone, label=f"{place.label} ({place.zone})", search=""))
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
    out += [entry for _, _, entry in ranked]
    return out[:limit]


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
