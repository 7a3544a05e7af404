"""The courier's end-to-end tests again, on PostgreSQL (FOR UPDATE SKIP LOCKED claims)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from testing.harness import Harness
from tests.backends import postgres_harness
from tests.test_e2e_courier import (  # noqa: F401  (collected here against PostgreSQL)
    test_500_dms_arrive_once_paced_through_429s_and_5xx,
    test_a_row_due_later_waits_for_its_time,
    test_closed_dms_cost_one_request_then_none,
    test_enqueueing_the_same_key_twice_is_a_no_op,
    test_first_dm_opens_the_channel_then_reuses_it,
    test_idle_courier_does_not_poll,
    test_member_with_closed_dms_hears_about_it_on_next_command,
    test_messages_are_sent_without_pings_and_with_a_nonce,
    test_persistent_5xx_retries_with_backoff_then_fails,
)


@pytest.fixture(scope="module")
async def kindred(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    async with postgres_harness(Path(tmp_path_factory.mktemp("courier-pg"))) as harness:
        yield harness
