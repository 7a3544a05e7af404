"""Fit the pitch check's model on real, labelled texts and say how well it does.

    make train-pitch            # fit, evaluate, write coaching/pitch/model.json and the report
    python -m tools.train_pitch --evaluate-only

Reads `../shared/pitch-train/*.jsonl` (or $PITCH_TRAIN_DIR) and `tools/data/*.jsonl` (at half
weight): real texts people posted in public, labelled pitch / connect / mixed. The team's own
examples (tests/pitch_corpus/) join the training with a lower weight; they are never used to
measure quality.

Two regularised logistic models share one set of features (coaching/pitch/features.py):
"not a pitch" (connect and mixed against pitch) and "no plug at all" (connect against the
rest). A text is `pitching` when the first is unsure it isn't a pitch, `connecting` when the
second is sure there is no plug, and `balanced` otherwise; the two cut-offs are chosen on
cross-validated predictions. Quality is measured with folds grouped by source (no source in
both training and test), overall and per genre, with cut-offs chosen inside each training
fold (nested), and written to docs/pitch-model.md.

Needs the `train` extra (scikit-learn); the bot itself only reads the JSON it writes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from coaching.pitch.features import Reading, read
from coaching.pitch.model import load, place, score

ROOT = Path(__file__).resolve().parent.parent
MODEL_PATH = ROOT / "coaching" / "pitch" / "model.json"
REPORT_PATH = ROOT / "docs" / "pitch-model.md"
TEAM_CORPUS = ROOT / "tests" / "pitch_corpus"
GATHERED = ROOT / "tools" / "data"  # more real texts, gathered and checked (see its README)

# Chosen by grouped cross-validation (2026-12-07: C 1.5, 3 and 6; family and shape scales 0.05
# to 0.6; team weight 0, 0.1 and 0.3), judged on the pitch-train texts (the kind the check is
# scored on): smaller scales raised the AUC over all texts, gathered ones included, but not on
# pitch-train, where x0.3 kept 1 point more pitch-vs-connect.
C_NOT_PITCH = 3.0
C_NO_PLUG = 3.0
LEXICON_SCALE = 0.3
SHAPE_SCALE = 0.3
TEAM_WEIGHT = 0.3
MIN_DOCUMENTS = 2  # a word or word pair must occur in this many training texts
# Character 4-grams: their own TF-IDF block (unit length, times this), kept when in this many
# texts. Chosen by grouped cross-validation on 2026-12-08 (scales 0.5-4; 3- to 5-grams, 4-grams
# alone, and 4-grams of the text with its links blanked; word prefixes as extra words): the
# 4-grams of the whole text at x1 raised pitch-vs-connect by about 2 points (AUC 0.941 ->
# 0.948) where the others gave 0.5-1.5.
GRAM_SCALE = 1.0
GRAM_MIN_DOCUMENTS = 3
# The gathered texts (tools/data/) count half as much as pitch-train's in the fitting: other
# readers labelled them, and pitch-train is the kind of text the check is judged on. Chosen
# 2026-12-08 by grouped cross-validation scored on the pitch-train texts (weights 0.25-1):
# at 0.3-0.5, pitch-vs-connect was 1.5 points higher than at 1, with the same AUC.
GATHERED_WEIGHT = 0.5
MIXED_BALANCED_AT_LEAST = (
    0.63  # the cut-offs keep at least this share of mixed texts balanced (0.60 is
)
# the goal; chosen on training folds, it landed at 55-60% on held-out folds, hence the margin)
FOLDS = 5
SEEDS = (0, 1, 2)
LABEL_VALUE = {"pitch": 0.0, "mixed": 0.5, "connect": 1.0}
WANTED = {"pitch": "pitching", "connect": "connecting", "mixed": "balanced"}
VERDICTS = ("pitching", "balanced", "connecting")


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str
    group: str  # the source: no source is in both training and test
    genre: str
    origin: str  # the file it came from
    weight: float


def train_dir() -> Path:
    return Path(os.environ.get("PITCH_TRAIN_DIR", ROOT.parent / "shared" / "pitch-train"))


def load_real() -> list[Example]:
    """The labelled real texts: ../shared/pitch-train/ and tools/data/ (gathered)."""
    folder = train_dir()
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        sys.exit(f"No labelled texts in {folder}: set PITCH_TRAIN_DIR to the pitch-train folder.")
    out = []
    for path in [*files, *sorted(GATHERED.glob("*.jsonl"))]:
        origin = path.stem if path.parent == folder else f"gathered:{path.stem}"
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                source = re.sub(r"#.*$", "", row["source"]).rstrip("/")
                weight = 1.0 if path.parent == folder else GATHERED_WEIGHT
                out.append(Example(row["text"], row["label"], source, row["genre"], origin, weight))
    return out


def load_team() -> list[Example]:
    out = []
    for path in sorted(TEAM_CORPUS.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if line.strip():
                row = json.loads(line)
                out.append(
                    Example(
                        row["text"],
                        row["label"],
                        f"team:{path.stem}:{n}",
                        "team",
                        "team",
                        TEAM_WEIGHT,
                    )
                )
    return out


# -- Features as matrices ------------------------------------------------------------------


def _idf(keys: Sequence[Collection[str]], at_least: int) -> dict[str, float]:
    documents: Counter[str] = Counter()
    for present in keys:
        documents.update(list(present))  # each once per text
    total = len(keys)
    return {
        key: math.log((1 + total) / (1 + count)) + 1.0
        for key, count in documents.items()
        if count >= at_least
    }


class Vectoriser:
    """Readings -> a sparse matrix: TF-IDF over the words and word pairs (present or not,
    unit length), the same over the character 4-grams (times GRAM_SCALE), then the phrase
    families and shapes, scaled (`scale_of`). The same arithmetic as coaching/pitch/model.py
    does for one text."""

    def __init__(self, readings: Sequence[Reading]) -> None:
        self.idf = _idf([reading.terms for reading in readings], MIN_DOCUMENTS)
        self.gram_idf = _idf([reading.grams for reading in readings], GRAM_MIN_DOCUMENTS)
        signs = sorted({key for reading in readings for key in reading.signs})
        # Grams are told from words by a prefix: "nice" the word and " nic" the gram.
        names = sorted(self.idf) + ["G:" + gram for gram in sorted(self.gram_idf)] + signs
        self.columns = {name: i for i, name in enumerate(names)}

    def matrix(self, readings: Sequence[Reading]) -> sparse.csr_matrix:
        rows, cols, values = [], [], []
        for r, reading in enumerate(readings):
            for idf, present, prefix, scale in (
                (self.idf, reading.terms, "", 1.0),
                (self.gram_idf, reading.grams, "G:", GRAM_SCALE),
            ):
                weighted = {key: idf[key] for key in present if key in idf}
                norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
                for key, value in weighted.items():
                    rows.append(r)
                    cols.append(self.columns[prefix + key])
                    values.append(scale * value / norm)
            for key, value in reading.signs.items():
                if key in self.columns and value:
                    rows.append(r)
                    cols.append(self.columns[key])
                    values.append(value * scale_of(key))
        return sparse.csr_matrix((values, (rows, cols)), shape=(len(readings), len(self.columns)))


def scale_of(sign: str) -> float:
    """Phrase families and shapes are scaled against the unit-length word part, so one
    regularisation strength suits both. The model file holds weights times this scale, so
    the bot reads the raw values."""
    return LEXICON_SCALE if sign.startswith("L:") else SHAPE_SCALE


@dataclass
class Fitted:
    vectoriser: Vectoriser
    not_pitch: LogisticRegression
    no_plug: LogisticRegression

    def probabilities(self, readings: Sequence[Reading]) -> tuple[np.ndarray, np.ndarray]:
        x = self.vectoriser.matrix(readings)
        return self.not_pitch.predict_proba(x)[:, 1], self.no_plug.predict_proba(x)[:, 1]


def fit(readings: Sequence[Reading], examples: Sequence[Example]) -> Fitted:
    vectoriser = Vectoriser(readings)
    x = vectoriser.matrix(readings)
    value = np.array([LABEL_VALUE[e.label] for e in examples])
    weight = np.array([e.weight for e in examples])
    not_pitch = LogisticRegression(C=C_NOT_PITCH, max_iter=5000)
    not_pitch.fit(x, (value > 0.25).astype(int), sample_weight=weight)
    no_plug = LogisticRegression(C=C_NO_PLUG, max_iter=5000)
    no_plug.fit(x, (value > 0.75).astype(int), sample_weight=weight)
    return Fitted(vectoriser, not_pitch, no_plug)


# -- Verdicts and measures ------------------------------------------------------------------


def verdicts(p_not_pitch: np.ndarray, p_no_plug: np.ndarray, cut: tuple[float, float]) -> list[str]:
    not_pitch_at, no_plug_at = cut
    return [
        "pitching" if a < not_pitch_at else "connecting" if b >= no_plug_at else "balanced"
        for a, b in zip(p_not_pitch, p_no_plug, strict=True)
    ]


def sides(
    labels: Sequence[str], p_not_pitch: np.ndarray, p_no_plug: np.ndarray, cut: tuple[float, float]
) -> float:
    """Which side of 50 the score puts a pitch (below) and a connect (50 or more)."""
    model = SimpleNamespace(not_pitch_cut=cut[0], no_plug_cut=cut[1])
    right = [
        (place(a, b, model)[1] < 50) == (label == "pitch")  # type: ignore[arg-type]
        for label, a, b in zip(labels, p_not_pitch, p_no_plug, strict=True)
        if label != "mixed"
    ]
    return sum(right) / len(right)


def measures(labels: Sequence[str], said: Sequence[str]) -> dict[str, float]:
    clear = [(lab, v) for lab, v in zip(labels, said, strict=True) if lab != "mixed"]
    mixed = [v for lab, v in zip(labels, said, strict=True) if lab == "mixed"]
    return {
        "pitch_vs_connect": sum(v == WANTED[lab] for lab, v in clear) / len(clear) if clear else 0,
        # Which side of the middle: a pitch not called connecting, a connect not called pitching.
        "never_opposite": (
            sum(
                not (lab == "pitch" and v == "connecting")
                and not (lab == "connect" and v == "pitching")
                for lab, v in clear
            )
            / len(clear)
            if clear
            else 0
        ),
        "mixed_balanced": sum(v == "balanced" for v in mixed) / len(mixed) if mixed else 0,
        "clear": len(clear),
        "mixed": len(mixed),
    }


def choose_cut(
    labels: Sequence[str], p_not_pitch: np.ndarray, p_no_plug: np.ndarray
) -> tuple[float, float]:
    """The cut-offs with the best pitch-vs-connect accuracy that keep at least
    MIXED_BALANCED_AT_LEAST of the mixed texts balanced (the most balanced, if none does)."""
    grid = [round(x, 2) for x in np.arange(0.10, 0.91, 0.02)]
    best: tuple[float, float, tuple[float, float]] | None = None
    fallback: tuple[float, float, tuple[float, float]] | None = None
    for a in grid:
        for b in grid:
            m = measures(labels, verdicts(p_not_pitch, p_no_plug, (a, b)))
            key = (m["pitch_vs_connect"], m["mixed_balanced"], (a, b))
            if m["mixed_balanced"] >= MIXED_BALANCED_AT_LEAST:
                if best is None or key[:2] > best[:2]:
                    best = key
            elif fallback is None or (key[1], key[0]) > (fallback[1], fallback[0]):
                fallback = key
    chosen = best or fallback
    assert chosen is not None
    return chosen[2]


def cross_validate(
    real: Sequence[Example],
    team: Sequence[Example],
    readings: dict[str, Reading],
    seed: int,
    nested: bool,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Out-of-fold probabilities for every real text, and (nested) the verdicts with cut-offs
    chosen on the training folds alone."""
    p_a = np.zeros(len(real))
    p_b = np.zeros(len(real))
    said = [""] * len(real)
    groups = [e.group for e in real]
    folds = GroupKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    for train_at, test_at in folds.split(np.zeros(len(real)), groups=groups):
        train = [real[i] for i in train_at] + list(team)
        fitted = fit([readings[e.text] for e in train], train)
        a, b = fitted.probabilities([readings[real[i].text] for i in test_at])
        p_a[test_at], p_b[test_at] = a, b
        if nested:
            inner_real = [real[i] for i in train_at]
            ia, ib, _ = cross_validate(inner_real, team, readings, seed, nested=False)
            cut = choose_cut([e.label for e in inner_real], ia, ib)
            for i, v in zip(test_at, verdicts(a, b, cut), strict=True):
                said[i] = v
    return p_a, p_b, said


# -- Report ---------------------------------------------------------------------------------


def confusion_table(labels: Sequence[str], said: Sequence[str]) -> list[str]:
    counts = Counter(zip(labels, said, strict=True))
    lines = ["| label | " + " | ".join(VERDICTS) + " |", "|---|" + "---:|" * len(VERDICTS)]
    for label in ("pitch", "connect", "mixed"):
        lines.append(f"| {label} | " + " | ".join(str(counts[(label, v)]) for v in VERDICTS) + " |")
    return lines


def genre_table(examples: Sequence[Example], said: Sequence[str]) -> list[str]:
    by: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        by[(e.origin, e.genre)].append(i)
    lines = [
        "| file | genre | texts (p/c/m) | pitch-vs-connect | never opposite | mixed balanced |",
        "|---|---|---|---:|---:|---:|",
    ]
    for (origin, genre), at in sorted(by.items()):
        labels = [examples[i].label for i in at]
        m = measures(labels, [said[i] for i in at])
        n = Counter(labels)
        pvc = f"{m['pitch_vs_connect']:.0%}" if m["clear"] else "-"
        opp = f"{m['never_opposite']:.0%}" if m["clear"] else "-"
        mix = f"{m['mixed_balanced']:.0%}" if m["mixed"] else "-"
        lines.append(
            f"| {origin} | {genre} | {len(at)} ({n['pitch']}/{n['connect']}/{n['mixed']}) "
            f"| {pvc} | {opp} | {mix} |"
        )
    return lines


def origin_table(examples: Sequence[Example], said: Sequence[str]) -> list[str]:
    by: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        by[e.origin].append(i)
    lines = [
        "| file | texts | pitch-vs-connect | never opposite | mixed balanced |",
        "|---|---:|---:|---:|---:|",
    ]
    for origin, at in sorted(by.items()):
        m = measures([examples[i].label for i in at], [said[i] for i in at])
        lines.append(
            f"| {origin} | {len(at)} | {m['pitch_vs_connect']:.0%} | {m['never_opposite']:.0%} "
            f"| {m['mixed_balanced']:.0%} |"
        )
    return lines


def auc(labels: Sequence[str], score: np.ndarray) -> float:
    pitch = score[[i for i, lab in enumerate(labels) if lab == "pitch"]]
    connect = score[[i for i, lab in enumerate(labels) if lab == "connect"]]
    wins = (pitch[:, None] < connect[None, :]).sum() + 0.5 * (
        pitch[:, None] == connect[None, :]
    ).sum()
    return float(wins / (len(pitch) * len(connect)))


def pitch_train_table(
    real: Sequence[Example],
    team: Sequence[Example],
    readings: dict[str, Reading],
    runs: Sequence[tuple[np.ndarray, np.ndarray, list[str], dict[str, float]]],
) -> list[str]:
    """The same measures over the pitch-train texts alone (the kind the check is judged on):
    from the runs above (gathered texts in training), and from runs trained without the
    gathered texts, so the table says what gathering added."""
    kept = [i for i, e in enumerate(real) if not e.origin.startswith("gathered:")]
    if len(kept) == len(real):
        return []
    own = [real[i] for i in kept]
    labels = [e.label for e in own]
    lines = [
        "Over the pitch-train texts alone (nested as above), trained with the gathered texts "
        "and without them:",
        "",
        "| seed | trained on | pitch-vs-connect | never opposite | mixed balanced | AUC |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for seed, (a, b, said, _) in zip(SEEDS, runs, strict=True):
        alone_a, alone_b, alone_said = cross_validate(own, team, readings, seed, nested=True)
        for name, pa, pb, verdict in (
            ("pitch-train + gathered", a[kept], b[kept], [said[i] for i in kept]),
            ("pitch-train alone", alone_a, alone_b, alone_said),
        ):
            m = measures(labels, verdict)
            lines.append(
                f"| {seed} | {name} | {m['pitch_vs_connect']:.1%} | {m['never_opposite']:.1%} "
                f"| {m['mixed_balanced']:.1%} | {auc(labels, (pa + pb) / 2):.3f} |"
            )
    return lines


def write_model(fitted: Fitted, cut: tuple[float, float], trained_on: dict[str, int]) -> None:
    v = fitted.vectoriser
    wa = fitted.not_pitch.coef_[0]
    wb = fitted.no_plug.coef_[0]
    terms = {}
    grams = {}
    signs = {}
    for name, col in v.columns.items():
        a, b = round(float(wa[col]), 4), round(float(wb[col]), 4)
        if name.startswith("G:"):
            # Every gram stays, even one with no weight: its idf is part of a text's length.
            grams[name[2:]] = [round(v.gram_idf[name[2:]], 4), a, b]
            continue
        if abs(a) < 1e-4 and abs(b) < 1e-4:
            continue
        if name in v.idf:
            terms[name] = [round(v.idf[name], 4), a, b]
        else:
            scale = scale_of(name)
            signs[name] = [round(a * scale, 5), round(b * scale, 5)]
    model = {
        "about": "Fitted by `make train-pitch` (tools/train_pitch.py); do not edit by hand.",
        "trained_on": trained_on,
        "bias": [
            round(float(fitted.not_pitch.intercept_[0]), 4),
            round(float(fitted.no_plug.intercept_[0]), 4),
        ],
        "cut": {"not_pitch": cut[0], "no_plug": cut[1]},
        "signs": dict(sorted(signs.items())),
        "terms": dict(sorted(terms.items())),
        "gram_scale": GRAM_SCALE,
        "grams": dict(sorted(grams.items())),
    }
    MODEL_PATH.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--evaluate-only", action="store_true", help="don't write the model")
    args = parser.parse_args(argv)
    real, team = load_real(), load_team()
    readings = {e.text: read(e.text) for e in [*real, *team]}
    labels = [e.label for e in real]
    runs = []
    for seed in SEEDS:
        a, b, said = cross_validate(real, team, readings, seed, nested=True)
        m = measures(labels, said)
        m["score_side"] = sides(labels, a, b, choose_cut(labels, a, b))
        runs.append((a, b, said, m))
        print(f"seed {seed}: {runs[-1][3]}")
    # The report shows the first seed's nested run; the headline gives every seed.
    _, _, said, _ = runs[0]
    cut = choose_cut(labels, *np.mean([(r[0], r[1]) for r in runs], axis=0))
    fitted = fit([readings[e.text] for e in [*real, *team]], [*real, *team])
    trained_on = dict(Counter(e.label for e in real)) | {"team": len(team)}
    lines = [
        "# The pitch check's model: how it was fitted, and how well it does",
        "",
        "Written by `make train-pitch` (tools/train_pitch.py). Do not edit by hand.",
        "",
        f"Trained on {len(real)} real texts from {len(set(e.group for e in real))} sources "
        f"({trained_on.get('pitch', 0)} pitch, {trained_on.get('connect', 0)} connect, "
        f"{trained_on.get('mixed', 0)} mixed) in `../shared/pitch-train/` and `tools/data/` "
        f"(gathered, at weight {GATHERED_WEIGHT}), plus the team's {len(team)} examples at "
        f"weight {TEAM_WEIGHT}.",
        "",
        "## Grouped cross-validation",
        "",
        f"{FOLDS} folds grouped by source (no source in both training and test); the cut-offs "
        "are chosen inside each training fold (nested), so no test text helps choose them. "
        "*pitch-vs-connect*: a pitch called `pitching`, a connect called `connecting` "
        "(`balanced` counts as wrong). *never opposite*: a pitch not called `connecting`, a "
        "connect not called `pitching`. *score side*: a pitch scored under 50, a connect 50 "
        "or more (cut-offs from the pooled probabilities of that run). *mixed balanced*: "
        "mixed texts called `balanced`. *AUC*: how often a pitch gets a lower mean "
        "probability than a connect.",
        "",
        "| seed | pitch-vs-connect | never opposite | score side | mixed balanced | AUC |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for seed, (ra, rb, _, m) in zip(SEEDS, runs, strict=True):
        lines.append(
            f"| {seed} | {m['pitch_vs_connect']:.1%} | {m['never_opposite']:.1%} | "
            f"{m['score_side']:.1%} | {m['mixed_balanced']:.1%} | "
            f"{auc(labels, (ra + rb) / 2):.3f} |"
        )
    lines += ["", *pitch_train_table(real, team, readings, runs), ""]
    lines += [f"Confusion (seed {SEEDS[0]}):", "", *confusion_table(labels, said), ""]
    lines += [f"Per file (seed {SEEDS[0]}):", "", *origin_table(real, said), ""]
    lines += [f"Per file and genre (seed {SEEDS[0]}):", "", *genre_table(real, said), ""]
    lines += [
        "## The shipped model",
        "",
        f"Fitted on everything above; cut-offs from the pooled cross-validated probabilities: "
        f"`pitching` when P(not a pitch) < {cut[0]:.2f}, else `connecting` when "
        f"P(no plug) >= {cut[1]:.2f}, else `balanced`. Regularisation C = {C_NOT_PITCH} and "
        f"{C_NO_PLUG}; phrase families x{LEXICON_SCALE}, shapes x{SHAPE_SCALE}; words and word "
        f"pairs seen in at least {MIN_DOCUMENTS} texts.",
        "",
    ]
    REPORT_PATH.write_text("\n".join(lines))
    print("\n".join(lines))
    if not args.evaluate_only:
        write_model(fitted, cut, trained_on)
        print(f"wrote {MODEL_PATH.relative_to(ROOT)}")
        check_model([readings[e.text] for e in [*real, *team]], fitted)


def check_model(readings: Sequence[Reading], fitted: Fitted) -> None:
    """The bot's arithmetic (coaching/pitch/model.py on the written file) gives the fitted
    models' probabilities: the file and the runtime agree with what was measured."""
    model = load(MODEL_PATH)
    want_a, want_b = fitted.probabilities(readings)
    worst = max(
        max(abs(got.not_pitch - a), abs(got.no_plug - b))
        for got, a, b in zip((score(r, model) for r in readings), want_a, want_b, strict=True)
    )
    print(f"the bot's probabilities differ from the fitted ones by at most {worst:.5f}")
    if worst > 0.005:
        sys.exit("model.json does not reproduce the fitted model: see coaching/pitch/model.py")


if __name__ == "__main__":
    main()
