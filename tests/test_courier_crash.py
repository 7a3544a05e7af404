"""Crash test: the bot process is SIGKILLed again and again while 1,000 DMs and 100
thank-you posts are due.

Afterwards every member has received exactly one message per key: rows interrupted in
`sending` are resent with the same nonce, and fakediscord, like Discord, answers a repeated
nonce with the message it already created. Each thank-you is in the channel once, its record
holds that post's id (written in the unit of work that marks the post sent), and its thanked
member was told once. Counted from what members actually received.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.crash import run_crash_scenario

MESSAGES = 1000
THANKS = 100
KILLS = 5
RATE = 100  # messages per second for this run, so the test stays well under a minute


@pytest.mark.slow
async def test_sigkill_never_loses_or_duplicates_a_dm(tmp_path: Path) -> None:
    outcome = await run_crash_scenario(
        tmp_path, messages=MESSAGES, kills=KILLS, rate=RATE, thanks=THANKS
    )
    assert len(outcome.delivered_at_each_kill) == KILLS
    assert outcome.delivered_at_each_kill[-1] < MESSAGES, "the kills came too late"
    assert outcome.posted_at_each_kill[-1] < THANKS, "the kills came after the last post"
    assert outcome.duplicates == [], outcome.duplicates[:5]
    assert outcome.missing == [], outcome.missing[:5]
    assert outcome.posted_twice == [], outcome.posted_twice[:5]
    assert outcome.never_posted == [], outcome.never_posted[:5]
    assert outcome.unlinked == [], outcome.unlinked[:5]
    assert outcome.told_twice == [], outcome.told_twice[:5]
    assert outcome.never_told == [], outcome.never_told[:5]
    # The DMs, the thank-you posts and the DMs telling the thanked members; each referral's
    # question to the member who received it waits its ten days.
    assert outcome.states == {"sent": MESSAGES + 2 * THANKS, "pending": THANKS}
    assert "Traceback" not in outcome.log_text
