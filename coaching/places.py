"""Places a member might type for her time zone: any city of 15,000 people or more, its
other well-known names ("Bombay", "Bangalore"), and countries.

The data is GeoNames (https://www.geonames.org, CC BY 4.0), reduced by tools/build_places.py
to coaching/data/places.json.gz. It is read on first use (about 40 ms), not at start-up.
"""

from __future__ import annotations

import functools
import gzip
import json
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "places.json.gz"


@dataclass(frozen=True, slots=True)
class Place:
    name: str  # "Mumbai"
    country: str  # "India"
    population: int
    zone: str  # "Asia/Kolkata"

    @property
    def label(self) -> str:
        return f"{self.name}, {self.country}"


@dataclass(frozen=True, slots=True)
class Gazetteer:
    places: tuple[Place, ...]  # most populous first
    # Every name a place answers to, folded, sorted: (name, index in places, 0 for its own
    # name or 1 for another). A prefix is a range found by bisection.
    names: tuple[tuple[str, int, int], ...]
    countries: dict[str, tuple[str, tuple[str, ...]]]  # folded name or code -> (name, zones)


def fold(text: str) -> str:
    """Lower case, accents and punctuation gone: "São Paulo" and "sao-paulo" are "sao paulo"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


@functools.cache
def gazetteer() -> Gazetteer:
    raw = json.loads(gzip.decompress(DATA.read_bytes()))
    zones: list[str] = raw["zones"]
    country_names: dict[str, str] = raw["countries"]
    places: list[Place] = []
    names: list[tuple[str, int, int]] = []
    zones_of: dict[str, set[str]] = {}
    for index, (name, code, population, zone, others) in enumerate(raw["cities"]):
        places.append(Place(name, country_names.get(code, code), population, zones[zone]))
        zones_of.setdefault(code, set()).add(zones[zone])
        own = fold(name)
        names.append((own, index, 0))
        for other in {fold(other) for other in others} - {own}:
            if other:
                names.append((other, index, 1))
    names.sort()
    countries: dict[str, tuple[str, tuple[str, ...]]] = {}
    for code, name in country_names.items():
        entry = (name, tuple(sorted(zones_of.get(code, ()))))
        countries[fold(name)] = entry
        countries[code.lower()] = entry
    return Gazetteer(tuple(places), tuple(names), countries)


def find(text: str, limit: int = 10, *, exact: bool = False) -> list[Place]:
    """Places called what was typed, then (unless `exact`) places whose name starts with it:
    own names before other names, most populous first. "portland, us" narrows to a country."""
    book = gazetteer()
    wanted, _, country = text.partition(",")
    needle = fold(wanted)
    if not needle:
        return []
    start = bisect_left(book.names, (needle, -1, -1))
    ranked: list[tuple[int, int, int]] = []  # (how good, population rank, index)
    for name, index, other in book.names[start:]:
        if not name.startswith(needle):
            break
        if name == needle:
            ranked.append((other, index, index))
        elif not exact:
            ranked.append((2 + other, index, index))
    if country.strip():
        entry = book.countries.get(fold(country))
        if entry is None:
            return []
        ranked = [r for r in ranked if book.places[r[2]].country == entry[0]]
    out: list[Place] = []
    seen: set[int] = set()
    for _, _, index in sorted(ranked):
        if index not in seen:
            seen.add(index)
            out.append(book.places[index])
            if len(out) == limit:
                break
    return out


def country(text: str) -> tuple[str, tuple[str, ...]] | None:
    """A country by name or two-letter code: its name and the zones its cities are in."""
    return gazetteer().countries.get(fold(text))
