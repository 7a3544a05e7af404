"""Shared fixtures. `kindred` is one running bot per test module; `server` a fresh guild;
`drawn` the texts of the pictures drawn."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from kindred import charts
from testing.harness import Harness, Server


@pytest.fixture(scope="module")
async def kindred(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    harness = Harness(Path(tmp_path_factory.mktemp("kindred")))
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
    # fakediscord answers its own bugs with 500s; a test must not pass because of one.
    assert harness.fd.internal_errors == []


@pytest.fixture
async def server(kindred: Harness) -> Server:
    return await kindred.new_server()


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, ...]]]:
    """The texts of every picture the bot draws during a test. Pictures are drawn in the
    drawing process: each is recorded as the bot receives it."""
    pictures: list[tuple[str, ...]] = []
    original = charts.Picture

    def recording(*args: Any) -> Any:
        picture = original(*args)
        pictures.append(picture.texts)
        return picture

    monkeypatch.setattr(charts, "Picture", recording)
    yield pictures


def pytest_report_header(config: pytest.Config) -> str | None:
    # Say it up front: a run that leaves tests out must not look like the whole suite.
    if "not slow" in (config.getoption("markexpr") or ""):
        return "slow tests left out (marked slow): `make test-all` runs everything, as CI does"
    return None
