"""Logs at INFO never contain message bodies or the token."""

from __future__ import annotations

import logging

import pytest

from testing.courier import add_people, enqueue_dms, members_for
from testing.harness import Harness, Server

SECRET_TEXT = "my-very-private-reflection-words"


async def test_info_logs_hold_no_bodies_and_no_token(
    kindred: Harness, server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    [user] = await add_people(kindred, server.guild, 1, prefix="log")
    ids = await members_for(kindred, server.id, [user], cache_dm_channel=True)
    await enqueue_dms(kindred, server.id, list(ids.values()), key="log", text=SECRET_TEXT)
    await kindred.fd.wait_for(lambda: len(kindred.fd.dms_to(user)) == 1)
    await server.run("Olu", "setup", timezone=SECRET_TEXT)  # refused: echoed back privately
    kindred.fd.set_dms_open(user, False)
    await enqueue_dms(kindred, server.id, list(ids.values()), key="log2", text=SECRET_TEXT)
    await kindred.fd.wait_for(
        lambda: any("unreachable" in r.getMessage() for r in caplog.records), timeout=5
    )
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert SECRET_TEXT not in text
    assert kindred.fd.bot_token not in text
