"""The rate schedule shared through Redis: two processes' limiters interleave on one schedule."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from inbox.line.ratelimit import RedisRateLimiter, WaitTooLong

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url() -> str:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        message = f"Redis is not reachable at {REDIS_URL}: {exc}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    finally:
        client.close()
    return REDIS_URL


def test_two_limiters_share_one_schedule(redis_url: str) -> None:
    key = f"test-{uuid.uuid4()}"
    first, second = RedisRateLimiter(redis_url), RedisRateLimiter(redis_url)
    try:
        waits = [(first if n % 2 else second).reserve(key, 60, max_wait=10) for n in range(6)]
    finally:
        first.close()
        second.close()
    # One request a second: each reservation is a second after the previous one, whichever
    # process made it (less the few milliseconds that pass between the calls).
    for slot, wait in enumerate(waits):
        assert slot - 0.5 < wait <= slot


def test_a_wait_past_the_bound_reserves_nothing(redis_url: str) -> None:
    key = f"test-{uuid.uuid4()}"
    limiter = RedisRateLimiter(redis_url)
    try:
        assert limiter.reserve(key, 1, max_wait=5) == 0
        with pytest.raises(WaitTooLong) as raised:
            limiter.reserve(key, 1, max_wait=5)
        assert 59 < raised.value.wait <= 60
        with pytest.raises(WaitTooLong) as again:  # the refused call did not take a slot
            limiter.reserve(key, 1, max_wait=5)
        assert again.value.wait <= raised.value.wait
    finally:
        limiter.close()


def test_unreachable_redis_falls_back_to_local_pacing() -> None:
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0")
    try:
        assert limiter.reserve("k", 60, max_wait=5) == 0
        assert 0.9 < limiter.reserve("k", 60, max_wait=5) <= 1.0
    finally:
        limiter.close()


def test_another_process_sees_the_shared_backlog(redis_url: str) -> None:
    key = f"test-{uuid.uuid4()}"
    sender, watcher = RedisRateLimiter(redis_url), RedisRateLimiter(redis_url)
    try:
        assert watcher.backlog(key) == 0.0
        for _ in range(3):
            sender.reserve(key, 60, max_wait=10)
        assert 2.5 < watcher.backlog(key) <= 3.0  # three one-second slots booked ahead
    finally:
        sender.close()
        watcher.close()


def test_unreachable_redis_reports_this_process_backlog() -> None:
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0")
    try:
        limiter.reserve("k", 60, max_wait=5)
        assert 0.9 < limiter.backlog("k") <= 1.0
    finally:
        limiter.close()
