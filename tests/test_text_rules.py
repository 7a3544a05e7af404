"""The one rule for text members type: invisible-only text is empty, NUL never stays."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.text import BlankText, clean, cut_at_word, invisible, optional, required, visible

INVISIBLE = [
    "\u200b" * 30,  # zero-width spaces
    "\x00" * 30,  # NUL
    "\u200c\u200d\u2060\ufeff",  # ZWNJ, ZWJ, word joiner, BOM
    "\u3164\u115f\u2800",  # Hangul fillers, braille blank
    "\u00ad\u034f\u180e",  # soft hyphen, grapheme joiner, Mongolian vowel separator
    "\U000e0041\U000e007f",  # tag characters
    " \t\n\u00a0\u2003\u3000",  # spaces of every width
    "\u202e\u2066\u2069",  # direction marks
    "\ufe0f\ufe0e",  # variation selectors
]


@pytest.mark.parametrize("text", INVISIBLE)
def test_text_blank_to_the_eye_is_empty(text: str) -> None:
    assert not visible(text)
    assert optional(text) == ""
    with pytest.raises(BlankText):
        required(text)


@pytest.mark.parametrize("text", ["a", "Ana", "🌱", "日本", "ـ", "\u200bhi\u200b", "。"])
def test_visible_text_is_kept(text: str) -> None:
    assert visible(text)
    assert required(text) == text.strip()


def test_nul_and_controls_are_dropped_but_newlines_stay() -> None:
    assert clean("Ana\x00 Smith\x07") == "Ana Smith"
    assert clean("  line one\r\nline two\ttabbed\r") == "line one\nline two\ttabbed"
    assert required("\x00\x00hello\x00") == "hello"


@given(st.text())
def test_clean_never_keeps_nul_and_visible_agrees_with_invisible(text: str) -> None:
    cleaned = clean(text)
    assert "\x00" not in cleaned
    assert visible(cleaned) == any(not invisible(char) for char in cleaned)


def test_cut_at_word_keeps_whole_words_within_the_limit() -> None:
    question = "Who did you learn something from this week, and what was it?"
    assert cut_at_word(question, 45) == "Who did you learn something from this week…"
    assert cut_at_word("Short one?", 45) == "Short one?"
    assert len(cut_at_word("x" * 60, 45)) == 45
    for limit in range(5, len(question)):
        cut = cut_at_word(question, limit)
        assert len(cut) <= limit and question.startswith(cut.rstrip("…"))
