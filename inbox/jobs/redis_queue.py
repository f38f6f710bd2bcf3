"""Jobs on Redis (REDIS_URL set): RQ carries "job N is due" to worker processes.

The database stays the source of truth (state, attempts, errors), so RQ only needs to deliver
each due job at least once: a worker claims the row with the same conditional UPDATE as the
in-process worker, so a duplicate delivery does nothing. RQ gives us worker processes,
job timeouts, delayed delivery (its scheduler) and monitoring (`rq info`).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from flask import Flask
from redis import Redis
from rq import Queue, SimpleWorker

from inbox.extensions import db
from inbox.jobs.queue import claim, due_job_ids
from inbox.jobs.runner import DEFAULT_LEASE, run_job
from inbox.models import Job, JobState, utcnow

log = logging.getLogger(__name__)

QUEUE_NAME = "line-inbox"
DISPATCHER_KEY = "inbox.jobs.dispatcher"
SWEEP_EVERY = 30.0  # seconds
OVERDUE = timedelta(seconds=30)  # a due job not picked up by then was probably lost

_worker_app: Flask | None = None


class RedisDispatcher:
    def __init__(self, redis_url: str, queue_name: str = QUEUE_NAME) -> None:
        self.redis = Redis.from_url(redis_url)
        self.queue = Queue(queue_name, connection=self.redis)

    def dispatch(self, job_id: int, run_after: datetime) -> None:
        """Hand a committed job to RQ, now or at its due time."""
        delay = run_after - utcnow()
        if delay > timedelta(0):
            self.queue.enqueue_in(delay, execute, job_id)
        else:
            self.queue.enqueue(execute, job_id)

    def close(self) -> None:
        self.redis.close()


def install_dispatcher(app: Flask) -> None:
    """With REDIS_URL: committed jobs go to RQ for `flask jobs worker` processes."""
    app.extensions[DISPATCHER_KEY] = RedisDispatcher(
        app.config["REDIS_URL"], app.config["REDIS_PREFIX"] + app.config["JOBS_QUEUE"]
    )


def dispatcher_for(app: Flask) -> RedisDispatcher | None:
    return app.extensions.get(DISPATCHER_KEY)


def execute(job_id: int) -> str:
    """What an RQ worker runs: claim the row, run it, and re-dispatch a retry."""
    assert _worker_app is not None, "run inside `flask jobs worker`"
    with _worker_app.app_context():
        if not claim(job_id, DEFAULT_LEASE):
            return "not due or taken by another worker"
        state = run_job(job_id)
        if state is JobState.QUEUED:
            job = db.session.get(Job, job_id)
            dispatcher_for(_worker_app).dispatch(job_id, job.run_after)  # type: ignore[union-attr]
        return state.value


def sweep(app: Flask) -> int:
    """Dispatch jobs that are overdue or abandoned (lost messages, crashed workers)."""
    with app.app_context():
        ids = due_job_ids(limit=500, overdue_by=OVERDUE)
        dispatcher = dispatcher_for(app)
        assert dispatcher is not None
        for job_id in ids:
            dispatcher.dispatch(job_id, utcnow())
        return len(ids)


def run_worker(app: Flask, *, burst: bool = False) -> None:
    """`flask jobs worker` with REDIS_URL: an RQ worker plus the sweeper."""
    global _worker_app
    _worker_app = app
    dispatcher = dispatcher_for(app)
    assert dispatcher is not None
    stop = threading.Event()

    def sweeper() -> None:
        while not stop.wait(SWEEP_EVERY):
            try:
                sweep(app)
            except Exception:
                log.exception("job sweep failed")

    sweep(app)
    thread = threading.Thread(target=sweeper, name="inbox-jobs-sweeper", daemon=True)
    thread.start()
    try:
        SimpleWorker([dispatcher.queue], connection=dispatcher.redis).work(
            burst=burst, with_scheduler=True
        )
    finally:
        stop.set()
        thread.join(timeout=5)


def bind_worker_app(app: Flask | None) -> None:
    """For tests that run an RQ worker in this process."""
    global _worker_app
    _worker_app = app
