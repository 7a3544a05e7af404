"""The "Spotted an elevator pitch" self-check: pitch vs. connection, learned from real text
and explained in the member's own words.

`analyze(text)` reads a member's own words (an intro post, a DM, a reply) and returns a
report: a verdict (`connecting`, `balanced`, `pitching`) with a 0-100 score inside the
verdict's band, the phrases that moved it most with the reason for each, and two or three
suggestions that fit what the text is. Too short or not English: the report says so and
judges nothing. Deterministic and pure; stdlib only at run time.

Parts: `text` (what counts as her words), `lexicon` (phrase families), `features` (what the
model reads), `model` (the fitted scores, from model.json), `explain` (phrases, kinds,
suggestions), `language` (is it English?).
"""

from __future__ import annotations

from dataclasses import dataclass

from coaching.pitch.explain import (
    SUGGESTIONS,
    Signal,
    Suggestion,
    render_suggestion,
    signals,
    suggest,
    suggestion_text,
    text_kind,
)
from coaching.pitch.features import read
from coaching.pitch.language import ENGLISH, reads_as_english
from coaching.pitch.model import CONNECTING_FROM, PITCHING_BELOW, current, score

__all__ = [
    "CONNECTING_FROM",
    "JUDGED",
    "MIN_WORDS",
    "PITCHING_BELOW",
    "VERDICTS",
    "PitchReport",
    "Signal",
    "Suggestion",
    "analyze",
    "suggestion_text",
]

VERDICTS = ("connecting", "balanced", "pitching")
# Not judged: the report says why and gives no score.
UNJUDGED = ("empty", "too_short", "not_english", "unreadable")
JUDGED = frozenset(VERDICTS)
# Fewer words than this (a link or an email counts as a word) is too short to judge.
MIN_WORDS = 4


@dataclass(frozen=True, slots=True)
class PitchReport:
    score: int | None  # None when the text was not judged
    verdict: str  # one of VERDICTS, or of UNJUDGED
    signals: tuple[Signal, ...]
    suggestions: tuple[Suggestion, ...]
    kind: str  # what the text is: see explain.TEXT_KINDS
    word_count: int

    @property
    def judged(self) -> bool:
        return self.verdict in JUDGED


_LINKLIKE = ("S:link", "S:email", "S:phone", "S:handle")


def analyze(text: str) -> PitchReport:
    """Judge a member's own words for pitch vs. connection."""
    model = current()
    reading = read(text or "")
    where = reading.where
    words = len(reading.words) + sum(len(where.get(k, ())) for k in _LINKLIKE)
    if words == 0:
        # Only emoji or punctuation is too short; nothing left at all is empty.
        return _unjudged("too_short" if reading.prepared.plain.strip() else "empty", 0)
    if words < MIN_WORDS:
        return _unjudged("too_short", words)
    if not reads_as_english(reading.words, reading.prepared.plain):
        return _unjudged("not_english", words)
    scored = score(reading, model)
    if (
        not any(scored.known)
        and ENGLISH.isdisjoint(reading.words)
        and not any(reading.where.values())
    ):
        # A few words with nothing in them the check has ever seen ("asdf qwer zxcv uiop"):
        # any verdict would be a guess.
        return _unjudged("unreadable", words)
    shown = signals(reading, scored, model)
    kind = text_kind(reading, scored.verdict)
    if kind in ("hard_moment", "help_request") and scored.verdict != "pitching":
        # Someone asking for help, or going through something hard, needs warmth, not a
        # note that a word of hers is common in sales mail.
        shown = [s for s in shown if not (s.side == "pitch" and s.kind == "words")]
    return PitchReport(
        score=scored.score,
        verdict=scored.verdict,
        signals=tuple(shown),
        suggestions=tuple(suggest(kind, scored.verdict, shown, reading)),
        kind=kind,
        word_count=words,
    )


def _unjudged(verdict: str, words: int) -> PitchReport:
    suggestion = Suggestion(verdict, render_suggestion(verdict, None), None)
    return PitchReport(None, verdict, (), (suggestion,), "message", words)


assert all(name in SUGGESTIONS for name in UNJUDGED)
