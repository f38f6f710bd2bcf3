"""The channel's monthly push quota: asked of LINE at most once a minute per channel.

The composer polls every few seconds and every push is checked against the quota before it is
queued, so LINE's answer is kept for CACHE_SECONDS per channel (per app, so tests and
deployments never share it) and our own pushes are subtracted from it meanwhile.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import current_app

from inbox.channels import line_client
from inbox.line import LineClient
from inbox.line.errors import LineError
from inbox.models import Channel

CACHE_SECONDS = 60.0
EXTENSION_KEY = "inbox.push_quota"


class _QuotaCache:
    def __init__(self) -> None:
        self.answers: dict[int, tuple[float, dict[str, Any] | None]] = {}
        self.lock = threading.Lock()


def _cache() -> _QuotaCache:
    return current_app.extensions.setdefault(EXTENSION_KEY, _QuotaCache())


def read_quota(client: LineClient) -> dict[str, Any]:
    """`{type, limit, used, remaining}` straight from LINE; raises LineError."""
    quota = client.message_quota()
    used = client.message_quota_consumption()
    limit = quota.get("value") if quota.get("type") == "limited" else None
    return {
        "type": quota.get("type"),
        "limit": limit,
        "used": used,
        "remaining": max(0, limit - used) if limit is not None else None,
    }


def push_quota(channel: Channel) -> dict[str, Any] | None:
    """`{type, limit, used, remaining}`; None when LINE cannot say right now."""
    cache = _cache()
    with cache.lock:
        cached = cache.answers.get(channel.id)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
    answer: dict[str, Any] | None
    try:
        # One quick try: a send or the composer's hint must not wait out LINE's backoff.
        answer = read_quota(line_client(channel, patient=False))
    except (LineError, KeyError, TypeError, ValueError, AttributeError):
        answer = None  # unreachable, or an answer not shaped like LINE's: unknown
    if answer is not None and answer["type"] not in ("none", "limited"):
        answer = None
    with cache.lock:
        cache.answers[channel.id] = (time.monotonic(), answer)
    return answer


def spend_quota(channel_id: int, units: int) -> None:
    """A push went out: count it in the kept answer until LINE is asked again."""
    cache = _cache()
    with cache.lock:
        cached = cache.answers.get(channel_id)
        if not cached or cached[1] is None:
            return
        answer = dict(cached[1])
        answer["used"] += units
        if answer["limit"] is not None:
            answer["remaining"] = max(0, answer["limit"] - answer["used"])
        cache.answers[channel_id] = (cached[0], answer)


def forget_quota(channel_id: int) -> None:
    """LINE refused for the quota: ask it again next time."""
    cache = _cache()
    with cache.lock:
        cache.answers.pop(channel_id, None)
