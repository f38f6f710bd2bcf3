"""LINE's per-channel, per-endpoint rate limit over any 60-second window."""

from __future__ import annotations

import threading
from collections import defaultdict, deque

from inbox.sandbox.clock import Clock

WINDOW_SECONDS = 60.0
PLAN_LIMITS = {"trial": 1_000, "standard": 10_000}


class RateLimiter:
    """A sliding log: a request is allowed while fewer than `limit` were allowed in 60 s.

    Kept in memory: the window is a minute long, so losing it on restart changes nothing a
    client could rely on. Keyed by (channel, method, endpoint) as LINE counts it.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._log: dict[tuple[int, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, channel_pk: int, endpoint: str, limit: int) -> bool:
        now = self._clock.now().timestamp()
        with self._lock:
            log = self._log[(channel_pk, endpoint)]
            while log and log[0] <= now - WINDOW_SECONDS:
                log.popleft()
            if len(log) >= limit:
                return False
            log.append(now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._log.clear()
