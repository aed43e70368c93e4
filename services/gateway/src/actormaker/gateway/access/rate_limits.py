"""Per-key rate limits: a token bucket per caller, in this replica's memory.

A bucket holds a minute's worth of requests and refills continuously, so a key may burst up to
its limit and then goes on at limit/60 a second. Each replica counts on its own: behind N
replicas a key may make up to N times its limit.
"""

import math
import time
from dataclasses import dataclass

from actormaker.gateway.access.scopes import Caller
from actormaker.gateway.errors import TooManyRequests


@dataclass
class TokenBucket:
    per_minute: int
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """Take one token; 0 if there was one, else the seconds until there is."""
        rate = self.per_minute / 60
        self.tokens = min(self.per_minute, self.tokens + (now - self.updated) * rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / rate


class RateLimiter:
    def __init__(self, default_per_minute: int) -> None:
        self._default = default_per_minute
        # One bucket per key: the keys are few, and only an admin makes more.
        self._buckets: dict[str, TokenBucket] = {}

    def admit(self, caller: Caller) -> None:
        """Count one request by `caller`; TooManyRequests when it is over its limit."""
        per_minute = caller.rate_limit_per_minute
        per_minute = self._default if per_minute is None else per_minute
        if per_minute == 0:
            return
        now = time.monotonic()
        identity = str(caller.key_id or caller.name)
        bucket = self._buckets.get(identity)
        if bucket is None:
            bucket = self._buckets[identity] = TokenBucket(per_minute, per_minute, now)
        wait = bucket.take(now)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise TooManyRequests(
                f"API key {caller.name!r} is over its {per_minute} requests a minute; "
                f"retry in {retry_after} s",
                retry_after_s=retry_after,
            )
