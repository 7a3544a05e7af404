"""The fitted model: two logistic scores over one reading, and the verdict they give.

`model.json` is written by `make train-pitch` (tools/train_pitch.py) from real, labelled
texts; this module only reads it, once, on first use. The arithmetic matches the fitting
script's: TF-IDF over the words and word pairs present (unit length), plus the phrase
families and shapes as they are.

- P(not a pitch): connect and mixed texts against pitches.
- P(no plug): connect texts against pitches and mixed ones.
`pitching` when the first is below its cut-off; else `connecting` when the second is at or
above its cut-off; else `balanced`. The 0-100 score places the text inside its verdict's band
(0-39, 40-59, 60-100), so the number and the words never disagree.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from itertools import compress
from operator import itemgetter, mul
from pathlib import Path

from coaching.pitch.features import Reading

MODEL_PATH = Path(__file__).resolve().parent / "model.json"

CONNECTING_FROM = 60
PITCHING_BELOW = 40


@dataclass(frozen=True, slots=True)
class Model:
    bias: tuple[float, float]
    not_pitch_cut: float
    no_plug_cut: float
    # word or word pair -> (idf², idf x (weight A + weight B i), idf x their mean): what a
    # present term adds before the text's length is normalised, ready to sum. The two
    # models' weights ride as one complex number, so one sum serves both.
    terms: dict[str, tuple[float, complex, float]]
    reach: dict[str, float]  # word or word pair -> |idf x mean weight|: how far it can move
    signs: dict[str, complex]  # phrase family or shape -> weight A + weight B i


def load(path: Path = MODEL_PATH) -> Model:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Model(
        bias=(raw["bias"][0], raw["bias"][1]),
        not_pitch_cut=raw["cut"]["not_pitch"],
        no_plug_cut=raw["cut"]["no_plug"],
        terms={
            k: (idf * idf, complex(idf * a, idf * b), idf * (a + b) / 2)
            for k, (idf, a, b) in raw["terms"].items()
        },
        signs={k: complex(a, b) for k, (a, b) in raw["signs"].items()},
        reach={k: abs(idf * (a + b) / 2) for k, (idf, a, b) in raw["terms"].items()},
    )


@functools.cache
def current() -> Model:
    """The shipped model, read on first use (so the fitting script can run without one)."""
    return load()


@dataclass(slots=True)
class Scored:
    not_pitch: float  # P(not a pitch)
    no_plug: float  # P(no plug at all)
    score: int
    verdict: str
    signs: list[str]  # the phrase families and shapes the model knows
    # The reading's words and word pairs, and what the model knows of each (None: nothing).
    terms: dict[str, None]
    known: list[tuple[float, complex, float] | None]
    inverse: float  # 1 / the length of their TF-IDF vector

    def term_pushes(self, model: Model, at_least: float, most: int) -> list[tuple[str, float]]:
        """At most `most` words and word pairs that added at least `at_least` either way,
        strongest first, and what each added (same scale as `sign_pushes`). Ties keep the
        reading's order, so the same text gives the same list in every process."""
        present = list(compress(self.terms, self.known))
        if not present:
            return []
        reach, terms, inverse = model.reach, model.terms, self.inverse
        cutoff = at_least / inverse
        top = sorted(present, key=reach.__getitem__, reverse=True)[:most]
        return [(term, terms[term][2] * inverse) for term in top if reach[term] >= cutoff]

    def sign_pushes(self, reading: Reading, model: Model) -> dict[str, float]:
        """What each phrase family and shape added, on the mean of the two models'
        log-odds: positive towards connection."""
        weights, values = model.signs, reading.signs
        return {
            key: values[key] * (weights[key].real + weights[key].imag) / 2 for key in self.signs
        }


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


_SQUARE, _WEIGHTS = itemgetter(0), itemgetter(1)


def score(reading: Reading, model: Model) -> Scored:
    """Both models' probabilities, the verdict and the score."""
    # In the reading's order (not a set's), so the sums come out the same in every process.
    known = list(map(model.terms.get, reading.terms))
    entries = list(filter(None, known))
    z = complex(*model.bias)
    inverse = 0.0
    if entries:
        inverse = 1.0 / math.sqrt(sum(map(_SQUARE, entries)))
        z += inverse * sum(map(_WEIGHTS, entries))
    values = reading.signs
    signs = list(filter(model.signs.__contains__, values))
    z += sum(map(mul, map(values.__getitem__, signs), map(model.signs.__getitem__, signs)))
    za, zb = z.real, z.imag
    not_pitch, no_plug = _sigmoid(za), _sigmoid(zb)
    verdict, points = place(not_pitch, no_plug, model)
    return Scored(not_pitch, no_plug, points, verdict, signs, reading.terms, known, inverse)


def place(not_pitch: float, no_plug: float, model: Model) -> tuple[str, int]:
    """The verdict, and the score inside its band."""
    a_cut, b_cut = model.not_pitch_cut, model.no_plug_cut
    if not_pitch < a_cut:
        return "pitching", min(PITCHING_BELOW - 1, round(PITCHING_BELOW * not_pitch / a_cut))
    if no_plug < b_cut:
        # Inside the band, by the mean of the two probabilities (the text's expected place
        # between pitch and connect): its range here is a_cut/2 to (1 + b_cut)/2.
        low, high = a_cut / 2, (1.0 + b_cut) / 2
        share = ((not_pitch + no_plug) / 2 - low) / (high - low)
        width = CONNECTING_FROM - PITCHING_BELOW
        return "balanced", max(
            PITCHING_BELOW, min(CONNECTING_FROM - 1, PITCHING_BELOW + round(width * share))
        )
    width = 100 - CONNECTING_FROM
    return "connecting", CONNECTING_FROM + round(width * (no_plug - b_cut) / (1.0 - b_cut))
