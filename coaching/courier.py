"""Rules for outbound messages: nonces, retries, keys."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

MAX_ATTEMPTS = 6
# Discord keeps nonces for a few minutes; they must be at most 25 characters.
NONCE_LENGTH = 25


def nonce_for(dedupe_key: str) -> str:
    """The same key always gives the same nonce, so a resend is recognised as a duplicate."""
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).digest()
    return "k" + base64.b32encode(digest).decode("ascii").lower()[: NONCE_LENGTH - 1]


def retry_delay(attempts: int) -> timedelta:
    """Back off 5 s, 20 s, 80 s, ~5 min, ~21 min after consecutive failures (capped at 1 h)."""
    return timedelta(seconds=min(3600, 5 * 4 ** max(0, attempts - 1)))


def should_give_up(attempts: int) -> bool:
    return attempts >= MAX_ATTEMPTS
