"""The bot process's garbage-collector settings (kindred.memory)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from kindred import memory


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    gc.unfreeze()


@pytest.mark.usefixtures("restored_collector")
def test_young_objects_are_looked_at_less_often() -> None:
    middle, old = gc.get_threshold()[1:]
    memory.pace_collector()
    assert gc.get_threshold() == (memory.YOUNG_PASS_EVERY, middle, old)
    assert memory.YOUNG_PASS_EVERY > 700  # Python's default


@pytest.mark.usefixtures("restored_collector")
def test_what_is_alive_at_start_is_frozen_and_its_garbage_collected_first() -> None:
    class Node:
        partner: object

    def cycle() -> weakref.ref[Node]:
        """Garbage only the collector can free; a way to see whether it was."""
        first, second = Node(), Node()
        first.partner, second.partner = second, first
        return weakref.ref(first)

    gc.disable()  # no pass of its own may free the cycle before the one under test
    try:
        garbage = cycle()
        alive = {"kept": [1, 2, 3]}
        memory.settle_after_start()
        assert garbage() is None  # collected, not frozen with the rest
        assert gc.get_freeze_count() > 0
        assert alive["kept"] == [1, 2, 3]
        # A new session (a full reconnect): what was frozen can be collected again.
        gc.unfreeze()
        garbage = cycle()
        gc.freeze()  # as if frozen along with the first session's cache
        memory.settle_after_start()
        assert garbage() is None
    finally:
        gc.enable()
