"""The "Spotted an elevator pitch" analyzer: signals, spans, scores, Discord text, corpus."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coaching import pitch
from coaching.pitch import (
    BASE_SCORE,
    CONNECTING_FROM,
    PITCHING_BELOW,
    PitchReport,
    Signal,
    analyze,
)

CORPUS_DIR = Path(__file__).parent / "pitch_corpus"
WANTED = {"pitch": "pitching", "connect": "connecting", "mixed": "balanced"}
VERDICTS = {"connecting", "balanced", "pitching"}


def load(name: str) -> list[dict[str, str]]:
    with open(CORPUS_DIR / f"{name}.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def kinds(report: PitchReport) -> set[str]:
    return {s.kind for s in report.signals}


def signal(report: PitchReport, kind: str, excerpt: str | None = None) -> Signal:
    found = [s for s in report.signals if s.kind == kind and excerpt in (None, s.excerpt)]
    assert found, f"no {kind} {excerpt!r} in {[(s.kind, s.excerpt) for s in report.signals]}"
    return found[0]


def assert_valid(text: str, report: PitchReport) -> None:
    """Everything the Discord layer relies on, for any input."""
    assert 0 <= report.score <= 100
    assert report.verdict in VERDICTS
    assert 1 <= len(report.suggestions) <= 3
    assert report.base == BASE_SCORE
    assert report.score == max(0, min(100, report.base + sum(s.points for s in report.signals)))
    assert [s.start for s in report.signals] == sorted(s.start for s in report.signals)
    for s in report.signals:
        assert 0 <= s.start < s.end <= len(text)
        assert text[s.start : s.end] == s.excerpt
        assert s.side in ("pitch", "connect")
        assert (s.points < 0) == (s.side == "pitch") or s.points == 0
        assert s.reason and len(s.reason) <= 200
    for suggestion in report.suggestions:
        assert suggestion.text and len(suggestion.text) <= 200
        assert suggestion.excerpt is None or suggestion.excerpt in text


# --- Each signal family, with exact spans --------------------------------------------------

FAMILIES = [
    # (kind, text, expected excerpt)
    ("call_to_action", "Loved the panel! DM me for a free audit.", "DM me"),
    ("call_to_action", "All the details are there, link in bio 💫", "link in bio"),
    ("call_to_action", "Spots are open, book a call this week.", "book a call"),
    ("call_to_action", "Want to grow? Sign up here and start today.", "Sign up here"),
    ("call_to_action", "Check out my new portfolio when you can.", "Check out my"),
    ("call_to_action", "Grab your spot before the weekend.", "Grab your spot"),
    ("call_to_action", "Message me for prices and dates.", "Message me"),
    ("offer_price", "Sessions are $150 each.", "$150"),
    ("offer_price", "Use code SPRING for 20% off.", "20% off"),
    ("offer_price", "My packages start at £300 a month.", "packages start"),
    ("offer_price", "I'm offering a free consultation to new members.", "free consultation"),
    ("urgency", "Only 3 spots left for May!", "Only 3 spots left"),
    ("urgency", "Last chance to join the cohort.", "Last chance"),
    ("urgency", "Don't miss this one, friends.", "Don't miss"),
    ("credentials", "I'm an award-winning designer.", "award-winning"),
    (
        "credentials",
        "With 15 years of experience in HR, I know the drill.",
        "15 years of experience",
    ),
    ("credentials", "As founder and CEO of Brightside, I get it.", "founder and CEO"),
    ("credentials", "My work has been featured in Vogue.", "featured in"),
    ("contact_details", "Write to me at hello@example.com anytime.", "hello@example.com"),
    ("contact_details", "Call 555-201-4433 to book.", "555-201-4433"),
    ("contact_details", "Find me on Instagram: @sunny_studio", "@sunny_studio"),
    ("contact_details", "All my prices are on my website.", "my website"),
    ("link", "Portfolio: https://example.com/work", "https://example.com/work"),
    ("link", "See bloomstudio.co/shop for more.", "bloomstudio.co/shop"),
    ("generic_audience", "Calling all small business owners!", "Calling all"),
    (
        "generic_audience",
        "If you know someone who needs a lawyer, I'm here.",
        "If you know someone",
    ),
    ("generic_audience", "Great for anyone who needs a logo.", "anyone who needs"),
    ("elevator_pitch", "I help busy moms reclaim 10 hours a week.", None),
    ("self_promotion", "We offer bookkeeping and payroll.", "We offer"),
    ("availability", "I'm currently taking on new clients for June.", None),
    ("pitch_question", "Are you tired of chasing clients? I can help.", None),
    ("question_about_them", "Lovely to meet you! Where are you based these days?", None),
    ("curiosity", "What got you into ceramics?", "What got you into ceramics?"),
    ("curiosity", "How did you decide to go freelance?", None),
    ("curiosity", "I'd love to hear more about your garden project.", "I'd love to hear"),
    ("personal_sharing", "Mum of two, and my dog Pickle runs the house.", "Mum of two"),
    ("personal_sharing", "Outside work I love hiking and bad puns.", "I love hiking"),
    ("shared_interest", "Me too! I also grew up by the sea.", "Me too"),
    ("invitation_no_sale", "It was lovely chatting. Coffee sometime?", "Coffee sometime?"),
    ("invitation_no_sale", "Would love to stay in touch!", "stay in touch"),
    ("gratitude", "Thank you so much for the introduction, Ada!", "Thank you"),
    ("giving", "My friend Sam is a brilliant accountant, want me to introduce you?", None),
    ("warmth", "Congratulations on the launch, Mei!", "Congratulations"),
    ("asking_advice", "Does anyone know a good dentist in town?", None),
    ("hashtags", "New post up! #branding #smallbiz", "#branding #smallbiz"),
]


@pytest.mark.parametrize(("kind", "text", "excerpt"), FAMILIES)
def test_each_signal_family_has_exact_spans(kind: str, text: str, excerpt: str | None) -> None:
    report = analyze(text)
    assert_valid(text, report)
    found = signal(report, kind, excerpt)
    assert text[found.start : found.end] == found.excerpt
    assert found.side == ("pitch" if found.points < 0 else "connect")


def test_elevator_pitch_suggestion_rewrites_the_members_phrase() -> None:
    text = "Hi all! I help busy moms reclaim 10 hours a week."
    report = analyze(text)
    found = signal(report, "elevator_pitch")
    assert found.excerpt == "I help busy moms reclaim 10 hours a week"
    rewrite = next(s for s in report.suggestions if s.kind == "elevator_pitch")
    assert rewrite.excerpt == found.excerpt
    assert "What eats most of your week right now?" in rewrite.text


def test_rewrite_turns_an_offer_into_a_question_about_them() -> None:
    report = analyze("I help founders navigate their first fundraise.")
    rewrite = next(s for s in report.suggestions if s.kind == "elevator_pitch")
    assert "?" in rewrite.text and "founders navigate" in rewrite.text


# --- Context: negation, questions that are pitches, cards on request ----------------------


def test_not_selling_is_not_a_pitch() -> None:
    report = analyze("Hey, I'm not selling anything, promise! How has your week been?")
    assert "no_sale" in kinds(report)
    assert all(s.points >= 0 for s in report.signals)
    assert report.verdict == "connecting"


def test_not_selling_but_is_a_pitch() -> None:
    text = "I'm not here to sell you anything... but DM me and I'll explain my system."
    report = analyze(text)
    assert "disclaimer_but" in kinds(report)
    assert report.verdict == "pitching"


def test_negated_call_to_action_does_not_count() -> None:
    report = analyze("No need to DM me, I just wanted to say congrats on the new job!")
    assert "call_to_action" not in kinds(report)


def test_how_can_i_help_is_connecting() -> None:
    report = analyze("Welcome, Sara! How can I help you settle in?")
    assert "giving" in kinds(report)
    assert "elevator_pitch" not in kinds(report)
    assert report.verdict == "connecting"


def test_a_question_that_leads_to_a_sale_is_a_pitch() -> None:
    report = analyze("Are you tired of doing your own books? Book a call with me today.")
    assert "pitch_question" in kinds(report)
    assert "question_about_them" not in kinds(report)
    assert report.verdict == "pitching"


def test_a_link_shared_because_they_asked_is_not_a_pushed_card() -> None:
    asked = analyze("You asked for the link to my slides, so here it is: example.com/slides")
    pushed = analyze("Here are my slides: example.com/slides")
    assert "asked_for" in kinds(asked) and "link" not in kinds(asked)
    assert "link" in kinds(pushed)
    assert asked.score > pushed.score


def test_referral_for_a_friend_is_giving_not_a_plug() -> None:
    report = analyze("If anyone is looking for a childminder, I know someone wonderful.")
    assert "giving" in kinds(report)
    assert "generic_audience" not in kinds(report)


def test_warm_words_inside_a_sales_sentence_do_not_rescue_it() -> None:
    report = analyze("Lovely ladies, DM me today for my special offer packages!")
    assert report.verdict == "pitching"


def test_repeated_signals_have_diminishing_weight() -> None:
    report = analyze(" ".join(["DM me!"] * 10))
    points = [s.points for s in report.signals if s.kind == "call_to_action"]
    magnitudes = [abs(p) for p in points]  # -12, -7, -4, ...: each repeat counts less
    assert magnitudes == sorted(magnitudes, reverse=True) and magnitudes[1] < magnitudes[0]
    assert len(points) <= pitch.MAX_SIGNALS_PER_KIND


def test_self_talk_in_the_opening_counts_as_self_focus() -> None:
    text = (
        "I am a consultant. I run my firm and I manage my team. I love my work and my "
        "clients. We do strategy and we do it well."
    )
    report = analyze(text)
    found = signal(report, "self_focus")
    assert found.points < 0
    # A question for them changes the picture: self-talk followed by curiosity is fine.
    assert "self_focus" not in kinds(analyze(text + " What do you love about your work?"))


# --- Scores and verdicts --------------------------------------------------------------------


def test_score_is_traceable_to_signals() -> None:
    for row in load("corpus")[:60]:
        report = analyze(row["text"])
        total = report.base + sum(s.points for s in report.signals)
        assert report.score == max(0, min(100, total))


def test_verdict_thresholds() -> None:
    assert PITCHING_BELOW < CONNECTING_FROM
    assert analyze("DM me for rates! Only 2 spots left, book now: example.com").verdict == (
        "pitching"
    )
    assert analyze("Thank you all! How did everyone's week go? Coffee soon?").verdict == (
        "connecting"
    )


def test_empty_text_gives_a_valid_report() -> None:
    for text in ("", "   \n\t ", "```\ncode only\n```"):
        report = analyze(text)
        assert report.verdict == "balanced"
        assert report.score == report.base == BASE_SCORE
        assert report.signals == ()
        assert len(report.suggestions) == 1
        assert "Nothing to check yet" in report.suggestions[0].text


def test_great_texts_still_get_something_to_keep_doing() -> None:
    report = analyze("Congrats on the new shop, Rosa! How are you feeling now that it's open?")
    assert report.verdict == "connecting"
    assert 1 <= len(report.suggestions) <= 3


def test_pitchy_texts_get_two_or_three_suggestions() -> None:
    report = analyze("Award-winning coach. DM me for my packages, only 2 spots left!")
    assert 2 <= len(report.suggestions) <= 3
    assert all(len(s.text) <= 200 for s in report.suggestions)


def test_words_live_in_tables() -> None:
    # The Discord layer will move these to templates: every kind has its words.
    for kind in pitch.REASONS:
        assert len(pitch.REASONS[kind]) <= 200
    for text in pitch.SUGGESTIONS.values():
        assert len(text) <= 200
    report_kinds = {s.kind for row in load("corpus") for s in analyze(row["text"]).signals}
    assert report_kinds <= set(pitch.SUGGESTIONS) | {"link", "contact_details"}


# --- Determinism -----------------------------------------------------------------------------


def test_same_text_same_report() -> None:
    for row in load("corpus")[::7]:
        assert analyze(row["text"]) == analyze(row["text"])


def test_same_report_across_processes_and_hash_seeds() -> None:
    texts = [row["text"] for row in load("corpus")[::25]]
    script = (
        "import json, sys\n"
        "from coaching.pitch import analyze\n"
        "texts = json.loads(sys.stdin.read())\n"
        "print(json.dumps([repr(analyze(t)) for t in texts]))\n"
    )
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            env=env,
            cwd=Path(__file__).resolve().parent.parent,
            check=True,
        )
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]


# --- Any Unicode, any Discord text -------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=4000))
def test_any_unicode_text_gives_a_valid_report(text: str) -> None:
    assert_valid(text, analyze(text))


DISCORD_PIECES = st.sampled_from(
    [
        "<@123456789012345678>",
        "<@!42>",
        "<@&555>",
        "<#987>",
        "<:wave:112233>",
        "<a:party:445566>",
        "**bold**",
        "__under__",
        "||spoiler||",
        "> quoted line\n",
        "```\nDM me\n```",
        "`inline`",
        "https://example.com/x",
        "\u200b",
        "e\u0301",
        "\u202eRTL\u202c",
        "مرحبا",
        "👩‍💻",
        "❤️",
        "DM me",
        "What got you into it?",
        " ",
        "\n",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(DISCORD_PIECES, st.text(max_size=20)), max_size=60))
def test_any_discord_markup_gives_a_valid_report(pieces: list[str]) -> None:
    text = "".join(pieces)[:4000]
    assert_valid(text, analyze(text))


def test_mentions_and_custom_emoji_are_not_words() -> None:
    text = "<@123456789012345678> welcome!! <:book:998877> What brought you here?"
    report = analyze(text)
    assert_valid(text, report)
    assert "call_to_action" not in kinds(report)
    assert "question_about_them" in kinds(report) or "curiosity" in kinds(report)


def test_code_blocks_are_ignored_but_spans_stay_valid() -> None:
    text = (
        "Thanks Mei! This fixed it:\n```\nDM me, book a call, 50% off\n```\nHow did you learn it?"
    )
    report = analyze(text)
    assert_valid(text, report)
    assert not {"call_to_action", "offer_price"} & kinds(report)
    assert report.verdict == "connecting"


def test_markdown_does_not_hide_a_pitch() -> None:
    text = "**DM me** for ~~prices~~ my __packages__! ||Only 2 spots left||"
    report = analyze(text)
    assert_valid(text, report)
    assert {"call_to_action", "urgency"} <= kinds(report)
    assert signal(report, "call_to_action").excerpt == "DM me"


def test_quoted_lines_are_someone_elses_words() -> None:
    text = "> DM me for rates\nHa, no thanks! But how is your week going?"
    report = analyze(text)
    assert "call_to_action" not in kinds(report)
    # A message that is only a quote is still read.
    assert "call_to_action" in kinds(analyze("> DM me for rates"))


def test_zero_width_and_fancy_characters_do_not_hide_words() -> None:
    text = "D\u200bM me for my ＦＲＥＥ consultation. I’d love to hear your story!"
    report = analyze(text)
    assert_valid(text, report)
    assert {"call_to_action", "offer_price", "curiosity"} <= kinds(report)
    assert signal(report, "offer_price").excerpt == "ＦＲＥＥ consultation"


def test_fast_scanner_finds_what_each_pattern_finds_on_its_own() -> None:
    # The scanner rewrites every pattern at import (see coaching/pitch.py): check it against
    # the plain way, each pattern searched on its own, on every corpus text.
    rules = (*pitch.PHRASE_RULES, pitch._CONTACT_PHRASES, *pitch.PERSONAL_RULES)
    plain = [
        (rule, re.compile(part, re.I))
        for rule in rules
        for alternative in rule.alternatives
        for part in pitch._split_top(alternative)
    ]
    for row in load("corpus") + load("holdout"):
        low = pitch._links(pitch._prepare(row["text"])[0])[1].lower()
        expected: list[pitch._Raw] = []
        # Every position a possible negation: the plain, unfiltered check.
        anywhere = list(range(len(low)))
        for rule, pattern in plain:
            for match in pattern.finditer(low):
                pitch._add(expected, rule, low, match.start(), match.end(), anywhere)
        found = {(r.kind, r.start, r.end) for r in pitch._phrases(low, pitch._SCANNER)}
        missing = {(r.kind, low[r.start : r.end]) for r in expected} - {
            (kind, low[start:end]) for kind, start, end in found
        }
        assert not missing, (row["text"][:80], missing)


def test_negation_prefilter_never_hides_a_negation() -> None:
    # _negated only runs its regex when a negation word starts in the window before the
    # phrase; that list must be a superset, or "I'm not selling" would read as selling.
    texts = [row["text"] for row in load("corpus") + load("holdout")]
    texts += ["don't book", "I won't sell", "without a pitch", "nobody needs", "no, never buy"]
    for text in texts:
        low = pitch._links(pitch._prepare(text)[0])[1].lower()
        starts = [m.start() for m in pitch._NEGATION_START.finditer(low)]
        anywhere = list(range(len(low)))
        for word in re.finditer(r"\w+", low):
            at = word.start()
            assert pitch._negated(low, at, starts) == pitch._negated(low, at, anywhere), (
                text[:80],
                low[max(0, at - 30) : at + 10],
            )


def test_first_letter_rewrite_finds_the_same_starts() -> None:
    # Context patterns are rewritten at import to start with a literal (see
    # coaching/pitch.py, _by_first_letter): where they match, and whether, must not change.
    rules = (*pitch.PHRASE_RULES, *pitch.PERSONAL_RULES)
    plain = [p for rule in rules for p in (rule.before, rule.unless) if p is not None]
    plain += [
        pitch._ASKED,
        pitch._CALL_ASK,
        pitch._NEGATION,
        re.compile(pitch._PAIN_SOURCE),
        re.compile(pitch._SALES_ASK_SOURCE),
        re.compile(r"\bwho\b(?!\s+else)|(?<!can\s)\bi\s+(?:help|do)\b|n't\s*\Z"),
    ]
    pairs = [(pattern, pitch._by_first_letter(pattern)) for pattern in plain]
    assert sum(fast is not slow for slow, fast in pairs) >= len(pairs) // 2  # most rewritten
    # Gates split a pattern into the rewritten alternatives and the others: a yes or no.
    gates = [
        (re.compile(source), gate)
        for source, gate in (
            (pitch._PAIN_SOURCE, pitch._PAIN),
            (pitch._SALES_ASK_SOURCE, pitch._SALES_ASK),
        )
    ]
    lows = [pitch._links(pitch._prepare(row["text"])[0])[1].lower() for row in load("corpus")]
    lows += ["i can't help, who else? i do", "İ ı don't no", "a  call", ""]
    for low in lows:
        ends = range(0, len(low) + 1, 7) if len(low) > 60 else range(len(low) + 1)
        for end in ends:
            begin = max(0, end - 80)
            for slow, fast in pairs:
                expected = slow.search(low, begin, end)
                found = fast.search(low, begin, end)
                assert (found and found.start()) == (expected and expected.start()), (
                    slow.pattern,
                    low[begin:end],
                )
            window = low[begin:end]
            words = pitch._sentence_words(window)
            for slow, gate in gates:
                assert bool(gate.search(window, words)) == bool(slow.search(window)), window


def test_long_text_is_handled() -> None:
    text = ("Hi all! I'm Ana, mum of two. What are you reading? " * 80)[:4000]
    report = analyze(text)
    assert_valid(text, report)
    assert len(report.signals) <= 40


# --- Corpus accuracy ------------------------------------------------------------------------


def evaluate(
    rows: list[dict[str, str]],
) -> tuple[float, float, Counter[tuple[str, str]], list[str]]:
    confusion: Counter[tuple[str, str]] = Counter()
    misses: list[str] = []
    for row in rows:
        report = analyze(row["text"])
        confusion[(row["label"], report.verdict)] += 1
        if report.verdict != WANTED[row["label"]]:
            misses.append(
                f"{row['label']:>7} -> {report.verdict:<10} {report.score:3d} {row['text'][:90]}"
            )
    clear = [r for r in rows if r["label"] != "mixed"]
    hits = sum(confusion[(label, WANTED[label])] for label in ("pitch", "connect"))
    mixed = [r for r in rows if r["label"] == "mixed"]
    accuracy = hits / len(clear)
    mixed_balanced = confusion[("mixed", "balanced")] / len(mixed) if mixed else 1.0
    return accuracy, mixed_balanced, confusion, misses


def matrix(confusion: Counter[tuple[str, str]]) -> str:
    verdicts = ("pitching", "balanced", "connecting")
    lines = ["label     " + "".join(f"{v:>12}" for v in verdicts)]
    for label in ("pitch", "connect", "mixed"):
        lines.append(f"{label:<10}" + "".join(f"{confusion[(label, v)]:>12}" for v in verdicts))
    return "\n".join(lines)


def test_corpus_is_well_formed() -> None:
    corpus, holdout = load("corpus"), load("holdout")
    assert len(corpus) >= 150 and len(holdout) >= 40
    for row in corpus + holdout:
        assert row["label"] in WANTED and row["text"].strip()
    texts = [row["text"] for row in corpus + holdout]
    assert len(texts) == len(set(texts)), "duplicate texts"


def test_corpus_accuracy() -> None:
    accuracy, mixed_balanced, confusion, misses = evaluate(load("corpus"))
    report = f"accuracy {accuracy:.1%}, mixed->balanced {mixed_balanced:.1%}\n{matrix(confusion)}"
    print(report)
    assert accuracy >= 0.90, report + "\n" + "\n".join(misses)
    assert mixed_balanced >= 0.50, report + "\n" + "\n".join(misses)


def test_holdout_accuracy() -> None:
    # Written before tuning and never tuned on: a looser bar, and the figure is reported.
    accuracy, mixed_balanced, confusion, misses = evaluate(load("holdout"))
    report = f"holdout accuracy {accuracy:.1%}, mixed->balanced {mixed_balanced:.1%}\n"
    print(report + matrix(confusion))
    assert accuracy >= 0.80, report + matrix(confusion) + "\n" + "\n".join(misses)


# --- Words from prompts/pitch/, and the member's words escaped where they are shown ---------

MARKDOWN_PITCH = (
    "Hi all! I help *busy* moms reclaim 10 hours a week with my ||signature|| program. "
    "Book a free discovery call!"
)


def test_reasons_and_suggestions_are_the_templates_in_prompts() -> None:
    prompts_dir = Path(__file__).parent.parent / "prompts" / "pitch"
    assert set(pitch.REASONS) == {p.stem for p in (prompts_dir / "reasons").glob("*.j2")}
    assert set(pitch.SUGGESTIONS) == {p.stem for p in (prompts_dir / "suggestions").glob("*.j2")}
    written = (prompts_dir / "reasons" / "urgency.j2").read_text(encoding="utf-8").strip()
    assert pitch.REASONS["urgency"] == written
    report = analyze("Only 3 spots left, sign up today before it's gone!")
    assert any(s.reason == written for s in report.signals)


def test_suggestion_text_escapes_only_the_members_words() -> None:
    from prompts import escape_markdown

    report = analyze(MARKDOWN_PITCH)
    rewrite = next(s for s in report.suggestions if s.kind == "elevator_pitch")
    assert "*busy*" in rewrite.text  # the report itself keeps the words as written
    shown = pitch.suggestion_text(rewrite, escape_markdown)
    assert "\\*busy\\*" in shown and "\\|\\|signature\\|\\|" in shown
    assert "*busy*" not in shown.replace("\\*", "")
    # Kindred's own words around them are unchanged.
    assert shown.startswith('Turn "I help') and rewrite.question in shown


def test_suggestion_text_without_escaping_is_the_reports_text() -> None:
    for row in load("corpus")[:80]:
        for suggestion in analyze(row["text"]).suggestions:
            assert pitch.suggestion_text(suggestion, str) == suggestion.text
