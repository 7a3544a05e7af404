"""Two bot processes on one PostgreSQL; one is SIGKILLed halfway and restarted.

The short version of `bench/scale.py` (see testing/scale.py for the scenario and the
pacing bound): 8 servers over two shards, 400 reflection prompts due within 5 seconds,
each process at 20 requests/s (40/s together, under fakediscord's 50/s global limit).
Every member gets exactly one prompt, and the last arrives within 1.1 x the pacing bound
plus the courier's lease. PostgreSQL only: it skips loudly without KINDRED_TEST_POSTGRES_URL
and fails instead with KINDRED_REQUIRE_POSTGRES=1 (CI).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.scale import describe, run_two_process_crash
from tests.backends import postgres_database

SERVERS = 8
PROMPTS = 400
RATE = 20
SPREAD = 5.0
RESTART_DELAY = 2.0


@pytest.mark.slow
async def test_two_processes_one_killed_every_member_gets_one_prompt(tmp_path: Path) -> None:
    async with postgres_database() as url:
        outcome = await run_two_process_crash(
            tmp_path,
            database_url=url,
            servers=SERVERS,
            prompts=PROMPTS,
            rate=RATE,
            spread=SPREAD,
            restart_delay=RESTART_DELAY,
        )
    report = describe(outcome)
    print(report)  # the figures, in the test log (pytest -s or -rP)
    assert outcome.delivered_at_kill < PROMPTS, "the kill came too late: " + report
    assert outcome.duplicates == [], report
    assert outcome.missing == [], report
    assert outcome.journal_entries == PROMPTS, report  # one journal entry per member's day
    assert outcome.outbox == {"sent": PROMPTS}, report
    assert outcome.total <= outcome.allowed, report
    assert "Traceback" not in outcome.log_text, outcome.log_text[-3000:]
