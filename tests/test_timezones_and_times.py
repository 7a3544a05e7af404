"""Time zone search/validation and times of day, as members type them."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.times import InvalidTime, parse_time_of_day
from coaching.timezones import InvalidTimezone, parse_timezone, resolve_timezone, search_timezones


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("09:00", time(9, 0)),
        ("9:05", time(9, 5)),
        ("8am", time(8, 0)),
        ("8 AM", time(8, 0)),
        ("8:30 pm", time(20, 30)),
        ("8:30p.m.", time(20, 30)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("20h15", time(20, 15)),
        ("23.59", time(23, 59)),
        ("7", time(7, 0)),
        ("noon", time(12, 0)),
        ("Midday", time(12, 0)),
        ("midnight", time(0, 0)),
        ("21h", time(21, 0)),
        ("8 h", time(8, 0)),
        ("9p", time(21, 0)),
        ("9 a", time(9, 0)),
        ("９：３０", time(9, 30)),
    ],
)
def test_times_members_type_are_understood(typed: str, expected: time) -> None:
    assert parse_time_of_day(typed) == expected


@pytest.mark.parametrize(
    "typed", ["25:00", "24:00", "9:60", "13pm", "0am", "noonish", "", "0900", "13p", "9x", "h"]
)
def test_impossible_times_are_refused(typed: str) -> None:
    with pytest.raises(InvalidTime):
        parse_time_of_day(typed)


@given(st.text(max_size=40))
def test_any_text_either_parses_to_a_valid_time_or_is_refused(text: str) -> None:
    try:
        parsed = parse_time_of_day(text)
    except InvalidTime:
        return
    assert 0 <= parsed.hour <= 23 and 0 <= parsed.minute <= 59


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("Asia/Kathmandu", "Asia/Kathmandu"),
        ("UTC", "UTC"),
    ],
)
def test_zones_resolve_by_name_or_city(typed: str, key: str) -> None:
    assert parse_timezone(typed).key == key


@pytest.mark.parametrize("typed", ["Mars/Base", "", "   ", "Berlinn", "x" * 200, "../etc/passwd"])
def test_unknown_zones_are_refused(typed: str) -> None:
    with pytest.raises(InvalidTimezone):
        parse_timezone(typed)


def test_search_puts_the_city_first_and_caps_at_discords_25_choices() -> None:
    assert search_timezones("berl")[0].key == "Europe/Berlin"
    assert search_timezones("kathm")[0].key == "Asia/Kathmandu"
    assert search_timezones("syd")[0].key == "Australia/Sydney"
    assert len(search_timezones("a")) == 25
    assert search_timezones("")  # popular zones before anything is typed
    assert search_timezones("zzzz-no-such-place") == []


def test_search_labels_fit_discords_choice_name_limit() -> None:
    assert all(1 <= len(entry.label) <= 100 for entry in search_timezones("america", limit=500))


# --- Any sizeable city, countries, abbreviations ------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Mumbai", "Asia/Kolkata"),
        ("Bangalore", "Asia/Kolkata"),  # the other name of Bengaluru
        ("bombay", "Asia/Kolkata"),
        ("San Francisco", "America/Los_Angeles"),
        ("São Paulo", "America/Sao_Paulo"),
        ("sao paulo", "America/Sao_Paulo"),
        ("Leeds", "Europe/London"),
        ("Kiev", "Europe/Kyiv"),
        ("portland, us", "America/Los_Angeles"),
        ("Paris, FR", "Europe/Paris"),
        ("India", "Asia/Kolkata"),  # a country with one zone
        ("Germany", "Europe/Berlin"),
    ],
)
def test_any_sizeable_city_or_one_zone_country_resolves(typed: str, key: str) -> None:
    assert resolve_timezone(typed).key == key
    assert resolve_timezone(typed).note == {}


@pytest.mark.parametrize(
    ("typed", "key", "place"),
    [("EST", "America/New_York", "New York"), ("pst", "America/Los_Angeles", "Los Angeles"),
     ("CET", "Europe/Berlin", "Berlin"), ("AEST", "Australia/Sydney", "Sydney")],
)  # fmt: skip
def test_abbreviations_become_a_city_zone_with_daylight_saving(
    typed: str, key: str, place: str
) -> None:
    resolved = resolve_timezone(typed)
    assert resolved.key == key and resolved.note == {"abbreviation": typed, "place": place}
    # Summer and winter differ: the point of a city's zone over a fixed offset.
    zone = ZoneInfo(resolved.key)
    winter = datetime(2026, 1, 15, 12, tzinfo=UTC).astimezone(zone).utcoffset()
    summer = datetime(2026, 7, 15, 12, tzinfo=UTC).astimezone(zone).utcoffset()
    assert winter != summer


@pytest.mark.parametrize("typed", ["GMT+1", "UTC-5", "+05:30", "gmt -3"])
def test_a_fixed_offset_asks_for_a_city_and_suggests_some(typed: str) -> None:
    with pytest.raises(InvalidTimezone) as refused:
        resolve_timezone(typed)
    assert refused.value.why == "offset" and refused.value.choices


def test_offset_suggestions_are_places_at_that_offset() -> None:
    with pytest.raises(InvalidTimezone) as refused:
        resolve_timezone("+05:30")
    assert any("India" in choice for choice in refused.value.choices)


@pytest.mark.parametrize("typed", ["IST", "United States", "Australia"])
def test_ambiguous_names_ask_which_city(typed: str) -> None:
    with pytest.raises(InvalidTimezone) as refused:
        resolve_timezone(typed)
    assert refused.value.why == "ambiguous" and len(refused.value.choices) >= 2


def test_autocomplete_offers_cities_by_their_names() -> None:
    labels = [entry.label for entry in search_timezones("Mumb")]
    assert labels[0].startswith("Mumbai, India") and "Asia/Kolkata" in labels[0]
    assert search_timezones("Mumb")[0].key == "Asia/Kolkata"
    assert search_timezones("san fran")[0].key == "America/Los_Angeles"
    assert all(len(entry.label) <= 100 for entry in search_timezones("new"))
