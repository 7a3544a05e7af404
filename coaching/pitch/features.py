"""What the model reads in a text: words, word pairs, phrase families and a few shapes
(links, prices, questions, who the text talks about), each with where it occurs.

The same `read()` serves the fitting script and the bot, so what was learned is exactly what
is scored. Pure stdlib; one pass per kind of thing.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import chain, compress, count, pairwise

from coaching.pitch.lexicon import phrase_table
from coaching.pitch.text import (
    EMOJI_RANGES,
    Prepared,
    lowered,
    own_words,
    sentences,
    tokens,
)

_SHORT, _LONGER = phrase_table()
# As sets, so a text's terms are checked against them (not the other way round).
_SHORT_KEYS, _LONGER_KEYS = frozenset(_SHORT), frozenset(_LONGER)
_DIGIT = re.compile(r"\d")
_ONE_DIGIT = re.compile(r"[0-9]")

# -- Links, contact details, prices -------------------------------------------------------------

_TLD = (
    r"com|net|org|io|co|uk|eu|de|fr|au|ca|nz|in|za|ie|es|it|nl|me|ai|app|dev|shop|store|studio|"
    r"design|agency|academy|coach|art|photo|photography|life|online|site|website|page|link|ly|"
    r"biz|info|xyz|health|club|blog|live|tv|gg|fit|beauty|style|events|space|tech|world"
)
_URL_SCHEME = re.compile(r"(?:https?://|www\.)[^\s<>]+", re.I)
# Lower-case only: "work.It's" (a missing space) is not a link to "work.it".
_DOT_TLD = re.compile(rf"\.(?=[a-z])(?:{_TLD})(?:\.(?:uk|au|nz|za|in|br))?(?![\w@-])(?:/[^\s<>]*)?")
_EMAIL = re.compile(r"@(?<=[\w.+-]@)[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"[+(\d](?<![\w$£€][+(\d])[\d ().-]{7,}\d(?![\w%])")
_HANDLE = re.compile(r"@(?<![\w@<]@)[A-Za-z0-9_.]{2,30}")
_PLATFORM_BEFORE = re.compile(
    r"(?:instagram|insta|ig|tiktok|twitter|x|linkedin|threads|facebook|fb|youtube|follow|"
    r"find\s+(?:me|us)|handle|on)\s*[:\-]?\s*\Z",
    re.I,
)
_TRAILING = ".,;:!?)]}>'\"*_|"
# Prices, currencies, percentages and "5k", on the lower-cased text. It starts with a
# character set so `re` can skip straight to the candidates.
# A number is read from its first digit only (not from one inside "1,234.5"): from each
# digit, a long run of them would be read again to its end, and a text of thousands of
# digits and commas would take seconds.
_MONEY = re.compile(
    r"[$£€\d](?:(?<=[$£€])\s?\d|"
    r"(?<![\d.,]\d)[\d.,]*\s?(?:[$€£%]|(?:usd|eur|gbp|dollars?|euros?|pounds|k)\b))"
)
# Without one of these, there is no money to find: the regex needn't run.
_MONEY_MARK = re.compile(r"[$£€%]|\dk\b")
_MONEY_WORDS = ("usd", "eur", "gbp", "dollar", "euro", "pound")
_EMOJI = re.compile(f"[{EMOJI_RANGES}]")
_HASHTAG = re.compile(r"#(?<![\w&]#)[^\W\d_]\w{1,40}")

SELF_WORDS = frozenset("i me my mine myself i'm i've i'll i'd im".split())
WE_WORDS = frozenset("we us our ours ourselves we're we've we'll".split())
YOU_WORDS = frozenset("you your yours yourself yourselves you're you've you'll you'd u".split())

_PRONOUN = (
    dict.fromkeys(SELF_WORDS, "self")
    | dict.fromkeys(WE_WORDS, "we")
    | dict.fromkeys(YOU_WORDS, "you")
)
SHORT_TEXT_WORDS = 8


@dataclass(slots=True)
class Reading:
    """One text as the model sees it. Spans are offsets in `prepared.norm`."""

    prepared: Prepared
    words: list[str]  # lower-cased, numbers as "<num>"
    starts: list[int]  # word i is prepared.norm[starts[i]:ends[i]]
    ends: list[int]
    # The words and word pairs ("word word") present, each once, for the TF-IDF part
    # (present or not, not how often: counts add nothing on chat-length texts, and cost
    # time). A dict for its order: the same text, the same order in every process; the words
    # come first, then the pairs.
    terms: dict[str, None]
    pairs: list[str]  # every adjacent word pair, in order
    # The text's character 4-grams (lower-cased, spaces collapsed), each once: they catch
    # what words miss (word pieces, punctuation, emoji, the shape of a link). A set: the
    # model sums over them with `math.fsum`, whose result doesn't depend on the order.
    grams: set[str]
    signs: dict[str, float] = field(default_factory=dict)  # "L:family", "S:shape" -> value
    # Where each phrase family and shape was seen: [(start, end), ...]
    where: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    _sentences: list[tuple[int, int]] | None = None

    def sentences(self) -> list[tuple[int, int]]:
        """Sentence spans, found on first use (most texts never need them)."""
        if self._sentences is None:
            self._sentences = sentences(self.prepared.plain)
        return self._sentences

    def first(self, term: str) -> int:
        """Where a word first stands (its index), or a word pair (its first word's)."""
        return self.pairs.index(term) if " " in term else self.words.index(term)

    def span(self, first: int, last: int | None = None) -> tuple[int, int]:
        """Where words first..last (inclusive) stand in the text."""
        return self.starts[first], self.ends[first if last is None else last]


# How far a link or an address is grown to the left of what found it: a domain name has at
# most 253 characters, an address's user part 64. Each is grown by one regex search within
# that bound, so a text of thousands of dots (".com.com...") stays linear.
_DOMAIN_MOST = 253
_EMAIL_USER_MOST = 64
_DOMAIN_RUN = re.compile(r"[A-Za-z0-9.-]+\Z")
_EMAIL_USER_RUN = re.compile(r"[A-Za-z0-9_.+-]+\Z")


def _run_start(run: re.Pattern[str], scan: str, end: int, most: int) -> int:
    """Where the run of `run`'s characters that ends at `end` begins (at most `most` back)."""
    found = run.search(scan, max(0, end - most), end)
    return found.start() if found else end


def _links(scan: str) -> tuple[dict[str, list[tuple[int, int]]], str]:
    """Links, emails, phone numbers and handles; their spans by kind, and the text with them
    blanked so their pieces don't read as words."""
    found: dict[str, list[tuple[int, int]]] = {}
    # The spans taken so far, in text order (they never overlap): where a new one would go
    # is one bisection, so a text full of links stays linear.
    taken_starts: list[int] = []
    taken_ends: list[int] = []

    def take(kind: str, start: int, end: int) -> None:
        if end - start < 4:
            return
        at = bisect_right(taken_starts, start)
        if (at and taken_ends[at - 1] > start) or (
            at < len(taken_starts) and taken_starts[at] < end
        ):
            return
        taken_starts.insert(at, start)
        taken_ends.insert(at, end)
        found.setdefault(kind, []).append((start, end))

    has_at = "@" in scan
    if has_at:
        for match in _EMAIL.finditer(scan):
            start = _run_start(_EMAIL_USER_RUN, scan, match.start(), _EMAIL_USER_MOST)
            take("S:email", start, match.end())
    if "http" in scan or "www." in scan or "WWW." in scan:
        for match in _URL_SCHEME.finditer(scan):
            start, end = match.span()
            while end > start and scan[end - 1] in _TRAILING:
                end -= 1
            take("S:link", start, end)
    # Bare domains ("sophiadesigns.co/shop"): found from the dot, then grown to the left.
    for match in _DOT_TLD.finditer(scan):
        end = match.end()
        start = _run_start(_DOMAIN_RUN, scan, match.start(), _DOMAIN_MOST)
        while start < match.start() and scan[start] in ".-":
            start += 1
        if start == match.start() or (start and scan[start - 1] in "@/"):
            continue  # "e.g.", or part of an email or a link found above
        while end > start and scan[end - 1] in _TRAILING:
            end -= 1
        take("S:link", start, end)
    if len(_ONE_DIGIT.findall(scan)) >= 9:  # a phone number needs nine digits
        for match in _PHONE.finditer(scan):
            if sum(c.isdigit() for c in match.group()) >= 9:
                take("S:phone", *match.span())
    if has_at:
        for match in _HANDLE.finditer(scan):
            start, end = match.span()
            while end > start + 1 and scan[end - 1] in _TRAILING:
                end -= 1
            handle = scan[start + 1 : end]
            # "@Olivia, thank you" talks to a person; "IG: @rheashoots" hands out a card.
            looks_like_brand = (handle.islower() and len(handle) >= 9) or any(
                c.isdigit() or c in "_." for c in handle
            )
            if looks_like_brand or _PLATFORM_BEFORE.search(scan, max(0, start - 24), start):
                take("S:handle", start, end)
    if not taken_starts:
        return found, scan
    kept: list[str] = []
    done = 0
    for start, end in zip(taken_starts, taken_ends, strict=True):
        kept += (scan[done:start], " " * (end - start))
        done = end
    kept.append(scan[done:])
    return found, "".join(kept)


def prepare(text: str) -> tuple[Prepared, dict[str, list[tuple[int, int]]]]:
    norm, index = own_words(text)
    found, plain = _links(norm)
    return Prepared(text, norm, index, plain, lowered(plain)), found


def read(text: str) -> Reading:
    """Everything the model reads in `text`, with where each thing was seen."""
    prepared, where = prepare(text)
    low = prepared.low
    words, starts, ends = tokens(low)
    if _DIGIT.search(low):
        # Every number is one word, "<num>": found in C, replaced one by one (they are few).
        for at in compress(count(), map(str.isdigit, words)):
            words[at] = "<num>"
    pairs = list(map(" ".join, pairwise(words)))
    terms = dict.fromkeys(chain(words, pairs))
    reading = Reading(
        prepared, words, starts, ends, terms, pairs, char_grams(prepared.norm), {}, where
    )
    _phrase_families(reading)
    _shapes(reading, text)
    return reading


GRAM = 4


def char_grams(norm: str) -> set[str]:
    """The character 4-grams of `norm`, lower-cased, with its spaces collapsed to one and one
    at either end (so a word's first and last letters make grams of their own)."""
    flat = " " + " ".join(norm.lower().split()) + " "
    return {flat[i : i + GRAM] for i in range(len(flat) - GRAM + 1)}


def _phrase_families(reading: Reading) -> None:
    """How many different phrases of each family the text holds, and where each first
    stands. One- and two-word phrases are among the words and pairs already read (one set
    intersection finds them all); longer ones are checked where their first two words are."""
    words, pairs, where = reading.words, reading.pairs, reading.where
    counts: dict[str, int] = {}
    terms = reading.terms
    for term in _SHORT_KEYS.intersection(terms):
        if " " in term:
            at = pairs.index(term)
            span = reading.span(at, at + 1)
        else:
            span = reading.span(words.index(term))
        for family in _SHORT[term]:
            key = "L:" + family
            counts[key] = counts.get(key, 0) + 1
            where.setdefault(key, []).append(span)
    for pair in _LONGER_KEYS.intersection(terms):
        places = [pairs.index(pair)]
        while (more := _next(pairs, pair, places[-1] + 1)) >= 0:
            places.append(more)
        seen: set[str] = set()  # each family once per phrase start
        for size, table in _LONGER[pair]:
            for at in places:
                for family in table.get(tuple(words[at + 2 : at + 2 + size]), ()):
                    if family not in seen:
                        seen.add(family)
                        key = "L:" + family
                        counts[key] = counts.get(key, 0) + 1
                        where.setdefault(key, []).append(reading.span(at, at + 1 + size))
    signs = reading.signs
    for key, n in counts.items():
        signs[key] = math.log1p(n)
        if n > 1:
            where[key].sort()


def _next(items: list[str], item: str, start: int) -> int:
    """The next place of `item` in `items` from `start`, or -1."""
    try:
        return items.index(item, start)
    except ValueError:
        return -1


def _shapes(reading: Reading, original: str) -> None:
    prepared, signs, where = reading.prepared, reading.signs, reading.where
    plain, words = prepared.plain, reading.words
    for key in ("S:link", "S:email", "S:phone", "S:handle"):
        if key in where:
            signs[key] = 1.0 if len(where[key]) == 1 else 1.5
    low = prepared.low
    if _DIGIT.search(plain) and (
        _MONEY_MARK.search(low) or any(word in low for word in _MONEY_WORDS)
    ):
        found = [m.span() for m in _MONEY.finditer(low)]
        if found:
            where["S:money"] = found
            signs["S:money"] = 1.0
    if not plain.isascii():
        found = [m.span() for m in _EMOJI.finditer(plain)]
        if found:
            where["S:emoji"] = found
            signs["S:emoji"] = 1.0 if len(found) < 3 else 1.5
    if "#" in plain:
        found = [m.span() for m in _HASHTAG.finditer(plain)]
        if len(found) >= 2:
            where["S:hashtags"] = found
            signs["S:hashtags"] = 1.0
    if "@" in original:
        signs["S:mention"] = 1.0
    count = len(words) or 1
    # One count of every word (in C), then a lookup per pronoun.
    # One pass in C: each pronoun's kind, then a count of each kind in the short list.
    kinds = list(filter(None, map(_PRONOUN.get, words)))
    mine, ours, yours = kinds.count("self"), kinds.count("we"), kinds.count("you")
    signs["S:self"] = 5.0 * mine / count
    signs["S:we"] = 5.0 * ours / count
    signs["S:you"] = 5.0 * yours / count
    signs["S:length"] = math.log(count + 1) / 5.0
    if count < SHORT_TEXT_WORDS:
        signs["S:short"] = 1.0
    if "!" in plain:
        signs["S:exclaim"] = 1.0
    if "?" in plain:
        _questions(reading)


def _questions(reading: Reading) -> None:
    """Each question, from the end of the sentence before it to its question mark, and
    which of them speak to the reader ("you", "your")."""
    plain, words, starts = reading.prepared.plain, reading.words, reading.starts
    asked: list[tuple[int, int]] = []
    to_them: list[tuple[int, int]] = []
    mark = plain.find("?")
    while mark >= 0:
        begin = (
            max(
                plain.rfind(".", 0, mark),
                plain.rfind("!", 0, mark),
                plain.rfind("?", 0, mark),
                plain.rfind("\n", 0, mark),
            )
            + 1
        )
        first = bisect_left(starts, begin)
        last = bisect_left(starts, mark)
        if last > first:  # a question with words in it ("??" alone is not)
            span = (starts[first], mark + 1)
            asked.append(span)
            if not YOU_WORDS.isdisjoint(words[first:last]):
                to_them.append(span)
        mark = plain.find("?", mark + 1)
    if asked:
        reading.where["S:question"] = asked
        reading.signs["S:question"] = min(len(asked), 3) / 2.0
    if to_them:
        reading.where["S:question_you"] = to_them
        reading.signs["S:question_you"] = 1.0
