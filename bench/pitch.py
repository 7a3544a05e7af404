"""The "Spotted an elevator pitch" analyzer: reports per second on one core."""

from __future__ import annotations

import json
import random
import statistics
import time
from pathlib import Path

from bench.common import Section
from coaching.pitch import analyze

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "pitch_corpus" / "corpus.jsonl"
RUNS = 5
TEXTS = 400


def texts_of(words: int, count: int, seed: int = 7) -> list[str]:
    """Member-like texts of exactly `words` words, stitched from the labelled corpus (fixed
    seed, so every run measures the same texts)."""
    with open(CORPUS, encoding="utf-8") as handle:
        rows = [json.loads(line)["text"] for line in handle if line.strip()]
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        pieces: list[str] = []
        while len(pieces) < words:
            pieces += rng.choice(rows).split()
        out.append(" ".join(pieces[:words]))
    return out


def rate(texts: list[str]) -> float:
    """Median reports per second over RUNS passes (after one warm-up pass)."""
    for text in texts:
        analyze(text)
    rates = []
    for _ in range(RUNS):
        started = time.perf_counter()
        for text in texts:
            analyze(text)
        rates.append(len(texts) / (time.perf_counter() - started))
    return statistics.median(rates)


async def run(section: Section) -> None:
    # Single-threaded on purpose: this is the cost of one self-check on one core.
    short = rate(texts_of(100, TEXTS))
    section.add(f"analyze(): {short:,.0f} reports/s for 100-word texts (median of {RUNS} runs)")
    long = rate(texts_of(650, TEXTS // 8))
    section.add(f"analyze(): {long:,.0f} reports/s for ~4,000-character texts (median of {RUNS})")
