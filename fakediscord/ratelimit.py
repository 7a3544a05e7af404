"""Per-route buckets, the global limit and fault injection.

Rejected (429) attempts never consume a slot: discord.py retries a 429 at most five
times, and a bucket that counted its own rejections could starve a request forever.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BucketSpec:
    name: str
    limit: int
    window: float  # seconds, before time scaling
    major: str | None = None  # route parameter the bucket is keyed by

    @property
    def hash(self) -> str:
        # Discord's bucket ids are opaque hashes; a stable one per bucket name lets
        # discord.py learn and share buckets across routes exactly as it does live.
        return hashlib.md5(self.name.encode(), usedforsecurity=False).hexdigest()


@dataclass(slots=True)
class Bucket:
    limit: int
    window: float
    count: int = 0
    reset_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Verdict:
    """A successful take: the headers that describe the bucket afterwards."""

    limit: int
    remaining: int
    reset_after: float
    bucket_hash: str

    def headers(self) -> dict[str, str]:
        reset_after = max(self.reset_after, 0.001)
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": self.bucket_hash,
        }


@dataclass(frozen=True, slots=True)
class Limited:
    retry_after: float
    scope: str  # "user" | "global" | "shared"
    is_global: bool
    limit: int
    bucket_hash: str | None


class RateLimiter:
    def __init__(self, *, global_limit: int, time_scale: float = 1.0) -> None:
        self.global_limit = global_limit
        self.time_scale = time_scale
        self._buckets: dict[str, Bucket] = {}
        self._global = Bucket(limit=global_limit, window=1.0)

    def peek_global(self, now: float) -> Limited | None:
        g = self._global
        g.limit = self.global_limit
        if now >= g.reset_at:
            g.count = 0
            g.reset_at = now + g.window
        if g.count >= g.limit:
            return Limited(g.reset_at - now, "global", True, g.limit, None)
        return None

    def take_global(self) -> None:
        self._global.count += 1

    def _bucket(self, spec: BucketSpec, major_value: str, now: float) -> Bucket:
        key = f"{spec.name}:{major_value}"
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(spec.limit, spec.window * self.time_scale)
            if len(self._buckets) > 50_000:
                self._evict(now)
        if now >= bucket.reset_at:
            bucket.count = 0
            bucket.reset_at = now + bucket.window
        return bucket

    def _evict(self, now: float) -> None:
        # Buckets whose window has passed carry no state worth keeping.
        for key in [k for k, b in self._buckets.items() if now >= b.reset_at]:
            del self._buckets[key]

    def peek(self, spec: BucketSpec, major_value: str, now: float) -> Limited | None:
        bucket = self._bucket(spec, major_value, now)
        if bucket.count >= bucket.limit:
            return Limited(bucket.reset_at - now, "user", False, bucket.limit, spec.hash)
        return None

    def take(self, spec: BucketSpec, major_value: str, now: float) -> Verdict:
        bucket = self._bucket(spec, major_value, now)
        bucket.count += 1
        return Verdict(
            limit=bucket.limit,
            remaining=max(bucket.limit - bucket.count, 0),
            reset_after=bucket.reset_at - now,
            bucket_hash=spec.hash,
        )


class FaultInjector:
    """Random 429/5xx answers for matching requests, reproducible by seed.

    An identical request (same method, path and body, i.e. a client retry) is faulted
    at most ``max_per_request`` times, so discord.py's five attempts always suffice
    for injected 429s and the test measures the bot, not bad luck.
    """

    def __init__(self) -> None:
        self.rate_429 = 0.0
        self.rate_5xx = 0.0
        self.path_contains = "/messages"
        self.max_per_request = 2
        self.statuses_5xx: Sequence[int] = (500, 502, 503)
        self.retry_after = (0.05, 0.2)
        self._rng = random.Random(0)
        self._faulted: dict[bytes, int] = {}
        self.injected = 0

    @property
    def active(self) -> bool:
        return self.rate_429 > 0 or self.rate_5xx > 0

    def configure(
        self,
        *,
        rate_429: float,
        rate_5xx: float,
        path_contains: str,
        seed: int,
        max_per_request: int,
        statuses_5xx: Sequence[int],
    ) -> None:
        if not 0 <= rate_429 + rate_5xx <= 1:
            raise ValueError("rate_429 + rate_5xx must be within 0..1")
        self.rate_429 = rate_429
        self.rate_5xx = rate_5xx
        self.path_contains = path_contains
        self.max_per_request = max_per_request
        self.statuses_5xx = tuple(statuses_5xx)
        self._rng = random.Random(seed)
        self._faulted.clear()

    def decide(self, method: str, path: str, identity: bytes) -> int | None:
        """Returns 429 / a 5xx status to inject, or None."""
        if not self.active or self.path_contains not in path:
            return None
        key = hashlib.blake2b(
            method.encode() + b" " + path.encode() + b"\0" + identity, digest_size=16
        ).digest()
        if self._faulted.get(key, 0) >= self.max_per_request:
            return None
        roll = self._rng.random()
        if roll < self.rate_429:
            status = 429
        elif roll < self.rate_429 + self.rate_5xx:
            status = self._rng.choice(list(self.statuses_5xx))
        else:
            return None
        self._faulted[key] = self._faulted.get(key, 0) + 1
        self.injected += 1
        return status

    def injected_retry_after(self) -> float:
        low, high = self.retry_after
        return round(self._rng.uniform(low, high), 3)
