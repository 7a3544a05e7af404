"""Every template renders, fits Discord's limits, and member text cannot break or ping."""

from __future__ import annotations

import re

import jinja2
import jinja2.meta
import pytest

from coaching.insights import Panel, RolodexOverview
from prompts import environment, escape_markdown, render, template_names

PANEL = Panel(
    key="thanks",
    style="bars",
    series=("referral", "advice"),
    values=((3.0, 1.0), (None, None)),
    hidden=False,
    facts={},
)
FACTS = {
    "opted_in": 1234,
    "share": 0.4321,
    "total": 12345,
    "givers": 1234,
    "top_kind": "introduction",
    "client": 123,
    "met": 456,
    "not_fit": 78,
    "open": 910,
    "pairs": 1234,
    "introductions": 567,
    "met_share": 0.6543,
    "debriefs": 2345,
    "connections": 6789,
}

# Values for variables whose type matters; anything else gets a long member-ish string,
# so a template that would overflow Discord's limits with real text fails here.
SAMPLES: dict[str, object] = {
    "reference": "a1b2c3d4",
    "channel_id": 123456789012345678,
    "missing": False,
    "cannot_post": False,
    "community": "Women Who Mean Business — Lisbon Chapter of the Monthly Founders Meetup",
    "removed": {"members": 1, "outbox": 120, "reflections": 365, "rolodex_entries": 250},
    "total": 736,
    "rows": 736,
    "minutes": 2,
    "prompts": [(12, "What did someone teach you this week without meaning to? " * 4)] * 5,
    "days": ["2026-12-24", "2026-12-25", "2026-12-31"],
    "streak": 12,
    "variant": 3,
    "next_at": 1795334400,
    "length": 5000,
    "limit": 1500,
    "id": 12,
    "new": True,
    "already": False,
    "changed": True,
    "active": True,
    "paused_until": None,
    "switched_to_weekly": True,
    "search": None,
    "page": 3,
    "pages": 12,
    "minimum": 10,
    "weekday": 6,
    "hour": 21,
    "kind": "introduction",
    "direction": "received",
    "who": "Ana Beatriz (she/her), founder of a very long-named studio",
    "day": "2026-11-21",
    "giver": "Ana Beatriz (she/her) *markdown* @everyone",
    "receiver": "Priya Raghunathan-Okafor, bookkeeping for creative studios",
    "story": "She introduced me to her accountant when I was drowning in receipts. " * 14,
    "url": "https://discord.com/channels/123456789012345678/123456789012345678/123456789012345678",
    "source_url": "https://discord.com/channels/123456789012345678/1/2",
    "receiver_id": 123456789012345678,
    "givers": 17,
    "weeks": 2,
    "receivers": 23,
    "remaining": 3,
    "outcome": "client",
    "months": [{"name": "2026-11", "given": 4, "received": 7}] * 12,
    "given_kinds": [("referral", 4), ("advice", 2), ("support", 1)],
    "received_kinds": [("introduction", 3), ("other", 1)],
    "outcomes": {"met": 2, "client": 1, "not_fit": 1, "open": 3},
    "picks": [
        {
            "giver": "Ana Beatriz (she/her)",
            "receiver": "Priya Raghunathan-Okafor",
            "kind": "referral",
            "story": "She introduced me to her accountant when I was drowning. " * 5,
        }
    ]
    * 3,
    "post_gone": True,
    "again_at": 1795334400,
    "given_at": 1795334400,
    "referrals": 4,
    "numbers": True,
    "asking": True,
    "telling": True,
    "cap": 10,
    "maximum": 1000,
    "at": 1795334400,
    "due": 1795334400,
    "entry": {
        "how_met": "November breakfast, introduced by Priya " * 7,
        "notes": "Runs a bakery, two kids, loves climbing; needs a bookkeeper. " * 24,
        "last_touch_on": "2026-11-21",
    },
    "marks": ["know", "like", "trust"],
    "tags": ["bookkeeping", "lisbon", "climbing"] * 4,
    "cadence": "every 2 weeks",
    "touches": [{"day": "2026-11-21", "kind": "coffee", "note": "Talked about her shop " * 12}] * 5,
    "line": "**Ana Beatriz** `#12` · know · like · trust · `bookkeeping` `lisbon`",
    "created": True,
    "last": "2026-11-01",
    "person": "Ana Beatriz (she/her)",
    "note": "Ask about the new shop opening and her ceramics class " * 5,
    "late_days": 12,
    "checks": [
        {
            "day": "2026-11-21",
            "kind": "event",
            "label": "Lisbon founders breakfast, November edition",
            "score": 88,
            "verdict": "connecting",
            "excerpt": "Hi all! I'm Ana, I run a tiny bakery and I love hiking with my dog" * 1,
        }
    ]
    * 12,
    "spark": "▁▂▃▄▅▆▇█▇▆▅▄",
    "trend": "up",
    "on": True,
    "verdict": "balanced",
    "score": 55,
    "bar": "🟩🟩🟩🟩🟩⬜⬜⬜⬜⬜",
    "checked": "Hi! I help busy moms reclaim 10 hours a week. DM me! " * 6,
    "number": 3,
    "question": "Did you ask people about themselves, beyond their job title?",
    "strongest": "Listening. People remember how it felt to be heard.",
    "try_next": "Next time, bring one question that isn't about work.",
    "suggestion": "Try asking what eats most of their week right now.",
    "excerpt": "I help busy moms reclaim 10 hours a week",
    "reason": "An offer before they know you.",
    "removed_flag": True,
    "panel": PANEL,
    "facts": FACTS,
    "shown": [0.12, 0.71, 0.4],
    "hidden_periods": 3,
    "period": "4-week period",
    "bucket_days": 28,
    "any_hidden": True,
    "lines": ["🤝 **Referrals:** 12,345 thanked for: 123 became clients, 456 led to a meeting."]
    * 4,
    "parts": ["Thank-yous given per week, stacked by kind: 12,345 in all from 1,234 members."] * 4,
    "first_at": 1795334400,
    "count": 30,
    "lowest": 12,
    "highest": 97,
    "latest": 97,
    "level": 2,
    "overview": RolodexOverview(
        people=1234,
        know=1000,
        like=800,
        trust=500,
        on_track=300,
        drifting=tuple(("Ana Beatriz (she/her) *markdown* @everyone", 365) for _ in range(40)),
        no_rhythm=20,
    ),
    "drifting": [("Ana Beatriz (she/her), founder of a very long-named studio", 365)] * 5,
    "more": 35,
    # members meet members
    "names": ["Ana Beatriz (she/her) *markdown* @everyone", "Priya Raghunathan-Okafor"],
    "user_ids": [123456789012345678, 223456789012345678],
    "starters": ["Ask Ana Beatriz what first sparked her curiosity about sourdough. " * 3] * 2,
    "thread_channel_id": 123456789012345678,
    "checkin_at": 1795334400,
    "expires_at": 1795334400,
    "other_id": 123456789012345678,
    "user_id": 123456789012345678,
    "rhythm": "biweekly",
    "problem": "create",
    "size": 3,
    "avoided": 3,
    "opted_in": 12,
    "rounds": 9,
    "met_share": 64,
    "state": "closed",
    "items": [
        {
            "name": "Lisbon founders breakfast, November edition, at the rooftop café by the river",
            "at": 1795334400,
            "intention": "introduce",
            "score": 85,
            "skipped": False,
            "met": ["Ana Beatriz (she/her), founder of a very long-named studio"] * 5,
            "upcoming": False,
        }
    ]
    * 10,
    "people": [
        {
            "name": "Ana Beatriz (she/her), founder of a very long-named studio",
            "new": False,
            "followup": 1795334400,
        }
    ]
    * 5,
    "events": [
        {
            "name": "Lisbon founders breakfast, November edition, at the rooftop café by the river",
            "at": 1795334400,
            "summary": {"debriefed": 120, "connections": 340, "followed_up_share": 64},
        }
    ]
    * 5,
    "summary": {"debriefed": 120, "connections": 340, "followed_up_share": 64},
    "questions": ["What's a question you wish people asked you more often?"] * 2,
}
LONG_TEXT = "Ana Beatriz (she/her) *markdown* @everyone " * 2  # ~90 characters


# Templates rendered into an embed's description, where Discord allows 4,096 characters.
EMBED_DESCRIPTIONS = {
    "help/help",
    "privacy/explained",
    "rolodex/show",
    "reflections/journal_entry",
    "pitch/verdict_line",
    "pitch/history",
    "thanks/stats",
    "thanks/post_description",
    "events/history",
}


def limit_for(name: str) -> int:
    if name in EMBED_DESCRIPTIONS:
        return 4096
    leaf = name.rsplit("/", 1)[-1]
    if leaf.endswith("_alt") or name == "insights/alt":
        return 1024  # an attachment's description, the alt text screen readers read
    if leaf.endswith("_title") or leaf.startswith("label_"):
        return 256
    if leaf.endswith("_footer"):
        return 2048
    return 2000


def template_variables(name: str) -> set[str]:
    """Variables a template needs, including those of the templates it includes."""
    env = environment()
    assert env.loader is not None
    source = env.loader.get_source(env, f"{name}.j2")[0]
    ast = env.parse(source)
    variables = set(jinja2.meta.find_undeclared_variables(ast))
    for included in jinja2.meta.find_referenced_templates(ast):
        if included:
            variables |= template_variables(included.removesuffix(".j2"))
    return variables


def sample_context(name: str) -> dict[str, object]:
    return {var: SAMPLES.get(var, LONG_TEXT) for var in template_variables(name)}


def test_there_are_templates() -> None:
    assert len(template_names()) >= 10


@pytest.mark.parametrize("name", template_names())
def test_template_renders_within_discord_limits(name: str) -> None:
    text = render(name, **sample_context(name))
    assert text, f"{name} rendered empty"
    assert len(text) <= limit_for(name), f"{name}: {len(text)} > {limit_for(name)}"
    # No two sentences run together ("...Vietnam?Nothing was changed."): Jinja's trim_blocks
    # eats the line break after a line that ends in a block tag.
    glued = re.search(r"[a-z)\]][.?!][A-Z][a-z]", text)
    assert glued is None, f"{name}: {text[max(0, glued.start() - 30) : glued.end() + 20]!r}"


@pytest.mark.parametrize("why", ["offset", "ambiguous", "unknown"])
@pytest.mark.parametrize("choices", [[], ["Berlin, Germany", "Bern, Switzerland"]])
def test_each_time_zone_refusal_reads_as_sentences(why: str, choices: list[str]) -> None:
    text = render("errors/bad_timezone", value="Mars/Phobos", why=why, choices=choices)
    assert text.endswith("\nNothing was changed."), text


def test_missing_variable_fails_loudly() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render("errors/bad_time")


def test_member_text_is_shown_literally() -> None:
    shown = escape_markdown("**bold** _it_ `code` > quote @everyone @here [x](http://a)")
    assert "**" not in shown.replace("\\*", "")
    assert "@everyone" not in shown and "@here" not in shown
    assert "\\[x\\]" in shown


def test_bad_time_error_escapes_what_the_member_typed() -> None:
    text = render("errors/bad_time", value="**25:00** @everyone")
    assert "\\*\\*25:00\\*\\*" in text
    assert "@everyone" not in text


def test_format_strings_turn_fields_into_placeholders() -> None:
    from prompts import format_strings, texts

    suggestions = format_strings("pitch/suggestions", "ex", "question")
    assert suggestions["fix_offer_question"].count("{ex}") == 1
    assert "{question}" in suggestions["fix_offer_question"]
    filled = suggestions["fix_offer_question"].format(ex="I help {moms}", question="Why?")
    assert "I help {moms}" in filled  # braces in what is filled in stay as typed
    reasons = texts("pitch/reasons")
    assert "hype_pitch" in reasons and "add_question" not in reasons


def test_format_strings_refuse_a_filtered_field(monkeypatch: pytest.MonkeyPatch) -> None:
    import prompts

    monkeypatch.setattr(prompts, "_templates_in", lambda folder: {"shouty": f"{folder}/shouty"})
    monkeypatch.setattr(prompts, "render", lambda name, **fields: fields["ex"].upper())
    with pytest.raises(ValueError, match="filter"):
        prompts.format_strings("pitch/suggestions", "ex")
