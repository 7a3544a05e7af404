"""Courier rules: nonces and backoff."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from coaching.courier import MAX_ATTEMPTS, nonce_for, retry_delay, should_give_up


@given(st.text(min_size=1, max_size=300))
def test_nonce_is_stable_short_and_ascii(key: str) -> None:
    nonce = nonce_for(key)
    assert nonce == nonce_for(key)
    assert len(nonce) <= 25 and nonce.isascii() and nonce.isalnum()


def test_different_keys_give_different_nonces() -> None:
    keys = [f"reflection:{member}:2026-03-{day:02d}" for member in range(200) for day in (1, 2)]
    assert len({nonce_for(key) for key in keys}) == len(keys)


def test_backoff_grows_and_is_capped() -> None:
    delays = [retry_delay(n) for n in range(1, 10)]
    assert delays == sorted(delays)
    assert delays[0] == timedelta(seconds=5)
    assert max(delays) == timedelta(hours=1)


def test_gives_up_after_max_attempts() -> None:
    assert not should_give_up(MAX_ATTEMPTS - 1)
    assert should_give_up(MAX_ATTEMPTS)
