"""The one LINE client: every call to LINE goes through here.

It knows nothing of the app above it (no models, no database): `inbox.channels.line_client`
gives a channel's client with its token and call log. Clients of a channel share one pooled
`requests.Session` and one rate schedule (per process, or across processes with Redis).
"""

from __future__ import annotations

import threading

import requests
from flask import Flask, current_app
from requests.adapters import HTTPAdapter

from inbox.line.client import LineClient, SendResult
from inbox.line.errors import LineError
from inbox.line.ratelimit import LocalRateLimiter, RateLimiter, RedisRateLimiter
from inbox.line.transport import CallRecord, Recorder, RetryPolicy, Transport

EXTENSION_KEY = "inbox.line"
IMPATIENT_MAX_WAIT = 1.0  # seconds an impatient client waits for a rate-limit slot


class LinePlatform:
    """Per app: pooled sessions per channel and the shared rate limiter."""

    def __init__(self, app: Flask) -> None:
        self._app_config = app.config  # read when a client is made: the sandbox may repoint it
        redis_url = app.config.get("REDIS_URL")
        self.limiter: RateLimiter = (
            RedisRateLimiter(redis_url, prefix=app.config["REDIS_PREFIX"] + "rate:")
            if redis_url
            else LocalRateLimiter()
        )
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
        recorder: Recorder,
        channel_id: int | None = None,
        patient: bool = True,
    ) -> LineClient:
        """A client paced on `rate_key`'s schedule; `recorder` keeps the log of every attempt.

        `patient=False` (for jobs that can come back later): one attempt, and at most a second
        of waiting for a slot under the rate limit; the caller reschedules itself instead of
        holding a worker thread through LINE's backoff."""
        config = self._app_config
        transport = Transport(
            session=self._session(rate_key),
            limiter=self.limiter,
            rate_key=rate_key,
            per_minute=per_minute * config["LINE_RATE_LIMIT_HEADROOM"],
            recorder=recorder,
            channel_id=channel_id,
            timeout=(config["LINE_CONNECT_TIMEOUT"], config["LINE_READ_TIMEOUT"]),
            retry=RetryPolicy(attempts=config["LINE_RETRY_ATTEMPTS"] if patient else 1),
            max_wait=config["LINE_RATE_LIMIT_MAX_WAIT"] if patient else IMPATIENT_MAX_WAIT,
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


__all__ = ["CallRecord", "LineClient", "LineError", "SendResult", "init_app", "line_platform"]
