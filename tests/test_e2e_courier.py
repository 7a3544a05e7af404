"""End to end: the courier delivers every queued DM exactly once, paced, through faults."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest

from coaching.courier import MAX_ATTEMPTS
from testing.courier import add_people, enqueue_dms, member_row, members_for, states
from testing.harness import Harness, Server

PACED_COUNT = 500


def posts_to(kindred: Harness, path: str) -> list[Any]:
    return [r for r in kindred.fd.requests if r.method == "POST" and r.path == path]


async def test_enqueueing_the_same_key_twice_is_a_no_op(kindred: Harness, server: Server) -> None:
    [user] = await add_people(kindred, server.guild, 1, prefix="twice")
    ids = await members_for(kindred, server.id, [user], cache_dm_channel=True)
    assert await enqueue_dms(kindred, server.id, list(ids.values()), key="same") == 1
    assert await enqueue_dms(kindred, server.id, list(ids.values()), key="same") == 0
    await kindred.fd.wait_for(lambda: len(kindred.fd.dms_to(user)) == 1)
    await kindred.settle()
    assert len(kindred.fd.dms_to(user)) == 1


async def test_first_dm_opens_the_channel_then_reuses_it(kindred: Harness, server: Server) -> None:
    [user] = await add_people(kindred, server.guild, 1, prefix="fresh")
    ids = await members_for(kindred, server.id, [user], cache_dm_channel=False)
    member_id = ids[int(user.id)]
    await enqueue_dms(kindred, server.id, [member_id], key="first")
    await kindred.fd.wait_for(lambda: len(kindred.fd.dms_to(user)) == 1)
    member = await member_row(kindred, member_id)
    assert member.dm_channel_id == int(kindred.fd.dm_channel(user).id)
    opened = len(posts_to(kindred, "/users/@me/channels"))
    await enqueue_dms(kindred, server.id, [member_id], key="second")
    await kindred.fd.wait_for(lambda: len(kindred.fd.dms_to(user)) == 2)
    assert len(posts_to(kindred, "/users/@me/channels")) == opened


async def test_messages_are_sent_without_pings_and_with_a_nonce(
    kindred: Harness, server: Server
) -> None:
    [user] = await add_people(kindred, server.guild, 1, prefix="nonce")
    ids = await members_for(kindred, server.id, [user], cache_dm_channel=True)
    await enqueue_dms(kindred, server.id, list(ids.values()), key="ping", text="@everyone hi")
    await kindred.fd.wait_for(lambda: len(kindred.fd.dms_to(user)) == 1)
    [message] = kindred.fd.dms_to(user)
    assert message.nonce and len(str(message.nonce)) <= 25
    channel = kindred.fd.dm_channel(user)
    [request] = [r for r in posts_to(kindred, f"/channels/{channel.id}/messages")]
    assert request.json["allowed_mentions"] == {"parse": []}
    assert request.json["enforce_nonce"] is True


async def test_named_button_sets_are_built_at_send_and_unknown_ones_fail(
    kindred: Harness, server: Server
) -> None:
    assert kindred.bot is not None
    [user, other] = await add_people(kindred, server.guild, 2, prefix="buttons")
    ids = await members_for(kindred, server.id, [user, other], cache_dm_channel=True)
    # The reflections cog registers its prompt buttons; a DM names them with its entry ref.
    await enqueue_dms(
        kindred,
        server.id,
        [ids[int(user.id)]],
        key="refl",
        extra={"buttons": ["refl", "7-20260309"]},
    )
    await kindred.fd.wait_for(lambda: len(kindred.fd.dms_to(user)) == 1)
    [message] = kindred.fd.dms_to(user)
    custom_ids = [c["custom_id"] for row in message.components for c in row["components"]]
    assert custom_ids and all(
        c.startswith("refl:") and c.endswith(":7-20260309") for c in custom_ids
    )
    # A set nobody registered: the row fails rather than sending a DM without its buttons.
    lost = ids[int(other.id)]
    await enqueue_dms(kindred, server.id, [lost], key="nope", extra={"buttons": ["nope", "1"]})
    await kindred.fd.wait_for(lambda: _failed(kindred, lost))
    assert kindred.fd.dms_to(other) == []


async def _failed(kindred: Harness, member_id: int) -> bool:
    return (await states(kindred, [member_id])).get("failed") == 1


async def test_a_row_due_later_waits_for_its_time(kindred: Harness, server: Server) -> None:
    [user] = await add_people(kindred, server.guild, 1, prefix="later")
    ids = await members_for(kindred, server.id, [user], cache_dm_channel=True)
    due = kindred.clock.now() + timedelta(hours=3)
    await enqueue_dms(kindred, server.id, list(ids.values()), key="later", due_at=due)
    await kindred.settle()
    assert kindred.fd.dms_to(user) == []
    await kindred.advance(timedelta(hours=3))
    await kindred.fd.wait_for(lambda: len(kindred.fd.dms_to(user)) == 1)


async def test_idle_courier_does_not_poll(kindred: Harness, server: Server) -> None:
    assert kindred.bot is not None
    await kindred.settle()  # earlier work finished
    before = kindred.bot.courier.cycles
    await asyncio.sleep(0.5)  # real time passes, the clock doesn't: nothing to look at
    assert kindred.bot.courier.cycles == before


async def test_closed_dms_cost_one_request_then_none(kindred: Harness, server: Server) -> None:
    [user] = await add_people(kindred, server.guild, 1, prefix="closed", dms_open=False)
    ids = await members_for(kindred, server.id, [user], cache_dm_channel=True)
    member_id = ids[int(user.id)]
    channel = kindred.fd.dm_channel(user)
    await enqueue_dms(kindred, server.id, [member_id], key="c1")
    await enqueue_dms(kindred, server.id, [member_id], key="c2")
    await enqueue_dms(kindred, server.id, [member_id], key="c3")
    path = f"/channels/{channel.id}/messages"
    await kindred.fd.wait_for(lambda: len(posts_to(kindred, path)) >= 1)
    assert kindred.db is not None

    await kindred.settle()
    assert await states(kindred, [member_id]) == {"dropped": 3}
    assert not (await member_row(kindred, member_id)).reachable
    await enqueue_dms(kindred, server.id, [member_id], key="c4")
    await kindred.settle()
    assert len(posts_to(kindred, path)) == 1
    assert [r.status for r in posts_to(kindred, path)] == [403]


async def test_member_with_closed_dms_hears_about_it_on_next_command(
    kindred: Harness, server: Server
) -> None:
    user = server.person("Ines")
    kindred.fd.set_dms_open(user, False)
    ids = await members_for(kindred, server.id, [user], cache_dm_channel=True)
    member_id = ids[int(user.id)]
    await enqueue_dms(kindred, server.id, [member_id], key="notice")
    await kindred.settle()
    assert not (await member_row(kindred, member_id)).reachable
    reply = await server.run("Ines", "kindred help")
    await reply.wait_followups(1)
    notice = reply.followups[0]
    assert "Direct Messages" in notice.content
    assert notice.flags & 64  # private
    assert (await member_row(kindred, member_id)).reachable
    again = await server.run("Ines", "kindred help")
    await asyncio.sleep(0.2)
    assert again.followups == []  # told once


async def test_500_dms_arrive_once_paced_through_429s_and_5xx(
    kindred: Harness, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert kindred.bot is not None and kindred.settings is not None
    pacer = kindred.bot.courier.pacer
    people = await add_people(kindred, server.guild, PACED_COUNT, prefix="paced")
    ids = await members_for(kindred, server.id, people, cache_dm_channel=True)
    await kindred.settle()
    starts: list[datetime] = []  # each request's slot, by the clock
    acquire = pacer.acquire

    async def recorded_acquire() -> datetime:
        slot = await acquire()
        starts.append(slot)
        return slot

    monkeypatch.setattr(pacer, "acquire", recorded_acquire)
    # The retries' own waits are real seconds (discord.py's after a 429, the courier's quick
    # ones after a 5xx); shortened, they leave the pacing to measure.
    monkeypatch.setattr(kindred.bot.courier, "inline_retry_delays", (0.01, 0.03))
    monkeypatch.setattr(kindred.fd.faults, "retry_after", (0.005, 0.02))
    kindred.fd.inject_faults(rate_429=0.2, rate_5xx=0.01, path_contains="/messages", seed=7)
    try:
        # The pacer waits on the clock, and the harness's clock lets such short waits pass:
        # the clock time it took is what pacing costs, whatever this machine's speed.
        started = kindred.clock.now()
        await enqueue_dms(kindred, server.id, list(ids.values()), key="paced")
        await kindred.fd.wait_for(
            lambda: all(kindred.fd.dms_to(user) for user in people), timeout=60
        )
        elapsed = (kindred.clock.now() - started).total_seconds()
    finally:
        kindred.fd.inject_faults()
    received = [len(kindred.fd.dms_to(user)) for user in people]
    assert received == [1] * PACED_COUNT
    await kindred.settle()
    assert await states(kindred, list(ids.values())) == {"sent": PACED_COUNT}
    faults = [r for r in kindred.fd.requests if r.status in (429, 500, 502, 503)]
    assert len(faults) > PACED_COUNT * 0.1  # the faults really happened
    bound = PACED_COUNT / kindred.settings.courier_max_per_second
    assert 0.9 * bound <= elapsed <= 1.1 * bound, f"{elapsed:.1f} s vs bound {bound:.1f} s"
    # Evenly spaced: no two starts closer than the pace allows, however many waited at once.
    assert all(b - a >= pacer.interval for a, b in itertools.pairwise(sorted(starts)))


async def test_persistent_5xx_retries_with_backoff_then_fails(
    kindred: Harness, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert kindred.bot is not None
    monkeypatch.setattr(kindred.bot.courier, "inline_retry_delays", (0.01, 0.01))
    [user] = await add_people(kindred, server.guild, 1, prefix="flaky")
    ids = await members_for(kindred, server.id, [user], cache_dm_channel=True)
    member_id = ids[int(user.id)]
    channel = kindred.fd.dm_channel(user)
    kindred.fd.inject_faults(
        rate_5xx=1.0,
        path_contains=f"/channels/{channel.id}/",
        max_per_request=1000,
        statuses_5xx=(503,),
    )
    try:
        await enqueue_dms(kindred, server.id, [member_id], key="flaky")
        attempts_seen = []
        for _ in range(MAX_ATTEMPTS):
            before = len(posts_to(kindred, f"/channels/{channel.id}/messages"))
            await kindred.fd.wait_for(
                lambda before=before: (
                    len(posts_to(kindred, f"/channels/{channel.id}/messages")) >= before + 3
                ),
                timeout=5,
            )
            await kindred.settle()
            attempts_seen.append(await states(kindred, [member_id]))
            # The row waits for its backoff on Kindred's clock, not in a busy loop.
            await kindred.advance(timedelta(hours=2))
        await kindred.settle()
    finally:
        kindred.fd.inject_faults()
    assert attempts_seen[0] == {"pending": 1}
    assert await states(kindred, [member_id]) == {"failed": 1}
    # 1 try + 2 quick retries per attempt, and nothing after giving up.
    assert len(posts_to(kindred, f"/channels/{channel.id}/messages")) == 3 * MAX_ATTEMPTS
    assert kindred.fd.dms_to(user) == []
