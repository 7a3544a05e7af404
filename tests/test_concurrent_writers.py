"""SQLite, one process: many members write at once while the courier sends DMs.

Counts, not timings: no "database is locked", every write stored, every command answered.
`make bench` runs the same scenario bigger (bench/load.py) and reports the timings.
"""

from __future__ import annotations

import pytest

from testing.harness import Harness
from testing.writers import CYCLE, WritersOutcome, run_concurrent_writers

WRITERS = 20
COMMANDS_EACH = 10
DMS = 200


def _steps(command: str) -> int:
    return sum(1 for step in range(COMMANDS_EACH) if CYCLE[step % len(CYCLE)] == command)


@pytest.fixture(scope="module")
async def outcome(kindred: Harness) -> WritersOutcome:
    return await run_concurrent_writers(
        kindred, writers=WRITERS, commands_each=COMMANDS_EACH, dms=DMS
    )


async def test_no_database_is_locked(outcome: WritersOutcome) -> None:
    assert outcome.locked_errors == []
    assert outcome.unexpected_replies == []
    assert outcome.commands == WRITERS * COMMANDS_EACH
    # The courier was sending all along.
    assert outcome.dms_sent_during > 0


async def test_every_write_is_stored(outcome: WritersOutcome) -> None:
    assert outcome.missing_writes == []


async def test_every_command_is_answered_in_time(outcome: WritersOutcome) -> None:
    assert outcome.expired == []
    assert outcome.missing_replies == []
    # /rolodex add is a command plus a form submit.
    expected = WRITERS * (COMMANDS_EACH + _steps("rolodex add"))
    assert outcome.interactions == outcome.replied == expected
