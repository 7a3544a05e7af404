"""Is this English? The check reads English only, so it says so rather than guess.

A cheap, dependable test for chat-length texts: English prose is full of a few hundred short
function words ("the", "and", "you", "for"...). A text whose words are mostly letters
outside the Latin alphabet, or in which almost none of the words are English function
words, is not English.
"""

from __future__ import annotations

import re

# The most common English words: function words and chat staples.
ENGLISH = frozenset(
    """
    a about above after again all also am an and any are as at be because been before being
    below between both but by can can't could couldn't did didn't do does doesn't doing
    don't down during each even ever every few for from further get got had has hasn't have
    haven't having he her here hers herself him himself his how i i'd i'll i'm i've if in
    into is isn't it it's its itself just know let's like love made make many may me more
    most much must my myself need never new no nor not now of off on once one only or other
    our ours ourselves out over own please really same she should so some such than thank
    thanks that that's the their theirs them themselves then there there's these they
    they're this those through to too under until up us very was wasn't we we're we've well
    were weren't what what's when where which while who whom why will with won't would
    wouldn't yes yet you you'd you'll you're you've your yours yourself yourselves hi hello
    hey im dont cant ok okay great good want would work looking anyone everyone people time
    day week year today here sure
    """.split()
)
_LETTER = re.compile(r"[^\W\d_]")
_NOT_LATIN = re.compile(r"[^\W\d_\x00-\u024f]")

# Below this share of English words, in a text long enough to tell, it isn't English.
MIN_SHARE = 0.12
# Shorter texts can't be told apart reliably: they are read as English.
MIN_WORDS_TO_TELL = 6


def reads_as_english(words: list[str], plain: str) -> bool:
    if not plain.isascii() and _NOT_LATIN.search(plain):
        letters = len(_LETTER.findall(plain))
        if letters and len(_NOT_LATIN.findall(plain)) * 2 > letters:
            return False
    if len(words) < MIN_WORDS_TO_TELL:
        return True
    english = len(ENGLISH.intersection(words))
    if english >= MIN_SHARE * len(words):  # distinct English words: a quick lower bound
        return True
    countable = [w for w in words if w != "<num>"]
    if len(countable) < MIN_WORDS_TO_TELL:
        return True
    return sum(w in ENGLISH for w in countable) >= MIN_SHARE * len(countable)
