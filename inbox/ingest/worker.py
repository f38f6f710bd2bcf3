"""The event worker: a thread that derives stored webhook events, woken the moment a webhook
commits them, and looking again every second for what a crashed worker left or a failed event
due its retry. Its own thread, so sends and media jobs can never starve it.

`python app.py` runs one in-process; with REDIS_URL each `flask jobs worker` runs one.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app
from redis import Redis, RedisError

from inbox.ingest.pipeline import drain
from inbox.jobs import handles

log = logging.getLogger(__name__)

EXTENSION_KEY = "inbox.ingest.worker"
WAKE_KEY = "inbox.ingest.wake"
POLL_SECONDS = 1.0


class RedisWake:
    """With REDIS_URL: a web process wakes an event worker in another process at once."""

    def __init__(self, redis_url: str, key: str) -> None:
        self._redis = Redis.from_url(redis_url, socket_timeout=POLL_SECONDS + 5)
        self._key = key

    def notify(self) -> None:
        try:
            pipe = self._redis.pipeline()
            pipe.lpush(self._key, 1).ltrim(self._key, 0, 9).execute()
        except RedisError:  # the worker's poll finds the events a second later
            log.warning("could not wake the event workers through Redis", exc_info=True)

    def wait(self, timeout: float) -> None:
        try:
            self._redis.blpop([self._key], timeout=max(1, round(timeout)))
        except RedisError:
            time.sleep(timeout)

    def close(self) -> None:
        self._redis.close()


class EventWorker:
    def __init__(self, app: Flask, poll: float = POLL_SECONDS) -> None:
        self._app = app
        self._poll = poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._remote: RedisWake | None = app.extensions.get(WAKE_KEY)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="inbox-events", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                with self._app.app_context():
                    drain()
            except Exception:  # a database outage must not end the worker: it tries again
                log.exception("event worker error; trying again shortly")
            if self._remote is not None and not self._stop.is_set():
                self._remote.wait(self._poll)  # woken by any web process's webhook
            else:
                self._wake.wait(self._poll)


def start_event_worker(app: Flask) -> EventWorker:
    """Start the event worker for this app (at server start, never in the factory)."""
    worker = EventWorker(app)
    app.extensions[EXTENSION_KEY] = worker
    worker.start()
    return worker


def wake_event_worker() -> None:
    """New events are committed: derive them now rather than at the next poll."""
    worker = current_app.extensions.get(EXTENSION_KEY)
    if worker is not None:
        worker.wake()
    remote = current_app.extensions.get(WAKE_KEY)
    if remote is not None:
        remote.notify()


def init_app(app: Flask) -> None:
    """With REDIS_URL, webhooks wake the event workers of `flask jobs worker` through Redis."""
    if app.config.get("REDIS_URL"):
        app.extensions[WAKE_KEY] = RedisWake(
            app.config["REDIS_URL"], app.config["REDIS_PREFIX"] + "events:wake"
        )


@handles("events.process")
def _legacy_process_job(payload: dict) -> None:
    """Jobs queued by versions before the event worker: it now takes every waiting event."""
    drain()
