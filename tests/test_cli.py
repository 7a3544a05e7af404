"""The command line as an operator uses it: run without a token, db upgrade, sync."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parent.parent


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "DATABASE_", "DEV_GUILD", "LOG_LEVEL"))
    }
    env.update(extra)
    return env


async def run_cli(*args: str, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bot.py"),
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, output.decode()


async def test_run_without_a_token_says_what_to_do(tmp_path: Path) -> None:
    code, output = await run_cli("run", cwd=tmp_path, env=clean_env())
    assert code == 2
    assert "DISCORD_TOKEN" in output and ".env" in output
    assert "make sandbox" in output
    assert "Traceback" not in output


async def test_malformed_setting_stops_with_one_line(tmp_path: Path) -> None:
    code, output = await run_cli("run", cwd=tmp_path, env=clean_env(LOG_LEVEL="chatty"))
    assert code == 2
    assert output.strip().splitlines() == [
        "Configuration error: LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
    ]


async def test_db_upgrade_creates_the_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/data/fresh.db"
    code, output = await run_cli("db", "upgrade", cwd=tmp_path, env=clean_env(DATABASE_URL=url))
    assert code == 0, output
    assert (tmp_path / "data" / "fresh.db").exists()
    assert "up to date" in output


async def test_sync_publishes_commands_to_one_server(tmp_path: Path) -> None:
    fd = FakeDiscord()
    await fd.start()
    try:
        guild = fd.add_guild("Sync Test", owner=fd.add_user("Owner"))
        env = clean_env(
            DISCORD_API_BASE=fd.api_base,
            DISCORD_TOKEN=fd.bot_token,
            DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/sync.db",
        )
        code, output = await run_cli("sync", "--guild", str(guild.id), cwd=tmp_path, env=env)
        assert code == 0, output
        assert f"to server {guild.id}" in output
        names = {c["name"] for c in fd.world.commands.get(int(guild.id), {}).values()}
        assert {"kindred", "setup", "privacy", "mydata"} <= names
        assert fd.bot_token not in output
    finally:
        await fd.stop()


# discord.py waits 5 s between one process's shard IDENTIFYs (Discord's max_concurrency=1).
@pytest.mark.slow
@pytest.mark.parametrize("given_by", ["flags", "settings"])
async def test_run_connects_only_its_own_shards(tmp_path: Path, given_by: str) -> None:
    fd = FakeDiscord(shard_count=4)
    await fd.start()
    process = None
    try:
        shard_env = {"SHARDS": "1-2", "SHARD_COUNT": "4"} if given_by == "settings" else {}
        flags = ["--shards", "1-2", "--shard-count", "4"] if given_by == "flags" else []
        env = clean_env(
            DISCORD_API_BASE=fd.api_base,
            DISCORD_TOKEN=fd.bot_token,
            DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/shards.db",
            **shard_env,
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "bot.py"),
            "run",
            *flags,
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await fd.wait_for(lambda: len(fd.gateway.connected_sessions()) == 2, timeout=30)
        assert sorted(s.shard_id for s in fd.gateway.connected_sessions()) == [1, 2]
        assert all(s.shard_count == 4 for s in fd.gateway.connected_sessions())
    finally:
        if process is not None:
            process.terminate()
            await process.wait()
        await fd.stop()
