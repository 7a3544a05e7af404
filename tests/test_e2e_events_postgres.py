"""The events' end-to-end tests again, on PostgreSQL (the same queries on both back-ends)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from testing.harness import Harness
from tests.backends import postgres_harness
from tests.test_e2e_events import (  # noqa: F401  (collected here against PostgreSQL)
    test_a_restart_around_the_end_sends_the_debrief_once,
    test_export_and_delete_cover_everything_stored,
    test_nudge_at_her_own_time_across_zones_and_dst,
    test_organizers_see_counts_only_and_nothing_below_five,
    test_the_whole_arc_after_an_organizer_ends_the_event,
)


@pytest.fixture(scope="module")
async def kindred(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    async with postgres_harness(Path(tmp_path_factory.mktemp("events-pg"))) as harness:
        yield harness
