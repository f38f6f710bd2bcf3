"""The one LINE client: every call to LINE goes through here.

`line_client(channel)` gives a channel's client. Clients of a channel share one pooled
`requests.Session` and one rate schedule (per process, or across processes with Redis).
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from flask import Flask, current_app
from requests.adapters import HTTPAdapter

from inbox.extensions import db
from inbox.line.client import LineClient, SendResult
from inbox.line.errors import LineError
from inbox.line.ratelimit import LocalRateLimiter, RateLimiter, RedisRateLimiter
from inbox.line.transport import CallRecord, RetryPolicy, Transport
from inbox.models import Channel, LineApiCall

EXTENSION_KEY = "inbox.line"


def record_in_database(record: CallRecord) -> None:
    """Write the call log in its own transaction, whatever the caller's session is doing."""
    with db.engine.begin() as connection:
        connection.execute(LineApiCall.__table__.insert().values(**record.__dict__))


class LinePlatform:
    """Per app: pooled sessions per channel and the shared rate limiter."""

    def __init__(self, app: Flask) -> None:
        self._app_config = app.config  # read when a client is made: the sandbox may repoint it
        redis_url = app.config.get("REDIS_URL")
        self.limiter: RateLimiter = RedisRateLimiter(redis_url) if redis_url else LocalRateLimiter()
        self._sessions: dict[str, requests.Session] = {}
        self._lock = threading.Lock()

    def _session(self, key: str) -> requests.Session:
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                session = requests.Session()
                adapter = HTTPAdapter(pool_connections=2, pool_maxsize=32, max_retries=0)
                session.mount("https://", adapter)
                session.mount("http://", adapter)
                session.headers["User-Agent"] = "LINE-Inbox/0.1 (+python-requests)"
                self._sessions[key] = session
            return session

    def plain_session(self) -> requests.Session:
        """For LINE's picture CDN: pooled, but no bearer token and no channel pacing."""
        return self._session("__pictures__")

    def client(
        self,
        *,
        rate_key: str,
        per_minute: float,
        access_token: str,
        channel_id: int | None = None,
        recorder: Any = record_in_database,
    ) -> LineClient:
        config = self._app_config
        transport = Transport(
            session=self._session(rate_key),
            limiter=self.limiter,
            rate_key=rate_key,
            per_minute=per_minute * config["LINE_RATE_LIMIT_HEADROOM"],
            recorder=recorder,
            channel_id=channel_id,
            timeout=(config["LINE_CONNECT_TIMEOUT"], config["LINE_READ_TIMEOUT"]),
            retry=RetryPolicy(attempts=config["LINE_RETRY_ATTEMPTS"]),
            max_wait=config["LINE_RATE_LIMIT_MAX_WAIT"],
        )
        return LineClient(
            transport,
            access_token=access_token,
            api_base_url=self._app_config["LINE_API_BASE_URL"],
            data_base_url=self._app_config["LINE_DATA_API_BASE_URL"],
        )

    def close(self) -> None:
        with self._lock:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()
        if isinstance(self.limiter, RedisRateLimiter):
            self.limiter.close()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = LinePlatform(app)


def line_platform() -> LinePlatform:
    return current_app.extensions[EXTENSION_KEY]


def line_client(channel: Channel) -> LineClient:
    """The client for a channel, paced by the channel's own limit."""
    recorder: Any = record_in_database
    if channel.automatic_token:
        from inbox.admin.tokens import renew_when_rejected  # the admin area builds on this one

        recorder = renew_when_rejected
    return line_platform().client(
        rate_key=channel.line_channel_id,
        per_minute=channel.rate_limit_per_minute,
        access_token=channel.access_token or "",
        channel_id=channel.id,
        recorder=recorder,
    )


__all__ = ["LineClient", "LineError", "SendResult", "init_app", "line_client", "line_platform"]
