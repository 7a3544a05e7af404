"""Rolodex rules without Discord: tags, cadence, search ranking, vCard and CSV."""

from __future__ import annotations

import pytest

from coaching.rolodex import (
    InvalidEntry,
    Searchable,
    clean_name,
    csv_text,
    parse_cadence,
    parse_tags,
    search_rank,
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


def test_vcard_and_csv_escape_member_text() -> None:
    rows = [{"name": "Zoe; Smith", "notes": "a,b\nc", "how_met": "", "tags": "x,y"}]
    card = vcards(rows)
    assert "FN:Zoe\\; Smith" in card and "\\n" in card and card.endswith("\r\n")
    table = csv_text(rows)
    assert '"a,b\nc"' in table
