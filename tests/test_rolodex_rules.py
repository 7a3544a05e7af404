"""Rolodex rules without Discord: tags, cadence, search ranking, vCard and CSV."""

from __future__ import annotations

from datetime import date, time

import pytest

from coaching.rolodex import (
    QUERY_WORDS_MAX,
    InvalidEntry,
    Searchable,
    clean_name,
    csv_text,
    followup_reminder_key,
    parse_cadence,
    parse_tags,
    query_words,
    reminder_zone_and_time,
    search_rank,
    touch_reminder_key,
    vcards,
)


def test_tags_are_cleaned_and_deduplicated() -> None:
    assert parse_tags(" Bookkeeping, #tax ;bookkeeping\nLisbon ") == "bookkeeping,tax,lisbon"
    assert parse_tags("") == ""
    with pytest.raises(InvalidEntry):
        parse_tags(",".join(f"t{i}" for i in range(13)))


@pytest.mark.parametrize(
    ("typed", "days"),
    [("monthly", 30), ("every 2 weeks", 14), ("3w", 21), ("45d", 45), ("none", None), ("", None)],
)
def test_cadence(typed: str, days: int | None) -> None:
    assert parse_cadence(typed) == days


@pytest.mark.parametrize("typed", ["sometimes", "0d", "900d"])
def test_bad_cadence(typed: str) -> None:
    with pytest.raises(InvalidEntry):
        parse_cadence(typed)


def test_names() -> None:
    assert clean_name("  Ana   Beatriz ") == "Ana Beatriz"
    for bad in ("", "   ", "x" * 101):
        with pytest.raises(InvalidEntry):
            clean_name(bad)


def entry(entry_id: int, name: str, *, tags: str = "", notes: str = "", trust: bool = False):  # type: ignore[no-untyped-def]
    return Searchable(entry_id, name, tags, notes, "", False, False, trust)


def test_search_ranks_trusted_first_and_finds_word_stems() -> None:
    people = [
        entry(1, "Alex", notes="Does bookkeeping on the side"),
        entry(2, "Bea", tags="bookkeeping", trust=True),
        entry(3, "Cleo", notes="Illustrator"),
        entry(4, "Dee", notes="Freelance bookkeeper"),
    ]
    ranked = search_rank("who do I know for bookkeeping?", people)
    assert ranked[0] == 2 and set(ranked) == {1, 2, 4}
    assert search_rank("illustrator", people) == [3]
    assert search_rank("", people) == []


def test_a_search_looks_for_each_word_once_and_for_ten_at_most() -> None:
    people = [entry(1, "Alex", notes="Does bookkeeping"), entry(2, "Bea", notes="Illustrator")]
    # A word typed twice is looked for (and counted) once.
    assert query_words("bookkeeping bookkeeping illustrator") == ["bookkeeping", "illustrator"]
    pasted = " ".join(f"w{n}" for n in range(30)) + " illustrator"
    assert len(query_words(pasted)) == QUERY_WORDS_MAX
    assert search_rank(pasted, people) == []  # the eleventh word on is not looked for


def test_vcard_and_csv_escape_member_text() -> None:
    rows = [{"name": "Zoe; Smith", "notes": "a,b\nc", "how_met": "", "tags": "x,y"}]
    card = vcards(rows)
    assert "FN:Zoe\\; Smith" in card and "\\n" in card and card.endswith("\r\n")
    table = csv_text(rows)
    assert '"a,b\nc"' in table


def test_reminders_come_at_the_reflection_time_or_nine_in_the_members_zone() -> None:
    assert reminder_zone_and_time(
        reflection=("Asia/Kathmandu", "07:30"), member_zone="UTC", community_zone="UTC"
    ) == ("Asia/Kathmandu", time(7, 30))
    assert reminder_zone_and_time(
        reflection=None, member_zone="Europe/Lisbon", community_zone="UTC"
    ) == ("Europe/Lisbon", time(9, 0))
    assert reminder_zone_and_time(
        reflection=None, member_zone=None, community_zone="Europe/Berlin"
    ) == ("Europe/Berlin", time(9, 0))
    assert reminder_zone_and_time(reflection=None, member_zone=None, community_zone=None) == (
        "UTC",
        time(9, 0),
    )


def test_reminder_keys_are_one_per_snooze_and_one_per_drift() -> None:
    assert followup_reminder_key(7, 0) != followup_reminder_key(7, 1)
    assert touch_reminder_key(3, date(2026, 3, 9)) == "touch:3:2026-03-09"
