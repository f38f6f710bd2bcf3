"""Pacing requests to LINE under each channel's per-minute limit, before LINE enforces it.

GCRA (the generic cell rate algorithm): each request reserves the next free slot on a
schedule spaced 60/limit seconds apart and sleeps until it. Evenly spaced requests never put
more than the limit into any 60-second window, however LINE counts; a small headroom absorbs
network jitter. With Redis the schedule lives in one key per channel and Redis's own clock
decides, so every thread of every process shares it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)


class WaitTooLong(Exception):
    def __init__(self, wait: float) -> None:
        super().__init__(f"the next free slot is {wait:.1f} s away")
        self.wait = wait


class RateLimiter(Protocol):
    def reserve(self, key: str, per_minute: float, max_wait: float) -> float:
        """Reserve the next slot; return seconds to wait for it, or raise WaitTooLong."""

    def backlog(self, key: str) -> float:
        """Seconds until the next free slot (0: a request now would go at once)."""


class LocalRateLimiter:
    """One schedule per key for all threads of this process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._next_free: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, key: str, per_minute: float, max_wait: float) -> float:
        interval = 60.0 / per_minute
        with self._lock:
            now = self._clock()
            slot = max(self._next_free.get(key, now), now)
            wait = slot - now
            if wait > max_wait:
                raise WaitTooLong(wait)
            self._next_free[key] = slot + interval
            return wait

    def backlog(self, key: str) -> float:
        with self._lock:
            return max(0.0, self._next_free.get(key, 0.0) - self._clock())


# Times in microseconds from Redis TIME; returns the wait, or -(wait + 1) when too long.
_GCRA_SCRIPT = """
local interval = tonumber(ARGV[1])
local max_wait = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local slot = tonumber(redis.call('GET', KEYS[1]) or now)
if slot < now then slot = now end
local wait = slot - now
if wait > max_wait then return -(wait + 1) end
local next_free = slot + interval
local ttl_ms = math.floor((next_free - now) / 1000) + 60000
redis.call('SET', KEYS[1], string.format('%d', next_free), 'PX', ttl_ms)
return wait
"""


class RedisRateLimiter:
    """The schedule in Redis, shared by every process; falls back to local pacing if Redis fails."""

    def __init__(self, redis_url: str, prefix: str = "line-inbox:rate:") -> None:
        import redis

        self._redis = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self._redis.register_script(_GCRA_SCRIPT)
        self._prefix = prefix
        self._fallback = LocalRateLimiter()
        self._warned = False

    def reserve(self, key: str, per_minute: float, max_wait: float) -> float:
        import redis

        try:
            answer = int(
                self._script(
                    keys=[self._prefix + key],
                    args=[int(60_000_000 / per_minute), int(max_wait * 1_000_000)],
                )
            )
        except redis.RedisError:
            if not self._warned:
                log.warning(
                    "Redis unreachable: pacing LINE requests per process only", exc_info=True
                )
                self._warned = True
            return self._fallback.reserve(key, per_minute, max_wait)
        self._warned = False
        if answer < 0:
            raise WaitTooLong((-answer - 1) / 1_000_000)
        return answer / 1_000_000

    def backlog(self, key: str) -> float:
        """Read the shared schedule against Redis's own clock; this process's if Redis fails."""
        import redis

        try:
            with self._redis.pipeline(transaction=False) as pipe:
                next_free, (seconds, micros) = pipe.get(self._prefix + key).time().execute()
        except redis.RedisError:
            return self._fallback.backlog(key)
        if next_free is None:
            return 0.0
        now = int(seconds) * 1_000_000 + int(micros)
        return max(0.0, (int(next_free) - now) / 1_000_000)

    def close(self) -> None:
        self._redis.close()
