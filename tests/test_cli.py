"""The command line as an operator uses it: run without a token, db upgrade, sync."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sqlite3
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


async def run_bot_process(
    fd: FakeDiscord, tmp_path: Path, *flags: str, output: int, **settings: str
) -> asyncio.subprocess.Process:
    """`bot.py run` as its own process against fakediscord, on a SQLite file in `tmp_path`;
    `output`: where its stdout and stderr go (a subprocess constant)."""
    env = clean_env(
        DISCORD_API_BASE=fd.api_base,
        DISCORD_TOKEN=fd.bot_token,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/kindred.db",
        **settings,
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "bot.py"),
        "run",
        *flags,
        cwd=tmp_path,
        env=env,
        stdout=output,
        stderr=asyncio.subprocess.STDOUT if output == asyncio.subprocess.PIPE else output,
    )


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
        process = await run_bot_process(
            fd, tmp_path, *flags, output=asyncio.subprocess.DEVNULL, **shard_env
        )
        await fd.wait_for(lambda: len(fd.gateway.connected_sessions()) == 2, timeout=30)
        assert sorted(s.shard_id for s in fd.gateway.connected_sessions()) == [1, 2]
        assert all(s.shard_count == 4 for s in fd.gateway.connected_sessions())
    finally:
        if process is not None:
            process.terminate()
            await process.wait()
        await fd.stop()


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
async def test_run_stops_cleanly_when_told_to(tmp_path: Path, how: signal.Signals) -> None:
    """`systemctl stop` / `docker stop` (SIGTERM) and Ctrl-C: the bot logs off, its
    database closes, and it exits 0 without a traceback."""
    fd = FakeDiscord()
    await fd.start()
    try:
        fd.add_guild("Stop Test", owner=fd.add_user("Owner"))
        process = await run_bot_process(fd, tmp_path, output=asyncio.subprocess.PIPE)
        try:
            await fd.wait_for(lambda: len(fd.gateway.connected_sessions()) == 1, timeout=30)
            process.send_signal(how)
            output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        text = output.decode(errors="replace")
        assert process.returncode == 0, text
        assert f"{how.name} received: stopping" in text and "stopped" in text
        assert "Traceback" not in text, text
        await fd.wait_for(lambda: not fd.gateway.connected_sessions(), timeout=10)
        # SQLite's log was folded into the database file as it closed.
        assert (tmp_path / "kindred.db").exists()
        wal = tmp_path / "kindred.db-wal"
        assert not wal.exists() or not wal.stat().st_size
    finally:
        await fd.stop()


# -- start-up problems: one line saying what to do, and a non-zero exit ---------------------

LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL)\s")


def said(output: str) -> list[str]:
    """What the command printed besides log records."""
    return [line for line in output.strip().splitlines() if not LOG_LINE.match(line)]


def unreachable_api() -> str:
    """An API base on this machine where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v10"


async def test_a_damaged_database_file_says_so_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "kindred.db").write_bytes(b"not a database, just some bytes " * 300)
    env = clean_env(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/kindred.db",
        DISCORD_TOKEN="token",
        DISCORD_API_BASE=unreachable_api(),
    )
    code, output = await run_cli("run", cwd=tmp_path, env=env)
    assert code == 1, output
    [line] = said(output)
    assert "kindred.db is damaged or not a SQLite database" in line
    assert "backup" in line and "Traceback" not in output


@pytest.mark.slow  # SQLite's busy timeout (10 s) passes before the lock is reported
async def test_a_locked_database_file_says_so_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/kindred.db"
    code, output = await run_cli("db", "upgrade", cwd=tmp_path, env=clean_env(DATABASE_URL=url))
    assert code == 0, output
    holder = sqlite3.connect(tmp_path / "kindred.db", isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        env = clean_env(DATABASE_URL=url, DISCORD_TOKEN="token", DISCORD_API_BASE=unreachable_api())
        code, output = await run_cli("run", cwd=tmp_path, env=env)
    finally:
        holder.close()
    assert code == 1, output
    [line] = said(output)
    assert "kindred.db is locked by another program" in line and "Traceback" not in output


@pytest.mark.parametrize(
    "where",
    [
        "nothing listening",
        # A name lookup may wait on the network's resolver: left to the slow run.
        pytest.param("unknown host", marks=pytest.mark.slow),
    ],
)
async def test_an_unreachable_discord_says_so_in_one_line(tmp_path: Path, where: str) -> None:
    base = unreachable_api() if where == "nothing listening" else "http://nowhere.invalid/api"
    env = clean_env(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/kindred.db",
        DISCORD_TOKEN="token",
        DISCORD_API_BASE=base,
    )
    code, output = await run_cli("run", cwd=tmp_path, env=env)
    assert code == 1, output
    [line] = said(output)
    assert line.startswith(f"Can't start: Discord at {base} can't be reached")
    assert "DISCORD_API_BASE" in line and "Traceback" not in output


@pytest.mark.slow  # three bot processes
async def test_a_wrong_api_base_or_token_says_so_in_one_line(tmp_path: Path) -> None:
    fd = FakeDiscord()
    await fd.start()
    try:
        database = f"sqlite+aiosqlite:///{tmp_path}/kindred.db"
        wrong_base = clean_env(
            DATABASE_URL=database, DISCORD_TOKEN=fd.bot_token, DISCORD_API_BASE=fd.base_url
        )
        code, output = await run_cli("run", cwd=tmp_path, env=wrong_base)
        assert code == 1, output
        [line] = said(output)
        assert "not like Discord's API" in line and "DISCORD_API_BASE" in line
        bad_token = clean_env(
            DATABASE_URL=database, DISCORD_TOKEN="not-the-token", DISCORD_API_BASE=fd.api_base
        )
        for command in ("run", "sync"):
            code, output = await run_cli(command, cwd=tmp_path, env=bad_token)
            assert code == 1, output
            [line] = said(output)
            assert "Discord refused the bot token (DISCORD_TOKEN)" in line
            assert "Reset Token" in line and "Traceback" not in output
            assert "not-the-token" not in output
    finally:
        await fd.stop()
