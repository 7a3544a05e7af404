"""Why a text got its verdict, in phrases the member can see, and what to try next.

The phrases come from the same numbers that gave the verdict: each word, word pair, phrase
family and shape adds its share of the model's log-odds (`Scored`); shares are laid
on the words they came from, neighbours on the same side join into one phrase, and the
phrases that moved the score most are shown, each once, as whole words, with the reason of
what is really there. Suggestions fit what the text is (an introduction, a follow-up, a
thank-you, a request for help, a hard moment, an offer) and quote only phrases shown.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import compress
from operator import attrgetter

from coaching.pitch.features import SELF_WORDS, YOU_WORDS, Reading
from coaching.pitch.lexicon import SELLING
from coaching.pitch.model import Model, Scored
from coaching.pitch.text import WORD, clip_words, word_span
from prompts import format_strings, texts

# A phrase must move the score at least this much (in log-odds, averaged over the two
# models) to be shown: below it, it's noise the member can't act on.
MIN_PUSH = 0.06
# Single words and word pairs with no phrase family or shape behind them need more.
MIN_PUSH_WORDS = 0.2
SHOWN_PER_SIDE = 3
MAX_EXCERPT = 160
MAX_SUGGESTION = 220
MAX_SUGGESTIONS = 3
# Shapes that have a place in the text; the others (length, "!") move the score but there
# is no phrase to point at, so they are never shown.
_PLACED_SHAPES = frozenset(
    {"link", "email", "phone", "handle", "money", "emoji", "hashtags", "question", "question_you"}
)


@dataclass(slots=True)
class Signal:
    kind: str  # a phrase family, a shape ("link", "question"...) or "words"
    side: str  # "pitch" or "connect"
    start: int  # span in the original text: text[start:end] == excerpt
    end: int
    excerpt: str
    reason: str
    points: int  # how far it moved the score, signed: negative towards a pitch


@dataclass(slots=True)
class Suggestion:
    kind: str
    text: str  # the whole suggestion, the member's words in it as they wrote them
    excerpt: str | None  # the shown phrase it quotes, if any
    question: str = ""  # the rewrite in `text`, if any (see suggestion_text)


# --- Words ---------------------------------------------------------------------------------
# Reasons: prompts/pitch/reasons/<kind>_<side>.j2 (plain sentences). Suggestions:
# prompts/pitch/suggestions/<name>.j2 with "ex" (the member's phrase, shortened) and
# "question" (a rewrite). Questions a "what I sell" line turns into: prompts/pitch/questions/.

REASONS: dict[str, str] = texts("pitch/reasons")
SUGGESTIONS: dict[str, str] = format_strings("pitch/suggestions", "ex", "question")
_QUESTIONS: dict[str, str] = format_strings("pitch/questions", "clause")


def reason_for(kind: str, side: str) -> str:
    return REASONS.get(f"{kind}_{side}") or REASONS[f"words_{side}"]


# --- Phrases -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Piece:
    start: int  # offsets in the prepared text
    end: int
    push: float
    kind: str
    strongest: float  # |push| of the part that named `kind`


def _pieces(reading: Reading, scored: Scored, model: Model) -> list[_Piece]:
    pieces: list[_Piece] = []
    where = reading.where
    for key, push in scored.sign_pushes(reading, model).items():
        if -_SMALLEST < push < _SMALLEST:
            continue
        kind = key[2:]
        spans = where.get(key)
        if not spans:
            # "All about me" is shown as the sentence that says it most; other shapes
            # without a place (length, "!") are never shown.
            if kind != "self" or push > -2 * MIN_PUSH:
                continue
            spans = _pronoun_sentence(reading, SELF_WORDS)
            if not spans:
                continue
        elif key[0] == "S" and kind not in _PLACED_SHAPES:
            continue
        share = push / len(spans)
        if -_SMALLEST < share < _SMALLEST:
            continue  # too little a place to show, or to join a phrase
        spans = spans[:_SPANS_SHOWN]
        if kind in _CLAUSE_KINDS:
            # "I help" says little on its own: show what is offered, to the clause's end.
            plain = reading.prepared.plain
            spans = [(start, _clause_end(plain, end)) for start, end in spans]
        for start, end in spans:
            pieces.append(_Piece(start, end, share, kind, abs(share)))
    # Words and word pairs, laid on their first place in the text: only the ones that moved
    # the score most can be shown or join a phrase.
    low = reading.prepared.low
    for term, push in scored.term_pushes(reading, model, _SMALLEST, _TERMS_LOOKED_AT):
        at = reading.first(term)
        if " " in term:
            start, end = reading.span(at, at + 1)
            if _STOPS.search(low, start, end):
                continue  # a pair across two sentences is no phrase to show
        else:
            start, end = reading.span(at)
        pieces.append(_Piece(start, end, push, "words", 0.0))
    return pieces


_SMALLEST = MIN_PUSH / 2
_STOPS = re.compile(r"[.!?\n]")
# Shapes that are whole sentences: shown only where no phrase in them is shown already.
SENTENCE_KINDS = frozenset({"self", "you", "question", "question_you"})
_CLAUSE_KINDS = frozenset({"offer", "own_work", "credentials", "self_intro"})
_CLAUSE_STOP = re.compile(r"[.,;:!?()\n]|\s(?:and|but|so|because|which|who)\s")
_CLAUSE_MOST = 70


def _clause_end(plain: str, end: int) -> int:
    """Where the clause that a phrase opens ends: at punctuation, a joining word, or after
    about ten words, whichever comes first."""
    stop = _CLAUSE_STOP.search(plain, end, end + _CLAUSE_MOST)
    if stop:
        return stop.start()
    cut = plain.rfind(" ", end, end + _CLAUSE_MOST)
    return (
        cut
        if cut > end and end + _CLAUSE_MOST < len(plain)
        else min(len(plain), end + _CLAUSE_MOST)
    )


_TERMS_LOOKED_AT = 8
_SPANS_SHOWN = 3  # of one family: enough to show where it is


def _pronoun_sentence(reading: Reading, vocabulary: frozenset[str]) -> list[tuple[int, int]]:
    """The sentence with the most of these words (the one that makes a text 'about me')."""
    places = list(compress(reading.starts, map(vocabulary.__contains__, reading.words)))
    if len(places) < 2:
        return []
    sentences = reading.sentences()
    heads = [start for start, _ in sentences]
    counts = Counter(bisect_right(heads, place) - 1 for place in places)
    best, most = max(counts.items(), key=lambda item: (item[1], -item[0]))
    return [sentences[best]] if most >= 2 and best >= 0 else []


def _merge(pieces: list[_Piece], low: str) -> list[_Piece]:
    """Same-side pieces that overlap or touch (only spaces or a comma between, within one
    sentence) become one phrase; a phrase takes the name of its strongest named part.
    Whole sentences (a question, a sentence about me) stay as they are."""
    pieces.sort(key=_BY_PLACE)
    merged: list[_Piece] = []
    last: dict[bool, _Piece] = {}  # the last phrase on each side
    for piece in pieces:
        if piece.kind in SENTENCE_KINDS:
            merged.append(piece)
            continue
        side = piece.push > 0
        other = last.get(side)
        if (
            other is not None
            and piece.start <= other.end + 2
            and (piece.start <= other.end or not low[other.end - 1 : piece.start].strip(" ,"))
            and max(other.end, piece.end) - other.start <= MAX_EXCERPT
        ):
            if piece.end > other.end:
                other.end = piece.end
            other.push += piece.push
            if piece.kind != "words" and (
                other.kind == "words" or piece.strongest >= other.strongest
            ):
                other.kind, other.strongest = piece.kind, piece.strongest
            continue
        merged.append(piece)
        last[side] = piece
    return merged


_BY_PLACE = attrgetter("start")


_DANGLING = frozenset("and or but so if because that which to of for with the a an".split())


def _trimmed(low: str, start: int, end: int) -> tuple[int, int]:
    """Without a joining word left hanging at the end ("...your blog and")."""
    while True:
        cut = low.rfind(" ", start, end)
        if cut <= start or low[cut + 1 : end] not in _DANGLING:
            return start, end
        end = cut
        while end > start and low[end - 1] in " ,;:-":
            end -= 1


def signals(reading: Reading, scored: Scored, model: Model) -> list[Signal]:
    """The phrases that moved the score most: at most SHOWN_PER_SIDE a side, whole words,
    each excerpt once, in the order they appear."""
    prepared = reading.prepared
    low = prepared.low
    strong = [
        p
        for p in _merge(_pieces(reading, scored, model), low)
        if abs(p.push) >= (MIN_PUSH_WORDS if p.kind == "words" else MIN_PUSH)
    ]
    # Phrases first, strongest first; then whole sentences, where nothing in them is shown.
    strong.sort(key=lambda p: (p.kind in SENTENCE_KINDS, -abs(p.push)))
    out: list[Signal] = []
    seen: set[str] = set()
    taken: list[tuple[int, int]] = []
    per_side = {"pitch": 0, "connect": 0}
    for piece in strong:
        side = "connect" if piece.push > 0 else "pitch"
        if per_side[side] >= SHOWN_PER_SIDE:
            if per_side["pitch"] >= SHOWN_PER_SIDE and per_side["connect"] >= SHOWN_PER_SIDE:
                break
            continue
        whole = _trimmed(low, *word_span(low, piece.start, piece.end))
        if any(whole[0] < e and s < whole[1] for s, e in taken):
            continue  # a stronger phrase already covers these words
        start, end = prepared.original_span(*whole)
        if prepared.index is not None:
            # Folding can split a character ("¼" is "1⁄4"): whole words of the original too.
            start, end = word_span(prepared.original, start, end)
        excerpt = prepared.original[start:end]
        if end - start > MAX_EXCERPT:
            excerpt = clip_words(excerpt, MAX_EXCERPT)
            end = start + len(excerpt.rstrip("…"))
        key = " ".join(excerpt.lower().split())
        if not key or key in seen:
            continue
        seen.add(key)
        taken.append(whole)
        per_side[side] += 1
        points = round(piece.push * 10) or (1 if piece.push > 0 else -1)
        out.append(
            Signal(piece.kind, side, start, end, excerpt, reason_for(piece.kind, side), points)
        )
    out.sort(key=lambda s: (s.start, s.end, s.kind))
    return out


# --- What the text is ----------------------------------------------------------------------

TEXT_KINDS = (
    "hard_moment",
    "help_request",
    "thanks",
    "follow_up",
    "introduction",
    "offer",
    "message",
)


def text_kind(reading: Reading, verdict: str) -> str:
    """What the member wrote, so the suggestions fit it. First match wins."""
    where = reading.where
    low = reading.prepared.low
    if "L:hard_moment" in where and any(
        _hers(reading, start) for start, _ in where["L:hard_moment"]
    ):
        return "hard_moment"
    selling = sum(1 for key in where if key[2:] in SELLING and key[2:] != "self_intro")
    if "L:help_request" in where and (selling == 0 or verdict != "pitching"):
        return "help_request"
    if verdict == "pitching" and ("L:offer" in where or "L:own_work" in where):
        return "offer"
    if "L:gratitude" in where and where["L:gratitude"][0][0] < len(low) // 2:
        return "thanks"
    if "L:met_before" in where:
        return "follow_up"
    if "L:self_intro" in where or ("L:personal" in where and "new here" in low):
        return "introduction"
    if selling >= 2:
        return "offer"
    return "message"


def _hers(reading: Reading, start: int) -> bool:
    """Is the hard moment at `start` the writer's own ("I'm going through a rough patch"),
    not a lure aimed at the reader ("Struggling to get clients?", "If you're going
    through...")? Read from the words just before it in its sentence."""
    sentence = next((s for s, e in reading.sentences() if s <= start < e), start)
    before = WORD.findall(reading.prepared.low[max(sentence, start - 60) : start])[-6:]
    for word in reversed(before):
        if word in YOU_WORDS:
            return False
        if word in SELF_WORDS or word in _OURS:
            return True
    # No one named ("Rough week."): hers, unless the sentence asks it of the reader
    # ("Struggling to find clients?").
    end = next((e for s, e in reading.sentences() if s <= start < e), len(reading.prepared.low))
    return not reading.prepared.low[start:end].rstrip().endswith("?")


_OURS = frozenset({"we", "we're", "our", "us"})


# --- Suggestions ---------------------------------------------------------------------------

_HELP_PHRASE = re.compile(r"\b(?:i|we)\s+help\s+(?P<rest>[^.!?\n;:]{3,200})", re.I)
_VERBS = frozenset(
    """
    find get build grow make save land lose reclaim feel protect plan raise navigate prepare
    scale launch start stop create attract turn take write manage organise organize reach
    earn fill sell keep stay become be do go love eat sleep move buy tell show speak step
    unlock discover achieve transform declutter simplify balance overcome heal understand
    master increase double boost negotiate hire run lead live look own ditch break reduce
    cut stand shine share spend focus set shift rediscover regain recover thrive win book
    """.split()
)
_PRONOUN_SWAP = {
    "their": "your",
    "them": "you",
    "they": "you",
    "themselves": "yourself",
    "they're": "you're",
    "theirs": "yours",
}
# "I help busy moms reclaim 10 hours a week" -> a question on the same topic, about them.
# First match wins; the keys are word starts found in the member's own phrase.
_TOPICS = (
    ("hour time week busy overwhelm calendar inbox", "time"),
    ("money financ tax books bookkeep cash retire saving budget debt invest paycheck", "money"),
    ("client sale lead revenue grow scale business launch sell", "business"),
    ("health weight energy fit belly sleep stress burn balance calm wellness eat", "health"),
    ("confiden visib voice speak brave invisible", "confidence"),
    ("website online social instagram brand market content ads", "online"),
    ("career job interview raise promotion salary negotiat", "career"),
    ("home house space declutter organi", "home"),
)
_TOPIC_PATTERNS = tuple(
    (re.compile(r"\b(?:" + "|".join(map(re.escape, stems.split())) + ")"), _QUESTIONS[topic])
    for stems, topic in _TOPICS
)


def rewrite_help(phrase: str) -> str | None:
    """'I help busy moms reclaim 10 hours a week' -> a question about the same thing, to them."""
    if "help" not in phrase and "Help" not in phrase and "HELP" not in phrase:
        return None  # the regex below can't match: skip it
    match = _HELP_PHRASE.search(phrase)
    if not match:
        return None
    rest = match.group("rest")
    lowered = rest.lower()
    for pattern, question in _TOPIC_PATTERNS:
        if pattern.search(lowered):
            return question
    tokens = rest.split()
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
    return _QUESTIONS["fallback"].format(clause=" ".join(clause)) if clause else None


def _sentence_at(text: str, signal: Signal) -> str:
    """The sentence of the original text that holds the signal's phrase."""
    start = max(text.rfind(stop, 0, signal.start) for stop in ".!?\n") + 1
    ends = [at for stop in ".!?\n" if (at := text.find(stop, signal.end)) >= 0]
    return text[start : min(ends, default=len(text))]


def _short(excerpt: str, limit: int) -> str:
    return clip_words(excerpt.strip(" *_~|>`"), limit)


def render_suggestion(
    kind: str, excerpt: str | None, question: str = "", escape: Callable[[str], str] | None = None
) -> str:
    template = SUGGESTIONS[kind]
    ex = _short(excerpt or "", 70)
    text = template.format(ex=ex, question=question)
    if len(text) > MAX_SUGGESTION:
        ex = _short(excerpt or "", 30)
        text = template.format(ex=ex, question=question)
    if escape is None:
        return text
    # Escaped after the length is settled, so the decision is taken on the member's words.
    return template.format(ex=escape(ex), question=escape(question))


def suggestion_text(suggestion: Suggestion, escape: Callable[[str], str]) -> str:
    """The suggestion's text with the member's own words in it passed through `escape` (for
    Discord: markdown escaped, so "*busy* moms" shows as typed and cannot break the reply)."""
    return render_suggestion(suggestion.kind, suggestion.excerpt, suggestion.question, escape)


# Which suggestion a shown pitch phrase calls for (by its kind); the rest use "plug".
_FIX_FOR = {
    "offer": "fix_offer",
    "own_work": "fix_own_work",
    "credentials": "fix_credentials",
    "self_intro": "fix_self_intro",
    "call_to_action": "fix_call_to_action",
    "opportunity": "fix_opportunity",
    "their_assets": "fix_their_assets",
    "hype": "fix_hype",
    "link": "fix_link",
    "email": "fix_contact",
    "phone": "fix_contact",
    "handle": "fix_contact",
    "money": "fix_money",
    "hashtags": "fix_hashtags",
    "self": "fix_self",
}
_SAYING_WHAT_SHE_DOES = frozenset({"own_work", "self_intro", "credentials"})
_HOOKS = frozenset({"question", "question_you", "curiosity"})
# Which "keep doing" a shown connect phrase earns (by its kind).
_KEEP_FOR = {
    "gratitude": "keep_gratitude",
    "warmth": "keep_warmth",
    "curiosity": "keep_curiosity",
    "question": "keep_question",
    "question_you": "keep_question",
    "giving": "keep_giving",
    "personal": "keep_personal",
    "invitation": "keep_invitation",
    "met_before": "keep_met_before",
    "you": "keep_you",
}


def suggest(kind: str, verdict: str, shown: list[Signal], reading: Reading) -> list[Suggestion]:
    out: list[Suggestion] = []

    def add(name: str, excerpt: str | None = None, question: str = "") -> None:
        if len(out) < MAX_SUGGESTIONS and all(s.kind != name for s in out):
            text = render_suggestion(name, excerpt, question)
            out.append(Suggestion(name, text, excerpt, question))

    # The "what I sell" line first: its suggestion turns her own words into a question.
    pitch = sorted(
        (s for s in shown if s.side == "pitch"), key=lambda s: (s.kind != "offer", s.points)
    )
    connect = sorted((s for s in shown if s.side == "connect"), key=lambda s: -s.points)
    where = reading.where
    asks = "S:question" in where
    personal = "L:personal" in where

    if kind == "hard_moment":
        # Warmth, not networking tips.
        add("hard_moment")
        add("hard_moment_ask")
        return out
    if kind == "help_request":
        add("help_request")
        if not asks:
            add("help_request_details")
        if pitch and verdict == "pitching":
            _fix(add, pitch[0], reading.prepared.original)
        return out
    if kind == "thanks":
        if pitch:
            add("thanks_plug", pitch[0].excerpt)
        add("thanks_specific")
        add("thanks_public")
        return out

    if verdict == "connecting":
        # In a friendly text, one line on what she does is part of saying hello, not a plug
        # to hold back.
        # Nor is a word that is merely common in sales mail worth a fix there.
        pitch = [s for s in pitch if s.kind not in _SAYING_WHAT_SHE_DOES and s.kind != "words"]
    for signal in pitch[: 2 if verdict == "pitching" else 1]:
        _fix(add, signal, reading.prepared.original)
    if verdict != "connecting":
        if kind == "follow_up":
            add("follow_up_memory")
        elif kind == "introduction" and not personal:
            add("add_personal")
        if not asks:
            add("add_question")
        if not personal and kind != "offer":
            add("add_personal")
    if verdict == "pitching":
        # A question in a pitch is mostly its hook ("Struggling to find clients?"), and a
        # word that is merely common in friendly notes is no tone to keep: only a real
        # phrase (thanks, warmth, something personal) is praised in a pitch.
        connect = [s for s in connect if s.kind not in _HOOKS and s.kind != "words"]
    if connect:
        first = connect[0]
        add(_KEEP_FOR.get(first.kind, "keep_words"), first.excerpt)
    if kind == "follow_up" and verdict == "connecting":
        add("follow_up_next_step")
    if not out:
        add("keep_going")
    return out


def _fix(add: Callable[..., None], signal: Signal, original: str) -> None:
    name = _FIX_FOR.get(signal.kind, "fix_words")
    if signal.kind == "offer" and (question := rewrite_help(_sentence_at(original, signal))):
        add("fix_offer_question", signal.excerpt, question)
    else:
        add(name, signal.excerpt)
