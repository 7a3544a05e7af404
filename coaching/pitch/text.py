"""Text preparation for the pitch check: what counts as the member's own words, folded so
that fancy characters don't hide a word, with every span traceable to the original text.

Everything here keeps offsets: markup, code and quotes are blanked with spaces (same length),
and the one step that can change length (Unicode folding) returns an index map back to the
original. Pure stdlib.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import accumulate, compress, count
from operator import add

_CODE_BLOCK = re.compile(r"```.*?```", re.S)
_DISCORD_TOKEN = re.compile(r"<(?:@[!&]?\d+|#\d+|a?:\w{1,64}:\d+|t:-?\d+(?::\w)?|/[\w -]+:\d+)>")
_MARKUP = re.compile(r"\*+|~~|\|\||__|`+|^[ \t]*(?:-#|#{1,3})[ \t]", re.M)
_MARKUP_CHAR = re.compile(r"[*~|_`#]")
_QUOTE_LINE = re.compile(r"^[ \t]*>>?>?[ \t]?.*$", re.M)
_QUOTE_MARK = re.compile(r"^[ \t]*>>?>?[ \t]?", re.M)
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
# Zero-width and formatting characters, and the combining marks that decorate Latin letters
# ("z̷a̷l̷g̷o̷"): removed so words still match. Emoji joiners stay: they sit between emoji.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b\u200c\u200e\u200f"
    "\u202a-\u202e\u2060-\u206f\ufeff\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
    "\ufe20-\ufe2f]"
)
_PUNCT_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2012": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2026": ".",
        "\uff1f": "?",
        "\uff01": "!",
    }
)
_FOLDABLE = re.compile("[" + "".join(chr(c) for c in _PUNCT_FOLD) + "]")

EMOJI_RANGES = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff"
_STOP = re.compile(r"[.!?\n][.!?]*")
# A word: letters and digits, with inner apostrophes ("don't", "women's").
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_NON_ASCII_WORD_CHAR = re.compile(r"[^\W_\x00-\x7f]")
# Lower-case ASCII letters, digits and the apostrophe stay; every other byte is a space.
_WORD_BYTES = bytes(
    c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789'" else 32 for c in range(256)
)


def tokens(low: str) -> tuple[list[str], list[int], list[int]]:
    """The words of a lower-cased text, and where each starts and ends.

    Chat is mostly ASCII words with emoji and punctuation between them: then a byte table
    turns everything but letters, digits and apostrophes into spaces, and `split` gives the
    words and their places, all in C (a regex costs several times more). Text with letters
    beyond ASCII ("café") takes the WORD regex. Both give the same words."""
    if not low.isascii() and _NON_ASCII_WORD_CHAR.search(low):
        found = list(WORD.finditer(low))
        return [m.group() for m in found], [m.start() for m in found], [m.end() for m in found]
    # One byte per character ("?" for each non-ASCII one), so byte offsets are offsets.
    raw = low.encode("ascii", "replace").translate(_WORD_BYTES)
    if b"'" in raw:
        # An apostrophe belongs to a word only alone between two letters: quotes go.
        while b"''" in raw:
            raw = raw.replace(b"''", b"  ")
        raw = raw.replace(b" '", b"  ").replace(b"' ", b"  ")
        raw = raw.replace(b" '", b"  ").replace(b"' ", b"  ")
        if raw[:1] == b"'":
            raw = b" " + raw[1:]
        if raw[-1:] == b"'":
            raw = raw[:-1] + b" "
    pieces = raw.split(b" ")
    # Piece k starts after the k pieces and k spaces before it; empty pieces are no words.
    starts = list(compress(map(add, accumulate(map(len, pieces), initial=0), count()), pieces))
    words = raw.decode("ascii").split()
    return words, starts, list(map(add, starts, map(len, words)))


def _fold_one(match: re.Match[str]) -> str:
    return str(_PUNCT_FOLD[ord(match.group())])


def _blank(match: re.Match[str]) -> str:
    # Keep newlines so line-based rules (quotes, sentences) still see line breaks.
    found = match.group()
    if "\n" not in found:
        return " " * len(found)
    return "\n".join(" " * len(line) for line in found.split("\n"))


def _normalise(text: str) -> tuple[str, list[int] | None]:
    """NFKC-fold non-ASCII runs; the folded text and a map to original indices (None when
    folding kept every index, the common case)."""
    if text.isascii():
        return text, None
    if unicodedata.is_normalized("NFKC", text) and not _INVISIBLE.search(text):
        # Chat's common case (emoji, accents): only curly quotes and dashes, one for one.
        return _FOLDABLE.sub(_fold_one, text), None
    parts: list[str] = []
    index: list[int] = []
    shifted = False
    pos = 0
    for match in _NON_ASCII_RUN.finditer(text):
        start, end = match.span()
        if start > pos:
            parts.append(text[pos:start])
            index.extend(range(pos, start))
        run = match.group()
        folded = _INVISIBLE.sub("", unicodedata.normalize("NFKC", run.translate(_PUNCT_FOLD)))
        if len(folded) == len(run):
            parts.append(folded)
            index.extend(range(start, end))
        else:
            # Rare (zero-width, ligatures, full-width...): map character by character.
            shifted = True
            for offset, char in enumerate(run):
                piece = _INVISIBLE.sub(
                    "", unicodedata.normalize("NFKC", char.translate(_PUNCT_FOLD))
                )
                parts.append(piece)
                index.extend([start + offset] * len(piece))
        pos = end
    if pos < len(text):
        parts.append(text[pos:])
        index.extend(range(pos, len(text)))
    folded_text = "".join(parts)
    if not shifted:
        return folded_text, None
    index.append(len(text))
    return folded_text, index


def own_words(text: str) -> tuple[str, list[int] | None]:
    """The member's own words: code blocks, Discord tokens (mentions, custom emoji,
    timestamps), quoted lines (someone else's words) and markdown marks blanked; then folded.
    Returns the prepared text and the index map of `_normalise`."""
    # Each pass is skipped when its trigger character is absent: most messages are plain.
    scan = _CODE_BLOCK.sub(_blank, text) if "```" in text else text
    if "<" in scan:
        scan = _DISCORD_TOKEN.sub(_blank, scan)
    if ">" in scan:
        # Quoted lines are someone else's words, unless the whole message is a quote.
        quoted = _QUOTE_LINE.sub(_blank, scan)
        scan = quoted if quoted.strip() else _QUOTE_MARK.sub(_blank, scan)
    if _MARKUP_CHAR.search(scan):
        scan = _MARKUP.sub(_blank, scan)
    return _normalise(scan)


def lowered(plain: str) -> str:
    """`plain` lower-cased, the same length (a few characters grow: "İ" stays as it is)."""
    low = plain.lower()
    if len(low) != len(plain):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in plain)
    return low


def sentences(plain: str) -> list[tuple[int, int]]:
    """Sentence spans, split at . ! ? and line breaks, stripped; bare punctuation ("!!",
    "...") is not a sentence."""
    spans: list[tuple[int, int]] = []
    start = 0
    ends = [stop.end() for stop in _STOP.finditer(plain)]
    ends.append(len(plain))
    for end in ends:
        stripped = plain[start:end].strip()
        if stripped and (len(stripped) > 3 or stripped.isalnum() or not stripped.isascii()):
            first = plain.find(stripped[0], start)
            spans.append((first, first + len(stripped)))
        start = end
    return spans


@dataclass(slots=True)  # not frozen: a frozen dataclass costs a setattr call per field
class Prepared:
    """A text ready to read: `plain` (links blanked) and `low` share offsets with `norm`;
    `index` maps `norm` offsets back to the original (None: they are the same)."""

    original: str
    norm: str
    index: list[int] | None
    plain: str
    low: str

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """A span of `norm`/`plain` as a span of the original text, trailing blanks trimmed."""
        while end > start and self.norm[end - 1].isspace():
            end -= 1
        if self.index is not None and end > start:
            return self.index[start], self.index[end - 1] + 1
        return start, end


# --- Whole words -------------------------------------------------------------------------


def _inside_word(low: str, i: int) -> bool:
    """Is low[i] part of a word: a letter or digit, or an apostrophe or hyphen between two
    ("don't", "high-achieving")?"""
    char = low[i]
    if char.isalnum():
        return True
    return char in "'-" and 0 < i < len(low) - 1 and low[i - 1].isalnum() and low[i + 1].isalnum()


def word_span(low: str, start: int, end: int) -> tuple[int, int]:
    """Grow a span to whole words on both sides: an excerpt never cuts a word in two."""
    while start > 0 and _inside_word(low, start - 1):
        start -= 1
    while end < len(low) and _inside_word(low, end):
        end += 1
    return start, end


def clip_words(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters, cut between words with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit)
    if cut < limit // 3:
        cut = limit - 1  # one very long word (a link): cut inside it rather than show nothing
    return flat[:cut].rstrip(" ,;:-") + "…"
