"""The post-event self-check: eight quick yes/no questions about one's own behaviour.

Each question names a habit; a "connecting" answer (yes for most, no for the pitch habits)
earns its weight. The score is the share of weight earned, 0-100, on the same scale and
verdicts as the text check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coaching.pitch import CONNECTING_FROM, PITCHING_BELOW


@dataclass(frozen=True, slots=True)
class EventQuestion:
    key: str  # names the prompts/pitch/event_<key>.j2 question and its tips
    connecting_answer: bool  # the answer that reads as connecting
    weight: int


EVENT_QUESTIONS: tuple[EventQuestion, ...] = (
    EventQuestion("names", True, 10),
    EventQuestion("asked", True, 15),
    EventQuestion("shared", True, 10),
    EventQuestion("listened", True, 15),
    EventQuestion("card_when_asked", True, 10),
    EventQuestion("early_pitch", False, 15),
    EventQuestion("useful_or_not", False, 10),
    EventQuestion("follow_up", True, 15),
)


@dataclass(frozen=True, slots=True)
class EventResult:
    score: int
    verdict: str
    strongest: str  # key of the best habit shown (heaviest connecting answer)
    try_next: str  # key of the habit to try next time (heaviest missed one), or "" if none
    connecting_keys: tuple[str, ...]


def score_event(answers: Sequence[bool]) -> EventResult:
    if len(answers) != len(EVENT_QUESTIONS):
        raise ValueError("one answer per question")
    earned = [
        question
        for question, answer in zip(EVENT_QUESTIONS, answers, strict=True)
        if answer == question.connecting_answer
    ]
    missed = [question for question in EVENT_QUESTIONS if question not in earned]
    total = sum(question.weight for question in EVENT_QUESTIONS)
    score = round(100 * sum(question.weight for question in earned) / total)
    verdict = (
        "connecting"
        if score >= CONNECTING_FROM
        else "pitching"
        if score < PITCHING_BELOW
        else "balanced"
    )
    # Ties go to the earlier question: the order above is the order of a conversation.
    strongest = max(earned, key=lambda q: q.weight).key if earned else ""
    try_next = max(missed, key=lambda q: q.weight).key if missed else ""
    return EventResult(
        score=score,
        verdict=verdict,
        strongest=strongest,
        try_next=try_next,
        connecting_keys=tuple(question.key for question in earned),
    )


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(scores: Sequence[int]) -> str:
    """Scores 0-100, oldest first, as a row of bars."""
    return "".join(
        SPARK[min(len(SPARK) - 1, max(0, score) * len(SPARK) // 101)] for score in scores
    )


def trend(scores: Sequence[int]) -> str:
    """ "up", "down" or "steady": the newer half against the older half."""
    if len(scores) < 4:
        return "steady"
    half = len(scores) // 2
    older, newer = scores[:half], scores[half:]
    difference = sum(newer) / len(newer) - sum(older) / len(older)
    return "up" if difference >= 5 else "down" if difference <= -5 else "steady"
