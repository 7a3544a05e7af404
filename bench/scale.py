"""Scale-out figures: two bot processes on one PostgreSQL, one SIGKILLed halfway.

The scenario and the definition of the pacing bound are in testing/scale.py; the
test suite runs a short version (tests/test_scale_two_processes.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from bench.common import Section
from testing.backends import POSTGRES_ENV, PostgresUnavailable, postgres_database
from testing.scale import describe, run_two_process_crash

ROOT = Path(__file__).resolve().parent.parent

SERVERS = 40
PROMPTS = 5000
SPREAD = 60.0  # seconds: every prompt falls due within one minute
RATE = 20  # COURIER_MAX_PER_SECOND per process: 40/s together, under the 50/s global limit
RESTART_DELAY = 5.0  # RestartSec=5 in docs/deploy.md's unit
# Its own port, so a server someone else started with .ci/postgres.sh is left alone.
BENCH_PG_PORT = "55439"


async def two_process_crash(section: Section) -> None:
    """Two `bot.py run --shards i --shard-count 2` processes, 40 servers, 5,000 prompts due
    within a minute; one process SIGKILLed when about half have arrived, restarted 5 s later."""
    async with _postgres_server() as (server_url, how):
        if server_url is None:
            section.add(f"two-process crash run NOT RUN: no PostgreSQL ({how})")
            return
        os.environ[POSTGRES_ENV] = server_url
        try:
            with tempfile.TemporaryDirectory() as tmp:
                async with postgres_database() as url:
                    outcome = await run_two_process_crash(
                        Path(tmp),
                        database_url=url,
                        servers=SERVERS,
                        prompts=PROMPTS,
                        rate=RATE,
                        spread=SPREAD,
                        restart_delay=RESTART_DELAY,
                    )
        except PostgresUnavailable as exc:
            section.add(f"two-process crash run NOT RUN: {exc}")
            return
    section.add(f"two processes, one SIGKILLed halfway (PostgreSQL: {how}): {describe(outcome)}")
    section.add(
        f"prompts {outcome.prompts}; processes {outcome.processes}; servers {outcome.servers}; "
        f"kill moment {outcome.kill_at:.1f} s after the first prompt was due "
        f"({outcome.delivered_at_kill} delivered); total {outcome.total:.1f} s; pacing bound "
        f"{outcome.bound:.1f} s (prompts / ({outcome.processes} x {outcome.rate:g}/s), due "
        f"times taken into account); lease {outcome.lease:g} s; ratio {outcome.ratio:.3f}; "
        f"duplicates {len(outcome.duplicates)}; missing {len(outcome.missing)}; "
        f"{'held' if outcome.held else 'FAILED'}: last prompt within 1.1 x bound + lease "
        f"= {outcome.allowed:.1f} s"
    )
    if "Traceback" in outcome.log_text:
        section.add("the bots' logs contain a traceback (see a rerun's tmp logs)")


@contextlib.asynccontextmanager
async def _postgres_server() -> AsyncIterator[tuple[str | None, str]]:
    """The PostgreSQL server to use: KINDRED_TEST_POSTGRES_URL, else a private one started
    with .ci/postgres.sh for this run (stopped afterwards), else None and why."""
    existing = os.environ.get(POSTGRES_ENV)
    if existing:
        yield existing, f"{POSTGRES_ENV}"
        return
    env = {**os.environ, "KINDRED_PG_PORT": BENCH_PG_PORT}
    started = await asyncio.to_thread(
        subprocess.run,
        ["bash", str(ROOT / ".ci" / "postgres.sh")],
        env=env,
        capture_output=True,
        text=True,
    )
    url = started.stdout.strip().splitlines()[-1] if started.stdout.strip() else ""
    if started.returncode != 0 or not url:
        yield None, f".ci/postgres.sh failed: {started.stderr.strip()[-300:]}"
        return
    try:
        yield url, "a private server started by .ci/postgres.sh"
    finally:
        os.environ.pop(POSTGRES_ENV, None)
        await _stop_postgres(url)


async def _stop_postgres(url: str) -> None:
    """Stop the server .ci/postgres.sh started: its postmaster's pid is the first line of
    postmaster.pid in its data directory, which the server itself tells us."""
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        data_directory = await connection.fetchval("SHOW data_directory")
    finally:
        await connection.close()
    pid = int((Path(data_directory) / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGTERM)  # a "smart" shutdown
    for _ in range(300):  # once it has exited, remove the temporary directory the script made
        await asyncio.sleep(0.1)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(Path(data_directory).parent, ignore_errors=True)
            return
