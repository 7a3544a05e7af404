"""The post-event self-check's scoring, and the history sparkline."""

from __future__ import annotations

import pytest

from coaching.pitch_event import EVENT_QUESTIONS, score_event, sparkline, trend

ALL_CONNECTING = [q.connecting_answer for q in EVENT_QUESTIONS]


def test_all_connecting_answers_score_100() -> None:
    result = score_event(ALL_CONNECTING)
    assert (result.score, result.verdict, result.try_next) == (100, "connecting", "")


def test_all_pitching_answers_score_0() -> None:
    result = score_event([not answer for answer in ALL_CONNECTING])
    assert (result.score, result.verdict, result.strongest) == (0, "pitching", "")


def test_strongest_and_next_follow_the_weights() -> None:
    answers = list(ALL_CONNECTING)
    early_pitch = [q.key for q in EVENT_QUESTIONS].index("early_pitch")
    answers[early_pitch] = True  # pitched in the first minutes
    result = score_event(answers)
    assert result.try_next == "early_pitch"
    assert result.score == 85 and result.verdict == "connecting"
    assert result.strongest == "asked"  # the first of the heaviest habits shown


def test_wrong_number_of_answers() -> None:
    with pytest.raises(ValueError):
        score_event([True])


def test_sparkline_and_trend() -> None:
    assert sparkline([0, 50, 100]) == "▁▄█"
    assert trend([10, 20, 70, 80]) == "up"
    assert trend([80, 70, 20, 10]) == "down"
    assert trend([50, 52, 49, 51]) == "steady"
    assert trend([10]) == "steady"
