"""What counts as text a member typed: the one rule every text input goes through.

A story of 30 zero-width spaces is as empty as no story at all, and a NUL character is
invisible, means nothing and breaks PostgreSQL's text columns. Every place that takes text
from a member (commands, forms, DM replies) cleans it with `clean` and refuses it, or treats
an optional field as empty, when `visible` says there is nothing to see.
"""

from __future__ import annotations

import functools
import unicodedata

# Code points that draw nothing although Unicode gives them a letter or symbol category:
# Hangul fillers, the braille blank, Khmer inherent vowels, and similar.
_BLANK_LETTERS = frozenset("\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")
# Unicode's Default_Ignorable_Code_Point ranges (not in unicodedata): invisible by default.
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Format and control characters, separators, surrogates, unassigned: nothing to see.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zs", "Zl", "Zp"})
# Control characters a member may type on purpose; every other one is dropped.
_KEPT_CONTROLS = frozenset("\n\t")


class BlankText(ValueError):
    """The text has nothing a reader could see."""


@functools.lru_cache(maxsize=4096)
def invisible(char: str) -> bool:
    """Whether one character draws nothing on the screen."""
    if char.isspace() or char in _BLANK_LETTERS:
        return True
    if unicodedata.category(char) in _INVISIBLE_CATEGORIES:
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _IGNORABLE_RANGES)


def visible(text: str | None) -> bool:
    """Whether the text has at least one character a reader can see."""
    return any(not invisible(char) for char in text or "")


def clean(text: str | None) -> str:
    """The text as stored: NUL and other control characters (but newlines and tabs) dropped,
    \\r\\n made \\n, spaces trimmed at both ends. Nothing else changes: her words stay hers."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if any(unicodedata.category(char) == "Cc" and char not in _KEPT_CONTROLS for char in text):
        text = "".join(
            char for char in text if unicodedata.category(char) != "Cc" or char in _KEPT_CONTROLS
        )
    return text.strip()


def required(text: str | None) -> str:
    """`clean`ed text, or BlankText when nothing in it is visible."""
    cleaned = clean(text)
    if not visible(cleaned):
        raise BlankText(text)
    return cleaned


def optional(text: str | None) -> str:
    """`clean`ed text; "" when nothing in it is visible (an optional field left empty)."""
    cleaned = clean(text)
    return cleaned if visible(cleaned) else ""


def visible_length(text: str) -> int:
    """How many characters a reader sees (a minimum length counts these)."""
    return sum(1 for char in text if not invisible(char))


# Discord's limits for a form: a field's label, its hint (placeholder).
LABEL_MAX = 45
PLACEHOLDER_MAX = 100


def cut_at_word(text: str, limit: int) -> str:
    """`text` as it is when it fits in `limit` characters; otherwise cut after the last whole
    word that fits, with an ellipsis (within `limit`)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if not text[limit - 1].isspace():  # the last word doesn't fit whole: it goes
        space = head.rfind(" ")
        if space > 0:
            head = head[:space]
    return head.rstrip(" ,;:-–—") + "…"
