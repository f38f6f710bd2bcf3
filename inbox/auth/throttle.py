"""Slowing down password guessing: failed sign-ins counted per account and per client address.

After LIMITS failures within WINDOW, that account (or address) is refused, even with the right
password, until the oldest counted failure ages out. A successful sign-in clears the account's
count. The counts are shared by every process: in Redis when REDIS_URL is set, otherwise in
the `sign_in_failures` table.
"""

from __future__ import annotations

import logging
import math
import uuid
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from flask import Flask, current_app

from inbox.extensions import db
from inbox.models import SignInFailure, utcnow

WINDOW = timedelta(minutes=15)
LIMITS = {"email": 5, "ip": 20}  # failures per WINDOW
EXTENSION_KEY = "inbox.sign_in_throttle"

log = logging.getLogger(__name__)


class FailureLog(Protocol):
    def add(self, scope: str, key: str, at: datetime) -> None: ...

    def recent(self, scope: str, key: str, since: datetime, limit: int) -> list[datetime]:
        """The newest `limit` failure times after `since`, newest first."""

    def clear(self, scope: str, key: str) -> None: ...


class DatabaseFailureLog:
    """One row per failure; a key's rows older than the window go when it fails again."""

    def add(self, scope: str, key: str, at: datetime) -> None:
        db.session.execute(
            sa.delete(SignInFailure).where(
                SignInFailure.scope == scope,
                SignInFailure.key == key,
                SignInFailure.created_at < at - WINDOW,
            )
        )
        db.session.add(SignInFailure(scope=scope, key=key, created_at=at))

    def recent(self, scope: str, key: str, since: datetime, limit: int) -> list[datetime]:
        return list(
            db.session.scalars(
                sa.select(SignInFailure.created_at)
                .where(
                    SignInFailure.scope == scope,
                    SignInFailure.key == key,
                    SignInFailure.created_at > since,
                )
                .order_by(SignInFailure.created_at.desc())
                .limit(limit)
            )
        )

    def clear(self, scope: str, key: str) -> None:
        db.session.execute(
            sa.delete(SignInFailure).where(SignInFailure.scope == scope, SignInFailure.key == key)
        )


class RedisFailureLog:
    """A sorted set per key, scored by the failure's Unix time, expiring with the window.

    If Redis fails, the database counts instead, so sign-in neither breaks nor stops counting.
    """

    def __init__(self, redis_url: str, prefix: str = "line-inbox:sign-in:") -> None:
        import redis

        self._redis = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        self._errors = redis.RedisError
        self._prefix = prefix
        self._fallback = DatabaseFailureLog()

    def _key(self, scope: str, key: str) -> str:
        return f"{self._prefix}{scope}:{key}"

    def _failed(self, error: Exception) -> None:
        log.warning("sign-in failure counts fall back to the database: %s", error)

    def add(self, scope: str, key: str, at: datetime) -> None:
        name = self._key(scope, key)
        pipe = self._redis.pipeline()
        pipe.zremrangebyscore(name, "-inf", (at - WINDOW).timestamp())
        pipe.zadd(name, {uuid.uuid4().hex: at.timestamp()})
        pipe.expire(name, math.ceil(WINDOW.total_seconds()))
        try:
            pipe.execute()
        except self._errors as error:
            self._failed(error)
            self._fallback.add(scope, key, at)

    def recent(self, scope: str, key: str, since: datetime, limit: int) -> list[datetime]:
        try:
            scored = self._redis.zrevrangebyscore(
                self._key(scope, key), "+inf", f"({since.timestamp()}", 0, limit, withscores=True
            )
        except self._errors as error:
            self._failed(error)
            return self._fallback.recent(scope, key, since, limit)
        return [datetime.fromtimestamp(score, tz=since.tzinfo) for _member, score in scored]

    def clear(self, scope: str, key: str) -> None:
        try:
            self._redis.delete(self._key(scope, key))
        except self._errors as error:
            self._failed(error)
        self._fallback.clear(scope, key)

    def close(self) -> None:
        self._redis.close()


def failure_log() -> FailureLog:
    return current_app.extensions[EXTENSION_KEY]


def _keys(email: str, ip: str | None) -> dict[str, str]:
    keys = {"email": email.strip().lower()[:320]}
    if ip:
        keys["ip"] = ip
    return keys


def retry_after(email: str, ip: str | None) -> int | None:
    """Seconds until this account and address may try again, or None if they may now."""
    now = utcnow()
    waits = []
    for scope, key in _keys(email, ip).items():
        limit = LIMITS[scope]
        times = failure_log().recent(scope, key, now - WINDOW, limit)
        if len(times) >= limit:  # free again when the oldest of the newest `limit` ages out
            waits.append((times[-1] + WINDOW - now).total_seconds())
    return max(1, math.ceil(max(waits))) if waits else None


def note_failure(email: str, ip: str | None) -> None:
    now = utcnow()
    for scope, key in _keys(email, ip).items():
        failure_log().add(scope, key, now)
    db.session.commit()


def note_success(email: str) -> None:
    """The account's count starts again; the address's count stays (one address, many guesses)."""
    failure_log().clear("email", email.strip().lower()[:320])
    db.session.commit()


def init_app(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    app.extensions[EXTENSION_KEY] = (
        RedisFailureLog(redis_url, prefix=app.config["REDIS_PREFIX"] + "sign-in:")
        if redis_url
        else DatabaseFailureLog()
    )
