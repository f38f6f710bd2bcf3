"""The channel's push quota, for the composer: asked of LINE at most once a minute per channel."""

from __future__ import annotations

import threading
import time
from typing import Any

from inbox.channels import line_client
from inbox.line import LineClient
from inbox.line.errors import LineError
from inbox.models import Channel

CACHE_SECONDS = 60.0
_cache: dict[int, tuple[float, dict[str, Any] | None]] = {}
_lock = threading.Lock()


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
    with _lock:
        cached = _cache.get(channel.id)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
    answer: dict[str, Any] | None
    try:
        answer = read_quota(line_client(channel))
    except LineError:
        answer = None
    with _lock:
        _cache[channel.id] = (time.monotonic(), answer)
    return answer


def forget_quota(channel_id: int) -> None:
    """After a push the numbers changed."""
    with _lock:
        _cache.pop(channel_id, None)
