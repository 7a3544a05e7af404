"""Slash-command round trips through fakediscord: INTERACTION_CREATE sent -> callback received."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import Section, summary_ms
from testing.harness import Harness

ROUNDS = 300


async def run(section: Section) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        harness = Harness(Path(tmp))
        await harness.start()
        try:
            server = await harness.new_server()
            for label, command, options, who in (
                ("/kindred help", "kindred help", {}, "Maya"),
                ("/setup (shows configuration)", "setup", {}, "Olu"),
                (
                    "/setup timezone + time (writes)",
                    "setup",
                    {"timezone": "Europe/Berlin", "prompt_time": "08:30"},
                    "Olu",
                ),
            ):
                durations = []
                for _ in range(ROUNDS):
                    started = time.perf_counter()
                    await server.run(who, command, **options)
                    durations.append(time.perf_counter() - started)
                section.add(f"{label}: {summary_ms(durations)}")
        finally:
            await harness.stop()
