"""Crash test: the bot process is SIGKILLed again and again while 1,000 DMs are due.

Afterwards every member has received exactly one message per key: rows interrupted in
`sending` are resent with the same nonce, and fakediscord, like Discord, answers a repeated
nonce with the message it already created. Counted from what members actually received.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.crash import run_crash_scenario

MESSAGES = 1000
KILLS = 5
RATE = 100  # messages per second for this run, so the test stays well under a minute


@pytest.mark.slow
async def test_sigkill_never_loses_or_duplicates_a_dm(tmp_path: Path) -> None:
    outcome = await run_crash_scenario(tmp_path, messages=MESSAGES, kills=KILLS, rate=RATE)
    assert len(outcome.delivered_at_each_kill) == KILLS
    assert outcome.delivered_at_each_kill[-1] < MESSAGES, "the kills came too late"
    assert outcome.duplicates == [], outcome.duplicates[:5]
    assert outcome.missing == [], outcome.missing[:5]
    assert outcome.states == {"sent": MESSAGES}
    assert "Traceback" not in outcome.log_text
