"""The "Spotted an elevator pitch" self-check: pitch vs. connection, explained.

Pure Python (stdlib only). `analyze(text)` reads a member's own words (an intro post, a DM, a
reply) and returns a 0-100 connection score with every point traced to a signal: a span of the
original text, the reason it counts, and its signed points. Suggestions are short and kind and,
where possible, rewrite the member's own phrase.

The words Kindred says live in module-level tables (REASONS, SUGGESTIONS, TOPIC_QUESTIONS...)
so the Discord layer can later move them into templates.
"""

from __future__ import annotations

import functools
import re
import re._constants as _C  # the parser's opcodes: used once, at import, to index the rules
import re._parser as _sre_parse
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Any

from prompts import format_strings, texts

__all__ = [
    "BASE_SCORE",
    "CONNECTING_FROM",
    "PITCHING_BELOW",
    "PitchReport",
    "Signal",
    "Suggestion",
    "analyze",
    "suggestion_text",
]

# --- Scoring constants ---------------------------------------------------------------------

BASE_SCORE = 55
# score >= CONNECTING_FROM -> "connecting"; score < PITCHING_BELOW -> "pitching"; else "balanced".
CONNECTING_FROM = 60
PITCHING_BELOW = 40
# Each repeat of a kind is worth REPEAT_DECAY times the previous one, so one habit repeated
# ten times in a long post does not drown everything else.
REPEAT_DECAY = 0.6
# Beyond this many signals of one kind the report gets noisy without saying anything new.
MAX_SIGNALS_PER_KIND = 6
# Self-talk in the opening counts this many times more than later on.
OPENING_WEIGHT = 2.0
OPENING_SHARE = 0.3
MAX_EXCERPT = 160
MAX_WORDS_LEN = 200

VERDICTS = ("connecting", "balanced", "pitching")


def _words(text: str) -> list[str]:
    return text.split()


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which made
# building the signals a tenth of the analyzer's time. Treat reports as read-only all the same.
@dataclass(slots=True)
class Signal:
    kind: str
    side: str  # "pitch" or "connect"
    start: int  # span in the original text: text[start:end] == excerpt
    end: int
    excerpt: str
    reason: str
    points: int  # signed contribution to the score; negative = pitch


@dataclass(slots=True)
class Suggestion:
    kind: str
    text: str  # the whole suggestion, the member's words in it as they wrote them
    excerpt: str | None
    question: str = ""  # the rewrite in `text`, if any (see suggestion_text)


@dataclass(frozen=True, slots=True)
class PitchReport:
    score: int
    verdict: str
    signals: tuple[Signal, ...]
    suggestions: tuple[Suggestion, ...]
    base: int
    word_count: int


# --- Words ------------------------------------------------------------------------------
# Every sentence a member reads is a template in prompts/pitch/, read once at import: the
# one-line reasons (reasons/<key>.j2), the suggestions (suggestions/<kind>.j2, with "ex", the
# member's phrase shortened, and "question", a rewrite where there is one) and the questions a
# pitch line is turned into (questions/<topic>.j2).

REASONS: dict[str, str] = texts("pitch/reasons")
SUGGESTIONS: dict[str, str] = format_strings("pitch/suggestions", "ex", "question")
_QUESTIONS: dict[str, str] = format_strings("pitch/questions", "clause")

# "I help busy moms reclaim 10 hours a week" -> a question about the same topic, about them.
# First match wins; the keys are word stems found in the member's own phrase.
TOPIC_QUESTIONS: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    (tuple(_words(stems)), _QUESTIONS[topic])
    for stems, topic in (
        ("hour time week busy overwhelm calendar inbox", "time"),
        (
            "money financ tax books bookkeep cash retire saving budget debt invest paycheck fund "
            "round",
            "money",
        ),
        ("client sale lead revenue grow scale business launch sell", "business"),
        ("health weight energy fit belly sleep stress burn balance calm wellness eat", "health"),
        ("confiden visib voice speak brave invisible", "confidence"),
        ("website online social instagram brand market content ads", "online"),
        ("career job interview raise promotion salary negotiat", "career"),
        ("home house space declutter organi", "home"),
    )
)
# Word starts only: "eat" is in "eating", not in "create". One regex per topic, built once.
_TOPIC_PATTERNS = tuple(
    (re.compile(r"\b(?:" + "|".join(map(re.escape, stems)) + ")"), question)
    for stems, question in TOPIC_QUESTIONS
)
FALLBACK_QUESTION = _QUESTIONS["fallback"]  # "...trying to {clause}?"
GENERIC_QUESTION = _QUESTIONS["generic"]

# --- Text preparation --------------------------------------------------------------------
# Everything below keeps the scanned text the same length as the original (blanking with
# spaces), so spans stay exact. The one step that can change length (Unicode normalisation,
# zero-width removal) keeps an index map back to the original.

_CODE_BLOCK = re.compile(r"```.*?```", re.S)
_DISCORD_TOKEN = re.compile(r"<(?:@[!&]?\d+|#\d+|a?:\w{1,64}:\d+|t:-?\d+(?::\w)?|/[\w -]+:\d+)>")
_MARKUP = re.compile(r"\*+|~~|\|\||__|`+|^\s*(?:-#|#{1,3})\s", re.M)
_MARKUP_CHAR = re.compile(r"[*~|_`#]")
_QUOTE_LINE = re.compile(r"^[ \t]*>>?>?[ \t]?.*$", re.M)
_QUOTE_MARK = re.compile(r"^[ \t]*>>?>?[ \t]?", re.M)
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
# Zero-width and formatting characters and the combining marks that decorate Latin letters
# ("z̷a̷l̷g̷o̷"): removed so words still match. Emoji joiners and variation selectors stay:
# they sit between emoji, not inside words.
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


def _fold_one(match: re.Match[str]) -> str:
    return str(_PUNCT_FOLD[ord(match.group())])


def _blank(match: re.Match[str]) -> str:
    # Keep newlines so line-based rules (quotes, sentences) still see line breaks.
    return re.sub(r"[^\n]", " ", match.group())


def _normalise(text: str) -> tuple[str, list[int] | None]:
    """NFKC-fold non-ASCII runs; returns the folded text and a map to original indices.

    The map is None when folding kept every index, the common case.
    """
    if text.isascii():
        return text, None
    if unicodedata.is_normalized("NFKC", text) and not _INVISIBLE.search(text):
        # The common case for chat (emoji, accents): only curly quotes and dashes to fold,
        # one character for one.
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


def _prepare(text: str) -> tuple[str, list[int] | None]:
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


# --- Rules --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rule:
    kind: str
    reason_key: str
    points: int
    alternatives: tuple[str, ...]
    negatable: bool
    # Optional context that must end right before the match ("I'm so" before "nervous"):
    # lets a rule be found by its rare word instead of a common one like "I".
    before: re.Pattern[str] | None
    # Optional context that cancels the match ("spent" before "$40": a story, not a price).
    unless: re.Pattern[str] | None


def _for_lowered(source: str) -> re.Pattern[str]:
    """A regex for the lower-cased text, so it needs no re.I: with re.I, `re` must enter every
    alternative of a pattern in turn instead of skipping on its first letter, several times
    slower. Its letters must all be lower-case."""
    if any(c.isupper() for c in re.sub(r"\\.", "", source)):
        raise ValueError(f"upper-case letter in a pattern for lower-cased text: {source}")
    return re.compile(source)


def _rule(
    kind: str,
    points: int,
    *alternatives: str,
    reason: str = "",
    neg: bool = True,
    before: str = "",
    unless: str = "",
) -> _Rule:
    context = _for_lowered(rf"(?:{before})\Z") if before else None
    veto = _for_lowered(rf"(?:{unless})(?:\s+\S+){{0,3}}\s*\Z") if unless else None
    return _Rule(kind, reason or kind, points, alternatives, neg, context, veto)


_NUM = (
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|a\s+few|a\s+couple(?:\s+of)?|"
    r"a\s+handful\s+of)"
)
_SPOTS = r"(?:spots?|places?|seats?|slots?|openings?|spaces?|tickets?|dates?)"
_DAYS = (
    r"(?:today|tonight|tomorrow|soon|midnight|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)"
)
_SERVICE = (
    r"(?:call|session|consult\w*|appointment|slot|spot|place|seat|demo|discovery\s+\w+|"
    r"strategy\s+\w+|meeting|audit|review|class|treatment|massage|reading|shoot|"
    r"assessment|chat)"
)

PHRASE_RULES: tuple[_Rule, ...] = (
    _rule(
        "call_to_action",
        -12,
        r"\b(?:dm|pm|message|msg|text|call|email|e-mail|whatsapp|ping|inbox)\s+(?:me|us)\b",
        r"\bdm\s+(?:for|to|today|now)\b",
        r"\bsend\s+(?:me|us)\s+(?:a\s+)?(?:dm|pm|message|email|text|note)\b",
        r"\bdrop\s+(?:me|us)\s+(?:a\s+)?(?:line|message|dm|note|email)\b",
        rf"\bbook\s+(?:a|an|your|my|our)\s+(?:free\s+|quick\s+|\d+[- ]?min(?:ute)?s?\s+|"
        rf"complimentary\s+)*{_SERVICE}",
        r"\bbook\s+(?:now|online|today|here|via|through|me|us|in\s+(?:now|here))\b",
        r"\blink\s+(?:is\s+)?(?:in\s+(?:my\s+|the\s+)?(?:bio|profile|comments?|description)|"
        r"below|above|in\s+the\s+first\s+comment)",
        r"\bsign[\s-]?up\s+(?:here|now|today|at|via|through|using|for\s+(?:my|our|free|the))\b",
        r"\bsign[\s-]?up\s*(?::|->|\u2192)",
        r"\bregister\s+(?:now|here|today|at|via|for\s+(?:my|our|free|the))\b",
        r"\bcheck\s+out\s+(?:my|our)\b",
        r"\bgrab\s+(?:your|a)\s+(?:spot|seat|copy|place|ticket|free|discount|bundle|slot)\b",
        r"\b(?:reserve|secure|claim)\s+(?:your|a)\s+(?:free\s+)?(?:spot|seat|place|slot|copy)\b",
        r"\bapply\s+(?:now|today|here|at)\b",
        r"\b(?:join|enroll?)\s+(?:my|our)\s+(?:team|program\w*|course|challenge|waitlist|"
        r"wait-list|mastermind|membership|academy|masterclass|webinar|cohort)\b",
        r"\bjoin\s+the\s+wait-?list\b",
        r"\bcomment\s+['\"]?[a-z0-9]+['\"]?\s+(?:below|here)\b",
        r"\bcomment\s+(?:below|here)\b",
        r"\bdrop\s+a\s+\S{1,8}\s+(?:below|if)\b",
        r"\border\s+(?:now|today|online|yours|here)\b",
        r"\bshop\s+(?:my|our)\b|\bshop\s+now\b",
        r"\bcall\s+(?:today|now)\b",
        r"\bcontact\s+(?:me|us)\b",
        r"\bvisit\s+(?:my|our)\s+(?:website|site|page|shop|store|studio)\b",
        r"\bclick\s+(?:the\s+link|here|below)\b",
        r"\bschedule\s+(?:a|an|your)\s+(?:free\s+)?(?:call|demo|consult\w*|appointment|"
        r"session|meeting)\b",
        r"\blet'?s\s+book\b|\blet'?s\s+(?:hop|jump)\s+on\s+a\s+call\b",
        r"\bfollow\s+(?:me|us)\s+(?:on|at|for|@)\b",
        r"\bleave\s+a\s+review\b|\bsubscribe\s+(?:to\s+(?:my|our)|now|here)\b",
        r"\bget\s+started\s+(?:today|now|here)\b",
        r"\blet'?s\s+talk\s+about\s+(?:what|how|your)\b",
        r"\b(?:i'?d|i\s+would|would)\s+love\s+to\s+(?:schedule|set\s+up|show\s+you|"
        r"share\s+(?:this|more\s+about\s+my|the\s+details))\b",
        r"\b(?:happy|glad)\s+to\s+send\s+(?:over|you)\b",
        r"\bi'?ll\s+send\s+you\s+(?:my|the|all|a|our)\b",
        r"\bsend\s+them\s+(?:my|our)\s+way\b",
    ),
    _rule(
        "call_to_action",
        -6,
        r"\bmy\s+(?:inbox|dms?)\s+(?:is|are)\s+(?:always\s+)?open\b",
        r"\bfeel\s+free\s+to\s+(?:dm|pm|message|reach\s+out|contact|email|get\s+in\s+touch|"
        r"book)\b",
        r"\b(?:don'?t\s+hesitate\s+to\s+)?reach\s+out\b",
        r"\bget\s+in\s+touch\b",
        r"\byou\s+know\s+(?:where\s+to\s+find\s+me|who\s+to\s+call)\b",
        r"\blet\s+me\s+know\s+if\s+(?:you|anyone|anybody)\b(?!\s+(?:want\s+to\s+(?:chat|talk|"
        r"grab|meet)|need\s+(?:a\s+hand|anything)))",
        r"\bshout\s+(?:anytime|if\s+you\s+need)\b",
        r"\b(?:happy|glad)\s+to\s+share\s+(?:the\s+|more\s+|my\s+)?(?:details|info|rates|prices)\b",
        reason="call_to_action_soft",
    ),
    _rule(
        "offer_price",
        -10,
        r"\b\d{1,3}\s?%\s*(?:off|discount)\b",
        r"\b(?:discount|promo(?:\s+code)?|coupon|voucher|(?<=on\s)sale|flash\s+sale|"
        r"payment\s+plans?|pricing(?:\s+guide)?|price\s+list|rate\s+card|flat\s+fee|"
        r"for\s+a\s+quote|free\s+quote|investment:)",
        r"\b(?:special|introductory|intro|exclusive|limited)\s+(?:offer|rate|price|deal|bundle)\b",
        r"\b(?:spring|summer|autumn|fall|winter|holiday|christmas|launch|birthday|"
        r"black\s+friday)\s+(?:special|sale|discount|offer)\b",
        r"\bearly[\s-]?bird\b|\bbuy\s+\w+\s*,?\s+get\s+\w+\b|\bbogo\b",
        r"\b(?:packages?|prices?|rates?|plans?)\s+(?:start|starting|from)\b",
        r"\bstarting\s+(?:at|from)\s+[$£€\d]",
        r"\b(?:affordable|competitive|great|my|our)\s+(?:rates|prices|pricing)\b",
        r"\buse\s+(?:promo\s+|discount\s+|my\s+|the\s+)?code\b",
        r"\bmention\s+this\s+(?:group|post)\b",
        r"\bfor\s+(?:my\s+|our\s+)?(?:rates|pricing|prices)\b|\bfor\s+a\s+(?:free\s+)?quote\b",
        r"\b(?:attached|attaching|sending|send\s+over|sent)\s+(?:you\s+)?(?:a|an|my|our|the)\s+"
        r"(?:[\w-]+\s+)?(?:proposal|brochure|media\s+kit|rate\s+(?:card|sheet)|price\s+list|"
        r"(?:sales\s+|pitch\s+)?deck|quote|services\s+guide|pricing)\b",
        r"\b(?:best|great|special|exclusive)\s+deals?\b",
    ),
    _rule(
        "offer_price",
        -10,
        r"[$£€¥₹]\s?\d[\d,.]*\s?[kK]?\b",
        r"\b\d[\d,.]*\s?(?:usd|eur|gbp|dollars|euros|pounds|quid|bucks)\b",
        # "I spent $40 on plants", "we raised £2,000": money in a story is not a price list.
        unless=r"\b(?:spent|spend|spending|paid|pay|bought|won|raised|raising|lost|saved|owe|"
        r"earned|donated|cost\s+me|worth|over|almost|nearly|about)\b",
    ),
    _rule(
        "offer_price",
        -7,
        r"\b(?:free|complimentary|no-cost)\s+(?:\d+[- ]?(?:min(?:ute)?s?|day|week)[- ]?)?"
        r"(?:consult\w*|session|call|audit|review|trial|class|guide|checklist|training|webinar|"
        r"masterclass|workshop|delivery|shipping|quote|analysis|assessment|discovery|strategy|"
        r"e-?book|download|sample|upgrades?|intro\w*|tastings?|market\s+analysis|site\s+audit|"
        r"\w+\s+audits?|\w+\s+review|\w+\s+session|\w+\s+class|mini)\w*",
        r"\bfirst\s+(?:\w+(?:'s|\s+is)?\s+)?(?:free|on\s+me|half[\s-]price)\b",
        r"\bfreebies?\b",
        reason="free_offer",
    ),
    _rule(
        "urgency",
        -8,
        rf"\bonly\s+{_NUM}\s+(?:\w+\s+)?(?:{_SPOTS}|left|remaining|available)\b",
        r"\bonly\s+(?:\d+|one|two|three|four|five)\s+left\b",
        r"\blimited\s+(?:time|spots?|places?|seats?|availability|offer|edition|spaces|slots|"
        r"number)\b|\blimited\s+spots\b",
        r"\bdon'?t\s+miss\b|\blast\s+chance\b|\bfinal\s+(?:call|chance|days?|hours?)\b",
        r"\bhurry\b|\bact\s+(?:now|fast)\b",
        r"\bdoors?\s+(?:close|closing|open)s?\b",
        r"\b(?:enroll?ment|registration|applications?|booking|cart|offer|sale|price)\s+"
        r"(?:closes?|ends?|opens?|closing|expires?)\b",
        rf"\b(?:ends?|expires?|closes?)\s+(?:on\s+|at\s+)?{_DAYS}\b",
        r"\bbefore\s+(?:it'?s|they'?re)\s+(?:gone|full)\b|\bsell\s+out\b|\bselling\s+(?:out|fast)\b",
        r"\bgo(?:es|ing)?\s+fast\b|\bfill(?:ing)?\s+(?:up\s+)?fast\b",
        r"\balmost\s+(?:full|sold\s+out|gone)\b|\bfirst\s+come,?\s+first\s+serv\w*",
        r"\bnow'?s\s+the\s+time\b|\bnow\s+is\s+the\s+time\b|\bwhile\s+(?:stocks?|supplies)\s+last\b",
        r"\bgoes\s+up\s+(?:to|on|after)\b|\bprices?\s+(?:goes|go|will\s+go)\s+up\b",
        r"\bonly\s+available\s+(?:until|till|for|this)\b",
        r"\btoday\s+only\b|\btonight\s+only\b",
        rf"\b(?:book|order|sign\s+up|register|buy|grab|enroll?|dm\s+me)\s+(?:\w+\s+){{0,3}}"
        rf"before\s+{_DAYS}\b",
    ),
    _rule(
        "urgency",
        -8,
        rf"\b{_SPOTS}\s+(?:left|remaining|available|open)\b",
        before=r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|few|couple(?:\s+of)?|"
        r"handful\s+of)\s+(?:\w+\s+)?",
    ),
    _rule(
        "urgency",
        -8,
        r"\bonly\b(?!\s+(?:just|a|one|me|you|if|because|when|to|the|thing))",
        before=r"\b(?:this\s+week(?:end)?|this\s+month|\d+\s+hours?|\d+\s+days?|weekend)\s+",
    ),
    _rule(
        "credentials",
        -6,
        r"\b(?:board[\s-])?certified\b|\blicensed\b|\baccredited\b|\bchartered\b",
        r"\baward[\s-]winning\b|\bmulti[\s-]award\b|\baward[\s-]nominated\b",
        r"\b\d+\+?\s+years?\s+(?:of\s+)?(?:experience|exp\b|practice|combined|in\s+(?:the\s+)?"
        r"(?:business|industry|game|field|trade|vc|hr|marketing|finance|tech))",
        r"\bdecades?\s+of\s+experience\b|\b(?:ten|fifteen|twenty|thirty)\s+years\s+of\s+"
        r"experience\b|\bspent\s+\d+\s+years\b",
        r"\b(?:founder|co-?founder|ceo|owner|director|partner|president)\s*(?:&|and|/)\s*"
        r"(?:ceo|founder|owner|director)\b|\b(?:founder|ceo)\s+of\b",
        r"\bfeatured\s+(?:in|on|by)\b|\bas\s+(?:seen|featured)\s+(?:in|on)\b",
        r"\bbest[\s-]?selling\b|\bbestseller\b|\btedx?\s+speaker\b|\bkeynote\s+speaker\b",
        r"\b\d+[\s-]figure\b|\b(?:six|seven|eight)[\s-]figure\b",
        r"\b(?:helped|served|coached|trained|supported)\s+(?:over\s+|more\s+than\s+)?"
        r"(?:\d[\d,]*\+?|hundreds|thousands)\b",
        r"\b(?:over|more\s+than)\s+\d[\d,]*\+?\s+(?:happy\s+|satisfied\s+)?(?:clients|customers|"
        r"students|weddings|launches|deals|brands|businesses|women|families|projects|authors)\b",
        r"\b\d[\d,]*\+\s+(?:happy\s+|satisfied\s+)?(?:clients|customers|students|weddings|"
        r"launches|deals|brands|businesses|women|families|projects|authors|reviews|meetings|"
        r"leads|sales|downloads|followers|subscribers|members|students|events)\b",
        r"#(?<!\w#)1\b",
        r"\bnumber\s+one\s+(?:in|rated)\b|\btop\s+\d+\b|\bfortune\s+500\b",
        r"\bnamed\s+one\s+of\b|\b(?:leading|renowned|sought-after)\s+(?:expert|authority)\b",
        r"\b(?:decluttering|marketing|sales|branding|industry|leading)\s+expert\b",
    ),
    _rule(
        "elevator_pitch",
        -10,
        r"(?<!can\s)(?<!could\s)(?<!may\s)\b(?:i|we)\s+help\s+(?!out\b|with\s+the\b|me\b)"
        r"[^.!?\n;:]{3,90}\w",
        r"\blove\s+helping\s+(?:women|people|businesses|clients|founders|you|others|small|mums|"
        r"moms|families|entrepreneurs|coaches|brands|teams)\b|\bi'?m\s+(?:passionate\s+about|on\s+a\s+mission\s+to)\s+helping\b",
        r"\bmy\s+mission\s+is\s+to\s+help\b",
        r"\b(?:my|our)\s+(?:[\w-]+\s+){0,2}?(?:agency|firm|company|business|team|studio)\s+"
        r"helps\b",
    ),
    _rule(
        "self_promotion",
        -7,
        r"\b(?:i|we)\s+(?:offer|provide|deliver|speciali[sz]e|sell|supply|distribute)\b",
        r"\b(?:i|we)\s+(?:design|build|write|create|make|print|run)\s+(?:\w+[\s,]+){0,4}?"
        r"(?:that\s+(?:convert|sell|attract|get)|for\s+(?:you|your|businesses|brands|coaches|"
        r"clients|entrepreneurs|small|busy|women|founders))\b",
        r"\b(?:my|our)\s+(?:services?|products?|programs?|programmes?|courses?|packages?|"
        r"offers?|clients|agency|firm|company|brand|portfolio|signature\s+\w+)\b",
        r"\b(?:my|our)\s+(?:[\w-]+\s+){1,2}?(?:software|services?|products?|app|programs?|"
        r"programmes?|course|tool|platform|packages?|agency|business\s+could)\b(?!\s+(?:at|in)\s+"
        r"(?:work|the\s+office))",
        r"\bwork\s+with\s+me\b|\bhire\s+me\b|\bi'?m\s+your\s+(?:girl|gal|go-to|woman|person)\b",
        r"\bi\s+do\s+it\s+all\b|\bwe\s+(?:can|will)\s+(?:get|help|save|make|take|handle)\s+you\b",
        r"\bi\s+(?:can|will|'ll)\s+(?:help\s+you|save\s+you|get\s+you|show\s+you|fix|transform|"
        r"take\s+the)\b",
        r"\bi\s+work\s+with\s+(?:\w+[\s-]+){0,2}?(?:clients|businesses|brands|founders|women|"
        r"coaches|entrepreneurs|companies|families|startups|leaders|teams|executives|"
        r"creatives)\b",
        r"\bthat'?s\s+(?:exactly\s+)?what\s+i\s+(?:help|do)\b",
    ),
    _rule(
        "availability",
        -8,
        rf"\b(?:i|we)(?:'ve|\s+have|\s+currently\s+have|\s+now\s+have)\s+(?:got\s+)?"
        rf"(?:\w+\s+){{0,2}}(?:{_SPOTS}|availability|capacity)\b",
        r"\b(?:currently|now)\s+(?:accepting|taking(?:\s+on)?|booking|open\s+for)\b",
        r"\b(?:taking|accepting)\s+(?:on\s+)?(?:a\s+(?:few|couple\s+of)\s+)?(?:new\s+)?"
        r"(?:clients|projects|bookings|commissions|students|patients)\b",
        r"\bbooking\s+(?:for|now|projects|clients|new|\d{4}|q\d)\b",
        r"\bopen\s+for\s+(?:bookings|business|new\s+clients|commissions)\b",
        r"\b(?:openings?|availability|space)\s+for\s+new\s+(?:clients|projects|students)\b",
        r"\b(?:i'?m|we'?re|i\s+am)\s+(?:looking\s+for|seeking)\s+(?:new\s+clients|\d+\s+\w+)\b",
        r"\bopening\s+up\s+\d+\s+(?:spots?|slots?|places?)\b",
    ),
    _rule(
        "announcement",
        -6,
        r"\b(?:excited|thrilled|delighted|proud|happy)\s+to\s+(?:announce|launch|introduce|"
        r"unveil|offer|share\s+(?:that\s+)?my\s+new)\b",
        r"\blaunched\b(?<=just\slaunched)|\bnow\s+(?:open|live|available|enrolling)\b",
        r"\bintroducing\s+(?:my|our|the)\b|\bnew\s+cohort\b",
        r"\b(?:my|our)\s+new\s+(?:\w+\s+)?(?:course|program\w*|book|product|collection|offer|"
        r"service|package|range|line|app|workshop)\b",
        r"\bout\s+now\b|\bpre-?order\b|\bavailable\s+on\s+amazon\b",
    ),
    _rule(
        "hype",
        -5,
        r"\btransform\s+(?:your|you)\b|\bgame[\s-]?changer\b|\blife[\s-]?changing\b",
        r"\b10x\b|\bautopilot\b|\bdream\s+clients?\b|\bzone\s+of\s+genius\b",
        r"\bunlock\s+(?:your|their)\b|\bmanifest\s+abundance\b|\bnext\s+level\b",
        r"\bskyrocket\b|\bproven\s+(?:system|method|strategy|framework|formula|process|"
        r"results?)\b|\bsignature\s+(?:program\w*|framework|method|system|offer|course)\b",
        r"\bguaranteed\b|\bhigh[\s-]ticket\b|\breal\s+results\b|\bget(?:s)?\s+results\b",
        r"\b(?:that|which)\s+convert\b|\bcommand\s+premium\b",
    ),
    _rule(
        "opportunity",
        -8,
        r"\b(?:extra|passive|residual)\s+income\b|\bfinancial\s+freedom\b|\bbe\s+your\s+own\s+boss\b",
        r"\bearn(?:ing)?\s+(?:an?\s+)?(?:extra|from\s+home|[$£€]|money|income)",
        r"\bno\s+experience\s+(?:needed|necessary|required)\b",
        r"\bjoin\s+my\s+team\b|\bbuilding\s+(?:a|my)\s+team\s+of\b",
        r"\bopportunity\b(?<=this\sopportunity)|\b(?:business|amazing|incredible)\s+opportunity\b",
        r"\bindependent\s+(?:consultant|distributor)\b",
        r"\bfrom\s+(?:home|your\s+phone)\b.{0,40}\b(?:earn|income|money)\b",
    ),
    _rule(
        "generic_audience",
        -7,
        r"\banyone\s+(?:who|that)\s+(?:needs?|wants?|is\s+looking|'?s\s+looking|is\s+struggling|"
        r"struggles|is\s+ready|is\s+thinking)\b",
        r"\bif\s+you\s+know\s+(?:someone|anyone|anybody)\b",
        r"\bknow\s+(?:someone|anyone)\s+who\s+(?:needs?|wants?|could\s+use|is\s+looking)\b",
        r"\b(?:calling|attention)\s+all\b|\b(?:small\s+)?business\s+owners\b",
        r"\b(?:everyone|anyone|all)\s+who\s+(?:needs?|wants?)\b",
        r"\b(?:business\s+owners|people|women|ladies)\s+like\s+you\b",
        r"\bwho\s+want(?:s)?\s+to\s+(?:stop|start|earn|make|lose|grow|get|double|scale)\b",
        r"\banyone\s+(?:here\s+)?(?:need|needing|want|looking\s+for)\s+(?:a|an|help|some)\b",
        r"\banyone\s+in\s+(?:the|this|our)\s+(?:group|area|community)\b",
        r"\bwhether\s+you'?re\s+(?:buying|selling|a|looking|starting)\b",
        r"\bif\s+you(?:'re|\s+are)\s+(?:\w+\s+)?(?:tired|sick|struggling|ready|fed\s+up|done)\b",
        r"\bif\s+any\s+of\s+your\s+(?:\w+\s+)?(?:friends|clients|contacts|network|colleagues)\b",
    ),
    _rule(
        "generic_audience",
        -7,
        r"\b(?:who|looking|ready|wanting|struggling)\b",
        before=r"\bif\s+you(?:'re|\s+are)\s+an?\s+(?:[\w-]+[\s,]+){1,6}?",
    ),
    _rule(
        "generic_audience",
        -7,
        r"\b(?:anyone|anybody|someone)\s+(?:you\s+know\s+|here\s+)?(?:needs?|wants?|is\s+looking|"
        r"'?s\s+looking|is\s+thinking|is\s+interested|ever\s+needs?)\b",
        before=r"\b(?:if|for)\s+(?:you\s+or\s+)?",
    ),
    _rule(
        "generic_audience",
        -7,
        r"\bplease\s+share\s+(?:this\s+)?with\s+(?:anyone|someone|friends)\b",
        r"\btag\s+(?:someone|a\s+friend|anyone)\b",
        r"\breferrals?\s+(?:are|is)\s+(?:the|always|welcome|appreciated|greatly)\b",
        r"\bi'?d\s+love\s+an\s+intro\b",
        reason="referral_ask",
    ),
    _rule(
        "soft_offer",
        -7,
        r"\bif\s+(?:you|anyone|anybody|someone)(?:'s|'re|\s+is|\s+are)?\s+(?:ever\s+|still\s+)?"
        r"(?:need|needs|want|wants|looking\s+for|curious|interested|fancy|fancies|thinking\s+of)\b",
        r"\bif\s+(?:you|anyone|anybody)\s+(?:ever\s+)?(?:has|have|needs?)\s+(?:any\s+)?"
        r"(?:questions|advice)\s+(?:about|on|with)\b",
        r"\bi'?d\s+(?:love|be\s+(?:happy|glad|delighted))\s+to\s+(?:help|photograph|work\s+with|"
        r"support)\b",
        r"\bi\s+(?:have|'ve\s+got)\s+(?:a|an|my)\s+(?:[\w-]+\s+){0,2}?(?:workshop|course|"
        r"program\w*|class|masterclass|webinar|retreat|guide|checklist|freebie|offer)\b",
        r"\b(?:available|sale)\s+(?:in|on|at)\s+my\s+(?:shop|store|site|website|etsy)\b",
    ),
    _rule(
        "soft_offer",
        -7,
        r"\b(?:launching|running|hosting|offering|opening|teaching|starting)\s+(?:a|an|my|our)\s+"
        r"(?:[\w-]+\s+){0,3}?(?:workshop|course|program\w*|class|masterclass|webinar|retreat|"
        r"challenge|sessions?|membership|group|cohort|sale|open\s+(?:evening|day|studio)|pop-?up|"
        r"launch\s+party)\b",
        before=r"\b(?:i'?m|i\s+am|i'?ll\s+be|we'?re|we\s+are|we'?ll\s+be)\s+(?:\w+\s+)?",
    ),
    _rule(
        "pitch_behaviour",
        -8,
        r"\bhanded\s+out\s+(?:\w+\s+){0,3}?(?:cards|business\s+cards|flyers|leaflets)\b",
        r"\bcollected\s+(?:\w+\s+){0,3}?(?:cards|business\s+cards|contacts|leads)\b",
        r"\bpitched\s+(?:my|to|at|everyone|every)\b|\b(?:my|gave\s+my|did\s+my)\s+(?:elevator\s+)?"
        r"(?:pitch|spiel)\b",
        r"\b(?:got|gained|landed|closed)\s+(?:\w+\s+)?(?:leads?|prospects?|sales?|deals?)\b",
        r"\bfront\s+of\s+(?:more\s+)?(?:prospects|buyers|clients|decision[\s-]makers)\b",
        r"\b(?:more|new|potential|qualified)\s+(?:prospects|leads)\b",
        neg=False,
    ),
    # --- connecting side ---
    _rule(
        "warmth",
        6,
        r"\bcongrat(?:ulation)?s\b|\bwell\s+done\b|\bproud\s+of\s+you\b|\byou\s+(?:totally\s+|so\s+)?"
        r"deserve\b|\blook\s+at\s+you\b|\brooting\s+for\s+you\b|\byou'?ve\s+got\s+this\b",
        r"\bthinking\s+of\s+you\b|\bcheck(?:ing)?\s+in\s+on\s+you\b|\bjust\s+wanted\s+to\s+check\s+in\b",
        r"\bsending\s+(?:love|hugs|good\s+vibes|strength)\b|\bgood\s+luck\b|\bhope\s+(?:it|you|the|"
        r"she|he|they)(?:'re)?\s+(?:went|goes|are|is|feel|feeling|had|doing|settling|well)\b",
    ),
    _rule(
        "warmth",
        3,
        r"\b(?:glad|happy|thrilled|excited)\s+(?:you'?re|you\s+are|to\s+have\s+you)\s+"
        r"(?:here|with\s+us|joining)\b|\bwelcome\b",
        r"\b(?:nice|lovely|great|wonderful|good)\s+(?:to\s+(?:meet|see|chat)|"
        r"meeting|chatting|seeing)\b|\bloved\s+(?:meeting|chatting|seeing)\b",
        r"\b(?:glad|happy|lovely|nice|great)\s+to\s+have\s+(?:met|chatted|seen)\b",
    ),
    _rule(
        "asking_advice",
        6,
        r"\b(?:any|got\s+a|your|good)\s+(?:good\s+)?(?:recommendations?|recs|tips|advice|"
        r"suggestions|ideas)\b|\bdoes\s+any(?:one|body)\s+(?:know|have|recommend)\b|"
        r"\bcan\s+any(?:one|body)\s+recommend\b|\bany(?:one|body)\s+(?:know|got)\s+(?:a|an|any)\b",
    ),
    _rule(
        "listening",
        8,
        r"\bi\s+(?:mostly\s+|just\s+)?listened\b|\bdidn'?t\s+(?:mention|talk\s+about|pitch)\s+my\b",
        r"\basked\s+(?:her|him|them|people|everyone)\s+(?:about|what|how|why)\b|\bgot\s+to\s+know\b",
        r"\bswapped\s+(?:numbers|details|stories|cards)\b",
        neg=False,
    ),
    _rule(
        "gratitude",
        6,
        r"\b(?:thank\s+you|thanks|thank\s+u|thx|many\s+thanks|grateful|gratitude|"
        r"appreciate[ds]?(?!\s+the\s+irony)|appreciation|shout[\s-]?out\s+to|kudos\s+to|i\s+owe\s+you)\b",
    ),
    _rule(
        "curiosity",
        7,
        r"\bwhat\s+(?:got|made|brought|inspired|led|drew|pulled)\s+you\b",
        r"\bhow\s+did\s+you\s+(?:get|start|find|decide|learn|come|end\s+up|become|go|know|"
        r"manage|make|meet|discover|figure|deal)\b",
        r"\bhow\s+do\s+you\s+(?:all\s+)?(?:find|carve|manage|keep|deal|juggle|cope|balance|"
        r"stay|handle|unwind|relax|switch\s+off|feel)\b",
        r"\b(?:i'?d|i\s+would|would|i'?d\s+really)\s+love\s+to\s+(?:hear|know|learn\s+(?:more\s+)?about|"
        r"see\s+your)\b",
        r"\b(?:love|keen|curious)\s+to\s+(?:hear|know)\b",
        r"\btell\s+(?:me|us)\s+(?:about|more|what|how|everything)\b",
        r"\bi'?m\s+(?:so\s+|really\s+|genuinely\s+)?curious\b|\bcurious\s+(?:about|how|what)\b",
        r"\bi'?ve\s+been\s+(?:wondering|thinking\s+about\s+(?:what\s+you|our|your))\b",
        r"\byou\s+(?:mentioned|told\s+me|were\s+telling)\b",
        r"\bhow'?s\s+(?:your|the|everyone|things|life)\b|\bhow\s+(?:is|was|are|were)\s+(?:your|"
        r"the\s+rest|everyone)\b",
        r"\bhow\s+(?:are|were)\s+you\s+(?:feeling|doing|finding|getting\s+on|settling)\b",
        r"\bhow\s+did\s+(?:your|the|it)\b",
        r"\bwhat\s+(?:do|did)\s+you\s+(?:all\s+)?(?:think|love|enjoy|miss|like)\b",
        r"\bwhat\s+are\s+you\s+(?:all\s+)?(?:working\s+on|reading|watching|listening|up\s+to|"
        r"excited|hoping|building|into)\b",
        r"\bi\s+(?:loved|enjoyed|liked|remember)\s+(?:hearing|how\s+you|what\s+you|your|our|the\s+"
        r"bit|chatting|talking|learning)\b",
        r"\bi\s+keep\s+thinking\s+about\b|\byour\s+stor(?:y|ies)\b",
    ),
    _rule(
        "shared_interest",
        6,
        r"\bme\s+too\b|\bsame\s+here\b|\bsame!|\bi'?m\s+the\s+same\b|\bme\s+as\s+well\b",
        r"\byou(?:'re|\s+are)\s+(?:into|also)\b|\byou'?re\s+(?:\w+\s+){1,3}too\b",
        r"\bi'?m\s+also\s+(?:a|an|in|into|from|new|based|learning)\b",
        r"\b(?:i|we)\s+also\s+(?:love|have|live|grew|went|read|enjoy|moved|struggle)\b",
        r"\bfellow\s+\w+",
        r"\banother\s+(?:\w+\s+)?(?:mum|mom|runner|introvert|freelancer|reader|parent|nerd|"
        r"geek|lover|fan|newbie|immigrant|expat|[\w-]+\s+person)\b",
        r"\b(?:any|other)\s+(?:other\s+)?\w+\s+(?:people|lovers|fans|nerds|mums|moms|parents|"
        r"runners|readers|folks)\b",
        r"\b(?:does\s+)?any(?:one|body)\s+else\b|\bwho\s+else\s+(?!is\s+ready|wants)\w+",
        r"\bcommon\b(?<=in\scommon)|\bwe\s+both\b",
    ),
    _rule(
        "invitation_no_sale",
        7,
        r"\b(?:grab|get|have|go\s+for|meet(?:ing)?\s+(?:up\s+)?for|join\s+me\s+for|up\s+for|fancy)\s+(?:a\s+|an\s+|"
        r"some\s+)?(?:quick\s+)?(?:virtual\s+)?(?:coffee|cuppa|tea|chai|lunch|brunch|dinner|"
        r"drinks?|walk|bite|breakfast)\b",
        r"\b(?:coffee|lunch|walk|drinks?|tea|brunch)\s+(?:sometime|soon|next\s+week|this\s+week|"
        r"one\s+day|some\s+\w+day|on\s+me)\b",
        r"(?<![\w,] )(?<![\w,])(?:coffee|lunch|drinks?|tea|cuppa|walk)\b[^.!?\n]{0,25}\?",
        r"\bmy\s+treat\b|\bno\s+agenda\b",
        r"\b(?:let'?s|should|could)\s+meet\s+up\b|\bcatch\s+up\s+soon\b",
        r"\b(?:stay|keep)\s+in\s+touch\b|\bpick\s+up\s+where\s+we\s+left\s+off\b",
        r"\bcontinue\s+(?:our|the)\s+(?:chat|conversation|talk)\b",
        r"\b(?:hope|can'?t\s+wait|looking\s+forward)\s+to\s+(?:seeing|meet(?:ing)?|see|getting\s+"
        r"to\s+know)\s+(?:you|some\s+of\s+you|everyone|more)\b",
        r"(?<!to\s)\bsee\s+you\s+(?:there|at\s+the\s+next|next|soon|on\s+\w+day|tomorrow)\b|\bsame\s+time\s+next\s+\w+\b",
        r"\bco-?working\s+(?:morning|session|day|afternoon)\b|\bgames?\s+night\b",
        r"\bwould\s+(?:you\s+)?(?:like|want|love)\s+to\s+(?:meet|grab|get\s+(?:a\s+)?coffee|"
        r"have\s+lunch|go\s+for)\b",
        r"\blet'?s\s+(?:meet|grab|catch\s+up|do\s+(?:this|it)\s+again)\b",
        r"\bswap\s+stories\b|\bvirtual\s+coffee\b",
    ),
    _rule(
        "giving",
        8,
        r"\b(?:want|would\s+you\s+like|happy|glad|love)\s+(?:me\s+)?to\s+(?:introduce|connect)\s+"
        r"you\b",
        r"\b(?:introduce|connect)\s+you\s+(?:two|both|to)\b",
        r"\bi\s+know\s+(?:someone|somebody|just\s+the\s+person|a\s+(?:great|brilliant|lovely|"
        r"fantastic|wonderful))\b",
        r"\bmy\s+friend\s+\w+\s+(?:is|runs|does|has|makes|might)\b",
        r"\b(?:happy|glad)\s+to\s+(?:share\s+what|listen|lend|pass\s+on|introduce)\b",
        r"\bif\s+you\s+ever\s+(?:want|need)\s+to\s+(?:talk|chat|vent)\b(?!\s+about)",
        r"\bi'?m\s+here\s+(?:if|for\s+you|whenever)\b|\bhow\s+can\s+i\s+help(?:\s+you)?\b",
        r"\blet\s+me\s+know\s+if\s+(?:i\s+can|there'?s\s+anything)\b",
        r"\bextra\s+pair\s+of\s+hands\b|\bpass(?:ing)?\s+on\s+the\s+(?:favour|favor)\b",
        r"\bpay(?:ing)?\s+it\s+forward\b",
        r"\b(?:highly\s+)?recommend(?:ed)?\s+(?!my\b|our\b|me\b)\w+",
    ),
    _rule(
        "no_sale",
        4,
        r"\bnot\s+(?:\w+\s+){0,4}?sell(?:ing)?\s+(?:you\s+)?(?:anything|a\s+thing|a\s+\w+)?",
        r"\bno\s+(?:sales\s+)?pitch\b|\bnot\s+a\s+(?:sales\s+)?pitch\b",
        neg=False,
    ),
)

# Personal life beyond work. Nouns count when they are the member's own ("my kids").
_FAMILY = (
    r"kids?|children|child|sons?|daughters?|husband|wife|partner|boyfriend|girlfriend|fianc[eé]e?|"
    r"mum|mom|mother|dad|father|parents|grand(?:mother|ma|father|pa|kids|children)|granny|nan|"
    r"sisters?|brothers?|siblings|family|twins|toddler|baby|teenager|teen|nieces?|nephews?|"
    r"aunt|uncle|in-laws|[\w-]+-in-law|best\s+friend"
)
_PETS = (
    r"dogs?|cats?|pups?|puppy|kitten|parrot|rabbit|horse|hamster|beagle|spaniel|labrador|"
    r"greyhounds?|tortoise|chickens|bees"
)
_HOBBIES = (
    r"hik(?:e|es|ing)|running|runner|marathon|5k|10k|half\s+marathon|yoga|garden(?:ing|er)?|"
    r"allotment|baking|bread|cooking|reading|books?|novels?|podcasts?|painting|watercolou?rs?|"
    r"pottery|ceramics?|choir|singing|dancing|surf(?:ing)?|sailing|climbing|bouldering|cycling|"
    r"swimming|knitting|crochet|quilt(?:s|ing)?|board\s+games|chess|puzzles?|travel(?:l?ing)?|"
    r"beach|walks|tramping|karaoke|crosswords?|movies|films|dramas|tv|music|concerts?|theatre|"
    r"theater|camping|fishing|birdwatching|languages?|spanish|french|italian|portuguese|german|"
    r"japanese|tomatoes|plants|houseplants|tennis|netball|football|piano|cello|guitar|violin|"
    r"jigsaws?|sourdough|lasagne|puns|beekeep\w*|horror|sci-fi|poetry"
)
_FEELINGS = (
    r"nervous|terrified|scared|shy|lonely|anxious|overwhelmed|proud|excited|thrilled|grateful|"
    r"tired|exhausted|sad|happy|glad|lost|emotional|introverted|heartbroken|relieved|stressed|"
    r"struggling|obsessed|homesick|embarrassed|humbled|nervy|giddy|delighted"
)

PERSONAL_RULES: tuple[_Rule, ...] = (
    _rule(
        "personal_sharing",
        5,
        rf"\b(?:my|our)\s+(?:[\w-]+\s+){{0,2}}?(?:{_FAMILY}|{_PETS})\b",
        r"\b(?:mum|mom|mother|mama|dad|parent|grandma|grandmother|nana|wife|auntie|step-?mum|"
        r"step-?mom)\s+(?:of|to)\s+(?:\w+\s+)?(?:one|two|three|four|five|six|\d|twins|a|an|my)\b",
        r"\b(?:dog|cat|plant|cat\s+lady|boy|girl|twin|dance|soccer|football)\s+(?:mum|mom|lady|"
        r"parent|person|people|lover|dad)\b|\bcrazy\s+(?:plant|cat|dog)\s+\w+",
        r"\b(?:new|first-time|proud|tired|busy|single|working|stay-at-home)\s+(?:mum|mom|mama|"
        r"grandma|mother)\b",
        r"\b(?:coffee|tea|book|chocolate|podcast)\s+(?:addict|lover|nerd|fiend|snob|worm)\b|"
        r"\bbookworm\b|\b(?:history|theatre|theater|science|food|board\s+game|data|language)\s+"
        r"(?:nerd|geek|buff)\b",
        r"\bi\s+(?:love|enjoy|adore)\s+(?!helping|working\s+with|to\s+help|supporting|serving|"
        r"what\s+i\s+do)(?:\w+ing)\b",
        r"\b(?:just|recently)\s+(?:moved|relocated|retired|graduated|arrived)\b|\bnew\s+to\s+"
        r"(?:town|the\s+(?:city|area|country|group)|\w+)\b|\boriginally\s+from\b|\bgrew\s+up\s+"
        r"(?:in|on|with)\b|\bi\s+moved\s+(?:here|to|from)\b|\bnew\s+here\b|\bfirst\s+(?:post|"
        r"time\s+(?:here|posting|in\s+a))\b",
        rf"\b(?:one|two|three|four|five|six|\d)\s+(?:[\w-]+\s+){{0,2}}?(?:kids|children|boys|girls|"
        rf"sons|daughters|teenagers|teens|grandkids|grandchildren|{_PETS})\b",
        r"\bi\s+cried\b|\bmade\s+me\s+(?:cry|laugh|smile)\b|\bi'?m\s+still\s+(?:smiling|laughing)\b|"
        r"\bhad\s+me\s+in\s+stitches\b|\bi\s+have\s+opinions\b",
        neg=False,
    ),
    # Hobbies, when they are the member's own ("what got you into pottery?" is about them).
    _rule(
        "personal_sharing",
        5,
        rf"\b(?:started|taking\s+up|took\s+up|learning|learnt|learned|practi[sc]ing|love|loves|"
        rf"enjoy|adore|into|obsessed\s+with)\s+(?:\w+\s+){{0,2}}?(?:{_HOBBIES})\b",
        before=r"\b(?:i|i'm|im|i\s+am|i've|ive|i\s+have|we|we're|we've)\s+(?:\w+\s+){0,3}",
        neg=False,
    ),
    # Feelings and self-descriptions, found by the rare word and checked for "I'm ..." before.
    _rule(
        "personal_sharing",
        5,
        rf"\b(?:{_FEELINGS})\b(?!\s+to\s+(?:announce|share|launch|introduce|offer|open|welcome|"
        r"help|bring|talk|chat|answer|assist|support|discuss|send|take|do))",
        before=r"\b(?:i'?m|i\s+am|i\s+feel|feeling|i\s+felt|i\s+was|i'?ve\s+been|honestly)\s+"
        r"(?:\w+\s+){0,2}",
        neg=False,
    ),
    _rule(
        "personal_sharing",
        5,
        r"\b(?:reader|runner|hiker|baker|cook|gardener|knitter|swimmer|cyclist|climber|painter|"
        r"traveller|traveler|napper|singer|dancer|introvert|mess|wreck|nerd|geek)\b",
        before=r"\b(?:i'?m|i\s+am|i\s+was|i'?ve\s+always\s+been)\s+(?:\w+[\s,]+){0,4}",
        neg=False,
    ),
)

# --- Links and contact details -------------------------------------------------------------

_TLD = (
    r"com|net|org|io|co|uk|eu|de|fr|au|ca|nz|in|za|ie|es|it|nl|me|ai|app|dev|shop|store|studio|"
    r"design|agency|academy|coach|art|photo|photography|life|online|site|website|page|link|ly|"
    r"biz|info|xyz|health|club|blog|live|tv|gg|fit|beauty|style|events|space|tech|world"
)
_URL_SCHEME = re.compile(r"(?:https?://|www\.)[^\s<>]+", re.I)
# Lower-case only: "work.It's" (a missing space) is not a link to "work.it".
_DOT_TLD = re.compile(rf"\.(?:{_TLD})(?:\.(?:uk|au|nz|za|in|br))?(?![\w@-])(?:/[^\s<>]*)?")
_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")
# Each starts with a literal or a character set, so `re` can skip ahead fast.
_EMAIL = re.compile(r"@(?<=[\w.+-]@)[\w-]+(?:\.[\w-]+)+")
_EMAIL_USER = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-")
_PHONE = re.compile(r"[+(\d](?<![\w$£€][+(\d])[\d ().-]{7,}\d(?![\w%])")
_HANDLE = re.compile(r"@(?<![\w@<]@)[A-Za-z0-9_.]{2,30}")
_PLATFORM_BEFORE = re.compile(
    r"(?:instagram|insta|ig|tiktok|twitter|x|linkedin|threads|facebook|fb|youtube|follow|"
    r"find\s+(?:me|us)|handle|on)\s*[:\-]?\s*\Z",
    re.I,
)
_CONTACT_PHRASES = _rule(
    "contact_details",
    -6,
    r"\b(?:my|our)\s+(?:website|site|web\s+site|shop|store|page|card|business\s+card|number|"
    r"details|calendar|booking\s+link|linktree|instagram|insta|ig|facebook\s+page|tiktok|"
    r"youtube\s+channel|newsletter)\b",
    r"\binstagram\b(?<=on\sinstagram)|\binsta\b(?<=on\sinsta)|\btiktok\b(?<=on\stiktok)",
)
_TRAILING = ".,;:!?)]}>'\"*_|"
_ASKED = _for_lowered(
    r"\b(?:you|u|a\s+few\s+of\s+you|some\s+of\s+you|people|several\s+of\s+you)\s+(?:\w+\s+)?"
    r"(?:asked|requested|wanted)\b|\bas\s+requested\b|"
    r"\b(?:thanks|thank\s+you)\s+(?:so\s+much\s+)?for\s+asking\b|\bsince\s+you\s+asked\b|"
    r"\byou\s+said\s+you'?d\s+(?:love|like)\b|\bper\s+your\s+request\b|\bhere'?s\s+the\s+\w+\s+"
    r"you\b"
)
_BUT = _for_lowered(r"(?:[^.!?]|\.{2,}){0,40}?\bbut\b")
_ASKABLE_KINDS = frozenset({"link", "contact_details", "offer_price", "self_promotion"})

# --- Sentences, questions, pronouns -------------------------------------------------------

_EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff"
# Emoji often end a sentence in chat ("so excited 🎉 What do you..."), when a capital follows:
# a run of stops and emoji ends a sentence if it holds a stop, or else if a capital follows.
# Character sets first, so `re` skips straight to candidates.
_STOP = re.compile(r"[.!?\n][.!?]*")
_STOP_EMOJI = re.compile(
    rf"[.!?\n{_EMOJI}](?:(?<=[.!?\n])[.!?{_EMOJI}]*|"
    rf"[{_EMOJI}]*(?:[.!?][.!?{_EMOJI}]*|(?=[{_EMOJI}\s]*[A-Z])))"
)
_HASHTAGS = re.compile(r"#(?<![\w&]#)[^\W\d_]\w{1,40}(?:\s*#[^\W\d_]\w{1,40})+")
# Pronouns, as the bytes words of a sentence ("i'm" splits into "i" and "m").
_SELF_WORDS = frozenset(b"i me my mine myself we us our ours ourselves".split())
_OTHER_WORDS = frozenset(b"you your yours yourself yourselves u ya".split())
_ABOUT_THEM_WORDS = _OTHER_WORDS | frozenset(
    b"anyone anybody everyone everybody who folks ladies friends".split()
)
# A yes/no question about the reader's pain or wants: the opening line of a sales page.
# It opens the sentence or follows a comma: two regexes, so each finds its start fast.
_LURE_SOURCE = (
    r"\W*(?:are|r|do|does|is|have|did|would|will|wanna|ever|who'?s|who\s+is|who\s+else\s+is|"
    r"what\s+if|need|want|looking|tired|struggling|sick|ready|feeling|still)\b"
)
_LURE_START = _for_lowered(_LURE_SOURCE)  # .match
_LURE_AFTER_COMMA = _for_lowered(r",\s*" + _LURE_SOURCE)
_PAIN_SOURCE = (
    r"\b(?:tired\s+of|sick\s+of|struggl\w*|drown\w*|stuck|overwhelm\w*|stress\w*|frustrat\w*|"
    r"invisible|ready\s+to|ready\s+for\s+(?:a|your)|looking\s+for\s+(?:a|an)|need\s+(?:a|an|help|"
    r"more)|want\s+to\s+(?:lose|earn|make|grow|double|quit|get|know|feel|stop|start)|dream\s+of|"
    r"wish\s+you|wonder(?:ed)?\s+why|know\s+(?:your|how|why|what)|burn(?:ed|t)?\s+out|exhausted|"
    r"costing|convert\w*|thought\s+about|considered|interested\s+in|open\s+to|lose\s+\d+|"
    r"quit(?:ting)?\s+your|what\s+if|earn|income|spending\s+hours|doing\s+your\s+own|"
    r"feel\s+(?:invisible|stuck|lost|behind|overwhelmed)|hate\s+\w+ing|worried|a\s+\w+\s+who)"
)
_CALL_ASK = re.compile(r"\ba\s+(?:call|chat|zoom|video\s+call|phone\s+call)\b")
_SALES_ASK_SOURCE = (
    r"\b(?:quick\s+call|\d+\s+min(?:ute)?s?|demo|proposal|quote|case\s+stud\w+|"
    r"hearing\s+more|more\s+info|the\s+details|pricing|an\s+invite|your\s+email|your\s+number|"
    r"newsletter|good\s+time\s+to\s+call|to\s+discuss|options|a\s+sample|free\s+\w+|"
    r"want\s+in|sign\s+up|the\s+link)\b"
)


@dataclass(frozen=True, slots=True)
class _Gate:
    """A regex of word alternatives, run only when one of its first words is present."""

    pattern: re.Pattern[str]
    others: re.Pattern[str] | None  # alternatives that `pattern` leaves out (see `_gate`)
    words: frozenset[bytes]  # whole first words
    # First words known only by their start ("struggl..."), as one regex: None if there are none.
    prefixes: re.Pattern[str] | None
    digits: bool  # some alternative starts with a number

    def search(self, low: str, words: set[bytes]) -> re.Match[str] | None:
        """A match if there is one (not always the first: a yes or no)."""
        if (
            self.words.isdisjoint(words)
            and not (self.prefixes and self.prefixes.search(low))
            and not (self.digits and _HAS_DIGIT.search(low))
        ):
            return None
        found = self.pattern.search(low)
        if found is None and self.others is not None:
            found = self.others.search(low)
        return found


def _gate(source: str) -> _Gate:
    plain = _for_lowered(source)
    # The alternatives with a known first letter, rewritten to be found fast; the others.
    fast, others = _split_by_first_letter(plain)
    pattern, rest = (plain, None) if fast is None else (fast, others)
    rest_pattern = re.compile("|".join(rest)) if rest else None
    try:
        heads = _heads(list(_sre_parse.parse(source, re.I).data)) or {""}
    except Exception:  # a parser that changed in a new Python: always run the regex
        heads = {""}
    if any(not (h[:1].isalnum() or h[:1] == _DIGIT) for h in heads):
        return _Gate(pattern, rest_pattern, frozenset(), re.compile(""), True)
    return _Gate(
        pattern=pattern,
        others=rest_pattern,
        words=frozenset(h[:-1].encode() for h in heads if h.endswith(_END)),
        prefixes=_any_of(sorted(h for h in heads if not h.endswith(_END) and h[:1] != _DIGIT)),
        digits=any(h[:1] == _DIGIT for h in heads),
    )


def _any_of(strings: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(map(re.escape, strings))) if strings else None


def _sentence_words(low: str) -> set[bytes]:
    return set(low.encode("utf-8", "surrogatepass").translate(_BYTE_WORDS).split())


_PITCH_KINDS_FOR_SENTENCE = frozenset(
    {
        "call_to_action",
        "offer_price",
        "urgency",
        "link",
        "contact_details",
        "elevator_pitch",
        "self_promotion",
        "availability",
        "opportunity",
        "hype",
        "announcement",
        "generic_audience",
        "credentials",
        "soft_offer",
        "pitch_behaviour",
    }
)


# --- The analyzer -------------------------------------------------------------------------


@dataclass(slots=True)
class _Raw:
    kind: str
    reason_key: str
    start: int  # in the normalised text
    end: int
    points: int
    sentence: int = -1


def _negated(low: str, start: int, negations: list[int]) -> bool:
    """ "I'm not selling", "no need to book": a negation just before the phrase.

    `negations` holds where each negation word of the text starts (_NEGATION_START): most
    texts have none near a phrase, and a bisect is far cheaper than a regex per phrase."""
    if not negations:
        return False
    begin = start - 28 if start > 28 else 0
    i = bisect_left(negations, begin)
    if i == len(negations) or negations[i] >= start:
        return False
    return _negation(low, begin, start)


def _negation(low: str, begin: int, start: int) -> bool:
    return bool(_NEGATION_FAST.search(low, begin, start)) and not _NOT_NEGATION.search(
        low, begin, start
    )


# Where a _NEGATION match can start ("n't" also inside "don't"): a superset, so a phrase
# with none in its window cannot be negated. Written to start with literals for a fast scan.
_NEGATION_START = re.compile(r"n(?:'t|(?<!\wn)(?:ot|ever|o|obody))|w(?<!\ww)ithout")
_NOT_NEGATION = re.compile(r"(?:hesitate|forget|wait)\w*\s+(?:to\s+)?\Z")
_NEGATION = re.compile(
    r"(?:\b(?:not|never|no|without|nobody|won't|don't|can't|didn't|isn't)|n't)"
    r"(?:\s+\w+){0,2}\s*\Z"
)


def _links(scan: str) -> tuple[list[_Raw], str]:
    """Links, emails, phone numbers and handles; returns them and the text with them blanked."""
    found: list[_Raw] = []
    spans: list[tuple[int, int]] = []

    def take(kind: str, start: int, end: int, points: int) -> None:
        if end - start >= 4 and not any(start < e and s < end for s, e in spans):
            spans.append((start, end))
            found.append(_Raw(kind, kind, start, end, points))

    has_at = "@" in scan
    if has_at:
        for match in _EMAIL.finditer(scan):
            start = match.start()
            while start > 0 and scan[start - 1] in _EMAIL_USER:
                start -= 1
            take("contact_details", start, match.end(), -10)
    if "http" in scan or "www." in scan or "WWW." in scan:
        for match in _URL_SCHEME.finditer(scan):
            start, end = match.span()
            while end > start and scan[end - 1] in _TRAILING:
                end -= 1
            take("link", start, end, -10)
    # Bare domains ("sophiadesigns.co/shop"): found from the dot, then grown to the left.
    for match in _DOT_TLD.finditer(scan):
        start, end = match.span()
        while start > 0 and scan[start - 1] in _DOMAIN_CHARS:
            start -= 1
        while start < match.start() and scan[start] in ".-":
            start += 1
        if start == match.start() or (start and scan[start - 1] in "@/"):
            continue  # "e.g.", or part of an email or a link found above
        while end > start and scan[end - 1] in _TRAILING:
            end -= 1
        take("link", start, end, -10)
    if _NINE_DIGITS.match(scan):
        for match in _PHONE.finditer(scan):
            start, end = match.span()
            if sum(c.isdigit() for c in match.group()) >= 9:
                take("contact_details", start, end, -10)
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
                take("contact_details", start, end, -8)
    if not spans:
        return found, scan
    for start, end in spans:
        scan = scan[:start] + " " * (end - start) + scan[end:]
    return found, scan


def _phrases(low: str, scanner: _Scanner) -> list[_Raw]:
    """Every rule match in `low`: whole-word keys found by one scan (`_word_scan`), then
    each key's own regex where it matched; keys that are numbers or word parts by search."""
    found: list[_Raw] = []
    negations = [m.start() for m in _NEGATION_START.finditer(low)]
    # Whole-word keys: one scan finds every word that starts a rule match (see _word_scan);
    # sorted by key, then position, as if each key's regex had been searched in turn.
    hits = [(hit[0][1:], hit.start()) for hit in scanner.word_scan.finditer(" " + low)]
    if len(hits) > 1:
        hits.sort()
    whole_keys = scanner.whole_keys
    for word, pos in hits:
        rules = whole_keys[word]
        _rule_hits(found, rules, rules.pattern.match(low, pos), low, negations)
    # Numbers: the regex of each digit that occurs checks that it starts a word.
    for digit, rules in scanner.digit_keys:
        if digit in low:
            for hit in rules.pattern.finditer(low):
                _rule_hits(found, rules, hit, low, negations)
    for rules in scanner.letter_keys:
        for hit in rules.pattern.finditer(low):
            _rule_hits(found, rules, hit, low, negations)
    for rule, pattern in scanner.always:
        for match in pattern.finditer(low):
            _add(found, rule, low, match.start(), match.end(), negations)
    return found


def _rule_hits(
    found: list[_Raw],
    rules: _KeyRules,
    hit: re.Match[str] | None,
    low: str,
    negations: list[int],
) -> None:
    """Add the rules of a key that match where `hit` (of the key's regex) starts."""
    if hit is None:
        return
    pos = hit.start()
    group = hit.lastindex
    order = 0
    entries = rules.entries
    while group is not None:
        order += group - 1
        end = hit.end(group)
        rule, before = entries[order]
        start = pos
        # Inlined _add: this runs for every match in every text.
        while end > start and low[end - 1].isspace():  # a pattern may end on a space
            end -= 1
        if before is not None:
            context = before.search(low, start - 80 if start > 80 else 0, start)
            start = -1 if context is None else context.start()
        if start >= 0 and rule.before is not None:
            context = rule.before.search(low, start - 80 if start > 80 else 0, start)
            start = -1 if context is None else context.start()
        if (
            start >= 0
            and end > start
            and not (rule.unless is not None and rule.unless.search(low, max(0, start - 40), start))
            and not (rule.negatable and negations and _negated(low, start, negations))
        ):
            found.append(_Raw(rule.kind, rule.reason_key, start, end, rule.points))
        # A key's regex reports the first rule that matches; look for later ones.
        order += 1
        if order >= len(entries):
            break
        hit = rules.suffix(order).match(low, pos)
        group = hit.lastindex if hit else None


# Bytes that are not word characters (and every byte of a non-ASCII character) become spaces,
# so splitting gives the ASCII words the keys are made of.
_BYTE_WORDS = bytes(c if c < 128 and re.match(r"\w", chr(c)) else 32 for c in range(256))
_HAS_DIGIT = re.compile(r"\d")
# At least nine ASCII digits (the least a phone number has), used with .match. Possessive, so
# a text with fewer is turned down in one pass instead of backtracking at every digit.
_NINE_DIGITS = re.compile(r"(?:[^0-9]*+[0-9]){9}")


def _add(
    found: list[_Raw],
    rule: _Rule,
    low: str,
    start: int,
    end: int,
    negations: list[int],
    before: re.Pattern[str] | None = None,
) -> None:
    while end > start and low[end - 1].isspace():  # a pattern may end on a space
        end -= 1
    # Words that must come just before (the key was a rarer word after them): the signal's
    # span starts where they start.
    if before is not None:
        context = before.search(low, start - 80 if start > 80 else 0, start)
        if context is None:
            return
        start = context.start()
    if rule.before is not None:
        context = rule.before.search(low, start - 80 if start > 80 else 0, start)
        if context is None:
            return
        start = context.start()
    if rule.unless is not None and rule.unless.search(low, max(0, start - 40), start):
        return
    if end > start and not (rule.negatable and _negated(low, start, negations)):
        found.append(_Raw(rule.kind, rule.reason_key, start, end, rule.points))


# --- The scanner: one fast regex per first word ---------------------------------------
# Python's `re` tries every alternative of a pattern at every position of the text, which is
# slow for hundreds of phrases. But a pattern that starts with literal text is found with a
# fast search. So at import each pattern is rewritten, from its parse tree, into "its first
# word, then what must follow" (a regex derivative), and the rules that share a first word
# ("key") become one regex that starts with that word:
#     help(?<!\whelp)(?!\w)(?=(?:(?P<g7>...)|(?P<g8>...)))
# Per text, only the keys that occur are searched; named groups say which rule matched.
# Rules that start with very common words ("I", "if you") are keyed on their first rarer
# word, with the common words checked as context. Patterns that cannot be rewritten run on
# their own (`always`).


class _CannotDerive(Exception):
    """This pattern uses something the rewriter does not handle; it runs on its own."""


class _KeyRules:
    """The rules that share one key: the key's regex (a group per rule, in order, so
    `lastindex` says which rule matched and where it ends), the rules with the words each
    needs before the key, and the regexes from a later rule on (`suffix`)."""

    __slots__ = ("_suffixes", "bodies", "entries", "key", "pattern", "whole")

    def __init__(
        self, key: str, whole: bool, items: list[tuple[_Rule, str, re.Pattern[str] | None]]
    ) -> None:
        self.key = key
        self.whole = whole
        self.bodies = tuple(body for _, body, _ in items)
        self.entries = tuple((rule, before) for rule, _, before in items)
        self.pattern = re.compile(_key_regex(key, whole, self.bodies))
        self._suffixes: dict[int, re.Pattern[str]] = {}

    def suffix(self, order: int) -> re.Pattern[str]:
        """The key's regex from its `order`-th rule on: finds further rules matching at a
        position where an earlier one already did. Rare, so compiled on first use."""
        pattern = self._suffixes.get(order)
        if pattern is None:
            source = _key_regex(self.key, self.whole, self.bodies[order:])
            pattern = self._suffixes[order] = re.compile(source)
        return pattern


@dataclass(frozen=True, slots=True)
class _Scanner:
    digit_keys: list[tuple[str, _KeyRules]]  # patterns that start with a number: (digit, key)
    letter_keys: list[_KeyRules]  # patterns that start mid-word ("congrat..."), by first letter
    always: tuple[tuple[_Rule, re.Pattern[str]], ...]  # patterns that could not be rewritten
    word_scan: re.Pattern[str]  # every whole-word key, with its rules (see _word_scan)
    whole_keys: dict[str, _KeyRules]  # a whole-word key as the scan reports it -> its rules


_MAX_CONTINUATIONS = 48
_CATEGORY_TEXT = {
    _C.CATEGORY_DIGIT: r"\d",
    _C.CATEGORY_NOT_DIGIT: r"\D",
    _C.CATEGORY_SPACE: r"\s",
    _C.CATEGORY_NOT_SPACE: r"\S",
    _C.CATEGORY_WORD: r"\w",
    _C.CATEGORY_NOT_WORD: r"\W",
}
_AT_TEXT = {
    _C.AT_BEGINNING: "^",
    _C.AT_BEGINNING_STRING: r"\A",
    _C.AT_BOUNDARY: r"\b",
    _C.AT_NON_BOUNDARY: r"\B",
    _C.AT_END: "$",
    _C.AT_END_STRING: r"\Z",
}


def _data(node: Any) -> list[Any]:
    return list(getattr(node, "data", node))


def _class_char(char: str) -> str:
    return "\\" + char if char in "\\]^-[" else char


def _unparse(seq: Any) -> str:
    """Regex text for a (possibly rewritten) parse tree. Literals come out lower-case: the
    scanner runs on lower-cased text."""
    out: list[str] = []
    for op, av in _data(seq):
        if op is _C.LITERAL:
            out.append(re.escape(chr(av).lower()))
        elif op is _C.NOT_LITERAL:
            out.append(f"[^{_class_char(chr(av).lower())}]")
        elif op is _C.ANY:
            out.append(".")
        elif op is _C.IN:
            out.append(_unparse_class(av))
        elif op is _C.BRANCH:
            out.append("(?:" + "|".join(_unparse(b) for b in av[1]) + ")")
        elif op is _C.SUBPATTERN:
            out.append("(?:" + _unparse(av[-1]) + ")")
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT):
            least, most, sub = av
            if most == _C.MAXREPEAT:
                quant = "*" if least == 0 else "+" if least == 1 else f"{{{least},}}"
            elif least == most:
                quant = f"{{{least}}}"
            else:
                quant = "?" if (least, most) == (0, 1) else f"{{{least},{most}}}"
            lazy = "?" if op is _C.MIN_REPEAT else ""
            out.append(f"(?:{_unparse(sub)}){quant}{lazy}")
        elif op is _C.AT:
            out.append(_AT_TEXT[av])
        elif op in (_C.ASSERT, _C.ASSERT_NOT):
            direction, sub = av
            kind = (
                ("=" if op is _C.ASSERT else "!")
                if direction == 1
                else ("<=" if op is _C.ASSERT else "<!")
            )
            out.append(f"(?{kind}{_unparse(sub)})")
        else:
            raise _CannotDerive(str(op))
    return "".join(out)


def _unparse_class(items: Any) -> str:
    parts: list[str] = []
    negate = False
    for op, av in items:
        if op is _C.NEGATE:
            negate = True
        elif op is _C.LITERAL:
            parts.append(_class_char(chr(av).lower()))
        elif op is _C.RANGE:
            low, high = chr(av[0]), chr(av[1])
            parts.append(f"{_class_char(low.lower())}-{_class_char(high.lower())}")
            if low.isalpha() and low.upper() == low:  # [A-Z] under re.I: keep both cases
                parts.append(f"{_class_char(low)}-{_class_char(high)}")
        elif op is _C.CATEGORY:
            parts.append(_CATEGORY_TEXT[av])
        else:
            raise _CannotDerive(str(op))
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


@functools.cache
def _in_class(class_text: str, char: str) -> bool:
    return re.fullmatch(class_text, char, re.I) is not None


def _derive(seq: list[Any], char: str, first: bool, depth: int = 0) -> list[list[Any]]:
    """What must still match after `seq` has consumed `char` (a regex derivative).

    `first`: `char` is the first letter of a word, so a leading \\b holds.
    """
    if depth > 60:
        raise _CannotDerive("too deep")
    if not seq:
        return []
    (op, av), rest = seq[0], seq[1:]
    if op is _C.AT:
        if av is _C.AT_BOUNDARY and first:
            return _derive(rest, char, first, depth + 1)
        if av in (_C.AT_BOUNDARY, _C.AT_NON_BOUNDARY):
            # Between two letters of a word: \B holds, \b does not.
            return _derive(rest, char, first, depth + 1) if av is _C.AT_NON_BOUNDARY else []
        raise _CannotDerive("anchor")
    if op in (_C.ASSERT, _C.ASSERT_NOT):
        direction, sub = av
        if direction == 1:
            # A look-ahead before `char` becomes a look-ahead for its own derivative after it.
            inner = _derive(_data(sub), char, first, depth + 1)
            if not inner:
                return [] if op is _C.ASSERT else _derive(rest, char, first, depth + 1)
            moved = (op, (1, [(_C.BRANCH, (None, inner))]))
            return [[moved, *tail] for tail in _derive(rest, char, first, depth + 1)]
        # A look-behind before `char` is the same look-behind, plus `char`, after it.
        moved = (op, (direction, [*_data(sub), (_C.LITERAL, ord(char))]))
        return [[moved, *tail] for tail in _derive(rest, char, first, depth + 1)]
    if op is _C.LITERAL:
        return [rest] if chr(av).lower() == char else []
    if op is _C.NOT_LITERAL:
        return [rest] if chr(av).lower() != char else []
    if op is _C.ANY:
        return [rest] if char != "\n" else []
    if op is _C.IN:
        return [rest] if _in_class(_unparse_class(av), char) else []
    if op is _C.BRANCH:
        return [t for b in av[1] for t in _derive([*_data(b), *rest], char, first, depth + 1)]
    if op is _C.SUBPATTERN:
        return _derive([*_data(av[-1]), *rest], char, first, depth + 1)
    if op in (_C.MAX_REPEAT, _C.MIN_REPEAT):
        least, most, sub = av
        if most == 0:
            return _derive(rest, char, first, depth + 1)
        again = (op, (max(least - 1, 0), most if most == _C.MAXREPEAT else most - 1, sub))
        once = _derive([*_data(sub), again, *rest], char, first, depth + 1)
        skip = _derive(rest, char, first, depth + 1) if least == 0 else []
        return once + skip if op is _C.MAX_REPEAT else skip + once
    raise _CannotDerive(str(op))


def _build_scanner(rules: Iterable[_Rule]) -> _Scanner:
    # (key, whole word?) -> list of (rule, rule regex after the key, required words before)
    by_key: dict[tuple[str, bool], list[tuple[_Rule, str, re.Pattern[str] | None]]] = {}
    always: list[tuple[_Rule, re.Pattern[str]]] = []
    for rule in rules:
        if rule.before is not None or rule.unless is not None:
            rule = replace(
                rule,
                before=rule.before and _by_first_letter(rule.before),
                unless=rule.unless and _by_first_letter(rule.unless),
            )
        for alternative in (a for alt in rule.alternatives for a in _split_top(alt)):
            try:
                pieces = _rewrite(alternative)
            except Exception:  # _CannotDerive, or a parser that changed in a new Python
                always.append((rule, re.compile(alternative, re.I)))  # slower, still right
                continue
            for key, whole, body, before in pieces:
                by_key.setdefault((key, whole), []).append((rule, body, before))
    keys = {(key, whole): _KeyRules(key, whole, items) for (key, whole), items in by_key.items()}
    return _Scanner(
        digit_keys=[(k, keys[k, w]) for k, w in sorted(keys) if not w and k.isdigit()],
        letter_keys=[keys[k, w] for k, w in sorted(keys) if not w and not k.isdigit()],
        always=tuple(always),
        word_scan=_word_scan({key: rules.bodies for (key, whole), rules in keys.items() if whole}),
        whole_keys={key: rules for (key, whole), rules in keys.items() if whole},
    )


def _word_scan(rules_by_word: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    r"""One regex for all whole-word keys, run over " " + text: a character that is not a
    word character, then a key (the keys as a trie: "h(?:elp|ere)"), then a look-ahead for
    any of its rules. Where the key's own regex matches, this matches at the same place.

    Searching each key's regex in turn costs a call into `re` per key in the text (30 in a
    100-word text); a regex without a literal start is tried at every character instead. This
    one starts with a character class, which `re` skips through quickly, and is tried only
    after spaces and punctuation, where words start. The class is "not an ASCII letter, digit
    or _": one bit to test per character, where Unicode's \W looks each one up in several
    tables. It also lets through a letter like "é" before a key, which is no word start; the
    key's own regex, which checks with \w, turns those down."""
    trie: dict[str, Any] = {}
    for word in rules_by_word:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = word

    def alternatives(node: dict[str, Any]) -> str:
        options = []
        for char, child in sorted(node.items()):
            if char:
                options.append(re.escape(char) + alternatives(child))
            else:
                rules = "|".join(f"(?:{body})" for body in rules_by_word[child])
                options.append(rf"(?!\w)(?={rules})")
        return options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"

    return re.compile(r"[^0-9A-Za-z_]" + alternatives(trie))


def _rewrite(alternative: str) -> list[tuple[str, bool, str, re.Pattern[str] | None]]:
    """(first word, is it the whole word, regex for the rest, words required before) for each
    first word. A pattern that starts with very common words ("if you", "I'm") is keyed on
    its first rarer word instead, with the common ones as required context: common words are
    everywhere, and every occurrence would cost a try."""
    out = []
    for seq in _expand_first(list(_sre_parse.parse(alternative, re.I).data)):
        out += _rewrite_seq(seq, [])
    if not out:
        raise _CannotDerive("nothing left")
    return out


def _rewrite_seq(
    seq: list[Any], context: list[list[Any]]
) -> list[tuple[str, bool, str, re.Pattern[str] | None]]:
    heads = _heads(seq)
    if not heads or any(not (h[:1].isalnum() or h[:1] == _DIGIT) for h in heads):
        raise _CannotDerive("no first word")
    if all(h.endswith(_END) and h[:-1] in COMMON_FIRST_WORDS for h in heads):
        split = _split_after_first_word(seq)
        if split is not None:
            first, rest = split
            try:
                deeper = []
                for path in _expand_first(rest):
                    path_heads = _heads(path) or {""}
                    if not all(h.endswith(_END) and h[:1].isalpha() for h in path_heads):
                        raise _CannotDerive("no plain next word")
                    deeper += _rewrite_seq(path, [*context, first])
                return deeper
            except _CannotDerive:
                pass  # keyed on this (common) word after all
    before = None
    guard = ""
    if context:
        joined = r"\s+".join(f"(?:{_unparse(part)})" for part in context)
        before = _by_first_letter(re.compile(rf"{joined}\s+\Z"))
        guard = _guard(context[-1])
    words: set[tuple[str, bool]] = set()
    for head in heads:
        if head.startswith(_DIGIT):
            words |= {(digit, False) for digit in "0123456789"}
        elif head.endswith(_END):
            words.add((head[:-1], True))
        else:
            words.add((head[:1], False))
    out = []
    for word, whole in sorted(words):
        conts = [seq]
        for i, char in enumerate(word):
            conts = [t for c in conts for t in _derive(c, char, i == 0)]
            if len(conts) > _MAX_CONTINUATIONS:
                raise _CannotDerive("too many")
        if conts:
            body = "|".join(f"(?:{_unparse(c)})" for c in conts)
            if guard:
                # Checked in C first; `before` (any spacing) stays the authority in `_add`.
                key = re.escape(word)
                body = (
                    "(?:" + "|".join(f"(?<={g}{key})" for g in guard.split("\0")) + f")(?:{body})"
                )
            out.append((word, whole, body, before))
    return out


def _guard(part: list[Any]) -> str:
    """Fixed-width look-behind texts for "the context word, one space" (plus "two spaces",
    so odd spacing still reaches the full check): lets the regex drop most hits where the
    key is not preceded by its context. "" when the context is not a short list of words."""
    words = _literal_strings(part)
    if not words or len(words) > 12:
        return ""
    return "\0".join([*(rf"\b{re.escape(w)}\s" for w in sorted(words)), r"\s\s"])


def _literal_strings(seq: list[Any]) -> set[str] | None:
    """Every string `seq` can match, if it is a small set of plain words; else None."""
    out = {""}
    for op, av in seq:
        if (op is _C.AT and av is _C.AT_BOUNDARY) or op in (_C.ASSERT, _C.ASSERT_NOT):
            continue  # only narrows the match; the guard may be looser than the real check
        if op is _C.LITERAL:
            options: set[str] | None = {chr(av).lower()}
        elif op is _C.BRANCH:
            options = set()
            for branch in av[1]:
                sub = _literal_strings(_data(branch))
                if sub is None:
                    return None
                options |= sub
        elif op is _C.SUBPATTERN:
            options = _literal_strings(_data(av[-1]))
        elif op is _C.MAX_REPEAT and av[:2] == (0, 1):
            sub = _literal_strings(_data(av[2]))
            options = None if sub is None else sub | {""}
        else:
            return None
        if options is None:
            return None
        out = {a + b for a in out for b in options}
        if len(out) > 12:
            return None
    return out


def _expand_first(seq: list[Any]) -> list[list[Any]]:
    """Split a leading alternation or optional word into separate patterns:
    `(?:my|great)\\s+rates` -> `my\\s+rates`, `great\\s+rates`; `(?:so\\s+)?curious` ->
    `so\\s+curious`, `curious`. Then a common first word and a rare one are keyed apart."""
    for i, (op, av) in enumerate(seq):
        if op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
            continue
        head, tail = seq[:i], seq[i + 1 :]
        if op is _C.BRANCH:
            return [p for b in av[1] for p in _expand_first([*head, *_data(b), *tail])]
        if op is _C.SUBPATTERN:
            return _expand_first([*head, *_data(av[-1]), *tail])
        if op is _C.MAX_REPEAT and av[:2] == (0, 1):
            with_it = _expand_first([*head, *_data(av[2]), *tail])
            return [*with_it, *_expand_first([*head, *tail])]
        break
    return [seq]


def _split_after_first_word(seq: list[Any]) -> tuple[list[Any], list[Any]] | None:
    """Split a pattern at its first top-level `\\s+`: (first word part, the rest)."""
    for i, (op, av) in enumerate(seq):
        if (
            op is _C.MAX_REPEAT
            and av[0] >= 1
            and _data(av[2]) == [(_C.IN, [(_C.CATEGORY, _C.CATEGORY_SPACE)])]
        ):
            return (seq[:i], seq[i + 1 :]) if i and i + 1 < len(seq) else None
    return None


# Words so frequent that a rule starting with one is found from its second word instead.
COMMON_FIRST_WORDS = frozenset(
    _words(
        """
        i im ive id ill my we our you your a an the to for in on of and so is if it this that
        with me what how all just do have be are can will would from out at as or but not was
        were been am
        """
    )
)


def _key_regex(key: str, whole: bool, bodies: Iterable[str]) -> str:
    """The key's letters (a literal, so `re` searches fast), not inside a longer word, then
    each rule in a look-ahead, so one match does not hide the next occurrence. Each rule is
    a numbered group: the bodies have no groups of their own."""
    escaped = re.escape(key)
    end = r"(?!\w)" if whole else ""
    rules = "|".join(f"({body})" for body in bodies)
    return rf"{escaped}(?<!\w{escaped}){end}(?=(?:{rules}))"


_END = "\x01"  # the first word ends here
_DIGIT = "\x02"  # the first word is a number
_MAX_HEADS = 400
_WORDLIKE = re.compile(r"\w")


def _heads(seq: list[Any], started: bool = False) -> set[str] | None:
    """The literal first words a match of `seq` can start with.

    A head ending in _END is a whole word; otherwise it is a prefix of the first word
    ("" when nothing is known). None when there are too many to be useful. `started`: some
    letters of the first word come before `seq`.
    """
    prefix = ""
    for i, (op, av) in enumerate(seq):
        tail = seq[i + 1 :]
        if op is _C.AT:
            if prefix or started:
                return {prefix + _END}
            continue
        if op in (_C.ASSERT, _C.ASSERT_NOT):
            continue
        if op is _C.LITERAL:
            char = chr(av).lower()
            if not _WORDLIKE.match(char):
                return {prefix + _END} if prefix or started else {""}
            prefix += char
            continue
        branches: list[list[Any]]
        if op is _C.SUBPATTERN:
            branches = [list(av[-1].data) + tail]
        elif op is _C.BRANCH:
            branches = [list(b.data) + tail for b in av[1]]
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT):
            least, most, sub = av
            if _is_digit(sub.data):
                return {prefix} if prefix or started else {_DIGIT}
            # After one of several repeats the rest is unknown: the sentinel (ANY) stops the
            # prefix there without claiming the word ends.
            once = list(sub.data) + (tail if most == 1 else [(_C.ANY, None)])
            branches = [once] + ([tail] if least == 0 else [])
        elif op is _C.IN:
            if _is_digit([(op, av)]):
                return {prefix} if prefix or started else {_DIGIT}
            chars = [chr(v).lower() for o, v in av if o is _C.LITERAL]
            if len(chars) == len(av) and len(chars) <= 4:
                branches = [[(_C.LITERAL, ord(c)), *tail] for c in chars]
            elif (prefix or started) and _non_word_set(av):
                return {prefix + _END}
            else:
                return {prefix}
        else:
            return {prefix}
        out: set[str] = set()
        for branch in branches:
            sub_heads = _heads(branch, started or bool(prefix))
            if sub_heads is None:
                return None
            out |= {prefix + h for h in sub_heads}
            if len(out) > _MAX_HEADS:
                return None
        return out
    return {prefix + _END} if prefix or started else {""}


def _split_top(pattern: str) -> list[str]:
    """Split a pattern at its top-level "|", so each branch is indexed by its own first word."""
    parts: list[str] = []
    depth = 0
    in_class = False
    start = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":
                i += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def _is_digit(items: Any) -> bool:
    return any(
        op is _C.IN and any(o is _C.CATEGORY and v is _C.CATEGORY_DIGIT for o, v in av)
        for op, av in items
    )


def _non_word_set(items: Any) -> bool:
    for op, av in items:
        if op is _C.CATEGORY and av in (_C.CATEGORY_SPACE, _C.CATEGORY_NOT_WORD):
            continue
        if op is _C.LITERAL and not _WORDLIKE.match(chr(av)):
            continue
        return False
    return True


_NOT_AFTER_WORD = (_C.ASSERT_NOT, (-1, [(_C.IN, [(_C.CATEGORY, _C.CATEGORY_WORD)])]))


def _by_first_letter(pattern: re.Pattern[str]) -> re.Pattern[str]:
    r"""The same matches, as far as where they start (what `search` finds, and whether),
    rewritten so `re` skips straight to their first letters.

    `\bhow\s+are\s+\Z` is tried at every position of the text: `\b` is checked before
    anything else. Written as `h(?<!\wh)ow\s+are\s+\Z`, it starts with a literal, which
    `re` finds with a fast search (alternatives: one branch per first letter). Only for
    patterns without re.I, on lower-cased text; any pattern this does not understand is
    returned as it is.
    """
    fast, others = _split_by_first_letter(pattern)
    return fast if fast is not None and not others else pattern


def _split_by_first_letter(pattern: re.Pattern[str]) -> tuple[re.Pattern[str] | None, list[str]]:
    """`_by_first_letter` for the alternatives that start with a known letter, and the
    others as regex texts (those that start with a number, say). (None, []) when the pattern
    cannot be read."""
    if pattern.flags & re.I:
        return None, []
    try:
        branches: dict[str, list[str]] = {}
        others: list[str] = []
        for seq in _expand_first(list(_sre_parse.parse(pattern.pattern).data)):
            if not _first_letter_branches(seq, branches):
                others.append(_unparse(seq))
        if not branches:
            return None, []
        fast = "|".join(
            f"{re.escape(c)}(?:{'|'.join(alts)})" for c, alts in sorted(branches.items())
        )
        return re.compile(fast), others
    except Exception:  # _CannotDerive, or a parser that changed in a new Python
        return None, []


def _first_letter_branches(seq: list[Any], branches: dict[str, list[str]]) -> bool:
    """Add `seq` to `branches` (first letter -> what follows it); False if it has no known
    first letter."""
    lead = 0
    while seq[lead][0] in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
        op, av = seq[lead]
        if (op is _C.AT and av is not _C.AT_BOUNDARY) or (op is not _C.AT and av[0] > 0):
            return False  # "^", or a look-ahead before the first letter
        lead += 1
    heads = _heads(seq)
    if seq[lead][0] not in (_C.LITERAL, _C.IN) or not heads:
        return False
    if any(not head[:1].isalpha() for head in heads):
        return False  # no known first letter (digits: `\d` is more than 0-9)
    boundary = (_C.AT, _C.AT_BOUNDARY) in seq[:lead]
    for char in sorted({head[0] for head in heads}):
        # After a leading \b, `char` starts a word: (?<!\w) says so, after it.
        check = rf"(?<!\w{re.escape(char)})" if boundary else ""
        for cont in _derive(seq, char, boundary):
            branches.setdefault(char, []).append(f"{check}(?:{_unparse(cont)})")
    return True


_PAIN = _gate(_PAIN_SOURCE)
_SALES_ASK = _gate(_SALES_ASK_SOURCE)
_SCANNER = _build_scanner((*PHRASE_RULES, _CONTACT_PHRASES, *PERSONAL_RULES))
# Now that the rewriter exists, the context patterns run per text skip to their first letters.
_ASKED_FAST = _by_first_letter(_ASKED)
_CALL_ASK_FAST = _by_first_letter(_CALL_ASK)
_NEGATION_FAST = _by_first_letter(_NEGATION)


def _sentences(plain: str) -> list[tuple[int, int]]:
    """Sentence spans: split at . ! ? and line breaks, and in chat at an emoji followed by a
    capital ("so excited 🎉 What do you...")."""
    stops = _STOP if plain.isascii() else _STOP_EMOJI
    spans: list[tuple[int, int]] = []
    start = 0
    ends = [stop.end() for stop in stops.finditer(plain)]
    ends.append(len(plain))
    for end in ends:
        stripped = plain[start:end].strip()
        # Blank or bare punctuation ("!!", "...") is not a sentence.
        if stripped and (len(stripped) > 3 or stripped.isalnum() or not stripped.isascii()):
            # Only spaces come before the first character of `stripped`.
            first = plain.find(stripped[0], start)
            spans.append((first, first + len(stripped)))
        start = end
    return spans


def _clip(start: int, end: int, plain: str) -> tuple[int, int]:
    """Clip a long span to MAX_EXCERPT characters, at a word boundary where possible."""
    if end - start <= MAX_EXCERPT:
        return start, end
    cut = plain.rfind(" ", start, start + MAX_EXCERPT)
    return start, cut if cut > start + 20 else start + MAX_EXCERPT


def _in_context(
    plain: str, low: str, raws: list[_Raw], sentences: list[tuple[int, int]]
) -> list[_Raw]:
    """Context rules (negation is already done): referrals for someone else, cards on
    request, "not selling, but...", warm words inside a sales sentence; then the questions
    and the self-focus, which depend on what each sentence holds."""
    starts = [s for s, _ in sentences]
    for raw in raws:
        raw.sentence = bisect_right(starts, raw.start) - 1
    giving = {r.sentence for r in raws if r.kind == "giving"}
    hinted = "ask" in low or "request" in low or "wanted" in low or "you said" in low
    asked = None
    if (hinted or "here's the" in low) and any(word in low for word in _ASKED_WORDS):
        asked = _ASKED_FAST.search(low)
    asked_at = asked.start() if asked else len(low)
    sales: set[int] = set()
    kept: list[_Raw] = []
    for raw in raws:
        if raw.kind in _OFFER_KINDS and raw.sentence in giving:
            continue  # "If anyone needs a childminder, I know someone": a referral, not a plug
        if raw.kind in _ASKABLE_KINDS and raw.start > asked_at:
            raw = _Raw("asked_for", "asked_for", raw.start, raw.end, 3, raw.sentence)
        elif raw.kind == "no_sale" and _BUT.match(low, raw.end):
            raw = _Raw("disclaimer_but", "disclaimer_but", raw.start, raw.end, -6, raw.sentence)
        elif raw.points < 0 and raw.kind in _PITCH_KINDS_FOR_SENTENCE:
            sales.add(raw.sentence)
        kept.append(raw)
    # Warm words wrapped around a sale don't make it a conversation.
    kept = [
        r for r in kept if not (r.points > 0 and r.sentence in sales and r.kind not in _ALWAYS_WARM)
    ]
    for raw in kept:
        if raw.kind in _TO_QUESTION_END and raw.sentence >= 0:
            # "What got you" reads better as the whole question it opens.
            mark = plain.find("?", raw.end, sentences[raw.sentence][1])
            if 0 <= mark - raw.end <= 80:
                raw.end = mark + 1
    kept += _questions(plain, low, sentences, starts, kept, sales)
    if not any(r.kind in _OPEN_DOORS for r in kept):
        kept += _self_focus(plain, low, sentences, kept)
    if sales and not any(r.points > 0 for r in kept):
        # Selling, and nothing at all for them: no question, no thanks, nothing personal.
        first = min(sales)
        if first >= 0:
            start, end = _clip(*sentences[first], plain)
        else:  # a bare link or number, outside any sentence
            start, end = min((r.start, r.end) for r in kept if r.sentence == first)
        kept.append(_Raw("one_way", "one_way", start, end, ONE_WAY_POINTS, first))
    return kept


# Every match of _ASKED holds one of these: without them it cannot match.
_ASKED_WORDS = ("asked", "asking", "request", "wanted", "said", "here's", "heres")
_OFFER_KINDS = frozenset({"generic_audience", "soft_offer"})
_TO_QUESTION_END = frozenset({"curiosity", "asking_advice", "shared_interest"})
_ALWAYS_WARM = frozenset({"gratitude", "asked_for"})


def _questions(
    plain: str,
    low: str,
    sentences: list[tuple[int, int]],
    starts: list[int],
    raws: list[_Raw],
    pitchy: set[int],
) -> list[_Raw]:
    found: list[_Raw] = []
    mark = plain.find("?")
    if mark < 0:
        return found
    curious = {r.sentence for r in raws if r.kind == "curiosity"}
    scored = {r.sentence for r in raws if r.kind in ("giving", "invitation_no_sale")}
    while mark >= 0:
        # The sentences with a question mark, in order: the one around this "?", then on.
        i = bisect_right(starts, mark) - 1
        if i < 0 or mark >= sentences[i][1]:
            mark = plain.find("?", mark + 1)
            continue  # a "?" outside any sentence ("??" alone)
        start, end = sentences[i]
        mark = plain.find("?", end)
        if i in scored:
            continue  # "Want me to introduce you?", "Coffee sometime?" are scored already.
        lowered = low[start:end]
        words = _sentence_words(lowered)
        if not words:
            continue
        to_them = not _OTHER_WORDS.isdisjoint(words)
        cstart, cend = _clip(start, end, plain)
        if _SALES_ASK.search(lowered, words) and (pitchy or to_them):
            found.append(_Raw("call_to_action", "sales_ask", cstart, cend, -10, i))
            continue
        if _CALL_ASK_FAST.search(lowered):
            # "Up for a call next week?" follows up; in a sales text it books a sales call.
            if pitchy:
                found.append(_Raw("call_to_action", "sales_ask", cstart, cend, -10, i))
            else:
                found.append(_Raw("invitation_no_sale", "invitation_no_sale", cstart, cend, 7, i))
            continue
        if i not in curious:
            lure = _LURE_START.match(lowered) or _LURE_AFTER_COMMA.search(lowered)
            # "Are you X? Book a call": a question followed by a hard sell leads to the sale.
            if (lure and _PAIN.search(lowered, words)) or (
                lure
                and not pitchy.isdisjoint((i + 1, i + 2, i + 3))
                and not _CURIOUS_START.match(lowered)
                and to_them
            ):
                found.append(_Raw("pitch_question", "pitch_question", cstart, cend, -8, i))
                continue
        if i in pitchy or i in curious:
            continue  # a curious question is already scored as curiosity
        if not _ABOUT_THEM_WORDS.isdisjoint(words):
            found.append(_Raw("question_about_them", "question_about_them", cstart, cend, 6, i))
        else:
            found.append(_Raw("question_about_them", "question", cstart, cend, 4, i))
    return found


_CURIOUS_START = _for_lowered(r"\W*(?:how|what|why|where|when|which|tell)\b")  # .match


def _self_focus(
    plain: str, low: str, sentences: list[tuple[int, int]], raws: list[_Raw]
) -> list[_Raw]:
    """A monologue: "I/my/we" with little "you", weighted towards the opening. Sentences that
    share something personal don't count: sharing about yourself is half of a conversation."""
    if not sentences:
        return []
    skip = {r.sentence for r in raws if r.points > 0}
    opening_end = sentences[0][0] + OPENING_SHARE * (sentences[-1][1] - sentences[0][0])
    # Four strings (opening/rest x counted/all), tokenized once each: cheaper than per sentence.
    parts: dict[tuple[bool, bool], list[str]] = {}
    first_counted = -1
    for i, (start, end) in enumerate(sentences):
        opening = i < 2 or start < opening_end
        piece = low[start:end]
        parts.setdefault((opening, False), []).append(piece)
        if i not in skip and "?" not in piece:
            parts.setdefault((opening, True), []).append(piece)
            if first_counted < 0 and not _SELF_WORDS.isdisjoint(_sentence_words(piece)):
                first_counted = i
    self_w = other_w = 0.0
    for (opening, counted), pieces in parts.items():
        weight = OPENING_WEIGHT if opening else 1.0
        if counted:
            self_w += weight * _count_words(" ".join(pieces), _SELF_WORDS)
        else:
            other_w += weight * _count_words(" ".join(pieces), _OTHER_WORDS)
    excess = self_w - 1.5 * other_w
    if excess < SELF_FOCUS_MIN or first_counted < 0:
        return []
    points = -min(SELF_FOCUS_MAX, round(excess / 2))
    start, end = _clip(*sentences[first_counted], plain)
    return [_Raw("self_focus", "self_focus", start, end, points, first_counted)]


def _count_words(low: str, vocabulary: frozenset[bytes]) -> int:
    words = low.encode("utf-8", "surrogatepass").translate(_BYTE_WORDS).split()
    return sum(map(vocabulary.__contains__, words))


SELF_FOCUS_MIN = 6.0
ONE_WAY_POINTS = -6
SELF_FOCUS_MAX = 8
# Any of these means the text already opens a door to the other person.
_OPEN_DOORS = frozenset(
    {"question_about_them", "curiosity", "asking_advice", "invitation_no_sale", "shared_interest"}
)
# Kinds that say the same thing: when their spans overlap, only the stronger one counts.
_FAMILIES: dict[str, str] = {
    "generic_audience": "offer",
    "soft_offer": "offer",
    "elevator_pitch": "offer",
    "self_promotion": "offer",
    "curiosity": "question",
    "question_about_them": "question",
    "asking_advice": "question",
}


def _weigh(raws: list[_Raw]) -> list[_Raw]:
    """One signal per overlapping stretch of the same kind (or family), the stronger one;
    then each repeat of a kind counts REPEAT_DECAY times the one before."""
    raws.sort(key=lambda r: (r.start, -abs(r.points), r.start - r.end, r.kind))
    out: list[_Raw] = []
    last_end: dict[str, int] = {}
    seen: dict[str, int] = {}
    for raw in raws:
        family = _FAMILIES.get(raw.kind, raw.kind)
        if raw.start < last_end.get(family, -1):
            continue
        last_end[family] = max(raw.end, last_end.get(family, -1))
        n = seen.get(raw.kind, 0)
        if n >= MAX_SIGNALS_PER_KIND:
            continue
        seen[raw.kind] = n + 1
        if n:
            raw.points = round(raw.points * REPEAT_DECAY**n)
        out.append(raw)
    return out


_SIGNAL_ORDER = attrgetter("start", "end", "kind")


def _verdict(score: int) -> str:
    if score >= CONNECTING_FROM:
        return "connecting"
    if score < PITCHING_BELOW:
        return "pitching"
    return "balanced"


def analyze(text: str) -> PitchReport:
    """Score a member's own words for pitch vs. connection. Deterministic and pure."""
    text = text or ""
    norm, index = _prepare(text)
    words = len(norm.split())
    if not words:
        return PitchReport(
            score=BASE_SCORE,
            verdict=_verdict(BASE_SCORE),
            signals=(),
            suggestions=(Suggestion("empty", SUGGESTIONS["empty"], None),),
            base=BASE_SCORE,
            word_count=0,
        )
    raws, plain = _links(norm)
    low = plain.lower()
    if len(low) != len(plain):  # a few characters grow when lower-cased ("İ"); keep indices
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in plain)
    raws += _phrases(low, _SCANNER)
    if "#" in plain:
        raws += [_Raw("hashtags", "hashtags", *m.span(), -4) for m in _HASHTAGS.finditer(plain)]
    sentences = _sentences(plain)
    raws = _weigh(_in_context(plain, low, raws, sentences))

    signals: list[Signal] = []
    total = 0
    for raw in raws:
        start, end = raw.start, raw.end
        # Trim trailing spaces from blanked markup so excerpts read cleanly.
        while end > start and norm[end - 1].isspace():
            end -= 1
        if index is not None:
            start, end = index[start], index[end - 1] + 1
        if end <= start:
            continue
        points = raw.points
        total += points
        signals.append(
            Signal(
                raw.kind,
                "pitch" if points < 0 else "connect",
                start,
                end,
                text[start:end],
                REASONS[raw.reason_key],
                points,
            )
        )
    signals.sort(key=_SIGNAL_ORDER)
    score = max(0, min(100, BASE_SCORE + total))
    verdict = _verdict(score)
    return PitchReport(
        score=score,
        verdict=verdict,
        signals=tuple(signals),
        suggestions=_suggest(signals, verdict),
        base=BASE_SCORE,
        word_count=words,
    )


# --- Suggestions --------------------------------------------------------------------------

_HELP_PHRASE = re.compile(r"\b(?:i|we)\s+help\s+(?P<rest>[^.!?\n;:]{3,200})", re.I)
_VERBS = frozenset(
    _words(
        """
        find get build grow make save land lose reclaim feel protect plan raise navigate prepare
        scale launch start stop create attract turn take write manage organise organize reach
        earn fill sell keep stay become be do go love eat sleep move buy tell show speak step
        unlock discover achieve transform declutter simplify balance overcome heal understand
        master increase double boost negotiate hire run lead live look own ditch break reduce
        cut stand shine share spend focus set shift rediscover regain recover navigate thrive
        win book
        """
    )
)
_PRONOUN_SWAP = {
    "their": "your",
    "them": "you",
    "they": "you",
    "themselves": "yourself",
    "they're": "you're",
    "theirs": "yours",
}


def _rewrite_help(phrase: str) -> str | None:
    """'I help busy moms reclaim 10 hours a week' -> a question about the same thing, to them."""
    match = _HELP_PHRASE.search(phrase)
    if not match:
        return None
    rest = match.group("rest")
    lowered = rest.lower()
    for stems, question in _TOPIC_PATTERNS:
        if stems.search(lowered):
            return question
    tokens = re.split(r"\s+", rest.strip())
    verb_at = next(
        (
            i
            for i, tok in enumerate(tokens)
            if i > 0 and tok.lower().strip(",") in _VERBS and tokens[i - 1].lower() != "and"
        ),
        None,
    )
    if verb_at is None:
        return None
    clause: list[str] = []
    for tok in tokens[verb_at : verb_at + 10]:
        bare = tok.strip(",").lower()
        if bare in {"so", "through", "using", "by", "with"} and clause:
            break
        clause.append(_PRONOUN_SWAP.get(bare, tok.strip(",")))
        if tok.endswith(","):
            break
    if not clause:
        return None
    return FALLBACK_QUESTION.format(clause=" ".join(clause))


def _short(excerpt: str, limit: int = 70) -> str:
    flat = " ".join(excerpt.split()).strip(" *_~|>`")
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _render(
    kind: str, excerpt: str | None, question: str = "", escape: Callable[[str], str] | None = None
) -> str:
    template = SUGGESTIONS[kind]
    ex = _short(excerpt or "")
    text = template.format(ex=ex, question=question)
    if len(text) > MAX_WORDS_LEN:
        ex = _short(excerpt or "", 30)
        text = template.format(ex=ex, question=question)[:MAX_WORDS_LEN]
    if escape is None:
        return text
    # Escaped after the length is settled, so a cut never splits an escape ("\*").
    return template.format(ex=escape(ex), question=escape(question))[: 2 * MAX_WORDS_LEN]


def suggestion_text(suggestion: Suggestion, escape: Callable[[str], str]) -> str:
    """The suggestion's text with the member's own words in it passed through `escape` (for
    Discord: markdown escaped, so "*busy* moms" shows as typed and cannot break the reply)."""
    return _render(suggestion.kind, suggestion.excerpt, suggestion.question, escape)


def _suggest(signals: list[Signal], verdict: str) -> tuple[Suggestion, ...]:
    out: list[Suggestion] = []
    used: set[str] = set()

    def add(kind: str, excerpt: str | None, question: str = "") -> None:
        if kind in used or len(out) >= 3:
            return
        used.add(kind)
        out.append(Suggestion(kind, _render(kind, excerpt, question), excerpt, question))

    # The elevator line first: its suggestion rewrites the member's own words.
    pitch = sorted(
        (s for s in signals if s.points < 0),
        key=lambda s: (s.kind != "elevator_pitch", s.points, s.start),
    )
    connect = sorted((s for s in signals if s.points > 0), key=lambda s: (-s.points, s.start))
    kinds = {s.kind for s in signals}
    for sig in pitch:
        if len(out) >= 2:
            break
        if sig.kind == "elevator_pitch":
            add(sig.kind, sig.excerpt, _rewrite_help(sig.excerpt) or GENERIC_QUESTION)
        elif sig.reason == REASONS["sales_ask"]:
            add("sales_ask", sig.excerpt)
        else:
            add(sig.kind if sig.kind in SUGGESTIONS else "call_to_action", sig.excerpt)
    if verdict != "connecting" and not kinds & {"question_about_them", "curiosity"}:
        add("add_question", None)
    if connect:
        add(connect[0].kind, connect[0].excerpt)
    if len(out) < 2 and "personal_sharing" not in kinds:
        add("add_personal", None)
    if len(out) < 2 and "invitation_no_sale" not in kinds:
        add("add_invitation", None)
    if len(out) < 2 and len(connect) > 1:
        for sig in connect[1:]:
            add(sig.kind, sig.excerpt)
    return tuple(out)
