"""The "Spotted an elevator pitch" analyzer: reports per second on one core."""

from __future__ import annotations

import json
import random
import statistics
import time
from pathlib import Path

from bench.common import Section
from bench.cpu import reference_loop_ms
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


# Texts a member could paste to make the check slow (4,000 characters each: the command's
# limit): runs of dots, links, addresses, handles, question marks, invisible characters.
ADVERSARIAL = {
    '".com" x 1,000': ".com" * 1000,
    '"a." x 2,000': "a." * 2000,
    '"x.com" x 800': "x.com" * 800,
    "addresses": "a@b.co" * 666,
    "long address users": ("a" * 70 + "@b.co ") * 52,
    "handles": "IG: @" * 800,
    "question marks": "?" * 4000,
    '"you? " x 800': "you? " * 800,
    "zero-width spaces": "\u200b" * 4000,
    "combining accents": "e\u0301" * 2000,
    "phone-like": "+1 (555) " * 444,
    "prices": "$1," * 1333,
    "a number of thousands of digits": "5% " + "1," * 1995 + "x",
    "blank lines, then a heading mark": "\n" * 3999 + "#",
    "emoji": "🎉" * 2000,
}


def slowest_adversarial() -> tuple[str, float]:
    """The adversarial text that takes longest (median of RUNS timings each), in ms."""
    analyze("warm up")
    times = {}
    for name, text in ADVERSARIAL.items():
        runs = []
        for _ in range(RUNS):
            started = time.perf_counter()
            analyze(text)
            runs.append(time.perf_counter() - started)
        times[name] = statistics.median(runs) * 1000
    name = max(times, key=times.__getitem__)
    return name, times[name]


async def run(section: Section) -> None:
    # Single-threaded on purpose: this is the cost of one self-check on one core.
    before = reference_loop_ms()
    short = rate(texts_of(100, TEXTS))
    section.add(f"analyze(): {short:,.0f} reports/s for 100-word texts (median of {RUNS} runs)")
    long = rate(texts_of(650, TEXTS // 8))
    section.add(f"analyze(): {long:,.0f} reports/s for ~4,000-character texts (median of {RUNS})")
    after = reference_loop_ms()
    section.add(
        f"the machine's speed meanwhile (bench.cpu.reference_loop_ms, a fixed Python loop, "
        f"before and after): {before:.0f} and {after:.0f} ms of CPU; this VM's speed drifts by "
        "2x or more, and the reports per second with it (2,991/s at 67-103 ms, 2026-12-07)"
    )
    name, ms = slowest_adversarial()
    section.add(
        f"analyze(): the slowest of {len(ADVERSARIAL)} adversarial 4,000-character texts "
        f"(runs of dots, links, addresses, handles, question marks, invisible characters): "
        f"{name}, {ms:.1f} ms (median of {RUNS}); before a fix on 2026-12-07, "
        f'".com" x 1,000 took 283 ms (each bare domain was grown back over all the ones before '
        "it), the number of thousands of digits 363 ms (read again from each digit), and the "
        "blank lines 241 ms (each line's start looked for a heading over all the lines after it)"
    )
