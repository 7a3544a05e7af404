"""The fitted model: two logistic scores over one reading, and the verdict they give.

`model.json` is written by `make train-pitch` (tools/train_pitch.py) from real, labelled
texts; this module only reads it, once, on first use. The arithmetic matches the fitting
script's: TF-IDF over the words and word pairs present (unit length), the same over the
character 4-grams (unit length, times the gram scale), plus the phrase families and shapes as
they are.

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
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter, mul
from pathlib import Path

from coaching.pitch.features import GRAM, Reading

MODEL_PATH = Path(__file__).resolve().parent / "model.json"

UNIT = 1 << 20  # the grams' numbers in whole numbers of 1/UNIT (about 1e-6): see Model
# A packed gram: four fields of _FIELD bits, each summed on its own as long as no sum
# overflows its field: a count (to take the offsets back out), idf², weight A and weight B
# (offset by _OFFSET so they are never negative). 4,000 grams (the longest text) of at most
# 2^28 each (an idf² under 256, a weight under 64) stay under 2^40.
_FIELD = 44
_MASK = (1 << _FIELD) - 1
_OFFSET = 1 << 26


def _pack(square: float, a: float, b: float) -> int:
    a_units, b_units = round(a * UNIT) + _OFFSET, round(b * UNIT) + _OFFSET
    if not (0 <= a_units < 2 * _OFFSET and 0 <= b_units < 2 * _OFFSET and square < 256):
        raise ValueError("a 4-gram's weight is too large to pack: refit the model")
    return (
        1 | (round(square * UNIT) << _FIELD) | (a_units << (2 * _FIELD)) | (b_units << (3 * _FIELD))
    )


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
    signs: dict[str, complex]  # phrase family or shape -> weight A + weight B i
    # Character 4-gram -> its idf², and scale x idf x weight A and B, packed in one whole number
    # (see `_pack`), so one pass in C over a text's grams sums all three, exactly: whole
    # numbers add up the same in any order, and a text's grams are a set, in no fixed order.
    grams: dict[str, int]
    gram_mean: dict[str, int]  # the same's mean weight, in whole numbers of 1/UNIT
    # word -> what its inner 4-grams (those always in a text that holds the word) add, and
    # its first and last grams (" wor", "ord "), which a text holds only where the word has
    # a space on that side. Filled as words are met: a word's grams never change.
    word_grams: dict[str, tuple[int, str, int, str, int]] = field(default_factory=dict)


def load(path: Path = MODEL_PATH) -> Model:
    raw = json.loads(path.read_text(encoding="utf-8"))
    grams, scale = raw.get("grams", {}).items(), raw.get("gram_scale", 1.0)
    return Model(
        bias=(raw["bias"][0], raw["bias"][1]),
        not_pitch_cut=raw["cut"]["not_pitch"],
        no_plug_cut=raw["cut"]["no_plug"],
        terms={
            k: (idf * idf, complex(idf * a, idf * b), idf * (a + b) / 2)
            for k, (idf, a, b) in raw["terms"].items()
        },
        signs={k: complex(a, b) for k, (a, b) in raw["signs"].items()},
        grams={k: _pack(idf * idf, scale * idf * a, scale * idf * b) for k, (idf, a, b) in grams},
        gram_mean={k: round(scale * idf * (a + b) / 2 * UNIT) for k, (idf, a, b) in grams},
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
    gram_inverse: float  # 1 / the length of the 4-grams' TF-IDF vector (0: none known)

    def term_pushes(
        self, reading: Reading, model: Model, at_least: float, most: int
    ) -> list[tuple[str, float]]:
        """At most `most` words and word pairs that added at least `at_least` either way,
        strongest first, and what each added (same scale as `sign_pushes`). A word adds what
        the model learned of it and of its letters (its own 4-grams, where the text has them);
        4-grams across two words are no one word's and are not shown. Ties keep the reading's
        order, so the same text gives the same list in every process."""
        inverse = self.inverse
        pushes = {
            term: known[2] * inverse
            for term, known in zip(self.terms, self.known, strict=True)
            if known is not None
        }
        if self.gram_inverse:
            present, cache = reading.grams, model.word_grams
            scale = self.gram_inverse / UNIT
            for word in self.terms:
                if " " in word:
                    break  # the words come first, then the word pairs
                if word == "<num>":
                    continue
                inner, first, first_adds, last, last_adds = cache.get(word) or _word_grams(
                    word, model
                )
                through_letters = (
                    inner
                    + (first_adds if first in present else 0)
                    + (last_adds if last in present else 0)
                )
                if through_letters:
                    pushes[word] = pushes.get(word, 0.0) + through_letters * scale
        strong = [item for item in pushes.items() if not -at_least < item[1] < at_least]
        strong.sort(key=_strength, reverse=True)
        return strong[:most]

    def sign_pushes(self, reading: Reading, model: Model) -> dict[str, float]:
        """What each phrase family and shape added, on the mean of the two models'
        log-odds: positive towards connection."""
        weights, values = model.signs, reading.signs
        return {
            key: values[key] * (weights[key].real + weights[key].imag) / 2 for key in self.signs
        }


def _strength(item: tuple[str, float]) -> float:
    return abs(item[1])


_WORD_GRAMS_MOST = 100_000  # words remembered, so a flood of made-up words can't fill memory


def _word_grams(word: str, model: Model) -> tuple[int, str, int, str, int]:
    """What the word's inner 4-grams add (each once), and its first and last 4-grams, cut as
    the text's are (a space either side), with what each adds; remembered in the model for
    the next text (`term_pushes` looks there first)."""
    flat = f" {word} "
    first, last = flat[:GRAM], flat[-GRAM:]
    inner = set(flat[i : i + GRAM] for i in range(1, len(flat) - GRAM)) - {first, last}
    mean = model.gram_mean
    known = (
        sum(mean.get(gram, 0) for gram in inner),
        first,
        mean.get(first, 0),
        last,
        mean.get(last, 0) if last != first else 0,
    )
    if len(model.word_grams) >= _WORD_GRAMS_MOST:
        model.word_grams.clear()
    model.word_grams[word] = known
    return known


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
    packed = sum(map(model.grams.get, reading.grams, repeat(0)))
    gram_inverse = 0.0
    if packed:
        count = packed & _MASK
        square = (packed >> _FIELD) & _MASK
        a = ((packed >> (2 * _FIELD)) & _MASK) - count * _OFFSET
        b = (packed >> (3 * _FIELD)) - count * _OFFSET
        gram_inverse = UNIT / math.sqrt(square * UNIT)
        z += (gram_inverse / UNIT) * complex(a, b)
    values = reading.signs
    signs = list(filter(model.signs.__contains__, values))
    z += sum(map(mul, map(values.__getitem__, signs), map(model.signs.__getitem__, signs)))
    za, zb = z.real, z.imag
    not_pitch, no_plug = _sigmoid(za), _sigmoid(zb)
    verdict, points = place(not_pitch, no_plug, model)
    return Scored(
        not_pitch, no_plug, points, verdict, signs, reading.terms, known, inverse, gram_inverse
    )


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
