"""End to end: two Kindred processes, one per shard, sharing one database.

Each bot runs as `bot.py run --shards i --shard-count 2` would. A server's scheduled work
(reflection prompts, the thanks digest, stay-in-touch reminders) is done only by the
process that runs its shard: with one process's loop stopped, its servers get nothing
while the other process's servers are served; started again, its servers get theirs, and
nobody gets anything twice. DMs arrive on shard 0 only, so the shard-0 process answers a
plain DM or a DM button from a member of a server on shard 1, by the database alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from testing.harness import Server
from testing.sharded import ShardedHarness
from tests.backends import database_url
from tests.test_e2e_reflections import (
    at,
    click,
    dms,
    entries,
    expect_prompt_at,
    fresh_year,
    move_to,
    prompts,
)
from tests.test_e2e_rolodex import add_entry
from tests.test_e2e_rolodex import entries as rolodex_entries
from tests.test_e2e_thanks import give, posts


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def shards(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ShardedHarness]:
    tmp = Path(tmp_path_factory.mktemp("shards"))
    async with database_url(request.param, tmp) as url:
        harness = ShardedHarness(tmp, shard_count=2)
        await harness.start(database_url=url)
        try:
            yield harness
        finally:
            await harness.stop()
        assert harness.fd.internal_errors == []


async def settle_then(condition: Callable[[], bool], shards: ShardedHarness) -> None:
    """Wait for `condition`, then until both processes are idle: nothing further arrives."""
    await shards.fd.wait_for(condition, timeout=10)
    await shards.settle()
    assert condition()


async def test_each_process_prompts_only_its_own_servers(shards: ShardedHarness) -> None:
    year = await fresh_year(shards)
    servers = [await shards.new_server(shard=shard) for shard in (0, 1, 0, 1)]
    on_zero, on_one = servers[0::2], servers[1::2]
    people = [(server, who) for server in servers for who in ("Maya", "Ines")]
    for server, who in people:
        await server.run(who, "reflections start", time="09:00", timezone="UTC")
    bot0, bot1 = shards.bots
    assert all(shards.owner_of(s) is bot0 for s in on_zero)
    assert all(shards.owner_of(s) is bot1 for s in on_one)

    def count(server: Server, who: str) -> int:
        return len(prompts(shards, server, who))

    first = at(date(year, 1, 1), time(9), "UTC")
    await bot1.reflections.scheduler.stop()  # shard 1's process is down: its servers must wait
    try:
        await move_to(shards, first)
        await settle_then(lambda: all(count(s, w) == 1 for s, w in people if s in on_zero), shards)
        for server, who in people:
            if server in on_one:
                assert count(server, who) == 0
                assert await entries(shards, server, who) == []
    finally:
        bot1.reflections.scheduler.start()
    await settle_then(lambda: all(count(s, w) == 1 for s, w in people), shards)
    # Both processes running: the next day, again exactly one each.
    await move_to(shards, first + timedelta(days=1))
    await settle_then(lambda: all(count(s, w) == 2 for s, w in people), shards)
    for server, who in people:
        assert len(await entries(shards, server, who)) == 2


async def test_thanks_digest_once_per_server_by_its_owner(shards: ShardedHarness) -> None:
    year = await fresh_year(shards)
    zero, one = [await shards.new_server(shard=shard) for shard in (0, 1)]
    for server in (zero, one):
        await server.run("Olu", "setup", thanks_channel="#referral-thanks", timezone="UTC")
        given = await give(server, "Olu", "Maya")
        assert given.reply is not None
    # The first digest after the thanks (given at 00:00 on 1 January): that Monday at 09:00.
    # (A later one would skip it: a digest missed by hours is dropped, and its week with it.)
    first_monday = date(year, 1, 1) + timedelta(days=(7 - date(year, 1, 1).weekday()) % 7)
    monday = at(first_monday, time(9), "UTC")
    await settle_then(lambda: len(posts(shards, zero)) == len(posts(shards, one)) == 1, shards)
    cog: Any = shards.bots[1].get_cog("ThanksCog")  # (a fresh module copy: no isinstance)
    assert cog is not None
    await cog.digest.stop()
    try:
        await move_to(shards, monday)
        await settle_then(lambda: len(posts(shards, zero)) == 2, shards)
        assert len(posts(shards, one)) == 1
    finally:
        cog.digest.start()
    await settle_then(lambda: len(posts(shards, one)) == 2, shards)
    for server in (zero, one):
        [_, digest] = posts(shards, server)
        assert "This week in thank-yous" in digest.content


async def test_stay_in_touch_reminders_by_the_owning_process(shards: ShardedHarness) -> None:
    await fresh_year(shards)
    zero, one = [await shards.new_server(shard=shard) for shard in (0, 1)]
    for server in (zero, one):
        await add_entry(shards, server, "Ines", name="Tova", cadence="every 2 weeks")
    [entry] = await rolodex_entries(shards, zero, "Ines")
    assert entry.touch_due_at is not None

    def reminders(server: Server) -> int:
        return sum("been a while" in m.content for m in shards.fd.dms_to(server.person("Ines")))

    cog: Any = shards.bots[1].get_cog("RolodexCog")
    assert cog is not None
    await cog.reminders.stop()
    try:
        await move_to(shards, entry.touch_due_at)
        await settle_then(lambda: reminders(zero) == 1, shards)
        assert reminders(one) == 0
    finally:
        cog.reminders.start()
    await settle_then(lambda: reminders(zero) == reminders(one) == 1, shards)


async def test_dm_answers_and_buttons_for_a_shard_one_server_reach_the_shard_zero_process(
    shards: ShardedHarness,
) -> None:
    year = await fresh_year(shards)
    server = await shards.new_server(shard=1)
    bot0, bot1 = shards.bots
    assert bot0.get_guild(server.id) is None  # shard 0's process doesn't even know the server
    await server.run("Maya", "reflections start", time="09:00", timezone="UTC")
    day = date(year, 1, 1)
    await expect_prompt_at(shards, server, "Maya", at(day, time(9), "UTC"))

    before = len(dms(shards, server, "Maya"))
    text = "Asked a newcomer what she is building; she's looking for a printer."
    await shards.fd.send_dm(server.person("Maya"), text)  # delivered on shard 0 only
    await shards.fd.wait_for(lambda: len(dms(shards, server, "Maya")) == before + 1)
    acknowledgement = dms(shards, server, "Maya")[-1]
    assert (
        "journal" in acknowledgement.content.lower() or "saved" in acknowledgement.content.lower()
    )
    [entry] = await entries(shards, server, "Maya")
    assert entry.answer == text

    # A button under a DM is a DM interaction: shard 0 again.
    second = await expect_prompt_at(shards, server, "Maya", at(day + timedelta(1), time(9), "UTC"))
    skipped = await click(shards, server, "Maya", second, "Skip today")
    assert skipped.guild is None and skipped.delivered == 1
    assert skipped.response_type == 7  # the prompt was edited: handled
    assert "Skipped" in shards.fd.get_message(second.id).content
    assert (await entries(shards, server, "Maya"))[-1].skipped
    assert bot0.get_guild(server.id) is None and bot1.get_guild(server.id) is not None
