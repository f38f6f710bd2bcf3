"""One HTTP round trip to LINE, done right: paced, timed out, retried, mapped, recorded."""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
)

from inbox.line.errors import (
    LineError,
    LineQuotaExceeded,
    LineUnavailable,
    RateLimitWaitTooLong,
    error_class_for,
)
from inbox.line.ratelimit import RateLimiter, WaitTooLong

log = logging.getLogger(__name__)

REQUEST_ID = "X-Line-Request-Id"
ACCEPTED_REQUEST_ID = "X-Line-Accepted-Request-Id"


@dataclass(frozen=True)
class CallRecord:
    """One attempt, as written to the call log."""

    channel_id: int | None
    endpoint: str
    method: str
    path: str
    attempt: int
    status: int | None
    request_id: str | None
    accepted_request_id: str | None
    duration_ms: int
    error: str | None


Recorder = Callable[[CallRecord], None]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff with jitter (so retrying workers spread out); LINE's
        Retry-After, when it sends one, is a floor."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        jittered = ceiling / 2 + random.uniform(0, ceiling / 2)
        return max(jittered, retry_after or 0.0)


@dataclass
class Transport:
    """Shared by a channel's clients: session, pacing, timeouts, retry policy, call log."""

    session: requests.Session
    limiter: RateLimiter
    rate_key: str
    per_minute: float
    recorder: Recorder
    channel_id: int | None = None
    timeout: tuple[float, float] = (3.05, 15.0)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_wait: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def _pace(self, endpoint: str) -> None:
        try:
            wait = self.limiter.reserve(self.rate_key, self.per_minute, self.max_wait)
        except WaitTooLong as exc:
            raise RateLimitWaitTooLong(
                f"The channel's rate limit would delay this request {exc.wait:.0f} s",
                endpoint=endpoint,
            ) from exc
        if wait > 0:
            self.sleep(wait)

    def request(
        self,
        endpoint: str,
        method: str,
        url: str,
        path: str,
        *,
        safe_to_retry: bool,
        stream: bool = False,
        timeout: tuple[float, float] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send with retries; return a 2xx response or raise a LineError.

        `safe_to_retry`: the request may be repeated even if LINE might have acted on it
        (reads, pushes with a retry key). Otherwise only failures that prove LINE never
        acted are retried: 429 (refused before processing) and connections never made.
        """
        for attempt in range(1, self.retry.attempts + 1):
            self._pace(endpoint)
            started = time.monotonic()
            try:
                response = self.session.request(
                    method, url, timeout=timeout or self.timeout, stream=stream, **kwargs
                )
            except requests.RequestException as exc:
                elapsed = _millis_since(started)
                error = LineUnavailable(_describe_network_error(exc), endpoint=endpoint)
                self._record(
                    endpoint, method, path, attempt, None, None, elapsed, without_query(str(exc))
                )
                if attempt < self.retry.attempts and (safe_to_retry or _never_reached(exc)):
                    self.sleep(self.retry.delay(attempt, None))
                    continue
                raise error from exc
            elapsed = _millis_since(started)
            if response.status_code < 400:
                self._record(endpoint, method, path, attempt, response, None, elapsed, None)
                return response
            error = _error_from(response, endpoint)
            self._record(endpoint, method, path, attempt, response, error, elapsed, error.message)
            retryable = (
                response.status_code == 429 and not isinstance(error, LineQuotaExceeded)
            ) or (response.status_code >= 500 and safe_to_retry)
            if retryable and attempt < self.retry.attempts:
                self.sleep(self.retry.delay(attempt, error.retry_after))
                continue
            raise error
        raise AssertionError("unreachable: the loop returns or raises")

    def _record(
        self,
        endpoint: str,
        method: str,
        path: str,
        attempt: int,
        response: requests.Response | None,
        error: LineError | None,
        duration_ms: int,
        message: str | None,
    ) -> None:
        record = CallRecord(
            channel_id=self.channel_id,
            endpoint=endpoint,
            method=method,
            path=path,
            attempt=attempt,
            status=response.status_code if response is not None else None,
            request_id=response.headers.get(REQUEST_ID) if response is not None else None,
            accepted_request_id=(
                response.headers.get(ACCEPTED_REQUEST_ID) if response is not None else None
            ),
            duration_ms=duration_ms,
            error=str(error) if error is not None else message,
        )
        try:
            self.recorder(record)
        except Exception:  # the call log must never break sending
            log.exception("could not record a LINE API call")


def _millis_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _never_reached(exc: requests.RequestException) -> bool:
    """True when the request provably never reached LINE (so even a reply may be retried)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        return isinstance(reason, NewConnectionError | ConnectTimeoutError | NameResolutionError)
    return False


def without_query(text: str) -> str:
    """An error text without URL query strings: the token API takes tokens and JWT
    assertions as query parameters, and they must never reach the call log."""
    return re.sub(r"\?[^\s'\")]*", "?…", text)


def _describe_network_error(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return "Timed out connecting to LINE"
    if isinstance(exc, requests.Timeout):
        return "LINE did not answer in time"
    if isinstance(exc, requests.ConnectionError):
        return "Could not connect to LINE"
    return f"The request to LINE failed: {exc.__class__.__name__}"


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _error_from(response: requests.Response, endpoint: str) -> LineError:
    """LINE's error body: `{message, details[]}`, or `{error, error_description}` (tokens)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message, details = "", []
    if isinstance(body, dict):
        message = str(
            body.get("message") or body.get("error_description") or body.get("error") or ""
        )
        raw_details = body.get("details")
        if isinstance(raw_details, list):
            details = [item for item in raw_details if isinstance(item, dict)]
    if not message:
        message = response.reason or f"HTTP {response.status_code}"
    error_class = error_class_for(response.status_code, message)
    if response.raw is not None:
        response.close()
    return error_class(
        message,
        endpoint=endpoint,
        status=response.status_code,
        request_id=response.headers.get(REQUEST_ID),
        details=details,
        body=body,
        retry_after=_retry_after(response),
        accepted_request_id=response.headers.get(ACCEPTED_REQUEST_ID),
    )
